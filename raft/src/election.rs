//! Leader election (§5.2, §5.4.1): timeouts, RequestVote on both sides, and the
//! transition to leader.

use crate::message::{Message, RequestVote, RequestVoteReply};
use crate::node::Raft;
use crate::progress::Progress;
use raft_contract::{Command, Role};
use raft_contract::{Instant, NodeId, NodeSet};

impl<C: Command> Raft<C> {
    /// Starts an election: new term, vote for self, ask every other voter (§5.2).
    pub(crate) fn start_election(&mut self, now: Instant) {
        assert_ne!(
            self.role,
            Role::Leader,
            "{}: leader starting an election",
            self.id
        );
        assert!(
            self.is_voter(),
            "{}: election in term {} while not a voter of {}",
            self.id,
            self.current_term,
            self.configuration().1
        );
        self.current_term = self.current_term.next();
        self.voted_for = Some(self.id);
        self.role = Role::Candidate;
        self.leader = None;
        self.persist_pending = true;
        self.votes = NodeSet::of([self.id]);
        self.pre_votes = NodeSet::EMPTY;
        // A fresh random timeout: if the vote splits, the next round starts at a
        // different moment on each candidate (§5.2).
        self.reset_election_deadline(now);
        if self.is_quorum(self.votes) {
            self.become_leader(now);
            return;
        }
        let request = RequestVote {
            term: self.current_term,
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in self.other_voters() {
            self.send(peer, Message::RequestVote(request.clone()));
        }
    }

    /// Grants the vote if the candidate's term is current, we have not voted for another
    /// candidate in this term, and its log is at least as up to date as ours (§5.4.1).
    pub(crate) fn handle_request_vote(&mut self, from: NodeId, m: RequestVote, now: Instant) {
        let grant = m.term == self.current_term
            && (self.voted_for.is_none_or(|v| v == from) || planted!(self, VoteTwice))
            && (self.log.is_up_to_date(m.last_log_index, m.last_log_term)
                || planted!(self, VoteWithoutLogCheck));
        if grant {
            invariant!(
                self,
                self.role == Role::Follower,
                "{}: granting vote while {:?}",
                self.id,
                self.role
            );
            if self.voted_for != Some(from) {
                self.voted_for = Some(from);
                self.persist_pending = true;
            }
            // Figure 2: a follower that grants a vote does not time out meanwhile.
            self.reset_election_deadline(now);
        }
        let reply = RequestVoteReply {
            term: self.current_term,
            vote_granted: grant,
        };
        self.send(from, Message::RequestVoteReply(reply));
    }

    /// Counts a vote; a majority makes the candidate leader.
    pub(crate) fn handle_request_vote_reply(
        &mut self,
        from: NodeId,
        m: RequestVoteReply,
        now: Instant,
    ) {
        // Replies from older elections, or arriving after the election ended, count for
        // nothing (duplicates are harmless: votes are a set).
        let stale = m.term != self.current_term && !planted!(self, CountStaleVote);
        if self.role != Role::Candidate || stale || !m.vote_granted {
            return;
        }
        // Votes of servers outside the configuration's voters count for nothing:
        // `is_quorum` looks at the voters only.
        self.votes.insert(from);
        if self.is_quorum(self.votes) {
            self.become_leader(now);
        }
    }

    /// Takes office: initialise progress and assert authority at once with an
    /// AppendEntries to every peer (§5.2: "send initial empty AppendEntries").
    fn become_leader(&mut self, now: Instant) {
        assert_eq!(
            self.role,
            Role::Candidate,
            "{}: elected while not candidate",
            self.id
        );
        invariant!(
            self,
            self.voted_for == Some(self.id),
            "{}: elected without own vote",
            self.id
        );
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.votes = NodeSet::EMPTY;
        self.progress = vec![Progress::new(self.log.last_index()); self.peers];
        self.quorum_check_deadline = now + self.config.election_timeout_max;
        self.reset_read_only();
        // No no-op entry: the lab's tests expect the first command at index 1. Entries of
        // earlier terms commit when a current-term entry does (§5.4.2).
        self.broadcast_heartbeat(now);
    }
}

#[cfg(test)]
mod tests {
    use crate::message::{Message, RequestVote, RequestVoteReply};
    use crate::testutil::{follower_with_log, fresh_plain as fresh, ms};
    use raft_contract::Role;
    use raft_contract::{LogIndex, NodeId, Term};

    #[test]
    fn election_timeout_makes_candidate_and_asks_everyone() {
        let mut r = fresh(0, 3);
        assert!(r.next_deadline() >= ms(300) && r.next_deadline() < ms(600));
        r.tick(ms(299));
        assert_eq!(r.role(), Role::Follower, "early tick is harmless");
        r.tick(r.next_deadline());
        assert_eq!(r.role(), Role::Candidate);
        assert_eq!(r.term(), Term(1));
        let rd = r.ready();
        assert!(
            rd.persist.is_some(),
            "term and vote are persisted before asking"
        );
        let to: Vec<NodeId> = rd.messages.iter().map(|(to, _)| *to).collect();
        assert_eq!(to, vec![NodeId(1), NodeId(2)]);
        assert!(rd.messages.iter().all(|(_, m)| m.is_request()));
    }

    #[test]
    fn election_majority_wins_and_sends_heartbeats() {
        let mut r = fresh(0, 5);
        r.tick(r.next_deadline());
        r.ready();
        let yes = Message::RequestVoteReply(RequestVoteReply {
            term: Term(1),
            vote_granted: true,
        });
        r.step(NodeId(1), yes.clone(), ms(700));
        r.step(NodeId(1), yes.clone(), ms(700)); // a duplicate is not a second vote
        assert_eq!(r.role(), Role::Candidate);
        let no = Message::RequestVoteReply(RequestVoteReply {
            term: Term(1),
            vote_granted: false,
        });
        r.step(NodeId(2), no, ms(700));
        assert_eq!(r.role(), Role::Candidate);
        r.step(NodeId(3), yes, ms(701));
        assert_eq!(r.state(), (Term(1), true));
        let rd = r.ready();
        assert_eq!(rd.messages.len(), 4, "one AppendEntries to each peer");
        assert!(rd
            .messages
            .iter()
            .all(|(_, m)| matches!(m, Message::AppendEntries(_))));
    }

    #[test]
    fn election_stale_vote_reply_is_ignored() {
        let mut r = fresh(0, 3);
        r.tick(r.next_deadline()); // term 1
        let t1 = r.next_deadline();
        r.tick(t1); // split vote: term 2
        assert_eq!(r.term(), Term(2));
        let old = Message::RequestVoteReply(RequestVoteReply {
            term: Term(1),
            vote_granted: true,
        });
        r.step(NodeId(1), old, t1);
        assert_eq!(
            r.role(),
            Role::Candidate,
            "a vote from term 1 does not elect in term 2"
        );
    }

    #[test]
    fn election_higher_term_reply_makes_follower() {
        let mut r = fresh(0, 3);
        r.tick(r.next_deadline());
        let m = Message::RequestVoteReply(RequestVoteReply {
            term: Term(5),
            vote_granted: false,
        });
        r.step(NodeId(2), m, ms(700));
        assert_eq!(r.role(), Role::Follower);
        assert_eq!(r.term(), Term(5));
        assert!(r.ready().persist.is_some(), "new term persisted");
    }

    #[test]
    fn election_single_node_elects_itself() {
        let mut r = fresh(0, 1);
        r.tick(r.next_deadline());
        assert_eq!(r.state(), (Term(1), true));
        let (i, _) = r.start(7, ms(1000)).expect("leader");
        assert_eq!(r.commit_index(), i);
    }

    /// Table: (voter's log terms, candidate's last index, last term, candidate term,
    /// already voted for, expected grant).
    #[test]
    fn election_vote_granting_table() {
        type Case = (&'static str, Vec<u64>, u64, u64, u64, Option<u32>, bool);
        let cases: Vec<Case> = vec![
            ("empty logs", vec![], 0, 0, 1, None, true),
            ("longer same term", vec![1, 1], 3, 1, 2, None, true),
            ("shorter same term", vec![1, 1], 1, 1, 2, None, false),
            (
                "higher last term, shorter",
                vec![1, 1, 1],
                1,
                2,
                3,
                None,
                true,
            ),
            ("lower last term, longer", vec![2], 5, 1, 3, None, false),
            ("already voted for other", vec![], 0, 0, 1, Some(2), false),
            ("already voted for same", vec![], 0, 0, 1, Some(1), true),
            ("stale term", vec![3], 5, 3, 2, None, false),
        ];
        for (name, terms, last_index, last_term, term, voted, want) in cases {
            let mut r = follower_with_log(0, 3, &terms);
            if let Some(v) = voted {
                r.voted_for = Some(NodeId(v));
                r.current_term = r.current_term.max(raft_contract::Term(term));
            }
            let m = Message::RequestVote(RequestVote {
                term: Term(term),
                last_log_index: LogIndex(last_index),
                last_log_term: Term(last_term),
            });
            r.step(NodeId(1), m, ms(1));
            let rd = r.ready();
            let granted = matches!(
                rd.messages.as_slice(),
                [(
                    _,
                    Message::RequestVoteReply(RequestVoteReply {
                        vote_granted: true,
                        ..
                    })
                )]
            );
            assert_eq!(granted, want, "{name}");
            if want {
                assert_eq!(r.voted_for, Some(NodeId(1)), "{name}");
            }
        }
    }

    #[test]
    fn election_granting_vote_resets_timer() {
        let mut r = fresh(0, 3);
        let before = r.next_deadline();
        let m = Message::RequestVote(RequestVote {
            term: Term(1),
            last_log_index: LogIndex(0),
            last_log_term: Term(0),
        });
        r.step(NodeId(1), m, before);
        assert!(r.next_deadline() > before);
        r.tick(before);
        assert_eq!(r.role(), Role::Follower);
    }
}
