//! Figure 2's commit rule for leaders ("Rules for Servers", Leaders): "if there exists
//! an N such that N > commitIndex, a majority of `matchIndex[i]` >= N, and `log[N].term`
//! == currentTerm: set commitIndex = N" (§5.3, §5.4).
//!
//! When a leader's commit index moves to N, its entry at N must be of the leader's term
//! and a quorum of the configuration it uses then (`Status::config`: a majority of its
//! voters, of both halves during a joint change, thesis §4.3), itself included if it
//! votes, must have acknowledged entries through N in that term (the contract's
//! `Ack::Append`, counted when sent). A leader that removed itself counts the others
//! only (§4.2.2). A configuration that took effect in the same event may be newer than
//! the one the commit was counted by (on apply, etcd-raft and raft-rs take the entry
//! just committed), so a quorum of the configuration the leader used before the event
//! also counts. Leader Completeness and State Machine Safety see a commit that breaks
//! the rule only when a later leader or commit contradicts it, which needs a rare
//! schedule (Figure 8); this check sees the commit itself.

use super::quorum::counted;
use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{Ack, LogIndex, NodeId, Role, Status, Term};
use std::collections::BTreeMap;

/// The furthest acknowledgement of each follower, per term and leader.
#[derive(Clone, Debug, Default)]
pub struct CommitRule {
    /// (term, leader) -> (follower, the highest index it acknowledged), in the order seen.
    acked: BTreeMap<(Term, NodeId), Vec<(NodeId, LogIndex)>>,
}

impl CommitRule {
    /// Records the entries the messages the node just sent acknowledged.
    pub fn record(&mut self, view: &NodeView<'_>) {
        for &(to, ack) in &view.observed.acks {
            if let Ack::Append { term, last_index } = ack {
                let followers = self.acked.entry((term, to)).or_default();
                match followers.iter_mut().find(|(f, _)| *f == view.node) {
                    Some((_, furthest)) => *furthest = (*furthest).max(last_index),
                    None => followers.push((view.node, last_index)),
                }
            }
        }
    }

    /// Fails if the node leads and its commit index moved to an entry of another term,
    /// or to one that no quorum of its configuration had acknowledged in its term.
    ///
    /// # Errors
    /// The violation, naming the leader, the term and the index.
    pub fn check(&self, previous: Option<&Status>, view: &NodeView<'_>) -> Result<(), Violation> {
        let st = &view.status;
        let Some(prev) = previous else {
            return Ok(());
        };
        if st.role != Role::Leader || st.commit_index <= prev.commit_index {
            return Ok(());
        }
        let n = st.commit_index;
        let fail = |detail: String| {
            Violation::new(Property::CommitRule, view.node, view.event, detail)
                .term(st.term)
                .index(n)
        };
        let entry = view.term_at(n);
        if entry != Some(st.term) {
            let what = entry.map_or("no entry".to_string(), |t| {
                format!("an entry of term {}", t.0)
            });
            return Err(fail(format!(
                "leader {} of term {} moved its commit index from {} to {n}, {what} (only entries of the leader's term commit by counting, Figure 8)",
                view.node, st.term.0, prev.commit_index
            )));
        }
        let holders: Vec<NodeId> = self
            .acked
            .get(&(st.term, view.node))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|(f, furthest)| *f != view.node && *furthest >= n)
            .map(|(f, _)| *f)
            .collect();
        let set = counted(view.node, holders.iter().copied());
        if !st.config.is_quorum(set) && !prev.config.is_quorum(set) {
            let names: Vec<String> = holders.iter().map(ToString::to_string).collect();
            let itself = match st.config.is_voter(view.node) {
                true => "itself",
                false => "not itself, no voter",
            };
            return Err(fail(format!(
                "leader {} of term {} committed {n} held by {itself} and [{}], no quorum of its configuration, {}",
                view.node,
                st.term.0,
                names.join(", "),
                st.config
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::{grant_vote, Fake};
    use crate::monitor::{Monitors, Property};
    use raft_contract::{Ack, LogIndex, Term};

    fn ack(term: u64, last: u64) -> Ack {
        Ack::Append {
            term: Term(term),
            last_index: LogIndex(last),
        }
    }

    /// A follower of `leader` in `term`, acknowledging entries through `last`.
    fn acknowledge(m: &mut Monitors, id: u32, leader: u32, term: u64, last: u64, event: u64) {
        let mut f = Fake::new(id).with_log(&vec![term; last as usize]);
        f.term = term;
        f.ack(leader, ack(term, last));
        assert!(f.check(m, event).is_ok());
    }

    #[test]
    fn commit_rule_majority_of_the_leaders_term_passes() {
        let mut m = Monitors::new(3);
        let mut a = Fake::new(0).in_cluster(3).leading(2).with_log(&[2, 2]);
        grant_vote(&mut m, 1, 0, 2, 1);
        assert!(a.check(&mut m, 2).is_ok());
        acknowledge(&mut m, 1, 0, 2, 2, 3);
        a.commit = 2;
        assert!(a.check(&mut m, 4).is_ok(), "itself and n1 hold 2: 2 of 3");
    }

    #[test]
    fn commit_rule_previous_term_entry_or_minority_fails() {
        let mut m = Monitors::new(3);
        grant_vote(&mut m, 1, 0, 3, 1);
        let mut a = Fake::new(0).in_cluster(3).leading(3).with_log(&[1, 2]);
        assert!(a.check(&mut m, 2).is_ok());
        acknowledge(&mut m, 1, 0, 3, 2, 3);
        a.commit = 2;
        let v = a.check(&mut m, 4).expect_err("entry 2 is of term 2, not 3");
        assert_eq!(v.property, Property::CommitRule);
        assert_eq!(v.index, Some(LogIndex(2)));

        let mut m = Monitors::new(5);
        let mut b = Fake::new(0).in_cluster(5).leading(1).with_log(&[1, 1]);
        grant_vote(&mut m, 1, 0, 1, 1);
        grant_vote(&mut m, 2, 0, 1, 2);
        assert!(b.check(&mut m, 3).is_ok());
        acknowledge(&mut m, 1, 0, 1, 2, 4);
        acknowledge(&mut m, 2, 0, 1, 1, 5);
        b.commit = 1;
        assert!(b.check(&mut m, 6).is_ok(), "3 of 5 hold 1");
        b.commit = 2;
        let v = b.check(&mut m, 7).expect_err("2 of 5 hold 2");
        assert_eq!(v.property, Property::CommitRule);
    }

    #[test]
    fn commit_rule_removed_leader_does_not_count_itself() {
        use raft_contract::{Configuration, NodeId, NodeSet};
        // n0 leads {n0,n1,n2}, then appends (and uses, on append) {n1,n2}: it removes itself.
        let mut m = Monitors::new(5);
        grant_vote(&mut m, 1, 0, 2, 1);
        let mut a = Fake::new(0).in_cluster(3).leading(2).with_log(&[2]);
        a.commit = 1;
        assert!(a.check(&mut m, 2).is_ok());
        a.log.extend([2, 2]);
        (a.config, a.config_index) = (Configuration::voters(NodeSet::of([1, 2].map(NodeId))), 2);
        assert!(a.check(&mut m, 3).is_ok());
        acknowledge(&mut m, 1, 0, 2, 3, 4);
        a.commit = 3;
        let v = a
            .check(&mut m, 5)
            .expect_err("n1 alone of {n1,n2}: n0 no longer counts");
        assert_eq!(v.property, Property::CommitRule);
        assert!(v.detail.contains("not itself, no voter"), "{v}");
        acknowledge(&mut m, 2, 0, 2, 3, 6);
        assert!(a.check(&mut m, 7).is_ok(), "n1 and n2 of {{n1,n2}}");
    }

    #[test]
    fn commit_rule_configuration_taken_with_the_commit_counts_the_one_before() {
        use raft_contract::Configuration;
        let mut m = Monitors::new(5);
        grant_vote(&mut m, 1, 0, 2, 1);
        let mut a = Fake::new(0).in_cluster(3).leading(2).with_log(&[2, 2]);
        a.commit = 1;
        assert!(a.check(&mut m, 2).is_ok());
        acknowledge(&mut m, 1, 0, 2, 2, 3);
        // Entry 2 adds n3, committed by 2 of 3 and applied in the same event.
        (a.commit, a.config, a.config_index) = (2, Configuration::all(4), 2);
        assert!(a.check(&mut m, 4).is_ok(), "n0 and n1 of {{n0,n1,n2}}");
        a.log.push(2);
        acknowledge(&mut m, 1, 0, 2, 3, 5);
        a.commit = 3;
        let v = a.check(&mut m, 6).expect_err("n0 and n1 of {n0,n1,n2,n3}");
        assert_eq!(v.property, Property::CommitRule);
        assert!(v.detail.contains("voters {n0,n1,n2,n3}"), "{v}");
    }
}
