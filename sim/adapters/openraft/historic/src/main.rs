//! `raftsim-openraft-alpha24`: the `raftsim` command line, with `--raft openraft` running
//! openraft 0.10.0-alpha.24 (the adapter's feature `openraft-alpha-24`, locked by this
//! crate's Cargo.lock). Everything else is the ordinary `raftsim`.

use std::process::ExitCode;

/// As in `raftsim`: mimalloc for speed; allocation feeds no simulated choice.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    sim::cli::command::main_with(Vec::new())
}
