//! The sharded KV service's processes on the engine: shard controller servers, replica
//! group servers, sharded clerks and the tester's controller clerk, all of one node
//! type so that they share one simulation.
//!
//! Every Raft cluster (the controller, each group) numbers its peers from 0; a node
//! keeps the engine ids of its cluster's peers to send its Raft messages. Group servers
//! are named as the lab names them (`server-<gid>-<i>`), and the [`Directory`] turns a
//! name from a configuration into an engine id, as the lab's `make_end` does.

use super::clerk_driver::{ClerkDriver, Wire, CLERK_RETRY};
use super::deadline::DeadlineTimer;
use super::raft_server::boot_as;
use super::replica_driver::{carry_out, ReplicaWire};
use crate::engine::{
    Context, Duration, Node, NodeId, NodeInit, NodeStatus, Payload, PayloadKind, TimerId,
};
use crate::monitor::observed::Observed;
use kvraft::shardctrler::{CtrlAnswer, CtrlCommand, CtrlOp, CtrlServer, Gid};
use kvraft::shardkv::{
    Defect, Migrate, MigrateReply, ShardAction, ShardClerk, ShardEntry, ShardServer,
};
use kvraft::{ClientId, Op, Reply, Request};
use raft_contract::{RaftMessage, RaftNode, Settings};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every message of a sharded KV simulation, around the controller's Raft messages `C`
/// and the groups' Raft messages `G`.
#[derive(Clone, Debug, Serialize)]
pub enum ShardMsg<C, G> {
    /// Between controller servers.
    CtrlRaft(C),
    /// Between the servers of one group.
    GroupRaft(G),
    /// To a controller server.
    CtrlRequest(Request<CtrlOp>),
    /// From a controller server.
    CtrlReply(Reply<CtrlAnswer>),
    /// From a clerk to a group server.
    Request(Request<Op>),
    /// From a group server to a clerk.
    Reply(Reply<String>),
    /// From one group's leader to another group's server.
    Migrate(Migrate),
    /// The answer.
    MigrateReply(MigrateReply),
}

impl<C: RaftMessage, G: RaftMessage> Payload for ShardMsg<C, G> {
    fn is_request(&self) -> bool {
        match self {
            ShardMsg::CtrlRaft(m) => m.is_request(),
            ShardMsg::GroupRaft(m) => m.is_request(),
            ShardMsg::CtrlRequest(_) | ShardMsg::Request(_) | ShardMsg::Migrate(_) => true,
            ShardMsg::CtrlReply(_) | ShardMsg::Reply(_) | ShardMsg::MigrateReply(_) => false,
        }
    }

    fn label(&self) -> String {
        match self {
            ShardMsg::CtrlRaft(m) => format!("ctrl {}", m.label()),
            ShardMsg::GroupRaft(m) => m.label(),
            ShardMsg::CtrlRequest(r) => format!("CtrlRequest c{} #{} {}", r.client.0, r.seq, r.op),
            ShardMsg::CtrlReply(r) => match r {
                Reply::Ok {
                    seq,
                    value: CtrlAnswer::Config(c),
                } => format!("CtrlReply #{seq} {c}"),
                other => format!("CtrlReply {other:?}"),
            },
            ShardMsg::Request(r) => format!("Request c{} #{} {}", r.client.0, r.seq, r.op),
            ShardMsg::Reply(r) => format!("Reply {r:?}"),
            ShardMsg::Migrate(m) => format!("{m:?}"),
            ShardMsg::MigrateReply(MigrateReply::Shard { num, shard, data }) => {
                format!("Shard {shard} of {num} ({} keys)", data.store.len())
            }
            ShardMsg::MigrateReply(r) => format!("{r:?}"),
        }
    }

    /// The controller's Raft messages have the kinds of the groups' (their labels say
    /// `ctrl`).
    fn kind(&self) -> PayloadKind {
        match self {
            ShardMsg::CtrlRaft(m) => PayloadKind::Raft(m.kind()),
            ShardMsg::GroupRaft(m) => PayloadKind::Raft(m.kind()),
            ShardMsg::CtrlRequest(_) => PayloadKind::Service("CtrlRequest"),
            ShardMsg::CtrlReply(_) => PayloadKind::Service("CtrlReply"),
            ShardMsg::Request(_) => PayloadKind::Service("Request"),
            ShardMsg::Reply(_) => PayloadKind::Service("Reply"),
            ShardMsg::Migrate(Migrate::Pull { .. }) => PayloadKind::Service("Pull"),
            ShardMsg::Migrate(Migrate::Delete { .. }) => PayloadKind::Service("Delete"),
            ShardMsg::MigrateReply(MigrateReply::Shard { .. }) => PayloadKind::Service("Shard"),
            ShardMsg::MigrateReply(MigrateReply::Deleted { .. }) => PayloadKind::Service("Deleted"),
        }
    }
}

/// Timers of sharded KV nodes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardTimer {
    /// A server's Raft deadline (and a group server's poll).
    Raft,
    /// The tester's controller clerk's retry of request `seq`.
    Retry(u64),
    /// A sharded clerk's timeout or pause.
    Clerk,
}

/// What the clerks report to the tester.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShardOutput {
    /// A sharded clerk's operation completed with this value ("" for Put and Append).
    Kv {
        /// The value read, or "".
        value: String,
    },
    /// The tester's controller clerk's operation completed.
    Ctrl(CtrlAnswer),
}

/// The names of the group servers, both ways (the lab's `make_end`).
#[derive(Clone, Debug, Default)]
pub struct Directory {
    by_name: BTreeMap<String, NodeId>,
    by_id: BTreeMap<NodeId, String>,
}

impl Directory {
    /// Names engine node `id` `name`.
    ///
    /// # Panics
    /// If the name or the node has a name already.
    pub fn add(&mut self, name: String, id: NodeId) {
        assert!(
            self.by_id.insert(id, name.clone()).is_none(),
            "{id} named twice"
        );
        assert!(
            self.by_name.insert(name, id).is_none(),
            "a name given twice"
        );
    }

    /// The node called `name` (none for a name no server has, as the controller tests'
    /// made-up server names).
    pub fn id(&self, name: &str) -> Option<NodeId> {
        self.by_name.get(name).copied()
    }

    /// The name of node `id`.
    pub fn name(&self, id: NodeId) -> Option<&str> {
        self.by_id.get(&id).map(String::as_str)
    }
}

/// How every group server is built.
#[derive(Clone, Copy, Debug, Default)]
pub struct GroupSetup {
    /// The lab's `maxraftstate` (`None`: -1).
    pub maxraftstate: Option<usize>,
    /// A bug planted on purpose, for tests of the scenarios' checks.
    pub defect: Option<Defect>,
}

/// A node of a sharded KV simulation: controller Raft `C`, group Raft `G`.
pub enum ShardNode<C, G> {
    /// A shard controller server.
    Ctrl(Box<CtrlNode<C>>),
    /// A replica group server.
    Group(Box<GroupNode<G>>),
    /// A sharded clerk.
    Clerk(Box<ClerkNode>),
    /// The tester's controller clerk (the lab's `mck`).
    Admin(Box<ClerkDriver<CtrlOp>>),
}

/// A controller server and its Raft timer.
pub struct CtrlNode<C> {
    server: CtrlServer<C>,
    peers: Arc<Vec<NodeId>>,
    timer: DeadlineTimer,
    observed: Observed,
}

/// A replica group server, its peers and the controller, and its timer.
pub struct GroupNode<G> {
    server: ShardServer<G>,
    peers: Arc<Vec<NodeId>>,
    ctrl: Arc<Vec<NodeId>>,
    directory: Arc<Directory>,
    timer: DeadlineTimer,
    observed: Observed,
}

/// A sharded clerk, the controller servers in its own order, and its one timer.
pub struct ClerkNode {
    clerk: ShardClerk,
    ctrl: Vec<NodeId>,
    directory: Arc<Directory>,
    timer: Option<TimerId>,
}

/// How the tester's controller clerk sends and retries.
fn admin_wire<C: RaftNode<CtrlCommand>, G: RaftNode<ShardEntry>>() -> Wire<ShardNode<C, G>, CtrlOp>
{
    Wire {
        request: ShardMsg::CtrlRequest,
        retry: ShardTimer::Retry,
    }
}

/// Raft peer index of `id` in `peers`.
fn peer_of(peers: &[NodeId], id: NodeId) -> Option<NodeId> {
    let i = peers.iter().position(|&p| p == id)?;
    Some(NodeId(u32::try_from(i).expect("few peers")))
}

impl<C: RaftNode<CtrlCommand>, G: RaftNode<ShardEntry>> ShardNode<C, G> {
    /// A controller server, peer of `peers`, restored from its disk, its Raft booted
    /// with the run's `settings`.
    ///
    /// # Panics
    /// If it is not among `peers`, or its disk does not decode (only it writes it).
    pub fn ctrl(
        init: NodeInit<'_>,
        peers: Arc<Vec<NodeId>>,
        maxraftstate: Option<usize>,
        settings: &Settings,
    ) -> ShardNode<C, G> {
        let me = peer_of(&peers, init.id).expect("a controller server among its peers");
        let boot = boot_as(&init, me, peers.len(), settings);
        let server = CtrlServer::new(boot, maxraftstate)
            .unwrap_or_else(|e| panic!("{}: cannot restart from its disk: {e}", init.id));
        ShardNode::Ctrl(Box::new(CtrlNode {
            server,
            peers,
            timer: DeadlineTimer::new(),
            observed: Observed::default(),
        }))
    }

    /// A server of group `gid`, peer of `peers`, restored from its disk, its Raft
    /// booted with the run's `settings`. Its controller clerk's id comes from its boot
    /// seed, so that every incarnation has its own.
    ///
    /// # Panics
    /// As [`ShardNode::ctrl`].
    pub fn group(
        init: NodeInit<'_>,
        gid: Gid,
        peers: Arc<Vec<NodeId>>,
        ctrl: Arc<Vec<NodeId>>,
        directory: Arc<Directory>,
        setup: GroupSetup,
        settings: &Settings,
    ) -> ShardNode<C, G> {
        let me = peer_of(&peers, init.id).expect("a group server among its peers");
        let boot = boot_as(&init, me, peers.len(), settings);
        let client = ClientId(init.seed | (1 << 63));
        let (max, defect) = (setup.maxraftstate, setup.defect);
        let server = ShardServer::with_defect(boot, max, gid, ctrl.len(), client, defect)
            .unwrap_or_else(|e| panic!("{}: cannot restart from its disk: {e}", init.id));
        ShardNode::Group(Box::new(GroupNode {
            server,
            peers,
            ctrl,
            directory,
            timer: DeadlineTimer::new(),
            observed: Observed::default(),
        }))
    }

    /// A sharded clerk with id `client` that sees the controller servers in the order
    /// `ctrl`.
    pub fn clerk(client: ClientId, ctrl: Vec<NodeId>, directory: Arc<Directory>) -> Self {
        ShardNode::Clerk(Box::new(ClerkNode {
            clerk: ShardClerk::new(client, ctrl.len()),
            ctrl,
            directory,
            timer: None,
        }))
    }

    /// The tester's controller clerk.
    pub fn admin(client: ClientId, ctrl: Vec<NodeId>) -> Self {
        ShardNode::Admin(Box::new(ClerkDriver::new(client, ctrl)))
    }

    /// The controller server inside, if this is one.
    pub fn as_ctrl(&self) -> Option<&CtrlServer<C>> {
        match self {
            ShardNode::Ctrl(c) => Some(&c.server),
            _ => None,
        }
    }

    /// The group server inside, if this is one.
    pub fn as_group(&self) -> Option<&ShardServer<G>> {
        match self {
            ShardNode::Group(g) => Some(&g.server),
            _ => None,
        }
    }

    /// What the last handler of a server did, for the monitors.
    pub fn observed(&self) -> Option<&Observed> {
        match self {
            ShardNode::Ctrl(c) => Some(&c.observed),
            ShardNode::Group(g) => Some(&g.observed),
            _ => None,
        }
    }

    /// Starts a KV operation on a sharded clerk.
    ///
    /// # Panics
    /// If this is not a sharded clerk, or it has an operation in flight.
    pub fn begin(&mut self, ctx: &mut Context<'_, Self>, op: Op) {
        let ShardNode::Clerk(c) = self else {
            panic!(
                "{}: begin() on a node that is not a sharded clerk",
                ctx.me()
            );
        };
        let action = c.clerk.begin(op);
        c.act(ctx, action);
    }

    /// Starts a controller operation on the tester's controller clerk.
    ///
    /// # Panics
    /// If this is not the controller clerk, or it has an operation in flight.
    pub fn begin_ctrl(&mut self, ctx: &mut Context<'_, Self>, op: CtrlOp) {
        let ShardNode::Admin(a) = self else {
            panic!(
                "{}: begin_ctrl() on a node that is not a controller clerk",
                ctx.me()
            );
        };
        a.begin(ctx, op, &admin_wire());
    }
}

impl<C: RaftNode<CtrlCommand>> CtrlNode<C> {
    fn drive<G: RaftNode<ShardEntry>>(&mut self, ctx: &mut Context<'_, ShardNode<C, G>>) {
        let wire = ReplicaWire {
            raft: ShardMsg::CtrlRaft,
            reply: ShardMsg::CtrlReply,
        };
        let peers = &self.peers;
        let ready = self.server.ready();
        carry_out(
            ctx,
            ready,
            &mut self.observed,
            |to| peers[to.index()],
            &wire,
        );
        let deadline = self.server.next_deadline();
        self.timer.arm(ctx, deadline, ShardTimer::Raft);
    }
}

impl<G: RaftNode<ShardEntry>> GroupNode<G> {
    fn drive<C: RaftNode<CtrlCommand>>(&mut self, ctx: &mut Context<'_, ShardNode<C, G>>) {
        let wire = ReplicaWire {
            raft: ShardMsg::GroupRaft,
            reply: ShardMsg::Reply,
        };
        let ready = self.server.ready();
        let peers = &self.peers;
        carry_out(
            ctx,
            ready.replica,
            &mut self.observed,
            |to| peers[to.index()],
            &wire,
        );
        for (i, request) in ready.to_ctrl {
            ctx.send(self.ctrl[i], ShardMsg::CtrlRequest(request));
        }
        for (name, request) in ready.to_groups {
            if let Some(to) = self.directory.id(&name) {
                ctx.send(to, ShardMsg::Migrate(request));
            }
        }
        for (to, reply) in ready.migration_replies {
            let to = u32::try_from(to).expect("reply address is a node id");
            ctx.send(NodeId(to), ShardMsg::MigrateReply(reply));
        }
        let deadline = self.server.next_deadline();
        self.timer.arm(ctx, deadline, ShardTimer::Raft);
    }

    fn on_message<C: RaftNode<CtrlCommand>>(
        &mut self,
        ctx: &mut Context<'_, ShardNode<C, G>>,
        from: NodeId,
        msg: ShardMsg<C::Message, G::Message>,
    ) {
        self.observed.clear();
        let now = ctx.now();
        let reply_to = u64::from(from.0);
        match msg {
            ShardMsg::GroupRaft(m) => {
                self.observed.handled_term = (!self.server.raft().discards(&m, now))
                    .then(|| m.term())
                    .flatten();
                let peer = peer_of(&self.peers, from).expect("raft message from a peer");
                self.server.step(peer, m, now);
            }
            ShardMsg::Request(r) => self.server.handle_request(reply_to, r, now),
            ShardMsg::CtrlReply(r) => {
                if let Some(i) = self.ctrl.iter().position(|&c| c == from) {
                    self.server.handle_ctrl_reply(i, r, now);
                }
            }
            ShardMsg::Migrate(m) => self.server.handle_migration(reply_to, m, now),
            ShardMsg::MigrateReply(r) => self.server.handle_migration_reply(r, now),
            other => panic!("{}: a group server got {other:?}", ctx.me()),
        }
        self.drive(ctx);
    }
}

impl ClerkNode {
    /// Carries out what the clerk asks, with one timer for a timeout or a pause.
    fn act<C, G>(&mut self, ctx: &mut Context<'_, ShardNode<C, G>>, action: ShardAction)
    where
        C: RaftNode<CtrlCommand>,
        G: RaftNode<ShardEntry>,
    {
        let wait = match action {
            ShardAction::Nothing => return,
            ShardAction::ToGroup { server, request } => {
                // A name no server has is a call that fails: the timeout moves on.
                if let Some(to) = self.directory.id(&server) {
                    ctx.send(to, ShardMsg::Request(request));
                }
                CLERK_RETRY
            }
            ShardAction::ToCtrl { server, request } => {
                ctx.send(self.ctrl[server], ShardMsg::CtrlRequest(request));
                CLERK_RETRY
            }
            ShardAction::Pause => Duration(kvraft::shardkv::clerk::PAUSE.0),
            ShardAction::Done { value } => {
                if let Some(t) = self.timer.take() {
                    ctx.cancel_timer(t);
                }
                ctx.output(ShardOutput::Kv { value });
                return;
            }
        };
        if let Some(t) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        self.timer = Some(ctx.set_timer(wait, ShardTimer::Clerk));
    }

    fn on_message<C, G>(
        &mut self,
        ctx: &mut Context<'_, ShardNode<C, G>>,
        from: NodeId,
        msg: ShardMsg<C::Message, G::Message>,
    ) where
        C: RaftNode<CtrlCommand>,
        G: RaftNode<ShardEntry>,
    {
        let action = match msg {
            ShardMsg::Reply(r) => match self.directory.name(from) {
                Some(name) => self.clerk.on_group_reply(name, r),
                None => ShardAction::Nothing,
            },
            ShardMsg::CtrlReply(r) => match self.ctrl.iter().position(|&c| c == from) {
                Some(i) => self.clerk.on_ctrl_reply(i, r),
                None => ShardAction::Nothing,
            },
            other => panic!("{}: a clerk got {other:?}", ctx.me()),
        };
        self.act(ctx, action);
    }
}

impl<C: RaftNode<CtrlCommand>, G: RaftNode<ShardEntry>> Node for ShardNode<C, G> {
    type Msg = ShardMsg<C::Message, G::Message>;
    type Timer = ShardTimer;
    type Output = ShardOutput;

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        match self {
            ShardNode::Ctrl(c) => {
                c.observed.clear();
                c.drive(ctx);
            }
            ShardNode::Group(g) => {
                g.observed.clear();
                g.drive(ctx);
            }
            ShardNode::Clerk(_) | ShardNode::Admin(_) => {}
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: Self::Msg) {
        match (self, msg) {
            (ShardNode::Ctrl(c), ShardMsg::CtrlRaft(m)) => {
                c.observed.clear();
                c.observed.handled_term = (!c.server.raft().discards(&m, ctx.now()))
                    .then(|| m.term())
                    .flatten();
                let peer = peer_of(&c.peers, from).expect("raft message from a peer");
                c.server.step(peer, m, ctx.now());
                c.drive(ctx);
            }
            (ShardNode::Ctrl(c), ShardMsg::CtrlRequest(r)) => {
                c.observed.clear();
                let reply_to = u64::from(from.0);
                c.server.handle_request(reply_to, r, ctx.now());
                c.drive(ctx);
            }
            (ShardNode::Group(g), msg) => g.on_message(ctx, from, msg),
            (ShardNode::Clerk(c), msg) => c.on_message(ctx, from, msg),
            (ShardNode::Admin(a), ShardMsg::CtrlReply(r)) => {
                if let Some(answer) = a.on_reply(ctx, from, r, &admin_wire()) {
                    ctx.output(ShardOutput::Ctrl(answer));
                }
            }
            (_, msg) => panic!("{}: unexpected {msg:?}", ctx.me()),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, timer: ShardTimer) {
        let now = ctx.now();
        match (self, timer) {
            (ShardNode::Ctrl(c), ShardTimer::Raft) => {
                c.observed.clear();
                c.timer.fired();
                c.server.tick(now);
                c.drive(ctx);
            }
            (ShardNode::Group(g), ShardTimer::Raft) => {
                g.observed.clear();
                g.timer.fired();
                g.server.tick(now);
                g.drive(ctx);
            }
            (ShardNode::Clerk(c), ShardTimer::Clerk) => {
                c.timer = None;
                let action = c.clerk.on_timeout();
                c.act(ctx, action);
            }
            (ShardNode::Admin(a), ShardTimer::Retry(_)) => a.on_timeout(ctx, &admin_wire()),
            (_, timer) => panic!("{}: unexpected timer {timer:?}", ctx.me()),
        }
    }

    fn status(&self) -> Option<NodeStatus> {
        match (self.as_ctrl(), self.as_group()) {
            (Some(s), _) => Some(super::traced_status(&s.raft().status())),
            (_, Some(s)) => Some(super::traced_status(&s.raft().status())),
            _ => None,
        }
    }
}
