//! KV servers and clerks as simulated processes: the glue between `kvraft` and the engine.
//!
//! A server hosts a `kvraft::KvServer` (Raft plus the key/value state machine); after
//! every call it drains `ready()` in order: save, then Raft messages, then client replies.
//! A clerk hosts a `kvraft::Clerk` and owns its retry timer: when no answer comes within
//! [`CLERK_RETRY`] it tries the next server, as the lab's clerk does when a call fails.

use super::clock::{from_contract, to_contract};
use super::deadline::DeadlineTimer;
use super::raft_server::boot_of;
use crate::engine::{Context, Duration, Node, NodeId, NodeInit, Payload, TimerId};
use crate::monitor::observed::{Applied, Observed};
use kvraft::{AppliedItem, ClerkEvent, ClerkReply, ClerkRequest, Command, KvServer, Op};
use raft_contract::{RaftMessage, RaftNode};
use serde::Serialize;

/// How long a clerk waits for an answer before it tries the next server. labrpc fails a
/// call to a dead or disconnected server within 0-99 ms; a live server that cannot commit
/// (in a minority) never answers, so the clerk must give up on it by itself.
pub const CLERK_RETRY: Duration = Duration::from_millis(100);

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
#[derive(Debug)]
pub struct ClerkNode {
    clerk: kvraft::Clerk,
    servers: Vec<NodeId>,
    timer: Option<TimerId>,
}

impl<R: RaftNode<Command>> KvNode<R> {
    /// A server of `peers` replicas, restored from its disk.
    ///
    /// # Panics
    /// If its disk does not decode: only the server writes it, so that is a bug.
    pub fn server(init: NodeInit<'_>, peers: usize, maxraftstate: Option<usize>) -> KvNode<R> {
        let kv = KvServer::new(boot_of(&init, peers), maxraftstate)
            .unwrap_or_else(|e| panic!("{}: cannot restart from its disk: {e}", init.id));
        KvNode::Server(Box::new(ServerNode {
            kv,
            timer: DeadlineTimer::new(),
            observed: Observed::default(),
        }))
    }

    /// A clerk with id `client` that sees the servers in the order `servers`.
    pub fn clerk(client: kvraft::ClientId, servers: Vec<NodeId>) -> KvNode<R> {
        let clerk = kvraft::Clerk::new(client, servers.len());
        KvNode::Clerk(Box::new(ClerkNode {
            clerk,
            servers,
            timer: None,
        }))
    }

    /// The server inside, if this is a server.
    pub fn as_server(&self) -> Option<&ServerNode<R>> {
        match self {
            KvNode::Server(s) => Some(s),
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
        let (server, request) = c.clerk.begin(op);
        c.send(ctx, server, request);
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

    /// Carries out effects in order (save, Raft messages, replies) and re-arms the timer.
    fn drive(&mut self, ctx: &mut Context<'_, KvNode<R>>) {
        let ready = self.kv.ready();
        if let Some(p) = ready.persist {
            super::save_persisted(ctx, p);
        }
        for (to, msg) in ready.messages {
            self.observed.sent(to, &msg);
            ctx.send(NodeId(to.0), KvMsg::Raft(msg));
        }
        for item in &ready.applied {
            self.observed.applied.push(match item {
                AppliedItem::Command(index, command) => Applied::command(*index, command),
                AppliedItem::Snapshot(index) => Applied::Snapshot { index: *index },
            });
        }
        for (to, reply) in ready.replies {
            let to = u32::try_from(to).expect("reply address is a node id");
            ctx.send(NodeId(to), KvMsg::Reply(reply));
        }
        let deadline = from_contract(self.kv.next_deadline());
        self.timer.arm(ctx, deadline, KvTimer::Raft);
    }
}

impl ClerkNode {
    fn send<R: RaftNode<Command>>(
        &mut self,
        ctx: &mut Context<'_, KvNode<R>>,
        server: usize,
        request: ClerkRequest,
    ) {
        if let Some(t) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        let seq = request.seq;
        ctx.send(self.servers[server], KvMsg::Request(request));
        self.timer = Some(ctx.set_timer(CLERK_RETRY, KvTimer::Retry(seq)));
    }

    fn on_reply<R: RaftNode<Command>>(
        &mut self,
        ctx: &mut Context<'_, KvNode<R>>,
        from: NodeId,
        reply: ClerkReply,
    ) {
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
            // KV servers never answer WrongGroup (one group holds every key).
            ClerkEvent::WrongGroup | ClerkEvent::Ignore => {}
        }
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
                s.observed.handled_term = Some(m.term());
                s.kv.step(raft_contract::NodeId(from.0), m, to_contract(ctx.now()));
                s.drive(ctx);
            }
            (KvNode::Server(s), KvMsg::Request(r)) => {
                s.observed.clear();
                s.kv.handle_request(u64::from(from.0), r, to_contract(ctx.now()));
                s.drive(ctx);
            }
            (KvNode::Clerk(c), KvMsg::Reply(r)) => c.on_reply(ctx, from, r),
            (_, msg) => panic!("{}: unexpected {msg:?}", ctx.me()),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: KvTimer) {
        match (self, timer) {
            (KvNode::Server(s), KvTimer::Raft) => {
                s.observed.clear();
                s.timer.fired();
                s.kv.tick(to_contract(ctx.now()));
                s.drive(ctx);
            }
            (KvNode::Clerk(c), KvTimer::Retry(_)) => {
                c.timer = None;
                if let Some((server, request)) = c.clerk.on_timeout() {
                    c.send(ctx, server, request);
                }
            }
            (_, timer) => panic!("{}: unexpected timer {timer:?}", ctx.me()),
        }
    }
}
