//! A run's budget: the most events, memory and messages per second one simulation may
//! use, and the flag that cancels it.
//!
//! A Raft that answers every reply with new messages, or that re-applies its log without
//! end, makes a run that never finishes and never fails: a sweep stalls on it, or the
//! machine runs out of memory. The budget turns that into a failure that says what
//! happened. The bounds sit far above what any lab scenario or swarm run of the Rafts
//! shipped with raftsim uses (measured; see the constants), so that a healthy run never
//! comes near them; the command line and schedule files change them.
//!
//! The simulation checks the budget as it goes ([`super::Sim`]) and, once it is exceeded
//! or cancelled, unwinds the run with a [`Stop`] payload, which the run's panic catcher
//! turns into the run's reason ([`crate::panics`]). Unwinding, rather than a `Result`
//! threaded through every scenario, stops a run however deep its loops are, between two
//! events, and leaves the simulation's wreck (time, events, trace) for the report.
//! [`std::panic::resume_unwind`] does not run the panic hook, so nothing is printed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

// The defaults below come from the measured peaks of every lab scenario (ours seeds
// 0..100, raft-rs 0..20) and of the swarm (seeds 0..2000, every workload) on ours,
// raft-rs and openraft; the README's "Run budgets" has the table.

/// Most events one run may process by default: 11 times the heaviest measured run
/// (SnapshotRecoverManyClients3B on raft-rs, 909,289 events; on ours 285,687).
pub const EVENTS_MAX_DEFAULT: u64 = 10_000_000;

/// Most bytes one run may hold at once by default (when the process meters its
/// allocations, as `raftsim` does with `alloc-meter`): 16 times the heaviest run
/// measured (SwarmKv seed 880 on raft-rs, 134 MB; on ours 103 MB).
pub const MEMORY_BYTES_MAX_DEFAULT: u64 = 2 << 30;

/// Most messages one node may send within one second of virtual time by default: 5.5
/// times the busiest node-second measured (a raft-rs leader in SwarmKv seed 880 with
/// one entry per message, catching up a follower whose reordered appends it resends in
/// bursts: 180,706 messages; ours at most 6,298, openraft 4,091).
pub const SENDS_PER_SECOND_MAX_DEFAULT: u64 = 1_000_000;

/// How often (in events) the simulation looks at its memory and the cancel flag: often
/// enough to stop within milliseconds, rarely enough to cost nothing.
pub const CHECK_EVERY_EVENTS: u64 = 1_024;

/// The limits of one run, and the flag that cancels it.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Most events the run may process.
    pub events_max: u64,
    /// Most bytes the run's thread may hold above what it held when the simulation
    /// started; only enforced when the process meters allocations.
    pub memory_bytes_max: u64,
    /// Most messages one node may send within one second of virtual time.
    pub sends_per_second_max: u64,
    /// Set from outside (a signal) to stop the run at its next check.
    pub cancel: Option<Arc<AtomicBool>>,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            events_max: EVENTS_MAX_DEFAULT,
            memory_bytes_max: MEMORY_BYTES_MAX_DEFAULT,
            sends_per_second_max: SENDS_PER_SECOND_MAX_DEFAULT,
            cancel: None,
        }
    }
}

impl Budget {
    /// Whether the run was cancelled from outside.
    pub fn cancelled(&self) -> bool {
        self.cancel
            .as_ref()
            .is_some_and(|flag| flag.load(Ordering::Relaxed))
    }

    /// The flags that set this budget's bounds where they differ from the defaults
    /// (`--events-max N ...`), for replay commands: a run that failed on a lowered
    /// bound replays with it.
    pub fn flags(&self) -> Vec<String> {
        let mut flags = Vec::new();
        for (flag, value, default) in [
            ("--events-max", self.events_max, EVENTS_MAX_DEFAULT),
            (
                "--memory-max",
                self.memory_bytes_max,
                MEMORY_BYTES_MAX_DEFAULT,
            ),
            (
                "--sends-per-second-max",
                self.sends_per_second_max,
                SENDS_PER_SECOND_MAX_DEFAULT,
            ),
        ] {
            if value != default {
                flags.push(format!("{flag} {value}"));
            }
        }
        flags
    }
}

/// Why a run stopped before its end: the payload its simulation unwinds with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A bound was exceeded: a failure of the implementation under test, with the
    /// reason that names the bound and the storm.
    Exceeded(String),
    /// Cancelled from outside (a signal): not a verdict on anything.
    Cancelled,
}

/// Unwinds the current run with `stop` (see the module doc).
pub(crate) fn stop(stop: Stop) -> ! {
    std::panic::resume_unwind(Box::new(stop))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_name_only_bounds_off_their_defaults() {
        assert!(Budget::default().flags().is_empty());
        let budget = Budget {
            events_max: 5_000,
            ..Budget::default()
        };
        assert_eq!(budget.flags(), vec!["--events-max 5000".to_string()]);
    }

    #[test]
    fn cancelled_follows_its_flag() {
        let flag = Arc::new(AtomicBool::new(false));
        let budget = Budget {
            cancel: Some(Arc::clone(&flag)),
            ..Budget::default()
        };
        assert!(!budget.cancelled());
        flag.store(true, Ordering::Relaxed);
        assert!(budget.cancelled());
        assert!(!Budget::default().cancelled());
    }
}
