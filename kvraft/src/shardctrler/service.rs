//! The controller's replicated state: every configuration so far, and the clerks'
//! sessions, as a [`Service`].

use super::config::{Config, ConfigNum, Gid, NSHARDS};
use super::op::{BadRequest, CtrlAnswer, CtrlOp};
use super::rebalance::rebalance;
use crate::command::{ClientId, Command};
use crate::error::Result;
use crate::rpc::Request;
use crate::service::{Admission, Applied, Service, Verdict};
use crate::session::{Seen, Sessions};
use crate::snapshot::{decode_value, encode_value};
use raft_contract::LogIndex;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The controller's log entry: a clerk's operation.
pub type CtrlCommand = Command<CtrlOp>;

/// Every configuration, configuration `i` at position `i`, and per clerk the last Join,
/// Leave or Move applied and whether it was refused (a retry whose answer was lost gets
/// the same answer; Queries read the state and leave no trace).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CtrlService {
    configs: Vec<Config>,
    sessions: Sessions,
    refused: BTreeMap<ClientId, BadRequest>,
}

impl Default for CtrlService {
    fn default() -> Self {
        CtrlService {
            configs: vec![Config::default()],
            sessions: Sessions::default(),
            refused: BTreeMap::new(),
        }
    }
}

/// The borrowed twin of the snapshot: the index and the state.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    index: LogIndex,
    service: &'a CtrlService,
}

impl CtrlService {
    /// The latest configuration.
    pub fn latest(&self) -> &Config {
        self.configs.last().expect("config 0 is always there")
    }

    /// Configuration `num`, or the latest for `None` or a number past it.
    pub fn query(&self, num: Option<ConfigNum>) -> &Config {
        let at = num.and_then(|n| usize::try_from(n.0).ok());
        at.and_then(|i| self.configs.get(i))
            .unwrap_or_else(|| self.latest())
    }

    /// The configuration `op` makes from the latest one, or why it makes none.
    ///
    /// # Errors
    /// The [`BadRequest`] that refuses it.
    pub fn next_config(&self, op: &CtrlOp) -> Result<Config, BadRequest> {
        let mut next = self.latest().clone();
        next.num = next.num.next();
        match op {
            CtrlOp::Join { groups } => {
                if groups.is_empty() {
                    return Err(BadRequest::JoinNoGroup);
                }
                for (&gid, servers) in groups {
                    if gid == Gid::NONE {
                        return Err(BadRequest::GidZero);
                    }
                    if servers.is_empty() {
                        return Err(BadRequest::NoServers { gid });
                    }
                    if next.groups.insert(gid, servers.clone()).is_some() {
                        return Err(BadRequest::AlreadyJoined { gid });
                    }
                }
            }
            CtrlOp::Leave { gids } => {
                if gids.is_empty() {
                    return Err(BadRequest::LeaveNoGroup);
                }
                let mut seen = BTreeSet::new();
                for &gid in gids {
                    if !seen.insert(gid) {
                        return Err(BadRequest::Repeated { gid });
                    }
                    if next.groups.remove(&gid).is_none() {
                        return Err(BadRequest::NotJoined { gid });
                    }
                }
            }
            CtrlOp::Move { shard, gid } => {
                if shard.0 >= NSHARDS {
                    return Err(BadRequest::NoSuchShard { shard: *shard });
                }
                if *gid == Gid::NONE {
                    return Err(BadRequest::GidZero);
                }
                if !next.groups.contains_key(gid) {
                    return Err(BadRequest::NotJoined { gid: *gid });
                }
                next.shards[shard.0] = *gid;
                return Ok(next);
            }
            CtrlOp::Query { .. } => panic!("a Query makes no configuration"),
        }
        let groups: BTreeSet<Gid> = next.groups.keys().copied().collect();
        rebalance(&mut next.shards, &groups);
        Ok(next)
    }

    /// The answer a Join, Leave or Move of `client` got, which is its last one.
    fn change_answer(&self, client: ClientId) -> CtrlAnswer {
        match self.refused.get(&client) {
            Some(why) => CtrlAnswer::Refused(why.clone()),
            None => CtrlAnswer::Changed,
        }
    }

    /// Executes a Join, Leave or Move and records it in `client`'s session.
    fn change(&mut self, client: ClientId, seq: u64, op: &CtrlOp) {
        match self.next_config(op) {
            Ok(next) => {
                assert_eq!(
                    next.num.0 as usize,
                    self.configs.len(),
                    "{client}#{seq}: configurations out of step"
                );
                self.configs.push(next);
                self.refused.remove(&client);
            }
            Err(why) => {
                self.refused.insert(client, why);
            }
        }
        self.sessions.record(client, seq);
    }
}

impl Service for CtrlService {
    type Op = CtrlOp;
    type Answer = CtrlAnswer;
    type Entry = CtrlCommand;

    fn admit(&self, request: &Request<CtrlOp>) -> Admission<CtrlAnswer> {
        if !request.op.changes() {
            return Admission::Start;
        }
        match self.sessions.seen(request.client, request.seq) {
            Seen::New => Admission::Start,
            Seen::Last => Admission::Done(self.change_answer(request.client)),
            Seen::Stale => Admission::Drop,
        }
    }

    fn entry(request: Request<CtrlOp>) -> CtrlCommand {
        Command {
            client: request.client,
            seq: request.seq,
            op: Arc::new(request.op),
        }
    }

    fn apply(&mut self, _index: LogIndex, command: &CtrlCommand) -> Applied {
        let (client, seq) = (command.client, command.seq);
        let verdict = if !command.op.changes() {
            // A Query reads the state at its index, within its interval.
            Verdict::Done
        } else {
            match self.sessions.seen(client, seq) {
                Seen::New => {
                    self.change(client, seq, &command.op);
                    Verdict::Done
                }
                Seen::Last => Verdict::Done,
                Seen::Stale => Verdict::Stale,
            }
        };
        Applied::Request {
            client,
            seq,
            verdict,
        }
    }

    fn answer(&self, command: &CtrlCommand) -> CtrlAnswer {
        match command.op.as_ref() {
            CtrlOp::Query { num } => CtrlAnswer::Config(self.query(*num).clone()),
            _ => self.change_answer(command.client),
        }
    }

    fn encode(&self, index: LogIndex, size_hint: usize) -> Vec<u8> {
        let snapshot = SnapshotRef {
            index,
            service: self,
        };
        let what = || format!("{} configurations", self.configs.len());
        encode_value(&snapshot, size_hint, what)
    }

    fn restore(&self, bytes: &[u8]) -> Result<(LogIndex, CtrlService)> {
        if bytes.is_empty() {
            return Ok((LogIndex(0), CtrlService::default()));
        }
        let (index, service): (LogIndex, CtrlService) = decode_value(bytes)?;
        if service.configs.is_empty() {
            return Err(crate::Error::CorruptSnapshot(
                "a controller snapshot without configuration 0".into(),
            ));
        }
        Ok((index, service))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shardctrler::config::Shard;

    fn join(gids: &[u64]) -> CtrlOp {
        CtrlOp::Join {
            groups: gids
                .iter()
                .map(|&g| (Gid(g), vec![format!("s{g}a"), format!("s{g}b")]))
                .collect(),
        }
    }

    fn leave(gids: &[u64]) -> CtrlOp {
        CtrlOp::Leave {
            gids: gids.iter().map(|&g| Gid(g)).collect(),
        }
    }

    /// Applies `op` as request `seq` of client 1 and returns its answer.
    fn run(s: &mut CtrlService, seq: u64, op: CtrlOp) -> CtrlAnswer {
        let command = CtrlService::entry(Request {
            client: ClientId(1),
            seq,
            op,
        });
        let applied = s.apply(LogIndex(seq), &command);
        assert!(matches!(
            applied,
            Applied::Request {
                verdict: Verdict::Done,
                ..
            }
        ));
        s.answer(&command)
    }

    #[test]
    fn ctrl_config_zero_then_one_config_per_change() {
        let mut s = CtrlService::default();
        assert_eq!(s.latest(), &Config::default());
        assert_eq!(run(&mut s, 1, join(&[1])), CtrlAnswer::Changed);
        assert_eq!(run(&mut s, 2, join(&[2])), CtrlAnswer::Changed);
        let mv = CtrlOp::Move {
            shard: Shard(0),
            gid: Gid(2),
        };
        assert_eq!(run(&mut s, 3, mv), CtrlAnswer::Changed);
        assert_eq!(s.latest().owner(Shard(0)), Gid(2));
        assert_eq!(run(&mut s, 4, leave(&[1])), CtrlAnswer::Changed);
        assert_eq!(s.latest().num, ConfigNum(4));
        assert_eq!(s.latest().shards, [Gid(2); NSHARDS]);
        // Query(-1), a number past the latest, and a historical one.
        let q = |num| CtrlOp::Query { num };
        let latest = CtrlAnswer::Config(s.latest().clone());
        assert_eq!(run(&mut s, 5, q(None)), latest);
        assert_eq!(run(&mut s, 6, q(Some(ConfigNum(99)))), latest);
        let zero = CtrlAnswer::Config(Config::default());
        assert_eq!(run(&mut s, 7, q(Some(ConfigNum(0)))), zero);
        assert_eq!(s.latest().num, ConfigNum(4), "queries change nothing");
    }

    #[test]
    fn ctrl_bad_requests_are_refused_without_a_new_config() {
        let mut s = CtrlService::default();
        run(&mut s, 1, join(&[1]));
        let no_servers = CtrlOp::Join {
            groups: [(Gid(5), Vec::new())].into_iter().collect(),
        };
        let cases = [
            (join(&[]), BadRequest::JoinNoGroup),
            (join(&[0]), BadRequest::GidZero),
            (no_servers, BadRequest::NoServers { gid: Gid(5) }),
            (join(&[1]), BadRequest::AlreadyJoined { gid: Gid(1) }),
            (join(&[3, 1]), BadRequest::AlreadyJoined { gid: Gid(1) }),
            (leave(&[]), BadRequest::LeaveNoGroup),
            (leave(&[7]), BadRequest::NotJoined { gid: Gid(7) }),
            (leave(&[1, 1]), BadRequest::Repeated { gid: Gid(1) }),
            (
                CtrlOp::Move {
                    shard: Shard(0),
                    gid: Gid(9),
                },
                BadRequest::NotJoined { gid: Gid(9) },
            ),
            (
                CtrlOp::Move {
                    shard: Shard(10),
                    gid: Gid(1),
                },
                BadRequest::NoSuchShard { shard: Shard(10) },
            ),
            (
                CtrlOp::Move {
                    shard: Shard(1),
                    gid: Gid(0),
                },
                BadRequest::GidZero,
            ),
        ];
        let before = s.latest().clone();
        for (i, (op, why)) in cases.into_iter().enumerate() {
            let what = op.to_string();
            let answer = run(&mut s, 2 + i as u64, op);
            assert_eq!(answer, CtrlAnswer::Refused(why), "{what}");
            assert_eq!(s.latest(), &before, "{what} made a config");
        }
        assert!(BadRequest::NoSuchShard { shard: Shard(10) }
            .to_string()
            .contains("no shard 10"));
        // The next good request works, and clears the remembered refusal.
        assert_eq!(run(&mut s, 50, join(&[2])), CtrlAnswer::Changed);
    }

    #[test]
    fn ctrl_retry_gets_the_first_answer_and_executes_once() {
        let mut s = CtrlService::default();
        let request = |seq, op| Request {
            client: ClientId(3),
            seq,
            op,
        };
        let first = CtrlService::entry(request(1, join(&[1])));
        s.apply(LogIndex(1), &first);
        // Logged twice (a retry reached a new leader): the second changes nothing.
        s.apply(LogIndex(2), &first);
        assert_eq!(s.latest().num, ConfigNum(1));
        assert_eq!(s.answer(&first), CtrlAnswer::Changed);
        assert_eq!(
            s.admit(&request(1, join(&[1]))),
            Admission::Done(CtrlAnswer::Changed),
            "a retry is answered as the first time, not refused as a second join"
        );
        let bad = CtrlService::entry(request(2, leave(&[8])));
        s.apply(LogIndex(3), &bad);
        let refused = CtrlAnswer::Refused(BadRequest::NotJoined { gid: Gid(8) });
        assert_eq!(s.admit(&request(2, leave(&[8]))), Admission::Done(refused));
        assert_eq!(s.admit(&request(1, join(&[1]))), Admission::Drop, "stale");
        let query = request(1, CtrlOp::Query { num: None });
        assert_eq!(s.admit(&query), Admission::Start, "queries always run");
    }

    #[test]
    fn ctrl_snapshot_round_trips_and_rejects_garbage() {
        let mut s = CtrlService::default();
        run(&mut s, 1, join(&[1, 2]));
        run(&mut s, 2, leave(&[9]));
        let bytes = s.encode(LogIndex(2), 0);
        let (index, back) = CtrlService::default().restore(&bytes).expect("decodes");
        assert_eq!((index, &back), (LogIndex(2), &s));
        assert_eq!(
            CtrlService::default().restore(&[]).expect("empty"),
            (LogIndex(0), CtrlService::default())
        );
        assert!(CtrlService::default().restore(&[0xff; 7]).is_err());
        assert!(CtrlService::default()
            .restore(&bytes[..bytes.len() - 1])
            .is_err());
    }
}
