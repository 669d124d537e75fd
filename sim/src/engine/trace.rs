//! The run's trace: a 64-bit hash over every structured event, and (when asked for) the
//! structured records themselves with a stable text rendering of each, to read, to
//! snapshot with insta, and to draw as a timeline (`crate::timeline`).
//!
//! The hash is computed from the events' structured fields whether or not the records are
//! kept, so tracing on or off gives the same hash. Neither holds anything that varies
//! between runs of the same seed (no addresses, no wall time).
//!
//! Some fields are kept but not hashed, because the hashed history already determines
//! them: a message's send time (its send was an earlier hashed event, and its delivery
//! time is hashed), a node's status after a handler (`state` records, see
//! [`super::status`]), the event number, the network's links after a fault, and the
//! node's local time (its clock, see [`super::clock`], is a function of true time).
//! Adding them to the hash would change every trace hash and tell nothing new.
//!
//! A record about a node whose clock is not the identity shows the node's local time at
//! the end of its line (`local=1.234567s`); with every clock the identity, no line
//! changes.

use super::net::DropReason;
use super::node::PayloadKind;
use super::status::NodeStatus;
use raft_contract::{Instant, NodeId};
use std::fmt::Write as _;
/// When a record happened: true time, the node's local time (`None` for the identity
/// clock) and, for a message, when it was sent.
#[derive(Clone, Copy)]
struct At {
    time: Instant,
    local: Option<Instant>,
    sent: Instant,
}

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
    /// A node's status changed after a handler (kept with the records, never hashed).
    State,
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
            EventKind::State => 11,
        }
    }

    /// The event's word in the text rendering (`deliver`, `drop:lost`, `state` ...).
    pub fn word(self) -> &'static str {
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
            EventKind::State => "state",
        }
    }
}

/// One event as the trace keeps it when records are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TraceRecord {
    /// Engine events processed when it was recorded: the event it belongs to (records
    /// made between events, by the scenario, carry the number of the last event).
    pub event: u64,
    /// When it happened (true time).
    pub time: Instant,
    /// The node's local time then, when its clock is not the identity. Not hashed.
    pub local: Option<Instant>,
    /// What happened.
    pub kind: EventKind,
    /// Where: the receiver of a message, else the node concerned.
    pub node: NodeId,
    /// The sender of a message.
    pub peer: Option<NodeId>,
    /// When a message was sent (its own time for a message dropped at its send, and for
    /// every other record). Not hashed.
    pub sent: Instant,
    /// The node's status, for a `state` record. Not hashed.
    pub status: Option<NodeStatus>,
    /// What the message is, for a delivery or a drop. Not hashed (the message's
    /// content hash is).
    pub message: Option<PayloadKind>,
    /// Byte offset of the record's line in the text.
    pub line: usize,
}

/// The network's links right after a fault: who may send to whom. Not hashed (the
/// faults that set them are).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LinkShot {
    /// The fault record it follows (an index into [`Trace::entries`]).
    pub record: usize,
    /// Number of nodes then.
    pub nodes: usize,
    /// `links[from * nodes + to]`: may `from` send to `to`?
    pub links: Vec<bool>,
    /// Whether the network was reliable.
    pub reliable: bool,
}

impl LinkShot {
    /// May `from` send to `to`? False for a node that did not exist yet.
    pub fn link(&self, from: NodeId, to: NodeId) -> bool {
        let (f, t) = (from.index(), to.index());
        f < self.nodes && t < self.nodes && self.links[f * self.nodes + t]
    }
}

/// What a kept trace holds besides the hash.
#[derive(Clone, Debug, Default)]
struct Kept {
    text: String,
    records: Vec<TraceRecord>,
    links: Vec<LinkShot>,
}

/// The trace of one run.
#[derive(Clone, Debug)]
pub struct Trace {
    hash: u64,
    hashed: u64,
    event: u64,
    kept: Option<Kept>,
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
    /// An empty trace; `keep` keeps the records and their rendered lines as well as the
    /// hash.
    pub fn new(keep: bool) -> Trace {
        Trace {
            hash: FNV_OFFSET,
            hashed: 0,
            event: 0,
            kept: keep.then(Kept::default),
        }
    }

    /// True when records and text are kept.
    pub fn keeps_text(&self) -> bool {
        self.kept.is_some()
    }

    /// Sets the number of the event the next records belong to (the engine calls it as
    /// it takes each event).
    pub fn set_event(&mut self, event: u64) {
        assert!(
            event >= self.event,
            "event {event} after event {}",
            self.event
        );
        self.event = event;
    }

    /// Records one event at true time `time`, when `node`'s clock showed `local` (`None`
    /// for the identity clock; kept, not hashed). `detail` is hashed as a word (e.g. a
    /// message's content hash); `label` renders it and is called only when records are
    /// kept.
    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &mut self,
        time: Instant,
        local: Option<Instant>,
        kind: EventKind,
        node: NodeId,
        peer: Option<NodeId>,
        detail: u64,
        label: impl FnOnce() -> String,
    ) {
        let at = At {
            time,
            local,
            sent: time,
        };
        self.record_any(at, kind, node, peer, detail, None, label);
    }

    /// As [`Trace::record`], for a message of kind `message` sent at `sent` (both kept,
    /// not hashed), delivered or dropped; `local` is the receiver's local time.
    #[allow(clippy::too_many_arguments)]
    pub fn record_message(
        &mut self,
        time: Instant,
        local: Option<Instant>,
        sent: Instant,
        kind: EventKind,
        node: NodeId,
        from: NodeId,
        detail: u64,
        message: PayloadKind,
        label: impl FnOnce() -> String,
    ) {
        assert!(
            matches!(kind, EventKind::Deliver | EventKind::Drop(_)),
            "{from} -> {node}: a message is delivered or dropped, not {}",
            kind.word()
        );
        let (peer, message) = (Some(from), Some(message));
        let at = At { time, local, sent };
        self.record_any(at, kind, node, peer, detail, message, label);
    }

    #[allow(clippy::too_many_arguments)]
    fn record_any(
        &mut self,
        at: At,
        kind: EventKind,
        node: NodeId,
        peer: Option<NodeId>,
        detail: u64,
        message: Option<PayloadKind>,
        label: impl FnOnce() -> String,
    ) {
        let At { time, local, sent } = at;
        assert!(kind != EventKind::State, "state records are not hashed");
        assert!(sent <= time, "{node}: sent at {sent}, after {time}");
        let mut h = hash_word(self.hash, time.0);
        h = hash_word(h, kind.code());
        h = hash_word(h, u64::from(node.0));
        h = hash_word(h, peer.map_or(u64::MAX, |p| u64::from(p.0)));
        self.hash = hash_word(h, detail);
        self.hashed += 1;
        let record = TraceRecord {
            event: self.event,
            time,
            local,
            kind,
            node,
            peer,
            sent,
            status: None,
            message,
            line: 0,
        };
        self.keep(record, label);
    }

    /// Records that `node`'s status is now `status` (kept, never hashed); `local` as
    /// for [`Trace::record`].
    pub fn record_status(
        &mut self,
        time: Instant,
        local: Option<Instant>,
        node: NodeId,
        status: NodeStatus,
    ) {
        let record = TraceRecord {
            event: self.event,
            time,
            local,
            kind: EventKind::State,
            node,
            peer: None,
            sent: time,
            status: Some(status),
            message: None,
            line: 0,
        };
        self.keep(record, || status.to_string());
    }

    /// Keeps the links after the fault just recorded.
    ///
    /// # Panics
    /// If the last record is not a fault, or the matrix is not `nodes` x `nodes`.
    pub fn record_links(&mut self, nodes: usize, links: Vec<bool>, reliable: bool) {
        let Some(kept) = &mut self.kept else { return };
        let record = kept
            .records
            .len()
            .checked_sub(1)
            .expect("links after a fault");
        assert_eq!(
            kept.records[record].kind,
            EventKind::Fault,
            "links after a fault"
        );
        assert_eq!(
            links.len(),
            nodes * nodes,
            "a {nodes} x {nodes} link matrix"
        );
        kept.links.push(LinkShot {
            record,
            nodes,
            links,
            reliable,
        });
    }

    fn keep(&mut self, mut record: TraceRecord, label: impl FnOnce() -> String) {
        let Some(kept) = &mut self.kept else { return };
        record.line = kept.text.len();
        let who = match (record.kind, record.peer) {
            (EventKind::Deliver | EventKind::Drop(_), Some(p)) => format!("{p} -> {}", record.node),
            _ => record.node.to_string(),
        };
        let line = format!(
            "{:>12} {:<11} {who:<9} {}",
            record.time.to_string(),
            record.kind.word(),
            label()
        );
        kept.text.push_str(line.trim_end());
        if let Some(local) = record.local {
            let _ = write!(kept.text, " local={local}");
        }
        kept.text.push('\n');
        kept.records.push(record);
    }

    /// Adds a free-form line to the text (not to the hash, not a record): notes from
    /// nodes (with the node's `local` time, as for [`Trace::record`]) and scenarios.
    pub fn note(&mut self, time: Instant, local: Option<Instant>, who: &str, line: &str) {
        if let Some(kept) = &mut self.kept {
            let _ = write!(
                kept.text,
                "{:>12} {:<11} {who:<9} {line}",
                time.to_string(),
                "note"
            );
            if let Some(local) = local {
                let _ = write!(kept.text, " local={local}");
            }
            kept.text.push('\n');
        }
    }

    /// The 64-bit hash over every event so far.
    pub fn hash(&self) -> u64 {
        self.hash
    }

    /// How many events were hashed.
    pub fn records(&self) -> u64 {
        self.hashed
    }

    /// The rendered text, if kept.
    pub fn text(&self) -> Option<&str> {
        self.kept.as_ref().map(|k| k.text.as_str())
    }

    /// The kept records, in order (empty when not kept).
    pub fn entries(&self) -> &[TraceRecord] {
        self.kept.as_ref().map_or(&[], |k| k.records.as_slice())
    }

    /// The links after each fault, in order (empty when not kept).
    pub fn link_shots(&self) -> &[LinkShot] {
        self.kept.as_ref().map_or(&[], |k| k.links.as_slice())
    }

    /// The text line of `record` (without its line end).
    pub fn line_of(&self, record: &TraceRecord) -> &str {
        line_at(self.text().unwrap_or_default(), record.line)
    }
}

/// The line of `text` that starts at byte `at`, without its line end.
pub fn line_at(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or_default();
    rest.split('\n').next().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_hash_ignores_whether_text_is_kept() {
        let mut a = Trace::new(false);
        let mut b = Trace::new(true);
        for t in [&mut a, &mut b] {
            t.record(
                Instant(5),
                None,
                EventKind::Timer,
                NodeId(1),
                None,
                7,
                || "tick".into(),
            );
            t.note(Instant(5), None, "n1", "not hashed");
        }
        assert_eq!(a.hash(), b.hash());
        assert!(a.text().is_none());
        assert!(b.text().unwrap_or_default().contains("tick"));
    }

    #[test]
    fn trace_hash_sees_every_field() {
        let base = |time, kind, node, peer, detail| {
            let mut t = Trace::new(false);
            t.record(
                Instant(time),
                None,
                kind,
                NodeId(node),
                peer,
                detail,
                String::new,
            );
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
    fn trace_keeps_records_whose_lines_are_the_text() {
        let mut t = Trace::new(true);
        t.set_event(3);
        t.record_message(
            Instant(9),
            None,
            Instant(4),
            EventKind::Deliver,
            NodeId(0),
            NodeId(1),
            1,
            PayloadKind::Service("Ping"),
            || "Ping #1".into(),
        );
        t.note(Instant(9), None, "n0", "a note is no record");
        let status = NodeStatus {
            term: 2,
            role: crate::engine::NodeRole::Candidate,
            commit: 0,
            last: 1,
            config: None,
        };
        t.record_status(Instant(9), None, NodeId(0), status);
        let records = t.entries();
        assert_eq!(records.len(), 2);
        assert_eq!((records[0].event, records[0].sent), (3, Instant(4)));
        assert!(t.line_of(&records[0]).ends_with("n1 -> n0  Ping #1"));
        assert_eq!(records[0].message, Some(PayloadKind::Service("Ping")));
        assert_eq!(records[1].status, Some(status));
        assert_eq!(records[1].message, None);
        assert!(t
            .line_of(&records[1])
            .ends_with("state       n0        term 2 candidate commit 0 last 1"));
        assert_eq!(t.records(), 1, "only the delivery is hashed");
    }

    #[test]
    fn trace_hash_ignores_send_times_and_states() {
        let run = |sent, states: bool| {
            let mut t = Trace::new(false);
            t.record_message(
                Instant(9),
                None,
                Instant(sent),
                EventKind::Deliver,
                NodeId(0),
                NodeId(1),
                1,
                PayloadKind::Service("Ping"),
                String::new,
            );
            if states {
                let status = NodeStatus {
                    term: 1,
                    role: crate::engine::NodeRole::Leader,
                    commit: 0,
                    last: 0,
                    config: None,
                };
                t.record_status(Instant(9), None, NodeId(0), status);
            }
            t.hash()
        };
        assert_eq!(run(1, false), run(8, true));
        assert_ne!(run(1, false), Trace::new(false).hash());
    }

    #[test]
    fn trace_local_time_shows_only_when_given_and_is_not_hashed() {
        let run = |local: Option<Instant>| {
            let mut t = Trace::new(true);
            t.record(
                Instant(5),
                local,
                EventKind::Timer,
                NodeId(1),
                None,
                7,
                || "tick".into(),
            );
            t.note(Instant(5), local, "n1", "a note");
            (
                t.hash(),
                t.text().unwrap_or_default().to_string(),
                t.entries()[0].local,
            )
        };
        let (plain, text, none) = run(None);
        assert_eq!(
            text,
            "   0.000000s timer       n1        tick\n   0.000000s note        n1        a note\n"
        );
        assert_eq!(none, None);
        let (shifted, text, local) = run(Some(Instant(1_234_567_891)));
        assert_eq!(plain, shifted, "local time is not hashed");
        assert_eq!(local, Some(Instant(1_234_567_891)));
        assert_eq!(text, "   0.000000s timer       n1        tick local=1.234567s\n   0.000000s note        n1        a note local=1.234567s\n");
    }

    #[test]
    fn hash_bytes_distinguishes_length_and_content() {
        assert_ne!(hash_bytes(b""), hash_bytes(b"\0"));
        assert_ne!(hash_bytes(b"abcdefgh1"), hash_bytes(b"abcdefgh2"));
        assert_eq!(hash_bytes(b"same"), hash_bytes(b"same"));
    }
}
