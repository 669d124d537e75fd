//! PreVote (Raft thesis §9.6), with the leader-stickiness rule of §4.2.3 applied to
//! pre-votes: a server whose election timeout passed asks first whether a majority would
//! vote for it in the next term, and only then raises its term and asks for real.
//!
//! A pre-vote changes nothing on either side: no term moves, no vote is cast, nothing
//! is saved. What it buys is that a server cut off from the leader, while a majority
//! still hears it, cannot push ever higher terms onto the servers it does reach and so
//! depose a leader the cluster still has (the Cloudflare outage of November 2020).

use crate::message::{Message, RequestVote, RequestVoteReply};
use crate::node::Raft;
use raft_contract::{Command, Instant, NodeId, NodeSet, Role};

impl<C: Command> Raft<C> {
    /// Starts a pre-vote for the next term: stop being a candidate of the current one (if
    /// this is a split vote's retry), and ask every other voter.
    pub(crate) fn start_pre_vote(&mut self, now: Instant) {
        assert_ne!(
            self.role,
            Role::Leader,
            "{}: leader starting a pre-vote",
            self.id
        );
        assert!(
            self.is_voter(),
            "{}: pre-vote in term {} while not a voter of {}",
            self.id,
            self.current_term,
            self.configuration().1
        );
        if self.role == Role::Candidate {
            self.become_follower(self.current_term, now);
        }
        self.leader = None;
        self.reset_election_deadline(now);
        self.pre_votes = NodeSet::of([self.id]);
        if self.is_quorum(self.pre_votes) {
            self.start_election(now);
            return;
        }
        let request = RequestVote {
            term: self.current_term.next(),
            last_log_index: self.log.last_index(),
            last_log_term: self.log.last_term(),
        };
        for peer in self.other_voters() {
            self.send(peer, Message::PreVote(request.clone()));
        }
    }

    /// Would we vote for `from` in `m.term`? Yes if that term is beyond ours, its log is
    /// at least as up to date as ours (§5.4.1), and we have no leader we heard from
    /// within the shortest election timeout (§4.2.3): a server that still hears its
    /// leader says no, so a candidate only a minority cannot hear gets nowhere.
    pub(crate) fn handle_pre_vote(&mut self, from: NodeId, m: RequestVote, now: Instant) {
        let grant = m.term > self.current_term
            && self.log.is_up_to_date(m.last_log_index, m.last_log_term)
            && !self.hears_leader(now);
        // A granted answer echoes the pre-vote's term, so that the pre-candidate can
        // tell it from answers to an earlier pre-vote; a refusal carries our term, which
        // a pre-candidate behind us adopts.
        let reply = RequestVoteReply {
            term: if grant { m.term } else { self.current_term },
            vote_granted: grant,
        };
        self.send(from, Message::PreVoteReply(reply));
    }

    /// Counts a pre-vote; a majority starts the real election.
    pub(crate) fn handle_pre_vote_reply(
        &mut self,
        from: NodeId,
        m: RequestVoteReply,
        now: Instant,
    ) {
        let current = !self.pre_votes.is_empty() && m.term == self.current_term.next();
        if !current || !m.vote_granted {
            return;
        }
        self.pre_votes.insert(from);
        if self.is_quorum(self.pre_votes) {
            self.start_election(now);
        }
    }

    /// True if this node leads, or heard from the leader of its term within the shortest
    /// election timeout.
    pub(crate) fn hears_leader(&self, now: Instant) -> bool {
        self.role == Role::Leader
            || self.leader.is_some()
                && self
                    .leader_heard_at
                    .is_some_and(|at| now.saturating_since(at) < self.config.election_timeout_min)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::message::{Message, RequestVote, RequestVoteReply};
    use crate::testutil::{fresh, fresh_with, ms};
    use raft_contract::{LogIndex, NodeId, Role, Term};

    fn pre_vote(term: u64) -> Message<u64> {
        Message::PreVote(RequestVote {
            term: Term(term),
            last_log_index: LogIndex(0),
            last_log_term: Term(0),
        })
    }

    fn pre_vote_reply(term: u64, granted: bool) -> Message<u64> {
        Message::PreVoteReply(RequestVoteReply {
            term: Term(term),
            vote_granted: granted,
        })
    }

    #[test]
    fn pre_vote_timeout_asks_without_raising_the_term_or_saving() {
        let mut r = fresh(0, 3);
        r.tick(r.next_deadline());
        assert_eq!((r.role(), r.term()), (Role::Follower, Term(0)));
        let rd = r.ready();
        assert!(rd.persist.is_none(), "a pre-vote changes nothing durable");
        let asked: Vec<_> = rd.messages.iter().map(|(to, m)| (*to, m.clone())).collect();
        assert_eq!(
            asked,
            vec![(NodeId(1), pre_vote(1)), (NodeId(2), pre_vote(1))]
        );
    }

    #[test]
    fn pre_vote_majority_starts_the_real_election_and_stale_answers_do_not_count() {
        let mut r = fresh(0, 5);
        let t = r.next_deadline();
        r.tick(t);
        r.ready();
        r.step(NodeId(1), pre_vote_reply(1, true), t);
        r.step(NodeId(1), pre_vote_reply(1, true), t); // a duplicate is one vote
        r.step(NodeId(2), pre_vote_reply(0, true), t); // not for this pre-vote's term
        r.step(NodeId(3), pre_vote_reply(0, false), t);
        assert_eq!((r.role(), r.term()), (Role::Follower, Term(0)));
        r.step(NodeId(4), pre_vote_reply(1, true), t);
        assert_eq!((r.role(), r.term()), (Role::Candidate, Term(1)));
        let rd = r.ready();
        assert!(rd.persist.is_some());
        assert!(rd
            .messages
            .iter()
            .all(|(_, m)| matches!(m, Message::RequestVote(_))));
    }

    #[test]
    fn pre_vote_refusal_with_a_higher_term_is_adopted() {
        let mut r = fresh(0, 3);
        let t = r.next_deadline();
        r.tick(t);
        r.step(NodeId(1), pre_vote_reply(4, false), t);
        assert_eq!((r.role(), r.term()), (Role::Follower, Term(4)));
    }

    #[test]
    fn pre_vote_is_refused_while_the_leader_is_heard_and_granted_after() {
        let mut r = fresh(0, 3);
        let heartbeat = Message::AppendEntries(crate::message::AppendEntries {
            term: Term(1),
            prev_log_index: LogIndex(0),
            prev_log_term: Term(0),
            entries: vec![],
            leader_commit: LogIndex(0),
        });
        r.step(NodeId(1), heartbeat, ms(1000));
        r.ready();
        let granted = |r: &mut crate::Raft<u64>, at| {
            r.step(NodeId(2), pre_vote(2), ms(at));
            let rd = r.ready();
            assert_eq!(rd.messages.len(), 1);
            assert!(rd.persist.is_none(), "answering a pre-vote saves nothing");
            matches!(
                rd.messages[0].1,
                Message::PreVoteReply(RequestVoteReply {
                    vote_granted: true,
                    ..
                })
            )
        };
        assert!(!granted(&mut r, 1299), "leader heard 299 ms ago");
        assert!(
            granted(&mut r, 1300),
            "leader silent for the shortest timeout"
        );
        assert_eq!(r.term(), Term(1), "granting a pre-vote moves no term");
    }

    #[test]
    fn pre_vote_is_refused_for_a_stale_log_or_term() {
        let mut r = crate::testutil::follower_with_log(0, 3, &[2, 2]);
        r.step(NodeId(1), pre_vote(3), ms(10_000));
        let rd = r.ready();
        assert_eq!(rd.messages, vec![(NodeId(1), pre_vote_reply(2, false))]);
        let behind = Message::PreVote(RequestVote {
            term: Term(2),
            last_log_index: LogIndex(9),
            last_log_term: Term(2),
        });
        r.step(NodeId(1), behind, ms(10_000));
        let rd = r.ready();
        assert_eq!(rd.messages, vec![(NodeId(1), pre_vote_reply(2, false))]);
    }

    #[test]
    fn pre_vote_off_elects_directly() {
        let config = Config {
            pre_vote: false,
            ..Config::default()
        };
        let mut r = fresh_with(0, 3, config);
        r.tick(r.next_deadline());
        assert_eq!((r.role(), r.term()), (Role::Candidate, Term(1)));
    }

    #[test]
    fn pre_vote_single_node_elects_itself() {
        let mut r = fresh(0, 1);
        r.tick(r.next_deadline());
        assert_eq!(r.state(), (Term(1), true));
    }
}
