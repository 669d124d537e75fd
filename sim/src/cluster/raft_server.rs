//! A Raft node as a simulated process: the glue between `raft::Raft` and the engine.
//!
//! After every call into Raft the server drains `ready()` in the order Raft documents:
//! save to the disk, then send, then report applied items as outputs. It keeps exactly one
//! engine timer, set for `next_deadline()`.

use super::command::Cmd;
use super::deadline::DeadlineTimer;
use crate::engine::{Context, Instant, Node, NodeId, NodeInit, Payload};
use raft::{ApplyMsg, Config, LogIndex, Message, Raft, Term};

impl Payload for Message<Cmd> {
    fn is_request(&self) -> bool {
        Message::is_request(self)
    }

    fn label(&self) -> String {
        self.to_string()
    }
}

/// The tag of the server's single timer: "Raft has a deadline now".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tick;

/// What a Raft server reports to the tester: an item from its apply stream.
pub type RaftOutput = ApplyMsg<Cmd>;

/// A simulated Raft server.
#[derive(Debug)]
pub struct RaftServer {
    raft: Raft<Cmd>,
    timer: DeadlineTimer,
}

fn to_raft(t: Instant) -> raft::Instant {
    raft::Instant(t.as_nanos())
}

impl RaftServer {
    /// Builds a server of a cluster of `peers` from its durable store.
    ///
    /// # Panics
    /// If the store does not decode: only Raft itself writes it, so that is a Raft bug.
    pub fn new(init: NodeInit<'_>, peers: usize, config: Config) -> RaftServer {
        let persisted = super::persisted_on(init.disk);
        let me = raft::NodeId(init.id.0);
        let raft = Raft::new(me, peers, persisted, config, init.seed, to_raft(init.now))
            .unwrap_or_else(|e| panic!("{}: cannot restart from its disk: {e}", init.id));
        RaftServer {
            raft,
            timer: DeadlineTimer::new(),
        }
    }

    /// The Raft node inside.
    pub fn raft(&self) -> &Raft<Cmd> {
        &self.raft
    }

    /// The lab's `Start(cmd)`.
    ///
    /// # Errors
    /// `raft::Error::NotLeader` when this server is not the leader.
    pub fn start(
        &mut self,
        ctx: &mut Context<'_, Self>,
        cmd: Cmd,
    ) -> raft::Result<(LogIndex, Term)> {
        let result = self.raft.start(cmd, to_raft(ctx.now()));
        self.drive(ctx);
        result
    }

    /// The lab's `Snapshot(index, data)`, called by the service (or the tester's applier).
    ///
    /// # Errors
    /// As `raft::Raft::snapshot`.
    pub fn snapshot(
        &mut self,
        ctx: &mut Context<'_, Self>,
        index: LogIndex,
        data: Vec<u8>,
    ) -> raft::Result<()> {
        let result = self.raft.snapshot(index, data);
        self.drive(ctx);
        result
    }

    /// Carries out Raft's effects in order (save, send, apply) and re-arms the timer.
    fn drive(&mut self, ctx: &mut Context<'_, Self>) {
        let ready = self.raft.ready();
        if let Some(p) = ready.persist {
            super::save_persisted(ctx, p);
        }
        for (to, msg) in ready.messages {
            ctx.send(NodeId(to.0), msg);
        }
        for item in ready.apply {
            ctx.output(item);
        }
        let deadline = Instant(self.raft.next_deadline().0);
        self.timer.arm(ctx, deadline, Tick);
    }
}

impl Node for RaftServer {
    type Msg = Message<Cmd>;
    type Timer = Tick;
    type Output = RaftOutput;

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        self.drive(ctx);
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Message<Cmd>) {
        self.raft
            .step(raft::NodeId(from.0), msg, to_raft(ctx.now()));
        self.drive(ctx);
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _tick: Tick) {
        self.timer.fired();
        self.raft.tick(to_raft(ctx.now()));
        self.drive(ctx);
    }
}
