//! A Raft node as a simulated process: the glue between a Raft under test and the
//! engine.
//!
//! After every call into the node the server drains its `ready()` in the order the
//! contract documents: save to the disk, then send, then report applied items as
//! outputs. It keeps exactly one engine timer, set for `next_deadline()`.

use super::command::Cmd;
use super::deadline::DeadlineTimer;
use crate::engine::{Context, Node, NodeId, NodeInit, NodeStatus, Payload, PayloadKind};
use crate::monitor::observed::{Applied, Observed};
use raft_contract::{
    ApplyMsg, Boot, ChangeRefused, ConfChange, Configuration, LogIndex, RaftMessage, RaftNode,
    Settings, Term,
};
use serde::Serialize;

/// A Raft message on the simulated network: the implementation's message, serialized
/// as itself (so its bytes and trace hash are the message's own).
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct RaftWire<M>(pub M);

impl<M: RaftMessage> Payload for RaftWire<M> {
    fn is_request(&self) -> bool {
        self.0.is_request()
    }

    fn label(&self) -> String {
        self.0.label()
    }

    fn kind(&self) -> PayloadKind {
        PayloadKind::Raft(self.0.kind())
    }
}

/// The tag of the server's single timer: "Raft has a deadline now".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tick;

/// What a Raft server reports to the tester: an item from its apply stream.
pub type RaftOutput = ApplyMsg<Cmd>;

/// The boot record of node `init.id` of `peers`, from its disk, with the run's
/// `settings`: its Raft id is its engine id (a cluster whose nodes are the engine's
/// first ones).
pub fn boot_of(init: &NodeInit<'_>, peers: usize, settings: &Settings) -> Boot {
    boot_as(init, init.id, peers, settings)
}

/// The boot record of the node `init` describes as Raft peer `me` of `peers`, from its
/// disk, with the run's `settings` (a cluster among other nodes: a replica group, the
/// shard controller).
pub fn boot_as(init: &NodeInit<'_>, me: NodeId, peers: usize, settings: &Settings) -> Boot {
    Boot {
        id: me,
        peers,
        config: raft_contract::Configuration::all(peers),
        persisted: init.disk.persisted().clone(),
        seed: init.seed,
        now: init.now,
        settings: settings.clone(),
        // Only KV servers read without the log; they set it (see `KvNode::server`).
        reads: raft_contract::ReadMode::Log,
    }
}

/// A simulated Raft server around node `R`.
#[derive(Debug)]
pub struct RaftServer<R> {
    raft: R,
    timer: DeadlineTimer,
    observed: Observed,
}

impl<R: RaftNode<Cmd>> RaftServer<R> {
    /// Builds a server of a cluster of `peers` from its durable store, booted with the
    /// run's `settings`.
    ///
    /// # Panics
    /// If the node refuses to boot from its disk: only the node itself writes it, so
    /// that is a bug of the implementation, reported as the run's failure.
    pub fn new(init: NodeInit<'_>, peers: usize, settings: &Settings) -> RaftServer<R> {
        RaftServer::with_config(init, peers, Configuration::all(peers), settings)
    }

    /// As [`RaftServer::new`], for a cluster whose membership changes: a server with an
    /// empty disk starts from `config` (the initial configuration for a first member,
    /// the empty one for a server added later; see `Boot::config`).
    ///
    /// # Panics
    /// As [`RaftServer::new`].
    pub fn with_config(
        init: NodeInit<'_>,
        peers: usize,
        config: Configuration,
        settings: &Settings,
    ) -> RaftServer<R> {
        let boot = Boot {
            config,
            ..boot_of(&init, peers, settings)
        };
        let raft = R::boot(boot)
            .unwrap_or_else(|e| panic!("{}: cannot restart from its disk: {e}", init.id));
        RaftServer {
            raft,
            timer: DeadlineTimer::new(),
            observed: Observed::default(),
        }
    }

    /// The Raft node inside.
    pub fn raft(&self) -> &R {
        &self.raft
    }

    /// What the last entry point did, for the monitors.
    pub fn observed(&self) -> &Observed {
        &self.observed
    }

    /// The lab's `Start(cmd)`: `Some((index, term))` if this server is the leader.
    pub fn start(&mut self, ctx: &mut Context<'_, Self>, cmd: Cmd) -> Option<(LogIndex, Term)> {
        self.observed.clear();
        let result = self.raft.start(cmd, ctx.now());
        self.drive(ctx);
        result
    }

    /// Proposes a configuration change (`RaftNode::change`): the index of its entry, or
    /// why the node refused.
    ///
    /// # Errors
    /// The node's refusal.
    pub fn change(
        &mut self,
        ctx: &mut Context<'_, Self>,
        changes: &[ConfChange],
    ) -> Result<LogIndex, ChangeRefused> {
        self.observed.clear();
        let result = self.raft.change(changes, ctx.now());
        self.drive(ctx);
        result
    }

    /// The lab's `Snapshot(index, data)`, called by the tester's snapshot applier.
    ///
    /// # Errors
    /// As the node's `snapshot`.
    pub fn snapshot(
        &mut self,
        ctx: &mut Context<'_, Self>,
        index: LogIndex,
        data: Vec<u8>,
    ) -> Result<(), raft_contract::Error> {
        self.observed.clear();
        let result = self.raft.snapshot(index, data);
        self.drive(ctx);
        result
    }

    /// Carries out the node's effects in order (save, send, apply) and re-arms the timer.
    fn drive(&mut self, ctx: &mut Context<'_, Self>) {
        let ready = self.raft.ready();
        if let Some(p) = ready.persist {
            ctx.save_persisted(p);
        }
        for (to, msg) in ready.messages {
            self.observed.sent(to, &msg);
            ctx.send(to, RaftWire(msg));
        }
        for item in ready.apply {
            self.observed.applied.push(Applied::of(&item));
            ctx.output(item);
        }
        let deadline = self.raft.next_deadline();
        self.timer.arm(ctx, deadline, Tick);
    }
}

impl<R: RaftNode<Cmd>> Node for RaftServer<R> {
    type Msg = RaftWire<R::Message>;
    type Timer = Tick;
    type Output = RaftOutput;

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        self.observed.clear();
        self.drive(ctx);
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Self::Msg) {
        self.observed.clear();
        self.observed.handled_term = (!self.raft.discards(&msg.0, ctx.now()))
            .then(|| msg.0.term())
            .flatten();
        self.raft.step(from, msg.0, ctx.now());
        self.drive(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _tick: Tick) {
        self.observed.clear();
        self.timer.fired();
        self.raft.tick(ctx.now());
        self.drive(ctx);
    }

    fn status(&self) -> Option<NodeStatus> {
        Some(super::traced_status(&self.raft.status()))
    }
}
