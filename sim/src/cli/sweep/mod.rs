//! `raftsim sweep` (and the main job, `raftsim` alone): every selected scenario over a
//! range of seeds, in parallel across runs, each run single-threaded.
//!
//! [`plan`] builds the run list (the scenarios a [`crate::cli::shared::filter`] selects, over
//! a seed range, sliced by a [`shard`]); [`finish`], shared with `replay`, checks the
//! outputs before the first run, runs the list with [`crate::cli::batch::runner`] and prints the
//! report with [`crate::cli::batch::report`].

pub mod plan;
pub mod shard;

use crate::cli::batch::header::{self, Header, SweepCommand};
use crate::cli::batch::json_lines::JsonLines;
use crate::cli::batch::report;
use crate::cli::batch::runner::{self, Runner, RunnerArgs};
use crate::cli::shared::artifacts;
use crate::cli::shared::error::Result;
use crate::cli::shared::filter::{self, Filter};
use crate::cli::shared::knobs_arg::KnobsArg;
use crate::cli::shared::output;
use crate::cli::shared::raft_arg::RaftArg;
use crate::cli::shared::seed_range::{SeedRange, DEFAULT_SEEDS};
use crate::cli::sweep::plan::{plan, Job};
use crate::cli::sweep::shard::Shard;
use clap::Args;

/// Arguments of `raftsim sweep`.
#[derive(Debug, Default, Args)]
pub struct SweepArgs {
    /// Scenarios whose name matches this regular expression, or whose part is PAT
    /// (e.g. `2B`) [default: all].
    #[arg(long, value_name = "PAT")]
    pub filter: Option<String>,
    /// Seeds, half-open as in Rust (`0..20` is 20 seeds); also `A..=B` or one seed N
    /// [default: 0..10].
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    pub seeds: Option<String>,
    /// Run only the I-th (0-based) of N disjoint slices of the sweep.
    #[arg(long, value_name = "I/N", allow_hyphen_values = true)]
    pub shard: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub raft: RaftArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub knobs: KnobsArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub runner: RunnerArgs,
}

/// Runs `raftsim sweep` and returns the exit code.
///
/// # Errors
/// `Usage` for a bad filter, seed range, shard, `--jobs` or output path; `Output` when
/// `--json`, `--artifacts` or stdout cannot be written; `Closed` when stdout was closed.
pub fn run(args: &SweepArgs) -> Result<u8> {
    let implementation = args.raft.implementation()?;
    let filter = filter::parse_optional(args.filter.as_deref())?;
    let range = args
        .seeds
        .as_deref()
        .map_or(Ok(DEFAULT_SEEDS), SeedRange::parse)?;
    let shard = args.shard.as_deref().map_or(Ok(Shard::ALL), Shard::parse)?;
    let mut runner = Runner::from_args(&args.runner)?;
    runner.settings = args.knobs.settings(implementation.knobs)?;
    runner.reads = args
        .knobs
        .reads(implementation.name, implementation.reads)?;
    let scenarios = Filter::select(filter.as_ref(), &implementation.scenarios())?;
    let jobs = plan(&scenarios, range, shard, args.knobs.knobs())?;
    runner.fit(jobs.len());
    let banner = format!(
        "sweep: {} scenario(s) of raft={} x seeds {range} (shard {shard}) = {} run(s) on {} thread(s){}",
        scenarios.len(),
        implementation.name,
        jobs.len(),
        runner.threads,
        if runner.check_determinism {
            ", each run twice"
        } else {
            ""
        }
    );
    let identity = header::Sweep {
        command: SweepCommand::Sweep,
        raft: implementation.name.to_string(),
        filter: args.filter.clone(),
        workload: None,
        scenarios: scenarios.iter().map(|s| s.name.to_string()).collect(),
        seeds: range,
        knobs: args.knobs.knobs(),
        settings: runner.settings.clone(),
        reads: runner.reads,
        check_determinism: runner.check_determinism,
    };
    let json_header = Header::Sweep {
        sweep: identity,
        shard,
    };
    finish(&json_header, &banner, &jobs, runner, &args.runner)
}

/// Checks `--json` and `--artifacts` against each other and the runner's inputs and
/// opens them (`--json` beginning with `json_header`), prints `banner`, runs `jobs`
/// writing `--json` lines as they finish, and prints the report; returns the exit code.
///
/// # Errors
/// `Usage` when an output would overwrite an input or another output; `Output` when
/// `--json` or `--artifacts` cannot be created, or stdout cannot be written; `Closed`.
pub fn finish(
    json_header: &Header,
    banner: &str,
    jobs: &[Job],
    mut runner: Runner,
    args: &RunnerArgs,
) -> Result<u8> {
    if let Some(path) = &args.json {
        runner.claims.output(path, "--json")?;
    }
    if let Some(dir) = &args.artifacts {
        runner.claims.output(dir, "--artifacts")?;
        // Before --json: the JSON file may live in the artifacts folder.
        artifacts::probe_dir(dir)?;
    }
    let json = args
        .json
        .as_deref()
        .map(|path| JsonLines::create(path, json_header))
        .transpose()?;
    let label = json_header.label();
    output::line(banner)?;
    let batch = runner::execute(label, jobs, &runner, json.as_ref())?;
    let json_error = json.and_then(JsonLines::finish);
    report::print(label, &batch, args.verbose, json_error)
}
