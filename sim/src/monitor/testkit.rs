//! Hand-made nodes for the monitors' own tests: a status, a log of terms and what the
//! last handler did, fed to the monitors as views.
//!
//! The monitors count quorums over the configuration each node reports. A fake node is
//! alone in its configuration unless a test says otherwise (`voters {itself}`), so a
//! leader's own vote and acknowledgement are a quorum: the tests of the other properties
//! script leaders without elections that way (with `Monitors::new(5)`: five server
//! slots, enough for every id the tests use). Vote Quorum's and the Commit Rule's own
//! tests put their nodes in clusters of 3 and 5 ([`Fake::in_cluster`]).

use super::view::NodeView;
use super::{Monitors, Violation};
use crate::monitor::observed::{Applied, Observed};
use raft_contract::{Ack, Configuration, LogIndex, NodeId, NodeSet, Role, Status, Term};

/// A node as a test scripts it.
#[derive(Clone, Debug)]
pub struct Fake {
    pub node: NodeId,
    pub incarnation: u32,
    pub term: u64,
    pub role: Role,
    pub vote: Option<u32>,
    pub commit: u64,
    pub snapshot: (u64, u64),
    /// Terms of the entries after the snapshot point.
    pub log: Vec<u64>,
    pub observed: Observed,
    /// The configuration it reports, and the index of its entry.
    pub config: Configuration,
    pub config_index: u64,
}

impl Fake {
    /// Node `id`, a follower at term 0 with an empty log, alone in its configuration.
    pub fn new(id: u32) -> Fake {
        Fake {
            node: NodeId(id),
            incarnation: 0,
            term: 0,
            role: Role::Follower,
            vote: None,
            commit: 0,
            snapshot: (0, 0),
            log: Vec::new(),
            observed: Observed::default(),
            config: Configuration::voters(NodeSet::of([NodeId(id)])),
            config_index: 0,
        }
    }

    /// The same node with every one of `peers` servers a voter of its configuration.
    pub fn in_cluster(mut self, peers: usize) -> Fake {
        self.config = Configuration::all(peers);
        self
    }

    /// The same node leading `term`.
    pub fn leading(mut self, term: u64) -> Fake {
        self.term = term;
        self.role = Role::Leader;
        self.vote = Some(self.node.0);
        self
    }

    /// The same node with these entry terms from index 1.
    pub fn with_log(mut self, terms: &[u64]) -> Fake {
        self.log = terms.to_vec();
        self
    }

    pub fn status(&self) -> Status {
        Status {
            term: Term(self.term),
            role: self.role,
            voted_for: self.vote.map(NodeId),
            commit_index: LogIndex(self.commit),
            snapshot: Some(raft_contract::SnapshotPoint {
                index: LogIndex(self.snapshot.0),
                term: Term(self.snapshot.1),
            }),
            last_index: LogIndex(self.snapshot.0 + self.log.len() as u64),
            config: self.config,
            config_index: LogIndex(self.config_index),
        }
    }

    fn term_at(&self, i: LogIndex) -> Option<Term> {
        let (base, base_term) = self.snapshot;
        if i.0 == base {
            return Some(Term(base_term));
        }
        if i.0 < base {
            return None;
        }
        self.log.get((i.0 - base - 1) as usize).map(|t| Term(*t))
    }

    /// The monitors' verdict on this node after `event`; the handler record is cleared
    /// afterwards, as the next entry point would.
    pub fn check(&mut self, m: &mut Monitors, event: u64) -> Result<(), Violation> {
        let log = |i| self.term_at(i);
        let view = NodeView {
            node: self.node,
            incarnation: self.incarnation,
            event,
            status: self.status(),
            log: &log,
            observed: &self.observed,
            leases: &[],
        };
        let verdict = m.check(&view);
        self.observed.clear();
        verdict
    }

    /// Records an acknowledgement sent to `to` in the next check.
    pub fn ack(&mut self, to: u32, ack: Ack) {
        self.observed.acks.push((NodeId(to), ack));
    }

    /// Records a command applied at `index` (its digest standing for the command).
    pub fn apply(&mut self, index: u64, digest: u64) {
        self.observed.applied.push(Applied::Command {
            index: LogIndex(index),
            digest,
        });
    }
}

/// Node `voter` grants its vote for `term` to `candidate`, checked by `m` at `event`.
pub fn grant_vote(m: &mut Monitors, voter: u32, candidate: u32, term: u64, event: u64) {
    let mut v = Fake::new(voter);
    v.term = term;
    v.vote = Some(candidate);
    v.ack(candidate, Ack::Vote { term: Term(term) });
    assert!(v.check(m, event).is_ok(), "a vote alone breaks nothing");
}
