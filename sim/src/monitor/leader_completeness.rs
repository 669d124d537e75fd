//! Leader Completeness (Figure 3): if an entry is committed in a term, it is present in
//! the log of every leader of a later term. With it, the agreement of committed
//! entries: two nodes never commit different entries at one index, and a node never
//! changes an entry it knows to be committed.
//!
//! An entry counts as committed from the first check at which some node's commit index
//! covers it; the term it was committed in is taken as that node's term then. That term
//! is at least the real one, so the check may skip a leader it could have checked, but
//! never accuses one wrongly.

use super::log_shadow::Changes;
use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{LogIndex, NodeId, Role, Status, Term};

/// A committed entry: its term, the term it was seen committed in, and by whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Committed {
    term: Term,
    in_term: Term,
    node: NodeId,
}

/// The committed entries seen so far, and how far each leader was checked.
#[derive(Clone, Debug, Default)]
pub struct LeaderCompleteness {
    /// Position `index - 1`; `None` where no node's log was seen holding it.
    committed: Vec<Option<Committed>>,
    /// Per node: the term it was last checked as leader in, and the committed index it
    /// was checked through.
    verified: Vec<(Term, u64)>,
}

impl LeaderCompleteness {
    /// Takes in what the node now knows committed, checks that its committed entries
    /// agree with everyone's and did not change, and, if it leads, that it holds every
    /// entry committed in an earlier term.
    ///
    /// # Errors
    /// The violation, naming the nodes, the term and the index.
    pub fn check(
        &mut self,
        previous: Option<&Status>,
        view: &NodeView<'_>,
        changes: &Changes,
    ) -> Result<(), Violation> {
        let st = &view.status;
        let prev_commit = previous.map_or(LogIndex(0), |p| p.commit_index);
        if let Some(index) = changes.removed_from {
            if index <= prev_commit && index > st.snapshot_index() {
                let detail = format!(
                    "{} dropped or replaced its entry at {index}, which it knew committed (commit index {prev_commit})",
                    view.node
                );
                return Err(Violation::new(
                    Property::StateMachineSafety,
                    view.node,
                    view.event,
                    detail,
                )
                .index(index));
            }
        }
        self.take_commits(prev_commit, view)?;
        if st.role == Role::Leader {
            self.check_leader(view)?;
        }
        Ok(())
    }

    /// Records the entries the node's commit index newly covers.
    fn take_commits(
        &mut self,
        prev_commit: LogIndex,
        view: &NodeView<'_>,
    ) -> Result<(), Violation> {
        let st = &view.status;
        let from = prev_commit.0.max(st.snapshot_index().0) + 1;
        for i in from..=st.commit_index.0 {
            let index = LogIndex(i);
            let Some(term) = view.term_at(index) else {
                let detail = format!(
                    "{} reports commit index {} beyond its log (last index {})",
                    view.node, st.commit_index, st.last_index
                );
                return Err(
                    Violation::new(Property::ApplyOrder, view.node, view.event, detail)
                        .index(st.commit_index),
                );
            };
            let pos = (i - 1) as usize;
            if pos >= self.committed.len() {
                self.committed.resize(pos + 1, None);
            }
            match self.committed[pos] {
                None => {
                    self.committed[pos] = Some(Committed {
                        term,
                        in_term: st.term,
                        node: view.node,
                    })
                }
                Some(c) if c.term == term => {}
                Some(c) => {
                    let detail = format!(
                        "{} committed an entry of term {} at {index}, {} one of term {}",
                        c.node, c.term.0, view.node, term.0
                    );
                    return Err(Violation::new(
                        Property::StateMachineSafety,
                        view.node,
                        view.event,
                        detail,
                    )
                    .with(c.node)
                    .index(index));
                }
            }
        }
        Ok(())
    }

    /// Checks that a leader holds every entry committed in an earlier term.
    fn check_leader(&mut self, view: &NodeView<'_>) -> Result<(), Violation> {
        let st = &view.status;
        let slot = view.node.index();
        if slot >= self.verified.len() {
            self.verified.resize(slot + 1, (Term(0), 0));
        }
        let (term, mut through) = self.verified[slot];
        if term != st.term {
            through = 0;
        }
        for pos in through as usize..self.committed.len() {
            let index = LogIndex(pos as u64 + 1);
            if let Some(c) = self.committed[pos] {
                if c.in_term < st.term && !view.holds(index, c.term) {
                    let detail = format!(
                        "leader {} of term {} lacks entry {index} (term {}) that {} saw committed in term {}",
                        view.node, st.term.0, c.term.0, c.node, c.in_term.0
                    );
                    return Err(Violation::new(
                        Property::LeaderCompleteness,
                        view.node,
                        view.event,
                        detail,
                    )
                    .with(c.node)
                    .term(st.term)
                    .index(index));
                }
            }
        }
        self.verified[slot] = (st.term, self.committed.len() as u64);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::Fake;
    use crate::monitor::{Monitors, Property};

    #[test]
    fn leader_completeness_later_leader_lacking_a_committed_entry_fails() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).leading(2).with_log(&[1, 2]);
        a.commit = 2;
        assert!(a.check(&mut m, 1).is_ok());
        let mut b = Fake::new(1).leading(3).with_log(&[1]);
        let v = b
            .check(&mut m, 2)
            .expect_err("leader of term 3 lacks entry 2");
        assert_eq!(v.property, Property::LeaderCompleteness);
        assert_eq!(v.index.map(|i| i.0), Some(2));
        let mut c = Fake::new(2).leading(4).with_log(&[1, 2, 4]);
        assert!(c.check(&mut m, 3).is_ok(), "holds both committed entries");
    }

    #[test]
    fn leader_completeness_snapshot_covers_committed_entries() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).leading(2).with_log(&[1, 2]);
        a.commit = 2;
        assert!(a.check(&mut m, 1).is_ok());
        let mut b = Fake::new(1).leading(3);
        b.snapshot = (2, 2);
        b.commit = 2;
        assert!(b.check(&mut m, 2).is_ok());
    }

    #[test]
    fn committed_entries_disagreeing_or_changing_fail() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).with_log(&[1, 2]);
        a.term = 2;
        a.commit = 2;
        assert!(a.check(&mut m, 1).is_ok());
        let mut b = Fake::new(1).with_log(&[1, 3]);
        b.term = 3;
        b.commit = 2;
        let v = b.check(&mut m, 2).expect_err("two entries committed at 2");
        assert_eq!(v.property, Property::StateMachineSafety);
        a.log = vec![1];
        a.commit = 1;
        let v = a.check(&mut m, 3).expect_err("dropped a committed entry");
        assert_eq!(v.property, Property::StateMachineSafety);
    }
}
