//! What a node saves to stable storage, and its encoding.
//!
//! Figure 2's persistent state (currentTerm, votedFor, log[]) plus Figure 13's snapshot
//! point, encoded with bincode 2 (standard config). The snapshot bytes are stored beside
//! the encoded state, never inside it, so the service can read its snapshot without
//! decoding Raft's state and the lab's `RaftStateSize` excludes it.

use crate::error::{Error, Result};
use crate::log::{Entry, Log};
use raft_contract::{ChunkedLog, LogIndex, NodeId, SharedBytes, Term};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The decoded form of `raft_state`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HardState<C> {
    pub(crate) current_term: Term,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) snapshot_index: LogIndex,
    pub(crate) snapshot_term: Term,
    pub(crate) entries: Vec<Entry<C>>,
}

/// The borrowed twin of [`HardState`], so encoding does not copy the log. Serde writes
/// a slice exactly as a `Vec`, so both decode alike.
#[derive(Serialize)]
#[cfg(test)]
struct HardStateRef<'a, C> {
    current_term: Term,
    voted_for: Option<NodeId>,
    snapshot_index: LogIndex,
    snapshot_term: Term,
    entries: &'a [Entry<C>],
}

/// Encodes the persistent state of a node.
///
/// # Panics
/// If bincode fails to encode in-memory values, which only a broken `Serialize` impl of
/// the command type can cause.
#[cfg(test)]
pub(crate) fn encode<C: Clone + Serialize>(
    current_term: Term,
    voted_for: Option<NodeId>,
    log: &Log<C>,
) -> Vec<u8> {
    let state = HardStateRef {
        current_term,
        voted_for,
        snapshot_index: log.snapshot_index(),
        snapshot_term: log.snapshot_term(),
        entries: log.entries(),
    };
    bincode::serde::encode_to_vec(&state, bincode::config::standard())
        .unwrap_or_else(|e| panic!("encoding raft state at term {current_term}: {e}"))
}

/// The encoded bytes of the retained entries, kept between saves so that a save encodes
/// only the entries appended since the last one (see [`ChunkedLog`]: shared chunks,
/// merged geometrically). The log's epoch is its rewrite count and snapshot point.
#[derive(Clone, Debug, Default)]
pub(crate) struct EncodedLog {
    entries: ChunkedLog<(u64, LogIndex)>,
}

impl EncodedLog {
    /// Encodes the persistent state exactly as [`encode`] does, reusing the encodings of
    /// entries that did not change since the last call.
    ///
    /// # Panics
    /// As [`encode`].
    pub(crate) fn encode<C: Clone + Serialize>(
        &mut self,
        current_term: Term,
        voted_for: Option<NodeId>,
        log: &Log<C>,
    ) -> SharedBytes {
        let entries = log.entries();
        let config = bincode::config::standard();
        let epoch = (log.rewrites(), log.snapshot_index());
        self.entries.update(epoch, entries, |entry, out| {
            bincode::serde::encode_into_std_write(entry, out, config)
                .unwrap_or_else(|e| panic!("encoding a log entry at term {current_term}: {e}"));
        });
        assert_eq!(
            self.entries.len(),
            entries.len(),
            "term {current_term}: every retained entry is encoded"
        );
        // A struct encodes as its fields in order and a slice as its length then its
        // elements, so the header below followed by the cached entries is byte for byte
        // the encoding of `HardStateRef`.
        let header = (
            current_term,
            voted_for,
            log.snapshot_index(),
            log.snapshot_term(),
            entries.len() as u64,
        );
        let header = bincode::serde::encode_to_vec(header, config)
            .unwrap_or_else(|e| panic!("encoding raft state at term {current_term}: {e}"));
        self.entries.with_header(header)
    }
}

/// Decodes and validates `raft_state`; empty bytes are the state of a fresh node.
///
/// # Errors
/// [`Error::Corrupt`] when the bytes do not decode, have trailing garbage, vote for a
/// node outside the cluster, or describe an impossible log (terms decreasing, a term
/// beyond the current term).
pub(crate) fn decode<C: Clone + DeserializeOwned>(
    bytes: &[u8],
    peers: usize,
) -> Result<HardState<C>> {
    if bytes.is_empty() {
        return Ok(HardState {
            current_term: Term(0),
            voted_for: None,
            snapshot_index: LogIndex(0),
            snapshot_term: Term(0),
            entries: Vec::new(),
        });
    }
    let (state, used): (HardState<C>, usize) =
        bincode::serde::decode_from_slice(bytes, bincode::config::standard())
            .map_err(|e| Error::Corrupt(format!("raft state of {} bytes: {e}", bytes.len())))?;
    if used != bytes.len() {
        return Err(Error::Corrupt(format!(
            "{} trailing bytes after raft state",
            bytes.len() - used
        )));
    }
    validate(&state, peers)?;
    Ok(state)
}

fn validate<C>(state: &HardState<C>, peers: usize) -> Result<()> {
    let corrupt = |why: String| Err(Error::Corrupt(why));
    if let Some(v) = state.voted_for {
        if v.index() >= peers {
            return corrupt(format!("voted for {v}, not one of {peers} peers"));
        }
    }
    if state.snapshot_term > state.current_term {
        return corrupt(format!(
            "snapshot term {} beyond current term {}",
            state.snapshot_term, state.current_term
        ));
    }
    if (state.snapshot_index == LogIndex(0)) != (state.snapshot_term == Term(0)) {
        return corrupt(format!(
            "snapshot point {}/{} mixes zero and non-zero",
            state.snapshot_index, state.snapshot_term
        ));
    }
    if state
        .snapshot_index
        .0
        .checked_add(state.entries.len() as u64)
        .is_none()
    {
        return corrupt("log index overflow".to_string());
    }
    let mut prev = state.snapshot_term;
    for (i, e) in state.entries.iter().enumerate() {
        if e.term < prev || e.term > state.current_term || e.term == Term(0) {
            return corrupt(format!(
                "entry {} has term {} after term {prev} (current term {})",
                state.snapshot_index.plus(i as u64 + 1),
                e.term,
                state.current_term
            ));
        }
        prev = e.term;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_log_matches_full_encoding_through_every_change() {
        let mut cache = EncodedLog::default();
        let mut log: Log<String> = Log::default();
        let check = |cache: &mut EncodedLog, log: &Log<String>, term: u64| {
            let fast = cache.encode(Term(term), Some(NodeId(1)), log);
            let full = encode(Term(term), Some(NodeId(1)), log);
            assert!(fast == *full.as_slice(), "at {log:?}");
        };
        check(&mut cache, &log, 0);
        for i in 1..=20u64 {
            log.append(Entry {
                term: Term(1 + i / 7),
                command: format!("c{i}"),
            });
            check(&mut cache, &log, 3);
        }
        log.truncate_from(LogIndex(15));
        check(&mut cache, &log, 4);
        log.append(Entry {
            term: Term(4),
            command: "after truncation".into(),
        });
        check(&mut cache, &log, 4);
        log.compact_to(LogIndex(10));
        check(&mut cache, &log, 4);
        log.append(Entry {
            term: Term(4),
            command: "after compaction".into(),
        });
        check(&mut cache, &log, 5);
        log.install_snapshot(LogIndex(40), Term(5));
        check(&mut cache, &log, 5);
        log.append(Entry {
            term: Term(5),
            command: "after install".into(),
        });
        check(&mut cache, &log, 5);
    }

    fn log3() -> Log<String> {
        let mut log = Log::default();
        for (t, c) in [(1, "a"), (1, "b"), (2, "c")] {
            log.append(Entry {
                term: Term(t),
                command: c.to_string(),
            });
        }
        log
    }

    #[test]
    fn persist_roundtrip_keeps_everything() {
        let mut log = log3();
        log.compact_to(LogIndex(1));
        let bytes = encode(Term(4), Some(NodeId(2)), &log);
        let s: HardState<String> = decode(&bytes, 3).expect("decode");
        assert_eq!(s.current_term, Term(4));
        assert_eq!(s.voted_for, Some(NodeId(2)));
        assert_eq!(s.snapshot_index, LogIndex(1));
        assert_eq!(s.snapshot_term, Term(1));
        assert_eq!(s.entries, log.entries().to_vec());
    }

    #[test]
    fn persist_empty_bytes_is_fresh_node() {
        let s: HardState<u8> = decode(&[], 3).expect("fresh");
        assert_eq!(s.current_term, Term(0));
        assert!(s.entries.is_empty());
    }

    #[test]
    fn persist_decode_rejects_corrupt_input() {
        let good = encode(Term(4), Some(NodeId(2)), &log3());
        let mut trailing = good.clone();
        trailing.push(0);
        let cases: Vec<(&str, Vec<u8>, usize)> = vec![
            ("truncated", good[..good.len() - 1].to_vec(), 3),
            ("trailing", trailing, 3),
            ("vote outside cluster", good.clone(), 2),
            (
                "entry term beyond current",
                encode(Term(1), None, &log3()),
                3,
            ),
            ("garbage", vec![0xff; 7], 3),
        ];
        for (name, bytes, peers) in cases {
            let r: Result<HardState<String>> = decode(&bytes, peers);
            assert!(matches!(r, Err(Error::Corrupt(_))), "{name}: {r:?}");
        }
    }
}
