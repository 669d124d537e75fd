//! The servers a monitor counts towards a quorum: a node itself and those that answered
//! it, as a [`NodeSet`] that the node's own configuration judges
//! ([`raft_contract::Configuration::is_quorum`], both halves during a joint change).
//!
//! The node is put in the set whether or not it votes: the configuration counts only
//! its voters, so a leader that is not a voter of its own configuration (a removed
//! leader still replicating, thesis §4.2.2) does not count itself.

use raft_contract::{NodeId, NodeSet};

/// `node` and `others` as a set. An id beyond [`NodeSet::CAPACITY`] can be in no
/// configuration, so it is left out rather than counted.
pub fn counted(node: NodeId, others: impl IntoIterator<Item = NodeId>) -> NodeSet {
    std::iter::once(node)
        .chain(others)
        .filter(|id| id.index() < NodeSet::CAPACITY)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::Configuration;

    #[test]
    fn counted_includes_the_node_and_skips_ids_beyond_capacity() {
        let set = counted(NodeId(1), [NodeId(2), NodeId(64), NodeId(2)]);
        assert_eq!(set.to_string(), "{n1,n2}");
        assert!(Configuration::all(3).is_quorum(set));
        // A leader outside its configuration's voters counts for nothing.
        let without_n1 = Configuration::voters(NodeSet::of([NodeId(0), NodeId(2), NodeId(3)]));
        assert!(!without_n1.is_quorum(set));
        assert!(!Configuration::default().is_quorum(NodeSet::first(64)));
    }
}
