//! KV servers and clerks as simulated processes: the glue between `kvraft` and the engine.
//!
//! A server hosts a `kvraft::KvServer` (Raft plus the key/value state machine); after
//! every call it drains `ready()` in order: save, then Raft messages, then client replies.
//! A clerk hosts a `kvraft::Clerk` and owns its retry timer: when no answer comes within
//! [`CLERK_RETRY`] it tries the next server, as the lab's clerk does when a call fails.

use super::deadline::DeadlineTimer;
use crate::engine::{Context, Duration, Instant, Node, NodeId, NodeInit, Payload, TimerId};
use kvraft::{ClerkEvent, ClerkReply, ClerkRequest, Command, KvServer, Op};
use raft::{Config, Message};
use serde::{Deserialize, Serialize};

/// How long a clerk waits for an answer before it tries the next server. labrpc fails a
/// call to a dead or disconnected server within 0-99 ms; a live server that cannot commit
/// (in a minority) never answers, so the clerk must give up on it by itself.
pub const CLERK_RETRY: Duration = Duration::from_millis(100);

/// Every message of a KV simulation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum KvMsg {
    /// Between servers.
    Raft(Message<Command>),
    /// From a clerk to a server.
    Request(ClerkRequest),
    /// From a server to a clerk.
    Reply(ClerkReply),
}

impl Payload for KvMsg {
    fn is_request(&self) -> bool {
        match self {
            KvMsg::Raft(m) => m.is_request(),
            KvMsg::Request(_) => true,
            KvMsg::Reply(_) => false,
        }
    }

    fn label(&self) -> String {
        match self {
            KvMsg::Raft(m) => m.to_string(),
            KvMsg::Request(r) => format!("Request c{} #{} {:?}", r.client.0, r.seq, r.op),
            KvMsg::Reply(r) => format!("Reply {r:?}"),
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

/// A KV server or a clerk.
#[derive(Debug)]
pub enum KvNode {
    /// A replica.
    Server(Box<ServerNode>),
    /// A client.
    Clerk(Box<ClerkNode>),
}

/// A KV replica and its single Raft timer.
#[derive(Debug)]
pub struct ServerNode {
    kv: KvServer,
    timer: DeadlineTimer,
    /// InstallSnapshot messages delivered to this incarnation.
    pub snapshots_received: u64,
}

/// A clerk, its servers in its own (shuffled) order, and its retry timer.
#[derive(Debug)]
pub struct ClerkNode {
    clerk: kvraft::Clerk,
    servers: Vec<NodeId>,
    timer: Option<TimerId>,
}

fn to_raft(t: Instant) -> raft::Instant {
    raft::Instant(t.as_nanos())
}

impl KvNode {
    /// A server of `peers` replicas, restored from its disk.
    ///
    /// # Panics
    /// If its disk does not decode: only the server writes it, so that is a bug.
    pub fn server(init: NodeInit<'_>, peers: usize, maxraftstate: Option<usize>) -> KvNode {
        let persisted = super::persisted_on(init.disk);
        let me = raft::NodeId(init.id.0);
        let kv = KvServer::new(
            me,
            peers,
            persisted,
            maxraftstate,
            Config::default(),
            init.seed,
            to_raft(init.now),
        )
        .unwrap_or_else(|e| panic!("{}: cannot restart from its disk: {e}", init.id));
        KvNode::Server(Box::new(ServerNode {
            kv,
            timer: DeadlineTimer::new(),
            snapshots_received: 0,
        }))
    }

    /// A clerk with id `client` that sees the servers in the order `servers`.
    pub fn clerk(client: kvraft::ClientId, servers: Vec<NodeId>) -> KvNode {
        let clerk = kvraft::Clerk::new(client, servers.len());
        KvNode::Clerk(Box::new(ClerkNode {
            clerk,
            servers,
            timer: None,
        }))
    }

    /// The server inside, if this is a server.
    pub fn as_server(&self) -> Option<&ServerNode> {
        match self {
            KvNode::Server(s) => Some(s),
            KvNode::Clerk(_) => None,
        }
    }

    /// Starts a clerk operation (one at a time per clerk).
    ///
    /// # Panics
    /// If this is not a clerk, or it has an operation in flight.
    pub fn begin(&mut self, ctx: &mut Context<'_, KvNode>, op: Op) {
        let KvNode::Clerk(c) = self else {
            panic!("{}: begin() on a server", ctx.me());
        };
        let (server, request) = c.clerk.begin(op);
        c.send(ctx, server, request);
    }
}

impl ServerNode {
    /// The replica's state machine and Raft.
    pub fn kv(&self) -> &KvServer {
        &self.kv
    }

    /// Carries out effects in order (save, Raft messages, replies) and re-arms the timer.
    fn drive(&mut self, ctx: &mut Context<'_, KvNode>) {
        let ready = self.kv.ready();
        if let Some(p) = ready.persist {
            super::save_persisted(ctx, p);
        }
        for (to, msg) in ready.messages {
            ctx.send(NodeId(to.0), KvMsg::Raft(msg));
        }
        for (to, reply) in ready.replies {
            let to = u32::try_from(to).expect("reply address is a node id");
            ctx.send(NodeId(to), KvMsg::Reply(reply));
        }
        let deadline = Instant(self.kv.next_deadline().0);
        self.timer.arm(ctx, deadline, KvTimer::Raft);
    }
}

impl ClerkNode {
    fn send(&mut self, ctx: &mut Context<'_, KvNode>, server: usize, request: ClerkRequest) {
        if let Some(t) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        let seq = request.seq;
        ctx.send(self.servers[server], KvMsg::Request(request));
        self.timer = Some(ctx.set_timer(CLERK_RETRY, KvTimer::Retry(seq)));
    }

    fn on_reply(&mut self, ctx: &mut Context<'_, KvNode>, from: NodeId, reply: ClerkReply) {
        let Some(server) = self.servers.iter().position(|&s| s == from) else {
            return;
        };
        match self.clerk.on_reply(server, reply) {
            ClerkEvent::Done { value } => {
                if let Some(t) = self.timer.take() {
                    ctx.cancel_timer(t);
                }
                ctx.output(KvOutput::Done { value });
            }
            ClerkEvent::Retry { server, request } => self.send(ctx, server, request),
            ClerkEvent::Ignore => {}
        }
    }
}

impl Node for KvNode {
    type Msg = KvMsg;
    type Timer = KvTimer;
    type Output = KvOutput;

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        if let KvNode::Server(s) = self {
            s.drive(ctx);
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: KvMsg) {
        match (self, msg) {
            (KvNode::Server(s), KvMsg::Raft(m)) => {
                if matches!(m, Message::InstallSnapshot(_)) {
                    s.snapshots_received += 1;
                }
                s.kv.step(raft::NodeId(from.0), m, to_raft(ctx.now()));
                s.drive(ctx);
            }
            (KvNode::Server(s), KvMsg::Request(r)) => {
                s.kv.handle_request(u64::from(from.0), r, to_raft(ctx.now()));
                s.drive(ctx);
            }
            (KvNode::Clerk(c), KvMsg::Reply(r)) => c.on_reply(ctx, from, r),
            (node, msg) => panic!("{}: unexpected {msg:?} for {node:?}", ctx.me()),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: KvTimer) {
        match (self, timer) {
            (KvNode::Server(s), KvTimer::Raft) => {
                s.timer.fired();
                s.kv.tick(to_raft(ctx.now()));
                s.drive(ctx);
            }
            (KvNode::Clerk(c), KvTimer::Retry(_)) => {
                c.timer = None;
                if let Some((server, request)) = c.clerk.on_timeout() {
                    c.send(ctx, server, request);
                }
            }
            (node, timer) => panic!("{}: unexpected timer {timer:?} for {node:?}", ctx.me()),
        }
    }
}
