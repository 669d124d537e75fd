//! raftsim's Raft as a Raft under test: the contract's [`RaftNode`] for [`Raft`], and
//! [`RaftMessage`] for its [`Message`]s.

use crate::config::Config;
use crate::message::Message;
use crate::node::Raft;
use crate::ready::Ready;
use raft_contract::{
    Ack, Boot, ChangeRefused, Command, ConfChange, Error, Instant, Knob, LogIndex, Membership,
    MessageKind, NodeId, RaftFamily, RaftMessage, RaftNode, ReadMode, Status, TakesEffect, Term,
};

/// raftsim's Raft, registered for every command type (`--raft ours`).
#[derive(Clone, Copy, Debug)]
pub struct Family;

impl RaftFamily for Family {
    type Node<C: Command> = Raft<C>;
    const KNOBS: &'static [Knob] = crate::config::KNOBS;
    const READS: &'static [ReadMode] = &ReadMode::ALL;
    /// Single-server changes with learners (thesis §4.1-4.2), no joint consensus; a
    /// configuration takes effect when appended.
    const MEMBERSHIP: Option<Membership> = Some(Membership {
        joint: false,
        learners: true,
        takes_effect: TakesEffect::OnAppend,
    });
}

impl<C: Command> RaftMessage for Message<C> {
    fn is_request(&self) -> bool {
        Message::is_request(self)
    }

    fn label(&self) -> String {
        self.to_string()
    }

    /// Figure 2's RPCs; an AppendEntries reply accepts, when it succeeds, the entries
    /// its request carried.
    fn kind(&self) -> MessageKind {
        match self {
            Message::RequestVote(_) => MessageKind::Vote,
            Message::RequestVoteReply(_) => MessageKind::VoteReply,
            Message::PreVote(_) => MessageKind::PreVote,
            Message::PreVoteReply(_) => MessageKind::PreVoteReply,
            Message::AppendEntries(m) => MessageKind::Append {
                entries: m.entries.len() as u64,
            },
            Message::AppendEntriesReply(m) => MessageKind::AppendReply {
                accepted: m.success.then_some(m.entries_len),
            },
            Message::InstallSnapshot(_) => MessageKind::Snapshot,
            Message::InstallSnapshotReply(_) => MessageKind::SnapshotReply,
            Message::Confirm(_) | Message::ConfirmReply(_) => MessageKind::Other,
        }
    }

    fn term(&self) -> Option<Term> {
        Message::term(self)
    }

    /// A candidacy, a granted vote, and an AppendEntries success through the last entry
    /// the request carried. An InstallSnapshot reply carries no success flag (a refusal
    /// answers with the follower's higher term), so it acknowledges nothing here; nor
    /// does a pre-vote or its answer, which change nothing durable.
    fn ack(&self) -> Option<Ack> {
        match self {
            Message::RequestVote(m) => Some(Ack::Candidacy { term: m.term }),
            Message::RequestVoteReply(m) if m.vote_granted => Some(Ack::Vote { term: m.term }),
            Message::AppendEntriesReply(m) if m.success => Some(Ack::Append {
                term: m.term,
                last_index: m.prev_log_index.plus(m.entries_len),
            }),
            _ => None,
        }
    }
}

impl<C: Command> RaftNode<C> for Raft<C> {
    type Message = Message<C>;

    /// Boots with the lab's timing ([`Config::default`]), or with the timing and sizes
    /// that the settings ask for ([`Config::from_settings`]).
    fn boot(boot: Boot) -> Result<Self, Error> {
        let config = Config {
            reads: boot.reads,
            boot_configuration: Some(boot.config),
            ..Config::from_settings(&boot.settings)
        };
        Raft::new(
            boot.id,
            boot.peers,
            boot.persisted,
            config,
            boot.seed,
            boot.now,
        )
        .map_err(|e| Error::Boot(e.to_string()))
    }

    fn start(&mut self, command: C, now: Instant) -> Option<(LogIndex, Term)> {
        Raft::start(self, command, now).ok()
    }

    fn state(&self) -> (Term, bool) {
        Raft::state(self)
    }

    fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<(), Error> {
        Raft::snapshot(self, index, data).map_err(|e| Error::SnapshotRefused(e.to_string()))
    }

    fn step(&mut self, from: NodeId, msg: Message<C>, now: Instant) {
        Raft::step(self, from, msg, now);
    }

    fn read(&mut self, ctx: u64, now: Instant) -> bool {
        Raft::read(self, ctx, now)
    }

    /// A vote request ignored while a leader is heard (§4.2.3): in lease mode, and once
    /// the configuration came from the log.
    fn discards(&self, msg: &Message<C>, now: Instant) -> bool {
        self.ignores_vote_request(msg, now)
    }

    fn change(&mut self, changes: &[ConfChange], now: Instant) -> Result<LogIndex, ChangeRefused> {
        Raft::change(self, changes, now)
    }

    fn tick(&mut self, now: Instant) {
        Raft::tick(self, now);
    }

    fn next_deadline(&self) -> Instant {
        Raft::next_deadline(self)
    }

    fn ready(&mut self) -> Ready<C> {
        Raft::ready(self)
    }

    fn status(&self) -> Status {
        Raft::status(self)
    }

    fn log_term(&self, index: LogIndex) -> Option<Term> {
        self.log.term_at(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::{AppendEntriesReply, InstallSnapshotReply, RequestVoteReply};
    use crate::testutil::{elect, fresh};

    #[test]
    fn contract_acks_are_candidacies_granted_votes_and_append_successes_only() {
        let ask = Message::<u64>::RequestVote(crate::message::RequestVote {
            term: Term(4),
            last_log_index: LogIndex(0),
            last_log_term: Term(0),
        });
        assert_eq!(ask.ack(), Some(Ack::Candidacy { term: Term(4) }));
        let vote = |granted| {
            Message::<u64>::RequestVoteReply(RequestVoteReply {
                term: Term(4),
                vote_granted: granted,
            })
        };
        assert_eq!(vote(true).ack(), Some(Ack::Vote { term: Term(4) }));
        assert_eq!(vote(false).ack(), None);
        let append = |success| {
            Message::<u64>::AppendEntriesReply(AppendEntriesReply {
                term: Term(4),
                success,
                prev_log_index: LogIndex(3),
                entries_len: 2,
                conflict_index: LogIndex(0),
                conflict_term: None,
            })
        };
        let acked = Ack::Append {
            term: Term(4),
            last_index: LogIndex(5),
        };
        assert_eq!(append(true).ack(), Some(acked));
        assert_eq!(append(false).ack(), None);
        let installed = Message::<u64>::InstallSnapshotReply(InstallSnapshotReply {
            term: Term(4),
            last_included_index: LogIndex(9),
        });
        assert_eq!(installed.ack(), None);
        assert_eq!(RaftMessage::term(&installed), Some(Term(4)));
    }

    #[test]
    fn contract_kinds_count_entries_and_accepted_entries() {
        let append = |n: usize| {
            Message::<u64>::AppendEntries(crate::message::AppendEntries {
                term: Term(2),
                prev_log_index: LogIndex(4),
                prev_log_term: Term(1),
                entries: vec![crate::log::Entry::command(Term(2), 7); n],
                leader_commit: LogIndex(4),
            })
        };
        assert_eq!(append(0).kind(), MessageKind::Append { entries: 0 });
        assert_eq!(append(3).kind(), MessageKind::Append { entries: 3 });
        let reply = |success: bool, entries_len: u64| {
            Message::<u64>::AppendEntriesReply(AppendEntriesReply {
                term: Term(2),
                success,
                prev_log_index: LogIndex(4),
                entries_len,
                conflict_index: LogIndex(0),
                conflict_term: None,
            })
        };
        let accepted = |n| MessageKind::AppendReply { accepted: n };
        assert_eq!(reply(true, 0).kind(), accepted(Some(0)));
        assert_eq!(reply(true, 3).kind(), accepted(Some(3)));
        assert_eq!(reply(false, 0).kind(), accepted(None), "a refusal is shown");
        let installed = Message::<u64>::InstallSnapshotReply(InstallSnapshotReply {
            term: Term(4),
            last_included_index: LogIndex(9),
        });
        assert_eq!(installed.kind(), MessageKind::SnapshotReply);
    }

    #[test]
    fn contract_status_and_log_terms_follow_the_node() {
        let mut r = fresh(0, 3);
        elect(&mut r);
        let now = r.next_deadline();
        RaftNode::start(&mut r, 7, now).expect("leader");
        let s = RaftNode::<u64>::status(&r);
        assert_eq!(s.role, raft_contract::Role::Leader);
        assert_eq!(s.voted_for, Some(NodeId(0)));
        assert_eq!(
            (s.last_index, s.snapshot_index()),
            (LogIndex(1), LogIndex(0))
        );
        assert_eq!(RaftNode::<u64>::log_term(&r, LogIndex(0)), Some(Term(0)));
        assert_eq!(RaftNode::<u64>::log_term(&r, LogIndex(1)), Some(s.term));
        assert_eq!(RaftNode::<u64>::log_term(&r, LogIndex(2)), None);
    }
}
