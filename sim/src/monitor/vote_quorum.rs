//! Vote Quorum (Figure 2, "Rules for Servers", Candidates: "if votes received from
//! majority of servers: become leader"): a node leads term T only after a quorum of its
//! configuration, itself included if it votes, granted it their vote for T. The
//! configuration is the one the node reports as it starts to lead
//! (`Status::config`: a majority of its voters, and of the outgoing voters during a
//! joint change, thesis §4.3); for a Raft without membership changes it is every server.
//!
//! Election Safety rests on it (one vote per voter per term, and a majority per
//! leader), but two leaders of one term need a second election to go wrong at the same
//! time; a leader elected without a majority is wrong already, whether or not a rival
//! shows up. A vote counts from the moment its voter sends it (the contract's
//! `Ack::Vote`), whether it arrives or not, so a correct leader always has enough: one
//! with fewer counted something that was not a vote for its term, such as a stale
//! reply from an older election.
//!
//! An election is checked once, when it is won. A leader that resumes a term it won
//! before (openraft's leader restore, after a restart) is no new election: its
//! configuration may have changed since, by its own changes in that term, and the votes
//! it won with counted in the configuration it campaigned with.

use super::quorum::counted;
use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{Ack, NodeId, Role, Status, Term};
use std::collections::{BTreeMap, BTreeSet};

/// Every vote granted so far, by term and candidate.
#[derive(Clone, Debug, Default)]
pub struct VoteQuorum {
    /// (term, candidate) -> the voters that granted it their vote, in the order seen.
    granted: BTreeMap<(Term, NodeId), Vec<NodeId>>,
    /// (term, leader) for every election checked and won.
    elected: BTreeSet<(Term, NodeId)>,
}

impl VoteQuorum {
    /// Records the votes the messages the node just sent granted.
    pub fn record(&mut self, view: &NodeView<'_>) {
        for &(to, ack) in &view.observed.acks {
            if let Ack::Vote { term } = ack {
                let voters = self.granted.entry((term, to)).or_default();
                if !voters.contains(&view.node) {
                    voters.push(view.node);
                }
            }
        }
    }

    /// Fails if the node leads a term it did not lead at its previous check, and has not
    /// won before, and itself with the voters that granted it their vote for that term
    /// are no quorum of its configuration.
    ///
    /// # Errors
    /// The violation, naming the leader, its voters and the term.
    pub fn check(
        &mut self,
        previous: Option<&Status>,
        view: &NodeView<'_>,
    ) -> Result<(), Violation> {
        let st = &view.status;
        if st.role != Role::Leader {
            return Ok(());
        }
        if previous.is_some_and(|p| p.role == Role::Leader && p.term == st.term) {
            return Ok(());
        }
        let voters = self
            .granted
            .get(&(st.term, view.node))
            .map_or(&[][..], Vec::as_slice);
        if self.elected.contains(&(st.term, view.node)) {
            return Ok(());
        }
        let votes = counted(view.node, voters.iter().copied());
        if st.config.is_quorum(votes) {
            self.elected.insert((st.term, view.node));
            return Ok(());
        }
        let names: Vec<String> = voters.iter().map(ToString::to_string).collect();
        let itself = match st.config.is_voter(view.node) {
            true => "itself",
            false => "not itself, no voter",
        };
        let detail = format!(
            "{} leads term {} with votes ({itself}, and granted for term {} by [{}]) that are no quorum of its configuration, {}",
            view.node,
            st.term.0,
            st.term.0,
            names.join(", "),
            st.config
        );
        let mut v =
            Violation::new(Property::VoteQuorum, view.node, view.event, detail).term(st.term);
        for voter in voters {
            v = v.with(*voter);
        }
        Err(v)
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::{grant_vote, Fake};
    use crate::monitor::{Monitors, Property};
    use raft_contract::{Ack, Term};

    #[test]
    fn vote_quorum_leader_with_a_majority_of_its_terms_votes_passes() {
        let mut m = Monitors::new(3);
        grant_vote(&mut m, 1, 0, 3, 1);
        let mut a = Fake::new(0).in_cluster(3).leading(3);
        assert!(a.check(&mut m, 2).is_ok(), "itself and n1: 2 of 3");
        assert!(a.check(&mut m, 3).is_ok(), "the same reign");
    }

    #[test]
    fn vote_quorum_leader_resuming_a_term_it_won_passes_in_a_changed_configuration() {
        use raft_contract::{Configuration, NodeId, NodeSet, Role};
        let mut m = Monitors::new(5);
        grant_vote(&mut m, 1, 0, 3, 1);
        grant_vote(&mut m, 2, 0, 3, 2);
        let mut a = Fake::new(0).in_cluster(5).leading(3);
        assert!(a.check(&mut m, 3).is_ok(), "3 of 5");
        // It removed n1 and n2, lost its office (a crash) and resumes term 3.
        a.role = Role::Follower;
        assert!(a.check(&mut m, 4).is_ok());
        a.role = Role::Leader;
        a.config = Configuration::voters(NodeSet::of([0, 3, 4].map(NodeId)));
        assert!(a.check(&mut m, 5).is_ok(), "term 3 was won");
        // Its rival, never elected, in the same configuration: one vote of three.
        grant_vote(&mut m, 3, 4, 4, 6);
        let mut b = Fake::new(4).leading(4);
        b.config = a.config;
        assert!(b.check(&mut m, 7).is_ok(), "n3 and n4 of {{n0,n3,n4}}");
        let mut c = Fake::new(3).leading(5);
        c.config = a.config;
        let v = c.check(&mut m, 8).expect_err("n3 alone, never elected");
        assert_eq!(v.property, Property::VoteQuorum);
    }

    #[test]
    fn vote_quorum_leader_counting_an_older_terms_vote_fails() {
        let mut m = Monitors::new(3);
        grant_vote(&mut m, 1, 0, 3, 1);
        // n0 lost term 3's election, stood again in term 4, and counted n1's vote for 3.
        let mut a = Fake::new(0).in_cluster(3).leading(4);
        let v = a.check(&mut m, 2).expect_err("one vote of 3 for term 4");
        assert_eq!(v.property, Property::VoteQuorum);
        assert_eq!(v.term, Some(Term(4)));
    }

    #[test]
    fn vote_quorum_counts_each_voter_once() {
        let mut m = Monitors::new(5);
        grant_vote(&mut m, 1, 0, 1, 1);
        grant_vote(&mut m, 2, 0, 1, 2);
        let mut b = Fake::new(0).in_cluster(5).leading(1);
        assert!(b.check(&mut m, 3).is_ok(), "3 of 5");
        let mut voter = Fake::new(4);
        voter.term = 2;
        voter.ack(3, Ack::Vote { term: Term(2) });
        voter.ack(3, Ack::Vote { term: Term(2) });
        assert!(voter.check(&mut m, 4).is_ok());
        let mut c = Fake::new(3).in_cluster(5).leading(2);
        let v = c
            .check(&mut m, 5)
            .expect_err("a duplicate vote is one vote: 2 of 5");
        assert_eq!(v.property, Property::VoteQuorum);
    }

    #[test]
    fn vote_quorum_counts_only_the_voters_of_the_leaders_configuration() {
        use raft_contract::{Configuration, NodeId, NodeSet};
        let set = |ids: &[u32]| NodeSet::of(ids.iter().map(|i| NodeId(*i)));
        // n0 removed itself: {n1,n2,n3} decide, and its own vote is none of theirs.
        let mut m = Monitors::new(5);
        grant_vote(&mut m, 1, 0, 2, 1);
        let mut a = Fake::new(0).leading(2);
        a.config = Configuration::voters(set(&[1, 2, 3]));
        let v = a.check(&mut m, 2).expect_err("n1 alone of {n1,n2,n3}");
        assert_eq!(v.property, Property::VoteQuorum);
        assert!(v.detail.contains("not itself, no voter"), "{v}");
        grant_vote(&mut m, 2, 0, 3, 3);
        grant_vote(&mut m, 3, 0, 3, 4);
        let mut b = Fake::new(0).leading(3);
        b.config = a.config;
        assert!(b.check(&mut m, 5).is_ok(), "n2 and n3 of {{n1,n2,n3}}");
        // A joint configuration needs a majority of both halves.
        let joint = Configuration {
            voters: set(&[2, 3, 4]),
            outgoing: set(&[0, 1, 2]),
            learners: NodeSet::EMPTY,
        };
        grant_vote(&mut m, 1, 0, 4, 6);
        let mut c = Fake::new(0).leading(4);
        c.config = joint;
        let v = c.check(&mut m, 7).expect_err("the old half only");
        assert_eq!(v.property, Property::VoteQuorum);
        assert!(
            v.detail.contains("voters {n2,n3,n4} outgoing {n0,n1,n2}"),
            "{v}"
        );
        grant_vote(&mut m, 3, 0, 5, 8);
        grant_vote(&mut m, 4, 0, 5, 9);
        grant_vote(&mut m, 1, 0, 5, 10);
        let mut d = Fake::new(0).leading(5);
        d.config = joint;
        assert!(
            d.check(&mut m, 11).is_ok(),
            "n0, n1 of the old; n3, n4 of the new"
        );
        // A joiner that knows no voters counts no quorum, not even its own vote.
        let mut e = Fake::new(4).leading(6);
        e.config = Configuration::default();
        let v = e.check(&mut m, 12).expect_err("no voters, no quorum");
        assert_eq!(v.property, Property::VoteQuorum);
    }
}
