//! `raftsim replay [PATH...]`: runs every entry of the seeds corpus and reports as
//! `sweep` does. See [`super::seeds`] for the format.

use super::catalog;
use super::error::Result;
use super::seeds;
use super::sweep::{self, Job, Runner, RunnerArgs};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `raftsim replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Seeds files, or directories whose `*.txt` files are read [default: seeds/].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub runner: RunnerArgs,
}

/// Runs `raftsim replay` and returns the exit code.
///
/// # Errors
/// `NoInput` for a missing path; `Data` for a malformed entry or an unknown scenario;
/// `Usage` for a bad `--jobs`; `Output` when `--json` or an artifact cannot be written.
pub fn run(args: &ReplayArgs) -> Result<u8> {
    let runner = Runner::from_args(&args.runner)?;
    let paths = if args.paths.is_empty() {
        vec![seeds::default_dir()]
    } else {
        args.paths.clone()
    };
    let mut entries = Vec::new();
    for path in &paths {
        entries.extend(seeds::load(path)?);
    }
    let jobs: Vec<Job> = seeds::resolve(&entries, &catalog::scenarios())?
        .into_iter()
        .map(|(scenario, seed)| Job { scenario, seed })
        .collect();
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    println!(
        "replay: {} seed(s) from {} on {} thread(s)",
        jobs.len(),
        shown.join(", "),
        runner.threads
    );
    sweep::finish("replay", &jobs, &runner, &args.runner)
}
