//! What the monitors see of one node after one event.

use crate::monitor::observed::Observed;
use raft_contract::{LogIndex, NodeId, Status, Term};

/// A Raft node of any command type as the monitors and the testers read it: the
/// contract's read-only view, without the command type.
pub trait RaftRead {
    /// The node's status (see `RaftNode::status`).
    fn status(&self) -> Status;
    /// The term of its entry at `index` (see `RaftNode::log_term`).
    fn log_term(&self, index: LogIndex) -> Option<Term>;
    /// Whether it believes it leads (the lab's `GetState`, see `RaftNode::state`).
    fn leads(&self) -> bool;
}

/// One node as the monitors see it right after an event it handled: its status view,
/// its log's terms, and what the handler did.
pub struct NodeView<'a> {
    /// The node (its Raft peer id).
    pub node: NodeId,
    /// Its incarnation: how many times it crashed before.
    pub incarnation: u32,
    /// The engine event just handled (events so far).
    pub event: u64,
    /// Its status.
    pub status: Status,
    /// The term of its entry at an index (see `RaftNode::log_term`).
    pub log: &'a dyn Fn(LogIndex) -> Option<Term>,
    /// What the handler did.
    pub observed: &'a Observed,
    /// The leases it confirmed reads under, in true time (the tester converts
    /// [`Observed::leases`] through the node's clock).
    pub leases: &'a [crate::monitor::lease_safety::TrueLease],
}

impl NodeView<'_> {
    /// The term of the entry at `index`.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        (self.log)(index)
    }

    /// True when the node holds entry (`index`, `term`), or has compacted `index` into
    /// its snapshot (a snapshot covers only committed entries).
    pub fn holds(&self, index: LogIndex, term: Term) -> bool {
        index < self.status.snapshot_index() || self.term_at(index) == Some(term)
    }
}
