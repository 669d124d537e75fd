//! Runs a batch of jobs (a sweep's plan, a replay's seeds) in parallel across runs, each
//! run single-threaded, and hands every result to its job's slot, so that the report and
//! the `--json` lines follow the jobs' order whatever `--jobs` is.
//!
//! A failed run's files are written as it finishes; a file that cannot be written is
//! noted in the run's record and the batch goes on. SIGINT or SIGTERM stops it after
//! cancelling the runs in progress at their next budget check (see
//! [`crate::cli::batch::interrupt`] and [`crate::engine::budget`]); a run that takes long
//! is named while it runs ([`crate::cli::batch::in_flight`]).

use crate::cli::batch::determinism;
use crate::cli::batch::in_flight::InFlight;
use crate::cli::batch::interrupt::{Interrupt, Signal};
use crate::cli::batch::json_lines::JsonLines;
use crate::cli::batch::progress::Progress;
use crate::cli::shared::artifacts;
use crate::cli::shared::budget_arg::BudgetArg;
use crate::cli::shared::claims::Claims;
use crate::cli::shared::error::{Error, Result};
use crate::cli::shared::output;
use crate::cli::shared::record::Record;
use crate::cli::shared::stopwatch::Stopwatch;
use crate::cli::sweep::plan::Job;
use crate::engine::Budget;
use crate::panics::{self, CANCELLED};
use crate::scenario::RunConfig;
use clap::Args;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

/// The most worker threads per core. Each run is single-threaded and CPU-bound, so
/// more threads than cores only add memory and switching; a few per core leave room
/// for the checker's own parallel search inside KV runs.
pub const THREADS_PER_CORE_MAX: usize = 4;

/// Options shared by `sweep` and `replay`.
#[derive(Debug, Default, Args)]
pub struct RunnerArgs {
    /// Worker threads [default: all cores; at most 4 per core]. Results do not depend on it.
    #[arg(long, value_name = "N")]
    pub jobs: Option<String>,
    /// Write a header line naming the sweep, then one JSON object per run (scenario,
    /// seed, verdict, reason, virtual time, events, wall time, trace hash) to FILE, one
    /// per line, in the sweep's order, as runs finish.
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
    #[command(flatten)]
    #[allow(missing_docs)]
    pub budget: BudgetArg,
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
    /// The command's inputs and outputs, which failures' files must not overwrite.
    pub claims: Claims,
    /// The `--jobs` the user gave, for the note that says what was used instead.
    pub requested: Option<usize>,
    /// Each run's limits (the batch adds its cancel flag).
    pub budget: Budget,
    /// The knobs `--set` fixes for every run (the command sets them: they are checked
    /// against the implementation's knobs, which the runner does not know).
    pub settings: raft_contract::Settings,
    /// How KV servers serve Gets in every run (`--reads`, checked by the command).
    pub reads: raft_contract::ReadMode,
}

/// What a batch did.
#[derive(Debug)]
pub struct Batch {
    /// The records of the jobs that ran, in the jobs' order.
    pub records: Vec<Record>,
    /// How many jobs there were.
    pub planned: usize,
    /// Wall time of the whole batch.
    pub elapsed: Duration,
    /// Worker threads used.
    pub threads: usize,
    /// The signal that stopped the batch before every job ran.
    pub interrupted: Option<Signal>,
}

impl Runner {
    /// The runner `args` ask for.
    ///
    /// # Errors
    /// `Usage` when `--jobs` or a budget flag is not a positive integer.
    pub fn from_args(args: &RunnerArgs) -> Result<Runner> {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let (threads, requested) = match &args.jobs {
            None => (cores, None),
            Some(text) => match text.trim().parse::<usize>() {
                // The note on a lowered count waits for `fit`, which knows the runs.
                Ok(n) if n > 0 => (capped(n, cores).0, Some(n)),
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
            claims: Claims::default(),
            requested,
            budget: args.budget.budget()?,
            settings: raft_contract::Settings::defaults(),
            reads: raft_contract::ReadMode::Log,
        })
    }

    /// No more threads than `jobs` (at least one): idle threads would only wait. A
    /// `--jobs` lowered, by the cores or by the runs, is named on stderr with the count
    /// used.
    pub fn fit(&mut self, jobs: usize) {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let (threads, note) = fitted(self.requested, self.threads, jobs, cores);
        self.threads = threads;
        if let Some(note) = note {
            output::warn(note);
        }
    }
}

/// The threads for `jobs` runs, from `threads` (already capped per core) and the
/// `requested` count, with a note when the count used is lower than the one requested.
pub fn fitted(
    requested: Option<usize>,
    threads: usize,
    jobs: usize,
    cores: usize,
) -> (usize, Option<String>) {
    let used = threads.min(jobs).max(1);
    let note = match requested {
        Some(n) if used < n && used < threads => Some(format!(
            "--jobs {n} is more than the {jobs} run(s); using {used} thread(s)"
        )),
        Some(n) if used < n => capped(n, cores).1,
        _ => None,
    };
    (used, note)
}

/// `requested` threads, capped at [`THREADS_PER_CORE_MAX`] per core, with the message
/// that says so when the cap applies.
pub fn capped(requested: usize, cores: usize) -> (usize, Option<String>) {
    let max = cores.max(1).saturating_mul(THREADS_PER_CORE_MAX);
    if requested <= max {
        return (requested, None);
    }
    let note = format!(
        "--jobs {requested} is more than {THREADS_PER_CORE_MAX} threads per core; using {max} ({cores} core(s))"
    );
    (max, Some(note))
}

/// Runs every job on `runner.threads` threads, writing `json` lines as runs finish.
///
/// Each pool thread loops taking the next job from a shared counter, rather than the
/// jobs being rayon tasks: a run that itself uses rayon (the checker searches in
/// parallel) could otherwise steal another whole run onto its stack while it waits, and
/// time it as its own. The calling thread waits, and tells the user at once when a
/// signal arrives.
///
/// # Errors
/// `Usage` when the pool cannot start.
pub fn execute(
    label: &str,
    jobs: &[Job],
    runner: &Runner,
    json: Option<&JsonLines>,
) -> Result<Batch> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(runner.threads)
        .build()
        .map_err(|e| Error::Usage(format!("cannot start {} threads: {e}", runner.threads)))?;
    // The failure reports carry each panic's message and location; `raftsim run`
    // shows the full panic.
    panics::install(true);
    let interrupt = Interrupt::install();
    // The first signal also cancels the runs in progress, at their next budget check.
    let budget = Budget {
        cancel: Some(interrupt.flag()),
        ..runner.budget.clone()
    };
    let in_flight = InFlight::default();
    let progress = Progress::new(label, jobs.len() as u64);
    let watch = Stopwatch::start();
    let next = AtomicUsize::new(0);
    let workers = Latch::new(pool.current_num_threads());
    let slots: Vec<OnceLock<Record>> = jobs.iter().map(|_| OnceLock::new()).collect();
    pool.in_place_scope(|scope| {
        scope.spawn_broadcast(|_, _| {
            let _leave = workers.leave_on_drop();
            while interrupt.signal().is_none() {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(job) = jobs.get(i) else { break };
                in_flight.start(i, job_name(job));
                let record = run_job(job, runner, &budget);
                in_flight.end(i);
                if record.cancelled() {
                    // A signal stopped it before its end: it did not run, as far as
                    // the report and the --json lines are concerned.
                    break;
                }
                if let Some(err) = json.and_then(|j| j.add(i, &record)) {
                    progress.say(&format!(
                        "raftsim: cannot write {err}; the {label} goes on without it"
                    ));
                }
                progress.finish(&record);
                assert!(slots[i].set(record).is_ok(), "{label}: job {i} ran twice");
            }
        });
        let mut told = false;
        workers.wait(|| {
            if let (Some(signal), false) = (interrupt.signal(), told) {
                told = true;
                progress.say(&format!(
                    "raftsim: {}: stopping the runs in progress; the report of the finished ones follows (send it again to stop at once, without it)",
                    signal.name()
                ));
            }
            for line in in_flight.slow() {
                progress.say(&line);
            }
        });
    });
    progress.close();
    let elapsed = watch.elapsed();
    let records: Vec<Record> = slots.into_iter().filter_map(OnceLock::into_inner).collect();
    // A signal after the last run stopped nothing.
    let interrupted = interrupt.signal().filter(|_| records.len() < jobs.len());
    assert!(
        interrupted.is_some() || records.len() == jobs.len(),
        "{label}: {} of {} jobs ran, and no signal",
        records.len(),
        jobs.len()
    );
    Ok(Batch {
        records,
        planned: jobs.len(),
        elapsed,
        threads: runner.threads,
        interrupted,
    })
}

/// How the progress lines name a job: as its verdict line will.
fn job_name(job: &Job) -> String {
    let raft = crate::outcome::raft_field(job.scenario.implementation);
    format!("{} seed={}{raft}", job.scenario.name, job.seed)
}

/// One run (two with `check_determinism`), with its files when it failed.
fn run_job(job: &Job, runner: &Runner, budget: &Budget) -> Record {
    let config = RunConfig {
        seed: job.seed,
        keep_trace: false,
        keep_history: false,
        schedule: None,
        unmonitored: false,
        knobs: job.knobs,
        budget: budget.clone(),
        settings: runner.settings.clone(),
        clocks: Vec::new(),
        reads: runner.reads,
    };
    let watch = Stopwatch::start();
    let outcome = crate::registry::run(&job.scenario, &config);
    let wall = watch.elapsed();
    assert_eq!(
        outcome.seed, job.seed,
        "{}: outcome of another seed",
        job.scenario.name
    );
    let drift = if runner.check_determinism && outcome.failure.as_deref() != Some(CANCELLED) {
        let second = crate::registry::run(&job.scenario, &config);
        determinism::compare(&job.scenario, &outcome, &second, &config)
    } else {
        None
    };
    let mut record = Record::new(job.scenario.part, outcome, wall);
    // The outcome names its scenario itself; the job's name is the one users typed.
    record.scenario = job.scenario.name.to_string();
    if let Some(why) = drift {
        add_reason(&mut record, why);
    }
    if let (false, false, Some(root)) = (record.passed(), record.cancelled(), &runner.artifacts) {
        save(job, &mut record, root, &runner.claims, &config);
    }
    record
}

/// Appends `why` to the record's failure (or makes it the failure).
pub fn add_reason(record: &mut Record, why: String) {
    record.failure = Some(match record.failure.take() {
        Some(first) => format!("{first}; also {why}"),
        None => why,
    });
}

/// Writes a failed run's files under `root`, rerunning it to render the trace.
fn save(job: &Job, record: &mut Record, root: &Path, claims: &Claims, config: &RunConfig) {
    let (traced, drift) = artifacts::rerun_with_trace(&job.scenario, config, record.trace_hash);
    if let Some(why) = drift {
        add_reason(record, why);
    }
    let reason = record.failure.clone().unwrap_or_default();
    let dir = artifacts::folder(
        root,
        job.scenario.implementation,
        job.scenario.name,
        job.seed,
    );
    let replay = traced.replay_command();
    let saved = artifacts::write(&dir, &traced, &reason, &replay, None, claims);
    record.artifacts = saved.written;
    record.unwritten = saved.unwritten;
}

/// Counts the workers still running; the caller waits for none to be left.
#[derive(Debug)]
struct Latch {
    left: Mutex<usize>,
    done: Condvar,
}

/// Leaves the latch when dropped, also when a worker unwinds.
struct Leave<'a>(&'a Latch);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        let mut left = self.0.left.lock().unwrap_or_else(|p| p.into_inner());
        assert!(*left > 0, "more workers left than started");
        *left -= 1;
        if *left == 0 {
            self.0.done.notify_all();
        }
    }
}

impl Latch {
    /// How often the waiting thread wakes to look for a signal.
    const POLL: Duration = Duration::from_millis(100);

    fn new(workers: usize) -> Latch {
        assert!(workers > 0, "a pool with no threads");
        Latch {
            left: Mutex::new(workers),
            done: Condvar::new(),
        }
    }

    fn leave_on_drop(&self) -> Leave<'_> {
        Leave(self)
    }

    /// Waits until every worker has left, calling `tick` every [`Self::POLL`].
    fn wait(&self, mut tick: impl FnMut()) {
        let mut left = self.left.lock().unwrap_or_else(|p| p.into_inner());
        while *left > 0 {
            left = self
                .done
                .wait_timeout(left, Self::POLL)
                .unwrap_or_else(|p| p.into_inner())
                .0;
            tick();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capped_threads_at_four_per_core_with_a_message() {
        assert_eq!(capped(3, 2), (3, None));
        assert_eq!(capped(8, 2), (8, None));
        let (threads, note) = capped(100_000, 2);
        assert_eq!(threads, 8);
        let note = note.unwrap_or_default();
        assert!(
            note.contains("--jobs 100000") && note.contains("using 8"),
            "{note}"
        );
        assert_eq!(capped(5, 0).0, 4, "no core count: one core assumed");
    }

    #[test]
    fn fitted_note_names_the_threads_used() {
        assert_eq!(fitted(None, 8, 1, 2), (1, None));
        assert_eq!(fitted(Some(3), 3, 10, 2), (3, None));
        let (used, note) = fitted(Some(100_000), 8, 1, 2);
        assert_eq!(used, 1);
        assert_eq!(
            note.as_deref(),
            Some("--jobs 100000 is more than the 1 run(s); using 1 thread(s)")
        );
        let (used, note) = fitted(Some(100_000), 8, 40, 2);
        assert_eq!(used, 8);
        assert!(note.is_some_and(|n| n.contains("threads per core; using 8")));
        let (used, note) = fitted(Some(5), 5, 2, 2);
        assert_eq!((used, note.is_some()), (2, true));
    }

    #[test]
    fn fit_keeps_at_least_one_thread_and_no_idle_ones() {
        let mut runner = Runner::from_args(&RunnerArgs {
            jobs: Some("6".into()),
            ..RunnerArgs::default()
        })
        .unwrap_or_else(|e| panic!("{e}"));
        let requested = runner.threads;
        runner.fit(100);
        assert_eq!(runner.threads, requested);
        runner.fit(2);
        assert_eq!(runner.threads, 2.min(requested));
        runner.fit(0);
        assert_eq!(runner.threads, 1);
    }
}
