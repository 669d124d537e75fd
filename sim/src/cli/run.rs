//! `raftsim run SCENARIO --seed N`: one run, reported in full.
//!
//! The last line is the verdict line (see [`Record`]'s `Display`). On failure, the lines
//! before it give the reason, the replay command and the files written under
//! `--artifacts DIR` (default [`artifacts::default_root`]). The verdict, the replay
//! command and the exit code never depend on the files: one that cannot be written is
//! listed as `not written: PATH: why` and named on stderr.

use crate::cli::batch::runner::add_reason;
use crate::cli::shared::artifacts::{self, Saved};
use crate::cli::shared::budget_arg::BudgetArg;
use crate::cli::shared::claims::Claims;
use crate::cli::shared::error::{Error, Result, EXIT_FAIL, EXIT_INTERNAL, EXIT_OUTPUT, EXIT_PASS};
use crate::cli::shared::knobs_arg::KnobsArg;
use crate::cli::shared::output;
use crate::cli::shared::raft_arg::RaftArg;
use crate::cli::shared::record::Record;
use crate::cli::shared::schedule_file;
use crate::cli::shared::seed_range::parse_seed;
use crate::cli::shared::stopwatch::Stopwatch;
use crate::outcome::Outcome;
use crate::panics;
use crate::registry;
use crate::scenario::{RunConfig, Scenario};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `raftsim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario's name (see `raftsim list`).
    #[arg(required_unless_present = "schedule")]
    pub scenario: Option<String>,
    /// The seed.
    #[arg(
        long,
        value_name = "N",
        allow_hyphen_values = true,
        required_unless_present = "schedule"
    )]
    pub seed: Option<String>,
    /// Replay a swarm schedule file (as `raftsim shrink` writes) instead of a scenario
    /// and seed; the file names its seed and implementation (`--raft` overrides it).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["scenario", "seed"])]
    pub schedule: Option<PathBuf>,
    /// Write the rendered trace to FILE (`-`: standard output, before the verdict).
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Write the client history (JSON) to FILE (KV scenarios; `-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Write the checker's HTML view to FILE (KV scenarios whose history was checked;
    /// `-`: standard output).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write the run's timeline (a self-contained HTML page) to FILE (`-`: standard
    /// output).
    #[arg(long, value_name = "FILE")]
    pub timeline: Option<PathBuf>,
    /// Print the leader and term over time as a compact table.
    #[arg(long)]
    pub summary: bool,
    /// Where to write a failure's files [default: $CARGO_TARGET_DIR or target/, then
    /// raftsim-failures/].
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub raft: RaftArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub knobs: KnobsArg,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub budget: BudgetArg,
}

impl RunArgs {
    /// The files the user named, with their flags.
    fn requested(&self) -> [(&Option<PathBuf>, &'static str); 4] {
        [
            (&self.trace, "--trace"),
            (&self.history, "--history"),
            (&self.html, "--html"),
            (&self.timeline, "--timeline"),
        ]
    }
}

/// Runs `raftsim run` and returns the exit code: 70 when a limit of the simulator
/// stopped the run, 1 when the run failed, else 74 when a file could not be written,
/// else 0.
///
/// # Errors
/// `Usage` for an unknown scenario, a bad seed or output paths that collide; `Output`
/// when a named file or `--artifacts` cannot be opened before the run, or stdout cannot
/// be written; `Closed` when stdout was closed.
pub fn run(args: &RunArgs) -> Result<u8> {
    let (scenario, mut config) = match &args.schedule {
        Some(path) => scheduled(args, path)?,
        None => {
            let name = args.scenario.as_deref().unwrap_or_default();
            let scenario = args
                .raft
                .implementation()?
                .find(name)
                .map_err(|e| Error::Usage(e.to_string()))?;
            let seed = parse_seed(args.seed.as_deref().unwrap_or_default())?;
            let config = RunConfig {
                seed,
                knobs: args.knobs.knobs(),
                ..RunConfig::default()
            };
            (scenario, config)
        }
    };
    // The timeline and the table are drawn from the kept trace's records.
    // The flags override a schedule file's bounds, which override the defaults.
    config.budget = args.budget.over(config.budget.clone())?;
    let implementation = args.raft.implementation()?;
    config.settings = args.knobs.settings(implementation.knobs)?;
    config.reads = args
        .knobs
        .reads(implementation.name, implementation.reads)?;
    config.keep_trace = args.trace.is_some() || args.timeline.is_some() || args.summary;
    config.keep_history = args.history.is_some();
    let seed = config.seed;
    let root = args
        .artifacts
        .clone()
        .unwrap_or_else(artifacts::default_root);
    let claims = check_outputs(args, &scenario, seed, &root)?;
    // One run: let the panic, if any, print in full with its backtrace.
    panics::install(false);
    let watch = Stopwatch::start();
    let outcome = crate::registry::run(&scenario, &config);
    let wall = watch.elapsed();
    assert_eq!(
        outcome.seed, seed,
        "{}: outcome of another seed",
        scenario.name
    );
    for (name, value) in &outcome.metrics {
        output::line(format_args!("metric {name} = {value}"))?;
    }
    if args.summary {
        print_summary(&scenario, &outcome)?;
    }
    let mut record = Record::new(scenario.part, outcome.clone(), wall);
    record.scenario = scenario.name.to_string();
    let mut saved = Saved::default();
    if !record.passed() {
        let failed = Failed {
            scenario: &scenario,
            config: &config,
            outcome: &outcome,
        };
        report_failure(&failed, &mut record, &root, &claims, &mut saved)?;
    }
    write_requested(args, &scenario, &outcome, &mut saved)?;
    output::line(&record)?;
    for why in &saved.unwritten {
        output::warn(format_args!("cannot write {why}"));
    }
    Ok(if record.internal() {
        EXIT_INTERNAL
    } else if !record.passed() {
        EXIT_FAIL
    } else if !saved.unwritten.is_empty() {
        EXIT_OUTPUT
    } else {
        EXIT_PASS
    })
}

/// Before the run: the named files are distinct, none is the schedule file read, and
/// none is where a failure's files go; each can be opened for writing, and so can
/// `--artifacts`.
fn check_outputs(args: &RunArgs, scenario: &Scenario, seed: u64, root: &Path) -> Result<Claims> {
    let mut claims = Claims::default();
    if let Some(schedule) = &args.schedule {
        claims.input(schedule, "the schedule file");
    }
    let mut to_stdout: Option<&str> = None;
    for (path, flag) in args.requested() {
        let Some(path) = path else { continue };
        if is_stdout(path) {
            if let Some(other) = to_stdout.replace(flag) {
                return Err(Error::Usage(format!(
                    "{other} - and {flag} - would both write to standard output: give one a file"
                )));
            }
            continue;
        }
        claims.output(path, flag)?;
    }
    if let Some(dir) = &args.artifacts {
        claims.output(dir, "--artifacts")?;
    }
    let folder = artifacts::folder(root, scenario.implementation, scenario.name, seed);
    for name in artifacts::FILE_NAMES {
        if let Some(owner) = claims.claimed_by(&folder.join(name)) {
            if owner.starts_with("the schedule file") {
                // A failure's copy of the schedule it followed, over that very file:
                // not written (listed as such), and nothing is lost.
                continue;
            }
            return Err(Error::Usage(format!(
                "{owner} is where a failure's {name} goes (under {}): give each output its own file",
                root.display()
            )));
        }
    }
    for path in args.requested().into_iter().filter_map(|(p, _)| p.as_ref()) {
        if !is_stdout(path) {
            artifacts::probe_file(path)?;
        }
    }
    if let Some(dir) = &args.artifacts {
        artifacts::probe_dir(dir)?;
    }
    Ok(claims)
}

/// Prints the leader/term table (`--summary`), or a note on stderr when the run kept no
/// trace to draw it from (it panicked, or never started).
fn print_summary(scenario: &Scenario, outcome: &Outcome) -> Result<()> {
    match &outcome.timeline {
        Some(timeline) => {
            for line in crate::timeline::summary(timeline).lines() {
                output::line(line)?;
            }
        }
        None => output::warn(format_args!(
            "{} seed={} kept no trace; no summary",
            scenario.name, outcome.seed
        )),
    }
    Ok(())
}

/// True for the path `-`: standard output, as for `check`'s standard input.
fn is_stdout(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// Writes the files named by `--trace`, `--history`, `--html` and `--timeline`; one
/// named `-` goes to standard output.
fn write_requested(
    args: &RunArgs,
    scenario: &Scenario,
    outcome: &Outcome,
    saved: &mut Saved,
) -> Result<()> {
    let page = args
        .timeline
        .as_ref()
        .and_then(|_| artifacts::timeline_page(outcome));
    let contents = [
        (outcome.trace.as_deref(), "trace"),
        (outcome.history_json.as_deref(), "client history"),
        (outcome.history_html.as_deref(), "HTML view"),
        (page.as_deref(), "timeline"),
    ];
    for ((path, _), (text, what)) in args.requested().into_iter().zip(contents) {
        let Some(path) = path else { continue };
        let Some(text) = text else {
            output::warn(format_args!(
                "{} seed={} produced no {what}; {} not written",
                scenario.name,
                outcome.seed,
                path.display()
            ));
            continue;
        };
        if is_stdout(path) {
            output::text(text)?;
            continue;
        }
        let failed_before = saved.unwritten.len();
        saved.write(path, text);
        match saved.unwritten.get(failed_before) {
            None => output::line(format_args!("{what}: {}", path.display()))?,
            Some(why) => output::line(format_args!("not written: {why}"))?,
        }
    }
    Ok(())
}

/// The swarm scenario and the run configuration a schedule file asks for.
///
/// # Errors
/// `NoInput` when the file cannot be read; `Data` when it is not a valid schedule or
/// names an unknown implementation; `Usage` for an unknown `--raft` or an
/// implementation without that workload.
fn scheduled(args: &RunArgs, path: &Path) -> Result<(Scenario, RunConfig)> {
    let (plan, json) = schedule_file::read(path)?;
    let implementation = match &args.raft.raft {
        Some(raft) => registry::implementation(raft).map_err(|e| Error::Usage(e.to_string()))?,
        None => registry::implementation(&plan.raft)
            .map_err(|why| Error::Data(format!("{}: raft: {why}", path.display())))?,
    };
    schedule_file::check_knobs(&plan, &implementation, path)?;
    let name = crate::swarm::scenario_name(plan.profile.workload);
    let scenario = implementation
        .find(name)
        .map_err(|e| Error::Usage(e.to_string()))?;
    let config = RunConfig {
        seed: plan.seed,
        budget: plan.budget.apply(crate::engine::Budget::default()),
        schedule: Some(std::sync::Arc::new(crate::scenario::Schedule {
            path: path.display().to_string(),
            json,
        })),
        ..RunConfig::default()
    };
    Ok((scenario, config))
}

/// A failed run: what ran, how, and what it produced.
struct Failed<'a> {
    scenario: &'a Scenario,
    config: &'a RunConfig,
    outcome: &'a Outcome,
}

/// Prints the reason and replay command, then writes the failure's files.
fn report_failure(
    failed: &Failed<'_>,
    record: &mut Record,
    root: &Path,
    claims: &Claims,
    saved: &mut Saved,
) -> Result<()> {
    let (scenario, outcome) = (failed.scenario, failed.outcome);
    let rerun;
    let traced = if outcome.trace.is_some() {
        outcome
    } else {
        // The rerun repeats the run exactly: its panic, if any, was shown already.
        panics::install(true);
        let (again, drift) =
            artifacts::rerun_with_trace(scenario, failed.config, record.trace_hash);
        if let Some(why) = drift {
            add_reason(record, why);
        }
        rerun = again;
        &rerun
    };
    let reason = record.failure.clone().unwrap_or_default();
    output::line(format_args!(
        "failure: {} seed={}",
        scenario.name, record.seed
    ))?;
    for (i, line) in reason.lines().enumerate() {
        let label = if i == 0 { "reason:" } else { "       " };
        output::line(format_args!("  {label} {line}"))?;
    }
    output::line(format_args!("  replay: {}", record.replay_command()))?;
    let dir = artifacts::folder(root, scenario.implementation, scenario.name, record.seed);
    let schedule = failed.config.schedule.as_ref().map(|s| s.json.as_str());
    let replay = traced.replay_command();
    let files = artifacts::write(&dir, traced, &reason, &replay, schedule, claims);
    for path in &files.written {
        output::line(format_args!("  artifact: {}", path.display()))?;
    }
    for why in &files.unwritten {
        output::line(format_args!("  not written: {why}"))?;
    }
    saved.written.extend(files.written);
    saved.unwritten.extend(files.unwritten);
    Ok(())
}
