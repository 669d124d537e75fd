//! Running a list of runs in parallel, as `sweep`, `swarm` and `replay` do, and
//! reporting them.
//!
//! * [`runner`]: the worker threads, each run single-threaded, results in the list's
//!   order; [`interrupt`]: SIGINT and SIGTERM during a batch; [`determinism`]: the
//!   `--check-determinism` comparison; [`in_flight`]: the runs in progress, and the slow
//!   ones named;
//! * [`progress`] (stderr), [`json_lines`] (`--json`, which begins with a [`header`]),
//!   [`report`] and [`summary`] (stdout): what the user sees; `merge` reads the
//!   `--json` files back and prints the same report.

pub mod determinism;
pub mod header;
pub mod in_flight;
pub mod interrupt;
pub mod json_lines;
pub mod progress;
pub mod report;
pub mod runner;
pub mod summary;
