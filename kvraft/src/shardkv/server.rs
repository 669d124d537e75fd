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
use crate::shardctrler::{Config, ConfigNum, CtrlAnswer, CtrlClerk, CtrlOp, Gid, Shard, NSHARDS};
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

    /// Handles another group's migration request, as its leader. A request for a shard
    /// that does not exist is ignored (it comes from the network).
    pub fn handle_migration(&mut self, reply_to: u64, request: Migrate, now: Instant) {
        let (Migrate::Pull { shard, .. } | Migrate::Delete { shard, .. }) = request;
        if !self.replica.raft().state().1 || shard.0 >= NSHARDS {
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

    /// Handles another group's answer to this group's migration request, as leader. An
    /// answer about a shard that does not exist is ignored.
    pub fn handle_migration_reply(&mut self, reply: MigrateReply, now: Instant) {
        let (MigrateReply::Shard { shard, .. } | MigrateReply::Deleted { shard, .. }) = reply;
        if !self.replica.raft().state().1 || shard.0 >= NSHARDS {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shardctrler::{Shard, NSHARDS};
    use raft_contract::Persisted;

    type Server = ShardServer<raft::Raft<ShardEntry>>;

    /// A group of one server that has elected itself, at time 0.
    fn solo() -> (Server, Instant) {
        let boot = Boot {
            id: NodeId(0),
            peers: 1,
            config: raft_contract::Configuration::all(1),
            persisted: Persisted::default(),
            seed: 3,
            now: Instant(0),
            settings: raft_contract::Settings::defaults(),
            reads: raft_contract::ReadMode::Log,
        };
        let mut s = Server::new(boot, None, Gid(100), 3, ClientId(9)).expect("fresh");
        let now = s.replica().next_deadline();
        s.tick(now);
        s.ready();
        assert!(s.raft().state().1, "a single node elects itself");
        (s, now)
    }

    fn config(num: u64, owners: [u64; NSHARDS]) -> Config {
        let shards = owners.map(Gid);
        let groups = shards
            .iter()
            .map(|&g| (g, vec![format!("server-{}-0", g.0)]))
            .collect();
        Config {
            num: ConfigNum(num),
            shards,
            groups,
        }
    }

    /// Moves on by one poll interval, ticks, and drains the effects.
    fn poll(s: &mut Server, now: &mut Instant) -> ShardReady<raft::Message<ShardEntry>> {
        *now += POLL_INTERVAL;
        s.tick(*now);
        s.ready()
    }

    #[test]
    fn shard_server_takes_the_next_config_and_hands_a_leaving_shard_over_once() {
        let (mut s, mut now) = solo();
        let rd = poll(&mut s, &mut now);
        let (server, query) = rd.to_ctrl.first().cloned().expect("a poll queries");
        assert_eq!(
            query.op,
            CtrlOp::Query {
                num: Some(ConfigNum(1))
            }
        );
        let answer = |seq, c| Reply::Ok {
            seq,
            value: CtrlAnswer::Config(c),
        };
        s.handle_ctrl_reply(server, answer(query.seq, config(1, [100; NSHARDS])), now);
        s.ready();
        assert_eq!(s.service().config().num, ConfigNum(1));
        let rd = poll(&mut s, &mut now);
        let (server, query) = rd.to_ctrl.first().cloned().expect("the next poll");
        assert_eq!(
            query.op,
            CtrlOp::Query {
                num: Some(ConfigNum(2))
            }
        );
        let mut owners = [100; NSHARDS];
        owners[0] = 101;
        s.handle_ctrl_reply(server, answer(query.seq, config(2, owners)), now);
        s.ready();
        assert_eq!(s.service().state(Shard(0)), ShardState::Leaving);
        // Not settled: the next poll asks the controller nothing.
        assert!(poll(&mut s, &mut now).to_ctrl.is_empty());
        // A pull for another configuration gets nothing; the right one the shard.
        let pull = |num| Migrate::Pull {
            num: ConfigNum(num),
            shard: Shard(0),
        };
        s.handle_migration(77, pull(1), now);
        assert!(s.ready().migration_replies.is_empty());
        s.handle_migration(77, pull(2), now);
        let replies = s.ready().migration_replies;
        assert!(matches!(
            replies.as_slice(),
            [(77, MigrateReply::Shard { .. })]
        ));
        // The new owner has it: the copy goes, and a repeated request is told so.
        let delete = Migrate::Delete {
            num: ConfigNum(2),
            shard: Shard(0),
        };
        s.handle_migration(77, delete.clone(), now);
        assert!(
            s.ready().migration_replies.is_empty(),
            "answered once deleted"
        );
        assert_eq!(s.service().state(Shard(0)), ShardState::Absent);
        s.handle_migration(77, delete, now);
        let replies = s.ready().migration_replies;
        assert!(matches!(
            replies.as_slice(),
            [(77, MigrateReply::Deleted { .. })]
        ));
        assert!(
            !poll(&mut s, &mut now).to_ctrl.is_empty(),
            "settled: polls again"
        );
    }

    #[test]
    fn shard_server_ignores_migrations_of_shards_that_do_not_exist() {
        let (mut s, now) = solo();
        let bad = Shard(NSHARDS);
        s.handle_migration(
            5,
            Migrate::Pull {
                num: ConfigNum(0),
                shard: bad,
            },
            now,
        );
        s.handle_migration(
            5,
            Migrate::Delete {
                num: ConfigNum(0),
                shard: bad,
            },
            now,
        );
        let deleted = MigrateReply::Deleted {
            num: ConfigNum(0),
            shard: bad,
        };
        s.handle_migration_reply(deleted, now);
        let rd = s.ready();
        assert!(rd.migration_replies.is_empty() && rd.replica.applied.is_empty());
    }

    #[test]
    fn shard_server_pulls_from_the_previous_owner_and_settles_after_its_delete() {
        let (mut s, mut now) = solo();
        let rd = poll(&mut s, &mut now);
        let (server, query) = rd.to_ctrl.first().cloned().expect("a poll queries");
        let mut owners = [101; NSHARDS];
        owners[3] = 100;
        // Config 1 straight from the controller: shard 3 came from no group, so it is
        // served at once; make it come from 101 with a config 2.
        let reply = Reply::Ok {
            seq: query.seq,
            value: CtrlAnswer::Config(config(1, [101; NSHARDS])),
        };
        s.handle_ctrl_reply(server, reply, now);
        s.ready();
        let rd = poll(&mut s, &mut now);
        let (server, query) = rd.to_ctrl.first().cloned().expect("the next poll");
        let mut next = config(2, owners);
        next.groups.insert(Gid(100), vec!["server-100-0".into()]);
        let reply = Reply::Ok {
            seq: query.seq,
            value: CtrlAnswer::Config(next),
        };
        s.handle_ctrl_reply(server, reply, now);
        s.ready();
        assert_eq!(s.service().state(Shard(3)), ShardState::Pulling);
        let rd = poll(&mut s, &mut now);
        assert!(rd.to_ctrl.is_empty(), "pulling: no query");
        let pulls: Vec<&(String, Migrate)> = rd.to_groups.iter().collect();
        assert_eq!(pulls.len(), 1, "{pulls:?}");
        assert_eq!(pulls[0].0, "server-101-0", "asks the previous owner");
        let data = Arc::new(crate::shardkv::ShardData::default());
        let shard = MigrateReply::Shard {
            num: ConfigNum(2),
            shard: Shard(3),
            data,
        };
        s.handle_migration_reply(shard.clone(), now);
        s.ready();
        assert_eq!(s.service().state(Shard(3)), ShardState::Settling);
        let rd = poll(&mut s, &mut now);
        assert!(matches!(
            rd.to_groups.as_slice(),
            [(_, Migrate::Delete { .. })]
        ));
        s.handle_migration_reply(shard, now);
        s.ready();
        assert_eq!(
            s.service().state(Shard(3)),
            ShardState::Settling,
            "a late copy changes nothing"
        );
        let deleted = MigrateReply::Deleted {
            num: ConfigNum(2),
            shard: Shard(3),
        };
        s.handle_migration_reply(deleted, now);
        s.ready();
        assert_eq!(s.service().state(Shard(3)), ShardState::Serving);
        assert!(s.service().settled());
    }
}
