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
//! Election timeouts come from the boot seed (see [`ElectionTimeouts`]).

use raft_contract::{Duration, Instant};
use raftrs::StateRole;
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// The length of one raft-rs tick.
pub const TICK: Duration = Duration::from_millis(10);

/// Ticks between a leader's heartbeats, shipped: 100 ms, so at most ten per second per
/// follower (the lab's limit).
pub const HEARTBEAT_TICKS: usize = 10;

/// raft-rs's `election_tick`, and the least randomized election timeout, shipped.
pub const ELECTION_TICKS: usize = 30;

/// The shipped randomized election timeouts, in ticks: uniform in `[30, 60)`, 300-590 ms, the
/// range raftsim's own Raft uses (300-600 ms) and raft-rs's default shape
/// (`[election_tick, 2 * election_tick)`).
pub const ELECTION_TIMEOUT_TICKS: std::ops::Range<usize> = ELECTION_TICKS..2 * ELECTION_TICKS;

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

/// The election timeouts of one node incarnation, drawn from its boot seed.
///
/// raft-rs draws a randomized election timeout from `rand::thread_rng()` whenever it
/// resets its election timer. With configuration changes off, as here, it resets exactly
/// when it becomes follower, candidate or leader (its `reset`, called by those three
/// only), so exactly when its (term, role) pair changes, except on becoming
/// pre-candidate, which keeps the timer. Check-quorum adds no other reset: a leader
/// that loses its quorum becomes a follower (a role change), and a follower in its
/// lease ignores a vote request without a term change.
/// After every call into raft-rs the adapter compares that pair with the one it saw
/// last; on a reset it replaces raft-rs's draw with one of its own, through raft-rs's
/// public (test-oriented) `set_randomized_election_timeout`, before any tick can read
/// raft-rs's value. Every election thus gets a fresh timeout, as in raft-rs, but from
/// the run's seed.
#[derive(Clone, Debug)]
pub(crate) struct ElectionTimeouts {
    rng: ChaCha8Rng,
    /// The range the timeouts are drawn from, in ticks.
    range: std::ops::Range<usize>,
    /// raft-rs's (term, role) when last seen.
    seen: Option<(u64, StateRole)>,
}

impl ElectionTimeouts {
    /// The timeouts, uniform in `range` (ticks), of an incarnation booted with `seed`.
    pub(crate) fn new(seed: u64, range: std::ops::Range<usize>) -> ElectionTimeouts {
        ElectionTimeouts {
            rng: ChaCha8Rng::seed_from_u64(seed),
            range,
            seen: None,
        }
    }

    /// A fresh timeout if raft-rs reset its election timer since the last call (its
    /// term or role changed, other than to pre-candidate); `None` otherwise.
    pub(crate) fn after(&mut self, term: u64, role: StateRole) -> Option<usize> {
        let previous = self.seen.replace((term, role));
        let reset = match previous {
            None => true,
            Some((t, _)) if t != term => true,
            Some((_, r)) => r != role && role != StateRole::PreCandidate,
        };
        if !reset {
            return None;
        }
        let width = (self.range.end - self.range.start) as u64;
        // The modulo bias over 2^64 is far below anything a run could observe.
        let offset = (self.rng.next_u64() % width) as usize;
        Some(self.range.start + offset)
    }
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
    fn election_timeouts_are_drawn_at_each_change_and_follow_the_seed() {
        let mut a = ElectionTimeouts::new(7, ELECTION_TIMEOUT_TICKS);
        let mut draws = Vec::new();
        for term in 0..300 {
            draws.push(
                a.after(term, StateRole::Follower)
                    .expect("a new term resets"),
            );
            assert_eq!(a.after(term, StateRole::Follower), None, "nothing changed");
        }
        assert_eq!(
            a.after(299, StateRole::PreCandidate),
            None,
            "pre-vote keeps the timer"
        );
        assert!(
            a.after(299, StateRole::Follower).is_some(),
            "back to follower resets"
        );
        assert!(
            a.after(300, StateRole::Candidate).is_some(),
            "a candidate resets"
        );
        assert!(a.after(300, StateRole::Leader).is_some(), "a leader resets");
        assert!(draws.iter().all(|d| ELECTION_TIMEOUT_TICKS.contains(d)));
        assert!(draws.contains(&ELECTION_TIMEOUT_TICKS.start));
        assert!(draws.contains(&(ELECTION_TIMEOUT_TICKS.end - 1)));
        let mut b = ElectionTimeouts::new(7, ELECTION_TIMEOUT_TICKS);
        let again: Vec<usize> = (0..300)
            .map(|t| b.after(t, StateRole::Follower).expect("drawn"))
            .collect();
        assert_eq!(draws, again, "same seed, same timeouts");
    }
}
