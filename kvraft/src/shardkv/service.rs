//! A replica group's state machine: its configuration, the one before it, and every
//! shard's state, keys and sessions, as a [`Service`].
//!
//! A reconfiguration takes the group from configuration `n` to `n + 1` only once every
//! shard is settled (served or absent, with no copy waiting anywhere), so the group
//! goes through the configurations one at a time, in order. Applying `n + 1` marks the
//! shards the group gains from another group as pulling, and those it loses as leaving
//! (held, frozen, for the new owner). A pulled shard is installed with its sessions,
//! served at once, and settled once its previous owner has deleted its copy.

use super::entry::ShardEntry;
use super::shard::{ShardData, ShardSlot, ShardState};
use crate::command::{Command, Op};
use crate::error::{Error, Result};
use crate::rpc::Request;
use crate::service::{Admission, Applied, Service, Verdict};
use crate::session::Seen;
use crate::shardctrler::{Config, ConfigNum, Gid, Shard, NSHARDS};
use crate::snapshot::{decode_value, encode_value};
use raft_contract::LogIndex;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A bug planted on purpose, so that a test can show that a scenario's check catches
/// it (the lab's tests exist to catch these). Never part of a snapshot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Defect {
    /// Serve the keys of shards the group does not own at all instead of refusing them
    /// with ErrWrongGroup (TestRejection's bug).
    NoRejection,
    /// Keep the keys of every shard that leaves (challenge 1's garbage collection
    /// undone).
    NoDeletion,
}

/// One replica group's replicated state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardService {
    /// The group this state belongs to.
    gid: Gid,
    /// A planted bug, for tests of the scenarios' checks.
    #[serde(skip)]
    defect: Option<Defect>,
    /// The configuration the group is in.
    config: Config,
    /// The one before it (where pulled shards come from).
    prev: Config,
    shards: [ShardSlot; NSHARDS],
}

/// The borrowed twin of a snapshot.
#[derive(Serialize)]
struct SnapshotRef<'a> {
    index: LogIndex,
    service: &'a ShardService,
}

impl ShardService {
    /// The fresh state of group `gid`: configuration 0, no shard.
    ///
    /// # Panics
    /// If `gid` is [`Gid::NONE`].
    pub fn new(gid: Gid) -> ShardService {
        assert_ne!(gid, Gid::NONE, "a replica group needs a gid other than 0");
        ShardService {
            gid,
            defect: None,
            config: Config::default(),
            prev: Config::default(),
            shards: Default::default(),
        }
    }

    /// This state with bug `defect` planted (see [`Defect`]).
    pub fn with_defect(mut self, defect: Option<Defect>) -> ShardService {
        self.defect = defect;
        self
    }

    /// True when the group answers requests on `shard`.
    fn serves(&self, shard: Shard) -> bool {
        let state = self.shards[shard.0].state;
        state.serves() || (self.defect == Some(Defect::NoRejection) && state == ShardState::Absent)
    }

    /// The group's gid.
    pub fn gid(&self) -> Gid {
        self.gid
    }

    /// The configuration the group is in.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The configuration before it.
    pub fn prev(&self) -> &Config {
        &self.prev
    }

    /// Where `shard` stands.
    pub fn state(&self, shard: Shard) -> ShardState {
        self.shards[shard.0].state
    }

    /// What the group holds of `shard`.
    pub fn data(&self, shard: Shard) -> &ShardData {
        &self.shards[shard.0].data
    }

    /// True when every shard is settled: the group may take the next configuration.
    pub fn settled(&self) -> bool {
        self.shards.iter().all(|s| s.state.settled())
    }

    /// The value of `key`, if its shard is held here and has it (for tests).
    pub fn get_value(&self, key: &str) -> Option<&str> {
        self.shards[Shard::of_key(key).0].data.store.get(key)
    }

    /// Takes configuration `next` if it is the one after the current and every shard is
    /// settled; returns whether it did.
    fn take_config(&mut self, next: &Config) -> bool {
        if next.num != self.config.num.next() || !self.settled() {
            return false;
        }
        for shard in Shard::all() {
            let before = self.config.owner(shard);
            let after = next.owner(shard);
            let slot = &mut self.shards[shard.0];
            slot.state = match (before == self.gid, after == self.gid) {
                (true, true) => ShardState::Serving,
                // From no group: a shard nobody held starts empty.
                (false, true) if before == Gid::NONE => ShardState::Serving,
                (false, true) => ShardState::Pulling,
                // To no group: nobody will pull it, so nothing is kept (no lab test
                // leaves the service without a group; the README says so).
                (true, false) if after == Gid::NONE => ShardState::Absent,
                (true, false) => ShardState::Leaving,
                (false, false) => ShardState::Absent,
            };
            let keep = self.defect == Some(Defect::NoDeletion);
            if matches!(slot.state, ShardState::Absent | ShardState::Pulling) && !keep {
                slot.data = ShardData::default();
            }
        }
        self.prev = std::mem::replace(&mut self.config, next.clone());
        true
    }

    /// Installs `shard`, pulled for configuration `num`, if the group still waits for
    /// it there.
    fn install(&mut self, num: ConfigNum, shard: Shard, data: &ShardData) {
        let slot = &mut self.shards[shard.0];
        if num != self.config.num || slot.state != ShardState::Pulling {
            return;
        }
        assert!(
            slot.data.is_empty() || self.defect.is_some(),
            "{}: {shard} held data while pulling",
            self.gid
        );
        slot.data = data.clone();
        slot.state = ShardState::Settling;
    }

    /// Moves `shard` of configuration `num` from `from` to `to`, dropping its data if
    /// it becomes absent.
    fn advance(&mut self, num: ConfigNum, shard: Shard, from: ShardState, to: ShardState) {
        let slot = &mut self.shards[shard.0];
        if num != self.config.num || slot.state != from {
            return;
        }
        slot.state = to;
        if to == ShardState::Absent && self.defect != Some(Defect::NoDeletion) {
            slot.data = ShardData::default();
        }
    }

    /// Executes a client request at most once per (client, seq), on a shard the group
    /// serves at this point of its log.
    fn execute(&mut self, command: &Command) -> Verdict {
        let shard = Shard::of_key(command.op.key());
        if !self.serves(shard) {
            return Verdict::WrongGroup;
        }
        let data = &mut self.shards[shard.0].data;
        match data.sessions.seen(command.client, command.seq) {
            Seen::New => {
                data.store.apply(&command.op);
                data.sessions.record(command.client, command.seq);
                Verdict::Done
            }
            Seen::Last => Verdict::Done,
            Seen::Stale => Verdict::Stale,
        }
    }
}

impl Service for ShardService {
    type Op = Op;
    type Answer = String;
    type Entry = ShardEntry;

    fn admit(&self, request: &Request<Op>) -> Admission<String> {
        let shard = Shard::of_key(request.op.key());
        if !self.serves(shard) {
            return Admission::WrongGroup;
        }
        let slot = &self.shards[shard.0];
        match slot.data.sessions.seen(request.client, request.seq) {
            // As the KV service: a write applied already answers "" at once, a Get is
            // read again through the log.
            Seen::Last if !matches!(request.op, Op::Get { .. }) => Admission::Done(String::new()),
            Seen::Last | Seen::New => Admission::Start,
            Seen::Stale => Admission::Drop,
        }
    }

    fn entry(request: Request<Op>) -> ShardEntry {
        ShardEntry::Client(Command {
            client: request.client,
            seq: request.seq,
            op: Arc::new(request.op),
        })
    }

    fn apply(&mut self, _index: LogIndex, entry: &ShardEntry) -> Applied {
        match entry {
            ShardEntry::Client(command) => {
                return Applied::Request {
                    client: command.client,
                    seq: command.seq,
                    verdict: self.execute(command),
                };
            }
            ShardEntry::Config(next) => {
                self.take_config(next);
            }
            ShardEntry::Install { num, shard, data } => self.install(*num, *shard, data),
            ShardEntry::Delete { num, shard } => {
                self.advance(*num, *shard, ShardState::Leaving, ShardState::Absent);
            }
            ShardEntry::Settle { num, shard } => {
                self.advance(*num, *shard, ShardState::Settling, ShardState::Serving);
            }
            ShardEntry::Noop => {}
        }
        Applied::Internal
    }

    fn answer(&self, entry: &ShardEntry) -> String {
        match entry {
            ShardEntry::Client(command) => self.shards[Shard::of_key(command.op.key()).0]
                .data
                .store
                .reply(&command.op),
            other => panic!("{}: answer for an internal entry {other}", self.gid),
        }
    }

    fn encode(&self, index: LogIndex, size_hint: usize) -> Vec<u8> {
        let snapshot = SnapshotRef {
            index,
            service: self,
        };
        let what = || format!("{} in {}", self.gid, self.config.num);
        encode_value(&snapshot, size_hint, what)
    }

    fn restore(&self, bytes: &[u8]) -> Result<(LogIndex, ShardService)> {
        if bytes.is_empty() {
            let fresh = ShardService::new(self.gid).with_defect(self.defect);
            return Ok((LogIndex(0), fresh));
        }
        let (index, mut service): (LogIndex, ShardService) = decode_value(bytes)?;
        service.defect = self.defect;
        if service.gid != self.gid {
            return Err(Error::CorruptSnapshot(format!(
                "a snapshot of {} given to {}",
                service.gid, self.gid
            )));
        }
        Ok((index, service))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ClientId;
    use std::collections::BTreeMap;

    const ME: Gid = Gid(100);
    const OTHER: Gid = Gid(101);

    /// Configuration `num` with every shard on `owners[i]` (gid 0: none).
    fn config(num: u64, owners: [u64; NSHARDS]) -> Arc<Config> {
        let shards = owners.map(Gid);
        let groups: BTreeMap<Gid, Vec<String>> = shards
            .iter()
            .filter(|g| **g != Gid::NONE)
            .map(|&g| (g, vec![format!("server-{}-0", g.0)]))
            .collect();
        Arc::new(Config {
            num: ConfigNum(num),
            shards,
            groups,
        })
    }

    fn client(seq: u64, op: Op) -> ShardEntry {
        ShardService::entry(Request {
            client: ClientId(1),
            seq,
            op,
        })
    }

    fn put(key: &str, value: &str) -> Op {
        Op::Put {
            key: key.into(),
            value: value.into(),
        }
    }

    fn verdict(applied: Applied) -> Verdict {
        match applied {
            Applied::Request { verdict, .. } => verdict,
            Applied::Internal => panic!("a client request applied as internal"),
        }
    }

    #[test]
    fn shard_service_serves_only_what_it_owns_and_has() {
        let mut s = ShardService::new(ME);
        // Key "2" is shard 0, key "3" shard 1.
        assert_eq!(
            verdict(s.apply(LogIndex(1), &client(1, put("2", "a")))),
            Verdict::WrongGroup
        );
        s.apply(LogIndex(2), &ShardEntry::Config(config(1, [100; NSHARDS])));
        assert!(s.settled(), "shards from no group start served");
        assert_eq!(
            verdict(s.apply(LogIndex(3), &client(1, put("2", "a")))),
            Verdict::Done
        );
        let mut owners = [100; NSHARDS];
        owners[1] = 101;
        s.apply(LogIndex(4), &ShardEntry::Config(config(2, owners)));
        assert_eq!(s.state(Shard(1)), ShardState::Leaving);
        let req = Request {
            client: ClientId(2),
            seq: 1,
            op: put("3", "x"),
        };
        assert_eq!(s.admit(&req), Admission::WrongGroup);
        assert_eq!(
            verdict(s.apply(LogIndex(5), &client(2, put("3", "b")))),
            Verdict::WrongGroup
        );
        assert_eq!(s.get_value("2"), Some("a"));
    }

    #[test]
    fn shard_service_takes_configs_one_at_a_time_and_only_when_settled() {
        let mut s = ShardService::new(ME);
        s.apply(LogIndex(1), &ShardEntry::Config(config(2, [100; NSHARDS])));
        assert_eq!(s.config().num, ConfigNum(0), "config 2 skips config 1");
        s.apply(LogIndex(2), &ShardEntry::Config(config(1, [101; NSHARDS])));
        assert_eq!(s.config().num, ConfigNum(1));
        assert_eq!(s.state(Shard(0)), ShardState::Absent);
        let mut owners = [101; NSHARDS];
        owners[0] = 100;
        s.apply(LogIndex(3), &ShardEntry::Config(config(2, owners)));
        assert_eq!(s.state(Shard(0)), ShardState::Pulling);
        assert!(!s.settled());
        s.apply(LogIndex(4), &ShardEntry::Config(config(3, [100; NSHARDS])));
        assert_eq!(s.config().num, ConfigNum(2), "not settled: config 3 waits");
        // The pulled shard arrives with its sessions: served at once (challenge 2b).
        let mut data = ShardData::default();
        data.store.apply(&put("2", "old"));
        data.sessions.record(ClientId(1), 7);
        let install = |num| ShardEntry::Install {
            num: ConfigNum(num),
            shard: Shard(0),
            data: Arc::new(data.clone()),
        };
        s.apply(LogIndex(5), &install(1));
        assert_eq!(s.state(Shard(0)), ShardState::Pulling, "for another config");
        s.apply(LogIndex(6), &install(2));
        assert_eq!(s.state(Shard(0)), ShardState::Settling);
        assert_eq!(s.get_value("2"), Some("old"));
        // Exactly-once across the move: seq 7 was applied by the previous owner.
        assert_eq!(
            verdict(s.apply(LogIndex(7), &client(7, put("2", "again")))),
            Verdict::Done
        );
        assert_eq!(s.get_value("2"), Some("old"));
        s.apply(LogIndex(8), &install(2));
        assert_eq!(
            s.get_value("2"),
            Some("old"),
            "a second install changes nothing"
        );
        let settle = ShardEntry::Settle {
            num: ConfigNum(2),
            shard: Shard(0),
        };
        s.apply(LogIndex(9), &settle);
        assert!(s.settled());
        s.apply(LogIndex(10), &ShardEntry::Config(config(3, [100; NSHARDS])));
        assert_eq!(s.config().num, ConfigNum(3));
        assert_eq!(s.state(Shard(1)), ShardState::Pulling);
    }

    #[test]
    fn shard_service_deletes_a_left_shard_once_its_new_owner_has_it() {
        let mut s = ShardService::new(ME);
        s.apply(LogIndex(1), &ShardEntry::Config(config(1, [100; NSHARDS])));
        s.apply(LogIndex(2), &client(1, put("2", "v")));
        let mut owners = [100; NSHARDS];
        owners[0] = OTHER.0;
        s.apply(LogIndex(3), &ShardEntry::Config(config(2, owners)));
        assert_eq!(s.state(Shard(0)), ShardState::Leaving);
        assert_eq!(s.get_value("2"), Some("v"), "held for the new owner");
        let delete = |num| ShardEntry::Delete {
            num: ConfigNum(num),
            shard: Shard(0),
        };
        s.apply(LogIndex(4), &delete(1));
        assert_eq!(s.state(Shard(0)), ShardState::Leaving, "another config");
        s.apply(LogIndex(5), &delete(2));
        assert_eq!(s.state(Shard(0)), ShardState::Absent);
        assert!(s.data(Shard(0)).is_empty(), "garbage collected");
        assert!(s.settled());
    }

    #[test]
    fn shard_service_snapshot_round_trips_for_its_group_only() {
        let mut s = ShardService::new(ME);
        s.apply(LogIndex(1), &ShardEntry::Config(config(1, [100; NSHARDS])));
        s.apply(LogIndex(2), &client(1, put("2", "v")));
        let bytes = s.encode(LogIndex(2), 0);
        let (index, back) = ShardService::new(ME).restore(&bytes).expect("decodes");
        assert_eq!((index, &back), (LogIndex(2), &s));
        let wrong = ShardService::new(OTHER).restore(&bytes);
        assert!(matches!(wrong, Err(Error::CorruptSnapshot(_))), "{wrong:?}");
        let (index, fresh) = ShardService::new(ME).restore(&[]).expect("empty");
        assert_eq!((index, fresh), (LogIndex(0), ShardService::new(ME)));
        assert!(ShardService::new(ME).restore(&[1, 2, 3]).is_err());
    }
}
