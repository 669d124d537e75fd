//! Tunables of one Raft node, with defaults chosen for the MIT 6.5840 tester.

use raft_contract::{Configuration, Duration, Knob, ReadMode, Settings};

/// Timing and size limits of one Raft node.
///
/// The defaults satisfy the lab's requirements (spec §2.8, §3):
/// - heartbeats every 100 ms, i.e. at most 10 per second per follower, which also keeps
///   TestCount's idle budget (60 requests per second for 3 servers; we send 20);
/// - election timeouts drawn uniformly from [300 ms, 600 ms): three missed heartbeats
///   before a follower gives up on its leader, a 300 ms spread that makes split votes
///   rare even with 26 ms of network delay, and about ten election rounds inside the
///   lab's 5 s "new leader" window when votes do split (§5.2 recommends randomization);
/// - PreVote and CheckQuorum on: a server that reaches only some of its peers can
///   neither depose a leader that a majority still hears, nor keep a majority from
///   electing a new one while it leads nobody (see [`Config::pre_vote`] and
///   [`Config::check_quorum`]). The lab passes with both on and with both off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Lower bound (inclusive) of the randomized election timeout (§5.2).
    pub election_timeout_min: Duration,
    /// Upper bound (exclusive) of the randomized election timeout.
    pub election_timeout_max: Duration,
    /// How often a leader sends heartbeats (empty AppendEntries) to each follower.
    pub heartbeat_interval: Duration,
    /// The most entries one AppendEntries carries; larger backlogs go out in several
    /// messages, each sent when the previous one is acknowledged.
    pub entries_per_message_max: u64,
    /// PreVote (Raft thesis §9.6): a server whose election timeout passed first asks its
    /// peers whether they would vote for it in the next term, without raising its own,
    /// and starts the election only if a majority would. A peer says yes only if the
    /// candidate's log is up to date and the peer has not heard from a leader within the
    /// shortest election timeout (the rule of thesis §4.2.3, applied to pre-votes): a
    /// server that cannot reach the leader, while a majority can, stays quiet instead of
    /// forcing ever higher terms on everyone.
    pub pre_vote: bool,
    /// CheckQuorum: a leader that has not heard from a majority (itself included) within
    /// a whole `election_timeout_max` steps down. Without it, a leader cut off from a
    /// majority leads on; with PreVote, the followers that still hear its heartbeats then
    /// refuse every other candidate, and no one can be elected.
    pub check_quorum: bool,
    /// How the service reads ([`ReadMode`], thesis §6.4): through the log (the lab's way
    /// and the default), by ReadIndex, or by lease. Set from the contract's `Boot::reads`.
    /// Leases need [`Config::check_quorum`]: without it every lease read is refused and
    /// the service reads through the log.
    pub reads: ReadMode,
    /// The clock drift a lease allows for, in parts per million: a lease lasts
    /// `election_timeout_min × (1 − ρ) / (1 + ρ)` from its confirming round, safe while
    /// every clock's rate is within ρ of true time and no clock jumps (see
    /// `read_only.rs`). 10 % by default, the most a simulated clock may drift
    /// (`PPM_MAX`): generous, since a lease renews with every heartbeat and lapses only
    /// when a majority stops answering.
    pub lease_drift_bound_ppm: u64,
    /// The configuration a node with an empty disk starts with (the contract's
    /// `Boot::config`): the cluster's initial one for its first members, the empty one
    /// (no voters) for a server added later, which then waits to learn its configuration
    /// from a leader. `None`: every one of the `peers` slots votes
    /// ([`Configuration::all`]), as in every lab cluster. Ignored when the disk holds
    /// state, which records the configuration itself.
    pub boot_configuration: Option<Configuration>,
    /// The crate's own checks of cross-node invariants (two leaders in a term, a
    /// committed entry removed, ...); on by default. Only planted-bug nodes turn them
    /// off, so that what catches their bug is the tester, not the crate.
    #[cfg(feature = "planted-bugs")]
    pub self_checks: bool,
    /// The classic bug this node runs with, if any (raftsim's suite of broken Rafts).
    #[cfg(feature = "planted-bugs")]
    pub bug: Option<crate::bug::Bug>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            election_timeout_min: Duration::from_millis(300),
            election_timeout_max: Duration::from_millis(600),
            heartbeat_interval: Duration::from_millis(100),
            entries_per_message_max: 512,
            pre_vote: true,
            check_quorum: true,
            reads: ReadMode::Log,
            lease_drift_bound_ppm: 100_000,
            boot_configuration: None,
            #[cfg(feature = "planted-bugs")]
            self_checks: true,
            #[cfg(feature = "planted-bugs")]
            bug: None,
        }
    }
}

/// The settings the tester may vary (see [`raft_contract::knob`]), each with the values
/// the swarm draws from. Every value keeps the lab's limits: heartbeats at least 100 ms
/// apart (at most ten per second), election timeouts of at most 1.1 s (a leader well
/// within 5 s), and every combination is a valid [`Config`] (the heartbeat is always
/// shorter than the shortest election timeout).
pub const KNOBS: &[Knob] = &[
    Knob {
        name: "entries_per_message",
        about: "the most entries one AppendEntries carries",
        default: 512,
        choices: &[1, 2, 8, 64, 512],
    },
    Knob {
        name: "heartbeat_ms",
        about: "milliseconds between a leader's heartbeats",
        default: 100,
        choices: &[100, 150],
    },
    Knob {
        name: "election_timeout_min_ms",
        about: "the shortest randomized election timeout, in milliseconds",
        default: 300,
        choices: &[300, 400, 500],
    },
    Knob {
        name: "election_timeout_spread_ms",
        about: "the width of the randomized election timeouts, in milliseconds",
        default: 300,
        choices: &[100, 300, 600],
    },
    Knob {
        name: "pre_vote",
        about: "1: a server asks for pre-votes before it raises its term (thesis §9.6)",
        default: 1,
        choices: &[0, 1],
    },
    Knob {
        name: "check_quorum",
        about: "1: a leader that has not heard from a majority for an election timeout steps down",
        default: 1,
        choices: &[0, 1],
    },
    Knob {
        name: "lease_drift_ppm",
        about: "the clock drift a read lease allows for, in parts per million (lease reads only)",
        default: 100_000,
        choices: &[20_000, 100_000],
    },
];

impl Config {
    /// The configuration `settings` ask for: each of [`KNOBS`] at its value there, or at
    /// its default ([`Config::default`] for empty settings).
    // With the `planted-bugs` feature off, every field is named and the update is empty.
    #[allow(clippy::needless_update)]
    pub fn from_settings(settings: &Settings) -> Config {
        let [entries, heartbeat, election_min, spread, pre_vote, check_quorum, drift] = KNOBS
        else {
            unreachable!("seven knobs")
        };
        let ms = |knob: &Knob| Duration::from_millis(knob.value(settings));
        Config {
            election_timeout_min: ms(election_min),
            election_timeout_max: ms(election_min) + ms(spread),
            heartbeat_interval: ms(heartbeat),
            entries_per_message_max: entries.value(settings),
            pre_vote: pre_vote.value(settings) != 0,
            check_quorum: check_quorum.value(settings) != 0,
            lease_drift_bound_ppm: drift.value(settings),
            ..Config::default()
        }
    }

    /// Checks that the configuration makes sense.
    ///
    /// # Errors
    /// [`crate::Error::Config`] when the election timeout range is empty, the heartbeat is
    /// zero or not shorter than the minimal election timeout (followers would time out
    /// between heartbeats), or a message could carry no entries.
    pub fn validate(&self) -> crate::Result<()> {
        let fail = |why: &str| Err(crate::Error::Config(why.to_string()));
        if self.election_timeout_min >= self.election_timeout_max {
            return fail("election_timeout_min must be below election_timeout_max");
        }
        if self.heartbeat_interval.0 == 0 {
            return fail("heartbeat_interval must be positive");
        }
        if self.heartbeat_interval >= self.election_timeout_min {
            return fail("heartbeat_interval must be below election_timeout_min");
        }
        if self.entries_per_message_max == 0 {
            return fail("entries_per_message_max must be positive");
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_default_is_valid_and_meets_lab_limits() {
        let c = Config::default();
        assert!(c.validate().is_ok());
        // At most 10 heartbeats per second (lab text).
        assert!(c.heartbeat_interval >= Duration::from_millis(100));
    }

    /// Every combination of the knobs' choices, as (name, value) lists.
    fn every_combination() -> Vec<Vec<(&'static str, u64)>> {
        KNOBS.iter().fold(vec![Vec::new()], |combos, knob| {
            combos
                .iter()
                .flat_map(|c| {
                    knob.choices.iter().map(move |&v| {
                        let mut c = c.clone();
                        c.push((knob.name, v));
                        c
                    })
                })
                .collect()
        })
    }

    #[test]
    fn empty_settings_are_the_default_and_every_drawn_combination_is_valid_and_lab_bound() {
        assert_eq!(
            Config::from_settings(&Settings::defaults()),
            Config::default()
        );
        for knob in KNOBS {
            assert!(knob.choices.contains(&knob.default), "{}", knob.name);
        }
        let combos = every_combination();
        assert_eq!(combos.len(), 5 * 2 * 3 * 3 * 2 * 2 * 2);
        for combo in combos {
            let mut s = Settings::defaults();
            for (name, value) in &combo {
                s.set(name, *value);
            }
            let c = Config::from_settings(&s);
            assert!(c.validate().is_ok(), "{combo:?}");
            assert!(
                c.heartbeat_interval >= Duration::from_millis(100),
                "{combo:?}"
            );
            assert!(
                c.election_timeout_max <= Duration::from_millis(1100),
                "{combo:?}"
            );
        }
    }

    #[test]
    fn config_validate_rejects_bad_values() {
        let bad = [
            Config {
                election_timeout_max: Duration::from_millis(300),
                ..Config::default()
            },
            Config {
                heartbeat_interval: Duration(0),
                ..Config::default()
            },
            Config {
                heartbeat_interval: Duration::from_millis(300),
                ..Config::default()
            },
            Config {
                entries_per_message_max: 0,
                ..Config::default()
            },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?} should be invalid");
        }
    }
}
