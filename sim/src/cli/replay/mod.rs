//! `raftsim replay [PATH...]`: runs every entry of the seeds corpus and reports as
//! `sweep` does. See [`seeds`] for the format.

pub mod seeds;

use crate::cli::batch::header::Header;
use crate::cli::batch::runner::{Runner, RunnerArgs};
use crate::cli::shared::error::Result;
use crate::cli::shared::raft_arg::RaftArg;
use crate::cli::sweep;
use crate::cli::sweep::plan::Job;
use clap::Args;
use std::path::PathBuf;

/// Arguments of `raftsim replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Seeds files, or directories whose `*.txt` files are read [default: seeds/].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// The implementation of entries that name none (`raft=NAME` in the file wins).
    #[command(flatten)]
    pub raft: RaftArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub runner: RunnerArgs,
}

/// Runs `raftsim replay` and returns the exit code.
///
/// # Errors
/// `NoInput` for a missing path; `Data` for a malformed or repeated entry, an unknown
/// scenario or a selection with no entry; `Usage` for a bad `--jobs` or an output that
/// would overwrite a seeds file; `Output` when `--json`, `--artifacts` or stdout cannot
/// be written; `Closed`.
pub fn run(args: &ReplayArgs) -> Result<u8> {
    let default_raft = args.raft.implementation()?.name;
    let mut runner = Runner::from_args(&args.runner)?;
    let paths = if args.paths.is_empty() {
        vec![seeds::default_dir()]
    } else {
        args.paths.clone()
    };
    let corpus = seeds::load(&paths)?;
    let jobs: Vec<Job> = seeds::resolve(corpus.entries(), default_raft)?
        .into_iter()
        .map(|(scenario, seed, knobs)| Job {
            scenario,
            seed,
            knobs,
        })
        .collect();
    for file in corpus.files() {
        runner.claims.input(file, "the seeds file");
    }
    runner.fit(jobs.len());
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let banner = format!(
        "replay: {} seed(s) from {} on {} thread(s)",
        jobs.len(),
        shown.join(", "),
        runner.threads
    );
    let json_header = Header::Replay {
        runs: jobs.len() as u64,
    };
    sweep::finish(&json_header, &banner, &jobs, runner, &args.runner)
}
