//! The replicated log: a snapshot point followed by the retained entries.
//!
//! This is the one place that converts global [`LogIndex`]es into positions in the
//! retained vector (lab 2D: "all index arithmetic through one place"). Everything else
//! speaks in global indices.
//!
//! Entries carry a command or a configuration (thesis §4.1: a configuration travels in
//! the log like a command). The service sees commands only, numbered from 1 without
//! gaps (the contract's command index), so the log also keeps, incrementally, how many
//! commands each entry closes (`commands`) and where the configurations are
//! (`configs`): a command's number, a number's entry, and the configuration in effect
//! are all found without scanning the log.

use raft_contract::{Configuration, LogIndex, Term};
use serde::{Deserialize, Serialize};

/// What an entry holds: a command for the service, or a configuration for Raft itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Payload<C> {
    /// The service's command. First, so that it encodes as tag 0.
    Command(C),
    /// A cluster configuration (§4.1), in effect at a server once the entry is in its
    /// log; never handed to the service.
    Config(Configuration),
}

/// One log entry: its payload and the term in which a leader received it (§5.3).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry<C> {
    /// The leader's term when the entry was created.
    pub term: Term,
    /// The service's command or a configuration.
    pub payload: Payload<C>,
}

impl<C> Entry<C> {
    /// An entry carrying a command.
    pub fn command(term: Term, command: C) -> Entry<C> {
        Entry {
            term,
            payload: Payload::Command(command),
        }
    }

    /// An entry carrying a configuration.
    pub fn config(term: Term, config: Configuration) -> Entry<C> {
        Entry {
            term,
            payload: Payload::Config(config),
        }
    }

    /// The command, if the entry carries one.
    pub fn as_command(&self) -> Option<&C> {
        match &self.payload {
            Payload::Command(c) => Some(c),
            Payload::Config(_) => None,
        }
    }

    /// The configuration, if the entry carries one.
    pub fn as_config(&self) -> Option<Configuration> {
        match &self.payload {
            Payload::Command(_) => None,
            Payload::Config(c) => Some(*c),
        }
    }
}

/// What the compacted prefix of the log amounts to (Figure 13's lastIncludedIndex and
/// lastIncludedTerm, plus what membership changes need): saved with the state and sent
/// with InstallSnapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotMeta {
    /// The last index covered (0 if none).
    pub index: LogIndex,
    /// The term of the entry at `index` (0 if none).
    pub term: Term,
    /// How many commands entries `1..=index` hold: the service's snapshot covers command
    /// indices `1..=commands`.
    pub commands: u64,
    /// The configuration in effect at `index`: the last configuration entry through
    /// it, or the boot configuration if there was none.
    pub config: Configuration,
    /// The index of the entry `config` came from (0: the boot configuration).
    pub config_index: LogIndex,
}

impl SnapshotMeta {
    /// The point before the first entry of a node booted with `config`.
    pub fn boot(config: Configuration) -> SnapshotMeta {
        SnapshotMeta {
            index: LogIndex(0),
            term: Term(0),
            commands: 0,
            config,
            config_index: LogIndex(0),
        }
    }
}

/// The log after compaction: everything through the snapshot point lives in the
/// snapshot (Figure 13's lastIncludedIndex/lastIncludedTerm), later entries are kept here.
#[derive(Clone, Debug)]
pub struct Log<C> {
    snapshot: SnapshotMeta,
    entries: Vec<Entry<C>>,
    /// `commands[p]`: how many commands entries `1..=` that of `entries[p]` hold. Grows
    /// and shrinks with `entries`; absolute, so compaction only drops a prefix.
    commands: Vec<u64>,
    /// The retained configuration entries, in index order.
    configs: Vec<(LogIndex, Configuration)>,
    /// Counts every change other than an append (truncation, compaction, installed
    /// snapshot), so that a cache of the encoded entries knows when it must start over.
    rewrites: u64,
}

impl<C: PartialEq> PartialEq for Log<C> {
    fn eq(&self, other: &Self) -> bool {
        self.snapshot == other.snapshot && self.entries == other.entries
    }
}

impl<C: Eq> Eq for Log<C> {}

impl<C: Clone> Log<C> {
    /// A log whose first retained entry has index `snapshot.index + 1`.
    pub fn new(snapshot: SnapshotMeta, entries: Vec<Entry<C>>) -> Log<C> {
        let mut log = Log {
            snapshot,
            entries: Vec::with_capacity(entries.len()),
            commands: Vec::with_capacity(entries.len()),
            configs: Vec::new(),
            rewrites: 0,
        };
        for entry in entries {
            log.push(entry);
        }
        log
    }

    /// The last index covered by the snapshot (0 if none).
    pub fn snapshot_index(&self) -> LogIndex {
        self.snapshot.index
    }

    /// The term of the entry at `snapshot_index` (0 if none).
    pub fn snapshot_term(&self) -> Term {
        self.snapshot.term
    }

    /// The snapshot point with its command count and configuration.
    pub fn snapshot(&self) -> &SnapshotMeta {
        &self.snapshot
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
        self.snapshot.index.plus(self.entries.len() as u64)
    }

    /// The term of the last entry (the snapshot term if no entry is retained).
    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(self.snapshot.term, |e| e.term)
    }

    /// The position of `index` in `entries`, if it is retained. The only conversion from
    /// global index to vector position in the crate.
    fn position(&self, index: LogIndex) -> Option<usize> {
        if index <= self.snapshot.index || index > self.last_index() {
            return None;
        }
        usize::try_from(index.0 - self.snapshot.index.0 - 1).ok()
    }

    /// The global index of position `p` in `entries`.
    fn index_at(&self, p: usize) -> LogIndex {
        self.snapshot.index.plus(p as u64 + 1)
    }

    /// The term of the entry at `index`: known for the snapshot point and for retained
    /// entries, `None` for compacted or missing ones.
    pub fn term_at(&self, index: LogIndex) -> Option<Term> {
        if index == self.snapshot.index {
            return Some(self.snapshot.term);
        }
        self.position(index).map(|p| self.entries[p].term)
    }

    /// The retained entry at `index`.
    pub fn entry(&self, index: LogIndex) -> Option<&Entry<C>> {
        self.position(index).map(|p| &self.entries[p])
    }

    /// How many commands entries `1..=index` hold: known for the snapshot point and for
    /// retained entries. For a command entry, its command index.
    pub fn commands_through(&self, index: LogIndex) -> Option<u64> {
        if index == self.snapshot.index {
            return Some(self.snapshot.commands);
        }
        self.position(index).map(|p| self.commands[p])
    }

    /// How many commands the whole log holds, snapshot included.
    pub fn last_commands(&self) -> u64 {
        self.commands
            .last()
            .copied()
            .unwrap_or(self.snapshot.commands)
    }

    /// The log index of the retained entry holding command number `command` (a binary
    /// search: the counts never decrease), `None` if it is compacted or not in the log.
    pub fn index_of_command(&self, command: u64) -> Option<LogIndex> {
        if command <= self.snapshot.commands || command > self.last_commands() {
            return None;
        }
        let p = self.commands.partition_point(|&c| c < command);
        assert!(
            self.entries[p].as_command().is_some() && self.commands[p] == command,
            "command {command} at position {p} is no command entry"
        );
        Some(self.index_at(p))
    }

    /// The configuration in effect with this log, and the index of its entry (0: the
    /// boot configuration): the last one in the log, committed or not (§4.1).
    pub fn config(&self) -> (LogIndex, Configuration) {
        self.configs
            .last()
            .copied()
            .unwrap_or((self.snapshot.config_index, self.snapshot.config))
    }

    /// The last configuration at or before `index` (at least the snapshot's), and the
    /// index of its entry.
    pub fn config_through(&self, index: LogIndex) -> (LogIndex, Configuration) {
        self.configs
            .iter()
            .rev()
            .find(|(at, _)| *at <= index)
            .copied()
            .unwrap_or((self.snapshot.config_index, self.snapshot.config))
    }

    /// Adds `entry` after the last one, with its command count and configuration.
    fn push(&mut self, entry: Entry<C>) {
        let before = self.last_commands();
        let index = self.last_index().next();
        match entry.payload {
            Payload::Command(_) => self.commands.push(before + 1),
            Payload::Config(config) => {
                self.commands.push(before);
                self.configs.push((index, config));
            }
        }
        self.entries.push(entry);
        assert_eq!(
            self.commands.len(),
            self.entries.len(),
            "a count for every entry through {index}"
        );
    }

    /// Copies of up to `count_max` entries starting at `from`, which must be retained or
    /// one past the end.
    ///
    /// # Panics
    /// If `from` is compacted or beyond `last_index + 1`.
    pub fn slice_from(&self, from: LogIndex, count_max: u64) -> Vec<Entry<C>> {
        assert!(
            from > self.snapshot.index,
            "slice from {from} is compacted (snapshot at {})",
            self.snapshot.index
        );
        assert!(
            from <= self.last_index().next(),
            "slice from {from} is beyond last index {}",
            self.last_index()
        );
        let start = (from.0 - self.snapshot.index.0 - 1) as usize;
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
        self.push(entry);
        self.last_index()
    }

    /// Removes every entry from `from` on (§5.3: "delete the existing entry and all that
    /// follow it"). A configuration among them goes with them: the log's configuration
    /// is again the one before (§4.1).
    ///
    /// # Panics
    /// If `from` is inside the snapshot (snapshotted entries are committed, and committed
    /// entries are never removed).
    pub fn truncate_from(&mut self, from: LogIndex) {
        assert!(
            from > self.snapshot.index,
            "truncate from {from} inside the snapshot at {}",
            self.snapshot.index
        );
        if let Some(p) = self.position(from) {
            self.entries.truncate(p);
            self.commands.truncate(p);
            while self.configs.last().is_some_and(|(at, _)| *at >= from) {
                self.configs.pop();
            }
            self.rewrites += 1;
        }
        assert!(
            self.last_index() < from,
            "truncate left {} >= {from}",
            self.last_index()
        );
        assert!(
            self.config().0 < from,
            "truncate from {from} kept the configuration of {}",
            self.config().0
        );
    }

    /// Discards every entry through `index`, which becomes the snapshot point (Figure 13,
    /// service-side compaction), with the command count and configuration there. The
    /// entry must be retained.
    ///
    /// # Panics
    /// If `index` is not a retained entry.
    pub fn compact_to(&mut self, index: LogIndex) {
        let term = self
            .term_at(index)
            .filter(|_| index > self.snapshot.index)
            .unwrap_or_else(|| {
                panic!(
                    "compact to {index} outside retained range ({}, {}]",
                    self.snapshot.index,
                    self.last_index()
                )
            });
        let commands = self.commands_through(index).expect("retained");
        let (config_index, config) = self.config_through(index);
        let keep_from = (index.0 - self.snapshot.index.0) as usize;
        self.entries.drain(..keep_from);
        self.commands.drain(..keep_from);
        self.configs.retain(|(at, _)| *at > index);
        self.rewrites += 1;
        self.snapshot = SnapshotMeta {
            index,
            term,
            commands,
            config,
            config_index,
        };
        assert!(
            self.last_index() >= index,
            "compaction lost the snapshot point"
        );
        assert_eq!(
            self.commands.len(),
            self.entries.len(),
            "compaction to {index} kept a count for every entry"
        );
    }

    /// Installs a snapshot received from a leader (Figure 13, steps 6-7): if an entry with
    /// the snapshot's index and term is retained, the entries after it are kept (and the
    /// log's own counts and configuration at that point, identical to the leader's:
    /// Log Matching); otherwise the whole log is discarded.
    ///
    /// # Panics
    /// If `snapshot.index` is not beyond the current snapshot (callers drop stale
    /// snapshots first).
    pub fn install_snapshot(&mut self, snapshot: SnapshotMeta) {
        let index = snapshot.index;
        assert!(
            index > self.snapshot.index,
            "install snapshot at {index} not beyond current {}",
            self.snapshot.index
        );
        if self.term_at(index) == Some(snapshot.term) {
            self.compact_to(index);
        } else {
            self.entries.clear();
            self.commands.clear();
            self.configs.clear();
            self.rewrites += 1;
            self.snapshot = snapshot;
        }
        assert_eq!(self.snapshot.term, snapshot.term, "install at {index}");
    }

    /// The first retained index holding `term`, scanning back from `from` while the term
    /// stays the same (the conflict-index hint of the fast log backup).
    pub fn first_index_of_term_run(&self, from: LogIndex, term: Term) -> LogIndex {
        let mut i = from;
        while i.prev() > self.snapshot.index && self.term_at(i.prev()) == Some(term) {
            i = i.prev();
        }
        i
    }

    /// The last retained index whose entry has `term`, if any (used by the leader to
    /// interpret a conflict-term hint).
    pub fn last_index_of_term(&self, term: Term) -> Option<LogIndex> {
        let p = self.entries.iter().rposition(|e| e.term == term)?;
        Some(self.index_at(p))
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
    use raft_contract::NodeSet;

    fn e(term: u64, command: u32) -> Entry<u32> {
        Entry::command(Term(term), command)
    }

    fn boot() -> SnapshotMeta {
        SnapshotMeta::boot(Configuration::all(3))
    }

    /// Terms of entries 1..: [1, 1, 2, 3, 3].
    fn sample() -> Log<u32> {
        Log::new(
            boot(),
            vec![e(1, 10), e(1, 11), e(2, 12), e(3, 13), e(3, 14)],
        )
    }

    /// Commands 1, config {n0,n1} at 2, commands 3, 4, config {n0} at 5, command 6.
    fn with_configs() -> Log<u32> {
        let two = Configuration::voters(NodeSet::first(2));
        let one = Configuration::voters(NodeSet::first(1));
        Log::new(
            boot(),
            vec![
                e(1, 10),
                Entry::config(Term(1), two),
                e(1, 11),
                e(2, 12),
                Entry::config(Term(2), one),
                e(2, 13),
            ],
        )
    }

    #[test]
    fn log_counts_commands_and_skips_configs() {
        let log = with_configs();
        let counts: Vec<Option<u64>> = (0..=7).map(|i| log.commands_through(LogIndex(i))).collect();
        assert_eq!(
            counts,
            vec![
                Some(0),
                Some(1),
                Some(1),
                Some(2),
                Some(3),
                Some(3),
                Some(4),
                None
            ]
        );
        let indices: Vec<Option<u64>> = (0..=5)
            .map(|c| log.index_of_command(c).map(|i| i.0))
            .collect();
        assert_eq!(
            indices,
            vec![None, Some(1), Some(3), Some(4), Some(6), None]
        );
        assert_eq!(log.last_commands(), 4);
    }

    #[test]
    fn log_config_is_the_last_in_the_log_and_reverts_on_truncation() {
        let mut log = with_configs();
        let one = Configuration::voters(NodeSet::first(1));
        let two = Configuration::voters(NodeSet::first(2));
        assert_eq!(log.config(), (LogIndex(5), one));
        assert_eq!(log.config_through(LogIndex(4)), (LogIndex(2), two));
        assert_eq!(
            log.config_through(LogIndex(1)),
            (LogIndex(0), Configuration::all(3))
        );
        log.truncate_from(LogIndex(5));
        assert_eq!(
            log.config(),
            (LogIndex(2), two),
            "reverted to the one before"
        );
        log.truncate_from(LogIndex(2));
        assert_eq!(
            log.config(),
            (LogIndex(0), Configuration::all(3)),
            "to the boot one"
        );
        assert_eq!(log.last_commands(), 1);
    }

    #[test]
    fn log_compaction_keeps_counts_and_config_in_the_snapshot() {
        let mut log = with_configs();
        let two = Configuration::voters(NodeSet::first(2));
        log.compact_to(LogIndex(3));
        let s = *log.snapshot();
        assert_eq!(
            (s.commands, s.config_index, s.config),
            (2, LogIndex(2), two)
        );
        assert_eq!(log.index_of_command(3), Some(LogIndex(4)));
        assert_eq!(log.index_of_command(2), None, "compacted");
        assert_eq!(log.commands_through(LogIndex(6)), Some(4));
        log.compact_to(LogIndex(6));
        assert_eq!(log.config().0, LogIndex(5));
        assert_eq!(log.snapshot().commands, 4);
        // An installed snapshot that matches nothing brings its own counts and config.
        let theirs = SnapshotMeta {
            index: LogIndex(9),
            term: Term(4),
            commands: 7,
            config: two,
            config_index: LogIndex(8),
        };
        log.install_snapshot(theirs);
        assert_eq!((log.last_commands(), log.config()), (7, (LogIndex(8), two)));
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
        assert_eq!(
            log.entry(LogIndex(4)).and_then(|e| e.as_command().copied()),
            Some(13)
        );
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
            s.iter()
                .filter_map(|e| e.as_command().copied())
                .collect::<Vec<_>>(),
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

    fn point(index: u64, term: u64) -> SnapshotMeta {
        SnapshotMeta {
            index: LogIndex(index),
            term: Term(term),
            commands: index,
            ..boot()
        }
    }

    #[test]
    fn log_install_snapshot_keeps_matching_suffix() {
        let mut log = sample();
        log.install_snapshot(point(3, 2));
        assert_eq!(log.last_index(), LogIndex(5), "matching entry: suffix kept");
        let mut log = sample();
        log.install_snapshot(point(3, 9));
        assert_eq!(
            log.last_index(),
            LogIndex(3),
            "term mismatch: log discarded"
        );
        assert_eq!(log.last_term(), Term(9));
        let mut log = sample();
        log.install_snapshot(point(8, 4));
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
