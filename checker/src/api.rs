//! The checker's entry points: options, verdicts and per-partition results.

use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::Result;
use crate::history::{operations_from_events, Event, Operation};
use crate::model::Model;
use crate::search::{search, Limit, SearchEnd, SearchLimits};

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
    /// The most configurations (linearized set, state) one partition may memoise; past it
    /// that partition is `Unknown`. Bounds memory deterministically: each configuration
    /// costs about `n/8 + 40` bytes for a partition of `n` operations, plus new states.
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

/// The default [`CheckOptions::cache_limit`]: about 1-2 GB on the hardest histories.
pub const DEFAULT_CACHE_LIMIT: usize = 20_000_000;

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
        self.partitions.iter().position(|p| p.verdict == PartitionVerdict::Illegal)
    }
}

/// Checks a history of operations against `model`.
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
        assert!(op.is_well_formed(), "operation {k} returns before its call at {:?}", op.call);
    }
    let parts = checked_partition(model, history);
    let deadline = options.timeout.map(deadline_after);
    let lowest_failure = AtomicUsize::new(usize::MAX);
    let run = |(index, part): (usize, &Vec<usize>)| {
        check_partition(model, history, part, index, options, deadline, &lowest_failure)
    };
    let mut partitions: Vec<PartitionResult> = if options.parallel && parts.len() > 1 {
        parts.par_iter().enumerate().map(run).collect()
    } else {
        parts.iter().enumerate().map(run).collect()
    };
    if options.scope == Scope::FirstFailure {
        // Which later partitions finished before cancellation depends on timing: report
        // none of them, so the result does not.
        if let Some(first) = partitions.iter().position(|p| p.verdict == PartitionVerdict::Illegal) {
            for later in &mut partitions[first + 1..] {
                skip(later);
            }
        }
    }
    let verdict = if partitions.iter().any(|p| p.verdict == PartitionVerdict::Illegal) {
        Verdict::Illegal
    } else if partitions.iter().all(|p| p.verdict == PartitionVerdict::Ok) {
        Verdict::Ok
    } else {
        Verdict::Unknown
    };
    CheckResult { verdict, partitions }
}

/// Checks an ordered event list (see [`operations_from_events`]) against `model`.
///
/// # Errors
/// [`crate::Error::Event`] if the events are inconsistent (e.g. a return without a call).
pub fn check_events<M: Model>(
    model: &M,
    events: Vec<Event<M::Input, M::Output>>,
    options: &CheckOptions,
) -> Result<(Vec<Operation<M::Input, M::Output>>, CheckResult)> {
    let ops = operations_from_events(events)?;
    let result = check_operations(model, &ops, options);
    Ok((ops, result))
}

fn checked_partition<M: Model>(model: &M, history: &[Operation<M::Input, M::Output>]) -> Vec<Vec<usize>> {
    let mut parts = model.partition(history);
    let mut seen = vec![false; history.len()];
    for part in &mut parts {
        part.sort_unstable();
        for &k in part.iter() {
            assert!(k < history.len(), "model partition lists op {k} of {}", history.len());
            assert!(!seen[k], "model partition lists op {k} twice");
            seen[k] = true;
        }
    }
    assert!(seen.iter().all(|s| *s), "model partition leaves out operations");
    parts
}

fn check_partition<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    part: &[usize],
    index: usize,
    options: &CheckOptions,
    deadline: Option<Instant>,
    lowest_failure: &AtomicUsize,
) -> PartitionResult {
    let first_only = options.scope == Scope::FirstFailure;
    let cancelled = || first_only && lowest_failure.load(Ordering::Relaxed) < index;
    let mut result = PartitionResult {
        ops: part.to_vec(),
        verdict: PartitionVerdict::Skipped,
        linearization: Vec::new(),
        choices: Vec::new(),
        configurations: 0,
    };
    if cancelled() {
        return result;
    }
    let ops: Vec<&Operation<M::Input, M::Output>> = part.iter().map(|&k| &history[k]).collect();
    let limits = SearchLimits {
        deadline,
        cache_limit: options.cache_limit.unwrap_or(usize::MAX),
        cancelled: &cancelled,
    };
    let report = search(model, &ops, &limits);
    result.verdict = match report.end {
        SearchEnd::Ok => PartitionVerdict::Ok,
        SearchEnd::Illegal => {
            lowest_failure.fetch_min(index, Ordering::Relaxed);
            PartitionVerdict::Illegal
        }
        SearchEnd::Stopped(Limit::Cancelled) => PartitionVerdict::Skipped,
        SearchEnd::Stopped(limit) => PartitionVerdict::Unknown(limit),
    };
    if result.verdict == PartitionVerdict::Skipped {
        return result;
    }
    result.linearization = report.longest.iter().map(|&(op, _)| part[op as usize]).collect();
    result.choices = report.longest.iter().map(|&(_, choice)| choice).collect();
    result.configurations = report.configurations;
    assert!(
        result.verdict != PartitionVerdict::Ok || result.linearization.len() == part.len(),
        "partition {index}: Ok with a linearization of {} of {} ops",
        result.linearization.len(),
        part.len()
    );
    result
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
