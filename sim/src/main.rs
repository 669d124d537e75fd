//! `raftsim`: the command-line front end of the simulator.
//!
//! With no command it runs the main job, a sweep of every scenario over the default seeds
//! on all cores. Exit codes: 0 all runs passed, 1 some run failed, 64 bad usage, 65 a
//! malformed seeds file, 66 a missing input file, 74 an output file (or stdout) that
//! cannot be written, 130/143 a sweep stopped by SIGINT/SIGTERM, 141 stdout closed by its
//! reader (see `sim::cli::output`).

use std::process::ExitCode;

/// The simulator allocates and frees small objects at a high rate (messages, log
/// entries, effects); mimalloc does that in about half the instructions of glibc's
/// allocator. Allocation does not feed into any simulated choice, so runs are the same
/// byte for byte with either. The meter around it keeps the bytes each thread holds, so
/// that a run can be held to its memory bound (`--memory-max`) and report its peak.
#[global_allocator]
static ALLOCATOR: alloc_meter::MeteredAllocator<mimalloc::MiMalloc> =
    alloc_meter::MeteredAllocator(mimalloc::MiMalloc);

fn main() -> ExitCode {
    sim::cli::command::main_with(Vec::new())
}
