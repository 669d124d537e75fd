//! The replicated log: a snapshot point followed by the retained entries.
//!
//! This is the one place that converts global [`LogIndex`]es into positions in the
//! retained vector (lab 2D: "all index arithmetic through one place"). Everything else
//! speaks in global indices.

use raft_contract::{LogIndex, Term};
use serde::{Deserialize, Serialize};

/// One log entry: the command and the term in which a leader received it (§5.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry<C> {
    /// The leader's term when the entry was created.
    pub term: Term,
    /// The service's command.
    pub command: C,
}

/// The log after compaction: everything through `snapshot_index` lives in the snapshot
/// (Figure 13's lastIncludedIndex/lastIncludedTerm), later entries are kept here.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Log<C> {
    snapshot_index: LogIndex,
    snapshot_term: Term,
    entries: Vec<Entry<C>>,
    /// Counts every change other than an append (truncation, compaction, installed
    /// snapshot), so that a cache of the encoded entries knows when it must start over.
    #[serde(skip)]
    rewrites: u64,
}

impl<C: PartialEq> PartialEq for Log<C> {
    fn eq(&self, other: &Self) -> bool {
        self.snapshot_index == other.snapshot_index
            && self.snapshot_term == other.snapshot_term
            && self.entries == other.entries
    }
}

impl<C: Eq> Eq for Log<C> {}

impl<C: Clone> Default for Log<C> {
    fn default() -> Self {
        Log::new(LogIndex(0), Term(0), Vec::new())
    }
}

impl<C: Clone> Log<C> {
    /// A log whose first retained entry has index `snapshot_index + 1`.
    pub fn new(snapshot_index: LogIndex, snapshot_term: Term, entries: Vec<Entry<C>>) -> Log<C> {
        Log {
            snapshot_index,
            snapshot_term,
            entries,
            rewrites: 0,
        }
    }

    /// The last index covered by the snapshot (0 if none).
    pub fn snapshot_index(&self) -> LogIndex {
        self.snapshot_index
    }

    /// The term of the entry at `snapshot_index` (0 if none).
    pub fn snapshot_term(&self) -> Term {
        self.snapshot_term
    }

    /// The retained entries, first one at `snapshot_index + 1`.
    pub fn entries(&self) -> &[Entry<C>] {
        &self.entries
    }

    /// How many times the log changed other than by appending (see [`crate::log`]'s
    /// encoding cache in `persist.rs`): equal counts mean the retained entries only grew.
    pub fn rewrites(&self) -> u64 {
        self.rewrites
    }

    /// The index of the last entry (the snapshot index if no entry is retained).
    pub fn last_index(&self) -> LogIndex {
        self.snapshot_index.plus(self.entries.len() as u64)
    }

    /// The term of the last entry (the snapshot term if no entry is retained).
    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.snapshot_term, |e| e.term)
    }

    /// The position of `index` in `entries`, if it is retained. The only conversion from
    /// global index to vector position in the crate.
    fn position(&self, index: LogIndex) -> Option<usize> {
        if index <= self.snapshot_index || index > self.last_index() {
            return None;
        }
        usize::try_from(index.0 - self.snapshot_index.0 - 1).ok()
    }

    /// The term of the entry at `index`: known for the snapshot point and for retained
    /// entries, `None` for compacted or missing ones.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == self.snapshot_index {
            return Some(self.snapshot_term);
        }
        self.position(index).map(|p| self.entries[p].term)
    }

    /// The retained entry at `index`.
    pub fn entry(&self, index: LogIndex) -> Option<&Entry<C>> {
        self.position(index).map(|p| &self.entries[p])
    }

    /// Copies of up to `count_max` entries starting at `from`, which must be retained or
    /// one past the end.
    ///
    /// # Panics
    /// If `from` is compacted or beyond `last_index + 1`.
    pub fn slice_from(&self, from: LogIndex, count_max: u64) -> Vec<Entry<C>> {
        assert!(
            from > self.snapshot_index,
            "slice from {from} is compacted (snapshot at {})",
            self.snapshot_index
        );
        assert!(
            from <= self.last_index().next(),
            "slice from {from} is beyond last index {}",
            self.last_index()
        );
        let start = (from.0 - self.snapshot_index.0 - 1) as usize;
        let end = self
            .entries
            .len()
            .min(start.saturating_add(usize::try_from(count_max).unwrap_or(usize::MAX)));
        self.entries[start..end].to_vec()
    }

    /// Appends one entry and returns its index.
    ///
    /// # Panics
    /// If the entry's term is lower than the last term (terms never decrease in a log).
    pub fn append(&mut self, entry: Entry<C>) -> LogIndex {
        assert!(
            entry.term >= self.last_term(),
            "append of term {} after term {} at index {}",
            entry.term,
            self.last_term(),
            self.last_index()
        );
        self.entries.push(entry);
        self.last_index()
    }

    /// Removes every entry from `from` on (§5.3: "delete the existing entry and all that
    /// follow it").
    ///
    /// # Panics
    /// If `from` is inside the snapshot (snapshotted entries are committed, and committed
    /// entries are never removed).
    pub fn truncate_from(&mut self, from: LogIndex) {
        assert!(
            from > self.snapshot_index,
            "truncate from {from} inside the snapshot at {}",
            self.snapshot_index
        );
        if let Some(p) = self.position(from) {
            self.entries.truncate(p);
            self.rewrites += 1;
        }
        assert!(
            self.last_index() < from,
            "truncate left {} >= {from}",
            self.last_index()
        );
    }

    /// Discards every entry through `index`, which becomes the snapshot point (Figure 13,
    /// service-side compaction). The entry must be retained.
    ///
    /// # Panics
    /// If `index` is not a retained entry.
    pub fn compact_to(&mut self, index: LogIndex) {
        let term = self
            .term_at(index)
            .filter(|_| index > self.snapshot_index)
            .unwrap_or_else(|| {
                panic!(
                    "compact to {index} outside retained range ({}, {}]",
                    self.snapshot_index,
                    self.last_index()
                )
            });
        let keep_from = (index.0 - self.snapshot_index.0) as usize;
        self.entries.drain(..keep_from);
        self.rewrites += 1;
        self.snapshot_index = index;
        self.snapshot_term = term;
        assert!(
            self.last_index() >= index,
            "compaction lost the snapshot point"
        );
    }

    /// Installs a snapshot received from a leader (Figure 13, steps 6-7): if an entry with
    /// the snapshot's index and term is retained, the entries after it are kept; otherwise
    /// the whole log is discarded.
    ///
    /// # Panics
    /// If `index` is not beyond the current snapshot (callers drop stale snapshots first).
    pub fn install_snapshot(&mut self, index: LogIndex, term: Term) {
        assert!(
            index > self.snapshot_index,
            "install snapshot at {index} not beyond current {}",
            self.snapshot_index
        );
        if self.term_at(index) == Some(term) {
            self.compact_to(index);
        } else {
            self.entries.clear();
            self.rewrites += 1;
            self.snapshot_index = index;
            self.snapshot_term = term;
        }
        assert_eq!(self.snapshot_term, term, "install at {index}");
    }

    /// The first retained index holding `term`, scanning back from `from` while the term
    /// stays the same (the conflict-index hint of the fast log backup).
    pub fn first_index_of_term_run(&self, from: LogIndex, term: Term) -> LogIndex {
        let mut i = from;
        while i.prev() > self.snapshot_index && self.term_at(i.prev()) == Some(term) {
            i = i.prev();
        }
        i
    }

    /// The last retained index whose entry has `term`, if any (used by the leader to
    /// interpret a conflict-term hint).
    pub fn last_index_of_term(&self, term: Term) -> Option<LogIndex> {
        let p = self.entries.iter().rposition(|e| e.term == term)?;
        Some(self.snapshot_index.plus(p as u64 + 1))
    }

    /// Whether a log ending at (`last_index`, `last_term`) is at least as up to date as
    /// this one (§5.4.1: compare last terms, then lengths).
    pub fn is_up_to_date(&self, last_index: LogIndex, last_term: Term) -> bool {
        last_term > self.last_term()
            || (last_term == self.last_term() && last_index >= self.last_index())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(term: u64, command: u32) -> Entry<u32> {
        Entry {
            term: Term(term),
            command,
        }
    }

    /// Terms of entries 1..: [1, 1, 2, 3, 3].
    fn sample() -> Log<u32> {
        Log::new(
            LogIndex(0),
            Term(0),
            vec![e(1, 10), e(1, 11), e(2, 12), e(3, 13), e(3, 14)],
        )
    }

    #[test]
    fn log_term_at_table() {
        let mut compacted = sample();
        compacted.compact_to(LogIndex(2));
        let table: [(&Log<u32>, u64, Option<u64>); 10] = [
            (&sample(), 0, Some(0)),
            (&sample(), 1, Some(1)),
            (&sample(), 3, Some(2)),
            (&sample(), 5, Some(3)),
            (&sample(), 6, None),
            (&compacted, 1, None),
            (&compacted, 2, Some(1)),
            (&compacted, 3, Some(2)),
            (&compacted, 5, Some(3)),
            (&compacted, 6, None),
        ];
        for (log, index, want) in table {
            assert_eq!(
                log.term_at(LogIndex(index)),
                want.map(Term),
                "term_at({index}) with snapshot at {}",
                log.snapshot_index()
            );
        }
    }

    #[test]
    fn log_compact_keeps_global_indices() {
        let mut log = sample();
        log.compact_to(LogIndex(3));
        assert_eq!(log.snapshot_index(), LogIndex(3));
        assert_eq!(log.snapshot_term(), Term(2));
        assert_eq!(log.last_index(), LogIndex(5));
        assert_eq!(log.last_term(), Term(3));
        assert_eq!(log.entry(LogIndex(4)).map(|e| e.command), Some(13));
        assert_eq!(log.entry(LogIndex(3)), None);
        assert_eq!(log.slice_from(LogIndex(4), 10).len(), 2);
        assert_eq!(log.slice_from(LogIndex(6), 10).len(), 0);
        log.compact_to(LogIndex(5));
        assert_eq!(log.entries().len(), 0);
        assert_eq!(log.last_index(), LogIndex(5));
        assert_eq!(log.last_term(), Term(3));
    }

    #[test]
    #[should_panic(expected = "outside retained range")]
    fn log_compact_twice_to_same_index_panics() {
        let mut log = sample();
        log.compact_to(LogIndex(3));
        log.compact_to(LogIndex(3));
    }

    #[test]
    fn log_slice_respects_count_max() {
        let log = sample();
        let s = log.slice_from(LogIndex(2), 2);
        assert_eq!(
            s.iter().map(|e| e.command).collect::<Vec<_>>(),
            vec![11, 12]
        );
    }

    #[test]
    fn log_truncate_removes_suffix_only() {
        let mut log = sample();
        log.truncate_from(LogIndex(4));
        assert_eq!(log.last_index(), LogIndex(3));
        log.truncate_from(LogIndex(9));
        assert_eq!(log.last_index(), LogIndex(3));
        log.compact_to(LogIndex(2));
        log.truncate_from(LogIndex(3));
        assert_eq!(log.last_index(), LogIndex(2));
        assert_eq!(log.last_term(), Term(1));
    }

    #[test]
    #[should_panic(expected = "inside the snapshot")]
    fn log_truncate_into_snapshot_panics() {
        let mut log = sample();
        log.compact_to(LogIndex(2));
        log.truncate_from(LogIndex(2));
    }

    #[test]
    fn log_install_snapshot_keeps_matching_suffix() {
        let mut log = sample();
        log.install_snapshot(LogIndex(3), Term(2));
        assert_eq!(log.last_index(), LogIndex(5), "matching entry: suffix kept");
        let mut log = sample();
        log.install_snapshot(LogIndex(3), Term(9));
        assert_eq!(
            log.last_index(),
            LogIndex(3),
            "term mismatch: log discarded"
        );
        assert_eq!(log.last_term(), Term(9));
        let mut log = sample();
        log.install_snapshot(LogIndex(8), Term(4));
        assert_eq!(
            log.last_index(),
            LogIndex(8),
            "beyond the log: log discarded"
        );
        assert!(log.entries().is_empty());
    }

    #[test]
    fn log_term_hints() {
        let log = sample();
        assert_eq!(
            log.first_index_of_term_run(LogIndex(5), Term(3)),
            LogIndex(4)
        );
        assert_eq!(
            log.first_index_of_term_run(LogIndex(2), Term(1)),
            LogIndex(1)
        );
        assert_eq!(log.last_index_of_term(Term(1)), Some(LogIndex(2)));
        assert_eq!(log.last_index_of_term(Term(4)), None);
        let mut compacted = sample();
        compacted.compact_to(LogIndex(4));
        assert_eq!(
            compacted.first_index_of_term_run(LogIndex(5), Term(3)),
            LogIndex(5),
            "the run stops at the snapshot"
        );
    }

    #[test]
    fn log_up_to_date_table() {
        let log = sample(); // last = 5 / t3
        let table = [
            (5, 3, true),
            (6, 3, true),
            (4, 3, false),
            (1, 4, true),
            (9, 2, false),
        ];
        for (index, term, want) in table {
            assert_eq!(
                log.is_up_to_date(LogIndex(index), Term(term)),
                want,
                "candidate {index}/t{term}"
            );
        }
    }
}
