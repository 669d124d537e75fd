//! `raftsim shrink`: reduces a failing swarm run to a smaller schedule that still fails
//! the same way, writes it as a schedule file, and prints the sizes before and after and
//! the command that replays it (`raftsim run --schedule FILE`).
//!
//! The run to shrink is a swarm seed (`--seed N [--workload raft|kv|shardkv] [--raft NAME]`), a
//! schedule file (`--schedule FILE`), or a failure's artifact folder (its `failure.txt`
//! names the scenario, the implementation and the seed).

use super::claims::Claims;
use super::error::{Error, Result, EXIT_PASS};
use super::output;
use super::panics;
use super::raft_arg::RaftArg;
use super::seed_range::parse_seed;
use super::swarm::WorkloadArg;
use crate::registry;
use crate::scenario::{RunConfig, Schedule};
use crate::swarm::shrink::{shrink, signature};
use crate::swarm::{scenario_name, Plan, Workload};
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Candidate runs `shrink` makes at most without `--budget`.
pub const BUDGET_DEFAULT: usize = 2_000;

/// Arguments of `raftsim shrink`.
#[derive(Debug, Args)]
pub struct ShrinkArgs {
    /// A failure's artifact folder (as `run`, `sweep` or `swarm` write them).
    #[arg(value_name = "DIR", conflicts_with_all = ["seed", "schedule"])]
    pub folder: Option<PathBuf>,
    /// The swarm seed to shrink.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub seed: Option<String>,
    /// The workload of `--seed` [default: raft].
    #[arg(long, value_enum)]
    pub workload: Option<WorkloadArg>,
    /// A schedule file to shrink.
    #[arg(long, value_name = "FILE", conflicts_with = "seed")]
    pub schedule: Option<PathBuf>,
    /// Where to write the reduced schedule [default: shrunk-<scenario>-seed<N>.json].
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// The most candidate runs to try.
    #[arg(long, value_name = "N", default_value_t = BUDGET_DEFAULT)]
    pub budget: usize,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub raft: RaftArg,
}

/// Runs `raftsim shrink` and returns the exit code (0: a reduced schedule was written).
///
/// # Errors
/// `Usage` for no run named, an unknown implementation, a run that passes, or an output
/// over an input; `NoInput`/`Data` for an unreadable or invalid schedule or folder;
/// `Output` when the schedule cannot be written.
pub fn run(args: &ShrinkArgs) -> Result<u8> {
    let (plan, input) = starting_plan(args)?;
    let name = scenario_name(plan.profile.workload);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("shrunk-{name}-seed{}.json", plan.seed)));
    let mut claims = Claims::default();
    if let Some(input) = &input {
        claims.input(input, "the schedule being shrunk");
    }
    claims.output(&out, "--out")?;
    panics::install(true);
    let Some(reason) = run_plan(&plan)? else {
        return Err(Error::Usage(format!(
            "{name} seed={} raft={} passes: nothing to shrink",
            plan.seed, plan.raft
        )));
    };
    let before = describe(&plan);
    output::line(format_args!(
        "shrinking {name} seed={} raft={}: {}",
        plan.seed,
        plan.raft,
        signature(&reason)
    ))?;
    output::line(format_args!("  before: {before}"))?;
    let mut failure = None;
    let mut judge = |p: &Plan| match run_plan(p) {
        Ok(verdict) => verdict,
        Err(e) => {
            failure.get_or_insert(e);
            None
        }
    };
    let shrunk = shrink(plan, reason, args.budget, &mut judge);
    if let Some(e) = failure {
        return Err(e);
    }
    let text = shrunk.plan.to_json();
    std::fs::write(&out, &text).map_err(|e| Error::writing(&out, &e))?;
    let again = run_plan(&shrunk.plan)?;
    if again.as_deref().map(signature) != Some(signature(&shrunk.reason)) {
        return Err(Error::Usage(format!(
            "nondeterministic: the reduced schedule in {} did not fail again the same way",
            out.display()
        )));
    }
    output::line(format_args!(
        "  after:  {} ({} candidate run(s))",
        describe(&shrunk.plan),
        shrunk.runs
    ))?;
    output::line(format_args!(
        "  reason: {}",
        super::error::one_line(&shrunk.reason)
    ))?;
    output::line(format_args!("  schedule: {}", out.display()))?;
    let raft = match shrunk.plan.raft.as_str() {
        crate::outcome::DEFAULT_RAFT => String::new(),
        other => format!(" --raft {other}"),
    };
    output::line(format_args!(
        "  replay: cargo run --release -- run --schedule {}{raft}",
        out.display()
    ))?;
    Ok(EXIT_PASS)
}

/// "size N: F fault(s), S servers, span Ts".
fn describe(plan: &Plan) -> String {
    format!(
        "size {}: {} fault(s), {} servers, {} ms of faults",
        plan.size(),
        plan.faults.len(),
        plan.profile.servers,
        plan.profile.span_ms
    )
}

/// The plan to shrink, and the file it came from (an input not to overwrite).
fn starting_plan(args: &ShrinkArgs) -> Result<(Plan, Option<PathBuf>)> {
    if let Some(path) = &args.schedule {
        return Ok((read_schedule(path)?, Some(path.clone())));
    }
    if let Some(dir) = &args.folder {
        return from_folder(dir, args);
    }
    let Some(seed) = &args.seed else {
        return Err(Error::Usage(
            "name the run to shrink: --seed N, --schedule FILE or an artifact folder".into(),
        ));
    };
    let workload = args.workload.map_or(Workload::Raft, WorkloadArg::workload);
    let raft = args.raft.implementation()?.name;
    Ok((Plan::generate(workload, raft, parse_seed(seed)?), None))
}

/// A schedule file, read and checked.
fn read_schedule(path: &Path) -> Result<Plan> {
    let bytes = std::fs::read(path).map_err(|e| Error::reading(path, &e))?;
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Data(format!("{}: not UTF-8", path.display())))?;
    Plan::from_json(&text).map_err(|why| Error::Data(format!("{}: {why}", path.display())))
}

/// The run an artifact folder's `failure.txt` names.
fn from_folder(dir: &Path, args: &ShrinkArgs) -> Result<(Plan, Option<PathBuf>)> {
    let file = dir.join("failure.txt");
    let text = std::fs::read_to_string(&file).map_err(|e| Error::reading(&file, &e))?;
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .map(str::trim)
    };
    let bad = |why: &str| Error::Data(format!("{}: {why}", file.display()));
    let scenario = field("scenario").ok_or_else(|| bad("no `scenario:` line"))?;
    let workload = Workload::ALL
        .into_iter()
        .find(|w| scenario_name(*w) == scenario)
        .ok_or_else(|| {
            bad(&format!(
                "{scenario} is not a swarm run; only swarm runs shrink"
            ))
        })?;
    let seed = field("seed")
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| bad("no `seed:` line with a number"))?;
    let raft = match (&args.raft.raft, field("raft")) {
        (Some(name), _) => name.clone(),
        (None, Some(name)) => name.to_string(),
        (None, None) => crate::outcome::DEFAULT_RAFT.to_string(),
    };
    let raft = registry::implementation(&raft).map_err(Error::Usage)?.name;
    Ok((Plan::generate(workload, raft, seed), None))
}

/// Runs a plan; `Some(reason)` when it fails.
fn run_plan(plan: &Plan) -> Result<Option<String>> {
    let implementation = registry::implementation(&plan.raft).map_err(Error::Usage)?;
    let name = scenario_name(plan.profile.workload);
    let scenario = registry::find(&implementation.scenarios(), name).map_err(Error::Usage)?;
    let config = RunConfig {
        seed: plan.seed,
        schedule: Some(Arc::new(Schedule {
            path: String::new(),
            json: plan.to_json(),
        })),
        ..RunConfig::default()
    };
    Ok(panics::run(&scenario, &config).failure)
}
