//! CheckQuorum: a leader that has not heard from a majority for a whole election
//! timeout steps down (etcd's `checkQuorum`, Raft thesis §6.2's "a leader steps down if
//! an election timeout elapses without a successful round of heartbeats to a majority").
//!
//! Without it, a leader cut off from a majority believes it leads for as long as it
//! lives: its clients wait on it in vain, and with PreVote the followers that still get
//! its heartbeats refuse every other candidate, so no one can be elected (the quorum
//! loss of Howard and Abraham, 2020).

use crate::node::Raft;
use raft_contract::{Command, Instant, NodeId, Role};

impl<C: Command> Raft<C> {
    /// The leader's periodic check, every `election_timeout_max`: steps down unless a
    /// majority of its configuration's voters (itself included, if it is one) answered
    /// since the last one, then starts the next interval.
    pub(crate) fn check_quorum(&mut self, now: Instant) {
        assert_eq!(
            self.role,
            Role::Leader,
            "{}: quorum check while not leader",
            self.id
        );
        // Voters only, itself only if it votes (a leader removed by an entry not yet
        // committed leads on without counting itself, §4.2.2).
        let me = self.id.index();
        let mut heard = self.me_if_voter();
        for (i, pr) in self.progress.iter().enumerate() {
            if i != me && pr.heard {
                heard.insert(NodeId(i as u32));
            }
        }
        if !self.is_quorum(heard) {
            self.become_follower(self.current_term, now);
            self.leader = None;
            return;
        }
        for pr in &mut self.progress {
            pr.heard = false;
        }
        self.quorum_check_deadline = now + self.config.election_timeout_max;
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::testutil::{ack, appends, elect, fresh, fresh_with, ms};
    use raft_contract::{NodeId, Role, Term};

    #[test]
    fn quorum_check_leader_that_hears_no_majority_steps_down_in_its_term() {
        let mut r = fresh(0, 5);
        let sent = elect(&mut r);
        let term = r.term();
        let elected = r.next_deadline();
        // One follower answers: two of five is no majority.
        let (_, first) = appends(&sent)[0].clone();
        r.step(NodeId(1), ack(&first), elected);
        let mut at = elected;
        while r.role() == Role::Leader {
            at = r.next_deadline();
            r.tick(at);
            r.ready();
        }
        assert_eq!(
            (r.role(), r.term(), r.leader()),
            (Role::Follower, term, None)
        );
        assert!(at <= ms(1800), "stepped down at {at}");
        assert!(
            r.next_deadline() > at,
            "a fresh election timeout, not an election now"
        );
        assert_eq!(term, Term(1));
    }

    #[test]
    fn quorum_check_leader_that_hears_a_majority_keeps_leading() {
        let mut r = fresh(0, 3);
        elect(&mut r);
        for _ in 0..100 {
            let at = r.next_deadline();
            r.tick(at);
            for (to, a) in appends(&r.ready().messages) {
                if to == NodeId(1) {
                    r.step(to, ack(&a), at);
                }
            }
        }
        assert_eq!(
            r.role(),
            Role::Leader,
            "one follower of three is a majority"
        );
    }

    #[test]
    fn quorum_check_off_leads_on_alone() {
        let config = Config {
            check_quorum: false,
            ..Config::default()
        };
        let mut r = fresh_with(0, 3, config);
        elect(&mut r);
        for _ in 0..100 {
            let at = r.next_deadline();
            r.tick(at);
            r.ready();
        }
        assert_eq!(r.role(), Role::Leader);
    }
}
