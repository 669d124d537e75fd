//! `raftsim sweep` (and the main job, `raftsim` alone): every selected scenario over a
//! range of seeds, in parallel across runs, each run single-threaded.
//!
//! Runs are listed scenario by scenario (registry order), seed by seed; `--shard` keeps
//! every N-th; each result goes back to its job's slot, so the report and the `--json`
//! lines do not depend on `--jobs` (except for wall times).

use super::artifacts;
use super::catalog;
use super::determinism;
use super::error::{Error, Result, EXIT_FAIL, EXIT_PASS};
use super::filter::{self, Filter};
use super::panics;
use super::progress::Progress;
use super::record::Record;
use super::seed_range::{SeedRange, DEFAULT_SEEDS};
use super::shard::Shard;
use super::stopwatch::Stopwatch;
use super::summary;
use crate::scenario::{RunConfig, Scenario};
use clap::Args;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

/// The most runs one sweep (or shard) may hold: results stay in memory until the report.
pub const RUNS_MAX: u64 = 1_000_000;

/// Options shared by `sweep` and `replay`.
#[derive(Debug, Default, Args)]
pub struct RunnerArgs {
    /// Worker threads [default: all cores]. Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub jobs: Option<String>,
    /// Write one JSON object per run (scenario, seed, verdict, reason, virtual time,
    /// events, wall time, trace hash) to FILE, one per line, in the sweep's order.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// For each failed run, write its trace, history and HTML view under DIR.
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
    /// Run each seed twice in fresh simulators and fail it if the two differ.
    #[arg(long)]
    pub check_determinism: bool,
    /// Print every run's verdict line, not only the failures.
    #[arg(long, short)]
    pub verbose: bool,
}

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
    pub runner: RunnerArgs,
}

/// One run to do.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
}

/// How to run a batch of jobs.
#[derive(Clone, Debug)]
pub struct Runner {
    /// Worker threads.
    pub threads: usize,
    /// Run each job twice and compare.
    pub check_determinism: bool,
    /// Where to write failures' files.
    pub artifacts: Option<PathBuf>,
}

impl Runner {
    /// The runner `args` ask for.
    ///
    /// # Errors
    /// `Usage` when `--jobs` is not a positive integer.
    pub fn from_args(args: &RunnerArgs) -> Result<Runner> {
        let threads = match &args.jobs {
            None => std::thread::available_parallelism().map_or(1, usize::from),
            Some(text) => match text.trim().parse::<usize>() {
                Ok(n) if n > 0 => n,
                _ => {
                    return Err(Error::Usage(format!(
                        "bad --jobs {text:?}: expected a positive number of threads"
                    )))
                }
            },
        };
        Ok(Runner {
            threads,
            check_determinism: args.check_determinism,
            artifacts: args.artifacts.clone(),
        })
    }
}

/// Runs `raftsim sweep` and returns the exit code.
///
/// # Errors
/// `Usage` for a bad filter, seed range, shard or `--jobs`; `Output` when `--json` or
/// an artifact cannot be written.
pub fn run(args: &SweepArgs) -> Result<u8> {
    let filter = filter::parse_optional(args.filter.as_deref())?;
    let range = args
        .seeds
        .as_deref()
        .map_or(Ok(DEFAULT_SEEDS), SeedRange::parse)?;
    let shard = args.shard.as_deref().map_or(Ok(Shard::ALL), Shard::parse)?;
    let runner = Runner::from_args(&args.runner)?;
    let scenarios = Filter::select(filter.as_ref(), &catalog::scenarios())?;
    let jobs = plan(&scenarios, range, shard)?;
    println!(
        "sweep: {} scenario(s) x seeds {range} (shard {shard}) = {} run(s) on {} thread(s){}",
        scenarios.len(),
        jobs.len(),
        runner.threads,
        if runner.check_determinism {
            ", each run twice"
        } else {
            ""
        }
    );
    finish("sweep", &jobs, &runner, &args.runner)
}

/// Runs `jobs`, writes `--json`, prints the report; returns the exit code.
///
/// # Errors
/// `Output` when `--json` or an artifact cannot be written.
pub fn finish(label: &str, jobs: &[Job], runner: &Runner, args: &RunnerArgs) -> Result<u8> {
    // Create the JSON file first: a bad path should fail before a long sweep, not after.
    let json = match &args.json {
        Some(path) => Some((
            path,
            std::fs::File::create(path).map_err(|e| Error::writing(path, &e))?,
        )),
        None => None,
    };
    let (records, elapsed) = execute(label, jobs, runner)?;
    if let Some((path, file)) = json {
        write_json(path, file, &records)?;
    }
    Ok(report(
        label,
        &records,
        elapsed,
        runner.threads,
        args.verbose,
    ))
}

/// Every (scenario, seed) of the sweep in its stable order, keeping `shard`'s slice.
///
/// # Errors
/// `Usage` when the slice would hold more than [`RUNS_MAX`] runs.
pub fn plan(scenarios: &[Scenario], range: SeedRange, shard: Shard) -> Result<Vec<Job>> {
    assert!(!scenarios.is_empty(), "a sweep with no scenario");
    let total = (scenarios.len() as u64).checked_mul(range.len());
    match total {
        Some(total) if total.div_ceil(shard.count()) <= RUNS_MAX => {}
        _ => {
            return Err(Error::Usage(format!(
                "{} scenario(s) x seeds {range} is more than {RUNS_MAX} runs per shard: narrow --seeds or split with --shard",
                scenarios.len()
            )))
        }
    }
    let mut jobs = Vec::new();
    let mut k = 0u64;
    for scenario in scenarios {
        for seed in range.seeds() {
            if shard.owns(k) {
                jobs.push(Job {
                    scenario: *scenario,
                    seed,
                });
            }
            k += 1;
        }
    }
    assert!(jobs.len() as u64 <= RUNS_MAX, "plan of {} runs", jobs.len());
    Ok(jobs)
}

/// Runs every job on `runner.threads` threads; returns the records in `jobs`' order and
/// the wall time of the whole batch.
///
/// Each pool thread loops taking the next job from a shared counter, rather than the
/// jobs being rayon tasks: a run that itself uses rayon (the checker searches in
/// parallel) could otherwise steal another whole run onto its stack while it waits, and
/// time it as its own.
///
/// # Errors
/// `Output` when an artifact cannot be written (the batch stops early); `Usage` when the
/// pool cannot start.
pub fn execute(label: &str, jobs: &[Job], runner: &Runner) -> Result<(Vec<Record>, Duration)> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(runner.threads)
        .build()
        .map_err(|e| {
            Error::Usage(format!(
                "cannot start {} worker threads: {e}",
                runner.threads
            ))
        })?;
    // The failure reports carry each panic's message and location; `raftsim run`
    // shows the full panic.
    panics::install(true);
    let progress = Progress::new(label, jobs.len() as u64);
    let watch = Stopwatch::start();
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let slots: Vec<OnceLock<Result<Record>>> = jobs.iter().map(|_| OnceLock::new()).collect();
    pool.broadcast(|_| {
        while !stop.load(Ordering::Relaxed) {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(job) = jobs.get(i) else { break };
            let result = run_job(job, runner, &progress);
            if result.is_err() {
                stop.store(true, Ordering::Relaxed);
            }
            assert!(slots[i].set(result).is_ok(), "{label}: job {i} ran twice");
        }
    });
    progress.close();
    let elapsed = watch.elapsed();
    let mut records = Vec::with_capacity(jobs.len());
    let mut skipped = 0;
    for slot in slots {
        match slot.into_inner() {
            Some(Ok(record)) => records.push(record),
            Some(Err(err)) => return Err(err),
            None => skipped += 1,
        }
    }
    assert_eq!(
        skipped, 0,
        "{label}: {skipped} jobs never ran, and no error"
    );
    assert_eq!(records.len(), jobs.len(), "{label}: lost runs");
    Ok((records, elapsed))
}

/// One run (two with `check_determinism`), with its artifacts when it failed.
fn run_job(job: &Job, runner: &Runner, progress: &Progress) -> Result<Record> {
    let config = RunConfig {
        seed: job.seed,
        keep_trace: false,
        keep_history: false,
    };
    let watch = Stopwatch::start();
    let outcome = panics::run(&job.scenario, &config);
    let wall = watch.elapsed();
    assert_eq!(
        outcome.seed, job.seed,
        "{}: outcome of another seed",
        job.scenario.name
    );
    let drift = if runner.check_determinism {
        let second = panics::run(&job.scenario, &config);
        determinism::compare(&job.scenario, &outcome, &second)
    } else {
        None
    };
    let mut record = Record::new(job.scenario.part, outcome, wall);
    // The outcome names its scenario itself; the job's name is the one users typed.
    record.scenario = job.scenario.name.to_string();
    if let Some(why) = drift {
        add_reason(&mut record, why);
    }
    if let (false, Some(root)) = (record.passed(), &runner.artifacts) {
        record.artifacts = save(job, &mut record, root)?;
    }
    progress.finish(&record);
    Ok(record)
}

/// Appends `why` to the record's failure (or makes it the failure).
fn add_reason(record: &mut Record, why: String) {
    record.failure = Some(match record.failure.take() {
        Some(first) => format!("{first}; also {why}"),
        None => why,
    });
}

/// Writes a failed run's files under `root`, rerunning it to render the trace.
fn save(job: &Job, record: &mut Record, root: &Path) -> Result<Vec<PathBuf>> {
    let (traced, drift) = artifacts::rerun_with_trace(&job.scenario, job.seed, record.trace_hash);
    if let Some(why) = drift {
        add_reason(record, why);
    }
    let reason = record.failure.clone().unwrap_or_default();
    let dir = artifacts::folder(root, job.scenario.name, job.seed);
    artifacts::write(&dir, &traced, &reason)
}

/// Writes one JSON line per record.
fn write_json(path: &Path, mut file: std::fs::File, records: &[Record]) -> Result<()> {
    let mut text = String::new();
    for r in records {
        text.push_str(&r.json());
        text.push('\n');
    }
    file.write_all(text.as_bytes())
        .map_err(|e| Error::writing(path, &e))
}

/// Prints failures (in the batch's order), the summary and the final verdict line;
/// returns the exit code.
pub fn report(
    label: &str,
    records: &[Record],
    elapsed: Duration,
    threads: usize,
    verbose: bool,
) -> u8 {
    let failed: Vec<&Record> = records.iter().filter(|r| !r.passed()).collect();
    if verbose {
        for r in records {
            println!("{r}");
        }
    }
    if !failed.is_empty() {
        println!("failures ({}):", failed.len());
    }
    for r in &failed {
        println!("{r}");
        println!("  replay: {}", r.replay_command());
        if r.failure
            .as_deref()
            .is_some_and(|f| f.contains("nondeterministic"))
        {
            println!(
                "  recheck: cargo run --release -- sweep --filter '^{}$' --seeds {} --check-determinism",
                r.scenario, r.seed
            );
        }
        for path in &r.artifacts {
            println!("  artifact: {}", path.display());
        }
    }
    print!("{}", summary::render(records, elapsed, threads));
    if failed.is_empty() {
        println!("PASS {label}: {} run(s), 0 failed", records.len());
        EXIT_PASS
    } else {
        println!(
            "FAIL {label}: {} of {} run(s) failed",
            failed.len(),
            records.len()
        );
        EXIT_FAIL
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Outcome;

    fn scenario(name: &'static str) -> Scenario {
        fn never(_: &RunConfig) -> Outcome {
            Outcome::default()
        }
        Scenario {
            name,
            part: "demo",
            implementation: "",
            description: "",
            run: never,
        }
    }

    fn names(jobs: &[Job]) -> Vec<(&'static str, u64)> {
        jobs.iter().map(|j| (j.scenario.name, j.seed)).collect()
    }

    #[test]
    fn plan_shards_cover_the_whole_sweep_once() {
        let all = [scenario("A"), scenario("B")];
        let range = SeedRange::parse("3..6").unwrap_or_else(|e| panic!("{e}"));
        let whole = names(&plan(&all, range, Shard::ALL).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(
            whole,
            [("A", 3), ("A", 4), ("A", 5), ("B", 3), ("B", 4), ("B", 5)]
        );
        let mut union = Vec::new();
        for text in ["0/4", "1/4", "2/4", "3/4"] {
            let shard = Shard::parse(text).unwrap_or_else(|e| panic!("{e}"));
            union.extend(names(
                &plan(&all, range, shard).unwrap_or_else(|e| panic!("{e}")),
            ));
        }
        union.sort();
        let mut sorted = whole.clone();
        sorted.sort();
        assert_eq!(union, sorted);
    }

    #[test]
    fn plan_too_many_runs_is_usage_error() {
        let range = SeedRange::parse("0..18446744073709551615").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            plan(&[scenario("A")], range, Shard::ALL),
            Err(Error::Usage(_))
        ));
    }
}
