//! The runs in progress, and which of them have taken long: a sweep that seems stuck
//! names the runs it waits for.
//!
//! A healthy run takes well under a second of wall time; one that takes
//! [`SLOW_AFTER`] or more is named once, and again each time its wall time doubles, so
//! a run that never ends is named at 10 s, 20 s, 40 s ... until its budget stops it.

use crate::cli::shared::stopwatch::Stopwatch;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// How long a run may take before it is named.
pub const SLOW_AFTER: Duration = Duration::from_secs(10);

/// One run in progress.
#[derive(Debug)]
struct Running {
    /// How the report names it (`SwarmKv seed=7 raft=ours`).
    name: String,
    watch: Stopwatch,
    /// The wall time at which it is named next.
    next: Duration,
}

/// The runs in progress, by job index; shared by the workers and the waiting thread.
#[derive(Debug, Default)]
pub struct InFlight {
    runs: Mutex<BTreeMap<usize, Running>>,
}

impl InFlight {
    /// Run `index`, named `name`, starts.
    pub fn start(&self, index: usize, name: String) {
        let running = Running {
            name,
            watch: Stopwatch::start(),
            next: SLOW_AFTER,
        };
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        assert!(
            runs.insert(index, running).is_none(),
            "run {index} started twice"
        );
    }

    /// Run `index` is over.
    pub fn end(&self, index: usize) {
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        assert!(runs.remove(&index).is_some(), "run {index} ended unstarted");
    }

    /// The lines naming the runs that just passed their next mark, in job order.
    pub fn slow(&self) -> Vec<String> {
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        let mut lines = Vec::new();
        for running in runs.values_mut() {
            let took = running.watch.elapsed();
            if took >= running.next {
                lines.push(format!(
                    "raftsim: still running after {}s: {}",
                    took.as_secs(),
                    running.name
                ));
                running.next = took.saturating_mul(2);
            }
        }
        lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slow_names_nothing_that_just_started_and_forgets_ended_runs() {
        let in_flight = InFlight::default();
        in_flight.start(3, "SwarmKv seed=3".into());
        assert!(in_flight.slow().is_empty());
        in_flight.end(3);
        assert!(in_flight.runs.lock().map(|r| r.is_empty()).unwrap_or(false));
    }

    #[test]
    fn slow_names_a_run_past_its_mark_once_until_it_doubles() {
        let in_flight = InFlight::default();
        in_flight.start(0, "Stuck seed=0".into());
        if let Ok(mut runs) = in_flight.runs.lock() {
            if let Some(r) = runs.get_mut(&0) {
                r.next = Duration::ZERO;
            }
        }
        let lines = in_flight.slow();
        assert_eq!(lines.len(), 1);
        assert!(
            lines[0].starts_with("raftsim: still running after 0s: Stuck seed=0"),
            "{lines:?}"
        );
    }
}
