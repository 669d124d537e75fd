//! Election Safety (Figure 3): at most one leader can be elected in a given term, over
//! the whole run, whatever crashes and restarts happen.

use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{NodeId, Role, Term};
use std::collections::BTreeMap;

/// The leader seen for each term.
#[derive(Clone, Debug, Default)]
pub struct ElectionSafety {
    leaders: BTreeMap<Term, NodeId>,
}

impl ElectionSafety {
    /// The leader seen for `term`, if any.
    pub fn leader_of(&self, term: Term) -> Option<NodeId> {
        self.leaders.get(&term).copied()
    }

    /// Records the node as leader of its term if it is one, and fails if another node
    /// led that term before.
    ///
    /// # Errors
    /// The violation, naming both leaders and the term.
    pub fn check(&mut self, view: &NodeView<'_>) -> Result<(), Violation> {
        if view.status.role != Role::Leader {
            return Ok(());
        }
        let term = view.status.term;
        let first = *self.leaders.entry(term).or_insert(view.node);
        if first != view.node {
            let detail = format!("{} and {} both lead term {}", first, view.node, term.0);
            return Err(
                Violation::new(Property::ElectionSafety, view.node, view.event, detail)
                    .with(first)
                    .term(term),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::Fake;
    use crate::monitor::{Monitors, Property};

    #[test]
    fn election_safety_two_leaders_of_one_term_fail() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).leading(3);
        let mut b = Fake::new(1).leading(4);
        assert!(a.check(&mut m, 1).is_ok());
        assert!(b.check(&mut m, 2).is_ok(), "another term, another leader");
        let mut c = Fake::new(2).leading(3);
        let v = c.check(&mut m, 3).expect_err("second leader of term 3");
        assert_eq!(v.property, Property::ElectionSafety);
        assert_eq!(v.nodes.len(), 2);
        assert_eq!(v.term.map(|t| t.0), Some(3));
    }

    #[test]
    fn election_safety_holds_across_a_restart_of_the_leader() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).leading(3);
        assert!(a.check(&mut m, 1).is_ok());
        a.incarnation = 1;
        assert!(a.check(&mut m, 2).is_ok(), "the same node again");
    }
}
