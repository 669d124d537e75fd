//! The sharded service's clerk (the lab's `shardkv.Clerk`) as a state machine with no
//! IO and no timer: it finds a key's group in its configuration, tries that group's
//! servers, and when none serves it (every server failed, or one answered
//! `WrongGroup`) pauses [`PAUSE`] and asks the controller for the latest configuration
//! before trying again. The operation keeps its seq throughout, so it executes once
//! wherever the shard has gone.
//!
//! It is two generic [`Clerk`]s: one for the operation (aimed at the key's group with
//! [`Clerk::restart`] whenever the configuration changes) and one for the controller.

use crate::clerk::{Clerk, ClerkEvent};
use crate::command::{ClientId, Op};
use crate::rpc::{Reply, Request};
use crate::shardctrler::{Config, CtrlAnswer, CtrlClerk, CtrlOp, Gid, Shard};
use raft_contract::Duration;
use std::collections::BTreeMap;

/// How long the clerk waits after a group could not serve a key before it asks the
/// controller again (the lab's `time.Sleep(100 * time.Millisecond)`).
pub const PAUSE: Duration = Duration::from_millis(100);

/// What the driver does next for a clerk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShardAction {
    /// Send `request` to the group server called `server`, and call
    /// [`ShardClerk::on_timeout`] if no answer comes in time.
    ToGroup {
        /// The server's name, from the configuration.
        server: String,
        /// The operation, with its seq.
        request: Request<Op>,
    },
    /// Send `request` to controller server index `server`, with the same timeout.
    ToCtrl {
        /// The controller server's index.
        server: usize,
        /// The query.
        request: Request<CtrlOp>,
    },
    /// Call [`ShardClerk::on_timeout`] after [`PAUSE`].
    Pause,
    /// The operation completed with this value ("" for Put and Append).
    Done {
        /// The result.
        value: String,
    },
    /// Nothing to do (a late or stray reply).
    Nothing,
}

/// What the clerk is doing for the operation in flight.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No operation in flight.
    Idle,
    /// Trying the servers of this group.
    Group(Gid),
    /// Waiting before it asks the controller; replies from this group still count.
    Paused(Gid),
    /// Asking the controller; replies from this group still count.
    Querying(Gid),
}

/// One sharded clerk: one operation at a time.
#[derive(Clone, Debug)]
pub struct ShardClerk {
    kv: Clerk<Op>,
    ctrl: CtrlClerk,
    config: Config,
    /// The server index that last answered, per group.
    leaders: BTreeMap<Gid, usize>,
    phase: Phase,
}

impl ShardClerk {
    /// A clerk with id `id` that talks to `ctrl_servers` controller servers. It starts
    /// with configuration 0, so its first operation asks the controller.
    pub fn new(id: ClientId, ctrl_servers: usize) -> ShardClerk {
        ShardClerk {
            kv: Clerk::new(id, 1),
            ctrl: CtrlClerk::new(id, ctrl_servers),
            config: Config::default(),
            leaders: BTreeMap::new(),
            phase: Phase::Idle,
        }
    }

    /// Begins `op` with the next seq.
    ///
    /// # Panics
    /// If an operation is in flight.
    pub fn begin(&mut self, op: Op) -> ShardAction {
        assert_eq!(self.phase, Phase::Idle, "{}: begin in flight", self.kv.id());
        self.kv.begin(op);
        self.aim()
    }

    /// Sends the operation to its key's group in the current configuration, or asks the
    /// controller if no group serves it there.
    fn aim(&mut self) -> ShardAction {
        let gid = self.key_group();
        let servers = self.config.servers(gid).len();
        if servers == 0 {
            return self.query(gid);
        }
        let first = self.leaders.get(&gid).copied().unwrap_or(0) % servers;
        let (index, request) = self.kv.restart(servers, first).expect("in flight");
        self.phase = Phase::Group(gid);
        self.to_group(gid, index, request)
    }

    /// The group of the operation's key in the current configuration.
    fn key_group(&self) -> Gid {
        let key = self.kv.in_flight_op().map_or("", Op::key);
        self.config.owner(Shard::of_key(key))
    }

    fn to_group(&self, gid: Gid, index: usize, request: Request<Op>) -> ShardAction {
        let server = self.config.servers(gid)[index].clone();
        ShardAction::ToGroup { server, request }
    }

    /// Asks the controller for the latest configuration.
    fn query(&mut self, gid: Gid) -> ShardAction {
        self.phase = Phase::Querying(gid);
        let (server, request) = if self.ctrl.in_flight() {
            self.ctrl.on_timeout().expect("in flight")
        } else {
            self.ctrl.begin(CtrlOp::Query { num: None })
        };
        ShardAction::ToCtrl { server, request }
    }

    /// Handles a reply from the group server called `server`.
    pub fn on_group_reply(&mut self, server: &str, reply: Reply<String>) -> ShardAction {
        let gid = match self.phase {
            Phase::Idle => return ShardAction::Nothing,
            Phase::Group(g) | Phase::Paused(g) | Phase::Querying(g) => g,
        };
        let servers = self.config.servers(gid);
        let Some(index) = servers.iter().position(|s| s == server) else {
            return ShardAction::Nothing;
        };
        if index >= self.kv.servers() {
            return ShardAction::Nothing;
        }
        let trying = matches!(self.phase, Phase::Group(_));
        match self.kv.on_reply(index, reply) {
            ClerkEvent::Done { value } => {
                self.leaders.insert(gid, index);
                self.phase = Phase::Idle;
                ShardAction::Done { value }
            }
            ClerkEvent::Retry { server, request } if trying => {
                if self.kv.misses() >= self.kv.servers() {
                    self.pause(gid)
                } else {
                    self.to_group(gid, server, request)
                }
            }
            ClerkEvent::WrongGroup if trying => self.pause(gid),
            _ => ShardAction::Nothing,
        }
    }

    fn pause(&mut self, gid: Gid) -> ShardAction {
        self.phase = Phase::Paused(gid);
        ShardAction::Pause
    }

    /// Handles a reply from controller server index `server`.
    pub fn on_ctrl_reply(&mut self, server: usize, reply: Reply<CtrlAnswer>) -> ShardAction {
        if !matches!(self.phase, Phase::Querying(_)) {
            return ShardAction::Nothing;
        }
        match self.ctrl.on_reply(server, reply) {
            ClerkEvent::Done {
                value: CtrlAnswer::Config(config),
            } => {
                if config.num >= self.config.num {
                    self.config = config;
                }
                self.aim()
            }
            ClerkEvent::Retry { server, request } => ShardAction::ToCtrl { server, request },
            _ => ShardAction::Nothing,
        }
    }

    /// The driver's timer fired: the attempt in flight timed out, or the pause is over.
    pub fn on_timeout(&mut self) -> ShardAction {
        match self.phase {
            Phase::Idle => ShardAction::Nothing,
            Phase::Group(gid) => {
                let (index, request) = self.kv.on_timeout().expect("in flight");
                if self.kv.misses() >= self.kv.servers() {
                    self.pause(gid)
                } else {
                    self.to_group(gid, index, request)
                }
            }
            Phase::Paused(gid) | Phase::Querying(gid) => self.query(gid),
        }
    }

    /// True while an operation is in flight.
    pub fn in_flight(&self) -> bool {
        self.phase != Phase::Idle
    }

    /// The configuration the clerk last learned.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// This clerk's id.
    pub fn id(&self) -> ClientId {
        self.kv.id()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shardctrler::{ConfigNum, NSHARDS};

    fn config(num: u64, owner: u64) -> Config {
        let gid = Gid(owner);
        Config {
            num: ConfigNum(num),
            shards: [gid; NSHARDS],
            groups: [(gid, vec![format!("{owner}-0"), format!("{owner}-1")])]
                .into_iter()
                .collect(),
        }
    }

    fn get() -> Op {
        Op::Get { key: "k".into() }
    }

    fn answer(config: Config) -> Reply<CtrlAnswer> {
        Reply::Ok {
            seq: 1,
            value: CtrlAnswer::Config(config),
        }
    }

    #[test]
    fn shard_clerk_asks_the_controller_first_then_the_keys_group() {
        let mut c = ShardClerk::new(ClientId(7), 3);
        let ShardAction::ToCtrl { server: 0, request } = c.begin(get()) else {
            panic!("config 0 has no group: ask the controller");
        };
        assert_eq!(request.op, CtrlOp::Query { num: None });
        let action = c.on_ctrl_reply(0, answer(config(1, 100)));
        let ShardAction::ToGroup { server, request } = action else {
            panic!("{action:?}");
        };
        assert_eq!((server.as_str(), request.seq), ("100-0", 1));
        let ok = Reply::Ok {
            seq: 1,
            value: "v".to_string(),
        };
        assert_eq!(
            c.on_group_reply("100-0", ok),
            ShardAction::Done { value: "v".into() }
        );
        assert!(!c.in_flight());
    }

    #[test]
    fn shard_clerk_wrong_group_pauses_requeries_and_keeps_the_seq() {
        let mut c = ShardClerk::new(ClientId(7), 3);
        c.begin(get());
        c.on_ctrl_reply(0, answer(config(1, 100)));
        let wrong = Reply::WrongGroup { seq: 1 };
        assert_eq!(c.on_group_reply("100-0", wrong), ShardAction::Pause);
        let ShardAction::ToCtrl { request, .. } = c.on_timeout() else {
            panic!("after the pause, the controller");
        };
        let reply = Reply::Ok {
            seq: request.seq,
            value: CtrlAnswer::Config(config(2, 101)),
        };
        let ShardAction::ToGroup { server, request } = c.on_ctrl_reply(0, reply) else {
            panic!("the new group");
        };
        assert_eq!((server.as_str(), request.seq), ("101-0", 1), "same seq");
        assert_eq!(c.config().num, ConfigNum(2));
    }

    #[test]
    fn shard_clerk_pauses_after_every_server_of_the_group_failed() {
        let mut c = ShardClerk::new(ClientId(7), 3);
        c.begin(get());
        c.on_ctrl_reply(0, answer(config(1, 100)));
        let ShardAction::ToGroup { server, .. } = c.on_timeout() else {
            panic!("the second server");
        };
        assert_eq!(server, "100-1");
        assert_eq!(c.on_timeout(), ShardAction::Pause, "both servers failed");
        // A late Ok from the group still completes the operation.
        let ok = Reply::Ok {
            seq: 1,
            value: "late".to_string(),
        };
        assert_eq!(
            c.on_group_reply("100-1", ok),
            ShardAction::Done {
                value: "late".into()
            }
        );
        assert_eq!(
            c.on_group_reply("100-9", Reply::WrongLeader { seq: 1 }),
            ShardAction::Nothing
        );
    }
}
