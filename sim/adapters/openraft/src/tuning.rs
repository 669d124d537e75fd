//! openraft's configuration under raftsim, and the knobs the swarm may turn.
//!
//! The shipped configuration is openraft's default ([`openraft::Config::default`])
//! except where the lab or the contract needs otherwise:
//! - `heartbeat_interval` 100 ms, not 50: the lab allows at most ten heartbeats per
//!   second. The election timeout keeps openraft's ratio to it, 300-600 ms (openraft's
//!   defaults are 150-300 ms with 50 ms heartbeats).
//! - `snapshot_policy: Never` and `max_in_snapshot_log_to_keep: 0`: the lab's service
//!   decides when to snapshot (`Snapshot(index, bytes)`), and then the log through that
//!   point may go, as the lab's log-size checks expect.
//!
//! Pre-vote (off by default in openraft), leader restore (on by default) and CheckQuorum
//! (`quorum_loss_probe_interval`, new in 0.10 and off by default: a leader that no
//! quorum acknowledged for its lease stops its heartbeats for a while, so that the
//! others time out) are knobs.

use openraft::{Config, SnapshotPolicy};
use raft_contract::{Knob, Settings};

/// The knobs of every supported release, then `$extra`.
macro_rules! knobs {
    ($($extra:expr),*) => { &[
    Knob {
        name: "heartbeat_ms",
        about: "openraft's heartbeat_interval, in ms",
        default: 100,
        choices: &[100, 150],
    },
    Knob {
        name: "election_timeout_min_ms",
        about: "openraft's election_timeout_min, in ms (the maximum is twice it)",
        default: 300,
        choices: &[300, 400, 500],
    },
    Knob {
        name: "max_payload_entries",
        about: "openraft's max_payload_entries: the most entries in one append",
        default: 300,
        choices: &[1, 8, 300],
    },
    Knob {
        name: "pre_vote",
        about: "openraft's enable_pre_vote (0 or 1)",
        default: 0,
        choices: &[0, 1],
    },
    Knob {
        name: "leader_restore",
        about: "openraft's enable_leader_restore: a restarted leader resumes without an election (0 or 1)",
        default: 1,
        choices: &[0, 1],
    },
    $($extra),*
    ] };
}

/// openraft's CheckQuorum, last so that the knobs before it draw what they drew before
/// it existed. alpha.24 has no `quorum_loss_probe_interval`.
#[cfg(not(feature = "openraft-alpha-24"))]
const CHECK_QUORUM: Knob = Knob {
    name: "check_quorum",
    about: "openraft's CheckQuorum (0 or 1): quorum_loss_probe_interval at its least, twice election_timeout_max, so a leader that no quorum acknowledges falls silent and the others elect",
    default: 0,
    choices: &[0, 1],
};

/// What the swarm may vary in openraft's configuration.
#[cfg(not(feature = "openraft-alpha-24"))]
pub const KNOBS: &[Knob] = knobs!(CHECK_QUORUM);
/// What the swarm may vary in openraft's configuration.
#[cfg(feature = "openraft-alpha-24")]
pub const KNOBS: &[Knob] = knobs!();

fn knob(settings: &Settings, name: &str) -> u64 {
    let knob = KNOBS
        .iter()
        .find(|k| k.name == name)
        .unwrap_or_else(|| panic!("no knob {name}"));
    knob.value(settings)
}

/// openraft's configuration for `settings`.
///
/// # Panics
/// If openraft rejects it, which no combination of the knobs' choices does (tested).
pub fn config(settings: &Settings) -> Config {
    let election_min = knob(settings, "election_timeout_min_ms");
    let config = Config {
        cluster_name: "raftsim".to_string(),
        heartbeat_interval: knob(settings, "heartbeat_ms"),
        election_timeout_min: election_min,
        election_timeout_max: election_min * 2,
        max_payload_entries: knob(settings, "max_payload_entries"),
        snapshot_policy: SnapshotPolicy::Never,
        max_in_snapshot_log_to_keep: 0,
        enable_pre_vote: Some(knob(settings, "pre_vote") == 1),
        enable_leader_restore: Some(knob(settings, "leader_restore") == 1),
        // openraft asks for at least its lease (election_timeout_max) plus one election
        // timeout, so that the followers' timers have fired before heartbeats resume.
        #[cfg(not(feature = "openraft-alpha-24"))]
        quorum_loss_probe_interval: (knob(settings, "check_quorum") == 1)
            .then_some(2 * election_min * 2),
        ..Config::default()
    };
    config
        .validate()
        .unwrap_or_else(|e| panic!("openraft rejects the configuration {settings}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_combination_of_choices_is_accepted_by_openraft_and_keeps_the_lab_limits() {
        let combos = Settings::every_combination(KNOBS);
        assert_eq!(combos.len(), 2 * 3 * 3 * 2 * 2 * 2);
        for settings in combos {
            let c = config(&settings);
            assert!(
                c.heartbeat_interval >= 100,
                "{settings}: at most 10 heartbeats a second"
            );
            assert!(
                c.election_timeout_max <= 1000,
                "{settings}: a leader well within 5 s"
            );
        }
    }

    #[test]
    fn shipped_configuration_is_openraft_default_but_for_the_lab_limits() {
        let c = config(&Settings::defaults());
        let d = Config::default();
        assert_eq!(
            (
                c.heartbeat_interval,
                c.election_timeout_min,
                c.election_timeout_max
            ),
            (100, 300, 600)
        );
        assert_eq!(c.max_payload_entries, d.max_payload_entries);
        assert_eq!(c.snapshot_policy, SnapshotPolicy::Never);
    }
}
