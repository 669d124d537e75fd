//! `raftsim`: the command-line front end of the simulator.
//!
//! With no command it runs the main job, a sweep of every scenario over the default seeds
//! on all cores. Exit codes: 0 all runs passed, 1 some run failed, 64 bad usage, 65 a
//! malformed seeds file, 66 a missing input file, 74 an output file (or stdout) that
//! cannot be written, 130/143 a sweep stopped by SIGINT/SIGTERM, 141 stdout closed by its
//! reader (see `sim::cli::output`).

use clap::{Parser, Subcommand};
use std::process::ExitCode;

use sim::cli;

/// The simulator allocates and frees small objects at a high rate (messages, log
/// entries, effects); mimalloc does that in about half the instructions of glibc's
/// allocator. Allocation does not feed into any simulated choice, so runs are the same
/// byte for byte with either.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit code for bad usage (sysexits' EX_USAGE).
const EXIT_USAGE: u8 = cli::error::EXIT_USAGE;

/// raftsim: deterministic, seed-reproducible simulation of Raft and a Raft-backed KV store.
///
/// With no command: sweep every scenario over seeds 0..10 on all cores.
#[derive(Debug, Parser)]
#[command(name = "raftsim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List scenarios: name, part, description.
    List(cli::list::ListArgs),
    /// Run one scenario with one seed.
    Run(cli::run::RunArgs),
    /// Run scenarios over a range of seeds, in parallel, with a summary.
    Sweep(cli::sweep::SweepArgs),
    /// Swarm runs: each seed draws its own fault profile, then a liveness phase.
    Swarm(cli::swarm::SwarmArgs),
    /// Reduce a failing swarm run to a smaller schedule that fails the same way.
    Shrink(cli::shrink::ShrinkArgs),
    /// Run every entry of the seeds corpus (seeds/).
    Replay(cli::replay::ReplayArgs),
    /// Check history files for linearizability.
    Check(cli::check::CheckArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version requests are not errors; everything else is bad usage.
            if err.use_stderr() {
                let _ = err.print();
                return ExitCode::from(EXIT_USAGE);
            }
            // Help goes to stdout, which may be closed or full like any other output.
            return ExitCode::from(match err.print().map_err(cli::output::stdout_error) {
                Ok(()) => 0,
                Err(err) => report(&err),
            });
        }
    };
    let result = match cli.command {
        Some(Command::List(args)) => cli::list::run(&args),
        Some(Command::Run(args)) => cli::run::run(&args),
        Some(Command::Sweep(args)) => cli::sweep::run(&args),
        Some(Command::Swarm(args)) => cli::swarm::run(&args),
        Some(Command::Shrink(args)) => cli::shrink::run(&args),
        Some(Command::Replay(args)) => cli::replay::run(&args),
        Some(Command::Check(args)) => Ok(cli::check::run(&args)),
        None => cli::sweep::run(&cli::sweep::SweepArgs::default()),
    };
    ExitCode::from(result.unwrap_or_else(|err| report(&err)))
}

/// Says what went wrong (on stderr, one line) and returns its exit code. A closed stdout
/// is not worth a word: the reader left on purpose (`| head`).
fn report(err: &cli::Error) -> u8 {
    if !matches!(err, cli::Error::Closed) {
        cli::output::warn(err.one_line());
    }
    err.exit_code()
}
