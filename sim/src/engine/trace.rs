//! The run's trace: a 64-bit hash over every structured event, and (when asked for) a
//! stable text rendering to read or to snapshot with insta.
//!
//! The hash is computed from the events' structured fields whether or not the text is
//! kept, so tracing on or off gives the same hash. Neither holds anything that varies
//! between runs of the same seed (no addresses, no wall time).

use super::net::{DropReason, NodeId};
use super::time::Instant;
use std::fmt::Write as _;

/// What the trace records, one per engine event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A message reached a live handler.
    Deliver,
    /// A message was not delivered.
    Drop(DropReason),
    /// A timer fired.
    Timer,
    /// A node saved its durable state.
    Save,
    /// A node started for the first time.
    Start,
    /// A node crashed.
    Crash,
    /// A node restarted from its durable state.
    Restart,
    /// The scenario changed the network or a node (partition, heal, reliable ...).
    Fault,
}

impl EventKind {
    fn code(self) -> u64 {
        match self {
            EventKind::Deliver => 1,
            EventKind::Drop(DropReason::NoLink) => 2,
            EventKind::Drop(DropReason::Lost) => 3,
            EventKind::Drop(DropReason::Dead) => 4,
            EventKind::Timer => 5,
            EventKind::Save => 6,
            EventKind::Start => 7,
            EventKind::Crash => 8,
            EventKind::Restart => 9,
            EventKind::Fault => 10,
        }
    }

    fn word(self) -> &'static str {
        match self {
            EventKind::Deliver => "deliver",
            EventKind::Drop(r) => match r {
                DropReason::NoLink => "drop:nolink",
                DropReason::Lost => "drop:lost",
                DropReason::Dead => "drop:dead",
            },
            EventKind::Timer => "timer",
            EventKind::Save => "save",
            EventKind::Start => "start",
            EventKind::Crash => "crash",
            EventKind::Restart => "restart",
            EventKind::Fault => "fault",
        }
    }
}

/// The trace of one run.
#[derive(Clone, Debug)]
pub struct Trace {
    hash: u64,
    records: u64,
    text: Option<String>,
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Folds one 64-bit word into an FNV-1a style hash (a word at a time: fast, and stable
/// across platforms because it is written here).
pub fn hash_word(hash: u64, word: u64) -> u64 {
    (hash ^ word).wrapping_mul(FNV_PRIME).rotate_left(29)
}

/// Hashes a byte string with the same stable function (used for message contents).
pub fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = FNV_OFFSET;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        h = hash_word(h, u64::from_le_bytes(c.try_into().expect("chunk of 8")));
    }
    let mut tail = [0u8; 8];
    tail[..chunks.remainder().len()].copy_from_slice(chunks.remainder());
    hash_word(hash_word(h, u64::from_le_bytes(tail)), bytes.len() as u64)
}

impl Trace {
    /// An empty trace; `keep_text` keeps the rendered lines as well as the hash.
    pub fn new(keep_text: bool) -> Trace {
        Trace {
            hash: FNV_OFFSET,
            records: 0,
            text: keep_text.then(String::new),
        }
    }

    /// True when rendered text is kept.
    pub fn keeps_text(&self) -> bool {
        self.text.is_some()
    }

    /// Records one event. `detail` is hashed as a word (e.g. a message's content hash);
    /// `label` renders it and is called only when text is kept.
    pub fn record(
        &mut self,
        time: Instant,
        kind: EventKind,
        node: NodeId,
        peer: Option<NodeId>,
        detail: u64,
        label: impl FnOnce() -> String,
    ) {
        let mut h = hash_word(self.hash, time.0);
        h = hash_word(h, kind.code());
        h = hash_word(h, u64::from(node.0));
        h = hash_word(h, peer.map_or(u64::MAX, |p| u64::from(p.0)));
        self.hash = hash_word(h, detail);
        self.records += 1;
        if let Some(text) = &mut self.text {
            let who = match (kind, peer) {
                (EventKind::Deliver | EventKind::Drop(_), Some(p)) => format!("{p} -> {node}"),
                _ => node.to_string(),
            };
            let line = format!(
                "{:>12} {:<11} {who:<9} {}",
                time.to_string(),
                kind.word(),
                label()
            );
            text.push_str(line.trim_end());
            text.push('\n');
        }
    }

    /// Adds a free-form line to the text (not to the hash): notes from nodes and scenarios.
    pub fn note(&mut self, time: Instant, who: &str, line: &str) {
        if let Some(text) = &mut self.text {
            let _ = writeln!(
                text,
                "{:>12} {:<11} {who:<9} {line}",
                time.to_string(),
                "note"
            );
        }
    }

    /// The 64-bit hash over every event so far.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// How many events were recorded.
    pub fn records(&self) -> u64 {
        self.records
    }

    /// The rendered text, if kept.
    pub fn text(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_hash_ignores_whether_text_is_kept() {
        let mut a = Trace::new(false);
        let mut b = Trace::new(true);
        for t in [&mut a, &mut b] {
            t.record(Instant(5), EventKind::Timer, NodeId(1), None, 7, || {
                "tick".into()
            });
            t.note(Instant(5), "n1", "not hashed");
        }
        assert_eq!(a.hash(), b.hash());
        assert!(a.text().is_none());
        assert!(b.text().unwrap_or_default().contains("tick"));
    }

    #[test]
    fn trace_hash_sees_every_field() {
        let base = |time, kind, node, peer, detail| {
            let mut t = Trace::new(false);
            t.record(Instant(time), kind, NodeId(node), peer, detail, String::new);
            t.hash()
        };
        let h = base(1, EventKind::Deliver, 0, Some(NodeId(1)), 9);
        assert_ne!(h, base(2, EventKind::Deliver, 0, Some(NodeId(1)), 9));
        assert_ne!(h, base(1, EventKind::Timer, 0, Some(NodeId(1)), 9));
        assert_ne!(h, base(1, EventKind::Deliver, 1, Some(NodeId(1)), 9));
        assert_ne!(h, base(1, EventKind::Deliver, 0, Some(NodeId(2)), 9));
        assert_ne!(h, base(1, EventKind::Deliver, 0, None, 9));
        assert_ne!(h, base(1, EventKind::Deliver, 0, Some(NodeId(1)), 8));
    }

    #[test]
    fn hash_bytes_distinguishes_length_and_content() {
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
        assert_ne!(hash_bytes(b"abcdefgh1"), hash_bytes(b"abcdefgh2"));
        assert_eq!(hash_bytes(b"same"), hash_bytes(b"same"));
    }
}
