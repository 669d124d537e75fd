//! The read-only view of a node that testers and safety monitors watch.

use crate::types::{LogIndex, NodeId, Term};
use std::fmt;

/// The role of a node in its current term (§5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Passive: answers leaders and candidates.
    Follower,
    /// Asking for votes to become leader of its term.
    Candidate,
    /// Accepts commands and replicates them.
    Leader,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Follower => "follower",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        })
    }
}

/// What a node is now, as Figure 2 names it: one value, cheap to take after every
/// event. The entries' terms are read one index at a time with
/// [`crate::RaftNode::log_term`], so that a monitor can look at what changed without
/// copying the log.
///
/// Indices are the implementation's own log positions (an implementation that logs
/// no-op entries counts them here), while [`crate::ApplyMsg`] indices count commands
/// only: the lab's contract.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// The current term.
    pub term: Term,
    /// The role in `term`.
    pub role: Role,
    /// Who this node voted for in `term`, if anyone.
    pub voted_for: Option<NodeId>,
    /// The highest index the node knows to be committed.
    pub commit_index: LogIndex,
    /// The last index covered by the node's snapshot (0 before the first).
    pub snapshot_index: LogIndex,
    /// The term of the entry at `snapshot_index` (0 before the first snapshot).
    pub snapshot_term: Term,
    /// The index of the last entry held (equal to `snapshot_index` when none follow).
    pub last_index: LogIndex,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "term {} {} vote {} commit {} snapshot {}/t{} last {}",
            self.term.0,
            self.role,
            self.voted_for.map_or("-".to_string(), |v| v.to_string()),
            self.commit_index,
            self.snapshot_index,
            self.snapshot_term.0,
            self.last_index
        )
    }
}
