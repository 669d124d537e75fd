//! Reads without the log (Raft thesis §6.4): ReadIndex and leases.
//!
//! Both need the leader's commit index to be current, so a leader serves none until an
//! entry of its own term has committed (§6.4 step 1; the lab forbids a no-op entry, so
//! the service reads through the log until then). Both rest on numbered confirmation
//! rounds ([`Message::Confirm`]): an answer echoes its round, so a late or duplicated
//! answer can never vouch for a newer round than the one it answers.
//! - **ReadIndex** (§6.4): a read waits for a round sent after it arrived to be answered
//!   by a majority; then the service answers it once it has applied through the commit
//!   index the read arrived at.
//! - **Lease** (§6.4.1): the leader starts a round with every heartbeat. Once a majority
//!   answered the round sent at `s` (the leader's clock), no other leader can exist until
//!   each of them has let `election_timeout_min` pass on its own clock since it got the
//!   round, because a server that heard from its leader that recently ignores vote
//!   requests (§4.2.3, which [`Raft::ignores_vote_request`] applies to real votes too
//!   in this mode). Leases need CheckQuorum: without it, a lease run reads through the
//!   log (see `leases`). The leader serves reads at once until
//!   `s + election_timeout_min × (1 − ρ) / (1 + ρ)`, where ρ is
//!   [`crate::Config::lease_drift_bound_ppm`]: its clock may run slow and theirs fast by
//!   at most ρ. Past that bound, or with a clock that jumps, a stale read is possible.

use crate::message::{Confirm, Message};
use crate::node::Raft;
use crate::read_rounds::ReadOnly;
use raft_contract::{
    Command, Duration, Instant, Lease, LogIndex, NodeId, NodeSet, ReadMode, ReadState, Role,
};

impl<C: Command> Raft<C> {
    /// The contract's `read`: see the module documentation. True if the read was taken.
    pub fn read(&mut self, ctx: u64, now: Instant) -> bool {
        if self.config.reads == ReadMode::Log
            || self.role != Role::Leader
            || self.log.term_at(self.commit_index) != Some(self.current_term)
        {
            return false;
        }
        let index = self.commit_index;
        match self.config.reads {
            ReadMode::Log => false,
            ReadMode::ReadIndex => {
                if self.alone_is_quorum() || planted!(self, ReadWithoutConfirm) {
                    self.read_only.done.push(ReadState {
                        ctx,
                        index,
                        lease: None,
                    });
                    return true;
                }
                // A round that left at this very instant left after the read arrived.
                let fresh = (self.read_only.sent.back()).is_some_and(|&(_, at)| at == now);
                if !fresh {
                    self.start_round(now);
                }
                let round = self.read_only.round;
                self.read_only.waiting.push_back((ctx, index, round));
                true
            }
            ReadMode::Lease => {
                if !self.leases() {
                    return false;
                }
                let Some(lease) = self.lease(now) else {
                    return false;
                };
                self.read_only.done.push(ReadState {
                    ctx,
                    index,
                    lease: Some(lease),
                });
                true
            }
        }
    }

    /// The lease in force at `now`, if any (a cluster of one always holds one).
    fn lease(&self, now: Instant) -> Option<Lease> {
        let from = if self.alone_is_quorum() {
            now
        } else {
            self.read_only.confirmed?.1
        };
        let until = from + self.lease_span();
        (now < until).then_some(Lease {
            term: self.current_term,
            from,
            until,
        })
    }

    /// How long a lease lasts from its round's departure, by this node's clock.
    pub(crate) fn lease_span(&self) -> Duration {
        let million = 1_000_000u128;
        let bound = if planted!(self, LeaseWithoutMargin) {
            0
        } else {
            self.config.lease_drift_bound_ppm
        };
        let ppm = u128::from(bound).min(million);
        let min = u128::from(self.config.election_timeout_min.0);
        let span = min * (million - ppm) / (million + ppm);
        Duration(u64::try_from(span).expect("shorter than the election timeout"))
    }

    /// Leader: resets the rounds for a new term (at election).
    pub(crate) fn reset_read_only(&mut self) {
        self.read_only = ReadOnly {
            answered: vec![0; self.peers],
            done: std::mem::take(&mut self.read_only.done),
            ..ReadOnly::default()
        };
    }

    /// True if this node serves lease reads: in lease mode with CheckQuorum. The lease
    /// rests on servers ignoring vote requests while they hear a leader, and without
    /// CheckQuorum that rule would let a leader that hears no one, but still reaches a
    /// follower, keep the majority from electing anyone (the quorum loss of
    /// `QuorumLoss`). raft-rs likewise refuses lease reads without check-quorum.
    fn leases(&self) -> bool {
        self.config.reads == ReadMode::Lease && self.config.check_quorum
    }

    /// Leader in lease mode: a round with every heartbeat keeps the lease fresh.
    pub(crate) fn renew_lease(&mut self, now: Instant) {
        if self.leases() && !self.alone_is_quorum() {
            self.start_round(now);
        }
    }

    /// True if this leader is a quorum on its own (a cluster of one voter): it needs
    /// no round to know it leads.
    fn alone_is_quorum(&self) -> bool {
        self.is_quorum(self.me_if_voter())
    }

    /// Sends the next confirmation round to every other voter (only voters count).
    fn start_round(&mut self, now: Instant) {
        self.read_only.round += 1;
        let round = self.read_only.round;
        self.read_only.sent.push_back((round, now));
        let confirm = Confirm {
            term: self.current_term,
            round,
        };
        for peer in self.other_voters() {
            self.send(peer, Message::Confirm(confirm.clone()));
        }
    }

    /// Follower side: a leader of our term (or newer, already adopted) is heard, as with
    /// a heartbeat; an older one learns our term.
    pub(crate) fn handle_confirm(&mut self, from: NodeId, m: Confirm, now: Instant) {
        if m.term == self.current_term {
            self.accept_leader(from, now);
        }
        let reply = Confirm {
            term: self.current_term,
            round: m.round,
        };
        self.send(from, Message::ConfirmReply(reply));
    }

    /// Leader side: records the answer, and confirms the rounds a majority answered.
    pub(crate) fn handle_confirm_reply(&mut self, from: NodeId, m: Confirm) {
        if self.role != Role::Leader || m.term != self.current_term {
            return;
        }
        self.progress[from.index()].heard = true;
        let answered = &mut self.read_only.answered[from.index()];
        *answered = (*answered).max(m.round);
        let round = self.round_confirmed_by_quorum();
        if self.read_only.confirmed.is_some_and(|(r, _)| r >= round) || round == 0 {
            return;
        }
        let ro = &mut self.read_only;
        while ro.sent.front().is_some_and(|&(r, _)| r < round) {
            ro.sent.pop_front();
        }
        let &(r, at) = ro.sent.front().expect("an answered round was sent");
        assert_eq!(r, round, "{}: round {round} answered but not sent", self.id);
        ro.confirmed = Some((round, at));
        while let Some(&(ctx, index, _)) = ro.waiting.front().filter(|w| w.2 <= round) {
            ro.waiting.pop_front();
            ro.done.push(ReadState {
                ctx,
                index,
                lease: None,
            });
        }
    }

    /// The highest round that a quorum of the configuration's voters answered: the
    /// leader answers every round itself, if it votes (0: none).
    fn round_confirmed_by_quorum(&self) -> u64 {
        let me = self.me_if_voter();
        let voters: Vec<(NodeId, u64)> = (self.other_voters())
            .map(|p| (p, self.read_only.answered[p.index()]))
            .collect();
        let mut rounds: Vec<u64> = voters.iter().map(|(_, r)| *r).collect();
        rounds.sort_unstable_by(|a, b| b.cmp(a));
        // The first (highest) round that the voters who answered it or a later one,
        // with the leader, make a quorum of.
        rounds
            .into_iter()
            .find(|&round| {
                let answered = voters.iter().filter(|(_, r)| *r >= round).map(|(p, _)| *p);
                self.is_quorum(me.union(NodeSet::of(answered)))
            })
            .unwrap_or(0)
    }

    /// §4.2.3 for real votes: a server that leads, or heard from its leader within the
    /// shortest election timeout, ignores a vote request of a newer term (it neither
    /// adopts the term nor answers). Two reasons apply it:
    /// - serving lease reads, so that a lease holds;
    /// - a configuration that came from the log (a membership change happened, here or
    ///   in a snapshot's past), so that a server removed from the cluster, which hears
    ///   no leader and times out, cannot depose a leader the cluster still has by raising
    ///   terms. A fixed cluster (boot configuration) keeps Figure 2's rule exactly.
    ///
    /// Pre-votes follow the same rule in every mode ([`crate::Config::pre_vote`]).
    pub(crate) fn ignores_vote_request(&self, msg: &Message<C>, now: Instant) -> bool {
        (self.leases() || self.configuration().0 > LogIndex(0))
            && matches!(msg, Message::RequestVote(m) if m.term > self.current_term)
            && self.hears_leader(now)
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::message::{Confirm, Message, RequestVote};
    use crate::testutil::{ack, appends, elect, fresh_with, ms};
    use raft_contract::{Instant, LogIndex, NodeId, ReadMode, Role, Term};

    /// Leader 0 of 3 reading in `mode`, with one command of its term committed (node 1
    /// acknowledged it at `ms(1)`).
    fn leader(mode: ReadMode) -> crate::Raft<u64> {
        let config = Config {
            reads: mode,
            ..Config::default()
        };
        let mut r = fresh_with(0, 3, config);
        let at = ms(1);
        for (to, a) in appends(&elect(&mut r)) {
            r.step(to, ack(&a), at);
        }
        r.ready();
        assert!(!r.read(1, at), "nothing of its term committed yet");
        r.start(7, at).expect("leads");
        let sent = r.ready().messages;
        let (_, a) = appends(&sent)[0].clone();
        r.step(NodeId(1), ack(&a), at);
        assert_eq!(r.commit_index(), LogIndex(1));
        r.ready();
        r
    }

    /// The rounds `msgs` carry, with their destinations.
    fn rounds(msgs: &[(NodeId, Message<u64>)]) -> Vec<(NodeId, u64)> {
        msgs.iter()
            .filter_map(|(to, m)| match m {
                Message::Confirm(c) => Some((*to, c.round)),
                _ => None,
            })
            .collect()
    }

    fn answer(r: &mut crate::Raft<u64>, from: u32, round: u64, at: Instant) {
        let term = r.term();
        r.step(
            NodeId(from),
            Message::ConfirmReply(Confirm { term, round }),
            at,
        );
    }

    #[test]
    fn read_index_waits_for_a_round_a_majority_answers_after_the_read() {
        let mut r = leader(ReadMode::ReadIndex);
        assert!(r.read(5, ms(2)));
        let sent = r.ready();
        assert!(sent.reads.is_empty(), "not confirmed before a round");
        let round = rounds(&sent.messages)[0].1;
        // A duplicated answer to an older round vouches for nothing newer.
        answer(&mut r, 1, round - 1, ms(3));
        assert!(r.ready().reads.is_empty());
        answer(&mut r, 2, round, ms(3));
        let reads = r.ready().reads;
        assert_eq!(reads.len(), 1);
        assert_eq!((reads[0].ctx, reads[0].index), (5, LogIndex(1)));
        assert_eq!(reads[0].lease, None);
    }

    #[test]
    fn read_index_read_is_dropped_when_the_leader_steps_down() {
        let mut r = leader(ReadMode::ReadIndex);
        assert!(r.read(5, ms(2)));
        let round = rounds(&r.ready().messages)[0].1;
        let newer = Message::AppendEntries(crate::AppendEntries {
            term: Term(9),
            prev_log_index: LogIndex(0),
            prev_log_term: Term(0),
            entries: Vec::new(),
            leader_commit: LogIndex(0),
        });
        r.step(NodeId(2), newer, ms(3));
        r.ready();
        answer(&mut r, 1, round, ms(4));
        assert!(r.ready().reads.is_empty());
        assert!(!r.read(6, ms(5)), "a follower refuses");
    }

    #[test]
    fn lease_read_is_served_at_once_while_the_lease_holds_and_refused_after() {
        let mut r = leader(ReadMode::Lease);
        assert!(!r.read(5, ms(2)), "no round confirmed yet: no lease");
        // The next heartbeat carries a round; its answer starts the lease.
        let at = r.next_deadline();
        r.tick(at);
        let round = rounds(&r.ready().messages)[0].1;
        answer(
            &mut r,
            1,
            round,
            at + raft_contract::Duration::from_millis(1),
        );
        assert!(r.read(6, at + raft_contract::Duration::from_millis(2)));
        let lease = r.ready().reads[0]
            .lease
            .expect("a lease read reports its lease");
        // 300 ms × 0.9 / 1.1: the shipped 10 % drift bound.
        assert_eq!(
            (lease.from, lease.until.0 - lease.from.0),
            (at, 245_454_545)
        );
        assert!(!r.read(7, lease.until), "the lease lapsed");
    }

    #[test]
    fn lease_reads_need_check_quorum() {
        let config = Config {
            reads: ReadMode::Lease,
            check_quorum: false,
            ..Config::default()
        };
        let mut r = fresh_with(0, 1, config);
        elect(&mut r);
        r.start(7, ms(1)).expect("leads");
        r.ready();
        assert!(!r.read(5, ms(2)), "no lease without CheckQuorum");
        let vote = Message::RequestVote(RequestVote {
            term: Term(9),
            last_log_index: LogIndex(9),
            last_log_term: Term(9),
        });
        assert!(!r.ignores_vote_request(&vote, ms(2)));
    }

    #[test]
    fn lease_mode_ignores_vote_requests_while_the_leader_is_heard() {
        let config = Config {
            reads: ReadMode::Lease,
            ..Config::default()
        };
        let mut f = fresh_with(1, 3, config);
        let heartbeat = Message::Confirm(Confirm {
            term: Term(1),
            round: 1,
        });
        f.step(NodeId(0), heartbeat, ms(10));
        f.ready();
        assert_eq!((f.term(), f.leader()), (Term(1), Some(NodeId(0))));
        let vote = Message::RequestVote(RequestVote {
            term: Term(2),
            last_log_index: LogIndex(0),
            last_log_term: Term(0),
        });
        assert!(f.ignores_vote_request(&vote, ms(309)));
        f.step(NodeId(2), vote.clone(), ms(309));
        assert_eq!(f.term(), Term(1), "term not adopted");
        assert!(f.ready().messages.is_empty(), "no answer");
        assert!(!f.ignores_vote_request(&vote, ms(310)));
        f.step(NodeId(2), vote, ms(310));
        assert_eq!((f.term(), f.role()), (Term(2), Role::Follower));
    }
}
