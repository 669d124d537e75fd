//! Leader Append-Only (Figure 3): a leader never overwrites or deletes entries in its
//! log while it leads its term; it only appends.

use super::log_shadow::Changes;
use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{Role, Status};

/// Stateless: it compares the node's last two checks.
#[derive(Clone, Copy, Debug, Default)]
pub struct LeaderAppendOnly;

impl LeaderAppendOnly {
    /// Fails if the node led the same term at its previous check and at this one, and
    /// its log lost or changed an entry in between.
    ///
    /// # Errors
    /// The violation, naming the node, the term and the first index changed.
    pub fn check(
        self,
        previous: Option<&Status>,
        view: &NodeView<'_>,
        changes: &Changes,
    ) -> Result<(), Violation> {
        let st = &view.status;
        let Some(prev) = previous else {
            return Ok(());
        };
        let same_reign =
            prev.role == Role::Leader && st.role == Role::Leader && prev.term == st.term;
        if !same_reign {
            return Ok(());
        }
        if let Some(index) = changes.removed_from {
            let detail = format!(
                "leader {} of term {} dropped or replaced its entry at {index} (last index {} -> {})",
                view.node, st.term.0, prev.last_index, st.last_index
            );
            return Err(
                Violation::new(Property::LeaderAppendOnly, view.node, view.event, detail)
                    .term(st.term)
                    .index(index),
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
    fn leader_append_only_truncation_in_its_term_fails() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).leading(2).with_log(&[1, 2, 2]);
        assert!(a.check(&mut m, 1).is_ok());
        a.log.push(2);
        assert!(a.check(&mut m, 2).is_ok(), "appending is fine");
        a.log.truncate(2);
        let v = a.check(&mut m, 3).expect_err("deleted its own entries");
        assert_eq!(v.property, Property::LeaderAppendOnly);
        assert_eq!(v.index.map(|i| i.0), Some(3));
    }

    #[test]
    fn leader_append_only_overwrite_under_an_unchanged_end_is_found_by_the_audit() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).leading(3).with_log(&[1; 40]);
        assert!(a.check(&mut m, 0).is_ok());
        a.log[7] = 2;
        let found = (1..=45).find_map(|e| a.check(&mut m, e).err());
        let v = found.expect("the audit reaches entry 8 within 40 checks");
        assert_eq!(v.property, Property::LeaderAppendOnly);
        assert_eq!(v.index.map(|i| i.0), Some(8));
    }

    #[test]
    fn leader_append_only_follower_may_truncate() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).with_log(&[1, 1, 1]);
        a.term = 2;
        assert!(a.check(&mut m, 1).is_ok());
        a.log.truncate(1);
        assert!(a.check(&mut m, 2).is_ok());
    }
}
