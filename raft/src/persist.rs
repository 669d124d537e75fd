//! What a node saves to stable storage, and its encoding.
//!
//! Figure 2's persistent state (currentTerm, votedFor, log[]) plus Figure 13's snapshot
//! point, with what membership changes add to it (the command count and configuration
//! at the snapshot point, [`SnapshotMeta`]; a fresh node's holds its boot
//! configuration, so a restart never needs it again), encoded with bincode 2 (standard config). The snapshot bytes are stored beside
//! the encoded state, never inside it, so the service can read its snapshot without
//! decoding Raft's state and the lab's `RaftStateSize` excludes it.

use crate::error::{Error, Result};
use crate::log::{Entry, Log, Payload, SnapshotMeta};
use raft_contract::{ChunkedLog, Configuration, LogIndex, NodeId, NodeSet, SharedBytes, Term};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

/// The decoded form of `raft_state`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct HardState<C> {
    pub(crate) current_term: Term,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) snapshot: SnapshotMeta,
    pub(crate) entries: Vec<Entry<C>>,
}

/// The borrowed twin of [`HardState`], so encoding does not copy the log. Serde writes
/// a slice exactly as a `Vec`, so both decode alike.
#[derive(Serialize)]
#[cfg(test)]
struct HardStateRef<'a, C> {
    current_term: Term,
    voted_for: Option<NodeId>,
    snapshot: SnapshotMeta,
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
        snapshot: *log.snapshot(),
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
            log.snapshot(),
            entries.len() as u64,
        );
        let header = bincode::serde::encode_to_vec(header, config)
            .unwrap_or_else(|e| panic!("encoding raft state at term {current_term}: {e}"));
        self.entries.with_header(header)
    }
}

/// Decodes and validates `raft_state`; empty bytes are the state of a fresh node, which
/// starts from `boot` (the contract's `Boot::config`).
///
/// # Errors
/// [`Error::Corrupt`] when the bytes do not decode, have trailing garbage, vote for a
/// node outside the cluster, or describe an impossible log (terms decreasing, a term
/// beyond the current term, more commands than entries, a configuration naming a slot
/// outside the cluster).
pub(crate) fn decode<C: Clone + DeserializeOwned>(
    bytes: &[u8],
    peers: usize,
    boot: Configuration,
) -> Result<HardState<C>> {
    if bytes.is_empty() {
        return Ok(HardState {
            current_term: Term(0),
            voted_for: None,
            snapshot: SnapshotMeta::boot(boot),
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
    let snapshot = &state.snapshot;
    if snapshot.term > state.current_term {
        return corrupt(format!(
            "snapshot term {} beyond current term {}",
            snapshot.term, state.current_term
        ));
    }
    if (snapshot.index == LogIndex(0)) != (snapshot.term == Term(0)) {
        return corrupt(format!(
            "snapshot point {}/{} mixes zero and non-zero",
            snapshot.index, snapshot.term
        ));
    }
    if snapshot.commands > snapshot.index.0 || snapshot.config_index > snapshot.index {
        return corrupt(format!(
            "snapshot at {} covers {} commands, configuration from {}",
            snapshot.index, snapshot.commands, snapshot.config_index
        ));
    }
    check_config(&snapshot.config, peers).or_else(|why| corrupt(format!("snapshot: {why}")))?;
    if snapshot
        .index
        .0
        .checked_add(state.entries.len() as u64)
        .is_none()
    {
        return corrupt("log index overflow".to_string());
    }
    let mut prev = snapshot.term;
    for (i, e) in state.entries.iter().enumerate() {
        let index = snapshot.index.plus(i as u64 + 1);
        if e.term < prev || e.term > state.current_term || e.term == Term(0) {
            return corrupt(format!(
                "entry {index} has term {} after term {prev} (current term {})",
                e.term, state.current_term
            ));
        }
        if let Payload::Config(config) = &e.payload {
            check_config(config, peers).or_else(|why| corrupt(format!("entry {index}: {why}")))?;
        }
        prev = e.term;
    }
    Ok(())
}

/// A configuration a node of `peers` slots can hold: it names no slot beyond them, no
/// server both votes and learns, and it is not joint (this Raft makes single-server
/// changes only).
pub(crate) fn check_config(config: &Configuration, peers: usize) -> Result<(), String> {
    let outside = config
        .members()
        .difference(NodeSet::first(peers.min(NodeSet::CAPACITY)));
    if !outside.is_empty() {
        return Err(format!(
            "configuration {config} names {outside}, not of {peers} slots"
        ));
    }
    if config.is_joint() {
        return Err(format!("configuration {config} is joint"));
    }
    let both = config.voters.intersection(config.learners);
    if !both.is_empty() {
        return Err(format!(
            "configuration {config}: {both} both vote and learn"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_log_matches_full_encoding_through_every_change() {
        let mut cache = EncodedLog::default();
        let mut log: Log<String> = Log::new(SnapshotMeta::boot(Configuration::all(3)), Vec::new());
        let check = |cache: &mut EncodedLog, log: &Log<String>, term: u64| {
            let fast = cache.encode(Term(term), Some(NodeId(1)), log);
            let full = encode(Term(term), Some(NodeId(1)), log);
            assert!(fast == *full.as_slice(), "at {log:?}");
        };
        check(&mut cache, &log, 0);
        for i in 1..=20u64 {
            log.append(Entry::command(Term(1 + i / 7), format!("c{i}")));
            if i % 5 == 0 {
                log.append(Entry::config(Term(1 + i / 7), Configuration::all(2)));
            }
            check(&mut cache, &log, 3);
        }
        log.truncate_from(LogIndex(15));
        check(&mut cache, &log, 4);
        log.append(Entry::command(Term(4), "after truncation".into()));
        check(&mut cache, &log, 4);
        log.compact_to(LogIndex(10));
        check(&mut cache, &log, 4);
        log.append(Entry::command(Term(4), "after compaction".into()));
        check(&mut cache, &log, 5);
        log.install_snapshot(SnapshotMeta {
            index: LogIndex(40),
            term: Term(5),
            commands: 33,
            ..SnapshotMeta::boot(Configuration::all(3))
        });
        check(&mut cache, &log, 5);
        log.append(Entry::command(Term(5), "after install".into()));
        check(&mut cache, &log, 5);
    }

    fn log3() -> Log<String> {
        let mut log = Log::new(SnapshotMeta::boot(Configuration::all(3)), Vec::new());
        for (t, c) in [(1, "a"), (1, "b"), (2, "c")] {
            log.append(Entry::command(Term(t), c.to_string()));
        }
        log
    }

    #[test]
    fn persist_roundtrip_keeps_everything() {
        let mut log = log3();
        log.compact_to(LogIndex(1));
        let bytes = encode(Term(4), Some(NodeId(2)), &log);
        let s: HardState<String> = decode(&bytes, 3, Configuration::all(3)).expect("decode");
        assert_eq!(s.current_term, Term(4));
        assert_eq!(s.voted_for, Some(NodeId(2)));
        assert_eq!(s.snapshot.index, LogIndex(1));
        assert_eq!(s.snapshot.term, Term(1));
        assert_eq!(s.entries, log.entries().to_vec());
    }

    #[test]
    fn persist_empty_bytes_is_fresh_node_in_its_boot_configuration() {
        let joiner = Configuration::default();
        let s: HardState<u8> = decode(&[], 3, joiner).expect("fresh");
        assert_eq!(s.current_term, Term(0));
        assert!(s.entries.is_empty());
        assert_eq!(s.snapshot, SnapshotMeta::boot(joiner));
    }

    #[test]
    fn persist_roundtrip_keeps_configs_and_counts() {
        let mut log = log3();
        let two = Configuration::voters(NodeSet::first(2));
        log.append(Entry::config(Term(2), two));
        log.append(Entry::command(Term(2), "d".to_string()));
        log.compact_to(LogIndex(4));
        let bytes = encode(Term(4), None, &log);
        // The boot configuration given at a restart is ignored: the disk has one.
        let s: HardState<String> = decode(&bytes, 3, Configuration::default()).expect("decode");
        assert_eq!(s.snapshot, *log.snapshot());
        assert_eq!((s.snapshot.commands, s.snapshot.config), (3, two));
        assert_eq!(s.snapshot.config_index, LogIndex(4));
    }

    #[test]
    fn persist_decode_rejects_corrupt_input() {
        let good = encode(Term(4), Some(NodeId(2)), &log3());
        let mut outsider = log3();
        outsider.append(Entry::config(Term(2), Configuration::all(5)));
        let mut overcounted = log3();
        overcounted.install_snapshot(SnapshotMeta {
            index: LogIndex(2),
            term: Term(2),
            commands: 3,
            ..SnapshotMeta::boot(Configuration::all(3))
        });
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
            (
                "configuration naming a slot outside the cluster",
                encode(Term(4), None, &outsider),
                3,
            ),
            (
                "more commands than entries in the snapshot",
                encode(Term(4), None, &overcounted),
                3,
            ),
        ];
        for (name, bytes, peers) in cases {
            let r: Result<HardState<String>> = decode(&bytes, peers, Configuration::all(3));
            assert!(matches!(r, Err(Error::Corrupt(_))), "{name}: {r:?}");
        }
    }
}
