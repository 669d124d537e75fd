//! A leader may refuse `start` (openraft's leader lease does, until a quorum has
//! acknowledged it): the KV replica answers `WrongLeader`, so that the clerk tries
//! again, instead of assuming that a leader takes every write.

use kvraft::{ClientId, KvServer, Op, Reply, Request};
use raft_contract::{
    Ack, Boot, Command, Error, Instant, LogIndex, NodeId, Persisted, RaftMessage, RaftNode, Ready,
    Role, Settings, Status, Term,
};
use serde::Serialize;

/// When the lease of [`Leased`] is granted.
const GRANTED: Instant = Instant(1_000);

/// A Raft that leads term 1 and takes writes only once its lease is granted, at
/// [`GRANTED`].
struct Leased<C> {
    log: Vec<C>,
}

#[derive(Clone, Debug, Serialize)]
struct Nothing;

impl RaftMessage for Nothing {
    fn is_request(&self) -> bool {
        true
    }
    fn term(&self) -> Option<Term> {
        None
    }
    fn ack(&self) -> Option<Ack> {
        None
    }
}

impl<C: Command> RaftNode<C> for Leased<C> {
    type Message = Nothing;
    fn boot(_: Boot) -> Result<Self, Error> {
        Ok(Leased { log: Vec::new() })
    }
    fn start(&mut self, command: C, now: Instant) -> Option<(LogIndex, Term)> {
        if now < GRANTED {
            return None;
        }
        self.log.push(command);
        Some((LogIndex(self.log.len() as u64), Term(1)))
    }
    fn state(&self) -> (Term, bool) {
        (Term(1), true)
    }
    fn snapshot(&mut self, _: LogIndex, _: Vec<u8>) -> Result<(), Error> {
        Ok(())
    }
    fn step(&mut self, _: NodeId, _: Nothing, _: Instant) {}
    fn tick(&mut self, _: Instant) {}
    fn next_deadline(&self) -> Instant {
        Instant(u64::MAX / 2)
    }
    fn ready(&mut self) -> Ready<C, Nothing> {
        Ready::default()
    }
    fn status(&self) -> Status {
        Status {
            term: Term(1),
            role: Role::Leader,
            voted_for: Some(NodeId(0)),
            commit_index: LogIndex(0),
            snapshot: None,
            last_index: LogIndex(self.log.len() as u64),
            config: raft_contract::Configuration::all(1),
            config_index: LogIndex(0),
        }
    }
    fn log_term(&self, index: LogIndex) -> Option<Term> {
        (index.0 <= self.log.len() as u64).then_some(Term(u64::from(index.0 > 0)))
    }
}

#[test]
fn replica_answers_wrong_leader_when_its_leader_refuses_a_write_and_starts_it_once_granted() {
    let boot = Boot {
        id: NodeId(0),
        peers: 1,
        config: raft_contract::Configuration::all(1),
        persisted: Persisted::default(),
        seed: 1,
        now: Instant(0),
        settings: Settings::defaults(),
        reads: raft_contract::ReadMode::Log,
    };
    let mut server = KvServer::<Leased<kvraft::Command>>::new(boot, None).expect("boots");
    let put = |seq| Request {
        client: ClientId(7),
        seq,
        op: Op::Put {
            key: "k".into(),
            value: "v".into(),
        },
    };
    server.handle_request(1, put(1), Instant(0));
    let replies = server.ready().replies;
    assert!(
        matches!(replies[..], [(1, Reply::WrongLeader { seq: 1 })]),
        "{replies:?}"
    );
    server.handle_request(1, put(1), GRANTED);
    assert!(
        server.ready().replies.is_empty(),
        "started, answered once applied"
    );
    assert_eq!(server.raft().log.len(), 1);
}
