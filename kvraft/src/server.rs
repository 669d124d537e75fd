//! The KV service (lab 3, 2024: lab 4): the key/value map and the exactly-once sessions
//! as a [`Service`], and [`KvServer`], one replica of it on Raft.

use crate::command::{Command, Op};
use crate::error::Result;
use crate::replica::{Ready, Replica};
use crate::rpc::Request;
use crate::service::{Admission, Applied, Service, Verdict};
use crate::session::{Seen, Session, Sessions};
use crate::snapshot;
use crate::store::Store;
use crate::ClientId;
use raft_contract::LogIndex;
use std::sync::Arc;

pub use crate::replica::{snapshot_threshold, AppliedItem, SNAPSHOT_THRESHOLD_TENTHS};

/// The KV state machine: the map and, per client, the last applied request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KvService {
    store: Store,
    sessions: Sessions,
}

impl Service for KvService {
    type Op = Op;
    type Answer = String;
    type Entry = Command;

    fn admit(&self, request: &Request<Op>) -> Admission<String> {
        match self.sessions.seen(request.client, request.seq) {
            // A Put or Append applied already: its answer is "" whenever it is given.
            Seen::Last if !matches!(request.op, Op::Get { .. }) => Admission::Done(String::new()),
            // A Get applied already whose answer was lost: sessions keep no values, and
            // reading here could be stale (we may no longer lead), so it goes through the
            // log again and reads at its new index, within the request's interval.
            Seen::Last | Seen::New => Admission::Start,
            Seen::Stale => Admission::Drop,
        }
    }

    fn entry(request: Request<Op>) -> Command {
        Command {
            client: request.client,
            seq: request.seq,
            op: Arc::new(request.op),
        }
    }

    /// Executes a committed command at most once per (client, seq).
    fn apply(&mut self, _index: LogIndex, command: &Command) -> Applied {
        let verdict = match self.sessions.seen(command.client, command.seq) {
            Seen::New => {
                self.store.apply(&command.op);
                self.sessions.record(command.client, command.seq);
                Verdict::Done
            }
            // Logged twice (a retry reached a new leader): executed once; a Get reads
            // the value as it is at this index, a point within the request's interval
            // since its clerk still waits.
            Seen::Last => Verdict::Done,
            Seen::Stale => Verdict::Stale,
        };
        Applied::Request {
            client: command.client,
            seq: command.seq,
            verdict,
        }
    }

    fn answer(&self, command: &Command) -> String {
        self.store.reply(&command.op)
    }

    /// A Get reads the map as it is; Puts and Appends are logged.
    fn read(&self, op: &Op) -> Option<String> {
        matches!(op, Op::Get { .. }).then(|| self.store.reply(op))
    }

    fn encode(&self, index: LogIndex, size_hint: usize) -> Vec<u8> {
        snapshot::encode_sized(index, &self.store, &self.sessions, size_hint)
    }

    fn restore(&self, bytes: &[u8]) -> Result<(LogIndex, KvService)> {
        let s = snapshot::decode(bytes)?;
        Ok((
            s.index,
            KvService {
                store: s.store,
                sessions: s.sessions,
            },
        ))
    }
}

/// One replica of the KV service (the lab's `KVServer`): Raft plus the map.
///
/// Every Put and Append goes through the log, and so does every Get unless the run reads
/// by ReadIndex or lease (`Boot::reads`), so a server cut off from a majority never
/// answers one (except a retry of a Put or Append it has already applied, answered from
/// its session; and, past its drift bound, a lease read). See [`Replica`] for the entry points.
pub type KvServer<R> = Replica<R, KvService>;

/// What a [`KvServer`] asks of its driver (see [`Ready`]).
pub type KvReady<M> = Ready<M, String, Command>;

impl<R> Replica<R, KvService> {
    /// The value of `key` in this replica's map, if it was ever written (for tests).
    pub fn get_value(&self, key: &str) -> Option<&str> {
        self.service().store.get(key)
    }

    /// The session of `client` (its last applied seq), if it has one.
    pub fn session(&self, client: ClientId) -> Option<&Session> {
        self.service().sessions.get(client)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::rpc::{ClerkReply, ClerkRequest};
    use raft::Message;
    use raft_contract::{Boot, Instant, NodeId, Persisted, Settings, Term};

    /// A server on raftsim's own Raft.
    type Server = KvServer<raft::Raft<Command>>;

    /// What node `id` of `peers` boots from.
    fn boot(id: u32, peers: usize, persisted: Persisted, seed: u64) -> Boot {
        Boot {
            id: NodeId(id),
            peers,
            config: raft_contract::Configuration::all(peers),
            persisted,
            seed,
            now: Instant(0),
            settings: Settings::defaults(),
            reads: raft_contract::ReadMode::Log,
        }
    }

    /// A single-node cluster that has elected itself.
    fn solo(maxraftstate: Option<usize>) -> Server {
        let mut s =
            Server::new(boot(0, 1, Persisted::default(), 1), maxraftstate).expect("fresh server");
        s.tick(s.next_deadline());
        s.ready();
        assert!(s.raft().state().1, "a single node elects itself");
        s
    }

    fn request(client: u64, seq: u64, op: Op) -> ClerkRequest {
        ClerkRequest {
            client: ClientId(client),
            seq,
            op,
        }
    }

    fn put(key: &str, value: &str) -> Op {
        Op::Put {
            key: key.into(),
            value: value.into(),
        }
    }

    #[test]
    fn server_snapshot_threshold_is_ninety_percent() {
        let cases = [(0, 0), (9, 8), (10, 9), (1000, 900), (1001, 900)];
        for (max, want) in cases {
            assert_eq!(snapshot_threshold(max), want, "max {max}");
        }
        assert_eq!(snapshot_threshold(usize::MAX), usize::MAX / 10 * 9 + 4);
    }

    #[test]
    fn server_applies_and_answers_in_one_ready() {
        let mut s = solo(None);
        s.handle_request(5, request(1, 1, put("k", "v")), Instant(0));
        s.handle_request(6, request(2, 1, Op::Get { key: "k".into() }), Instant(0));
        s.handle_request(7, request(3, 1, Op::Get { key: "no".into() }), Instant(0));
        let ready = s.ready();
        let ok = |value: &str| ClerkReply::Ok {
            seq: 1,
            value: value.into(),
        };
        assert_eq!(ready.replies, vec![(5, ok("")), (6, ok("v")), (7, ok(""))]);
        assert!(ready.persist.is_some(), "the log grew");
        assert_eq!(s.last_applied(), LogIndex(3));
        assert_eq!(s.pending_count(), 0);
    }

    #[test]
    fn server_pending_answered_wrong_leader_when_other_command_lands_at_its_index() {
        let mut s = solo(None);
        s.handle_request(5, request(1, 1, put("k", "mine")), Instant(0));
        assert_eq!(s.pending_count(), 1);
        // Another leader's entry wins index 1 (driven by hand: Raft cannot do this to
        // a leader in its own term, but a deposed one sees exactly this).
        let other = Command {
            client: ClientId(2),
            seq: 1,
            op: Arc::new(put("k", "theirs")),
        };
        s.apply_for_test(LogIndex(1), other);
        assert_eq!(
            s.replies_for_test(),
            &[(5, ClerkReply::WrongLeader { seq: 1 })]
        );
        assert_eq!(s.get_value("k"), Some("theirs"));
        assert_eq!(s.pending_count(), 0);
    }

    #[test]
    fn server_installed_snapshot_restores_state_and_fails_covered_pending() {
        let mut s = solo(None);
        s.handle_request(5, request(1, 1, put("k", "mine")), Instant(0));
        let mut store = Store::default();
        store.apply(&put("k", "snap"));
        let mut sessions = Sessions::default();
        sessions.record(ClientId(9), 4);
        s.install_for_test(
            LogIndex(5),
            &snapshot::encode(LogIndex(5), &store, &sessions),
        );
        assert_eq!(
            s.replies_for_test(),
            &[(5, ClerkReply::WrongLeader { seq: 1 })]
        );
        assert_eq!(s.get_value("k"), Some("snap"));
        assert_eq!(s.session(ClientId(9)).map(|x| x.last_seq), Some(4));
        assert_eq!(s.last_applied(), LogIndex(5));
        // An older snapshot changes nothing.
        let older = snapshot::encode(LogIndex(3), &Store::default(), &sessions);
        s.install_for_test(LogIndex(3), &older);
        assert_eq!(s.get_value("k"), Some("snap"));
        assert_eq!(s.last_applied(), LogIndex(5));
    }

    #[test]
    fn server_retry_while_pending_starts_once_and_newer_seq_supersedes() {
        // Three peers, so nothing commits while we look: the leader is made by hand by
        // winning an election with the other two's votes.
        let mut s = Server::new(boot(0, 3, Persisted::default(), 1), None).expect("fresh server");
        let now = s.next_deadline();
        s.tick(now);
        s.ready();
        // The timeout first asks for pre-votes (PreVote is on); both grant them.
        let next = s.raft().term().next();
        for peer in [1, 2] {
            let grant = raft::RequestVoteReply {
                term: next,
                vote_granted: true,
            };
            s.step(NodeId(peer), Message::PreVoteReply(grant), now);
        }
        let term = s.raft().term();
        s.ready();
        for peer in [1, 2] {
            let vote = raft::RequestVoteReply {
                term,
                vote_granted: true,
            };
            s.step(NodeId(peer), Message::RequestVoteReply(vote), now);
        }
        s.ready();
        assert!(s.raft().state().1, "won the election");
        let base = s.raft().last_log_index();
        s.handle_request(5, request(1, 1, put("k", "a")), now);
        s.handle_request(6, request(1, 1, put("k", "a")), now);
        assert_eq!(
            s.raft().last_log_index(),
            base.next(),
            "a retry is not re-started"
        );
        assert_eq!(s.pending_count(), 1);
        s.handle_request(7, request(1, 2, put("k", "b")), now);
        assert_eq!(s.raft().last_log_index(), base.plus(2));
        assert_eq!(s.pending_count(), 1, "seq 2 supersedes seq 1");
        assert!(s.ready().replies.is_empty(), "nothing committed yet");
        // Deposed by a higher term: the pending request is answered WrongLeader.
        let vote = raft::RequestVote {
            term: term.next(),
            last_log_index: LogIndex(0),
            last_log_term: Term(0),
        };
        s.step(NodeId(1), Message::RequestVote(vote), now);
        let ready = s.ready();
        assert_eq!(ready.replies, vec![(7, ClerkReply::WrongLeader { seq: 2 })]);
        assert_eq!(s.pending_count(), 0);
    }

    #[test]
    fn server_snapshot_goes_out_with_the_same_ready() {
        let mut s = solo(Some(0));
        s.handle_request(5, request(1, 1, put("k", "v")), Instant(0));
        let ready = s.ready();
        let persisted = ready.persist.expect("state changed");
        assert!(!persisted.snapshot.is_empty(), "snapshot persisted");
        assert_eq!(s.raft().snapshot_index(), LogIndex(1));
        // Restarting from it restores the map and the session.
        let r = Server::new(boot(0, 1, persisted, 2), Some(0)).expect("restart");
        assert_eq!(r.get_value("k"), Some("v"));
        assert_eq!(r.session(ClientId(1)).map(|x| x.last_seq), Some(1));
        assert_eq!(r.last_applied(), LogIndex(1));
    }

    #[test]
    fn server_new_rejects_bad_input_with_errors() {
        let mut s = solo(Some(0));
        s.handle_request(5, request(1, 1, put("k", "v")), Instant(0));
        let good = s.ready().persist.expect("state");
        let no_snapshot = Persisted {
            raft_state: good.raft_state.clone(),
            snapshot: Vec::new().into(),
        };
        let garbage = Persisted {
            raft_state: good.raft_state.clone(),
            snapshot: vec![0xff; 5].into(),
        };
        let start = |p: Persisted, id: u32| Server::new(boot(id, 1, p, 1), None);
        assert!(matches!(
            start(no_snapshot, 0),
            Err(Error::CorruptSnapshot(_))
        ));
        assert!(matches!(start(garbage, 0), Err(Error::CorruptSnapshot(_))));
        assert!(matches!(
            start(Persisted::default(), 1),
            Err(Error::Raft(_))
        ));
    }

    fn ok(seq: u64, value: &str) -> ClerkReply {
        ClerkReply::Ok {
            seq,
            value: value.into(),
        }
    }

    /// A request re-delivered after its reply was lost is answered from the session and
    /// never enters the log again (exactly-once).
    #[test]
    fn server_repeated_put_is_answered_from_the_session_without_a_new_entry() {
        let mut s = solo(None);
        let append = Op::Append {
            key: "k".into(),
            value: "x".into(),
        };
        s.handle_request(5, request(1, 1, append.clone()), Instant(0));
        assert_eq!(s.ready().replies, vec![(5, ok(1, ""))]);
        let before = s.raft().last_log_index();
        s.handle_request(6, request(1, 1, append), Instant(0));
        assert_eq!(s.ready().replies, vec![(6, ok(1, ""))]);
        assert_eq!(s.raft().last_log_index(), before, "no second entry");
        assert_eq!(s.get_value("k"), Some("x"), "applied once");
        // An older request of the same clerk is dropped without an answer.
        s.handle_request(7, request(1, 0, Op::Get { key: "k".into() }), Instant(0));
        assert!(s.ready().replies.is_empty());
    }

    /// A Get whose answer was lost goes through the log again (sessions keep no values)
    /// and reads the value at its new index.
    #[test]
    fn server_repeated_get_is_read_again_at_its_new_index() {
        let mut s = solo(None);
        s.handle_request(5, request(2, 1, put("k", "v1")), Instant(0));
        s.handle_request(6, request(1, 1, Op::Get { key: "k".into() }), Instant(0));
        assert_eq!(s.ready().replies[1], (6, ok(1, "v1")));
        s.handle_request(7, request(2, 2, put("k", "v2")), Instant(0));
        s.ready();
        let before = s.raft().last_log_index();
        s.handle_request(8, request(1, 1, Op::Get { key: "k".into() }), Instant(0));
        assert_eq!(s.ready().replies, vec![(8, ok(1, "v2"))]);
        assert_eq!(s.raft().last_log_index(), before.next(), "logged again");
    }

    /// A server that does not lead answers WrongLeader at once and starts nothing.
    #[test]
    fn server_follower_answers_wrong_leader_at_once() {
        let mut s = Server::new(boot(1, 3, Persisted::default(), 1), None).expect("fresh");
        let before = s.raft().last_log_index();
        s.handle_request(5, request(1, 1, put("k", "v")), Instant(0));
        assert_eq!(
            s.ready().replies,
            vec![(5, ClerkReply::WrongLeader { seq: 1 })]
        );
        assert_eq!(s.raft().last_log_index(), before);
        assert_eq!(s.pending_count(), 0);
    }

    /// Exactly-once survives a snapshot and a restart: the session is in the snapshot,
    /// so the restarted server answers the last request from it and ignores an older one.
    #[test]
    fn server_duplicates_detected_across_snapshot_and_restart() {
        let mut s = solo(Some(0));
        s.handle_request(5, request(1, 1, put("k", "a")), Instant(0));
        s.handle_request(6, request(1, 2, put("k", "ab")), Instant(0));
        let persisted = s.ready().persist.expect("state saved");
        assert!(!persisted.snapshot.is_empty(), "snapshotted");
        let mut r = Server::new(boot(0, 1, persisted, 2), Some(0)).expect("restart");
        r.tick(r.next_deadline());
        r.ready();
        assert!(r.raft().state().1, "leads again");
        let before = r.raft().last_log_index();
        r.handle_request(7, request(1, 1, put("k", "a")), Instant(0));
        r.handle_request(8, request(1, 2, put("k", "ab")), Instant(0));
        assert_eq!(
            r.ready().replies,
            vec![(8, ok(2, ""))],
            "only the last is answered"
        );
        assert_eq!(r.raft().last_log_index(), before, "neither entered the log");
        assert_eq!(r.get_value("k"), Some("ab"));
    }
}
