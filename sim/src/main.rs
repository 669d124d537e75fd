//! `raftsim`: the command-line front end of the simulator.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

use sim::cli;

/// Exit code for bad usage (sysexits' EX_USAGE).
const EXIT_USAGE: u8 = 64;

/// raftsim: deterministic, seed-reproducible simulation of Raft and a Raft-backed KV store.
#[derive(Debug, Parser)]
#[command(name = "raftsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check history files for linearizability.
    Check(cli::check::CheckArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version requests are not errors; everything else is bad usage.
            let code = if err.use_stderr() { EXIT_USAGE } else { 0 };
            let _ = err.print();
            return ExitCode::from(code);
        }
    };
    let code = match cli.command {
        Some(Command::Check(args)) => cli::check::run(&args),
        None => {
            eprintln!("raftsim: the default sweep is not wired yet");
            1
        }
    };
    ExitCode::from(code)
}
