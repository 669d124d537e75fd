//! The read-only view of a node that testers and safety monitors watch.

use crate::membership::Configuration;
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
    /// The last entry the node's snapshot covers: `None` for an implementation without
    /// snapshots, or before its first (a Raft with snapshots may also say `Some` of
    /// index 0, term 0 then). Monitors read `None` as index 0, term 0.
    pub snapshot: Option<SnapshotPoint>,
    /// The index of the last entry held (equal to the snapshot's index when none follow).
    pub last_index: LogIndex,
    /// The configuration this node uses now (see [`crate::membership`]): whose votes and
    /// acknowledgements count, under a joint change both halves. An implementation
    /// without membership changes reports [`Configuration::all`] of its peers.
    pub config: Configuration,
    /// The index of the log entry `config` comes from: 0 for the configuration the node
    /// booted with, otherwise an index at or below `last_index` (or inside the snapshot).
    pub config_index: LogIndex,
}

/// The last entry a snapshot covers (§7: "last included index" and "last included
/// term").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SnapshotPoint {
    /// The index of the last entry the snapshot replaces.
    pub index: LogIndex,
    /// The term of that entry.
    pub term: Term,
}

impl Status {
    /// The last index the snapshot covers: 0 with no snapshot.
    pub fn snapshot_index(&self) -> LogIndex {
        self.snapshot.map_or(LogIndex(0), |p| p.index)
    }

    /// The term of the entry at [`Status::snapshot_index`]: 0 with no snapshot.
    pub fn snapshot_term(&self) -> Term {
        self.snapshot.map_or(Term(0), |p| p.term)
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "term {} {} vote {} commit {} snapshot {} last {}",
            self.term.0,
            self.role,
            self.voted_for.map_or("-".to_string(), |v| v.to_string()),
            self.commit_index,
            self.snapshot
                .map_or("-".to_string(), |p| format!("{}/t{}", p.index, p.term.0)),
            self.last_index
        )?;
        // Shown only once a change happened, so that traces of fixed clusters keep
        // their lines.
        if self.config_index > LogIndex(0) {
            write!(f, " config {}@{}", self.config, self.config_index)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(snapshot: Option<SnapshotPoint>) -> Status {
        Status {
            term: Term(2),
            role: Role::Follower,
            voted_for: None,
            commit_index: LogIndex(7),
            snapshot,
            last_index: LogIndex(9),
            config: Configuration::all(3),
            config_index: LogIndex(0),
        }
    }

    #[test]
    fn snapshot_none_reads_as_index_zero_term_zero() {
        let s = status(None);
        assert_eq!(
            (s.snapshot_index(), s.snapshot_term()),
            (LogIndex(0), Term(0))
        );
        assert_eq!(
            s.to_string(),
            "term 2 follower vote - commit 7 snapshot - last 9"
        );
    }

    #[test]
    fn snapshot_some_reads_as_its_point() {
        let point = SnapshotPoint {
            index: LogIndex(5),
            term: Term(1),
        };
        let s = status(Some(point));
        assert_eq!(
            (s.snapshot_index(), s.snapshot_term()),
            (LogIndex(5), Term(1))
        );
        assert_eq!(
            s.to_string(),
            "term 2 follower vote - commit 7 snapshot 5/t1 last 9"
        );
    }

    #[test]
    fn configuration_from_the_log_is_shown() {
        let mut s = status(None);
        s.config = Configuration::all(4);
        s.config_index = LogIndex(6);
        assert_eq!(
            s.to_string(),
            "term 2 follower vote - commit 7 snapshot - last 9 config voters {n0,n1,n2,n3}@6"
        );
    }
}
