//! Figure 2's rule for terms: "if RPC request or response contains term T >
//! currentTerm: set currentTerm = T, convert to follower". After a node handles a
//! message carrying term T its term is at least T, and a leader that handled a higher
//! term no longer leads. With its rule for candidates ("if AppendEntries RPC received
//! from new leader: convert to follower"): a node that acknowledged entries of its own
//! term, so recognised that term's leader, is a follower after the handler.

use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{Ack, Role, Status};

/// Stateless: it compares the message's term with the node before and after.
#[derive(Clone, Copy, Debug, Default)]
pub struct TermRule;

impl TermRule {
    /// Checks the node after it handled a message, if the event was one.
    ///
    /// # Errors
    /// The violation, naming the node and the message's term.
    pub fn check(self, previous: Option<&Status>, view: &NodeView<'_>) -> Result<(), Violation> {
        let st = &view.status;
        // Only an answer to a message of the ack's own term counts: raft-rs answers a
        // stale leader's append with an empty success in its own, higher term, which
        // recognises no leader.
        for (leader, ack) in &view.observed.acks {
            if let Ack::Append { term, .. } = ack {
                let answered = view.observed.handled_term == Some(*term);
                if answered && *term == st.term && st.role != Role::Follower {
                    let detail = format!(
                        "{} acknowledged entries of term {} to its leader {leader} and is still {:?}",
                        view.node, term.0, st.role
                    );
                    return Err(
                        Violation::new(Property::TermRule, view.node, view.event, detail)
                            .term(*term),
                    );
                }
            }
        }
        let Some(carried) = view.observed.handled_term else {
            return Ok(());
        };
        if st.term < carried {
            let detail = format!(
                "{} handled a message of term {} and stayed at term {}",
                view.node, carried.0, st.term.0
            );
            return Err(
                Violation::new(Property::TermRule, view.node, view.event, detail).term(carried),
            );
        }
        if let Some(prev) = previous {
            if prev.role == Role::Leader && carried > prev.term && st.role == Role::Leader {
                let detail = format!(
                    "leader {} of term {} handled a message of term {} and still leads (term {})",
                    view.node, prev.term.0, carried.0, st.term.0
                );
                return Err(
                    Violation::new(Property::TermRule, view.node, view.event, detail).term(carried),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::Fake;
    use crate::monitor::{Monitors, Property};
    use raft_contract::Term;

    #[test]
    fn term_rule_ignoring_a_higher_term_fails() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0);
        a.term = 2;
        a.observed.handled_term = Some(Term(2));
        assert!(a.check(&mut m, 1).is_ok());
        a.observed.handled_term = Some(Term(5));
        let v = a.check(&mut m, 2).expect_err("stayed at term 2");
        assert_eq!(v.property, Property::TermRule);
    }

    #[test]
    fn term_rule_candidate_acknowledging_its_terms_leader_and_staying_candidate_fails() {
        let mut m = Monitors::new(3);
        let mut a = Fake::new(0);
        a.term = 4;
        a.role = raft_contract::Role::Candidate;
        assert!(a.check(&mut m, 1).is_ok());
        a.observed.handled_term = Some(Term(4));
        let ack = raft_contract::Ack::Append {
            term: Term(4),
            last_index: raft_contract::LogIndex(0),
        };
        a.ack(1, ack);
        let v = a
            .check(&mut m, 2)
            .expect_err("acknowledged term 4's leader as a candidate");
        assert_eq!(v.property, Property::TermRule);
        // Converted to follower, as Figure 2 says: no violation.
        a.role = raft_contract::Role::Follower;
        a.observed.handled_term = Some(Term(4));
        a.ack(1, ack);
        assert!(a.check(&mut m, 3).is_ok());
    }

    #[test]
    fn term_rule_leader_keeping_the_lead_after_a_higher_term_fails() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).leading(2);
        assert!(a.check(&mut m, 1).is_ok());
        a.term = 3;
        a.observed.handled_term = Some(Term(3));
        let v = a.check(&mut m, 2).expect_err("still leads after term 3");
        assert_eq!(v.property, Property::TermRule);
        let mut b = Fake::new(1).leading(5);
        assert!(b.check(&mut m, 3).is_ok());
        b.term = 6;
        b.role = raft_contract::Role::Follower;
        b.observed.handled_term = Some(Term(6));
        assert!(b.check(&mut m, 4).is_ok(), "stepped down");
    }
}
