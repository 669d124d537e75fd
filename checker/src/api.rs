//! The checker's entry points: options, verdicts and per-partition results.

use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::history::{operations_from_events, Event, EventError, History, Operation};
use crate::model::Model;
use crate::search::{Limit, Search, SearchEnd, SearchLimits, SearchReport};

/// The verdict on a whole history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// The history is linearizable.
    Ok,
    /// The history is not linearizable (this wins over any partition's `Unknown`).
    Illegal,
    /// The checker stopped early (timeout, cache limit or cancellation) without finding a
    /// violation.
    Unknown,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Verdict::Ok => "Ok",
            Verdict::Illegal => "Illegal",
            Verdict::Unknown => "Unknown",
        })
    }
}

/// Which partitions to search to the end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scope {
    /// Stop at the first failing partition (lowest index): the verdict and its explanation
    /// come fast even where another partition is expensive. Partitions after it are
    /// reported as [`PartitionVerdict::Skipped`].
    #[default]
    FirstFailure,
    /// Search every partition to the end (or its limit), e.g. to explain them all.
    AllPartitions,
}

/// Options of [`check_operations`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CheckOptions {
    /// Wall-clock budget for the whole check; on expiry the verdict is `Unknown` unless a
    /// violation was already found. Timing-dependent: for reproducible runs use
    /// `cache_limit`.
    pub timeout: Option<Duration>,
    /// The most memo entries one partition may hold; past it that partition is
    /// `Unknown`. An entry is a memoised model transition, or a configuration (linearized
    /// set, state), which counts once more per 64 operations in its window (the operations
    /// open when its first unlinearized operation returns: none for sequential clients,
    /// about the concurrency otherwise). So the limit bounds memory deterministically,
    /// whatever the partition's length: about 90 bytes per entry for the KV model on a hard
    /// partition, its new states included (350 MB at the default limit on c50-bad).
    pub cache_limit: Option<usize>,
    /// Which partitions to search to the end.
    pub scope: Scope,
    /// Search partitions on rayon's thread pool. Results never depend on it.
    pub parallel: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            timeout: None,
            cache_limit: Some(DEFAULT_CACHE_LIMIT),
            scope: Scope::FirstFailure,
            parallel: true,
        }
    }
}

/// The default [`CheckOptions::cache_limit`]: about 400 MB per partition that reaches it.
pub const DEFAULT_CACHE_LIMIT: usize = 4_000_000;

/// The verdict on one partition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PartitionVerdict {
    /// A linearization of the partition was found.
    Ok,
    /// No linearization of the partition exists.
    Illegal,
    /// The search stopped early.
    Unknown(Limit),
    /// Not searched to a verdict: an earlier partition failed ([`Scope::FirstFailure`]).
    Skipped,
}

/// The result for one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionResult {
    /// Indices into the history of the partition's operations, ascending.
    pub ops: Vec<usize>,
    /// Its verdict.
    pub verdict: PartitionVerdict,
    /// The longest linearizable prefix the search found, as history indices in
    /// linearization order. For an `Ok` partition, a full linearization. Empty if skipped.
    pub linearization: Vec<usize>,
    /// For each step of `linearization`, which of the model's next states was taken (0 for
    /// a deterministic model).
    pub choices: Vec<u32>,
    /// How many configurations the search memoised.
    pub configurations: usize,
    /// The operation (history index) whose output no sequence of the partition's
    /// operations can produce (see [`Model::impossible_output`]), if the check before the
    /// search found one: the partition is then Illegal without a search, and
    /// `linearization` is empty.
    pub impossible: Option<usize>,
}

/// The result of a check: the verdict and what each partition found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckResult {
    /// The verdict on the whole history.
    pub verdict: Verdict,
    /// One result per partition, in the model's partition order.
    pub partitions: Vec<PartitionResult>,
}

impl CheckResult {
    /// The index of the first (lowest-index) illegal partition, if any.
    pub fn first_failure(&self) -> Option<usize> {
        self.partitions
            .iter()
            .position(|p| p.verdict == PartitionVerdict::Illegal)
    }
}

/// Checks a history of operations against `model`.
///
/// Partitions are searched in rounds of growing memo budgets (4096, then x8, up to the
/// cache limit), so that with [`Scope::FirstFailure`] a failing partition that is cheap to
/// refute is found before an expensive partition is searched to the end. The first
/// failure is the lowest-index partition refuted in the earliest round.
///
/// Deterministic: the verdict and every partition result depend only on the model, the
/// history and the options (never on thread count), except where a timeout expires.
///
/// # Panics
/// If an operation returns before it is called (the history readers reject such input),
/// or if the model's `partition` does not list every operation exactly once.
pub fn check_operations<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    options: &CheckOptions,
) -> CheckResult {
    for (k, op) in history.iter().enumerate() {
        assert!(
            op.is_well_formed(),
            "operation {k} returns before its call at {:?}",
            op.call
        );
    }
    let parts = checked_partition(model, history);
    let deadline = options.timeout.map(deadline_after);
    let limit = options.cache_limit.unwrap_or(usize::MAX);
    let mut slots: Vec<Slot<'_, M>> = parts
        .iter()
        .map(|part| {
            let ops: Vec<&Operation<M::Input, M::Output>> =
                part.iter().map(|&k| &history[k]).collect();
            match model.impossible_output(&ops) {
                Some(k) => Slot::Impossible(k),
                None => Slot::Running(Box::new(Search::new(model, ops))),
            }
        })
        .collect();
    let mut budget = match options.scope {
        Scope::FirstFailure => FIRST_BUDGET.min(limit),
        Scope::AllPartitions => limit,
    };
    loop {
        run_round(&mut slots, options, deadline, budget, limit);
        let illegal = slots.iter().any(|s| match s {
            Slot::Done(r) => r.end == SearchEnd::Illegal,
            Slot::Impossible(_) => true,
            Slot::Running(_) => false,
        });
        let running = slots.iter().any(|s| matches!(s, Slot::Running(_)));
        if illegal || !running || budget >= limit {
            break;
        }
        budget = budget.saturating_mul(8).min(limit);
    }
    let mut partitions: Vec<PartitionResult> = slots
        .into_iter()
        .zip(&parts)
        .enumerate()
        .map(|(index, (slot, part))| partition_result(slot, part, index))
        .collect();
    if let Some(first) = partitions
        .iter()
        .position(|p| p.verdict == PartitionVerdict::Illegal)
    {
        if options.scope == Scope::FirstFailure {
            // Which partitions got how far before the failure was found depends on the
            // round schedule, not on the history alone: report only finished ones before it.
            for (k, p) in partitions.iter_mut().enumerate() {
                if k > first || matches!(p.verdict, PartitionVerdict::Unknown(Limit::CacheLimit)) {
                    skip(p);
                }
            }
        }
    }
    let verdict = if partitions
        .iter()
        .any(|p| p.verdict == PartitionVerdict::Illegal)
    {
        Verdict::Illegal
    } else if partitions.iter().all(|p| p.verdict == PartitionVerdict::Ok) {
        Verdict::Ok
    } else {
        Verdict::Unknown
    };
    CheckResult {
        verdict,
        partitions,
    }
}

/// The first round's memo budget per partition.
const FIRST_BUDGET: usize = 4096;

/// A partition's search: still running (resumable), done with its report, or not needed
/// because an operation (by position in the partition) cannot produce its output.
enum Slot<'m, M: Model> {
    Running(Box<Search<'m, M>>),
    Done(SearchReport),
    Impossible(usize),
}

/// Runs every running partition up to `budget` memo entries.
fn run_round<M: Model>(
    slots: &mut [Slot<'_, M>],
    options: &CheckOptions,
    deadline: Option<Instant>,
    budget: usize,
    limit: usize,
) {
    let first_only = options.scope == Scope::FirstFailure;
    let lowest_failure = AtomicUsize::new(usize::MAX);
    let run = |(index, slot): (usize, &mut Slot<'_, M>)| {
        let Slot::Running(search) = slot else { return };
        let cancelled = || first_only && lowest_failure.load(Ordering::Relaxed) < index;
        if cancelled() {
            *slot = Slot::Done(search.report(SearchEnd::Stopped(Limit::Cancelled)));
            return;
        }
        let limits = SearchLimits {
            deadline,
            cache_limit: budget,
            cancelled: &cancelled,
        };
        let end = search.run(&limits);
        match end {
            SearchEnd::Stopped(Limit::CacheLimit) if budget < limit => {} // Resumed next round.
            SearchEnd::Illegal => {
                lowest_failure.fetch_min(index, Ordering::Relaxed);
                *slot = Slot::Done(search.report(end));
            }
            _ => *slot = Slot::Done(search.report(end)),
        }
    };
    if options.parallel && slots.len() > 1 {
        slots.par_iter_mut().enumerate().for_each(run);
    } else {
        slots.iter_mut().enumerate().for_each(run);
    }
}

fn partition_result<M: Model>(slot: Slot<'_, M>, part: &[usize], index: usize) -> PartitionResult {
    let report = match slot {
        Slot::Impossible(k) => {
            assert!(
                k < part.len(),
                "partition {index}: impossible op {k} outside it"
            );
            return PartitionResult {
                ops: part.to_vec(),
                verdict: PartitionVerdict::Illegal,
                linearization: Vec::new(),
                choices: Vec::new(),
                configurations: 0,
                impossible: Some(part[k]),
            };
        }
        Slot::Done(report) => report,
        // Stopped by the round schedule (a failure was found elsewhere first).
        Slot::Running(search) => search.report(SearchEnd::Stopped(Limit::Cancelled)),
    };
    let verdict = match report.end {
        SearchEnd::Ok => PartitionVerdict::Ok,
        SearchEnd::Illegal => PartitionVerdict::Illegal,
        SearchEnd::Stopped(Limit::Cancelled) => PartitionVerdict::Skipped,
        SearchEnd::Stopped(limit) => PartitionVerdict::Unknown(limit),
    };
    let mut result = PartitionResult {
        ops: part.to_vec(),
        verdict,
        linearization: report
            .longest
            .iter()
            .map(|&(op, _)| part[op as usize])
            .collect(),
        choices: report.longest.iter().map(|&(_, choice)| choice).collect(),
        configurations: report.configurations,
        impossible: None,
    };
    if verdict == PartitionVerdict::Skipped {
        skip(&mut result);
    }
    assert!(
        verdict != PartitionVerdict::Ok || result.linearization.len() == part.len(),
        "partition {index}: Ok with a linearization of {} of {} ops",
        result.linearization.len(),
        part.len()
    );
    result
}

/// Checks an ordered event list (see [`operations_from_events`]) against `model`.
///
/// # Errors
/// [`EventError`] if the events are inconsistent (e.g. a return without a call).
pub fn check_events<M: Model>(
    model: &M,
    events: Vec<Event<M::Input, M::Output>>,
    options: &CheckOptions,
) -> Result<CheckedEvents<M::Input, M::Output>, EventError> {
    let ops = operations_from_events(events)?;
    let result = check_operations(model, &ops, options);
    Ok(CheckedEvents { ops, result })
}

/// What [`check_events`] returns: the operations built from the events (needed to explain
/// or draw the result) and the result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CheckedEvents<I, O> {
    /// The operations, one per call, in call order; time `k` is event `k`.
    pub ops: History<I, O>,
    /// The check's result.
    pub result: CheckResult,
}

fn checked_partition<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
) -> Vec<Vec<usize>> {
    let mut parts = model.partition(history);
    let mut seen = vec![false; history.len()];
    for part in &mut parts {
        part.sort_unstable();
        for &k in part.iter() {
            assert!(
                k < history.len(),
                "model partition lists op {k} of {}",
                history.len()
            );
            assert!(!seen[k], "model partition lists op {k} twice");
            seen[k] = true;
        }
    }
    assert!(
        seen.iter().all(|s| *s),
        "model partition leaves out operations"
    );
    parts
}

fn skip(result: &mut PartitionResult) {
    result.verdict = PartitionVerdict::Skipped;
    result.linearization.clear();
    result.choices.clear();
    result.configurations = 0;
}

#[allow(clippy::disallowed_methods)] // The timeout is a wall-clock budget the caller asked for.
fn deadline_after(timeout: Duration) -> Instant {
    Instant::now() + timeout
}
