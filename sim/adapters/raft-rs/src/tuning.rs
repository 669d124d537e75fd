//! The raft-rs settings raftsim may vary ([`KNOBS`]), and the [`Tuning`] a node boots
//! with.
//!
//! The shipped configuration (see [`crate::node::config`]) sends whole tails in one
//! append (1 MiB), keeps 256 appends in flight, runs pre-vote with check-quorum and
//! ticks 10 times per heartbeat. A follower's handling of short appends, a leader with
//! one append in flight and elections without pre-vote are never exercised that way; the swarm draws these knobs from the seed instead. Every choice
//! keeps the lab's limits (heartbeats at least 100 ms apart, election timeouts of at
//! most 1 s), and every combination is a configuration raft-rs accepts
//! (`heartbeat_tick < election_tick`).

use crate::clock::{ELECTION_TICKS, HEARTBEAT_TICKS};
use raft_contract::{Knob, Settings};
use std::ops::Range;

/// The most bytes of entries raft-rs puts in one append (`max_size_per_msg`; it always
/// sends at least one entry). 1 MiB is far above what any lab test needs at once (its
/// largest commands are 5 kB), so catching up a follower takes few messages, yet keeps
/// a message bounded. raft-rs's default of 0 would send one entry per message.
pub const MAX_SIZE_PER_MSG: u64 = 1 << 20;

/// How many appends a leader keeps in flight to one follower before it waits for an
/// answer (`max_inflight_msgs`): raft-rs's default.
pub const MAX_INFLIGHT_MSGS: u64 = 256;

/// The raft-rs settings the tester may vary.
///
/// Check-quorum is on in the shipped configuration, as TiKV runs raft-rs: without it,
/// raft-rs's pre-vote checks only the candidate's log, so a server that cannot hear the
/// leader while the cluster is idle still wins pre-votes and deposes a leader a majority
/// hears (the `beyond` scenarios ChainedPartition and FlappingLink fail on every seed).
/// With it, a follower that heard from its leader within the election timeout drops a
/// vote request of a higher term unread (raft-rs's lease, Raft thesis §4.2.3); the
/// adapter says so through `discards` (see [`crate::lease`]), so that the Term Rule
/// does not count that as a violation of Figure 2's term rule.
pub const KNOBS: &[Knob] = &[
    Knob {
        name: "max_size_per_msg",
        about: "the most bytes of entries in one append (0: one entry per append)",
        default: MAX_SIZE_PER_MSG,
        choices: &[0, 256, 4096, MAX_SIZE_PER_MSG],
    },
    Knob {
        name: "max_inflight_msgs",
        about: "appends in flight to one follower before the leader waits",
        default: MAX_INFLIGHT_MSGS,
        choices: &[1, 4, MAX_INFLIGHT_MSGS],
    },
    Knob {
        name: "pre_vote",
        about: "1: a candidate asks for pre-votes before it raises its term (thesis §9.6)",
        default: 1,
        choices: &[0, 1],
    },
    Knob {
        name: "check_quorum",
        about: "1: a leader steps down without a majority, and a follower that hears one drops higher-term votes",
        default: 1,
        choices: &[0, 1],
    },
    Knob {
        name: "election_tick",
        about: "election timeout in 10 ms ticks (randomized in [t, 2t))",
        default: ELECTION_TICKS as u64,
        choices: &[20, ELECTION_TICKS as u64, 50],
    },
    Knob {
        name: "heartbeat_tick",
        about: "ticks between a leader's heartbeats",
        default: HEARTBEAT_TICKS as u64,
        choices: &[HEARTBEAT_TICKS as u64, 15],
    },
];

/// The knobs' values for one node, resolved from its boot settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tuning {
    /// raft-rs's `max_size_per_msg`.
    pub max_size_per_msg: u64,
    /// raft-rs's `max_inflight_msgs`.
    pub max_inflight_msgs: usize,
    /// raft-rs's `pre_vote`.
    pub pre_vote: bool,
    /// raft-rs's `check_quorum`.
    pub check_quorum: bool,
    /// raft-rs's `election_tick`.
    pub election_tick: usize,
    /// raft-rs's `heartbeat_tick`.
    pub heartbeat_tick: usize,
}

impl Tuning {
    /// The values `settings` ask for, each knob at its default where they are silent.
    pub fn from_settings(settings: &Settings) -> Tuning {
        let [size, inflight, pre_vote, check_quorum, election, heartbeat] = KNOBS else {
            unreachable!("six knobs")
        };
        let count = |knob: &Knob| usize::try_from(knob.value(settings)).unwrap_or(usize::MAX);
        Tuning {
            max_size_per_msg: size.value(settings),
            max_inflight_msgs: count(inflight),
            pre_vote: pre_vote.value(settings) != 0,
            check_quorum: check_quorum.value(settings) != 0,
            election_tick: count(election),
            heartbeat_tick: count(heartbeat),
        }
    }

    /// The randomized election timeouts, in ticks: raft-rs's default shape
    /// `[election_tick, 2 * election_tick)`.
    pub fn election_timeouts(&self) -> Range<usize> {
        self.election_tick..2 * self.election_tick
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ELECTION_TIMEOUT_TICKS;

    #[test]
    fn empty_settings_are_the_shipped_configuration() {
        let t = Tuning::from_settings(&Settings::defaults());
        assert_eq!(t.max_size_per_msg, MAX_SIZE_PER_MSG);
        assert_eq!(t.max_inflight_msgs, 256);
        assert!(t.pre_vote && t.check_quorum);
        assert_eq!(t.election_timeouts(), ELECTION_TIMEOUT_TICKS);
        assert_eq!(t.heartbeat_tick, HEARTBEAT_TICKS);
    }
}
