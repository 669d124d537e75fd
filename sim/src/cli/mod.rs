//! The `raftsim` command line: one module per subcommand, plus the pieces they share.
//!
//! * [`list`], [`run`], [`sweep`] (also the main job), [`replay`], [`check`]: the commands;
//! * [`filter`], [`seed_range`], [`shard`], [`seeds`]: parsing what users type;
//! * [`record`], [`summary`], [`progress`], [`artifacts`], [`determinism`]: reporting;
//! * [`catalog`], [`selftest`]: which scenarios the CLI sees;
//! * [`panics`]: where a run panicked, kept quiet in sweeps;
//! * [`stopwatch`]: the only wall clock in `sim`;
//! * [`error`]: what can go wrong, and the exit code for each.

pub mod artifacts;
pub mod catalog;
pub mod check;
pub mod determinism;
pub mod error;
pub mod filter;
pub mod list;
pub mod panics;
pub mod progress;
pub mod record;
pub mod replay;
pub mod run;
pub mod seed_range;
pub mod seeds;
pub mod selftest;
pub mod shard;
pub mod stopwatch;
pub mod summary;
pub mod sweep;

pub use error::{Error, Result};
