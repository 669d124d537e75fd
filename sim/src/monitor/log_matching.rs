//! Log Matching (Figure 3): if two logs contain an entry with the same index and term,
//! the logs are identical in all entries up through that index.
//!
//! Checked incrementally, by induction on the index: every entry (index, term) any node
//! ever holds must have the same predecessor term in every log that holds it. If that
//! holds for every entry, two logs that share (i, t) share (i - 1, t'), and so on down,
//! so they agree up through i. Each new or replaced entry is one lookup.

use super::log_shadow::Changes;
use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{LogIndex, NodeId, Term};
use std::collections::BTreeMap;

/// Who first held an entry, and the term of the entry before it there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    term: Term,
    prev_term: Term,
    node: NodeId,
}

/// The predecessor term of every (index, term) seen so far.
#[derive(Clone, Debug, Default)]
pub struct LogMatching {
    /// The first term seen at each index (position `index - 1`): almost every index ever
    /// holds one term, so this is one vector lookup.
    first: Vec<Option<Seen>>,
    /// Further terms seen at an index.
    others: BTreeMap<(u64, Term), Seen>,
}

impl LogMatching {
    /// Checks every entry that changed in the node's log against what other logs hold.
    ///
    /// # Errors
    /// The violation, naming both nodes, the index and the term.
    pub fn check(&mut self, view: &NodeView<'_>, changes: &Changes) -> Result<(), Violation> {
        for &(index, term) in &changes.added {
            let Some(prev_term) = view.term_at(LogIndex(index.0 - 1)) else {
                // The predecessor is compacted: only its snapshot's term is known, and
                // only at the snapshot point itself.
                continue;
            };
            let seen = Seen {
                term,
                prev_term,
                node: view.node,
            };
            let first = self.slot(index);
            let known = match first {
                None => {
                    *first = Some(seen);
                    continue;
                }
                Some(f) if f.term == term => *f,
                Some(_) => *self.others.entry((index.0, term)).or_insert(seen),
            };
            if known.prev_term != prev_term {
                let detail = format!(
                    "entry {index} of term {} follows an entry of term {} in {} but of term {} in {}",
                    term.0, known.prev_term.0, known.node, prev_term.0, view.node
                );
                return Err(
                    Violation::new(Property::LogMatching, view.node, view.event, detail)
                        .with(known.node)
                        .term(term)
                        .index(index),
                );
            }
        }
        Ok(())
    }

    fn slot(&mut self, index: LogIndex) -> &mut Option<Seen> {
        let pos = usize::try_from(index.0 - 1).expect("index fits in memory");
        if pos >= self.first.len() {
            self.first.resize(pos + 1, None);
        }
        &mut self.first[pos]
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::Fake;
    use crate::monitor::{Monitors, Property};

    #[test]
    fn log_matching_same_entry_after_different_prefixes_fails() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).with_log(&[1, 1, 2]);
        let mut b = Fake::new(1).with_log(&[1, 1, 2, 2]);
        assert!(a.check(&mut m, 1).is_ok());
        assert!(
            b.check(&mut m, 2).is_ok(),
            "a longer log on the same prefix"
        );
        let mut c = Fake::new(2).with_log(&[1, 3, 2]);
        let v = c
            .check(&mut m, 3)
            .expect_err("(3, t2) after t3 here, after t1 there");
        assert_eq!(v.property, Property::LogMatching);
        assert_eq!(
            (v.index.map(|i| i.0), v.term.map(|t| t.0)),
            (Some(3), Some(2))
        );
    }

    #[test]
    fn log_matching_different_terms_at_an_index_are_fine() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).with_log(&[1, 1]);
        let mut b = Fake::new(1).with_log(&[1, 2]);
        assert!(a.check(&mut m, 1).is_ok());
        assert!(b.check(&mut m, 2).is_ok());
    }
}
