//! Membership changes (Raft thesis chapter 4): an optional capability.
//!
//! A cluster has a fixed number of server slots, `NodeId(0)..NodeId(peers - 1)`
//! ([`crate::Boot::peers`]); its [`Configuration`] says which of them take part: the
//! voters, whose majorities decide, and the learners, which receive the log but do not
//! vote (§4.2.1: a new server catches up before it counts). A slot outside the
//! configuration may run (a server added later boots with an empty disk and waits for a
//! leader; a removed one may linger), but it neither votes nor counts.
//!
//! A leader changes the configuration with [`crate::RaftNode::change`]: one
//! [`ConfChange`] is a single-server change (§4.1); several at once are a joint change
//! (§4.3), which an implementation without joint consensus refuses. While a joint change
//! is under way, [`Configuration::outgoing`] holds the old voters, and a decision needs a
//! majority of both halves.
//!
//! An implementation declares what it supports in [`crate::RaftFamily::MEMBERSHIP`]: none
//! by default, and then the tester never asks for a change and reads every slot as a
//! voter ([`Configuration::all`]).

use crate::types::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A set of server slots, at most [`NodeSet::CAPACITY`] of them: a bit set, so a
/// [`Configuration`] stays `Copy` and monitors can take one after every event.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct NodeSet(u64);

impl NodeSet {
    /// The most slots a set can hold (ids `0..64`).
    pub const CAPACITY: usize = 64;

    /// The empty set.
    pub const EMPTY: NodeSet = NodeSet(0);

    /// The first `n` slots, `NodeId(0)..NodeId(n - 1)`.
    ///
    /// # Panics
    /// If `n` exceeds [`NodeSet::CAPACITY`].
    pub fn first(n: usize) -> NodeSet {
        assert!(n <= Self::CAPACITY, "{n} slots: a NodeSet holds at most 64");
        NodeSet(if n == 64 { u64::MAX } else { (1u64 << n) - 1 })
    }

    /// The set of exactly `ids`.
    ///
    /// # Panics
    /// If an id is [`NodeSet::CAPACITY`] or more.
    pub fn of(ids: impl IntoIterator<Item = NodeId>) -> NodeSet {
        let mut set = NodeSet::EMPTY;
        for id in ids {
            set.insert(id);
        }
        set
    }

    /// True if `id` is in the set.
    pub fn contains(self, id: NodeId) -> bool {
        id.index() < Self::CAPACITY && self.0 & (1 << id.0) != 0
    }

    /// Adds `id`.
    ///
    /// # Panics
    /// If `id` is [`NodeSet::CAPACITY`] or more.
    pub fn insert(&mut self, id: NodeId) {
        assert!(
            id.index() < Self::CAPACITY,
            "{id}: a NodeSet holds ids 0..64"
        );
        self.0 |= 1 << id.0;
    }

    /// Removes `id`, if present.
    pub fn remove(&mut self, id: NodeId) {
        if id.index() < Self::CAPACITY {
            self.0 &= !(1 << id.0);
        }
    }

    /// The number of slots in the set.
    pub fn len(self) -> usize {
        self.0.count_ones() as usize
    }

    /// True for the empty set.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The slots in both sets.
    pub fn intersection(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & other.0)
    }

    /// The slots in either set.
    pub fn union(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 | other.0)
    }

    /// The slots in this set but not in `other`.
    pub fn difference(self, other: NodeSet) -> NodeSet {
        NodeSet(self.0 & !other.0)
    }

    /// True if `members` holds a strict majority of this set. The empty set has no
    /// majority at all, so that a configuration's empty outgoing half (no joint change
    /// under way) is read apart, by [`Configuration::is_quorum`].
    pub fn is_majority(self, members: NodeSet) -> bool {
        !self.is_empty() && 2 * self.intersection(members).len() > self.len()
    }

    /// The ids in the set, in increasing order.
    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        (0..Self::CAPACITY as u32)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(NodeId)
    }

    /// Every subset of this set, the empty one included (2^len of them): for exhaustive
    /// checks over the small clusters raftsim runs.
    pub fn subsets(self) -> impl Iterator<Item = NodeSet> {
        let ids: Vec<NodeId> = self.iter().collect();
        (0u64..1 << ids.len()).map(move |mask| {
            NodeSet::of(
                ids.iter()
                    .enumerate()
                    .filter(|(bit, _)| mask & (1 << bit) != 0)
                    .map(|(_, id)| *id),
            )
        })
    }
}

impl FromIterator<NodeId> for NodeSet {
    fn from_iter<I: IntoIterator<Item = NodeId>>(ids: I) -> NodeSet {
        NodeSet::of(ids)
    }
}

/// Renders as `{n0,n2,n3}`.
impl fmt::Display for NodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, id) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{id}")?;
        }
        f.write_str("}")
    }
}

impl fmt::Debug for NodeSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// Which servers take part, and how they count (thesis §4.1 and §4.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Configuration {
    /// The voters: a decision needs a majority of them.
    pub voters: NodeSet,
    /// The old voters while a joint change is under way (a decision then also needs a
    /// majority of them); empty otherwise.
    pub outgoing: NodeSet,
    /// Servers that receive the log but neither vote nor count (§4.2.1).
    pub learners: NodeSet,
}

impl Configuration {
    /// Every one of `peers` slots a voter: the configuration of every lab cluster, and
    /// what the tester reads for an implementation without membership changes.
    pub fn all(peers: usize) -> Configuration {
        Configuration::voters(NodeSet::first(peers))
    }

    /// A configuration of `voters` only.
    pub fn voters(voters: NodeSet) -> Configuration {
        Configuration {
            voters,
            outgoing: NodeSet::EMPTY,
            learners: NodeSet::EMPTY,
        }
    }

    /// True while a joint change is under way.
    pub fn is_joint(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// True if `set` can decide: a majority of the voters, and of the outgoing voters
    /// during a joint change. A configuration with no voters (a server added later,
    /// before it hears of its configuration) has no quorum.
    pub fn is_quorum(&self, set: NodeSet) -> bool {
        self.voters.is_majority(set) && (!self.is_joint() || self.outgoing.is_majority(set))
    }

    /// True if `id` votes: it is a voter, or an outgoing voter during a joint change.
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(id) || self.outgoing.contains(id)
    }

    /// Every server the configuration names: voters of both halves and learners. The
    /// leader replicates to all of them.
    pub fn members(&self) -> NodeSet {
        self.voters.union(self.outgoing).union(self.learners)
    }

    /// Every voter of either half.
    pub fn all_voters(&self) -> NodeSet {
        self.voters.union(self.outgoing)
    }

    /// True if some quorum of `self` and some quorum of `other` share no server: two
    /// leaders, one counting by each, could then decide differently in one term (the
    /// danger of changing more than one server at once outside joint consensus, §4.1).
    /// Exhaustive over the subsets of the voters involved: raftsim's clusters are small.
    pub fn has_disjoint_quorums(&self, other: &Configuration) -> bool {
        let involved = self.all_voters().union(other.all_voters());
        involved
            .subsets()
            .any(|mine| self.is_quorum(mine) && other.is_quorum(involved.difference(mine)))
    }
}

impl Configuration {
    /// The configuration that `changes`, taken one after the other, lead to from this one
    /// in a cluster of `peers` slots: the checks every adapter makes before it hands a
    /// change to its Raft, so that a wrong change gets the same answer from each. From a
    /// joint configuration the changes apply to its incoming half, the configuration it
    /// is moving to; the result is never joint (the caller's Raft decides whether it
    /// passes through a joint configuration to get there).
    ///
    /// # Errors
    /// [`ChangeRefused::Unsupported`] for no change at all, [`ChangeRefused::UnknownServer`]
    /// for an id outside the cluster, [`ChangeRefused::AlreadyMember`] for a server that
    /// already has the role asked for, [`ChangeRefused::NotMember`] for removing a server
    /// outside the configuration, [`ChangeRefused::NoVoterLeft`] when no voter would
    /// remain.
    pub fn after(
        &self,
        changes: &[ConfChange],
        peers: usize,
    ) -> Result<Configuration, ChangeRefused> {
        if changes.is_empty() {
            return Err(ChangeRefused::Unsupported);
        }
        if let Some(c) = changes.iter().find(|c| c.server().index() >= peers) {
            return Err(ChangeRefused::UnknownServer(c.server()));
        }
        let mut next = Configuration {
            outgoing: NodeSet::EMPTY,
            ..*self
        };
        for &change in changes {
            let id = change.server();
            let refused = match change {
                ConfChange::AddLearner(_) => next.learners.contains(id),
                ConfChange::AddVoter(_) => next.voters.contains(id),
                ConfChange::Remove(_) => !next.members().contains(id),
            };
            if refused {
                return Err(match change {
                    ConfChange::Remove(_) => ChangeRefused::NotMember(id),
                    _ => ChangeRefused::AlreadyMember(id),
                });
            }
            next = change.applied_to(next);
        }
        if next.voters.is_empty() {
            return Err(ChangeRefused::NoVoterLeft);
        }
        Ok(next)
    }
}

/// Renders as `voters {n0,n1,n2}`, with `outgoing {..}` and `learners {..}` when not
/// empty.
impl fmt::Display for Configuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "voters {}", self.voters)?;
        if self.is_joint() {
            write!(f, " outgoing {}", self.outgoing)?;
        }
        if !self.learners.is_empty() {
            write!(f, " learners {}", self.learners)?;
        }
        Ok(())
    }
}

/// One change to the configuration, as a caller proposes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfChange {
    /// Adds a server that does not vote yet, so it can catch up first (§4.2.1).
    AddLearner(NodeId),
    /// Makes a server a voter: a learner is promoted; an implementation may refuse a
    /// server that has not caught up ([`ChangeRefused::NotCaughtUp`]).
    AddVoter(NodeId),
    /// Removes a server, voter or learner.
    Remove(NodeId),
}

impl ConfChange {
    /// The server the change is about.
    pub fn server(self) -> NodeId {
        match self {
            ConfChange::AddLearner(id) | ConfChange::AddVoter(id) | ConfChange::Remove(id) => id,
        }
    }

    /// The configuration `config` becomes with this change, as a single-server change
    /// (no joint state): what a caller expects once the change is in effect.
    pub fn applied_to(self, config: Configuration) -> Configuration {
        let mut next = config;
        match self {
            ConfChange::AddLearner(id) => {
                next.voters.remove(id);
                next.learners.insert(id);
            }
            ConfChange::AddVoter(id) => {
                next.learners.remove(id);
                next.voters.insert(id);
            }
            ConfChange::Remove(id) => {
                next.voters.remove(id);
                next.learners.remove(id);
            }
        }
        next
    }
}

/// Renders as `add-learner n3`, `add-voter n3` or `remove n1`.
impl fmt::Display for ConfChange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfChange::AddLearner(id) => write!(f, "add-learner {id}"),
            ConfChange::AddVoter(id) => write!(f, "add-voter {id}"),
            ConfChange::Remove(id) => write!(f, "remove {id}"),
        }
    }
}

/// Why a node refused a configuration change ([`crate::RaftNode::change`]). Every
/// refusal is an answer, never a panic: callers propose changes at random under faults.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeRefused {
    /// The implementation does not support this change: no membership changes at all,
    /// no learners, or several changes at once without joint consensus.
    Unsupported,
    /// The node does not lead (or cannot act as leader now).
    NotLeader,
    /// A change is still in flight: its entry, at this index, has not committed (or,
    /// for a joint change, the joint configuration has not been left yet).
    InFlight(crate::types::LogIndex),
    /// No entry of the leader's term has committed yet: until one has, the leader cannot
    /// know that the last configuration it holds is the latest (the single-server change
    /// bug Ongaro reported on raft-dev in 2015).
    TermNotCommitted,
    /// The id names no slot of the cluster.
    UnknownServer(NodeId),
    /// The server is not in the configuration (removing or promoting it means nothing).
    NotMember(NodeId),
    /// The server already has the role the change asks for.
    AlreadyMember(NodeId),
    /// The change would leave no voter.
    NoVoterLeft,
    /// The server has not caught up with the leader's log yet, so making it a voter now
    /// could stall commits (§4.2.1).
    NotCaughtUp(NodeId),
}

impl fmt::Display for ChangeRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChangeRefused::Unsupported => f.write_str("unsupported by this implementation"),
            ChangeRefused::NotLeader => f.write_str("not the leader"),
            ChangeRefused::InFlight(index) => {
                write!(f, "the change at index {index} has not committed yet")
            }
            ChangeRefused::TermNotCommitted => {
                f.write_str("no entry of the leader's term has committed yet")
            }
            ChangeRefused::UnknownServer(id) => write!(f, "{id} is no server of this cluster"),
            ChangeRefused::NotMember(id) => write!(f, "{id} is not in the configuration"),
            ChangeRefused::AlreadyMember(id) => write!(f, "{id} already has that role"),
            ChangeRefused::NoVoterLeft => f.write_str("the change would leave no voter"),
            ChangeRefused::NotCaughtUp(id) => write!(f, "{id} has not caught up yet"),
        }
    }
}

impl std::error::Error for ChangeRefused {}

/// When a server starts using a configuration it holds in its log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TakesEffect {
    /// As soon as the entry is in its log, committed or not (thesis §4.1): what the
    /// thesis and openraft do.
    OnAppend,
    /// Once the entry is applied (etcd-raft and raft-rs): safe only with at most one
    /// change pending, which such an implementation must enforce.
    OnApply,
}

/// What membership changes an implementation supports ([`crate::RaftFamily::MEMBERSHIP`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Membership {
    /// Several [`ConfChange`]s in one call, through a joint configuration (§4.3).
    pub joint: bool,
    /// [`ConfChange::AddLearner`], and promotion from learner.
    pub learners: bool,
    /// When a configuration takes effect at a server; the Configuration Safety monitor
    /// holds each server to it.
    pub takes_effect: TakesEffect,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u32]) -> NodeSet {
        ids.iter().map(|i| NodeId(*i)).collect()
    }

    #[test]
    fn configuration_after_refuses_each_wrong_change_and_passes_the_rest() {
        use ChangeRefused::*;
        use ConfChange::*;
        let n = NodeId;
        let learner = Configuration {
            learners: NodeSet::of([n(3)]),
            ..Configuration::all(3)
        };
        let one = Configuration::all(1);
        let joint = Configuration {
            outgoing: set(&[0, 1, 4]),
            ..learner
        };
        let table: [(&[ConfChange], Configuration, Result<NodeSet, ChangeRefused>); 12] = [
            (&[], learner, Err(Unsupported)),
            (&[AddLearner(n(5))], learner, Err(UnknownServer(n(5)))),
            (&[AddLearner(n(3))], learner, Err(AlreadyMember(n(3)))),
            (&[AddVoter(n(0))], learner, Err(AlreadyMember(n(0)))),
            (&[Remove(n(4))], learner, Err(NotMember(n(4)))),
            (&[Remove(n(0))], one, Err(NoVoterLeft)),
            (&[AddLearner(n(0))], one, Err(NoVoterLeft)),
            (
                &[AddVoter(n(3)), AddVoter(n(3))],
                learner,
                Err(AlreadyMember(n(3))),
            ),
            (&[AddVoter(n(3))], learner, Ok(NodeSet::first(4))),
            (&[Remove(n(3))], learner, Ok(NodeSet::first(3))),
            (
                &[AddVoter(n(3)), Remove(n(0))],
                learner,
                Ok(set(&[1, 2, 3])),
            ),
            (&[Remove(n(4))], joint, Err(NotMember(n(4)))),
        ];
        for (changes, config, expected) in table {
            let got = config.after(changes, 5).map(|c| c.voters);
            assert_eq!(got, expected, "{changes:?} on {config}");
        }
        let left = joint
            .after(&[AddVoter(n(3))], 5)
            .expect("from the incoming half");
        assert!(!left.is_joint(), "{left}");
    }

    #[test]
    fn node_set_counts_majorities_and_renders() {
        let three = NodeSet::first(3);
        assert_eq!(three.to_string(), "{n0,n1,n2}");
        assert!(three.is_majority(set(&[0, 2])));
        assert!(!three.is_majority(set(&[1, 5])));
        assert!(!NodeSet::EMPTY.is_majority(three));
        assert_eq!(NodeSet::first(4).subsets().count(), 16);
        assert_eq!(NodeSet::first(64).len(), 64);
    }

    #[test]
    fn joint_configuration_needs_both_halves() {
        let joint = Configuration {
            voters: set(&[2, 3, 4]),
            outgoing: set(&[0, 1, 2]),
            learners: NodeSet::EMPTY,
        };
        assert!(joint.is_joint());
        assert!(!joint.is_quorum(set(&[3, 4])));
        assert!(joint.is_quorum(set(&[1, 2, 3])));
        assert_eq!(joint.to_string(), "voters {n2,n3,n4} outgoing {n0,n1,n2}");
        assert!(!Configuration::default().is_quorum(NodeSet::first(5)));
    }

    #[test]
    fn single_server_changes_keep_quorums_overlapping_and_two_at_once_do_not() {
        let three = Configuration::all(3);
        let four = ConfChange::AddVoter(NodeId(3)).applied_to(three);
        let five = ConfChange::AddVoter(NodeId(4)).applied_to(four);
        assert!(!three.has_disjoint_quorums(&four));
        assert!(!four.has_disjoint_quorums(&five));
        // {n0,n1} decides for the old three, {n2,n3,n4} for the new five.
        assert!(three.has_disjoint_quorums(&five));
        // A joint configuration overlaps both of its halves.
        let joint = Configuration {
            voters: five.voters,
            outgoing: three.voters,
            learners: NodeSet::EMPTY,
        };
        assert!(!joint.has_disjoint_quorums(&three));
        assert!(!joint.has_disjoint_quorums(&five));
    }

    #[test]
    fn learners_are_members_but_not_voters() {
        let c = ConfChange::AddLearner(NodeId(3)).applied_to(Configuration::all(3));
        assert!(!c.is_voter(NodeId(3)));
        assert_eq!(c.members(), NodeSet::first(4));
        assert_eq!(c.to_string(), "voters {n0,n1,n2} learners {n3}");
        let removed = ConfChange::Remove(NodeId(0)).applied_to(c);
        assert_eq!(removed.voters, set(&[1, 2]));
        assert_eq!(ConfChange::Remove(NodeId(0)).to_string(), "remove n0");
    }
}
