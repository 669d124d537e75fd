//! Per incarnation: applied indices are gapless and increasing (a snapshot may jump
//! ahead, and commands continue right after it), and the commit index never decreases.

use super::view::NodeView;
use super::violation::{Property, Violation};
use crate::monitor::observed::Applied;
use raft_contract::{LogIndex, Status};

/// What one incarnation of a node applied last.
#[derive(Clone, Copy, Debug, Default)]
pub struct ApplyOrder {
    last_applied: Option<LogIndex>,
}

impl ApplyOrder {
    /// Checks the node's new applied items and commit index against its previous check
    /// in this incarnation.
    ///
    /// # Errors
    /// The violation, naming the node and the index.
    pub fn check(
        &mut self,
        previous: Option<&Status>,
        view: &NodeView<'_>,
    ) -> Result<(), Violation> {
        let st = &view.status;
        if let Some(prev) = previous {
            if st.commit_index < prev.commit_index {
                let detail = format!(
                    "{}'s commit index went back from {} to {}",
                    view.node, prev.commit_index, st.commit_index
                );
                return Err(
                    Violation::new(Property::ApplyOrder, view.node, view.event, detail)
                        .index(st.commit_index),
                );
            }
        }
        for item in &view.observed.applied {
            let (index, gapless) = match *item {
                Applied::Command { index, .. } => (index, true),
                Applied::Snapshot { index } => (index, false),
            };
            if let Some(last) = self.last_applied {
                let ok = if gapless {
                    index == last.next()
                } else {
                    index > last
                };
                if !ok {
                    let what = if gapless { "command" } else { "snapshot" };
                    let detail = format!(
                        "{} applied a {what} at {index} right after {last}",
                        view.node
                    );
                    return Err(Violation::new(
                        Property::ApplyOrder,
                        view.node,
                        view.event,
                        detail,
                    )
                    .index(index));
                }
            }
            self.last_applied = Some(index);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::observed::Applied;
    use crate::monitor::testkit::Fake;
    use crate::monitor::{Monitors, Property};
    use raft_contract::LogIndex;

    #[test]
    fn apply_order_gap_fails_and_snapshot_may_jump() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0);
        a.apply(1, 1);
        a.apply(2, 2);
        assert!(a.check(&mut m, 1).is_ok());
        a.observed
            .applied
            .push(Applied::Snapshot { index: LogIndex(9) });
        a.apply(10, 3);
        assert!(
            a.check(&mut m, 2).is_ok(),
            "a snapshot, then the entry after it"
        );
        a.apply(12, 4);
        let v = a.check(&mut m, 3).expect_err("11 skipped");
        assert_eq!(v.property, Property::ApplyOrder);
    }

    #[test]
    fn apply_order_commit_going_back_fails_but_restart_resets() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).with_log(&[1, 1, 1]);
        a.term = 1;
        a.commit = 3;
        assert!(a.check(&mut m, 1).is_ok());
        a.commit = 2;
        let v = a.check(&mut m, 2).expect_err("commit went back");
        assert_eq!(v.property, Property::ApplyOrder);
        let mut m = Monitors::new(5);
        a.commit = 3;
        assert!(a.check(&mut m, 3).is_ok());
        a.incarnation = 1;
        a.commit = 0;
        assert!(a.check(&mut m, 4).is_ok(), "a new incarnation starts over");
    }
}
