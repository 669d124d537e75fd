//! One replica of a replica group (the lab's `ShardKV`): a [`Replica`] of the group's
//! [`ShardService`], plus what its leader does between groups. No IO: like
//! [`Replica`], it takes time, requests and replies, and returns effects as data.
//!
//! Every [`POLL_INTERVAL`] the leader:
//! - logs a no-op if its last entry is of an earlier term and not committed, so that
//!   it commits (a group that owns nothing gets no client entries to do it);
//! - asks the controller for the configuration after its own (one at a time, in
//!   order) once every shard is settled, and logs it when it arrives;
//! - asks the previous owner of every shard it is pulling for it, and logs what comes
//!   back (the new owner pulls; challenge 2b: each shard is served as soon as it is
//!   installed);
//! - tells the previous owner of every shard it has installed but not settled to delete
//!   its copy, and logs the settlement once the copy is gone (challenge 1).
//!
//! A group answers another group's requests from its applied state, as leader only.

use super::entry::ShardEntry;
use super::migration::{Migrate, MigrateReply};
use super::service::{Defect, ShardService};
use super::shard::ShardState;
use crate::clerk::ClerkEvent;
use crate::command::{ClientId, Op};
use crate::error::Result;
use crate::replica::{Ready, Replica};
use crate::rpc::{Reply, Request};
use crate::shardctrler::{Config, ConfigNum, CtrlAnswer, CtrlClerk, CtrlOp, Gid, Shard};
use raft_contract::{Boot, Duration, Instant, NodeId, RaftNode, Term};
use std::collections::BTreeSet;
use std::sync::Arc;

/// How often a leader polls the controller and drives its migrations (lab text: "about
/// every 100 milliseconds"). A controller query without an answer by the next poll is
/// sent to the next controller server.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// Everything a replica group server asks of its driver since the last
/// [`ShardServer::ready`].
///
/// The driver carries out `replica` first, in its documented order (save, Raft
/// messages, client replies), then sends the rest, which never depends on unsaved
/// state: everything in it comes from applied, hence committed, entries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShardReady<M> {
    /// The replica's effects.
    pub replica: Ready<M, String, ShardEntry>,
    /// Queries to the controller, by controller server index.
    pub to_ctrl: Vec<(usize, Request<CtrlOp>)>,
    /// Migration requests to other groups' servers, by server name.
    pub to_groups: Vec<(String, Migrate)>,
    /// Answers to other groups, as (the `reply_to` given with the request, reply).
    pub migration_replies: Vec<(u64, MigrateReply)>,
}

/// What a leader proposed in its current term, so that a poll or a duplicate reply does
/// not propose it again while it is in the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Proposal {
    Noop,
    Config(ConfigNum),
    Install(ConfigNum, Shard),
    Delete(ConfigNum, Shard),
    Settle(ConfigNum, Shard),
}

/// One server of a replica group.
#[derive(Debug)]
pub struct ShardServer<R> {
    replica: Replica<R, ShardService>,
    ctrl: CtrlClerk,
    next_poll: Instant,
    /// The term `proposed` belongs to; a new term forgets it (entries of an old term
    /// may never commit).
    proposed_term: Term,
    proposed: BTreeSet<Proposal>,
    to_ctrl: Vec<(usize, Request<CtrlOp>)>,
    to_groups: Vec<(String, Migrate)>,
    migration_replies: Vec<(u64, MigrateReply)>,
}

impl<R: RaftNode<ShardEntry>> ShardServer<R> {
    /// Server `boot.id` of group `gid` (the lab's `StartServer`), restored from its
    /// persisted state, talking to `ctrl_servers` controller servers as client
    /// `ctrl_client` (unique to this incarnation).
    ///
    /// # Errors
    /// As [`Replica::with_service`].
    pub fn new(
        boot: Boot,
        maxraftstate: Option<usize>,
        gid: Gid,
        ctrl_servers: usize,
        ctrl_client: ClientId,
    ) -> Result<ShardServer<R>> {
        ShardServer::with_defect(boot, maxraftstate, gid, ctrl_servers, ctrl_client, None)
    }

    /// As [`ShardServer::new`], with a bug planted on purpose (see [`Defect`]).
    ///
    /// # Errors
    /// As [`Replica::with_service`].
    pub fn with_defect(
        boot: Boot,
        maxraftstate: Option<usize>,
        gid: Gid,
        ctrl_servers: usize,
        ctrl_client: ClientId,
        defect: Option<Defect>,
    ) -> Result<ShardServer<R>> {
        let next_poll = boot.now + POLL_INTERVAL;
        let fresh = ShardService::new(gid).with_defect(defect);
        let replica = Replica::with_service(boot, maxraftstate, fresh)?;
        Ok(ShardServer {
            replica,
            ctrl: CtrlClerk::new(ctrl_client, ctrl_servers),
            next_poll,
            proposed_term: Term(0),
            proposed: BTreeSet::new(),
            to_ctrl: Vec::new(),
            to_groups: Vec::new(),
            migration_replies: Vec::new(),
        })
    }

    /// Handles a clerk's request (see [`Replica::handle_request`]).
    pub fn handle_request(&mut self, reply_to: u64, request: Request<Op>, now: Instant) {
        self.replica.handle_request(reply_to, request, now);
    }

    /// Handles a controller server's answer to this server's query.
    pub fn handle_ctrl_reply(&mut self, server: usize, reply: Reply<CtrlAnswer>, now: Instant) {
        match self.ctrl.on_reply(server, reply) {
            ClerkEvent::Done {
                value: CtrlAnswer::Config(config),
            } => self.offer_config(config, now),
            ClerkEvent::Retry { server, request } => self.to_ctrl.push((server, request)),
            _ => {}
        }
    }

    /// Logs `config` if it is the group's next one and the group is ready for it.
    fn offer_config(&mut self, config: Config, now: Instant) {
        let service = self.replica.service();
        if config.num != service.config().num.next() || !service.settled() {
            return;
        }
        let num = config.num;
        self.propose_once(
            Proposal::Config(num),
            ShardEntry::Config(Arc::new(config)),
            now,
        );
    }

    /// Handles another group's migration request, as its leader.
    pub fn handle_migration(&mut self, reply_to: u64, request: Migrate, now: Instant) {
        if !self.replica.raft().state().1 {
            return;
        }
        let service = self.replica.service();
        let current = service.config().num;
        match request {
            Migrate::Pull { num, shard } => {
                if current == num && service.state(shard) == ShardState::Leaving {
                    let data = Arc::new(service.data(shard).clone());
                    let reply = MigrateReply::Shard { num, shard, data };
                    self.migration_replies.push((reply_to, reply));
                }
            }
            Migrate::Delete { num, shard } => {
                let leaving = current == num && service.state(shard) == ShardState::Leaving;
                if leaving {
                    let entry = ShardEntry::Delete { num, shard };
                    self.propose_once(Proposal::Delete(num, shard), entry, now);
                } else if current >= num {
                    // Deleted already (a group moves on only once nothing is leaving).
                    let reply = MigrateReply::Deleted { num, shard };
                    self.migration_replies.push((reply_to, reply));
                }
            }
        }
    }

    /// Handles another group's answer to this group's migration request, as leader.
    pub fn handle_migration_reply(&mut self, reply: MigrateReply, now: Instant) {
        if !self.replica.raft().state().1 {
            return;
        }
        let service = self.replica.service();
        let current = service.config().num;
        match reply {
            MigrateReply::Shard { num, shard, data } => {
                if current == num && service.state(shard) == ShardState::Pulling {
                    let entry = ShardEntry::Install { num, shard, data };
                    self.propose_once(Proposal::Install(num, shard), entry, now);
                }
            }
            MigrateReply::Deleted { num, shard } => {
                if current == num && service.state(shard) == ShardState::Settling {
                    let entry = ShardEntry::Settle { num, shard };
                    self.propose_once(Proposal::Settle(num, shard), entry, now);
                }
            }
        }
    }

    /// Proposes `entry` unless it was proposed already in this term.
    fn propose_once(&mut self, key: Proposal, entry: ShardEntry, now: Instant) {
        let (term, leader) = self.replica.raft().state();
        if term != self.proposed_term {
            self.proposed.clear();
            self.proposed_term = term;
        }
        if !leader || !self.proposed.insert(key) {
            return;
        }
        if self.replica.propose(entry, now).is_none() {
            self.proposed.remove(&key);
        }
    }

    /// Hands one Raft message from peer `from` to Raft.
    pub fn step(&mut self, from: NodeId, msg: R::Message, now: Instant) {
        self.replica.step(from, msg, now);
    }

    /// Fires Raft's timer and, when due, the leader's poll.
    pub fn tick(&mut self, now: Instant) {
        self.replica.tick(now);
        if now >= self.next_poll {
            self.next_poll = now + POLL_INTERVAL;
            self.poll(now);
        }
    }

    /// The earliest instant at which [`ShardServer::tick`] has work.
    pub fn next_deadline(&self) -> Instant {
        self.replica.next_deadline().min(self.next_poll)
    }

    /// The leader's periodic work (see the module's doc).
    fn poll(&mut self, now: Instant) {
        let raft = self.replica.raft();
        let (term, leader) = raft.state();
        if !leader {
            return;
        }
        let status = raft.status();
        let uncommitted = status.commit_index < status.last_index;
        if uncommitted && raft.log_term(status.last_index) != Some(term) {
            self.propose_once(Proposal::Noop, ShardEntry::Noop, now);
        }
        let service = self.replica.service();
        if service.settled() {
            let next = service.config().num.next();
            let attempt = if self.ctrl.in_flight() {
                self.ctrl.on_timeout()
            } else {
                let (server, request) = self.ctrl.begin(CtrlOp::Query { num: Some(next) });
                Some((server, request))
            };
            self.to_ctrl.extend(attempt);
        }
        let (num, prev) = (service.config().num, service.prev());
        for shard in Shard::all() {
            let request = match service.state(shard) {
                ShardState::Pulling => Migrate::Pull { num, shard },
                ShardState::Settling => Migrate::Delete { num, shard },
                _ => continue,
            };
            for server in prev.servers(prev.owner(shard)) {
                self.to_groups.push((server.clone(), request.clone()));
            }
        }
    }

    /// Drains the effects since the last call (see [`ShardReady`]).
    pub fn ready(&mut self) -> ShardReady<R::Message> {
        ShardReady {
            replica: self.replica.ready(),
            to_ctrl: std::mem::take(&mut self.to_ctrl),
            to_groups: std::mem::take(&mut self.to_groups),
            migration_replies: std::mem::take(&mut self.migration_replies),
        }
    }

    /// The replica inside.
    pub fn replica(&self) -> &Replica<R, ShardService> {
        &self.replica
    }

    /// The group's state as this server last applied it.
    pub fn service(&self) -> &ShardService {
        self.replica.service()
    }

    /// The Raft node, for the tester.
    pub fn raft(&self) -> &R {
        self.replica.raft()
    }
}
