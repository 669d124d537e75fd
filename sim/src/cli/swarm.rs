//! `raftsim swarm`: swarm runs over a range of seeds. Each seed draws its own fault
//! profile (see [`crate::swarm`]); the runs are the implementation's `SwarmRaft`,
//! `SwarmKv` and `SwarmShardKv` scenarios (and `SwarmMembership` where it declares
//! membership changes), run and reported as `sweep` runs and reports them, with each
//! failure's profile beside its replay command and in its `--json` line.

use crate::cli::batch::header::{self, Header, SweepCommand};
use crate::cli::batch::runner::{Runner, RunnerArgs};
use crate::cli::shared::error::{Error, Result};
use crate::cli::shared::knobs_arg::KnobsArg;
use crate::cli::shared::raft_arg::RaftArg;
use crate::cli::shared::seed_range::SeedRange;
use crate::cli::sweep;
use crate::cli::sweep::plan::plan;
use crate::cli::sweep::shard::Shard;
use crate::swarm::{scenario_name, Workload};
use clap::{Args, ValueEnum};

/// The seeds of `swarm` without `--seeds`.
pub const SWARM_SEEDS_DEFAULT: &str = "0..100";

/// A workload as `--workload` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WorkloadArg {
    /// Commands started at random servers (the Raft tester's checks).
    Raft,
    /// Clerks on a few keys, the history checked for linearizability.
    Kv,
    /// The sharded KV service under joins, leaves and moves, the history checked.
    Shardkv,
    /// Clerks on a few keys while a leader adds, promotes and removes servers, the
    /// history checked (implementations with membership changes only).
    Membership,
}

impl WorkloadArg {
    /// The workload it names.
    pub fn workload(self) -> Workload {
        match self {
            WorkloadArg::Raft => Workload::Raft,
            WorkloadArg::Kv => Workload::Kv,
            WorkloadArg::Shardkv => Workload::Shardkv,
            WorkloadArg::Membership => Workload::Membership,
        }
    }
}

/// Arguments of `raftsim swarm`.
#[derive(Debug, Default, Args)]
pub struct SwarmArgs {
    /// Seeds, half-open (`0..1000`), `A..=B` or one seed N [default: 0..100].
    #[arg(long, value_name = "A..B", allow_hyphen_values = true)]
    pub seeds: Option<String>,
    /// The workload [default: every workload the implementation has].
    #[arg(long, value_enum)]
    pub workload: Option<WorkloadArg>,
    /// Run only the I-th (0-based) of N disjoint slices of the runs.
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

/// Runs `raftsim swarm` and returns the exit code.
///
/// # Errors
/// As `sweep`: `Usage` for a bad seed range, shard, `--jobs`, `--raft` or output path;
/// `Output` or `Closed` when an output cannot be written.
pub fn run(args: &SwarmArgs) -> Result<u8> {
    let implementation = args.raft.implementation()?;
    let range = SeedRange::parse(args.seeds.as_deref().unwrap_or(SWARM_SEEDS_DEFAULT))?;
    let shard = args.shard.as_deref().map_or(Ok(Shard::ALL), Shard::parse)?;
    let workloads: Vec<Workload> = match args.workload {
        Some(w) => vec![w.workload()],
        None => Workload::ALL.to_vec(),
    };
    let names: Vec<&str> = workloads.iter().map(|w| scenario_name(*w)).collect();
    let scenarios: Vec<_> = implementation
        .scenarios()
        .into_iter()
        .filter(|s| names.contains(&s.name))
        .collect();
    if scenarios.is_empty() {
        return Err(Error::Usage(format!(
            "raft={} has no swarm scenario for {names:?}",
            implementation.name
        )));
    }
    let mut runner = Runner::from_args(&args.runner)?;
    runner.settings = args.knobs.settings(implementation.knobs)?;
    runner.reads = args
        .knobs
        .reads(implementation.name, implementation.reads)?;
    let jobs = plan(&scenarios, range, shard, args.knobs.knobs())?;
    runner.fit(jobs.len());
    let banner = format!(
        "swarm: {} of raft={} x seeds {range} (shard {shard}) = {} run(s) on {} thread(s){}",
        names.join(" and "),
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
        command: SweepCommand::Swarm,
        raft: implementation.name.to_string(),
        filter: None,
        workload: args
            .workload
            .and_then(|w| w.to_possible_value())
            .map(|v| v.get_name().to_string()),
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
    sweep::finish(&json_header, &banner, &jobs, runner, &args.runner)
}
