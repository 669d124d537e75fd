//! The node's durable state on the simulated disk, and its encoding.
//!
//! `raft_state` holds raft-rs's `HardState` (term, vote, commit), the voters of its
//! `ConfState`, the snapshot point (raft-rs index and term, and the command count that
//! keeps the contract's numbering across restarts) and the retained entries, each as its
//! term and data (indices follow the snapshot point, entry types are all normal). It is
//! encoded with bincode 2 (standard config), like raftsim's own Raft. The service's
//! snapshot bytes are the contract's `snapshot` part, stored beside it unchanged, so
//! the lab's `RaftStateSize` counts exactly the state above.

use crate::storage::{SimStorage, SnapshotPoint};
use raft_contract::{Persisted, SharedBytes};
use raftrs::eraftpb::{Entry, HardState};
use serde::{Deserialize, Serialize, Serializer};

/// One retained entry on disk: its term and data (its index follows from its place).
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

/// The disk layout, borrowed for encoding.
#[derive(Serialize)]
struct StateRef<'a> {
    term: u64,
    vote: u64,
    commit: u64,
    voters: &'a [u64],
    point: SnapshotPoint,
    entries: Vec<EntryRef<'a>>,
}

/// The disk layout, owned for decoding (field for field as [`StateRef`]).
#[derive(Deserialize)]
struct State {
    term: u64,
    vote: u64,
    commit: u64,
    voters: Vec<u64>,
    point: SnapshotPoint,
    entries: Vec<(u64, Vec<u8>)>,
}

/// The complete durable state of `storage`, as the contract saves it.
///
/// # Panics
/// If bincode cannot encode integers and byte strings, which does not happen.
pub(crate) fn encode(storage: &SimStorage) -> Persisted {
    let hs = storage.hard_state();
    let state = StateRef {
        term: hs.term,
        vote: hs.vote,
        commit: hs.commit,
        voters: storage.voters(),
        point: storage.point(),
        entries: storage
            .entries()
            .iter()
            .map(|e| EntryRef {
                term: e.term,
                data: Bytes(&e.data),
            })
            .collect(),
    };
    let bytes = bincode::serde::encode_to_vec(&state, bincode::config::standard())
        .unwrap_or_else(|e| panic!("encoding raft-rs state at term {}: {e}", hs.term));
    Persisted {
        raft_state: SharedBytes::from(bytes),
        snapshot: storage.data().clone(),
    }
}

/// Rebuilds the storage of node `id` (a raft-rs id) of a cluster of `peers` from what
/// it saved; empty bytes are a fresh node's.
///
/// # Errors
/// A sentence naming what is wrong when the bytes do not decode, have trailing bytes,
/// or describe an impossible state (another cluster, a vote for a stranger, terms going
/// back, a commit outside the log, entry data the adapter never writes).
pub(crate) fn decode(persisted: &Persisted, peers: usize) -> Result<SimStorage, String> {
    let voters: Vec<u64> = (1..=peers as u64).collect();
    let bytes = persisted.raft_state.contiguous();
    if bytes.is_empty() {
        return Ok(SimStorage::new(
            HardState::default(),
            voters,
            SnapshotPoint::default(),
            persisted.snapshot.clone(),
            Vec::new(),
        ));
    }
    let (state, used): (State, usize) =
        bincode::serde::decode_from_slice(&bytes, bincode::config::standard())
            .map_err(|e| format!("raft state of {} bytes: {e}", bytes.len()))?;
    if used != bytes.len() {
        return Err(format!(
            "{} trailing bytes after the raft state",
            bytes.len() - used
        ));
    }
    if state.voters != voters {
        return Err(format!(
            "saved voters {:?}, but the cluster is {voters:?}",
            state.voters
        ));
    }
    let entries = validate(&state, peers)?;
    let hs = HardState {
        term: state.term,
        vote: state.vote,
        commit: state.commit,
        ..HardState::default()
    };
    Ok(SimStorage::new(
        hs,
        voters,
        state.point,
        persisted.snapshot.clone(),
        entries,
    ))
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
        if data
            .first()
            .is_some_and(|&b| b != crate::entry::COMMAND_TAG)
        {
            return Err(format!(
                "entry {index}: data is neither a no-op nor a command"
            ));
        }
        previous = *term;
        entries.push(Entry {
            index,
            term: *term,
            data: data.clone().into(),
            ..Entry::default()
        });
    }
    let last = point.index + entries.len() as u64;
    if state.commit < point.index || state.commit > last {
        return Err(format!(
            "commit {} outside the log {}..={last}",
            state.commit, point.index
        ));
    }
    Ok(entries)
}

#[cfg(test)]
mod tests {
    use super::*;

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
        SimStorage::new(
            hs,
            vec![1, 2, 3],
            point,
            SharedBytes::from(vec![1, 2]),
            entries,
        )
    }

    #[test]
    fn persist_round_trips_the_storage() {
        let s = saved();
        let p = encode(&s);
        assert_eq!(p.snapshot, vec![1u8, 2]);
        let back = decode(&p, 3).expect("decodes");
        assert_eq!(back.hard_state(), s.hard_state());
        assert_eq!(back.point(), s.point());
        assert_eq!(back.entries(), s.entries());
        assert_eq!(back.commands_through(7), Some(4));
        assert_eq!(encode(&back), p, "re-encoding gives the same bytes");
    }

    #[test]
    fn persist_empty_state_is_a_fresh_node() {
        let s = decode(&Persisted::default(), 5).expect("fresh");
        assert_eq!((s.last(), s.voters().len()), (0, 5));
    }

    #[test]
    fn persist_rejects_damaged_or_foreign_state() {
        let p = encode(&saved());
        let mut bytes = p.raft_state.to_vec();
        assert!(decode(&p, 5).is_err_and(|e| e.contains("voters")));
        bytes.push(0);
        let trailing = Persisted {
            raft_state: bytes.clone().into(),
            snapshot: p.snapshot.clone(),
        };
        assert!(decode(&trailing, 3).is_err_and(|e| e.contains("trailing")));
        bytes.truncate(bytes.len() / 2);
        let cut = Persisted {
            raft_state: bytes.into(),
            snapshot: SharedBytes::new(),
        };
        assert!(decode(&cut, 3).is_err_and(|e| e.contains("raft state of")));
    }

    #[test]
    fn persist_rejects_impossible_states() {
        type Damage = fn(&mut State);
        let cases: [(Damage, &str); 4] = [
            (|s| s.vote = 9, "outside the cluster"),
            (|s| s.commit = 99, "commit 99 outside"),
            (|s| s.entries[1].0 = 1, "has term 1 after term 2"),
            (|s| s.entries[0].1 = vec![7], "neither a no-op"),
        ];
        for (damage, why) in cases {
            let p = encode(&saved());
            let (mut state, _): (State, usize) = bincode::serde::decode_from_slice(
                &p.raft_state.to_vec(),
                bincode::config::standard(),
            )
            .expect("decodes");
            damage(&mut state);
            let err = validate(&state, 3).expect_err(why);
            assert!(err.contains(why), "{err} should say {why}");
        }
    }
}
