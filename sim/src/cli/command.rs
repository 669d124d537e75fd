//! The whole command line: parsing the arguments, running the command, and the exit
//! code. `raftsim`'s `main` is one call to [`main_with`]; a crate that tests its own
//! Raft calls it too, with its implementation, and gets every command for it (see the
//! README's "Test your own Raft").

use super::shared::exit::EXIT_USAGE;
use super::shared::{error::Error, output};
use super::{check, list, merge, replay, run, shrink, swarm, sweep};
use crate::registry::{self, Registered};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};
use std::process::ExitCode;

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
    List(list::ListArgs),
    /// Run one scenario with one seed, or a swarm schedule file.
    Run(run::RunArgs),
    /// Run scenarios over a range of seeds, in parallel, with a summary.
    Sweep(sweep::SweepArgs),
    /// Swarm runs: each seed draws its own fault profile, then a liveness phase.
    Swarm(swarm::SwarmArgs),
    /// Reduce a failing swarm run to a smaller schedule that fails the same way.
    Shrink(shrink::ShrinkArgs),
    /// Run every entry of the seeds corpus (seeds/).
    Replay(replay::ReplayArgs),
    /// Merge the shards' --json files of one sweep or swarm into its report.
    Merge(merge::MergeArgs),
    /// Check history files for linearizability.
    Check(check::CheckArgs),
}

/// Runs the command line with the built-in implementations and `extra` ones (a user's
/// own Raft, for `--raft NAME`), and returns the exit code. The first of `extra` is the
/// program's default implementation (`raftsim`, with none, defaults to `ours`): runs
/// without `--raft` use it, and printed replay commands and verdict lines leave it out.
pub fn main_with(extra: Vec<Registered>) -> ExitCode {
    registry::register(extra);
    let cli = match definition()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches))
    {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version requests are not errors; everything else is bad usage.
            if err.use_stderr() {
                let _ = err.print();
                return ExitCode::from(EXIT_USAGE);
            }
            // Help goes to stdout, which may be closed or full like any other output.
            return ExitCode::from(match err.print().map_err(output::stdout_error) {
                Ok(()) => 0,
                Err(err) => report(&err),
            });
        }
    };
    let result = match cli.command {
        Some(Command::List(args)) => list::run(&args),
        Some(Command::Run(args)) => run::run(&args),
        Some(Command::Sweep(args)) => sweep::run(&args),
        Some(Command::Swarm(args)) => swarm::run(&args),
        Some(Command::Shrink(args)) => shrink::run(&args),
        Some(Command::Replay(args)) => replay::run(&args),
        Some(Command::Merge(args)) => merge::run(&args),
        Some(Command::Check(args)) => Ok(check::run(&args)),
        None => sweep::run(&sweep::SweepArgs::default()),
    };
    ExitCode::from(result.unwrap_or_else(|err| report(&err)))
}

/// The command line's definition, with the help of every `--raft` naming the registered
/// implementations: the built-in ones and those a program registered ([`main_with`]),
/// which the derived help text cannot know.
fn definition() -> clap::Command {
    let names: Vec<&str> = registry::implementations().iter().map(|r| r.name).collect();
    let help = format!(
        "The Raft implementation under test: {} [default: {}]",
        names.join(", "),
        registry::default_raft()
    );
    let mut cli = Cli::command();
    let with_raft: Vec<String> = cli
        .get_subcommands()
        .filter(|s| s.get_arguments().any(|a| a.get_id() == "raft"))
        .map(|s| s.get_name().to_string())
        .collect();
    for name in with_raft {
        cli = cli.mut_subcommand(name, |s| s.mut_arg("raft", |a| a.help(help.clone())));
    }
    cli
}

/// Says what went wrong (on stderr, one line) and returns its exit code. A closed stdout
/// is not worth a word: the reader left on purpose (`| head`).
fn report(err: &Error) -> u8 {
    if !matches!(err, Error::Closed) {
        output::warn(err.one_line());
    }
    err.exit_code()
}
