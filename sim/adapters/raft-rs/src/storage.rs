//! The node's stable storage as raft-rs reads it, and the command numbering.
//!
//! [`SimStorage`] implements raft-rs's [`Storage`] over what the node has saved: the
//! hard state, the configurations it applied ([`ConfLog`]), the snapshot point with the service's snapshot bytes,
//! and the entries after it. It is exactly what [`crate::persist`] writes to the
//! simulated disk, so a restarted node reads back the storage it had.
//!
//! It also keeps the contract's numbering. raft-rs logs a no-op entry at every election,
//! while the lab numbers *commands* 1, 2, 3 with no gaps. For every retained entry the
//! storage keeps how many command entries the log holds up to and including it,
//! counting from the very first entry (the snapshot point carries the count of the
//! compacted prefix), so translating in either direction is a lookup.

use crate::conf::{Conf, ConfLog};
use raft_contract::SharedBytes;
use raftrs::eraftpb::{ConfState, Entry, HardState, Snapshot, SnapshotMetadata};
use raftrs::{GetEntriesContext, RaftState, Storage, StorageError};
use serde::{Deserialize, Serialize};

/// The last entry a snapshot covers, in raft-rs's positions and in commands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SnapshotPoint {
    /// raft-rs's index of the last covered entry (0 before the first snapshot).
    pub(crate) index: u64,
    /// Its term.
    pub(crate) term: u64,
    /// How many command entries the log holds through `index`: the service's snapshot
    /// index in the contract's numbering.
    pub(crate) commands: u64,
}

/// What raft-rs has made stable, as raft-rs's [`Storage`].
#[derive(Clone, Debug)]
pub(crate) struct SimStorage {
    hard_state: HardState,
    confs: ConfLog,
    point: SnapshotPoint,
    /// The service's snapshot bytes at `point` (empty before the first snapshot).
    data: SharedBytes,
    /// The entries after `point`, consecutive.
    entries: Vec<Entry>,
    /// `commands[i]`: command entries through `entries[i]`, counted from the start.
    commands: Vec<u64>,
    /// Bumped whenever retained entries are removed or replaced (never by appending at
    /// the end), so an encoder can keep the encodings of a prefix that did not change.
    rewrites: u64,
}

impl SimStorage {
    /// The storage of a node with this saved state, `confs` the configurations it
    /// applied.
    ///
    /// # Panics
    /// If `entries` do not follow `point` consecutively (the decoder checks that first).
    pub(crate) fn new(
        hard_state: HardState,
        confs: ConfLog,
        point: SnapshotPoint,
        data: SharedBytes,
        entries: Vec<Entry>,
    ) -> SimStorage {
        let mut s = SimStorage {
            hard_state,
            confs,
            point,
            data,
            entries: Vec::new(),
            commands: Vec::new(),
            rewrites: 0,
        };
        s.append(&entries);
        s
    }

    /// The saved hard state (term, vote, commit).
    pub(crate) fn hard_state(&self) -> &HardState {
        &self.hard_state
    }

    /// Replaces the hard state.
    pub(crate) fn set_hard_state(&mut self, hs: HardState) {
        self.hard_state = hs;
    }

    /// Records a commit index that advanced without a new hard state.
    ///
    /// # Panics
    /// If `commit` goes backwards or beyond the entries held.
    pub(crate) fn set_commit(&mut self, commit: u64) {
        assert!(
            commit >= self.hard_state.commit,
            "commit goes back from {} to {commit}",
            self.hard_state.commit
        );
        assert!(
            commit <= self.last(),
            "commit {commit} beyond the last entry {}",
            self.last()
        );
        self.hard_state.commit = commit;
    }

    /// The configurations the node applied.
    pub(crate) fn confs(&self) -> &ConfLog {
        &self.confs
    }

    /// Records the configuration raft-rs switched to when the node applied the
    /// conf-change entry at `index`.
    ///
    /// # Panics
    /// If `index` is beyond the commit index or not after the last configuration.
    pub(crate) fn record_conf(&mut self, index: u64, conf: Conf) {
        assert!(
            index <= self.hard_state.commit,
            "configuration of entry {index} applied beyond commit {}",
            self.hard_state.commit
        );
        self.confs.record(index, conf);
    }

    /// The snapshot point.
    pub(crate) fn point(&self) -> SnapshotPoint {
        self.point
    }

    /// The service's snapshot bytes.
    pub(crate) fn data(&self) -> &SharedBytes {
        &self.data
    }

    /// The entries after the snapshot point.
    pub(crate) fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// How many times retained entries were removed or replaced.
    pub(crate) fn rewrites(&self) -> u64 {
        self.rewrites
    }

    /// raft-rs's index of the first retained entry.
    pub(crate) fn first(&self) -> u64 {
        self.point.index + 1
    }

    /// raft-rs's index of the last entry held (the snapshot point when none follow).
    pub(crate) fn last(&self) -> u64 {
        self.point.index + self.entries.len() as u64
    }

    /// Appends entries that raft-rs made stable, replacing any held from their first
    /// index on (a follower's log conflicting with its leader's, §5.3).
    ///
    /// # Panics
    /// If the entries would leave a gap or overwrite the snapshot, or are not
    /// consecutive: raft-rs never hands out such entries.
    pub(crate) fn append(&mut self, entries: &[Entry]) {
        let Some(head) = entries.first() else {
            return;
        };
        assert!(
            head.index > self.point.index && head.index <= self.last() + 1,
            "append at {} to a log of {}..={}",
            head.index,
            self.first(),
            self.last()
        );
        let keep = (head.index - self.first()) as usize;
        if keep < self.entries.len() {
            self.rewrites += 1;
        }
        self.entries.truncate(keep);
        self.commands.truncate(keep);
        let mut count = self.commands.last().copied().unwrap_or(self.point.commands);
        for e in entries {
            assert_eq!(
                e.index,
                self.last() + 1,
                "entries not consecutive at {}",
                e.index
            );
            count += u64::from(crate::entry::is_command(e));
            self.entries.push(e.clone());
            self.commands.push(count);
        }
    }

    /// Installs a snapshot received from the leader, with the configuration `conf` in
    /// force at its point (from entry `conf_index`): every entry held is dropped
    /// (raft-rs installs one only when its log does not hold the snapshot's last entry).
    pub(crate) fn install(&mut self, snapshot: Received, conf: Conf) {
        let Received {
            point,
            conf_index,
            data,
        } = snapshot;
        assert!(
            point.index >= self.point.index,
            "installing snapshot {} over snapshot {}",
            point.index,
            self.point.index
        );
        assert!(
            conf_index <= point.index,
            "snapshot at {} carries the configuration of entry {conf_index}",
            point.index
        );
        self.confs = ConfLog::new(conf_index, conf);
        self.point = point;
        self.data = data;
        self.rewrites += 1;
        self.entries.clear();
        self.commands.clear();
        self.hard_state.term = self.hard_state.term.max(point.term);
        self.hard_state.commit = self.hard_state.commit.max(point.index);
    }

    /// The service's snapshot through command `commands`: drops the entries through
    /// that command's entry, which becomes the snapshot point.
    ///
    /// # Errors
    /// A sentence when the command is not retained (already compacted, or beyond the
    /// log).
    pub(crate) fn compact(&mut self, commands: u64, data: SharedBytes) -> Result<u64, String> {
        let index = self.position_of(commands).ok_or_else(|| {
            format!(
                "command {commands} is not in the retained log (commands {}..={})",
                self.point.commands + 1,
                self.commands_through(self.last()).unwrap_or(0)
            )
        })?;
        assert!(
            index <= self.hard_state.commit,
            "compacting through {index} beyond commit {}",
            self.hard_state.commit
        );
        let drop = (index - self.point.index) as usize;
        let term = self.entries[drop - 1].term;
        self.rewrites += 1;
        self.entries.drain(..drop);
        self.commands.drain(..drop);
        self.point = SnapshotPoint {
            index,
            term,
            commands,
        };
        self.confs.compact(index);
        self.data = data;
        assert_eq!(self.first(), index + 1, "compaction through {index}");
        Ok(index)
    }

    /// How many command entries the log holds through raft-rs index `index`, if it is
    /// the snapshot point or a retained entry.
    pub(crate) fn commands_through(&self, index: u64) -> Option<u64> {
        if index == self.point.index {
            return Some(self.point.commands);
        }
        if index < self.first() || index > self.last() {
            return None;
        }
        Some(self.commands[(index - self.first()) as usize])
    }

    /// raft-rs's index of the retained entry that holds command number `commands`.
    pub(crate) fn position_of(&self, commands: u64) -> Option<u64> {
        if commands <= self.point.commands {
            return None;
        }
        // The counts never decrease; the first entry that reaches the number is the
        // command itself (the count grows only at command entries).
        let i = self.commands.partition_point(|&c| c < commands);
        (i < self.commands.len()).then(|| self.first() + i as u64)
    }

    /// The snapshot as raft-rs sends it: metadata with the configuration in force at
    /// the point, and data carrying the command count (and that configuration's entry
    /// index, if not the boot configuration) before the service's bytes (see
    /// [`wire_parts`]).
    fn wire_snapshot(&self) -> Snapshot {
        let (conf_index, conf) = &self.confs.at_point;
        let mut data = Vec::new();
        let written = if *conf_index == 0 {
            bincode::serde::encode_into_std_write(self.point.commands, &mut data, config())
        } else {
            data.push(CONF_INDEX_MARK);
            bincode::serde::encode_into_std_write(
                (self.point.commands, *conf_index),
                &mut data,
                config(),
            )
        };
        written.unwrap_or_else(|e| panic!("encoding a command count: {e}"));
        data.extend_from_slice(&self.data.contiguous());
        let mut meta = SnapshotMetadata {
            index: self.point.index,
            term: self.point.term,
            ..SnapshotMetadata::default()
        };
        meta.set_conf_state(ConfState::from(conf));
        let mut snapshot = Snapshot {
            data: data.into(),
            ..Snapshot::default()
        };
        snapshot.set_metadata(meta);
        snapshot
    }

    /// The configuration in use, as raft-rs starts from it.
    fn conf_state(&self) -> ConfState {
        ConfState::from(self.confs.current().1)
    }
}

/// The first byte of a snapshot's data when a configuration index follows the command
/// count: a byte that never starts a bincode varint (251 to 254 announce a wider
/// integer; 255 is unused), so a snapshot of a cluster that never changed
/// configuration is byte for byte what it was before membership changes existed.
const CONF_INDEX_MARK: u8 = 255;

/// What the adapter's data in a snapshot from a leader says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Received {
    /// The snapshot point.
    pub(crate) point: SnapshotPoint,
    /// The index of the entry the snapshot's configuration comes from.
    pub(crate) conf_index: u64,
    /// The service's bytes.
    pub(crate) data: SharedBytes,
}

/// The snapshot point, configuration index and service bytes of a snapshot received
/// from a leader.
///
/// # Errors
/// A sentence when the data does not start with a command count and a configuration
/// index no larger than the snapshot's index (a snapshot this adapter did not build).
pub(crate) fn wire_parts(snapshot: &Snapshot) -> Result<Received, String> {
    let meta = snapshot.get_metadata();
    let bad = |e| format!("snapshot at {}: command count: {e}", meta.index);
    let ((commands, conf_index), used) = match snapshot.data.split_first() {
        Some((&CONF_INDEX_MARK, rest)) => {
            let (pair, used): ((u64, u64), usize) =
                bincode::serde::decode_from_slice(rest, config()).map_err(bad)?;
            (pair, used + 1)
        }
        _ => {
            let (commands, used): (u64, usize) =
                bincode::serde::decode_from_slice(&snapshot.data, config()).map_err(bad)?;
            ((commands, 0), used)
        }
    };
    if commands > meta.index || conf_index > meta.index {
        return Err(format!(
            "snapshot at {} claims {commands} commands and a configuration from {conf_index}",
            meta.index
        ));
    }
    let point = SnapshotPoint {
        index: meta.index,
        term: meta.term,
        commands,
    };
    Ok(Received {
        point,
        conf_index,
        data: SharedBytes::from(snapshot.data[used..].to_vec()),
    })
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

impl Storage for SimStorage {
    fn initial_state(&self) -> raftrs::Result<RaftState> {
        Ok(RaftState::new(self.hard_state.clone(), self.conf_state()))
    }

    fn entries(
        &self,
        low: u64,
        high: u64,
        max_size: impl Into<Option<u64>>,
        _context: GetEntriesContext,
    ) -> raftrs::Result<Vec<Entry>> {
        if low < self.first() {
            return Err(raftrs::Error::Store(StorageError::Compacted));
        }
        assert!(
            low <= high && high <= self.last() + 1,
            "raft-rs asked for entries {low}..{high} of {}..={}",
            self.first(),
            self.last()
        );
        let lo = (low - self.first()) as usize;
        let hi = (high - self.first()) as usize;
        let mut entries = self.entries[lo..hi].to_vec();
        raftrs::util::limit_size(&mut entries, max_size.into());
        Ok(entries)
    }

    fn term(&self, idx: u64) -> raftrs::Result<u64> {
        if idx == self.point.index {
            return Ok(self.point.term);
        }
        if idx < self.first() {
            return Err(raftrs::Error::Store(StorageError::Compacted));
        }
        if idx > self.last() {
            return Err(raftrs::Error::Store(StorageError::Unavailable));
        }
        Ok(self.entries[(idx - self.first()) as usize].term)
    }

    fn first_index(&self) -> raftrs::Result<u64> {
        Ok(self.first())
    }

    fn last_index(&self) -> raftrs::Result<u64> {
        Ok(self.last())
    }

    /// The service's last snapshot. raft-rs asks only after it found the entries a
    /// follower needs compacted, so there is one; before the first it answers
    /// "temporarily unavailable", which makes raft-rs retry later.
    fn snapshot(&self, _request_index: u64, _to: u64) -> raftrs::Result<Snapshot> {
        if self.point.index == 0 {
            return Err(raftrs::Error::Store(
                StorageError::SnapshotTemporarilyUnavailable,
            ));
        }
        Ok(self.wire_snapshot())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::entry::test_entry as entry;

    /// A storage holding `entries`, all committed.
    fn storage(entries: &[Entry]) -> SimStorage {
        let hs = HardState {
            commit: entries.last().map_or(0, |e| e.index),
            ..HardState::default()
        };
        let point = SnapshotPoint::default();
        SimStorage::new(
            hs,
            ConfLog::new(
                0,
                Conf {
                    voters: vec![1, 2, 3],
                    ..Conf::default()
                },
            ),
            point,
            SharedBytes::new(),
            entries.to_vec(),
        )
    }

    #[test]
    fn storage_counts_commands_and_skips_no_ops() {
        // no-op, cmd, cmd, no-op, cmd
        let s = storage(&[
            entry(1, 1, false),
            entry(2, 1, true),
            entry(3, 1, true),
            entry(4, 2, false),
            entry(5, 2, true),
        ]);
        let counts: Vec<Option<u64>> = (0..=6).map(|i| s.commands_through(i)).collect();
        assert_eq!(
            counts,
            [Some(0), Some(0), Some(1), Some(2), Some(2), Some(3), None]
        );
        assert_eq!(
            [1, 2, 3, 4].map(|c| s.position_of(c)),
            [Some(2), Some(3), Some(5), None]
        );
    }

    #[test]
    fn storage_append_replaces_a_conflicting_suffix() {
        let mut s = storage(&[entry(1, 1, false), entry(2, 1, true), entry(3, 1, true)]);
        s.append(&[entry(3, 2, false), entry(4, 2, true)]);
        assert_eq!((s.last(), s.commands_through(4)), (4, Some(2)));
        assert_eq!(s.term(3), Ok(2));
    }

    #[test]
    fn storage_compact_keeps_numbering_and_refuses_old_commands() {
        let mut s = storage(&[
            entry(1, 1, false),
            entry(2, 1, true),
            entry(3, 2, false),
            entry(4, 2, true),
        ]);
        assert_eq!(s.compact(1, SharedBytes::from(vec![9])), Ok(2));
        assert_eq!((s.first(), s.point().commands, s.point().term), (3, 1, 1));
        assert_eq!(s.commands_through(4), Some(2));
        assert_eq!(s.position_of(2), Some(4));
        assert!(
            s.compact(1, SharedBytes::new()).is_err(),
            "already compacted"
        );
        assert!(s.compact(3, SharedBytes::new()).is_err(), "beyond the log");
        assert_eq!(
            Storage::entries(&s, 2, 4, None, GetEntriesContext::empty(false)),
            Err(raftrs::Error::Store(StorageError::Compacted))
        );
    }

    #[test]
    fn storage_snapshot_carries_the_command_count_on_the_wire() {
        let mut s = storage(&[entry(1, 1, false), entry(2, 1, true), entry(3, 1, true)]);
        assert_eq!(
            s.snapshot(0, 2),
            Err(raftrs::Error::Store(
                StorageError::SnapshotTemporarilyUnavailable
            ))
        );
        s.compact(2, SharedBytes::from(b"service".to_vec()))
            .expect("compacts");
        let snap = s.snapshot(0, 2).expect("a snapshot");
        let received = wire_parts(&snap).expect("decodes");
        assert_eq!(received.point, s.point());
        assert_eq!(received.data.to_vec(), b"service");
        let conf = Conf::from(snap.get_metadata().get_conf_state());
        assert_eq!((received.conf_index, &conf), (0, s.confs().current().1));
        let mut other = storage(&[]);
        other.install(received, conf);
        assert_eq!((other.last(), other.commands_through(3)), (3, Some(2)));
    }

    #[test]
    fn storage_snapshot_carries_the_configuration_at_its_point_not_the_latest() {
        let mut s = storage(&[
            entry(1, 1, false),
            entry(2, 1, true),
            entry(3, 1, false),
            entry(4, 1, true),
        ]);
        let four = Conf {
            voters: vec![1, 2, 3, 4],
            ..Conf::default()
        };
        s.record_conf(3, four.clone());
        s.compact(1, SharedBytes::new()).expect("compacts");
        let snap = s.snapshot(0, 2).expect("a snapshot");
        assert_eq!(snap.get_metadata().get_conf_state().voters, [1, 2, 3]);
        assert_eq!(wire_parts(&snap).map(|r| r.conf_index), Ok(0));
        assert_eq!(
            s.initial_state().map(|r| r.conf_state.voters),
            Ok(vec![1, 2, 3, 4])
        );
        s.compact(2, SharedBytes::new()).expect("compacts");
        let snap = s.snapshot(0, 2).expect("a snapshot");
        assert_eq!(Conf::from(snap.get_metadata().get_conf_state()), four);
        assert_eq!(wire_parts(&snap).map(|r| r.conf_index), Ok(3));
    }

    #[test]
    fn storage_wire_parts_rejects_a_foreign_snapshot() {
        let mut snap = Snapshot::default();
        snap.mut_metadata().index = 3;
        snap.data = bincode::serde::encode_to_vec(9u64, config())
            .expect("encodes")
            .into();
        assert!(wire_parts(&snap).is_err_and(|e| e.contains("claims 9")));
        let mut data = vec![CONF_INDEX_MARK];
        data.extend(bincode::serde::encode_to_vec((1u64, 4u64), config()).expect("encodes"));
        snap.data = data.into();
        assert!(wire_parts(&snap).is_err_and(|e| e.contains("from 4")));
        snap.data = vec![CONF_INDEX_MARK, 1].into();
        assert!(wire_parts(&snap).is_err_and(|e| e.contains("command count")));
        snap.data = Vec::new().into();
        assert!(wire_parts(&snap).is_err());
    }
}
