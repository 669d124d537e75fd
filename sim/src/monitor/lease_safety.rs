//! Lease Safety (Raft thesis §6.4.1): leases of different terms never overlap in true
//! time. A leader serves lease reads only while no other leader can exist; if a lease of
//! term 3 and one of term 4 overlap, two servers could each answer reads as the leader
//! at one instant, and the older one's answer may miss the newer one's writes.
//!
//! The Raft reports, with every lease read it confirms, the lease in its own clock
//! (`raft_contract::Lease`); the tester converts it to true (simulator) time through
//! the node's clock, so the judgement holds whatever the clocks did. Each term's leases
//! are kept as their hull, from the earliest start to the latest end: in a correct Raft
//! every lease of a term ends before any lease of a later term starts, so the hulls are
//! disjoint too.

use crate::engine::Instant;
use crate::monitor::violation::{Property, Violation};
use crate::monitor::NodeView;
use raft_contract::{NodeId, Term};
use std::collections::BTreeMap;

/// A lease in true time, as the tester converted it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TrueLease {
    /// The leader's term.
    pub term: Term,
    /// When the confirming round left.
    pub from: Instant,
    /// When the lease lapsed.
    pub until: Instant,
}

/// The leases seen so far, one hull per term, with the node that held it.
#[derive(Clone, Debug, Default)]
pub struct LeaseSafety {
    hulls: BTreeMap<Term, (NodeId, Instant, Instant)>,
}

impl LeaseSafety {
    /// Checks the leases `view`'s node just served reads under.
    ///
    /// # Errors
    /// A lease that overlaps one of another term.
    pub fn check(&mut self, view: &NodeView<'_>, leases: &[TrueLease]) -> Result<(), Violation> {
        for lease in leases {
            let hull = self
                .hulls
                .entry(lease.term)
                .or_insert((view.node, lease.from, lease.until));
            hull.1 = hull.1.min(lease.from);
            hull.2 = hull.2.max(lease.until);
            let (from, until) = (hull.1, hull.2);
            let other =
                (self.hulls.iter()).find(|(t, h)| **t != lease.term && h.1 < until && from < h.2);
            if let Some((term, &(holder, other_from, other_until))) = other {
                let detail = format!(
                    "{} served a lease read in term {} under a lease over [{}, {}), which overlaps the lease {holder} held in term {} over [{other_from}, {other_until}) (true time)",
                    view.node, lease.term.0, lease.from, lease.until, term.0
                );
                return Err(
                    Violation::new(Property::LeaseSafety, view.node, view.event, detail)
                        .with(holder)
                        .term(lease.term),
                );
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::observed::Observed;
    use raft_contract::{LogIndex, Role, Status};

    fn check(
        m: &mut LeaseSafety,
        node: u32,
        term: u64,
        from: u64,
        until: u64,
    ) -> Result<(), Violation> {
        let observed = Observed::default();
        let log = |_| None;
        let view = NodeView {
            node: NodeId(node),
            incarnation: 0,
            event: 9,
            status: Status {
                term: Term(term),
                role: Role::Leader,
                voted_for: None,
                commit_index: LogIndex(0),
                snapshot: None,
                last_index: LogIndex(0),
                config: raft_contract::Configuration::all(3),
                config_index: LogIndex(0),
            },
            log: &log,
            observed: &observed,
            leases: &[],
        };
        let lease = TrueLease {
            term: Term(term),
            from: Instant::from_millis(from),
            until: Instant::from_millis(until),
        };
        m.check(&view, &[lease])
    }

    #[test]
    fn lease_safety_accepts_leases_of_one_term_and_successive_terms() {
        let mut m = LeaseSafety::default();
        assert!(check(&mut m, 0, 2, 100, 390).is_ok());
        assert!(
            check(&mut m, 0, 2, 200, 490).is_ok(),
            "one term overlaps itself"
        );
        assert!(
            check(&mut m, 1, 3, 490, 780).is_ok(),
            "touching is not overlapping"
        );
    }

    #[test]
    fn lease_safety_reports_leases_of_two_terms_that_overlap() {
        let mut m = LeaseSafety::default();
        assert!(check(&mut m, 0, 2, 100, 390).is_ok());
        let v = check(&mut m, 1, 3, 300, 590).unwrap_err();
        assert_eq!(v.property, Property::LeaseSafety);
        assert_eq!(v.nodes, vec![NodeId(1), NodeId(0)]);
        assert!(
            v.detail.contains("overlaps the lease n0 held in term 2"),
            "{v}"
        );
    }
}
