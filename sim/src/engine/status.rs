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
    /// The configuration the node uses, once it comes from a log entry (membership
    /// changes); `None` for the one it booted with.
    pub config: Option<NodeConfig>,
}

/// A node's configuration as the trace shows it: the index of the log entry it comes
/// from, and its sets of nodes as bit sets (bit `i` is node `i`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct NodeConfig {
    /// The index of the entry the configuration comes from.
    pub index: u64,
    /// The voters.
    pub voters: u64,
    /// The old voters during a joint change; 0 otherwise.
    pub outgoing: u64,
    /// The learners.
    pub learners: u64,
}

/// Writes `{n0,n2}` for the bit set `bits`.
fn write_set(f: &mut fmt::Formatter<'_>, bits: u64) -> fmt::Result {
    f.write_str("{")?;
    let mut first = true;
    for i in (0..64).filter(|i| bits & (1 << i) != 0) {
        if !first {
            f.write_str(",")?;
        }
        first = false;
        write!(f, "n{i}")?;
    }
    f.write_str("}")
}

/// `voters {n0,n1,n2}@5`, with ` outgoing {..}` during a joint change and
/// ` learners {..}` when there are some, as `raft_contract::Configuration` renders.
impl fmt::Display for NodeConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("voters ")?;
        write_set(f, self.voters)?;
        if self.outgoing != 0 {
            f.write_str(" outgoing ")?;
            write_set(f, self.outgoing)?;
        }
        if self.learners != 0 {
            f.write_str(" learners ")?;
            write_set(f, self.learners)?;
        }
        write!(f, "@{}", self.index)
    }
}

/// `term 3 leader commit 5 last 7`, then ` config voters {..}@6` once the configuration
/// comes from the log: the label of a `state` line.
impl fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "term {} {} commit {} last {}",
            self.term,
            self.role.as_str(),
            self.commit,
            self.last
        )?;
        if let Some(config) = &self.config {
            write!(f, " config {config}")?;
        }
        Ok(())
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
            config: None,
        };
        assert_eq!(s.to_string(), "term 3 leader commit 5 last 7");
        let joint = NodeStatus {
            config: Some(NodeConfig {
                index: 6,
                voters: 0b1110,
                outgoing: 0b0111,
                learners: 0b10000,
            }),
            ..s
        };
        assert_eq!(
            joint.to_string(),
            "term 3 leader commit 5 last 7 config voters {n1,n2,n3} outgoing {n0,n1,n2} learners {n4}@6"
        );
    }
}
