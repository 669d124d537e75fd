//! Durability: whatever a node acknowledged survives its crash. Figure 2 asks a node to
//! update stable storage before it responds, so a vote it granted, its own candidacy,
//! and the entries it told a leader it holds must all be on disk when the answer
//! leaves; a restarted node must not be behind them.
//!
//! The same holds of the node's term: every message carries it, and a restarted node
//! must not be at a lower term than one it sent (currentTerm is saved "before
//! responding to RPCs").
//!
//! The acknowledgements come from the messages each incarnation sent (the contract's
//! `RaftMessage::ack` and `RaftMessage::term`); they are checked against the state the next incarnation boots
//! with, so a node that answers first and saves later is caught whenever a crash falls
//! in between. A node may later drop acknowledged entries for a good reason (a newer
//! leader overwrote them), so only the acknowledgements still true of its log when it
//! crashed are held against it.

use super::election_safety::ElectionSafety;
use super::log_shadow::LogShadow;
use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{Ack, LogIndex, NodeId, Term};
use std::collections::VecDeque;

/// The most recent AppendEntries acknowledgements kept per incarnation.
const APPENDS_KEPT: usize = 32;

/// An acknowledgement and the event that sent it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Sent<T> {
    what: T,
    event: u64,
}

/// What one incarnation of a node acknowledged.
#[derive(Clone, Debug, Default)]
struct Acked {
    term: Option<Sent<Term>>,
    vote: Option<Sent<(Term, NodeId)>>,
    candidacy: Option<Sent<Term>>,
    /// (term, last index, the term of the entry there when acknowledged).
    appends: VecDeque<Sent<(Term, LogIndex, Term)>>,
}

/// Every node's acknowledgements in its current incarnation.
#[derive(Clone, Debug, Default)]
pub struct Durability {
    nodes: Vec<Acked>,
}

impl Durability {
    /// Records what the messages the node just sent acknowledged.
    pub fn record(&mut self, view: &NodeView<'_>) {
        if view.observed.acks.is_empty() && view.observed.sent_term.is_none() {
            return;
        }
        let acked = self.acked(view.node);
        if let Some(term) = view.observed.sent_term {
            if acked.term.is_none_or(|t| t.what < term) {
                acked.term = Some(Sent {
                    what: term,
                    event: view.event,
                });
            }
        }
        for &(to, ack) in &view.observed.acks {
            let event = view.event;
            let term = match ack {
                Ack::Vote { term } => {
                    acked.vote = Some(Sent {
                        what: (term, to),
                        event,
                    });
                    term
                }
                Ack::Candidacy { term } => {
                    acked.candidacy = Some(Sent { what: term, event });
                    term
                }
                Ack::Append { term, last_index } => {
                    if let Some(entry) = view.term_at(last_index) {
                        if acked.appends.len() == APPENDS_KEPT {
                            acked.appends.pop_front();
                        }
                        acked.appends.push_back(Sent {
                            what: (term, last_index, entry),
                            event,
                        });
                    }
                    term
                }
            };
            if acked.term.is_none_or(|t| t.what < term) {
                acked.term = Some(Sent { what: term, event });
            }
        }
    }

    /// Checks a new incarnation's boot state against what the previous one
    /// acknowledged (`crashed` is its log when it was last seen) and starts afresh.
    ///
    /// # Errors
    /// The violation, naming the node, the term or index, and the event that sent the
    /// acknowledgement.
    pub fn restarted(
        &mut self,
        crashed: &LogShadow,
        view: &NodeView<'_>,
        leaders: &ElectionSafety,
    ) -> Result<(), Violation> {
        let acked = std::mem::take(self.acked(view.node));
        let st = &view.status;
        let fail =
            |detail: String| Violation::new(Property::Durability, view.node, view.event, detail);
        // A vote that moved to the term's elected leader is as good as the one given: it
        // can make no one else leader of that term, since that term has one already
        // (Election Safety). openraft keeps one vote, and a follower's vote is its
        // leader's, committed (`vote/ref_vote.rs`: a committed vote of a term outranks
        // every uncommitted one); so a node that voted for itself or for a losing
        // candidate votes for the winner once it hears from it.
        let for_leader = |term| st.voted_for.is_some() && st.voted_for == leaders.leader_of(term);
        if let Some(t) = acked.term {
            if st.term < t.what {
                return Err(fail(format!(
                    "{} told a peer its term was {} (event {}) but restarted at term {}",
                    view.node, t.what.0, t.event, st.term.0
                ))
                .term(t.what));
            }
        }
        if let Some(v) = acked.vote {
            let (term, to) = v.what;
            if st.term == term && st.voted_for != Some(to) && !for_leader(term) {
                return Err(fail(format!(
                    "{} granted its vote in term {} to {to} (event {}) but restarted voting for {:?}",
                    view.node, term.0, v.event, st.voted_for
                ))
                .with(to)
                .term(term));
            }
        }
        if let Some(c) = acked.candidacy {
            if st.term == c.what && st.voted_for != Some(view.node) && !for_leader(c.what) {
                return Err(fail(format!(
                    "{} stood for election in term {} (event {}) but restarted voting for {:?}",
                    view.node, c.what.0, c.event, st.voted_for
                ))
                .term(c.what));
            }
        }
        // An acknowledged entry still in the crashed log, or at its snapshot point with
        // the same term, is still owed. One compacted below the snapshot point cannot be
        // told apart from a replacement that was committed later: it is not held
        // against the node (and the restarted node holds whatever its snapshot covers).
        let still_true = acked.appends.iter().filter(|a| {
            let (_, index, entry) = a.what;
            crashed.term_at(index) == Some(entry)
        });
        if let Some(a) = still_true.max_by_key(|a| a.what.1) {
            let (term, index, entry) = a.what;
            if !view.holds(index, entry) {
                return Err(fail(format!(
                    "{} acknowledged entries through {index} (term {}) to the leader of term {} (event {}) but restarted with {} (snapshot {}, last {})",
                    view.node,
                    entry.0,
                    term.0,
                    a.event,
                    view.term_at(index).map_or("no entry there".to_string(), |t| format!("term {} there", t.0)),
                    st.snapshot_index(),
                    st.last_index
                ))
                .term(term)
                .index(index));
            }
        }
        Ok(())
    }

    fn acked(&mut self, node: NodeId) -> &mut Acked {
        let slot = node.index();
        if slot >= self.nodes.len() {
            self.nodes.resize(slot + 1, Acked::default());
        }
        &mut self.nodes[slot]
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::Fake;
    use crate::monitor::{Monitors, Property};
    use raft_contract::{Ack, LogIndex, Term};

    fn restart(a: &mut Fake, term: u64, vote: Option<u32>, log: &[u64]) {
        a.incarnation += 1;
        a.term = term;
        a.vote = vote;
        a.log = log.to_vec();
        a.commit = 0;
        a.role = raft_contract::Role::Follower;
    }

    #[test]
    fn durability_forgotten_vote_fails() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0);
        a.term = 3;
        a.vote = Some(1);
        a.ack(1, Ack::Vote { term: Term(3) });
        assert!(a.check(&mut m, 1).is_ok());
        restart(&mut a, 3, None, &[]);
        let v = a.check(&mut m, 2).expect_err("restarted without its vote");
        assert_eq!(v.property, Property::Durability);
        restart(&mut a, 3, Some(1), &[]);
        assert!(a.check(&mut m, 3).is_ok(), "nothing acknowledged since");
    }

    #[test]
    fn durability_forgotten_term_or_candidacy_fails() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0);
        a.term = 4;
        a.vote = Some(0);
        a.ack(1, Ack::Candidacy { term: Term(4) });
        assert!(a.check(&mut m, 1).is_ok());
        restart(&mut a, 3, Some(0), &[]);
        let v = a.check(&mut m, 2).expect_err("restarted in an older term");
        assert_eq!(v.property, Property::Durability);
        a.term = 4;
        a.vote = Some(0);
        a.ack(1, Ack::Candidacy { term: Term(4) });
        assert!(a.check(&mut m, 3).is_ok());
        restart(&mut a, 4, None, &[]);
        let v = a
            .check(&mut m, 4)
            .expect_err("restarted without its own vote");
        assert_eq!(v.property, Property::Durability);
    }

    /// openraft's vote follows its term's leader: a candidate that hears from the
    /// winner restarts voting for it. That is no forgotten vote, since the winner
    /// already leads; a vote moved to any other node is.
    #[test]
    fn durability_vote_moved_to_the_terms_leader_is_kept_but_not_to_another_node() {
        let mut m = Monitors::new(3);
        let mut leader = Fake::new(1).in_cluster(3).leading(4);
        crate::monitor::testkit::grant_vote(&mut m, 1, 1, 4, 1);
        crate::monitor::testkit::grant_vote(&mut m, 2, 1, 4, 2);
        assert!(leader.check(&mut m, 3).is_ok());
        let mut a = Fake::new(0);
        a.term = 4;
        a.vote = Some(0);
        a.ack(1, Ack::Candidacy { term: Term(4) });
        assert!(a.check(&mut m, 4).is_ok());
        restart(&mut a, 4, Some(1), &[]);
        assert!(
            a.check(&mut m, 5).is_ok(),
            "voting for n1, the leader of term 4"
        );
        a.ack(2, Ack::Vote { term: Term(4) });
        a.vote = Some(2);
        assert!(a.check(&mut m, 6).is_ok());
        restart(&mut a, 4, Some(1), &[]);
        assert!(
            a.check(&mut m, 7).is_ok(),
            "a vote for a loser moved to the winner"
        );
        a.ack(0, Ack::Candidacy { term: Term(4) });
        a.vote = Some(0);
        assert!(a.check(&mut m, 8).is_ok());
        restart(&mut a, 4, Some(2), &[]);
        let v = a.check(&mut m, 9).expect_err("n2 does not lead term 4");
        assert_eq!(v.property, Property::Durability);
    }

    /// A term the node told a peer (any message carries one) must survive its crash,
    /// acknowledgement or not: `bug-adopt-term-unsaved` answers with a term it never
    /// saved.
    #[test]
    fn durability_term_sent_without_an_acknowledgement_must_survive_a_restart() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0);
        a.term = 5;
        a.observed.sent_term = Some(Term(5));
        assert!(a.check(&mut m, 1).is_ok());
        restart(&mut a, 4, None, &[]);
        let v = a
            .check(&mut m, 2)
            .expect_err("restarted below the term it sent");
        assert_eq!(v.property, Property::Durability);
        assert!(
            v.detail.contains("told a peer its term was 5"),
            "{}",
            v.detail
        );
        a.term = 5;
        a.observed.sent_term = Some(Term(5));
        assert!(a.check(&mut m, 3).is_ok());
        restart(&mut a, 5, None, &[]);
        assert!(a.check(&mut m, 4).is_ok(), "the term survived");
    }

    /// Swarm seed 17825: entries through 5 acknowledged in term 1, index 5 later
    /// replaced by a term-7 entry and compacted into a snapshot at 5 (term 7); the
    /// restarted node holds that snapshot. Nothing owed is lost.
    #[test]
    fn durability_acknowledged_entry_replaced_then_compacted_is_not_owed() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(4).with_log(&[1; 5]);
        a.term = 1;
        a.ack(
            0,
            Ack::Append {
                term: Term(1),
                last_index: LogIndex(5),
            },
        );
        assert!(a.check(&mut m, 1).is_ok());
        a.term = 7;
        a.log = vec![1, 1, 1, 1, 7];
        assert!(a.check(&mut m, 2).is_ok());
        a.snapshot = (5, 7);
        a.log = Vec::new();
        assert!(a.check(&mut m, 3).is_ok());
        restart(&mut a, 7, None, &[]);
        a.snapshot = (5, 7);
        assert!(
            a.check(&mut m, 4).is_ok(),
            "the term-1 entry at 5 was replaced"
        );
        // The same, but the entry at 5 stayed term 1: a restart without it fails.
        let mut m = Monitors::new(5);
        let mut b = Fake::new(4).with_log(&[1; 5]);
        b.term = 1;
        b.ack(
            0,
            Ack::Append {
                term: Term(1),
                last_index: LogIndex(5),
            },
        );
        assert!(b.check(&mut m, 1).is_ok());
        b.snapshot = (5, 1);
        b.log = Vec::new();
        assert!(b.check(&mut m, 2).is_ok());
        restart(&mut b, 1, None, &[1, 1, 1]);
        b.snapshot = (0, 0);
        let v = b.check(&mut m, 3).expect_err("the snapshot at 5 was lost");
        assert_eq!(v.property, Property::Durability);
    }

    #[test]
    fn durability_lost_acknowledged_entries_fail_unless_replaced_meanwhile() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0).with_log(&[1, 1, 1]);
        a.term = 1;
        let acked = Ack::Append {
            term: Term(1),
            last_index: LogIndex(3),
        };
        a.ack(1, acked);
        assert!(a.check(&mut m, 1).is_ok());
        restart(&mut a, 1, None, &[1]);
        let v = a.check(&mut m, 2).expect_err("lost entries 2-3");
        assert_eq!(v.property, Property::Durability);
        assert_eq!(v.index.map(|i| i.0), Some(3));
        // Acknowledged, then legitimately overwritten by a newer leader before the crash.
        let mut m = Monitors::new(5);
        let mut b = Fake::new(1).with_log(&[1, 1, 1]);
        b.term = 1;
        b.ack(0, acked);
        assert!(b.check(&mut m, 1).is_ok());
        b.term = 2;
        b.log = vec![1, 2];
        assert!(b.check(&mut m, 2).is_ok());
        restart(&mut b, 2, None, &[1, 2]);
        assert!(b.check(&mut m, 3).is_ok());
    }
}
