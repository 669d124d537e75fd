//! One replica of a service on Raft: the Raft node, the state machine it feeds, and the
//! clerk requests waiting for their log entry to be applied. What every service does
//! alike lives here (leadership checks, pending requests by log index, answers on apply
//! or on leadership loss, the snapshot trigger); what differs is the [`Service`]. No IO:
//! the driver delivers requests and Raft messages, fires the timer, and carries out
//! [`Ready`].

use crate::error::{Error, Result};
use crate::reads::{Read, Reads};
use crate::rpc::{Reply, Request};
use crate::service::{Admission, Applied, Service, Verdict};
use crate::ClientId;
use raft_contract::{
    ApplyMsg, Boot, ChangeRefused, ConfChange, Instant, Lease, LogIndex, NodeId, Persisted,
    RaftNode, ReadMode, Term,
};
use std::collections::BTreeMap;

/// The fraction of `maxraftstate`, in tenths, at which a replica snapshots: at 90 % the
/// state is "approaching the threshold" (lab text), and the entries that arrive before
/// the next snapshot keep it far below the tester's 8 x `maxraftstate`.
pub const SNAPSHOT_THRESHOLD_TENTHS: usize = 9;

/// The Raft state size in bytes at which a replica with `maxraftstate` = `max`
/// snapshots: [`SNAPSHOT_THRESHOLD_TENTHS`] tenths of it, rounded down.
pub fn snapshot_threshold(max: usize) -> usize {
    let tenths = SNAPSHOT_THRESHOLD_TENTHS as u128;
    usize::try_from(max as u128 * tenths / 10).expect("a fraction of a usize fits a usize")
}

/// Everything a replica asks of its driver since the last [`Replica::ready`].
///
/// The driver carries out the parts **in this order**: save `persist` (both byte strings
/// together, atomically), then send `messages` to the peers, then send `replies` to the
/// clerks. A reply reports an applied (hence committed and persisted) operation, so it
/// never depends on `persist`, but keeping the order is simplest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ready<M, A, E> {
    /// The complete new durable state (Raft state and service snapshot), if it changed.
    pub persist: Option<Persisted>,
    /// Raft messages to send, as (destination, message).
    pub messages: Vec<(NodeId, M)>,
    /// Answers to clerks, as (the `reply_to` given to [`Replica::handle_request`],
    /// reply).
    pub replies: Vec<(u64, Reply<A>)>,
    /// What Raft's apply stream delivered and the state machine applied, in order: for
    /// testers that watch every replica apply the same commands at the same indices.
    pub applied: Vec<AppliedItem<E>>,
    /// The leases under which Raft confirmed reads since the last call (lease mode, and
    /// only from an implementation that reports its lease), for the lease monitor.
    pub leases: Vec<Lease>,
}

/// One item of the apply stream, as a [`Ready`] reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppliedItem<E> {
    /// A committed entry at its apply index.
    Command(LogIndex, E),
    /// A snapshot installed from the leader, through its apply index.
    Snapshot(LogIndex),
}

impl<M, A, E> Default for Ready<M, A, E> {
    fn default() -> Self {
        Ready {
            persist: None,
            messages: Vec::new(),
            replies: Vec::new(),
            applied: Vec::new(),
            leases: Vec::new(),
        }
    }
}

impl<M, A, E> Ready<M, A, E> {
    /// True when there is nothing to persist, send, answer or report as applied.
    pub fn is_empty(&self) -> bool {
        self.persist.is_none()
            && self.messages.is_empty()
            && self.replies.is_empty()
            && self.applied.is_empty()
            && self.leases.is_empty()
    }
}

/// A request this replica started in Raft and has not answered yet.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Pending {
    reply_to: u64,
    client: ClientId,
    seq: u64,
    /// The term in which this replica, as leader, started the command.
    term: Term,
}

/// One replica of service `S` on Raft node `R`.
///
/// Entry points mirror Raft's: [`Replica::handle_request`] for clerks,
/// [`Replica::step`] for peers, [`Replica::tick`] at [`Replica::next_deadline`],
/// [`Replica::propose`] for the service's own entries; the driver calls
/// [`Replica::ready`] after each of them. Every request goes through the log, so a
/// replica cut off from a majority never answers one (except a retry of a write it has
/// already applied, answered at once as the service's [`Service::admit`] allows).
///
/// It talks to Raft only through the contract's [`RaftNode`], so any implementation can
/// carry it. Log indices here are the contract's apply indices (those of [`ApplyMsg`]
/// and [`RaftNode::start`]).
#[derive(Debug)]
pub struct Replica<R, S: Service> {
    id: NodeId,
    raft: R,
    maxraftstate: Option<usize>,
    /// Bytes of the Raft state as last saved (the lab's `persister.RaftStateSize()`).
    raft_state_size: usize,
    /// Bytes of the snapshot as last saved, to size the next encoding.
    snapshot_size: usize,
    /// The index of the last snapshot this replica took or installed.
    snapshot_index: LogIndex,
    /// Snapshots Raft installed from a leader since this replica started.
    snapshots_installed: u64,
    service: S,
    /// The last log index reflected in `service`.
    last_applied: LogIndex,
    /// Started requests by log index; every index is above `last_applied`.
    pending: BTreeMap<LogIndex, Pending>,
    /// Read-only requests served without the log (`reads.rs`).
    reads: Reads<S::Op>,
    replies: Vec<(u64, Reply<S::Answer>)>,
}

impl<R: RaftNode<S::Entry>, S: Service + Default> Replica<R, S> {
    /// Creates a replica from its persisted state (both parts empty for a fresh one; the
    /// lab's `StartKVServer`). The service's state and the index it reflects are
    /// restored from `boot.persisted.snapshot`, and Raft resumes applying right after it.
    ///
    /// `maxraftstate`: snapshot when the saved Raft state approaches this many bytes
    /// (see [`SNAPSHOT_THRESHOLD_TENTHS`]); `None` (the lab's -1) never snapshots.
    ///
    /// # Errors
    /// As [`Replica::with_service`].
    pub fn new(boot: Boot, maxraftstate: Option<usize>) -> Result<Replica<R, S>> {
        Replica::with_service(boot, maxraftstate, S::default())
    }
}

impl<R: RaftNode<S::Entry>, S: Service> Replica<R, S> {
    /// As [`Replica::new`], for a service whose fresh state is `fresh` (it also
    /// supplies what a snapshot does not hold, see [`Service::restore`]).
    ///
    /// # Errors
    /// [`Error::CorruptSnapshot`] if the snapshot does not decode; [`Error::Raft`] if the
    /// Raft node refuses to boot from its persisted state.
    pub fn with_service(
        boot: Boot,
        maxraftstate: Option<usize>,
        fresh: S,
    ) -> Result<Replica<R, S>> {
        let id = boot.id;
        let mode = boot.reads;
        let (index, service) = fresh.restore(&boot.persisted.snapshot.contiguous())?;
        let raft_state_size = boot.persisted.raft_state.len();
        let snapshot_size = boot.persisted.snapshot.len();
        let raft = R::boot(boot).map_err(|e| Error::Raft(e.to_string()))?;
        let compacted = raft.status().snapshot_index();
        if snapshot_size == 0 && compacted > LogIndex(0) {
            return Err(Error::CorruptSnapshot(format!(
                "{id}: raft resumes after its snapshot point {compacted} but there are no snapshot bytes"
            )));
        }
        Ok(Replica {
            id,
            raft,
            maxraftstate,
            raft_state_size,
            snapshot_size,
            snapshot_index: index,
            snapshots_installed: 0,
            service,
            last_applied: index,
            pending: BTreeMap::new(),
            reads: Reads::new(mode),
            replies: Vec::new(),
        })
    }

    /// Handles one clerk request; its answer comes out of [`Replica::ready`] addressed
    /// to `reply_to` (opaque to the replica).
    ///
    /// - Not the leader, or a leader that refuses to start it: `WrongLeader` at once.
    /// - Then as the service's [`Service::admit`] says: answer at once, refuse with
    ///   `WrongGroup`, drop, or start it.
    /// - A read-only request ([`Service::read`]), in a run that reads by ReadIndex or
    ///   lease, is handed to Raft's `read` and answered from the state once Raft
    ///   confirmed it and the state reached the confirmed index; if Raft refuses it,
    ///   it is started like any other.
    /// - A started request is answered once applied (or with `WrongLeader` if the
    ///   leadership is lost first). A retry of a request already started in the current
    ///   term only redirects the answer to the new `reply_to`; a newer request of the
    ///   same clerk drops its older pending ones.
    pub fn handle_request(&mut self, reply_to: u64, req: Request<S::Op>, now: Instant) {
        self.sweep_pending();
        let (term, leader) = self.raft.state();
        if !leader {
            self.replies
                .push((reply_to, Reply::WrongLeader { seq: req.seq }));
            return;
        }
        match self.service.admit(&req) {
            Admission::Done(value) => {
                let reply = Reply::Ok {
                    seq: req.seq,
                    value,
                };
                self.replies.push((reply_to, reply));
                return;
            }
            Admission::WrongGroup => {
                self.replies
                    .push((reply_to, Reply::WrongGroup { seq: req.seq }));
                return;
            }
            Admission::Drop => return,
            Admission::Start => {}
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
        if self.reads.mode != ReadMode::Log && self.service.read(&req.op).is_some() {
            let ctx = self.reads.next_ctx();
            if self.raft.read(ctx, now) {
                let read = Read {
                    reply_to,
                    seq: req.seq,
                    op: req.op,
                    term,
                };
                self.reads.wait(ctx, read);
                return;
            }
        }
        let (client, seq) = (req.client, req.seq);
        // A leader may refuse a write (the contract's `start` promises nothing): openraft
        // refuses one until a quorum has acknowledged its leadership, and after it has
        // been cut off longer than its lease. The clerk tries again, here or elsewhere.
        let Some(index) = self.start(S::entry(req), term, now) else {
            self.replies.push((reply_to, Reply::WrongLeader { seq }));
            return;
        };
        let pending = Pending {
            reply_to,
            client,
            seq,
            term,
        };
        // The invariant the O(1) sweep relies on, checked where it could break: every
        // pending request belongs to the current term.
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

    /// Proposes one of the service's own entries (a configuration, a shard transfer):
    /// `Some(index)` if this replica leads and started it, `None` otherwise. Nobody
    /// waits for it; the service sees it when it is applied, if it ever commits.
    pub fn propose(&mut self, entry: S::Entry, now: Instant) -> Option<LogIndex> {
        self.sweep_pending();
        let (term, leader) = self.raft.state();
        if !leader {
            return None;
        }
        self.start(entry, term, now)
    }

    /// Proposes a configuration change to Raft: an operator's request, not a client's
    /// (see `RaftNode::change`). Configuration entries take no command index, so the
    /// service never sees them.
    ///
    /// # Errors
    /// Raft's refusal.
    pub fn change(
        &mut self,
        changes: &[ConfChange],
        now: Instant,
    ) -> std::result::Result<LogIndex, ChangeRefused> {
        self.raft.change(changes, now)
    }

    /// Starts `entry` in Raft as leader of `term`.
    fn start(&mut self, entry: S::Entry, term: Term, now: Instant) -> Option<LogIndex> {
        let (index, started) = self.raft.start(entry, now)?;
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
        Some(index)
    }

    /// Hands one Raft message from peer `from` to Raft.
    ///
    /// # Panics
    /// As the Raft implementation's `step` (raftsim's Raft panics if `from` is this
    /// replica or not a peer).
    pub fn step(&mut self, from: NodeId, msg: R::Message, now: Instant) {
        self.raft.step(from, msg, now);
    }

    /// Fires Raft's timer (elections, heartbeats); harmless before
    /// [`Replica::next_deadline`].
    pub fn tick(&mut self, now: Instant) {
        self.raft.tick(now);
    }

    /// The earliest instant at which [`Replica::tick`] has work; re-read it after every
    /// call, as for [`RaftNode::next_deadline`].
    pub fn next_deadline(&self) -> Instant {
        self.raft.next_deadline()
    }

    /// Drains the effects since the last call: applies what Raft committed to the
    /// service, snapshots if the Raft state approaches `maxraftstate`, answers the
    /// pending requests that were applied or can no longer be, and returns what to
    /// persist, send and answer (see [`Ready`] for the order).
    ///
    /// # Panics
    /// If Raft installs a snapshot whose bytes do not decode: they were produced by a
    /// peer's replica and carried unchanged by Raft, so that is a bug, not input.
    pub fn ready(&mut self) -> Ready<R::Message, S::Answer, S::Entry> {
        let mut out = Ready::default();
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
            for read in rd.reads {
                self.reads.confirm(read.ctx, read.index);
                out.leases.extend(read.lease);
            }
            self.snapshot_if_due();
        }
        self.serve_reads();
        self.sweep_pending();
        out.replies = std::mem::take(&mut self.replies);
        out
    }

    /// Answers the confirmed reads whose index the state reached.
    fn serve_reads(&mut self) {
        for read in self.reads.due(self.last_applied) {
            let value = self.service.read(&read.op).expect("a read-only request");
            let reply = Reply::Ok {
                seq: read.seq,
                value,
            };
            self.replies.push((read.reply_to, reply));
        }
    }

    /// Applies one committed item from Raft.
    fn apply(&mut self, msg: ApplyMsg<S::Entry>) {
        match msg {
            ApplyMsg::Command { index, command, .. } => self.apply_command(index, command),
            ApplyMsg::Snapshot { index, data, .. } => self.apply_snapshot(index, &data),
        }
    }

    /// Applies a committed entry and answers the request pending at its index, if any.
    fn apply_command(&mut self, index: LogIndex, entry: S::Entry) {
        assert_eq!(
            index,
            self.last_applied.next(),
            "{}: applying {index} after {}",
            self.id,
            self.last_applied
        );
        let applied = self.service.apply(index, &entry);
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
        let reply = match applied {
            // Our own command committed at our index: answer even if the term has moved
            // on since, because the entry's presence proves what happened to it. A
            // stale one has no waiting clerk.
            Applied::Request {
                client,
                seq,
                verdict,
            } if client == p.client && seq == p.seq => match verdict {
                Verdict::Done => Some(Reply::Ok {
                    seq,
                    value: self.service.answer(&entry),
                }),
                Verdict::WrongGroup => Some(Reply::WrongGroup { seq }),
                Verdict::Stale => None,
            },
            // Another leader's entry won this index: ours was never committed.
            _ => Some(Reply::WrongLeader { seq: p.seq }),
        };
        if let Some(reply) = reply {
            self.replies.push((p.reply_to, reply));
        }
    }

    /// Replaces the service's state with an installed snapshot.
    fn apply_snapshot(&mut self, index: LogIndex, data: &[u8]) {
        if index <= self.last_applied {
            // Older than what the state machine already reflects: keep the newer state.
            return;
        }
        let (restored, service) = self.service.restore(data).unwrap_or_else(|e| {
            panic!(
                "{}: snapshot at {index} installed by raft does not decode: {e}",
                self.id
            )
        });
        assert_eq!(
            restored, index,
            "{}: raft installed a snapshot at {index} that the service took at {restored}",
            self.id
        );
        self.service = service;
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
                .push((p.reply_to, Reply::WrongLeader { seq: p.seq }));
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
        let data = self.service.encode(self.last_applied, hint);
        if let Err(e) = self.raft.snapshot(self.last_applied, data) {
            panic!(
                "{}: snapshot at applied {} refused: {e}",
                self.id, self.last_applied
            );
        }
        self.snapshot_index = self.last_applied;
    }

    /// Answers `WrongLeader` to every pending request started in an older term, and to
    /// all of them once this replica is no longer leader: they may never commit, and the
    /// clerk should look elsewhere.
    fn sweep_pending(&mut self) {
        let (term, leader) = self.raft.state();
        for read in self.reads.lost(term, leader) {
            self.replies
                .push((read.reply_to, Reply::WrongLeader { seq: read.seq }));
        }
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
                .push((p.reply_to, Reply::WrongLeader { seq: p.seq }));
        }
    }
}

impl<R, S: Service> Replica<R, S> {
    /// The Raft node, for the tester (`GetState`, its status view).
    pub fn raft(&self) -> &R {
        &self.raft
    }

    /// The service's state as this replica last applied it.
    pub fn service(&self) -> &S {
        &self.service
    }

    /// Bytes of the Raft state as last saved (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self) -> usize {
        self.raft_state_size
    }

    /// Snapshots Raft installed from a leader (InstallSnapshot) and this replica
    /// applied, since it started.
    pub fn snapshots_installed(&self) -> u64 {
        self.snapshots_installed
    }

    /// This replica's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The last log index reflected in the service's state.
    pub fn last_applied(&self) -> LogIndex {
        self.last_applied
    }

    /// The number of requests started (or reads taken) and not yet answered.
    pub fn pending_count(&self) -> usize {
        self.pending.len() + self.reads.len()
    }
}

#[cfg(test)]
impl<R, S: Service> Replica<R, S> {
    /// Applies `entry` at `index` as if Raft had delivered it (for tests).
    pub(crate) fn apply_for_test(&mut self, index: LogIndex, entry: S::Entry)
    where
        R: RaftNode<S::Entry>,
    {
        self.apply_command(index, entry);
    }

    /// Installs a snapshot as if Raft had delivered it (for tests).
    pub(crate) fn install_for_test(&mut self, index: LogIndex, data: &[u8])
    where
        R: RaftNode<S::Entry>,
    {
        self.apply_snapshot(index, data);
    }

    /// The answers not yet drained by `ready` (for tests).
    pub(crate) fn replies_for_test(&self) -> &[(u64, Reply<S::Answer>)] {
        &self.replies
    }
}
