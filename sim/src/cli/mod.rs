//! The `raftsim` command line: one module (or folder) per subcommand, plus the parts
//! they share.
//!
//! * [`command`]: parsing the arguments and dispatching; [`list`], [`run`], [`sweep`]
//!   (also the main job; its run list, filter and shards), [`swarm`], [`shrink`],
//!   [`replay`] (and its seeds corpus), [`merge`] (shards' `--json` files into one
//!   report), [`check`]: the commands;
//! * [`batch`]: running a list of runs in parallel and reporting it (`sweep`, `swarm`,
//!   `replay`);
//! * [`shared`]: errors and exit codes, output, claims on files, records, artifacts,
//!   panics, and the arguments several commands parse.
//!
//! [`error`] and [`output`] are re-exported here: every command, and crates that call
//! [`command::main_with`], name them as `cli::error` and `cli::output`.

pub mod batch;
pub mod check;
pub mod command;
pub mod list;
pub mod merge;
pub mod replay;
pub mod run;
pub mod shared;
pub mod shrink;
pub mod swarm;
pub mod sweep;

pub use error::{Error, Result};
pub use shared::{error, output};
