//! The `raftsim` command line: one module per subcommand, plus the pieces they share.
//!
//! * [`list`], [`run`], [`sweep`] (also the main job), [`swarm`], [`shrink`], [`replay`],
//!   [`check`]: the commands;
//! * [`filter`], [`seed_range`], [`shard`], [`seeds`]: parsing what users type;
//! * [`plan`]: a sweep's run list; [`runner`]: running a list in parallel;
//!   [`interrupt`]: SIGINT and SIGTERM during a sweep;
//! * [`output`]: every line a command prints (a closed pipe or a full disk is an exit
//!   code, not a panic); [`claims`]: no output overwrites an input or another output;
//! * [`record`], [`report`], [`summary`], [`progress`], [`json_lines`], [`artifacts`],
//!   [`determinism`]: reporting;
//! * [`raft_arg`]: `--raft NAME`, which implementation's scenarios the CLI sees;
//! * [`panics`]: where a run panicked, kept quiet in sweeps;
//! * [`stopwatch`]: the only wall clock in `sim`;
//! * [`error`]: what can go wrong, and the exit code for each.

pub mod artifacts;
pub mod check;
pub mod claims;
pub mod command;
pub mod determinism;
pub mod error;
pub mod filter;
pub mod interrupt;
pub mod json_lines;
pub mod list;
pub mod output;
pub mod panics;
pub mod plan;
pub mod progress;
pub mod raft_arg;
pub mod record;
pub mod replay;
pub mod report;
pub mod run;
pub mod runner;
pub mod schedule_file;
pub mod seed_range;
pub mod seeds;
pub mod shard;
pub mod shrink;
pub mod stopwatch;
pub mod summary;
pub mod swarm;
pub mod sweep;

pub use error::{Error, Result};
