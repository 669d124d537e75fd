//! Acknowledged Entries: a node that acknowledged entries through index I to the leader
//! of term T still holds the entry it had at I, or has compacted I into its snapshot,
//! for as long as it stays in term T (Figure 2, AppendEntries receiver 3 deletes only
//! conflicting entries, and the leader of T never sends one that conflicts with what
//! the node acknowledged; Figure 13 keeps the entries that follow a matching snapshot
//! point). It is the contract the leader's matchIndex relies on: the leader counts the
//! node among the holders of every entry through I, and commits by that count.
//!
//! Durability holds a node to its acknowledgements across a crash; this holds a running
//! node to them. An acknowledgement is an `Ack::Append` of the node's own term after the
//! handler (one of an older term promises nothing in the new one: its leader may be
//! deposed and the new one may truncate). The entry owed is the one at I right after
//! the handler, whose term may be older than T. A later acknowledgement through a
//! higher index in the same term vouches for everything below it as well (the node's
//! log matches the leader's through it), so only the highest is kept: a check is one
//! lookup, made only when the node's log lost or changed an entry at or below it
//! ([`Changes::removed_from`]) or its snapshot point went back.

use super::log_shadow::Changes;
use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{Ack, LogIndex, NodeId, Status, Term};

/// The highest acknowledgement of the node's current term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Acked {
    /// The term of the leader it was sent to, the node's term at the time.
    term: Term,
    /// The leader.
    leader: NodeId,
    /// The last index it vouched for.
    index: LogIndex,
    /// The term of the node's entry there right after the handler.
    entry: Term,
    /// The event that sent it.
    event: u64,
}

/// What each node acknowledged in its current term, across its restarts (a node that
/// restarts in the same term is still counted by that term's leader).
#[derive(Clone, Debug, Default)]
pub struct AcknowledgedEntries {
    nodes: Vec<Option<Acked>>,
}

impl AcknowledgedEntries {
    /// Checks the node against what it acknowledged before this event, then records
    /// what this event's messages acknowledged.
    ///
    /// # Errors
    /// The violation, naming the node, the leader, the term, the index and the event
    /// that sent the acknowledgement; or an acknowledgement of an index the node does
    /// not hold.
    pub fn check(
        &mut self,
        previous: Option<&Status>,
        view: &NodeView<'_>,
        changes: &Changes,
    ) -> Result<(), Violation> {
        let st = &view.status;
        let acked = self.acked(view);
        if acked.is_some_and(|a| a.term != st.term) {
            // A new term: its leader may truncate what the old one was promised.
            *acked = None;
        }
        if let Some(a) = *acked {
            let touched = changes.removed_from.is_some_and(|r| r <= a.index)
                || previous.is_some_and(|p| st.snapshot_index() < p.snapshot_index());
            if touched && !view.holds(a.index, a.entry) {
                return Err(lost(view, &a));
            }
        }
        self.record(view)
    }

    /// The node's slot.
    fn acked(&mut self, view: &NodeView<'_>) -> &mut Option<Acked> {
        let slot = view.node.index();
        if slot >= self.nodes.len() {
            self.nodes.resize(slot + 1, None);
        }
        &mut self.nodes[slot]
    }

    /// Keeps the highest acknowledgement of the node's term sent by this event.
    fn record(&mut self, view: &NodeView<'_>) -> Result<(), Violation> {
        let st = &view.status;
        let acked = self.acked(view);
        for &(leader, ack) in &view.observed.acks {
            let Ack::Append { term, last_index } = ack else {
                continue;
            };
            if term != st.term || acked.is_some_and(|a| a.index >= last_index) {
                continue;
            }
            let Some(entry) = view.term_at(last_index) else {
                if last_index < st.snapshot_index() {
                    // Compacted: held by the snapshot.
                    continue;
                }
                let detail = format!(
                    "{} acknowledged entries through {last_index} to {leader}, the leader of term {}, without an entry there (snapshot {}, last {})",
                    view.node, term.0, st.snapshot_index(), st.last_index
                );
                return Err(Violation::new(
                    Property::AcknowledgedEntries,
                    view.node,
                    view.event,
                    detail,
                )
                .with(leader)
                .term(term)
                .index(last_index));
            };
            assert!(
                entry <= term,
                "{}: acknowledged entry {last_index} of term {} to the leader of term {}",
                view.node,
                entry.0,
                term.0
            );
            *acked = Some(Acked {
                term,
                leader,
                index: last_index,
                entry,
                event: view.event,
            });
        }
        Ok(())
    }
}

/// The violation for acknowledgement `a`, no longer held by the node in `view`.
fn lost(view: &NodeView<'_>, a: &Acked) -> Violation {
    let st = &view.status;
    let now = view
        .term_at(a.index)
        .map_or("no entry there".to_string(), |t| {
            format!("term {} there", t.0)
        });
    let detail = format!(
        "{} acknowledged entries through {} (term {}) to {}, the leader of term {} (event {}), and still in term {} has {now} (snapshot {}, last {})",
        view.node,
        a.index,
        a.entry.0,
        a.leader,
        a.term.0,
        a.event,
        st.term.0,
        st.snapshot_index(),
        st.last_index
    );
    Violation::new(Property::AcknowledgedEntries, view.node, view.event, detail)
        .with(a.leader)
        .term(a.term)
        .index(a.index)
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::Fake;
    use crate::monitor::{Monitors, Property, Violation};
    use raft_contract::{Ack, LogIndex, Term};

    fn append(term: u64, last_index: u64) -> Ack {
        Ack::Append {
            term: Term(term),
            last_index: LogIndex(last_index),
        }
    }

    /// Follower n1 in term `term` with `log`, having acknowledged through `index` to n0.
    fn acked(m: &mut Monitors, term: u64, log: &[u64], index: u64) -> Fake {
        let mut a = Fake::new(1).with_log(log);
        a.term = term;
        a.observed.handled_term = Some(Term(term));
        a.ack(0, append(term, index));
        assert!(a.check(m, 1).is_ok(), "an acknowledgement alone is fine");
        a
    }

    fn assert_names(v: &Violation, term: u64, index: u64) {
        assert_eq!(v.property, Property::AcknowledgedEntries);
        assert_eq!(v.term, Some(Term(term)));
        assert_eq!(v.index, Some(LogIndex(index)));
        assert_eq!(v.nodes.iter().map(|n| n.0).collect::<Vec<_>>(), vec![1, 0]);
    }

    #[test]
    fn acknowledged_entries_dropped_on_snapshot_install_in_the_same_term_fail() {
        let mut m = Monitors::new(5);
        let mut a = acked(&mut m, 2, &[1, 1, 2, 2, 2], 5);
        // Installs a snapshot at 3 and discards 4-5, which follow a matching entry.
        a.snapshot = (3, 2);
        a.log = Vec::new();
        let v = a
            .check(&mut m, 2)
            .expect_err("entries 4-5 were acknowledged");
        assert_names(&v, 2, 5);
    }

    #[test]
    fn acknowledged_entries_truncated_or_replaced_in_the_same_term_fail() {
        let mut m = Monitors::new(5);
        let mut a = acked(&mut m, 3, &[1, 1, 2], 3);
        a.log.truncate(2);
        let v = a.check(&mut m, 2).expect_err("entry 3 was acknowledged");
        assert_names(&v, 3, 3);
        // Replaced by an entry of another term at the acknowledged index.
        let mut m = Monitors::new(5);
        let mut b = acked(&mut m, 3, &[1, 1, 2], 3);
        b.log[2] = 3;
        let v = b
            .check(&mut m, 2)
            .expect_err("entry 3 of term 2 was acknowledged");
        assert_names(&v, 3, 3);
        assert!(v.detail.contains("term 3 there"), "{}", v.detail);
    }

    #[test]
    fn acknowledged_entries_beyond_the_log_fail() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(1).with_log(&[1, 1]);
        a.term = 1;
        a.ack(0, append(1, 4));
        let v = a.check(&mut m, 1).expect_err("holds nothing at 4");
        assert_names(&v, 1, 4);
    }

    #[test]
    fn acknowledged_entries_a_new_term_may_truncate() {
        let mut m = Monitors::new(5);
        let mut a = acked(&mut m, 2, &[1, 2, 2], 3);
        a.term = 3;
        a.log = vec![1, 3];
        assert!(
            a.check(&mut m, 2).is_ok(),
            "the leader of term 3 replaced 2-3"
        );
        // An acknowledgement of an older term, sent after the node moved on, owes nothing.
        a.ack(0, append(2, 2));
        assert!(a.check(&mut m, 3).is_ok());
        a.log = vec![1];
        assert!(a.check(&mut m, 4).is_ok());
    }

    #[test]
    fn acknowledged_entries_snapshots_and_later_appends_are_quiet() {
        let mut m = Monitors::new(5);
        // Acknowledged through 4, whose entry is of an older term than the leader's.
        let mut a = acked(&mut m, 3, &[1, 1, 2, 2], 4);
        // A snapshot at 2 keeps the matching suffix (Figure 13, step 6).
        a.snapshot = (2, 1);
        a.log = vec![2, 2];
        assert!(a.check(&mut m, 2).is_ok());
        // The leader's new entries, then a lower, duplicated acknowledgement.
        a.log.extend([3, 3]);
        a.ack(0, append(3, 6));
        assert!(a.check(&mut m, 3).is_ok());
        a.ack(0, append(3, 5));
        assert!(a.check(&mut m, 4).is_ok());
        // A snapshot past everything acknowledged holds it all.
        a.snapshot = (7, 3);
        a.log = Vec::new();
        assert!(a.check(&mut m, 5).is_ok());
        // An acknowledgement of a compacted index is held by the snapshot.
        a.ack(0, append(3, 5));
        assert!(a.check(&mut m, 6).is_ok());
    }

    #[test]
    fn acknowledged_entries_the_highest_acknowledgement_is_owed() {
        let mut m = Monitors::new(5);
        let mut a = acked(&mut m, 2, &[1, 2, 2, 2], 2);
        a.ack(0, append(2, 4));
        assert!(a.check(&mut m, 2).is_ok());
        a.ack(0, append(2, 3));
        assert!(a.check(&mut m, 3).is_ok());
        a.log.truncate(3);
        let v = a.check(&mut m, 4).expect_err("4 was acknowledged, then 3");
        assert_names(&v, 2, 4);
    }

    #[test]
    fn acknowledged_entries_still_owed_after_a_restart_in_the_same_term() {
        let mut m = Monitors::new(5);
        let mut a = acked(&mut m, 2, &[1, 2, 2], 3);
        // Restarted with what it acknowledged (Durability's check at boot), still term 2.
        a.incarnation += 1;
        assert!(a.check(&mut m, 2).is_ok());
        a.log = vec![1];
        let v = a
            .check(&mut m, 3)
            .expect_err("the leader of term 2 still counts 3");
        assert_names(&v, 2, 3);
        // The same restart into a newer term owes nothing.
        let mut m = Monitors::new(5);
        let mut b = acked(&mut m, 2, &[1, 2, 2], 3);
        b.incarnation += 1;
        b.term = 3;
        assert!(b.check(&mut m, 2).is_ok());
        b.log = vec![1];
        assert!(b.check(&mut m, 3).is_ok());
    }
}
