//! One KV replica: a Raft node, the state machine it feeds, the exactly-once sessions,
//! and the clerk requests waiting for their log entry to be applied. No IO: the driver
//! delivers requests and Raft messages, fires the timer, and carries out [`KvReady`].

use crate::command::{ClientId, Command, Op};
use crate::error::{Error, Result};
use crate::rpc::{ClerkReply, ClerkRequest};
use crate::session::{Seen, Session, Sessions};
use crate::snapshot;
use crate::store::Store;
use raft_contract::{ApplyMsg, Boot, Instant, LogIndex, NodeId, Persisted, RaftNode, Term};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The fraction of `maxraftstate`, in tenths, at which the server snapshots: at 90 % the
/// state is "approaching the threshold" (lab text), and the entries that arrive before
/// the next snapshot keep it far below the tester's 8 x `maxraftstate`.
pub const SNAPSHOT_THRESHOLD_TENTHS: usize = 9;

/// The Raft state size in bytes at which a server with `maxraftstate` = `max` snapshots:
/// [`SNAPSHOT_THRESHOLD_TENTHS`] tenths of it, rounded down.
pub fn snapshot_threshold(max: usize) -> usize {
    let tenths = SNAPSHOT_THRESHOLD_TENTHS as u128;
    usize::try_from(max as u128 * tenths / 10).expect("a fraction of a usize fits a usize")
}

/// Everything a server asks of its driver since the last [`KvServer::ready`].
///
/// The driver carries out the parts **in this order**: save `persist` (both byte strings
/// together, atomically), then send `messages` to the peers, then send `replies` to the
/// clerks. A reply reports an applied (hence committed and persisted) operation, so it
/// never depends on `persist`, but keeping the order is simplest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KvReady<M> {
    /// The complete new durable state (Raft state and KV snapshot), if it changed.
    pub persist: Option<Persisted>,
    /// Raft messages to send, as (destination, message).
    pub messages: Vec<(NodeId, M)>,
    /// Answers to clerks, as (the `reply_to` given to [`KvServer::handle_request`], reply).
    pub replies: Vec<(u64, ClerkReply)>,
    /// What Raft's apply stream delivered and the state machine applied, in order: for
    /// testers that watch every replica apply the same commands at the same indices.
    pub applied: Vec<AppliedItem>,
}

/// One item of the apply stream, as a [`KvReady`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppliedItem {
    /// A committed command at its apply index.
    Command(LogIndex, Command),
    /// A snapshot installed from the leader, through its apply index.
    Snapshot(LogIndex),
}

impl<M> Default for KvReady<M> {
    fn default() -> Self {
        KvReady {
            persist: None,
            messages: Vec::new(),
            replies: Vec::new(),
            applied: Vec::new(),
        }
    }
}

impl<M> KvReady<M> {
    /// True when there is nothing to persist, send, answer or report as applied.
    pub fn is_empty(&self) -> bool {
        self.persist.is_none()
            && self.messages.is_empty()
            && self.replies.is_empty()
            && self.applied.is_empty()
    }
}

/// A request this server started in Raft and has not answered yet.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pending {
    reply_to: u64,
    client: ClientId,
    seq: u64,
    /// The term in which this server, as leader, started the command.
    term: Term,
}

/// One replica of the KV service (the lab's `KVServer`): Raft plus the state machine.
///
/// Entry points mirror Raft's: [`KvServer::handle_request`] for clerks,
/// [`KvServer::step`] for peers, [`KvServer::tick`] at [`KvServer::next_deadline`]; the
/// driver calls [`KvServer::ready`] after each of them. Every Get, Put and Append goes
/// through the log, so a server cut off from a majority never answers one (except a
/// retry of a request it has already applied, answered from its session).
///
/// Generic over the Raft under test: it talks to Raft only through the contract's
/// [`RaftNode`], so any implementation can carry the service. Log indices here are the
/// contract's apply indices (those of [`ApplyMsg`] and [`RaftNode::start`]).
#[derive(Debug)]
pub struct KvServer<R> {
    id: NodeId,
    raft: R,
    maxraftstate: Option<usize>,
    /// Bytes of the Raft state as last saved (the lab's `persister.RaftStateSize()`).
    raft_state_size: usize,
    /// Bytes of the snapshot as last saved, to size the next encoding.
    snapshot_size: usize,
    /// The index of the last snapshot this server took or installed.
    snapshot_index: LogIndex,
    /// Snapshots Raft installed from a leader since this server started.
    snapshots_installed: u64,
    store: Store,
    sessions: Sessions,
    /// The last log index reflected in `store` and `sessions`.
    last_applied: LogIndex,
    /// Started requests by log index; every index is above `last_applied`.
    pending: BTreeMap<LogIndex, Pending>,
    replies: Vec<(u64, ClerkReply)>,
}

impl<R: RaftNode<Command>> KvServer<R> {
    /// Creates a server from its persisted state (both parts empty for a fresh server;
    /// the lab's `StartKVServer`). The map, the sessions and the index they reflect are
    /// restored from `boot.persisted.snapshot`, and Raft resumes applying right after it.
    ///
    /// `maxraftstate`: snapshot when the saved Raft state approaches this many bytes
    /// (see [`SNAPSHOT_THRESHOLD_TENTHS`]); `None` (the lab's -1) never snapshots.
    ///
    /// # Errors
    /// [`Error::CorruptSnapshot`] if the snapshot does not decode; [`Error::Raft`] if the
    /// Raft node refuses to boot from its persisted state.
    pub fn new(boot: Boot, maxraftstate: Option<usize>) -> Result<KvServer<R>> {
        let id = boot.id;
        let restored = snapshot::decode(&boot.persisted.snapshot.contiguous())?;
        let raft_state_size = boot.persisted.raft_state.len();
        let snapshot_size = boot.persisted.snapshot.len();
        let raft = R::boot(boot).map_err(|e| Error::Raft(e.to_string()))?;
        let compacted = raft.status().snapshot_index;
        if snapshot_size == 0 && compacted > LogIndex(0) {
            return Err(Error::CorruptSnapshot(format!(
                "{id}: raft resumes after its snapshot point {compacted} but there are no snapshot bytes"
            )));
        }
        Ok(KvServer {
            id,
            raft,
            maxraftstate,
            raft_state_size,
            snapshot_size,
            snapshot_index: restored.index,
            snapshots_installed: 0,
            store: restored.store,
            sessions: restored.sessions,
            last_applied: restored.index,
            pending: BTreeMap::new(),
            replies: Vec::new(),
        })
    }

    /// Handles one clerk request; its answer comes out of [`KvServer::ready`] addressed
    /// to `reply_to` (opaque to the server).
    ///
    /// - Not the leader: `WrongLeader` at once.
    /// - `seq` is the client's last applied request: its stored reply at once, with no
    ///   new log entry. An older `seq` is dropped without an answer (the clerk has moved
    ///   on: it sends one request at a time).
    /// - Otherwise the command is started in Raft and answered once applied (or with
    ///   `WrongLeader` if the leadership is lost first). A retry of a request already
    ///   started in the current term only redirects the answer to the new `reply_to`; a
    ///   newer request of the same clerk drops its older pending ones.
    pub fn handle_request(&mut self, reply_to: u64, req: ClerkRequest, now: Instant) {
        self.sweep_pending();
        let (term, leader) = self.raft.state();
        if !leader {
            self.replies
                .push((reply_to, ClerkReply::WrongLeader { seq: req.seq }));
            return;
        }
        match self.sessions.seen(req.client, req.seq) {
            // A Put or Append applied already: its answer is "" whenever it is given.
            Seen::Last if !matches!(req.op, Op::Get { .. }) => {
                self.replies.push((
                    reply_to,
                    ClerkReply::Ok {
                        seq: req.seq,
                        value: String::new(),
                    },
                ));
                return;
            }
            // A Get applied already whose answer was lost: sessions keep no values, and
            // reading here could be stale (we may no longer lead), so it goes through the
            // log again and reads at its new index, within the request's interval.
            Seen::Last => {}
            Seen::Stale => return,
            Seen::New => {}
        }
        // The clerk sent `req.seq`, so it has given up on every older request.
        self.pending
            .retain(|_, p| p.client != req.client || p.seq >= req.seq);
        if let Some(p) = self
            .pending
            .values_mut()
            .find(|p| p.client == req.client && p.seq == req.seq)
        {
            // Still in our log in this term (a leader never overwrites its own entries),
            // so it commits unless we lose leadership, which answers WrongLeader.
            assert_eq!(p.term, term, "{}: unswept pending of older term", self.id);
            p.reply_to = reply_to;
            return;
        }
        let command = Command {
            client: req.client,
            seq: req.seq,
            op: Arc::new(req.op),
        };
        match self.raft.start(command, now) {
            Some((index, started)) => {
                assert_eq!(
                    started, term,
                    "{}: started {index} in another term",
                    self.id
                );
                assert!(
                    index > self.last_applied,
                    "{}: started {index} at or below applied {}",
                    self.id,
                    self.last_applied
                );
                let pending = Pending {
                    reply_to,
                    client: req.client,
                    seq: req.seq,
                    term,
                };
                // The invariant the O(1) sweep relies on, checked where it could break:
                // every pending request belongs to the current term.
                assert!(
                    self.pending.values().next().is_none_or(|p| p.term == term),
                    "{}: pending of an older term at a start in term {term}",
                    self.id
                );
                let old = self.pending.insert(index, pending);
                assert!(
                    old.is_none(),
                    "{}: two requests pending at {index}",
                    self.id
                );
            }
            None => panic!("{}: start refused while leader of {term}", self.id),
        }
    }

    /// Hands one Raft message from peer `from` to Raft.
    ///
    /// # Panics
    /// As the Raft implementation's `step` (raftsim's Raft panics if `from` is this
    /// server or not a peer).
    pub fn step(&mut self, from: NodeId, msg: R::Message, now: Instant) {
        self.raft.step(from, msg, now);
    }

    /// Fires Raft's timer (elections, heartbeats); harmless before
    /// [`KvServer::next_deadline`].
    pub fn tick(&mut self, now: Instant) {
        self.raft.tick(now);
    }

    /// The earliest instant at which [`KvServer::tick`] has work; re-read it after every
    /// call, as for [`RaftNode::next_deadline`].
    pub fn next_deadline(&self) -> Instant {
        self.raft.next_deadline()
    }

    /// Drains the effects since the last call: applies what Raft committed to the map
    /// and the sessions, snapshots if the Raft state approaches `maxraftstate`, answers
    /// the pending requests that were applied or can no longer be, and returns what to
    /// persist, send and answer (see [`KvReady`] for the order).
    ///
    /// # Panics
    /// If Raft installs a snapshot whose bytes do not decode: they were produced by a
    /// peer's [`KvServer`] and carried unchanged by Raft, so that is a bug, not input.
    pub fn ready(&mut self) -> KvReady<R::Message> {
        let mut out = KvReady::default();
        loop {
            let rd = self.raft.ready();
            if rd.is_empty() {
                break;
            }
            // Each persist is the complete state, so the last one supersedes the others.
            if let Some(p) = rd.persist {
                self.raft_state_size = p.raft_state.len();
                self.snapshot_size = p.snapshot.len();
                out.persist = Some(p);
            }
            if out.messages.is_empty() {
                out.messages = rd.messages;
            } else {
                out.messages.extend(rd.messages);
            }
            for msg in rd.apply {
                out.applied.push(match &msg {
                    ApplyMsg::Command { index, command, .. } => {
                        AppliedItem::Command(*index, command.clone())
                    }
                    ApplyMsg::Snapshot { index, .. } => AppliedItem::Snapshot(*index),
                });
                self.apply(msg);
            }
            self.snapshot_if_due();
        }
        self.sweep_pending();
        out.replies = std::mem::take(&mut self.replies);
        out
    }

    /// The Raft node, for the tester (`GetState`, its status view).
    pub fn raft(&self) -> &R {
        &self.raft
    }

    /// Bytes of the Raft state as last saved (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self) -> usize {
        self.raft_state_size
    }

    /// Snapshots Raft installed from a leader (InstallSnapshot) and this server applied,
    /// since it started.
    pub fn snapshots_installed(&self) -> u64 {
        self.snapshots_installed
    }

    /// The value of `key` in this replica's map, if it was ever written (for tests).
    pub fn get_value(&self, key: &str) -> Option<&str> {
        self.store.get(key)
    }

    /// This server's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The last log index reflected in the map.
    pub fn last_applied(&self) -> LogIndex {
        self.last_applied
    }

    /// The session of `client` (its last applied seq and reply), if it has one.
    pub fn session(&self, client: ClientId) -> Option<&Session> {
        self.sessions.get(client)
    }

    /// The number of requests started and not yet answered.
    pub fn pending_count(&self) -> usize {
        self.pending.len()
    }

    /// Applies one committed item from Raft.
    fn apply(&mut self, msg: ApplyMsg<Command>) {
        match msg {
            ApplyMsg::Command { index, command, .. } => self.apply_command(index, command),
            ApplyMsg::Snapshot { index, data, .. } => self.apply_snapshot(index, &data),
        }
    }

    /// Executes a committed command at most once per (client, seq) and answers the
    /// request pending at its index, if any.
    fn apply_command(&mut self, index: LogIndex, command: Command) {
        assert_eq!(
            index,
            self.last_applied.next(),
            "{}: applying {index} after {}",
            self.id,
            self.last_applied
        );
        let answerable = match self.sessions.seen(command.client, command.seq) {
            Seen::New => {
                self.store.apply(&command.op);
                self.sessions.record(command.client, command.seq);
                true
            }
            // Logged twice (a retry reached a new leader): executed once; a Get reads
            // the value as it is at this index, a point within the request's interval
            // since its clerk still waits.
            Seen::Last => true,
            Seen::Stale => false,
        };
        self.last_applied = index;
        let pending = self.pending.remove(&index);
        assert!(
            self.pending
                .first_key_value()
                .is_none_or(|(i, _)| *i > index),
            "{}: a request pending at or below applied {index}",
            self.id
        );
        let Some(p) = pending else {
            return;
        };
        if p.client == command.client && p.seq == command.seq {
            // Our own command committed at our index: answer even if the term has moved
            // on since, because the entry's presence proves the operation was applied.
            // A stale one has no waiting clerk.
            if answerable {
                let value = self.store.reply(&command.op);
                self.replies
                    .push((p.reply_to, ClerkReply::Ok { seq: p.seq, value }));
            }
        } else {
            // Another leader's entry won this index: ours was never committed.
            self.replies
                .push((p.reply_to, ClerkReply::WrongLeader { seq: p.seq }));
        }
    }

    /// Replaces the map and sessions with an installed snapshot (lab 3B).
    fn apply_snapshot(&mut self, index: LogIndex, data: &[u8]) {
        if index <= self.last_applied {
            // Older than what the state machine already reflects: keep the newer state.
            return;
        }
        let restored = snapshot::decode(data).unwrap_or_else(|e| {
            panic!(
                "{}: snapshot at {index} installed by raft does not decode: {e}",
                self.id
            )
        });
        assert_eq!(
            restored.index, index,
            "{}: raft installed a snapshot at {index} that the service took at {}",
            self.id, restored.index
        );
        self.store = restored.store;
        self.sessions = restored.sessions;
        self.last_applied = index;
        self.snapshot_index = index;
        self.snapshots_installed += 1;
        // The entries of the requests pending up to `index` were compacted away unseen:
        // whether they committed is unknown here, so the clerks retry (exactly-once makes
        // that safe).
        while let Some(entry) = self.pending.first_entry() {
            if *entry.key() > index {
                break;
            }
            let p = entry.remove();
            self.replies
                .push((p.reply_to, ClerkReply::WrongLeader { seq: p.seq }));
        }
        assert!(
            self.pending.keys().all(|i| *i > index),
            "{}: pending at or below snapshot {index}",
            self.id
        );
    }

    /// Snapshots through the last applied index when the Raft state approaches
    /// `maxraftstate` (lab 3B) and something was applied since the last snapshot.
    fn snapshot_if_due(&mut self) {
        let Some(max) = self.maxraftstate else {
            return;
        };
        if self.raft_state_size < snapshot_threshold(max)
            || self.last_applied <= self.snapshot_index
        {
            return;
        }
        let hint = self.snapshot_size + self.snapshot_size / 16;
        let data = snapshot::encode_sized(self.last_applied, &self.store, &self.sessions, hint);
        if let Err(e) = self.raft.snapshot(self.last_applied, data) {
            panic!(
                "{}: snapshot at applied {} refused: {e}",
                self.id, self.last_applied
            );
        }
        self.snapshot_index = self.last_applied;
    }

    /// Answers `WrongLeader` to every pending request started in an older term, and to
    /// all of them once this server is no longer leader: they may never commit, and the
    /// clerk should look elsewhere.
    fn sweep_pending(&mut self) {
        let (term, leader) = self.raft.state();
        // Every pending request was started in one term: each start is preceded by a
        // sweep, which empties the map once the term moves on. So a leader still in that
        // term keeps them all, in O(1); anything else fails them all.
        let Some((_, first)) = self.pending.first_key_value() else {
            return;
        };
        if leader && first.term == term {
            return;
        }
        for (_, p) in std::mem::take(&mut self.pending) {
            self.replies
                .push((p.reply_to, ClerkReply::WrongLeader { seq: p.seq }));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::command::Op;
    use raft::Message;

    /// A server on raftsim's own Raft.
    type Server = KvServer<raft::Raft<Command>>;

    /// What node `id` of `peers` boots from.
    fn boot(id: u32, peers: usize, persisted: Persisted, seed: u64) -> Boot {
        Boot {
            id: NodeId(id),
            peers,
            persisted,
            seed,
            now: Instant(0),
        }
    }

    /// A single-node cluster that has elected itself.
    fn solo(maxraftstate: Option<usize>) -> Server {
        let mut s =
            Server::new(boot(0, 1, Persisted::default(), 1), maxraftstate).expect("fresh server");
        s.tick(s.next_deadline());
        s.ready();
        assert!(s.raft().state().1, "a single node elects itself");
        s
    }

    fn request(client: u64, seq: u64, op: Op) -> ClerkRequest {
        ClerkRequest {
            client: ClientId(client),
            seq,
            op,
        }
    }

    fn put(key: &str, value: &str) -> Op {
        Op::Put {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn server_snapshot_threshold_is_ninety_percent() {
        let cases = [(0, 0), (9, 8), (10, 9), (1000, 900), (1001, 900)];
        for (max, want) in cases {
            assert_eq!(snapshot_threshold(max), want, "max {max}");
        }
        assert_eq!(snapshot_threshold(usize::MAX), usize::MAX / 10 * 9 + 4);
    }

    #[test]
    fn server_applies_and_answers_in_one_ready() {
        let mut s = solo(None);
        s.handle_request(5, request(1, 1, put("k", "v")), Instant(0));
        s.handle_request(6, request(2, 1, Op::Get { key: "k".into() }), Instant(0));
        s.handle_request(7, request(3, 1, Op::Get { key: "no".into() }), Instant(0));
        let ready = s.ready();
        let ok = |value: &str| ClerkReply::Ok {
            seq: 1,
            value: value.into(),
        };
        assert_eq!(ready.replies, vec![(5, ok("")), (6, ok("v")), (7, ok(""))]);
        assert!(ready.persist.is_some(), "the log grew");
        assert_eq!(s.last_applied(), LogIndex(3));
        assert_eq!(s.pending_count(), 0);
    }

    #[test]
    fn server_pending_answered_wrong_leader_when_other_command_lands_at_its_index() {
        let mut s = solo(None);
        s.handle_request(5, request(1, 1, put("k", "mine")), Instant(0));
        assert_eq!(s.pending_count(), 1);
        // Another leader's entry wins index 1 (driven by hand: Raft cannot do this to
        // a leader in its own term, but a deposed one sees exactly this).
        let other = Command {
            client: ClientId(2),
            seq: 1,
            op: Arc::new(put("k", "theirs")),
        };
        s.apply_command(LogIndex(1), other);
        assert_eq!(s.replies, vec![(5, ClerkReply::WrongLeader { seq: 1 })]);
        assert_eq!(s.get_value("k"), Some("theirs"));
        assert_eq!(s.pending_count(), 0);
    }

    #[test]
    fn server_installed_snapshot_restores_state_and_fails_covered_pending() {
        let mut s = solo(None);
        s.handle_request(5, request(1, 1, put("k", "mine")), Instant(0));
        let mut store = Store::default();
        store.apply(&put("k", "snap"));
        let mut sessions = Sessions::default();
        sessions.record(ClientId(9), 4);
        s.apply_snapshot(
            LogIndex(5),
            &snapshot::encode(LogIndex(5), &store, &sessions),
        );
        assert_eq!(s.replies, vec![(5, ClerkReply::WrongLeader { seq: 1 })]);
        assert_eq!(s.get_value("k"), Some("snap"));
        assert_eq!(s.session(ClientId(9)).map(|x| x.last_seq), Some(4));
        assert_eq!(s.last_applied(), LogIndex(5));
        // An older snapshot changes nothing.
        let older = snapshot::encode(LogIndex(3), &Store::default(), &sessions);
        s.apply_snapshot(LogIndex(3), &older);
        assert_eq!(s.get_value("k"), Some("snap"));
        assert_eq!(s.last_applied(), LogIndex(5));
    }

    #[test]
    fn server_retry_while_pending_starts_once_and_newer_seq_supersedes() {
        // Three peers, so nothing commits while we look: the leader is made by hand by
        // winning an election with the other two's votes.
        let mut s = Server::new(boot(0, 3, Persisted::default(), 1), None).expect("fresh server");
        let now = s.next_deadline();
        s.tick(now);
        let term = s.raft().term();
        s.ready();
        for peer in [1, 2] {
            let vote = raft::RequestVoteReply {
                term,
                vote_granted: true,
            };
            s.step(NodeId(peer), Message::RequestVoteReply(vote), now);
        }
        s.ready();
        assert!(s.raft().state().1, "won the election");
        let base = s.raft().last_log_index();
        s.handle_request(5, request(1, 1, put("k", "a")), now);
        s.handle_request(6, request(1, 1, put("k", "a")), now);
        assert_eq!(
            s.raft().last_log_index(),
            base.next(),
            "a retry is not re-started"
        );
        assert_eq!(s.pending_count(), 1);
        s.handle_request(7, request(1, 2, put("k", "b")), now);
        assert_eq!(s.raft().last_log_index(), base.plus(2));
        assert_eq!(s.pending_count(), 1, "seq 2 supersedes seq 1");
        assert!(s.ready().replies.is_empty(), "nothing committed yet");
        // Deposed by a higher term: the pending request is answered WrongLeader.
        let vote = raft::RequestVote {
            term: term.next(),
            last_log_index: LogIndex(0),
            last_log_term: Term(0),
        };
        s.step(NodeId(1), Message::RequestVote(vote), now);
        let ready = s.ready();
        assert_eq!(ready.replies, vec![(7, ClerkReply::WrongLeader { seq: 2 })]);
        assert_eq!(s.pending_count(), 0);
    }

    #[test]
    fn server_snapshot_goes_out_with_the_same_ready() {
        let mut s = solo(Some(0));
        s.handle_request(5, request(1, 1, put("k", "v")), Instant(0));
        let ready = s.ready();
        let persisted = ready.persist.expect("state changed");
        assert!(!persisted.snapshot.is_empty(), "snapshot persisted");
        assert_eq!(s.raft().snapshot_index(), LogIndex(1));
        // Restarting from it restores the map and the session.
        let r = Server::new(boot(0, 1, persisted, 2), Some(0)).expect("restart");
        assert_eq!(r.get_value("k"), Some("v"));
        assert_eq!(r.session(ClientId(1)).map(|x| x.last_seq), Some(1));
        assert_eq!(r.last_applied(), LogIndex(1));
    }

    #[test]
    fn server_new_rejects_bad_input_with_errors() {
        let mut s = solo(Some(0));
        s.handle_request(5, request(1, 1, put("k", "v")), Instant(0));
        let good = s.ready().persist.expect("state");
        let no_snapshot = Persisted {
            raft_state: good.raft_state.clone(),
            snapshot: Vec::new().into(),
        };
        let garbage = Persisted {
            raft_state: good.raft_state.clone(),
            snapshot: vec![0xff; 5].into(),
        };
        let start = |p: Persisted, id: u32| Server::new(boot(id, 1, p, 1), None);
        assert!(matches!(
            start(no_snapshot, 0),
            Err(Error::CorruptSnapshot(_))
        ));
        assert!(matches!(start(garbage, 0), Err(Error::CorruptSnapshot(_))));
        assert!(matches!(
            start(Persisted::default(), 1),
            Err(Error::Raft(_))
        ));
    }

    fn ok(seq: u64, value: &str) -> ClerkReply {
        ClerkReply::Ok {
            seq,
            value: value.into(),
        }
    }

    /// A request re-delivered after its reply was lost is answered from the session and
    /// never enters the log again (exactly-once).
    #[test]
    fn server_repeated_put_is_answered_from_the_session_without_a_new_entry() {
        let mut s = solo(None);
        let append = Op::Append {
            key: "k".into(),
            value: "x".into(),
        };
        s.handle_request(5, request(1, 1, append.clone()), Instant(0));
        assert_eq!(s.ready().replies, vec![(5, ok(1, ""))]);
        let before = s.raft().last_log_index();
        s.handle_request(6, request(1, 1, append), Instant(0));
        assert_eq!(s.ready().replies, vec![(6, ok(1, ""))]);
        assert_eq!(s.raft().last_log_index(), before, "no second entry");
        assert_eq!(s.get_value("k"), Some("x"), "applied once");
        // An older request of the same clerk is dropped without an answer.
        s.handle_request(7, request(1, 0, Op::Get { key: "k".into() }), Instant(0));
        assert!(s.ready().replies.is_empty());
    }

    /// A Get whose answer was lost goes through the log again (sessions keep no values)
    /// and reads the value at its new index.
    #[test]
    fn server_repeated_get_is_read_again_at_its_new_index() {
        let mut s = solo(None);
        s.handle_request(5, request(2, 1, put("k", "v1")), Instant(0));
        s.handle_request(6, request(1, 1, Op::Get { key: "k".into() }), Instant(0));
        assert_eq!(s.ready().replies[1], (6, ok(1, "v1")));
        s.handle_request(7, request(2, 2, put("k", "v2")), Instant(0));
        s.ready();
        let before = s.raft().last_log_index();
        s.handle_request(8, request(1, 1, Op::Get { key: "k".into() }), Instant(0));
        assert_eq!(s.ready().replies, vec![(8, ok(1, "v2"))]);
        assert_eq!(s.raft().last_log_index(), before.next(), "logged again");
    }

    /// A server that does not lead answers WrongLeader at once and starts nothing.
    #[test]
    fn server_follower_answers_wrong_leader_at_once() {
        let mut s = Server::new(boot(1, 3, Persisted::default(), 1), None).expect("fresh");
        let before = s.raft().last_log_index();
        s.handle_request(5, request(1, 1, put("k", "v")), Instant(0));
        assert_eq!(
            s.ready().replies,
            vec![(5, ClerkReply::WrongLeader { seq: 1 })]
        );
        assert_eq!(s.raft().last_log_index(), before);
        assert_eq!(s.pending_count(), 0);
    }

    /// Exactly-once survives a snapshot and a restart: the session is in the snapshot,
    /// so the restarted server answers the last request from it and ignores an older one.
    #[test]
    fn server_duplicates_detected_across_snapshot_and_restart() {
        let mut s = solo(Some(0));
        s.handle_request(5, request(1, 1, put("k", "a")), Instant(0));
        s.handle_request(6, request(1, 2, put("k", "ab")), Instant(0));
        let persisted = s.ready().persist.expect("state saved");
        assert!(!persisted.snapshot.is_empty(), "snapshotted");
        let mut r = Server::new(boot(0, 1, persisted, 2), Some(0)).expect("restart");
        r.tick(r.next_deadline());
        r.ready();
        assert!(r.raft().state().1, "leads again");
        let before = r.raft().last_log_index();
        r.handle_request(7, request(1, 1, put("k", "a")), Instant(0));
        r.handle_request(8, request(1, 2, put("k", "ab")), Instant(0));
        assert_eq!(
            r.ready().replies,
            vec![(8, ok(2, ""))],
            "only the last is answered"
        );
        assert_eq!(r.raft().last_log_index(), before, "neither entered the log");
        assert_eq!(r.get_value("k"), Some("ab"));
    }
}
