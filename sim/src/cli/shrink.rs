//! `raftsim shrink`: reduces a failing swarm run to a smaller schedule that still fails
//! the same way, writes it as a schedule file, and prints the sizes before and after and
//! the command that replays it (`raftsim run --schedule FILE`).
//!
//! The run to shrink is a swarm seed (`--seed N [--workload raft|kv|shardkv|membership] [--raft NAME]`), a
//! schedule file (`--schedule FILE [--raft NAME]`), or a failure's artifact folder (its
//! `schedule.json` when the run followed one, else the seed its `failure.txt` names).
//! `--raft` picks the implementation in each case; `--workload` goes with `--seed` only
//! (a schedule names its workload), and is refused otherwise. `--out` is checked before
//! the first run, so that no search is lost to an unwritable path. A run stopped by a
//! limit of the simulator (an internal error) is not shrunk: exit 70.

use crate::cli::shared::artifacts;
use crate::cli::shared::budget_arg::BudgetArg;
use crate::cli::shared::claims::Claims;
use crate::cli::shared::error::{Error, Result, EXIT_PASS};
use crate::cli::shared::knobs_arg::KnobsArg;
use crate::cli::shared::output;
use crate::cli::shared::raft_arg::RaftArg;
use crate::cli::shared::schedule_file;
use crate::cli::shared::seed_range::parse_seed;
use crate::cli::swarm::WorkloadArg;
use crate::engine::Budget;
use crate::outcome::Knobs;
use crate::panics;
use crate::registry;
use crate::scenario::{RunConfig, Schedule};
use crate::swarm::shrink::{shrink, signature};
use crate::swarm::{scenario_name, Plan, Workload};
use clap::Args;
use raft_contract::Settings;
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
    /// The workload of `--seed` [default: raft] (a schedule names its own).
    #[arg(long, value_enum, conflicts_with_all = ["schedule", "folder"])]
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
    #[command(flatten)]
    #[allow(missing_docs)]
    pub knobs: KnobsArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub limits: BudgetArg,
}

/// Runs `raftsim shrink` and returns the exit code (0: a reduced schedule was written).
///
/// # Errors
/// `Usage` for no run named, an unknown implementation, a run that passes, or an output
/// over an input; `NoInput`/`Data` for an unreadable or invalid schedule or folder;
/// `Output` when the schedule cannot be written (checked before the first run);
/// `Internal` for a run stopped by a limit of the simulator.
pub fn run(args: &ShrinkArgs) -> Result<u8> {
    let (mut plan, input) = starting_plan(args)?;
    // `--set` knobs go into the plan, so the shrunk schedule file carries them (and
    // shrinking may find the failure without them).
    let implementation =
        registry::implementation(&plan.raft).map_err(|e| Error::Usage(e.to_string()))?;
    // So does `--reads`.
    if args.knobs.reads.is_some() {
        plan.profile.reads = args
            .knobs
            .reads(implementation.name, implementation.reads)?;
    }
    for (name, value) in args.knobs.settings(implementation.knobs)?.iter() {
        plan.profile.knobs.set(name, value);
    }
    // The flags override the schedule's bounds, which override the defaults.
    let budget = args
        .limits
        .over(plan.budget.apply(crate::engine::Budget::default()))?;
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
    artifacts::probe_file(&out)?;
    panics::install(true);
    let Some(reason) = run_plan(&plan, &budget)? else {
        return Err(Error::Usage(format!(
            "{name} seed={} raft={} passes: nothing to shrink",
            plan.seed, plan.raft
        )));
    };
    if panics::is_internal(&reason) {
        return Err(Error::Internal(format!(
            "{name} seed={} raft={}: {}; not shrunk",
            plan.seed,
            plan.raft,
            crate::cli::shared::error::one_line(&reason)
        )));
    }
    let before = describe(&plan);
    output::line(format_args!(
        "shrinking {name} seed={} raft={}: {}",
        plan.seed,
        plan.raft,
        signature(&reason)
    ))?;
    output::line(format_args!("  before: {before}"))?;
    let mut failure = None;
    let mut judge = |p: &Plan| match run_plan(p, &budget) {
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
    let again = run_plan(&shrunk.plan, &budget)?;
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
        crate::cli::shared::error::one_line(&shrunk.reason)
    ))?;
    output::line(format_args!("  schedule: {}", out.display()))?;
    let replay = crate::outcome::replay_command(
        &shrunk.plan.raft,
        name,
        shrunk.plan.seed,
        Some(&out.display().to_string()),
        crate::outcome::Knobs::Drawn,
        &budget.flags(),
    );
    output::line(format_args!("  replay: {replay}"))?;
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
        let (mut plan, _) = schedule_file::read(path)?;
        let implementation = match &args.raft.raft {
            Some(raft) => {
                registry::implementation(raft).map_err(|e| Error::Usage(e.to_string()))?
            }
            None => registry::implementation(&plan.raft)
                .map_err(|why| Error::Data(format!("{}: raft: {why}", path.display())))?,
        };
        schedule_file::check_knobs(&plan, &implementation, path)?;
        plan.raft = implementation.name.to_string();
        return Ok((plan, Some(path.clone())));
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
    let implementation = args.raft.implementation()?;
    let knobs = args.knobs.knobs().draw_from(implementation.knobs);
    let plan = Plan::generate_for(
        workload,
        implementation.name,
        implementation.options,
        knobs,
        parse_seed(seed)?,
    );
    Ok((plan, None))
}

/// The run an artifact folder holds: its `schedule.json` when the run followed a
/// schedule, else the seed its `failure.txt` names; on `--raft`, else the folder's
/// implementation.
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
        (None, None) => crate::outcome::default_raft().to_string(),
    };
    let implementation =
        registry::implementation(&raft).map_err(|e| Error::Usage(e.to_string()))?;
    let raft = implementation.name;
    // The knobs the run had set by hand: it fails only with them.
    let set = match field(artifacts::SET_FIELD) {
        None => Settings::defaults(),
        Some(list) => folder_settings(list, implementation.knobs).map_err(|why| bad(&why))?,
    };
    let with_set = |mut plan: Plan| {
        for (name, value) in set.iter() {
            plan.profile.knobs.set(name, value);
        }
        plan
    };
    let schedule = dir.join(artifacts::SCHEDULE_FILE);
    if !schedule.exists() {
        // The folder's `knobs:` line says whether the run drew its knobs.
        let knobs = match field("knobs") {
            Some("shipped") => Knobs::Shipped,
            _ => args.knobs.knobs(),
        };
        let plan = Plan::generate_for(
            workload,
            raft,
            implementation.options,
            knobs.draw_from(implementation.knobs),
            seed,
        );
        return Ok((with_set(plan), None));
    }
    let (mut plan, _) = schedule_file::read(&schedule)?;
    schedule_file::check_knobs(&plan, &implementation, &schedule)?;
    if plan.profile.workload != workload || plan.seed != seed {
        return Err(Error::Data(format!(
            "{}: a {} schedule of seed {}, but {} names {scenario} seed {seed}",
            schedule.display(),
            scenario_name(plan.profile.workload),
            plan.seed,
            file.display()
        )));
    }
    plan.raft = raft.to_string();
    Ok((with_set(plan), Some(schedule)))
}

/// The knobs a `failure.txt`'s `set:` line lists (`check_quorum=0 pre_vote=0`), checked
/// against the implementation's `knobs`; the reason when a pair is malformed or refused.
fn folder_settings(
    list: &str,
    knobs: &[raft_contract::Knob],
) -> std::result::Result<Settings, String> {
    let mut settings = Settings::defaults();
    for pair in list.split_whitespace() {
        let parsed = pair
            .split_once('=')
            .and_then(|(name, value)| Some((name, value.parse::<u64>().ok()?)));
        let Some((name, value)) = parsed.filter(|(name, _)| !name.is_empty()) else {
            return Err(format!(
                "`{}:` lists {pair:?}, not KNOB=VALUE",
                artifacts::SET_FIELD
            ));
        };
        settings.set(name, value);
    }
    match settings.refusal(knobs) {
        Some(refusal) => Err(format!("`{}:` line: {refusal}", artifacts::SET_FIELD)),
        None => Ok(settings),
    }
}

/// Runs a plan; `Some(reason)` when it fails.
fn run_plan(plan: &Plan, budget: &Budget) -> Result<Option<String>> {
    let implementation =
        registry::implementation(&plan.raft).map_err(|e| Error::Usage(e.to_string()))?;
    let name = scenario_name(plan.profile.workload);
    let scenario = implementation
        .find(name)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let config = RunConfig {
        seed: plan.seed,
        schedule: Some(Arc::new(Schedule {
            path: String::new(),
            json: plan.to_json(),
        })),
        budget: budget.clone(),
        ..RunConfig::default()
    };
    Ok(crate::registry::run(&scenario, &config).failure)
}
