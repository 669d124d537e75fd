//! raft-rs's logical clock in virtual time, and its election timeouts drawn from the
//! run's seed.
//!
//! raft-rs counts ticks: a follower campaigns after its randomized election timeout of
//! ticks without hearing from a leader, a leader sends heartbeats every
//! `heartbeat_tick` ticks. A tick here is [`TICK`] of virtual time, counted from the
//! node's boot. Ticks in which raft-rs would only count are not simulated one by one:
//! the node's deadline is the tick at which raft-rs acts next, and every call first
//! hands raft-rs all the ticks that passed (see [`Ticks`]). Counting is all raft-rs
//! does on those ticks, so this is the same as ticking every [`TICK`].
//!
//! Election timeouts are one per incarnation, drawn from the boot seed (see
//! [`election_timeout_ticks`]).

use raft_contract::{Duration, Instant};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The length of one raft-rs tick.
pub const TICK: Duration = Duration::from_millis(10);

/// Ticks between a leader's heartbeats: 100 ms, so at most ten per second per follower
/// (the lab's limit).
pub const HEARTBEAT_TICKS: usize = 10;

/// raft-rs's `election_tick`: the least election timeout.
pub const ELECTION_TICKS: usize = 30;

/// The election timeouts an incarnation can get, in ticks: uniform in `[30, 60)`,
/// 300-590 ms, the range raftsim's own Raft uses (300-600 ms).
pub const ELECTION_TIMEOUT_TICKS: std::ops::Range<usize> = ELECTION_TICKS..60;

/// The ticks of one node: when they started, and how many raft-rs has been given.
#[derive(Clone, Debug)]
pub(crate) struct Ticks {
    origin: Instant,
    given: u64,
}

impl Ticks {
    /// Ticks of a node booted at `origin`: the first falls one [`TICK`] later.
    pub(crate) fn new(origin: Instant) -> Ticks {
        Ticks { origin, given: 0 }
    }

    /// How many ticks fell in `(origin, now]` that raft-rs has not been given yet.
    pub(crate) fn due(&self, now: Instant) -> u64 {
        let elapsed = now.saturating_since(self.origin).0 / TICK.0;
        elapsed.saturating_sub(self.given)
    }

    /// Records one tick given to raft-rs.
    pub(crate) fn give(&mut self) {
        self.given += 1;
    }

    /// The instant of the `ahead`-th tick after those given (`ahead >= 1`).
    pub(crate) fn at(&self, ahead: u64) -> Instant {
        assert!(ahead >= 1, "a deadline is a future tick");
        let tick = self.given.checked_add(ahead).expect("tick count overflow");
        self.origin + Duration(tick.checked_mul(TICK.0).expect("virtual time overflow"))
    }
}

/// The election timeout of a node incarnation booted with `seed`, in ticks.
///
/// raft-rs draws its randomized election timeout from `rand::thread_rng()` in
/// `[min_election_tick, max_election_tick)` whenever it resets its election timer, and
/// offers no way to supply the randomness (its `set_randomized_election_timeout` is a
/// test hook that only accepts values inside that range). The adapter therefore gives
/// each incarnation a range one tick wide, `[t, t + 1)`, with `t` drawn here from the
/// boot seed: raft-rs's draw can then only yield `t`, so runs are reproducible. The
/// price is that an incarnation keeps one timeout for its whole life instead of a fresh
/// one per election; split votes still resolve, because each node's timer restarts at
/// a different moment and timeouts differ between nodes and between restarts.
pub(crate) fn election_timeout_ticks(seed: u64) -> usize {
    let width = (ELECTION_TIMEOUT_TICKS.end - ELECTION_TIMEOUT_TICKS.start) as u64;
    // The modulo bias over 2^64 is far below anything a run could observe.
    let offset = (ChaCha8Rng::seed_from_u64(seed).next_u64() % width) as usize;
    ELECTION_TIMEOUT_TICKS.start + offset
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_due_counts_whole_ticks_since_boot() {
        let mut t = Ticks::new(Instant::from_millis(5));
        assert_eq!(t.due(Instant::from_millis(14)), 0);
        assert_eq!(t.due(Instant::from_millis(15)), 1);
        assert_eq!(t.due(Instant::from_millis(47)), 4);
        t.give();
        t.give();
        assert_eq!(t.due(Instant::from_millis(47)), 2);
        assert_eq!(t.at(1), Instant::from_millis(35));
        assert_eq!(t.due(Instant::from_millis(1)), 0, "before boot: none");
    }

    #[test]
    fn election_timeout_follows_the_seed_and_spans_the_range() {
        let draws: Vec<usize> = (0..300).map(election_timeout_ticks).collect();
        assert!(draws.iter().all(|d| ELECTION_TIMEOUT_TICKS.contains(d)));
        assert!(draws.contains(&ELECTION_TIMEOUT_TICKS.start));
        assert!(draws.contains(&(ELECTION_TIMEOUT_TICKS.end - 1)));
        let again: Vec<usize> = (0..300).map(election_timeout_ticks).collect();
        assert_eq!(draws, again, "same seed, same timeout");
    }
}
