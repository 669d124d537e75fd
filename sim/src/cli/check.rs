//! `raftsim check`: judge history files with the linearizability checker.
//!
//! Placeholder until the checker issue lands; see `checker/`.

use clap::Args;

/// Arguments of `raftsim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// History files to check.
    #[arg(required = true)]
    pub files: Vec<std::path::PathBuf>,
}

/// Runs `raftsim check` and returns the process exit code.
pub fn run(_args: &CheckArgs) -> u8 {
    eprintln!("raftsim check: not implemented yet");
    2
}
