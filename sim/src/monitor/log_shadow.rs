//! Each node's log as the monitors last saw it, and what changed since.
//!
//! Comparing whole logs after every event would cost the log's length each time (tens
//! of thousands of entries in the unsnapshotted KV tests). A Raft log changes at its
//! end, so the shadow is reconciled from the end backwards: entries are compared from
//! the last index both hold down to the first one that agrees, and everything above it
//! is what changed. A change in the middle that leaves the end alone (an entry
//! overwritten without truncating what follows) is not seen that way, so every check
//! also audits one entry below the agreement point, in turn: such a change is found
//! within (log length / [`AUDIT_PER_EVENT`]) events of that node.

use super::view::NodeView;
use raft_contract::{LogIndex, Term};

/// Entries below the agreement point compared per check.
pub const AUDIT_PER_EVENT: u64 = 1;

/// What changed in a node's log since the last check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// The first index whose entry the node dropped or replaced, if any.
    pub removed_from: Option<LogIndex>,
    /// Entries that are new or replaced, ascending: (index, term).
    pub added: Vec<(LogIndex, Term)>,
}

/// A node's log as last seen: its snapshot point and the terms after it.
#[derive(Clone, Debug, Default)]
pub struct LogShadow {
    base: u64,
    base_term: Term,
    terms: Vec<Term>,
    cursor: u64,
}

impl LogShadow {
    /// The last index held.
    pub fn last(&self) -> LogIndex {
        LogIndex(self.base + self.terms.len() as u64)
    }

    /// The snapshot point.
    pub fn base(&self) -> LogIndex {
        LogIndex(self.base)
    }

    /// The term of the entry at `index`, as last seen (the snapshot point included).
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index.0 == self.base {
            return Some(self.base_term);
        }
        if index.0 < self.base {
            return None;
        }
        self.terms.get((index.0 - self.base - 1) as usize).copied()
    }

    /// Brings the shadow up to date with `view` and says what changed.
    pub fn reconcile(&mut self, view: &NodeView<'_>) -> Changes {
        let st = &view.status;
        let (new_base, new_last) = (st.snapshot_index().0, st.last_index.0);
        assert!(
            new_last >= new_base,
            "{}: last index {new_last} below snapshot {new_base}",
            view.node
        );
        if new_base < self.base {
            // The snapshot point went back: what was compacted cannot be compared.
            // Start over from what the node holds now, all of it reported as new.
            *self = LogShadow::default();
        }
        let old_last = self.last().0;
        let mut changed: Option<u64> = None;
        let mut note = |i: u64| changed = Some(changed.map_or(i, |c| c.min(i)));
        if new_base > self.base {
            if let Some(t) = self.term_at(LogIndex(new_base)) {
                if t != st.snapshot_term() {
                    note(new_base);
                }
            }
        }
        // The overlap of what the shadow and the node both hold after the snapshot point.
        let lo = new_base.max(self.base) + 1;
        let hi = old_last.min(new_last);
        let mut agree = hi;
        while agree >= lo && self.term_at(LogIndex(agree)) != view.term_at(LogIndex(agree)) {
            note(agree);
            agree -= 1;
        }
        if agree >= lo {
            let span = agree - lo + 1;
            for _ in 0..AUDIT_PER_EVENT.min(span) {
                let i = lo + self.cursor % span;
                self.cursor = self.cursor.wrapping_add(1);
                if self.term_at(LogIndex(i)) != view.term_at(LogIndex(i)) {
                    // Changed in the middle, under an end that agrees.
                    note(i);
                }
            }
        }
        let removed_from = match changed {
            Some(c) if c <= old_last => Some(c),
            _ if old_last > new_last => Some(new_last + 1),
            _ => None,
        };
        let start = changed
            .unwrap_or(u64::MAX)
            .min(old_last + 1)
            .max(new_base + 1);
        let added: Vec<(LogIndex, Term)> = (start..=new_last)
            .map(|i| {
                let t = view.term_at(LogIndex(i)).unwrap_or_else(|| {
                    panic!(
                        "{}: no term at {i}, within {new_base}..={new_last}",
                        view.node
                    )
                });
                (LogIndex(i), t)
            })
            .collect();
        self.rebuild(
            new_base,
            st.snapshot_term(),
            start.min(new_last + 1),
            &added,
        );
        Changes {
            removed_from: removed_from.map(LogIndex),
            added,
        }
    }

    /// Drops what the snapshot compacted, keeps what did not change, and appends
    /// `added` (the entries from `start` on).
    fn rebuild(&mut self, new_base: u64, base_term: Term, start: u64, added: &[(LogIndex, Term)]) {
        if new_base > self.base {
            let drop = (new_base - self.base) as usize;
            if drop >= self.terms.len() {
                self.terms.clear();
            } else {
                self.terms.drain(..drop);
            }
            self.base = new_base;
        }
        self.base_term = base_term;
        let new_last = added.last().map_or(start - 1, |(i, _)| i.0);
        let keep_through = (start - 1).min(new_last);
        self.terms.truncate((keep_through - self.base) as usize);
        self.terms.extend(added.iter().map(|(_, t)| *t));
        assert_eq!(
            self.last().0,
            new_last.max(self.base),
            "shadow rebuilt out of step"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::observed::Observed;
    use raft_contract::{NodeId, Role, Status};

    fn view_of<'a>(
        snapshot: (u64, u64),
        log: &'a [u64],
        observed: &'a Observed,
        f: &'a dyn Fn(LogIndex) -> Option<Term>,
    ) -> NodeView<'a> {
        NodeView {
            node: NodeId(0),
            incarnation: 0,
            event: 0,
            status: Status {
                term: Term(9),
                role: Role::Follower,
                voted_for: None,
                commit_index: LogIndex(0),
                snapshot: Some(raft_contract::SnapshotPoint {
                    index: LogIndex(snapshot.0),
                    term: Term(snapshot.1),
                }),
                last_index: LogIndex(snapshot.0 + log.len() as u64),
                config: raft_contract::Configuration::all(3),
                config_index: LogIndex(0),
            },
            log: f,
            observed,
            leases: &[],
        }
    }

    fn reconcile(shadow: &mut LogShadow, snapshot: (u64, u64), log: &[u64]) -> Changes {
        let observed = Observed::default();
        let f = |i: LogIndex| {
            if i.0 == snapshot.0 {
                return Some(Term(snapshot.1));
            }
            if i.0 < snapshot.0 {
                return None;
            }
            log.get((i.0 - snapshot.0 - 1) as usize).map(|t| Term(*t))
        };
        shadow.reconcile(&view_of(snapshot, log, &observed, &f))
    }

    fn added(c: &Changes) -> Vec<(u64, u64)> {
        c.added.iter().map(|(i, t)| (i.0, t.0)).collect()
    }

    #[test]
    fn shadow_reports_appends_truncations_and_replacements() {
        let mut s = LogShadow::default();
        let c = reconcile(&mut s, (0, 0), &[1, 1]);
        assert_eq!((c.removed_from, added(&c)), (None, vec![(1, 1), (2, 1)]));
        let c = reconcile(&mut s, (0, 0), &[1, 1, 2]);
        assert_eq!((c.removed_from, added(&c)), (None, vec![(3, 2)]));
        let c = reconcile(&mut s, (0, 0), &[1]);
        assert_eq!((c.removed_from, added(&c)), (Some(LogIndex(2)), vec![]));
        let c = reconcile(&mut s, (0, 0), &[1, 3, 3]);
        assert_eq!((c.removed_from, added(&c)), (None, vec![(2, 3), (3, 3)]));
        let c = reconcile(&mut s, (0, 0), &[1, 4]);
        assert_eq!(
            (c.removed_from, added(&c)),
            (Some(LogIndex(2)), vec![(2, 4)])
        );
        assert_eq!(s.last(), LogIndex(2));
    }

    #[test]
    fn shadow_follows_snapshots_forward_and_back() {
        let mut s = LogShadow::default();
        reconcile(&mut s, (0, 0), &[1, 1, 1, 2]);
        let c = reconcile(&mut s, (3, 1), &[2]);
        assert_eq!((c.removed_from, added(&c)), (None, vec![]));
        assert_eq!((s.base(), s.last()), (LogIndex(3), LogIndex(4)));
        let c = reconcile(&mut s, (10, 5), &[5]);
        assert_eq!((c.removed_from, added(&c)), (None, vec![(11, 5)]));
        let c = reconcile(&mut s, (10, 5), &[6]);
        assert_eq!(
            (c.removed_from, added(&c)),
            (Some(LogIndex(11)), vec![(11, 6)])
        );
        let c = reconcile(&mut s, (2, 1), &[1, 1]);
        assert_eq!(
            added(&c),
            vec![(3, 1), (4, 1)],
            "snapshot went back: all new"
        );
    }
}
