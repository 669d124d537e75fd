//! The service snapshot (lab 3B): the index it reflects, the map and the sessions,
//! encoded with bincode 2 (standard config: varint integers, length-prefixed strings).
//!
//! The index is stored with the state because a restarted server must know where its
//! state stands without asking Raft: the contract's apply indices need not be the Raft
//! implementation's own log positions (an implementation that logs no-op entries counts
//! them in its log, not in the apply stream). For TestSnapshotSize's single client (map
//! `{x: "1"}`, one session) the encoding is about a dozen bytes, far below the 500
//! allowed.

use crate::error::{Error, Result};
use crate::session::Sessions;
use crate::store::Store;
use raft_contract::LogIndex;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The decoded snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
pub struct Snapshot {
    /// The last log (apply) index whose command the state reflects.
    pub index: LogIndex,
    /// The key/value map.
    pub store: Store,
    /// The exactly-once table.
    pub sessions: Sessions,
}

/// The borrowed twin of [`Snapshot`], so encoding copies nothing.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    index: LogIndex,
    store: &'a Store,
    sessions: &'a Sessions,
}

/// Encodes the state through `index`: the map and the sessions.
///
/// # Panics
/// If bincode fails on in-memory strings and integers, which it cannot.
pub fn encode(index: LogIndex, store: &Store, sessions: &Sessions) -> Vec<u8> {
    encode_sized(index, store, sessions, 0)
}

/// As [`encode`], into a buffer of `size_hint` bytes to start with. A server passes the
/// size of its previous snapshot: a snapshot grows little between two, and growing the
/// buffer by doubling from empty copied a large store several times over.
///
/// # Panics
/// As [`encode`].
pub fn encode_sized(
    index: LogIndex,
    store: &Store,
    sessions: &Sessions,
    size_hint: usize,
) -> Vec<u8> {
    let snapshot = SnapshotRef {
        index,
        store,
        sessions,
    };
    let what = || format!("{} keys and {} sessions", store.len(), sessions.len());
    encode_value(&snapshot, size_hint, what)
}

/// Decodes a snapshot; empty bytes (no snapshot yet) are the empty state.
///
/// # Errors
/// [`Error::CorruptSnapshot`] when the bytes do not decode or have trailing garbage.
pub fn decode(bytes: &[u8]) -> Result<Snapshot> {
    if bytes.is_empty() {
        return Ok(Snapshot::default());
    }
    decode_value(bytes)
}

/// Encodes any service state the way every snapshot of this crate is encoded (bincode
/// 2, standard config), into a buffer of `size_hint` bytes to start with; `what`
/// describes the state for a panic message.
///
/// # Panics
/// If bincode fails on in-memory values (it cannot for strings, integers, maps and
/// vectors), or the encoding passes [`SNAPSHOT_BYTES_MAX`].
pub fn encode_value<T: Serialize>(
    value: &T,
    size_hint: usize,
    what: impl Fn() -> String,
) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(size_hint);
    bincode::serde::encode_into_std_write(value, &mut bytes, config())
        .unwrap_or_else(|e| panic!("encoding the snapshot of {}: {e}", what()));
    assert!(!bytes.is_empty(), "the snapshot of {} is no bytes", what());
    assert!(
        bytes.len() <= SNAPSHOT_BYTES_MAX,
        "the snapshot of {} is {} bytes, above the {SNAPSHOT_BYTES_MAX} limit",
        what(),
        bytes.len()
    );
    bytes
}

/// Decodes a value [`encode_value`] encoded, all of `bytes`.
///
/// # Errors
/// [`Error::CorruptSnapshot`] when the bytes do not decode or have trailing garbage.
pub fn decode_value<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    let (value, used): (T, usize) = bincode::serde::decode_from_slice(bytes, decode_config())
        .map_err(|e| Error::CorruptSnapshot(format!("{} bytes: {e}", bytes.len())))?;
    if used != bytes.len() {
        return Err(Error::CorruptSnapshot(format!(
            "{} trailing bytes after {used}",
            bytes.len() - used
        )));
    }
    Ok(value)
}

/// The largest snapshot this crate encodes or decodes. Decoding claims at most this many
/// bytes for strings, so a corrupt length prefix cannot make it allocate gigabytes
/// (bincode allocates a string's buffer before reading it). A KV map of the lab's tests
/// stays orders of magnitude below it.
pub const SNAPSHOT_BYTES_MAX: usize = 256 << 20;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

fn decode_config() -> bincode::config::Configuration<
    bincode::config::LittleEndian,
    bincode::config::Varint,
    bincode::config::Limit<SNAPSHOT_BYTES_MAX>,
> {
    bincode::config::standard().with_limit::<SNAPSHOT_BYTES_MAX>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::{ClientId, Op};

    fn sample() -> (Store, Sessions) {
        let mut store = Store::default();
        let mut sessions = Sessions::default();
        store.apply(&Op::Put {
            key: "x".into(),
            value: "1".into(),
        });
        sessions.record(ClientId(u64::MAX), 800);
        (store, sessions)
    }

    #[test]
    fn snapshot_roundtrip_keeps_map_and_sessions() {
        let (store, sessions) = sample();
        let bytes = encode(LogIndex(17), &store, &sessions);
        let s = decode(&bytes).expect("decode");
        assert_eq!(s.index, LogIndex(17));
        assert_eq!(s.store, store);
        assert_eq!(s.sessions, sessions);
    }

    #[test]
    fn snapshot_of_one_client_is_tiny() {
        let (store, sessions) = sample();
        let bytes = encode(LogIndex(u64::MAX), &store, &sessions);
        // TestSnapshotSize allows 500; worst-case 64-bit index and client id fit in ~30.
        assert!(bytes.len() <= 32, "{} bytes", bytes.len());
    }

    #[test]
    fn snapshot_decode_rejects_corrupt_input() {
        let good = encode(LogIndex(3), &sample().0, &sample().1);
        let mut trailing = good.clone();
        trailing.push(0);
        let cases = [
            ("truncated", good[..good.len() - 1].to_vec()),
            ("trailing", trailing),
            ("garbage", vec![0xff; 9]),
            // A key length of 2^62: must fail on the limit, not allocate.
            ("huge length", vec![3, 1, 253, 0, 0, 0, 0, 0, 0, 0, 0x40]),
        ];
        for (name, bytes) in cases {
            let r = decode(&bytes);
            assert!(matches!(r, Err(Error::CorruptSnapshot(_))), "{name}: {r:?}");
        }
        assert_eq!(decode(&[]).expect("empty"), Snapshot::default());
    }
}
