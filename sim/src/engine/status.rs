//! What a node says of itself for the trace: its term, role, commit index and last log
//! index, as plain numbers (the engine knows no protocol; a Raft-based node fills them in
//! from its status view, other nodes report nothing).
//!
//! The engine asks a node for its status after every handler when the trace is kept,
//! and records a `state` line when it changed. Such records are not hashed: a node's
//! status follows from the hashed history of what reached it, so hashing it again would
//! add nothing, and keeping it out leaves every trace hash as it was.

use std::fmt;

/// A node's role, as a Raft node reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NodeRole {
    /// Follows a leader (or waits for one).
    Follower,
    /// Asks for votes.
    Candidate,
    /// Leads its term.
    Leader,
}

impl NodeRole {
    /// The role's name in traces and pages.
    pub fn as_str(self) -> &'static str {
        match self {
            NodeRole::Follower => "follower",
            NodeRole::Candidate => "candidate",
            NodeRole::Leader => "leader",
        }
    }
}

/// A node's status as the trace records it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeStatus {
    /// The current term.
    pub term: u64,
    /// The role in that term.
    pub role: NodeRole,
    /// The highest index known committed.
    pub commit: u64,
    /// The index of the last entry held.
    pub last: u64,
}

/// `term 3 leader commit 5 last 7`: the label of a `state` line.
impl fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "term {} {} commit {} last {}",
            self.term,
            self.role.as_str(),
            self.commit,
            self.last
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_label_names_every_field() {
        let s = NodeStatus {
            term: 3,
            role: NodeRole::Leader,
            commit: 5,
            last: 7,
        };
        assert_eq!(s.to_string(), "term 3 leader commit 5 last 7");
    }
}
