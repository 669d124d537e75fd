//! The node's disk: everything openraft asks its storage to keep, as raftsim's
//! [`Persisted`] holds it.
//!
//! openraft's log storage and state machine are both this one structure, shared by the
//! node and openraft's tasks. It is written the moment openraft calls (a storage call
//! is its own flush), and [`Disk::encode`] hands the whole of it to the driver in the
//! node's next `Ready`, before any message that call produced, so the contract's
//! save-then-send order holds: openraft sends a reply only once its flush completed.

use crate::types::{term_of, Entry, LogId, SnapshotData, StoredMembership, Vote};
use openraft::entry::RaftEntry;
// alpha.24 reads an entry's membership through this trait ([`crate::release`]).
#[cfg(feature = "openraft-alpha-24")]
use openraft::entry::RaftPayload;
use openraft::EntryPayload;
use raft_contract::{ChunkedLog, Configuration, Persisted, SharedBytes};
use serde::{Deserialize, Serialize};

/// An entry and the number of commands in the log through it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Stored {
    /// The entry as openraft wrote it.
    pub entry: Entry,
    /// Commands (normal entries) from the start of the log through this one: the
    /// contract's index of this entry's command, if it carries one.
    pub commands: u64,
}

/// The snapshot the service last handed over or the leader last installed, without its
/// bytes (they are the [`Persisted::snapshot`] part).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SnapshotPoint {
    /// The last entry the snapshot covers.
    pub last_log_id: LogId,
    /// The membership in effect at that entry.
    pub membership: StoredMembership,
    /// Commands through that entry.
    pub commands: u64,
}

/// What a node keeps across crashes.
#[derive(Clone, Debug)]
pub struct Disk {
    /// openraft's vote (term, candidate or leader, committed or not).
    pub vote: Option<Vote>,
    /// The last committed log id openraft saved (`save_committed`).
    pub committed: Option<LogId>,
    /// The last entry purged, and the commands through it.
    pub purged: Option<(LogId, u64)>,
    /// The retained entries, in index order, without gaps.
    pub entries: Vec<Stored>,
    /// The snapshot point, if any.
    pub snapshot: Option<SnapshotPoint>,
    /// The service's snapshot bytes (saved as [`Persisted::snapshot`], not in the
    /// encoded state).
    pub snapshot_data: Vec<u8>,
    /// How many times entries were removed (truncated or purged): the epoch of
    /// `encoded`.
    rewrites: u64,
    /// The entries' encodings, kept between saves, so that a save encodes only the
    /// entries appended since the last one: re-encoding the whole log at every save is
    /// quadratic over a run that never compacts (the lab's 3A tests).
    encoded: ChunkedLog,
}

/// The fields before the entries, then their number: bincode writes a sequence as its
/// length and then its elements, so this header followed by the encoded entries is byte
/// for byte the encoding of [`Saved`].
#[derive(Serialize)]
struct Header<'a> {
    vote: &'a Option<Vote>,
    committed: &'a Option<LogId>,
    purged: &'a Option<(LogId, u64)>,
    snapshot: &'a Option<SnapshotPoint>,
    entry_count: u64,
}

/// The saved state, decoded.
#[derive(Deserialize)]
struct Saved {
    vote: Option<Vote>,
    committed: Option<LogId>,
    purged: Option<(LogId, u64)>,
    snapshot: Option<SnapshotPoint>,
    entries: Vec<Stored>,
}

impl Disk {
    /// A fresh node's disk: its boot configuration as entry 0 of term 0, which every
    /// node of the first configuration holds, so no node needs `initialize()` (calling
    /// it on every node makes them all candidates at once, a split vote every time). A
    /// server added later boots with no configuration: an empty log, so that it waits,
    /// a learner, for a leader to send it the log.
    pub fn fresh(config: &Configuration) -> Disk {
        let entries = if config.voters.is_empty() {
            Vec::new()
        } else {
            let log_id = LogId::new_term_index(0, 0);
            let entry =
                Entry::new_membership(log_id, crate::membership::openraft_membership(config));
            vec![Stored { entry, commands: 0 }]
        };
        Disk {
            vote: None,
            committed: None,
            purged: None,
            entries,
            snapshot: None,
            snapshot_data: Vec::new(),
            rewrites: 0,
            encoded: ChunkedLog::default(),
        }
    }

    /// The disk a node saved, or a fresh one for empty state.
    ///
    /// # Errors
    /// When the state does not decode.
    pub fn decode(persisted: &Persisted, config: &Configuration) -> Result<Disk, String> {
        if persisted.raft_state.is_empty() {
            return Ok(Disk::fresh(config));
        }
        let bytes = persisted.raft_state.contiguous();
        let (saved, used): (Saved, usize) =
            bincode::serde::decode_from_slice(&bytes, bincode::config::standard()).map_err(
                |e| {
                    format!(
                        "openraft state of {} bytes does not decode: {e}",
                        bytes.len()
                    )
                },
            )?;
        if used != bytes.len() {
            return Err(format!(
                "{} trailing bytes after the openraft state",
                bytes.len() - used
            ));
        }
        let contiguous = saved
            .entries
            .windows(2)
            .all(|w| w[1].entry.log_id.index == w[0].entry.log_id.index + 1);
        if !contiguous {
            return Err("the saved entries have gaps".to_string());
        }
        Ok(Disk {
            vote: saved.vote,
            committed: saved.committed,
            purged: saved.purged,
            entries: saved.entries,
            snapshot: saved.snapshot,
            snapshot_data: persisted.snapshot.to_vec(),
            rewrites: 0,
            encoded: ChunkedLog::default(),
        })
    }

    /// Everything, as the driver saves it.
    ///
    /// # Panics
    /// If bincode cannot encode openraft's types, which only a broken `Serialize` can
    /// cause.
    pub fn encode(&mut self) -> Persisted {
        let config = bincode::config::standard();
        self.encoded
            .update(self.rewrites, &self.entries, |s, out: &mut Vec<u8>| {
                bincode::serde::encode_into_std_write(s, out, config)
                    .unwrap_or_else(|e| panic!("encoding openraft entry {}: {e}", s.entry.log_id));
            });
        let header = Header {
            vote: &self.vote,
            committed: &self.committed,
            purged: &self.purged,
            snapshot: &self.snapshot,
            entry_count: self.entries.len() as u64,
        };
        let header = bincode::serde::encode_to_vec(&header, config)
            .unwrap_or_else(|e| panic!("encoding openraft's state: {e}"));
        Persisted {
            raft_state: self.encoded.with_header(header),
            snapshot: SharedBytes::from(self.snapshot_data.clone()),
        }
    }

    /// The position of entry `index` in `entries`, if held.
    fn position(&self, index: u64) -> Option<usize> {
        let first = self.entries.first()?.entry.log_id.index;
        let at = usize::try_from(index.checked_sub(first)?).ok()?;
        (at < self.entries.len()).then_some(at)
    }

    /// The entry at `index`, if held.
    pub fn get(&self, index: u64) -> Option<&Stored> {
        self.position(index).map(|at| &self.entries[at])
    }

    /// The entries from `from` through `to` that are held (both ends included).
    pub fn range(&self, from: u64, to: u64) -> &[Stored] {
        let Some(first) = self.entries.first().map(|s| s.entry.log_id.index) else {
            return &[];
        };
        let lo = from.max(first) - first;
        let hi = (to.saturating_add(1))
            .saturating_sub(first)
            .min(self.entries.len() as u64);
        if lo >= hi {
            return &[];
        }
        &self.entries[lo as usize..hi as usize]
    }

    /// The last log id held: the last entry, else the last purged one.
    pub fn last_log_id(&self) -> Option<LogId> {
        match self.entries.last() {
            Some(s) => Some(s.entry.log_id()),
            None => self.purged.as_ref().map(|(id, _)| *id),
        }
    }

    /// Commands in the log through `index`, if the disk knows (the entry is held, or
    /// it is the purge or snapshot point).
    pub fn commands_through(&self, index: u64) -> Option<u64> {
        if let Some(s) = self.get(index) {
            return Some(s.commands);
        }
        if let Some((id, commands)) = &self.purged {
            if id.index == index {
                return Some(*commands);
            }
        }
        match &self.snapshot {
            Some(p) if p.last_log_id.index == index => Some(p.commands),
            _ => None,
        }
    }

    /// Appends one entry (replacing any at its index: openraft truncates first).
    ///
    /// # Panics
    /// If the entry before it is unknown: openraft appends right after its last entry
    /// or its snapshot, so the count it continues is always there.
    pub fn append(&mut self, entry: Entry) {
        let index = entry.log_id().index;
        let before = match index.checked_sub(1) {
            None => 0,
            Some(prev) => self.commands_through(prev).unwrap_or_else(|| {
                panic!("openraft appended entry {index} after an entry the disk does not know")
            }),
        };
        let command = matches!(entry.payload, EntryPayload::Normal(_));
        let commands = before + u64::from(command);
        if let Some(last) = self.entries.last() {
            let next = last.entry.log_id.index + 1;
            assert!(
                index <= next,
                "openraft appended entry {index} after {}, leaving a gap",
                next - 1
            );
            if index < next {
                self.truncate_after(index.checked_sub(1));
            }
        }
        self.entries.push(Stored { entry, commands });
    }

    /// Removes every entry after index `last` (all of them for `None`).
    pub fn truncate_after(&mut self, last: Option<u64>) {
        let Some(first) = self.entries.first().map(|s| s.entry.log_id.index) else {
            return;
        };
        let keep = last.map_or(0, |l| (l + 1).saturating_sub(first)) as usize;
        if keep < self.entries.len() {
            self.entries.truncate(keep);
            self.rewrites += 1;
        }
    }

    /// Removes every entry through `upto`, remembering it and its command count.
    ///
    /// # Panics
    /// If the count at `upto` is unknown.
    pub fn purge(&mut self, upto: LogId) {
        let commands = self.commands_through(upto.index).unwrap_or_else(|| {
            panic!("openraft purged through {upto}, which the disk does not know")
        });
        let gone = self
            .entries
            .partition_point(|s| s.entry.log_id.index <= upto.index);
        if gone > 0 {
            self.entries.drain(..gone);
            self.rewrites += 1;
        }
        self.purged = Some((upto, commands));
    }

    /// The membership in effect at `index`: the last membership entry at or before it,
    /// else the snapshot's.
    pub fn membership_at(&self, index: u64) -> Option<StoredMembership> {
        let logged = self.range(0, index).iter().rev().find_map(|s| {
            s.entry
                .get_membership()
                .map(|m| StoredMembership::new(Some(s.entry.log_id()), m))
        });
        logged.or_else(|| self.snapshot.as_ref().map(|p| p.membership.clone()))
    }

    /// The snapshot as openraft reads it back, if there is one.
    pub fn current_snapshot(&self) -> Option<crate::types::Snapshot> {
        let point = self.snapshot.as_ref()?;
        Some(crate::types::Snapshot {
            meta: crate::release::snapshot_meta(point.last_log_id, point.membership.clone()),
            snapshot: SnapshotData {
                commands: point.commands,
                data: self.snapshot_data.clone(),
            },
        })
    }

    /// The first index the log accounts for: the snapshot point, or the first entry.
    pub fn first_index(&self) -> u64 {
        let first_entry = self.entries.first().map(|s| s.entry.log_id.index);
        match (&self.snapshot, first_entry) {
            (Some(p), Some(i)) => p.last_log_id.index.min(i),
            (Some(p), None) => p.last_log_id.index,
            (None, Some(i)) => i,
            (None, None) => self.purged.as_ref().map_or(0, |(id, _)| id.index),
        }
    }

    /// The term of the entry at `index`, if held (the snapshot point included).
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if let Some(s) = self.get(index) {
            return Some(term_of(&s.entry.log_id()));
        }
        match &self.snapshot {
            Some(p) if p.last_log_id.index == index => Some(term_of(&p.last_log_id)),
            _ => None,
        }
    }
}
