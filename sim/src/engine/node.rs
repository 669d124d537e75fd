//! What the engine asks of a simulated node, and the context through which a node acts.
//!
//! A node reacts to three things: its start (fresh or from durable state), a delivered
//! message and a fired timer. It acts only through its [`Context`]: messages to send,
//! timers to set or cancel, its durable store, and outputs for the scenario to observe.
//! The engine applies those effects after the handler returns, in the order they were
//! made, so nothing happens behind the engine's back.
//!
//! A node reads time through its own clock (see [`super::clock`]): [`Context::now`] and
//! [`NodeInit::now`] are its local time, and [`Context::set_timer`] counts local time.
//! With the identity clock (every node's default) local time is the simulation's time.

use super::disk::Disk;
use super::status::NodeStatus;
use raft_contract::{Duration, Instant, MessageKind, NodeId, Persisted};
use serde::Serialize;
use std::fmt::Debug;

/// A message the network can carry.
pub trait Payload: Clone + Debug + Serialize {
    /// True for a request, false for a reply. The network treats them as labrpc does
    /// (replies are never delayed in unreliable mode but may be long-reordered), and
    /// the lab's per-server RPC count counts only requests.
    fn is_request(&self) -> bool {
        true
    }

    /// One short line describing the message, for traces.
    fn label(&self) -> String {
        format!("{self:?}")
    }

    /// What the message is, for the timeline (kept with the trace's records, never
    /// hashed): a Raft message's kind from the contract, or a service's word.
    fn kind(&self) -> PayloadKind;
}

/// What a message on the simulated network is: the timeline groups messages by
/// [`PayloadKind::name`] and can hide heartbeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadKind {
    /// A message between Raft peers, of this kind ([`raft_contract::RaftMessage::kind`]).
    Raft(MessageKind),
    /// A message of a service or a client (a KV request, a reply, a ping), named by one
    /// word.
    Service(&'static str),
}

impl PayloadKind {
    /// One word: the Raft RPC's name, or the service's word.
    pub fn name(self) -> &'static str {
        match self {
            PayloadKind::Raft(kind) => kind.name(),
            PayloadKind::Service(word) => word,
        }
    }

    /// True for a Raft heartbeat or its answer ([`MessageKind::is_heartbeat`]).
    pub fn is_heartbeat(self) -> bool {
        matches!(self, PayloadKind::Raft(kind) if kind.is_heartbeat())
    }
}

/// A simulated process: a Raft server, a KV clerk, or the demo's ping client.
pub trait Node {
    /// Messages this node sends and receives.
    type Msg: Payload;
    /// Tags of this node's timers.
    type Timer: Clone + Debug;
    /// Observations the node reports to the scenario (e.g. applied commands).
    type Output;

    /// Called once when the node starts or restarts, after its state is built.
    fn on_start(&mut self, ctx: &mut Context<'_, Self>);

    /// Called when a message reaches this node.
    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Self::Msg);

    /// Called when one of this node's timers fires.
    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: Self::Timer);

    /// The node's status for the trace (term, role, commit, last index), if it has one.
    /// Asked after every handler when the trace is kept; a change is recorded, unhashed.
    fn status(&self) -> Option<NodeStatus> {
        None
    }
}

/// Identifies a timer so that it can be cancelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub u64);

/// What a node is given when it is built: its id, a seed for its own RNG (drawn from the
/// run's RNG, so that the node's draws do not shift the network's), and its durable store.
#[derive(Debug)]
pub struct NodeInit<'a> {
    /// The node's id.
    pub id: NodeId,
    /// Seed for the node's own random number generator.
    pub seed: u64,
    /// What the node saved before it last crashed (empty for a fresh node).
    pub disk: &'a Disk,
    /// The node's local time when it starts (its clock's reading; the simulation's time
    /// for the identity clock).
    pub now: Instant,
}

/// Effects a handler made, in order, waiting for the engine to apply them.
pub(crate) struct Effects<N: Node + ?Sized> {
    pub sends: Vec<(NodeId, N::Msg)>,
    pub timers: Vec<(TimerId, Duration, N::Timer)>,
    pub cancels: Vec<TimerId>,
    pub outputs: Vec<N::Output>,
    pub notes: Vec<String>,
    pub saves: u32,
}

impl<N: Node + ?Sized> Default for Effects<N> {
    fn default() -> Self {
        Effects {
            sends: Vec::new(),
            timers: Vec::new(),
            cancels: Vec::new(),
            outputs: Vec::new(),
            notes: Vec::new(),
            saves: 0,
        }
    }
}

/// The handle through which a node acts during one handler call.
pub struct Context<'a, N: Node + ?Sized> {
    pub(crate) me: NodeId,
    pub(crate) now: Instant,
    pub(crate) disk: &'a mut Disk,
    pub(crate) effects: &'a mut Effects<N>,
    pub(crate) next_timer: &'a mut u64,
    pub(crate) tracing: bool,
}

impl<N: Node + ?Sized> Context<'_, N> {
    /// This node's id.
    pub fn me(&self) -> NodeId {
        self.me
    }

    /// The node's local time: the simulation's time read through the node's clock (the
    /// same unless a clock was set, see [`super::Sim::set_clock`]). Never decreases.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Sends `msg` to `to`; the network decides when, whether and how often it arrives.
    pub fn send(&mut self, to: NodeId, msg: N::Msg) {
        self.effects.sends.push((to, msg));
    }

    /// Sets a timer that fires with `tag` once the node's clock has advanced by `after`
    /// (at the first true instant its local time reaches `now() + after`), unless
    /// cancelled or the node crashes first.
    pub fn set_timer(&mut self, after: Duration, tag: N::Timer) -> TimerId {
        let id = TimerId(*self.next_timer);
        *self.next_timer += 1;
        self.effects.timers.push((id, after, tag));
        id
    }

    /// Cancels a timer; cancelling one that already fired is harmless.
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.effects.cancels.push(id);
    }

    /// The node's durable store as last saved.
    pub fn disk(&self) -> &Disk {
        self.disk
    }

    /// Saves both durable blobs atomically (the lab's `Persister.Save`). The save is
    /// durable at once: a crash after this handler keeps it.
    pub fn save(&mut self, raft_state: Vec<u8>, snapshot: Vec<u8>) {
        self.disk.save(raft_state, snapshot);
        self.effects.saves += 1;
    }

    /// As [`Context::save`], with a Raft's saved state, whose chunks the disk keeps
    /// without copying (see [`Disk::save_persisted`]).
    pub fn save_persisted(&mut self, state: Persisted) {
        self.disk.save_persisted(state);
        self.effects.saves += 1;
    }

    /// Reports an observation to the scenario.
    pub fn output(&mut self, out: N::Output) {
        self.effects.outputs.push(out);
    }

    /// True when the run keeps a rendered trace; lets nodes skip building notes.
    pub fn tracing(&self) -> bool {
        self.tracing
    }

    /// Adds a line to the rendered trace (not to the trace hash). Built only when tracing.
    pub fn note(&mut self, line: impl FnOnce() -> String) {
        if self.tracing {
            self.effects.notes.push(line());
        }
    }
}
