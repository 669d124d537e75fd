//! The configurations a node applied, as its storage keeps them.
//!
//! raft-rs switches configuration when the application applies a conf-change entry
//! (`RawNode::apply_conf_change`), and reads the configuration to start from in
//! `Storage::initial_state`. A snapshot must carry the configuration *as of its last
//! entry* (raft-rs installs it verbatim and a follower then applies the entries after
//! it, conf changes included), which may be older than the one in use when a change was
//! applied after the service's snapshot point. So [`ConfLog`] keeps the configuration at
//! the snapshot point and every one applied after it, each with the log index of the
//! entry it came from (0: the boot configuration).

use raftrs::eraftpb::ConfState;
use serde::{Deserialize, Serialize};

/// raft-rs's `ConfState` in a form the disk encoding (serde) can hold.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Conf {
    /// The incoming voters (raft-rs ids).
    pub(crate) voters: Vec<u64>,
    /// The outgoing voters during a joint change.
    pub(crate) outgoing: Vec<u64>,
    /// The learners.
    pub(crate) learners: Vec<u64>,
    /// Voters of the outgoing half that become learners when the joint change is left.
    pub(crate) learners_next: Vec<u64>,
    /// raft-rs leaves this joint configuration by itself (see `crate::node`).
    pub(crate) auto_leave: bool,
}

impl Conf {
    /// Every raft-rs id the configuration names.
    pub(crate) fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        (self.voters.iter())
            .chain(&self.outgoing)
            .chain(&self.learners)
            .chain(&self.learners_next)
            .copied()
    }
}

impl From<&ConfState> for Conf {
    fn from(cs: &ConfState) -> Conf {
        Conf {
            voters: cs.voters.clone(),
            outgoing: cs.voters_outgoing.clone(),
            learners: cs.learners.clone(),
            learners_next: cs.learners_next.clone(),
            auto_leave: cs.auto_leave,
        }
    }
}

impl From<&Conf> for ConfState {
    fn from(c: &Conf) -> ConfState {
        ConfState {
            voters: c.voters.clone(),
            voters_outgoing: c.outgoing.clone(),
            learners: c.learners.clone(),
            learners_next: c.learners_next.clone(),
            auto_leave: c.auto_leave,
            ..ConfState::default()
        }
    }
}

/// The configuration at the snapshot point and those applied after it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ConfLog {
    /// The configuration in force at the snapshot point, and the index of its entry.
    pub(crate) at_point: (u64, Conf),
    /// Configurations applied after the snapshot point, by increasing entry index.
    pub(crate) after: Vec<(u64, Conf)>,
}

impl ConfLog {
    /// A log holding only `conf`, in force since entry `index`.
    pub(crate) fn new(index: u64, conf: Conf) -> ConfLog {
        ConfLog {
            at_point: (index, conf),
            after: Vec::new(),
        }
    }

    /// The configuration in use and the index of its entry.
    pub(crate) fn current(&self) -> (u64, &Conf) {
        let (index, conf) = self.after.last().unwrap_or(&self.at_point);
        (*index, conf)
    }

    /// Records the configuration applied from entry `index`.
    ///
    /// # Panics
    /// If `index` is not after the configuration in use: entries apply in order.
    pub(crate) fn record(&mut self, index: u64, conf: Conf) {
        let (last, _) = self.current();
        assert!(
            index > last,
            "configuration of entry {index} applied after that of entry {last}"
        );
        self.after.push((index, conf));
    }

    /// The snapshot point moved to `point`: the configuration in force there becomes
    /// the one at the point.
    pub(crate) fn compact(&mut self, point: u64) {
        let keep = self.after.partition_point(|(index, _)| *index <= point);
        if let Some(last) = self.after.drain(..keep).last() {
            self.at_point = last;
        }
        assert!(
            self.at_point.0 <= point,
            "configuration at {} after the snapshot point {point}",
            self.at_point.0
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(voters: &[u64]) -> Conf {
        Conf {
            voters: voters.to_vec(),
            ..Conf::default()
        }
    }

    #[test]
    fn conf_log_compact_keeps_the_configuration_in_force_at_the_point() {
        let mut log = ConfLog::new(0, conf(&[1, 2, 3]));
        log.record(5, conf(&[1, 2, 3, 4]));
        log.record(9, conf(&[1, 2, 4]));
        assert_eq!(log.current(), (9, &conf(&[1, 2, 4])));
        log.compact(4);
        assert_eq!(log.at_point, (0, conf(&[1, 2, 3])), "nothing applied by 4");
        log.compact(7);
        assert_eq!(log.at_point, (5, conf(&[1, 2, 3, 4])));
        assert_eq!(log.after.len(), 1);
        log.compact(9);
        assert_eq!((log.at_point.0, log.after.len()), (9, 0));
        assert_eq!(log.current(), (9, &conf(&[1, 2, 4])));
    }

    #[test]
    #[should_panic(expected = "applied after that of entry 5")]
    fn conf_log_record_out_of_order_panics() {
        let mut log = ConfLog::new(0, conf(&[1]));
        log.record(5, conf(&[1, 2]));
        log.record(5, conf(&[1]));
    }

    #[test]
    fn conf_round_trips_through_raft_rs_conf_state() {
        let c = Conf {
            voters: vec![1, 3],
            outgoing: vec![1, 2],
            learners: vec![4],
            learners_next: vec![2],
            auto_leave: true,
        };
        assert_eq!(Conf::from(&ConfState::from(&c)), c);
        assert_eq!(c.ids().collect::<Vec<_>>(), [1, 3, 1, 2, 4, 2]);
    }
}
