//! KV servers and clerks as simulated processes: the glue between `kvraft` and the engine.
//!
//! A server hosts a `kvraft::KvServer` (Raft plus the key/value state machine); after
//! every call it drains `ready()` in order: save, then Raft messages, then client replies.
//! A clerk hosts a `kvraft::Clerk` in a [`ClerkDriver`], which owns its retry timer:
//! when no answer comes within [`CLERK_RETRY`] it tries the next server, as the lab's
//! clerk does when a call fails.

use super::clerk_driver::{ClerkDriver, Wire};
use super::deadline::DeadlineTimer;
use super::raft_server::boot_of;
use super::replica_driver::{carry_out, ReplicaWire};
use crate::engine::{Context, Node, NodeId, NodeInit, NodeStatus, Payload, PayloadKind};
use crate::monitor::observed::Observed;
use kvraft::{ClerkReply, ClerkRequest, Command, KvServer, Op};
use raft_contract::{
    Boot, ChangeRefused, ConfChange, Configuration, LogIndex, RaftMessage, RaftNode, ReadMode,
    Settings,
};
use serde::Serialize;

pub use super::clerk_driver::CLERK_RETRY;

/// Every message of a KV simulation, around the Raft implementation's messages `M`.
#[derive(Clone, Debug, Serialize)]
pub enum KvMsg<M> {
    /// Between servers.
    Raft(M),
    /// From a clerk to a server.
    Request(ClerkRequest),
    /// From a server to a clerk.
    Reply(ClerkReply),
}

impl<M: RaftMessage> Payload for KvMsg<M> {
    fn is_request(&self) -> bool {
        match self {
            KvMsg::Raft(m) => m.is_request(),
            KvMsg::Request(_) => true,
            KvMsg::Reply(_) => false,
        }
    }

    fn label(&self) -> String {
        match self {
            KvMsg::Raft(m) => m.label(),
            KvMsg::Request(r) => format!("Request c{} #{} {:?}", r.client.0, r.seq, r.op),
            KvMsg::Reply(r) => format!("Reply {r:?}"),
        }
    }

    fn kind(&self) -> PayloadKind {
        match self {
            KvMsg::Raft(m) => PayloadKind::Raft(m.kind()),
            KvMsg::Request(_) => PayloadKind::Service("Request"),
            KvMsg::Reply(_) => PayloadKind::Service("Reply"),
        }
    }
}

/// Timers of KV nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KvTimer {
    /// A server's Raft deadline.
    Raft,
    /// A clerk's retry of request `seq`.
    Retry(u64),
}

/// What KV nodes report to the tester.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KvOutput {
    /// A clerk's operation completed with this value ("" for Put and Append).
    Done {
        /// The value read (Get) or "" (Put, Append).
        value: String,
    },
}

/// A KV server on Raft implementation `R`, or a clerk.
pub enum KvNode<R> {
    /// A replica.
    Server(Box<ServerNode<R>>),
    /// A client.
    Clerk(Box<ClerkNode>),
}

/// A KV replica and its single Raft timer.
pub struct ServerNode<R> {
    kv: KvServer<R>,
    timer: DeadlineTimer,
    observed: Observed,
}

/// A clerk, its servers in its own (shuffled) order, and its retry timer.
pub type ClerkNode = ClerkDriver<Op>;

/// How a KV node carries a clerk's requests and retries.
fn wire<R: RaftNode<Command>>() -> Wire<KvNode<R>, Op> {
    Wire {
        request: KvMsg::Request,
        retry: KvTimer::Retry,
    }
}

impl<R: RaftNode<Command>> KvNode<R> {
    /// A server of `peers` replicas, restored from its disk, its Raft booted with the
    /// run's `settings`, serving Gets as `reads` says.
    ///
    /// # Panics
    /// If its disk does not decode: only the server writes it, so that is a bug.
    pub fn server(
        init: NodeInit<'_>,
        peers: usize,
        maxraftstate: Option<usize>,
        settings: &Settings,
        reads: ReadMode,
    ) -> KvNode<R> {
        KvNode::member(
            init,
            peers,
            Configuration::all(peers),
            maxraftstate,
            settings,
            reads,
        )
    }

    /// As [`KvNode::server`], for a cluster whose membership changes: with an empty disk
    /// the server's Raft starts from `config` (see `Boot::config`).
    ///
    /// # Panics
    /// As [`KvNode::server`].
    pub fn member(
        init: NodeInit<'_>,
        peers: usize,
        config: Configuration,
        maxraftstate: Option<usize>,
        settings: &Settings,
        reads: ReadMode,
    ) -> KvNode<R> {
        let boot = Boot {
            reads,
            config,
            ..boot_of(&init, peers, settings)
        };
        let kv = KvServer::new(boot, maxraftstate)
            .unwrap_or_else(|e| panic!("{}: cannot restart from its disk: {e}", init.id));
        KvNode::Server(Box::new(ServerNode {
            kv,
            timer: DeadlineTimer::new(),
            observed: Observed::default(),
        }))
    }

    /// A clerk with id `client` that sees the servers in the order `servers`.
    pub fn clerk(client: kvraft::ClientId, servers: Vec<NodeId>) -> KvNode<R> {
        KvNode::Clerk(Box::new(ClerkDriver::new(client, servers)))
    }

    /// The server inside, if this is a server.
    pub fn as_server(&self) -> Option<&ServerNode<R>> {
        match self {
            KvNode::Server(s) => Some(s),
            KvNode::Clerk(_) => None,
        }
    }

    /// Proposes a configuration change to a server's Raft; `None` for a clerk.
    pub fn change(
        &mut self,
        ctx: &mut Context<'_, KvNode<R>>,
        changes: &[ConfChange],
    ) -> Option<Result<LogIndex, ChangeRefused>> {
        match self {
            KvNode::Server(s) => Some(s.change(ctx, changes)),
            KvNode::Clerk(_) => None,
        }
    }

    /// Starts a clerk operation (one at a time per clerk).
    ///
    /// # Panics
    /// If this is not a clerk, or it has an operation in flight.
    pub fn begin(&mut self, ctx: &mut Context<'_, KvNode<R>>, op: Op) {
        let KvNode::Clerk(c) = self else {
            panic!("{}: begin() on a server", ctx.me());
        };
        c.begin(ctx, op, &wire());
    }
}

impl<R: RaftNode<Command>> ServerNode<R> {
    /// The replica's state machine and Raft.
    pub fn kv(&self) -> &KvServer<R> {
        &self.kv
    }

    /// What the last entry point did, for the monitors.
    pub fn observed(&self) -> &Observed {
        &self.observed
    }

    /// Proposes a configuration change to the server's Raft (`RaftNode::change`).
    ///
    /// # Errors
    /// The node's refusal.
    pub fn change(
        &mut self,
        ctx: &mut Context<'_, KvNode<R>>,
        changes: &[ConfChange],
    ) -> Result<LogIndex, ChangeRefused> {
        self.observed.clear();
        let result = self.kv.change(changes, ctx.now());
        self.drive(ctx);
        result
    }

    /// Carries out effects in order (save, Raft messages, replies) and re-arms the timer.
    fn drive(&mut self, ctx: &mut Context<'_, KvNode<R>>) {
        let wire = ReplicaWire {
            raft: KvMsg::Raft,
            reply: KvMsg::Reply,
        };
        let ready = self.kv.ready();
        carry_out(ctx, ready, &mut self.observed, |to| to, &wire);
        let deadline = self.kv.next_deadline();
        self.timer.arm(ctx, deadline, KvTimer::Raft);
    }
}
impl<R: RaftNode<Command>> Node for KvNode<R> {
    type Msg = KvMsg<R::Message>;
    type Timer = KvTimer;
    type Output = KvOutput;

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        if let KvNode::Server(s) = self {
            s.observed.clear();
            s.drive(ctx);
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Self::Msg) {
        match (self, msg) {
            (KvNode::Server(s), KvMsg::Raft(m)) => {
                s.observed.clear();
                s.observed.handled_term = (!s.kv.raft().discards(&m, ctx.now()))
                    .then(|| m.term())
                    .flatten();
                s.kv.step(from, m, ctx.now());
                s.drive(ctx);
            }
            (KvNode::Server(s), KvMsg::Request(r)) => {
                s.observed.clear();
                s.kv.handle_request(u64::from(from.0), r, ctx.now());
                s.drive(ctx);
            }
            (KvNode::Clerk(c), KvMsg::Reply(r)) => {
                if let Some(value) = c.on_reply(ctx, from, r, &wire()) {
                    ctx.output(KvOutput::Done { value });
                }
            }
            (_, msg) => panic!("{}: unexpected {msg:?}", ctx.me()),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: KvTimer) {
        match (self, timer) {
            (KvNode::Server(s), KvTimer::Raft) => {
                s.observed.clear();
                s.timer.fired();
                s.kv.tick(ctx.now());
                s.drive(ctx);
            }
            (KvNode::Clerk(c), KvTimer::Retry(_)) => c.on_timeout(ctx, &wire()),
            (_, timer) => panic!("{}: unexpected timer {timer:?}", ctx.me()),
        }
    }

    fn status(&self) -> Option<NodeStatus> {
        match self {
            KvNode::Server(s) => Some(super::traced_status(&s.kv.raft().status())),
            KvNode::Clerk(_) => None,
        }
    }
}
