//! The node's durable state on the simulated disk, and its encoding.
//!
//! `raft_state` holds raft-rs's `HardState` (term, vote, commit), the voters of the
//! configuration in use, the snapshot point (raft-rs index and term, and the command
//! count that keeps the contract's numbering across restarts) and the retained
//! entries, each as its term and data (indices follow the snapshot point; a
//! conf change's data carries a tag byte, see [`crate::entry::disk_data`]), then, once
//! the configuration is other than the voters the node booted with, the configurations
//! it applied ([`ConfLog`]: the one in force at the snapshot point and those applied
//! after it, each with its entry's index). A node that never changed configuration
//! thus saves byte for byte what it saved before membership changes existed, and the
//! traces of fixed clusters keep their sizes. It is
//! encoded with bincode 2 (standard config), like raftsim's own Raft. The service's
//! snapshot bytes are the contract's `snapshot` part, stored beside it unchanged, so
//! the lab's `RaftStateSize` counts exactly the state above. [`EncodedLog`] keeps the
//! entries' encodings between saves.

use crate::conf::{Conf, ConfLog};
use crate::storage::{SimStorage, SnapshotPoint};
use raft_contract::{ChunkedLog, Persisted, SharedBytes};
use raftrs::eraftpb::{Entry, HardState};
use serde::{Deserialize, Serialize, Serializer};
use std::sync::Arc;

/// One retained entry on disk: its term and data ([`crate::entry::disk_data`]; its
/// index follows from its place).
#[derive(Serialize)]
struct EntryRef<'a> {
    term: u64,
    data: Bytes<'a>,
}

/// Entry data written as one byte string (bincode: its length, then the bytes), which
/// reads back as a `Vec<u8>`.
struct Bytes<'a>(&'a [u8]);

impl Serialize for Bytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(self.0)
    }
}

/// The fields before the entries, then the number of entries: bincode writes a
/// sequence as its length followed by its elements, so this header followed by the
/// encoded entries is byte for byte the encoding of [`State`].
#[derive(Serialize)]
struct HeaderRef<'a> {
    term: u64,
    vote: u64,
    commit: u64,
    voters: &'a [u64],
    point: SnapshotPoint,
    entry_count: u64,
}

/// The disk layout, decoded.
#[derive(Deserialize)]
struct State {
    term: u64,
    vote: u64,
    commit: u64,
    voters: Vec<u64>,
    point: SnapshotPoint,
    entries: Vec<(u64, Vec<u8>)>,
    /// Read after the rest, when present (see the module's docs).
    #[serde(skip)]
    confs: ConfLog,
}

/// The configurations a node with `voters` in use saved, when the disk holds none:
/// its boot voters, in force since boot.
fn boot_confs(voters: &[u64]) -> ConfLog {
    ConfLog::new(
        0,
        Conf {
            voters: voters.to_vec(),
            ..Conf::default()
        },
    )
}

/// The encodings of the retained entries, kept between saves so that a save encodes
/// only the entries appended since the last one: re-encoding the whole log at every
/// save is quadratic over a run whose log is never compacted (the lab's 3A tests log
/// tens of thousands of entries). The chunks are the contract's [`ChunkedLog`]; the
/// log's epoch is the storage's rewrite count (a conflicting suffix replaced, a
/// compaction, an installed snapshot).
#[derive(Clone, Debug, Default)]
pub(crate) struct EncodedLog {
    entries: ChunkedLog,
}

impl EncodedLog {
    /// The complete durable state of `storage`, as the contract saves it.
    ///
    /// # Panics
    /// If bincode cannot encode integers and byte strings, which does not happen.
    pub(crate) fn encode(&mut self, storage: &SimStorage) -> Persisted {
        let entries = storage.entries();
        self.entries
            .update(storage.rewrites(), entries, |e, out: &mut Vec<u8>| {
                let data = crate::entry::disk_data(e);
                let entry = EntryRef {
                    term: e.term,
                    data: Bytes(&data),
                };
                bincode::serde::encode_into_std_write(&entry, out, config())
                    .unwrap_or_else(|err| panic!("encoding entry {}: {err}", e.index));
            });
        assert_eq!(
            self.entries.len(),
            entries.len(),
            "every retained entry is encoded"
        );
        let hs = storage.hard_state();
        let confs = storage.confs();
        let voters = &confs.current().1.voters;
        let header = HeaderRef {
            term: hs.term,
            vote: hs.vote,
            commit: hs.commit,
            voters,
            point: storage.point(),
            entry_count: entries.len() as u64,
        };
        let header = bincode::serde::encode_to_vec(&header, config())
            .unwrap_or_else(|e| panic!("encoding raft-rs state at term {}: {e}", hs.term));
        let mut raft_state = self.entries.with_header(header);
        if *confs != boot_confs(voters) {
            let trailer = bincode::serde::encode_to_vec(confs, config())
                .unwrap_or_else(|e| panic!("encoding configurations {confs:?}: {e}"));
            let chunks = raft_state.into_chunks().into_iter();
            raft_state = SharedBytes::from_chunks(chunks.chain([Arc::new(trailer)]));
        }
        Persisted {
            raft_state,
            snapshot: storage.data().clone(),
        }
    }
}

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Rebuilds the storage of a node of a cluster of `peers` slots from what it saved;
/// empty bytes are a fresh node's, which starts with the configuration `boot`.
///
/// # Errors
/// A sentence naming what is wrong when the bytes do not decode, have trailing bytes,
/// or describe an impossible state (a configuration or a vote naming a stranger,
/// terms going back, a commit outside the log, a configuration applied beyond the
/// commit, entry data neither the adapter nor raft-rs writes).
pub(crate) fn decode(
    persisted: &Persisted,
    peers: usize,
    boot: Conf,
) -> Result<SimStorage, String> {
    let bytes = persisted.raft_state.contiguous();
    if bytes.is_empty() {
        return Ok(SimStorage::new(
            HardState::default(),
            ConfLog::new(0, boot),
            SnapshotPoint::default(),
            persisted.snapshot.clone(),
            Vec::new(),
        ));
    }
    let state = parse(&bytes)?;
    let entries = validate(&state, peers)?;
    let hs = HardState {
        term: state.term,
        vote: state.vote,
        commit: state.commit,
        ..HardState::default()
    };
    Ok(SimStorage::new(
        hs,
        state.confs,
        state.point,
        persisted.snapshot.clone(),
        entries,
    ))
}

/// The state in `bytes`, the configurations' trailer included when present.
fn parse(bytes: &[u8]) -> Result<State, String> {
    let (mut state, used): (State, usize) = bincode::serde::decode_from_slice(bytes, config())
        .map_err(|e| format!("raft state of {} bytes: {e}", bytes.len()))?;
    state.confs = boot_confs(&state.voters);
    if used != bytes.len() {
        let rest = &bytes[used..];
        let (confs, read): (ConfLog, usize) = bincode::serde::decode_from_slice(rest, config())
            .map_err(|e| format!("configurations in the last {} bytes: {e}", rest.len()))?;
        if read != rest.len() {
            return Err(format!(
                "{} trailing bytes after the raft state",
                rest.len() - read
            ));
        }
        state.confs = confs;
    }
    Ok(state)
}

/// Checks the decoded state and builds its entries.
fn validate(state: &State, peers: usize) -> Result<Vec<Entry>, String> {
    if state.vote > peers as u64 {
        return Err(format!("vote for {} outside the cluster", state.vote));
    }
    let point = state.point;
    if point.commands > point.index || point.term > state.term {
        return Err(format!(
            "snapshot point {}/t{} with {} commands at term {}",
            point.index, point.term, point.commands, state.term
        ));
    }
    let mut entries = Vec::with_capacity(state.entries.len());
    let mut previous = point.term;
    for (k, (term, data)) in state.entries.iter().enumerate() {
        let index = point.index + 1 + k as u64;
        if *term < previous || *term > state.term {
            return Err(format!(
                "entry {index} has term {term} after term {previous}, current term {}",
                state.term
            ));
        }
        previous = *term;
        entries.push(crate::entry::from_disk(index, *term, data)?);
    }
    let last = point.index + entries.len() as u64;
    if state.commit < point.index || state.commit > last {
        return Err(format!(
            "commit {} outside the log {}..={last}",
            state.commit, point.index
        ));
    }
    if state.confs.current().1.voters != state.voters {
        return Err(format!(
            "saved voters {:?}, but the configuration in use has {:?}",
            state.voters,
            state.confs.current().1.voters
        ));
    }
    validate_confs(&state.confs, point.index, state.commit, peers)?;
    Ok(entries)
}

/// Checks the configurations: every id a slot of the cluster, the one at the snapshot
/// point from an entry at or before it, the others applied after it, in order, and
/// committed.
fn validate_confs(confs: &ConfLog, point: u64, commit: u64, peers: usize) -> Result<(), String> {
    let all = std::iter::once(&confs.at_point).chain(&confs.after);
    for (index, conf) in all {
        if let Some(id) = conf.ids().find(|&id| id == 0 || id > peers as u64) {
            return Err(format!(
                "configuration of entry {index} names raft-rs id {id}, outside the cluster"
            ));
        }
    }
    if confs.at_point.0 > point {
        return Err(format!(
            "configuration of entry {} in force at snapshot point {point}",
            confs.at_point.0
        ));
    }
    let mut previous = point;
    for (index, _) in &confs.after {
        if *index <= previous || *index > commit {
            return Err(format!(
                "configuration of entry {index} applied after {previous}, commit {commit}"
            ));
        }
        previous = *index;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::test_entry;
    use raft_contract::SharedBytes;

    fn encode(s: &SimStorage) -> Persisted {
        EncodedLog::default().encode(s)
    }

    #[test]
    fn persist_cache_encodes_as_a_fresh_encoder_does() {
        let mut s = saved();
        let mut cache = EncodedLog::default();
        let mut steps = 0;
        let mut check = |s: &SimStorage, cache: &mut EncodedLog| {
            assert_eq!(cache.encode(s), encode(s), "after step {steps}");
            assert_eq!(
                decode(&cache.encode(s), 3, Conf::default()).map(|d| d.last()),
                Ok(s.last())
            );
            steps += 1;
        };
        check(&s, &mut cache);
        for index in 8..200 {
            s.append(&[test_entry(index, 3, index % 3 != 0)]);
            check(&s, &mut cache);
        }
        s.append(&[test_entry(150, 3, false), test_entry(151, 3, true)]);
        check(&s, &mut cache);
        s.set_commit(120);
        s.compact(40, SharedBytes::from(vec![4])).expect("compacts");
        check(&s, &mut cache);
    }

    fn saved() -> SimStorage {
        let hs = HardState {
            term: 3,
            vote: 2,
            commit: 5,
            ..HardState::default()
        };
        let entries = [(5, 2, false), (6, 2, true), (7, 3, false)]
            .map(|(index, term, command)| crate::entry::test_entry(index, term, command))
            .to_vec();
        let point = SnapshotPoint {
            index: 4,
            term: 1,
            commands: 3,
        };
        let three = Conf {
            voters: vec![1, 2, 3],
            ..Conf::default()
        };
        let mut confs = ConfLog::new(0, three);
        let learner = Conf {
            voters: vec![1, 2],
            learners: vec![3],
            ..Conf::default()
        };
        confs.after.push((5, learner));
        SimStorage::new(hs, confs, point, SharedBytes::from(vec![1, 2]), entries)
    }

    #[test]
    fn persist_round_trips_the_storage() {
        let s = saved();
        let p = encode(&s);
        assert_eq!(p.snapshot, vec![1u8, 2]);
        let back = decode(&p, 3, Conf::default()).expect("decodes");
        assert_eq!(back.hard_state(), s.hard_state());
        assert_eq!(back.confs(), s.confs());
        assert_eq!(back.point(), s.point());
        assert_eq!(back.entries(), s.entries());
        assert_eq!(back.commands_through(7), Some(4));
        assert_eq!(encode(&back), p, "re-encoding gives the same bytes");
    }

    /// A node that never changed configuration saves what the adapter saved before
    /// membership changes (no configurations' trailer, untagged entries), so traces of
    /// fixed clusters keep their sizes.
    #[test]
    fn persist_fixed_configuration_saves_the_format_before_membership() {
        let saved = saved();
        let hs = HardState {
            commit: 6,
            ..saved.hard_state().clone()
        };
        let confs = boot_confs(&[1, 2, 3]);
        let entries = saved.entries().to_vec();
        let s = SimStorage::new(hs, confs, saved.point(), SharedBytes::new(), entries);
        let before = (
            (3u64, 2u64, 6u64, vec![1u64, 2, 3]),
            s.point(),
            s.entries()
                .iter()
                .map(|e| (e.term, e.data.to_vec()))
                .collect::<Vec<_>>(),
        );
        let bytes = bincode::serde::encode_to_vec(before, config()).expect("encodes");
        assert_eq!(encode(&s).raft_state.to_vec(), bytes);
        let mut changed = s.clone();
        changed.set_commit(7);
        changed.record_conf(7, Conf::default());
        assert!(encode(&changed).raft_state.len() > bytes.len(), "a trailer");
    }

    #[test]
    fn persist_empty_state_is_a_fresh_node() {
        let boot = Conf {
            voters: vec![1, 2, 3],
            ..Conf::default()
        };
        let s = decode(&Persisted::default(), 5, boot.clone()).expect("fresh");
        assert_eq!((s.last(), s.confs().current()), (0, (0, &boot)));
    }

    #[test]
    fn persist_rejects_damaged_or_foreign_state() {
        let p = encode(&saved());
        let mut bytes = p.raft_state.to_vec();
        bytes.push(0);
        let trailing = Persisted {
            raft_state: bytes.clone().into(),
            snapshot: p.snapshot.clone(),
        };
        assert!(decode(&trailing, 3, Conf::default()).is_err_and(|e| e.contains("trailing")));
        let state_cut = bytes.len() / 2;
        let mut damaged_trailer = bytes.clone();
        damaged_trailer.truncate(bytes.len() - 3);
        let damaged_trailer = Persisted {
            raft_state: damaged_trailer.into(),
            snapshot: SharedBytes::new(),
        };
        assert!(decode(&damaged_trailer, 3, Conf::default())
            .is_err_and(|e| e.contains("configurations in the last")));
        bytes.truncate(state_cut / 2);
        let cut = Persisted {
            raft_state: bytes.into(),
            snapshot: SharedBytes::new(),
        };
        assert!(decode(&cut, 3, Conf::default()).is_err_and(|e| e.contains("raft state of")));
    }

    #[test]
    fn persist_rejects_impossible_states() {
        type Damage = fn(&mut State);
        let cases: [(Damage, &str); 9] = [
            (|s| s.vote = 9, "outside the cluster"),
            (|s| s.commit = 99, "commit 99 outside"),
            (|s| s.entries[1].0 = 1, "has term 1 after term 2"),
            (|s| s.entries[0].1 = vec![7], "neither a no-op"),
            (
                |s| s.voters = vec![1, 2, 3],
                "configuration in use has [1, 2]",
            ),
            (|s| s.confs.at_point.1.voters.push(4), "names raft-rs id 4"),
            (|s| s.confs.at_point.0 = 5, "in force at snapshot point 4"),
            (
                |s| s.confs.after[0].0 = 6,
                "entry 6 applied after 4, commit 5",
            ),
            (|s| s.confs.after[0].0 = 4, "entry 4 applied after 4"),
        ];
        for (damage, why) in cases {
            let p = encode(&saved());
            let mut state = parse(&p.raft_state.to_vec()).expect("decodes");
            damage(&mut state);
            let err = validate(&state, 3).expect_err(why);
            assert!(err.contains(why), "{err} should say {why}");
        }
    }
}
