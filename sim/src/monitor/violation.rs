//! What a monitor reports when a property fails.

use raft_contract::{LogIndex, NodeId, Term};
use std::fmt;

/// The property a monitor guards: the Raft paper's Figure 3, and what Figure 2 asks of
/// each node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Property {
    /// At most one leader per term.
    ElectionSafety,
    /// A leader was granted votes for its term by a quorum of its configuration, itself
    /// included if it votes.
    VoteQuorum,
    /// A leader never overwrites or deletes entries in its term.
    LeaderAppendOnly,
    /// Figure 2: a leader moves its commit index only to an entry of its own term that
    /// a quorum of its configuration acknowledged in that term.
    CommitRule,
    /// Two logs with an entry of the same index and term agree on every entry up to it.
    LogMatching,
    /// An entry committed in a term is in the log of every leader of a later term.
    LeaderCompleteness,
    /// No two nodes commit or apply different commands at one index; a committed entry
    /// never changes.
    StateMachineSafety,
    /// Per incarnation, applied indices are gapless and increasing, and the commit index
    /// never decreases.
    ApplyOrder,
    /// What a node acknowledged survives its crash.
    Durability,
    /// Entries a node acknowledged to the leader of its term stay in its log (or its
    /// snapshot) while it stays in that term: the leader's matchIndex counts on them.
    AcknowledgedEntries,
    /// Figure 2: a message carrying term T leaves its receiver at term T or above, and a
    /// leader that learns of a higher term stops leading.
    TermRule,
    /// Leases under which leaders served reads never overlap across terms (true time).
    LeaseSafety,
    /// Membership changes (thesis chapter 4): configurations name the cluster's servers
    /// and come from entries held; one change at a time, none before the leader's term
    /// commits; configurations take effect when the implementation says; no candidate or
    /// leader moves, within a term, to a configuration whose quorums miss its previous
    /// one's.
    ConfigurationSafety,
}

impl Property {
    /// The property's name as reports print it.
    pub fn name(self) -> &'static str {
        match self {
            Property::ElectionSafety => "Election Safety",
            Property::VoteQuorum => "Vote Quorum",
            Property::LeaderAppendOnly => "Leader Append-Only",
            Property::CommitRule => "Commit Rule",
            Property::LogMatching => "Log Matching",
            Property::LeaderCompleteness => "Leader Completeness",
            Property::StateMachineSafety => "State Machine Safety",
            Property::ApplyOrder => "Apply Order",
            Property::Durability => "Durability",
            Property::AcknowledgedEntries => "Acknowledged Entries",
            Property::TermRule => "Term Rule",
            Property::LeaseSafety => "Lease Safety",
            Property::ConfigurationSafety => "Configuration Safety",
        }
    }
}

impl fmt::Display for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A violated property, with where and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// The property.
    pub property: Property,
    /// The nodes involved, the one that was just checked first.
    pub nodes: Vec<NodeId>,
    /// The term concerned, if one is.
    pub term: Option<Term>,
    /// The log index concerned, if one is.
    pub index: Option<LogIndex>,
    /// The engine event after which it was found.
    pub event: u64,
    /// What was seen, in a sentence.
    pub detail: String,
}

impl Violation {
    /// A violation of `property` found at `event` on `node`.
    pub fn new(property: Property, node: NodeId, event: u64, detail: String) -> Violation {
        Violation {
            property,
            nodes: vec![node],
            term: None,
            index: None,
            event,
            detail,
        }
    }

    /// The same, naming the term.
    pub fn term(mut self, term: Term) -> Violation {
        self.term = Some(term);
        self
    }

    /// The same, naming the index.
    pub fn index(mut self, index: LogIndex) -> Violation {
        self.index = Some(index);
        self
    }

    /// The same, naming one more node.
    pub fn with(mut self, node: NodeId) -> Violation {
        if !self.nodes.contains(&node) {
            self.nodes.push(node);
        }
        self
    }
}

/// `safety violation: <property> at event <n> (nodes n1, n3; term 4; index 7): <detail>`.
impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let nodes: Vec<String> = self.nodes.iter().map(ToString::to_string).collect();
        write!(
            f,
            "safety violation: {} at event {} (nodes {}",
            self.property,
            self.event,
            nodes.join(", ")
        )?;
        if let Some(t) = self.term {
            write!(f, "; term {}", t.0)?;
        }
        if let Some(i) = self.index {
            write!(f, "; index {i}")?;
        }
        write!(f, "): {}", self.detail)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violation_display_names_property_nodes_term_index_and_event() {
        let v = Violation::new(
            Property::ElectionSafety,
            NodeId(1),
            42,
            "two leaders".into(),
        )
        .with(NodeId(3))
        .term(Term(4))
        .index(LogIndex(7));
        assert_eq!(
            v.to_string(),
            "safety violation: Election Safety at event 42 (nodes n1, n3; term 4; index 7): two leaders"
        );
    }
}
