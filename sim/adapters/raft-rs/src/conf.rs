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
//!
//! raft-rs keeps a cluster's first configuration outside the log (in each initial
//! member's storage), so a server added later, which boots with none, cannot rebuild
//! it from the entries it receives: applying the change that adds it to an empty
//! configuration fails ("removed all voters"). etcd's applications log the first
//! configuration as conf-change entries at bootstrap; TiKV starts its logs past index
//! 5 so that a new server always receives a snapshot. The adapter, as the application,
//! puts in every conf-change entry it proposes (in `ConfChangeV2::context`, which
//! raft-rs does not read) the configuration the change applies to, and a server that
//! knows no configuration first rebuilds that one ([`Conf::bootstrap`]) before
//! applying the change, as raft-rs's own `confchange::restore` would.

use raft_contract::{ConfChange, Configuration, NodeId, NodeSet};
use raftrs::eraftpb::{
    ConfChangeSingle, ConfChangeTransition, ConfChangeType, ConfChangeV2, ConfState,
};
use serde::{Deserialize, Serialize};

/// raft-rs's id of contract node `n` (raft-rs reserves 0 for "none").
pub(crate) fn raft_id(n: NodeId) -> u64 {
    u64::from(n.0) + 1
}

/// The contract node of raft-rs id `id`.
pub(crate) fn node_id(id: u64) -> NodeId {
    let n = id.checked_sub(1).expect("raft-rs id 0 names no node");
    NodeId(u32::try_from(n).expect("raft-rs id beyond the cluster"))
}

/// raft-rs's configuration in the contract's terms. A voter of the outgoing half that
/// becomes a learner when the joint change is left (raft-rs's `learners_next`) counts
/// as the outgoing voter it still is.
pub(crate) fn configuration(conf: &raftrs::eraftpb::ConfState) -> Configuration {
    let set = |ids: &[u64]| ids.iter().map(|id| node_id(*id)).collect();
    Configuration {
        voters: set(&conf.voters),
        outgoing: set(&conf.voters_outgoing),
        learners: set(&conf.learners),
    }
}

/// The contract's changes to the configuration `before` as one raft-rs
/// `ConfChangeV2`, carrying `before` in its context (see the module's docs). With the
/// `Auto` transition, raft-rs makes one change a simple change and several a joint
/// change that it leaves by itself (auto-leave, as etcd's users run it): the leader
/// appends an empty `ConfChangeV2` when it applies the joint entry (raft.rs,
/// `commit_apply`).
pub(crate) fn conf_change_v2(changes: &[ConfChange], before: &Conf) -> ConfChangeV2 {
    let mut cc = ConfChangeV2 {
        context: before.encode().into(),
        ..ConfChangeV2::default()
    };
    cc.set_transition(ConfChangeTransition::Auto);
    for change in changes {
        let ty = match change {
            ConfChange::AddLearner(_) => ConfChangeType::AddLearnerNode,
            ConfChange::AddVoter(_) => ConfChangeType::AddNode,
            ConfChange::Remove(_) => ConfChangeType::RemoveNode,
        };
        cc.mut_changes().push(single(raft_id(change.server()), ty));
    }
    cc
}

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

/// A change of one server, in raft-rs's terms.
fn single(node_id: u64, ty: ConfChangeType) -> ConfChangeSingle {
    let mut single = ConfChangeSingle {
        node_id,
        ..ConfChangeSingle::default()
    };
    single.set_change_type(ty);
    single
}

/// One raft-rs change of `changes`, with `transition`.
fn change_of(changes: Vec<ConfChangeSingle>, transition: ConfChangeTransition) -> ConfChangeV2 {
    let mut cc = ConfChangeV2::default();
    cc.set_transition(transition);
    cc.set_changes(changes.into());
    cc
}

impl Conf {
    /// True if the configuration has no voter at all: a server added later, before it
    /// learned one.
    pub(crate) fn is_unknown(&self) -> bool {
        self.voters.is_empty() && self.outgoing.is_empty()
    }

    /// The bytes a conf-change entry's context carries.
    ///
    /// # Panics
    /// If bincode cannot encode integers, which does not happen.
    pub(crate) fn encode(&self) -> Vec<u8> {
        bincode::serde::encode_to_vec(self, bincode::config::standard())
            .unwrap_or_else(|e| panic!("encoding configuration {self:?}: {e}"))
    }

    /// The configuration a conf-change entry's context carries.
    ///
    /// # Errors
    /// A sentence when the bytes are not one whole configuration.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Conf, String> {
        let (conf, used): (Conf, usize) =
            bincode::serde::decode_from_slice(bytes, bincode::config::standard())
                .map_err(|e| format!("configuration of {} bytes: {e}", bytes.len()))?;
        if used != bytes.len() {
            return Err(format!(
                "{} bytes after the configuration",
                bytes.len() - used
            ));
        }
        Ok(conf)
    }

    /// The raft-rs changes that turn an empty configuration into this one, in order,
    /// as raft-rs's `confchange::restore` builds a configuration from a `ConfState`:
    /// the outgoing voters (or the voters) and then the learners one simple change at
    /// a time, or the outgoing voters and then the joint change to the incoming half.
    pub(crate) fn bootstrap(&self) -> Vec<ConfChangeV2> {
        let simple = ConfChangeTransition::Auto;
        let add = |id: &u64| single(*id, ConfChangeType::AddNode);
        let learner = |id: &u64| single(*id, ConfChangeType::AddLearnerNode);
        if self.outgoing.is_empty() {
            let mut ccs: Vec<ConfChangeV2> = self
                .voters
                .iter()
                .map(|id| change_of(vec![add(id)], simple))
                .collect();
            // One at a time: raft-rs reads an `Auto` change of several as a joint one.
            ccs.extend(
                self.learners
                    .iter()
                    .map(|id| change_of(vec![learner(id)], simple)),
            );
            return ccs;
        }
        let mut ccs: Vec<ConfChangeV2> = self
            .outgoing
            .iter()
            .map(|id| change_of(vec![add(id)], simple))
            .collect();
        let remove = |id: &u64| single(*id, ConfChangeType::RemoveNode);
        let incoming = (self.outgoing.iter().map(remove))
            .chain(self.voters.iter().map(add))
            .chain(self.learners.iter().map(learner))
            .chain(self.learners_next.iter().map(learner))
            .collect();
        let transition = if self.auto_leave {
            ConfChangeTransition::Implicit
        } else {
            ConfChangeTransition::Explicit
        };
        ccs.push(change_of(incoming, transition));
        ccs
    }

    /// The same configuration, each list sorted (raft-rs lists ids in hash order).
    pub(crate) fn sorted(mut self) -> Conf {
        for ids in [
            &mut self.voters,
            &mut self.outgoing,
            &mut self.learners,
            &mut self.learners_next,
        ] {
            ids.sort_unstable();
        }
        self
    }

    /// Every raft-rs id the configuration names.
    pub(crate) fn ids(&self) -> impl Iterator<Item = u64> + '_ {
        (self.voters.iter())
            .chain(&self.outgoing)
            .chain(&self.learners)
            .chain(&self.learners_next)
            .copied()
    }
}

/// The contract's configuration as raft-rs's (a node's boot configuration): a joint
/// one is not left by itself.
impl From<&Configuration> for Conf {
    fn from(config: &Configuration) -> Conf {
        let ids = |set: NodeSet| set.iter().map(raft_id).collect();
        Conf {
            voters: ids(config.voters),
            outgoing: ids(config.outgoing),
            learners: ids(config.learners),
            learners_next: Vec::new(),
            auto_leave: false,
        }
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
        if let Some(last) = self.after.drain(..keep).next_back() {
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

    /// Each configuration a server may need to rebuild, applied through raft-rs's own
    /// `apply_conf_change` on a node that knows none, ends as that configuration; a
    /// configuration raft-rs cannot reach (no voter in a joint change's outgoing half)
    /// fails.
    #[test]
    fn conf_bootstrap_rebuilds_the_configuration_in_raft_rs() {
        let rebuilt = |target: &Conf| -> Result<Conf, raftrs::Error> {
            let config = raftrs::Config::new(9);
            let logger = slog::Logger::root(slog::Discard, slog::o!());
            let storage = raftrs::storage::MemStorage::new();
            let mut raw = raftrs::RawNode::new(&config, storage, &logger)?;
            for cc in target.bootstrap() {
                raw.apply_conf_change(&cc)?;
            }
            Ok(Conf::from(&raw.raft.prs().conf().to_conf_state()).sorted())
        };
        let joint = Conf {
            voters: vec![1, 3, 4],
            outgoing: vec![1, 2, 3],
            learners: vec![5],
            learners_next: vec![2],
            auto_leave: true,
        };
        for target in [
            conf(&[1]),
            conf(&[1, 2, 3]),
            Conf {
                learners: vec![4, 5],
                ..conf(&[2, 3])
            },
            joint.clone(),
            Conf {
                auto_leave: false,
                ..joint
            },
        ] {
            assert_eq!(
                rebuilt(&target).ok(),
                Some(target.clone().sorted()),
                "{target:?}"
            );
        }
        let no_voter = Conf {
            learners: vec![1],
            ..Conf::default()
        };
        assert!(rebuilt(&no_voter).is_err(), "raft-rs needs a voter");
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
