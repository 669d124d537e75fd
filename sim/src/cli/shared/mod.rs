//! What every command shares: the errors and exit codes, the lines it prints, the files
//! it claims, how a run's panic and verdict are reported, and the arguments several
//! commands parse.
//!
//! * [`exit`]: the exit codes; [`error`]: what can go wrong, with the code for each;
//! * [`output`]: every line a command prints (a closed pipe or a full disk is an exit
//!   code, not a panic); [`claims`]: no output overwrites an input or another output;
//! * [`record`]: one run as reported; [`artifacts`]: a failure's files (where a run
//!   panicked, and which panics are the simulator's own, is [`crate::panics`]);
//! * [`raft_arg`] (`--raft NAME`), [`seed_range`] (`--seed`, `--seeds`), [`filter`]
//!   (`--filter`), [`schedule_file`] (`--schedule FILE`): parsing what users type;
//! * [`stopwatch`]: the only wall clock in `sim`.

pub mod artifacts;
pub mod budget_arg;
pub mod claims;
pub mod error;
pub mod exit;
pub mod filter;
pub mod knobs_arg;
pub mod output;
pub mod raft_arg;
pub mod record;
pub mod schedule_file;
pub mod seed_range;
pub mod stopwatch;
