//! Configuration Safety (Raft thesis chapter 4): a membership change never lets two
//! quorums that share no server decide. A single-server change keeps every majority of
//! the old configuration overlapping every majority of the new one (§4.1), and a joint
//! change needs both halves (§4.3), but only if changes go one at a time, each from a
//! configuration that committed, by a leader that knows its configuration is the latest,
//! and if every server uses the configuration its log says it uses.
//!
//! The monitor reads a node's `Status::config` and `Status::config_index` (the log
//! entry the configuration comes from) and checks, after every event:
//! - **Slots**: a configuration names only the cluster's server slots (`Boot::peers`).
//! - **Held**: the entry a configuration comes from is one the node holds (or has
//!   compacted); a node whose configuration entry was replaced falls back.
//! - **One change at a time** (§4.1, §4.3): a leader that takes a configuration from an
//!   entry it appended in its term has committed the configuration before it.
//! - **No change before the term commits** (Ongaro, raft-dev, 2015): at that moment the
//!   leader has committed an entry of its own term, unless the change keeps one voter
//!   set of the configuration before it exactly (into or out of a joint configuration,
//!   or learners only), whose majorities every quorum on both sides contains.
//! - **Takes effect when it should** (`Membership::takes_effect`): on append, a node
//!   uses the latest configuration entry its log holds; on apply, never one above its
//!   commit index.
//! - **No disjoint quorums in one term**: a candidate or leader that changes its
//!   configuration while it stands in or leads a term moves to one whose quorums meet
//!   those of the one before; and a candidate or leader has voters at all.

use super::view::NodeView;
use super::violation::{Property, Violation};
use raft_contract::{Configuration, LogIndex, NodeSet, Role, Status, TakesEffect, Term};
use std::collections::BTreeMap;

/// What a node that stands in or leads a term used last, kept to judge its next
/// configuration in the same term.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Decider {
    /// The term it stands in or leads.
    term: Term,
    /// The configuration it counted with.
    config: Configuration,
    /// The event after which it was seen using it.
    event: u64,
}

/// The configuration entries seen so far and what each node used last.
#[derive(Clone, Debug)]
pub struct ConfigurationSafety {
    /// The cluster's server slots, `NodeId(0)..NodeId(peers - 1)`.
    slots: NodeSet,
    /// When a configuration takes effect; `None` for a Raft without membership changes.
    takes_effect: Option<TakesEffect>,
    /// Configuration entries, by index: the terms of those some node reported using.
    /// One per change proposed in the run (plus the rare one overwritten), so small.
    entries: BTreeMap<LogIndex, Vec<Term>>,
    /// Per node slot, the entry its configuration came from at its last check.
    reported: Vec<Option<(LogIndex, Term)>>,
    /// Per node slot, its configuration while a candidate or leader.
    deciders: Vec<Option<Decider>>,
}

impl ConfigurationSafety {
    /// The check for a cluster of `peers` server slots whose Raft takes configurations
    /// in effect as `takes_effect` says (`None`: no membership changes).
    ///
    /// # Panics
    /// If `peers` exceeds [`NodeSet::CAPACITY`]: no configuration could name them all.
    pub fn new(peers: usize, takes_effect: Option<TakesEffect>) -> ConfigurationSafety {
        assert!(
            peers <= NodeSet::CAPACITY,
            "{peers} server slots: configurations hold at most {}",
            NodeSet::CAPACITY
        );
        ConfigurationSafety {
            slots: NodeSet::first(peers),
            takes_effect,
            entries: BTreeMap::new(),
            reported: Vec::new(),
            deciders: Vec::new(),
        }
    }

    /// Checks the node's configuration after an event, then records it.
    ///
    /// # Errors
    /// The first rule broken, naming the node, the configurations, the term and the
    /// index.
    pub fn check(
        &mut self,
        previous: Option<&Status>,
        view: &NodeView<'_>,
    ) -> Result<(), Violation> {
        self.check_slots(view)?;
        self.check_held(view)?;
        check_one_change(previous, view)?;
        self.check_takes_effect(view)?;
        self.check_deciders(view)?;
        self.learn(view);
        Ok(())
    }

    /// Slots: a configuration naming a server outside the cluster counts a vote that
    /// can never come, or one from a server that is not there.
    fn check_slots(&self, view: &NodeView<'_>) -> Result<(), Violation> {
        let st = &view.status;
        let outside = st.config.members().difference(self.slots);
        if outside.is_empty() {
            return Ok(());
        }
        let detail = format!(
            "{} uses configuration {} (from index {}), which names {outside}, outside the cluster's slots {}",
            view.node, st.config, st.config_index, self.slots
        );
        Err(fail(view, detail).index(st.config_index))
    }

    /// Held: the configuration comes from an entry the node holds (or has compacted),
    /// and a configuration whose entry was replaced is dropped with it (§4.1: a server
    /// whose configuration entry is truncated falls back to the one before). The entry
    /// now at that index may be a configuration entry too, of a newer leader: that is
    /// known once its leader, which uses it from the start, was seen with it.
    fn check_held(&self, view: &NodeView<'_>) -> Result<(), Violation> {
        let st = &view.status;
        let i = st.config_index;
        if i > st.last_index {
            let detail = format!(
                "{} uses configuration {} from index {i}, beyond its last entry {}",
                view.node, st.config, st.last_index
            );
            return Err(fail(view, detail).index(i));
        }
        if i.0 == 0 || i <= st.snapshot_index() {
            return Ok(());
        }
        // Between the snapshot point and the last index every entry has a term
        // (`RaftNode::log_term`); an adapter breaking that is no configuration's fault.
        let Some(now) = view.term_at(i) else {
            return Ok(());
        };
        let Some(Some((was, then))) = self.reported.get(view.node.index()) else {
            return Ok(());
        };
        if *was != i || *then == now || self.is_entry(i, now) {
            return Ok(());
        }
        let detail = format!(
            "{} still uses configuration {} from index {i}, whose entry of term {} it replaced by one of term {} that is no configuration entry",
            view.node, st.config, then.0, now.0
        );
        Err(fail(view, detail).term(*then).index(i))
    }

    /// Takes effect when it should: the thesis (§4.1) has a server use the latest
    /// configuration in its log, committed or not, and an implementation that waits for
    /// the commit ("a configuration taken at commit") lets a leader count the old
    /// configuration after the new one decided; one that applies it (etcd-raft,
    /// raft-rs) must not use it before it commits.
    fn check_takes_effect(&self, view: &NodeView<'_>) -> Result<(), Violation> {
        let st = &view.status;
        match self.takes_effect {
            None => Ok(()),
            Some(TakesEffect::OnAppend) => {
                let from = LogIndex((st.config_index.0 + 1).max(st.snapshot_index().0));
                if from > st.last_index {
                    return Ok(());
                }
                let held = (self.entries.range(from..=st.last_index)).find_map(|(i, terms)| {
                    view.term_at(*i)
                        .filter(|t| terms.contains(t))
                        .map(|t| (*i, t))
                });
                let Some((i, t)) = held else {
                    return Ok(());
                };
                let detail = format!(
                    "{} holds the configuration entry at {i} (term {}) and still uses configuration {} from index {} (configurations take effect on append)",
                    view.node, t.0, st.config, st.config_index
                );
                Err(fail(view, detail).term(t).index(i))
            }
            Some(TakesEffect::OnApply) => {
                let committed = st.commit_index.max(st.snapshot_index());
                if st.config_index <= committed {
                    return Ok(());
                }
                let detail = format!(
                    "{} uses configuration {} from index {} above its commit index {} (configurations take effect on apply)",
                    view.node, st.config, st.config_index, st.commit_index
                );
                Err(fail(view, detail).index(st.config_index))
            }
        }
    }

    /// No disjoint quorums in one term: a candidate or leader decides by its
    /// configuration's quorums, so when it changes configuration while it stands in or
    /// leads a term, some server must be in a quorum of both (a single-server change, or
    /// into or out of a joint configuration, §4.3); otherwise the old configuration's
    /// quorum and the new one's could decide differently in that term. A server with no
    /// voters (added later, before it heard of its configuration) must never stand.
    ///
    /// Each node is judged against its own previous configuration in the term, not
    /// against every configuration seen in the term: a correct leader goes from
    /// `{n0,n1,n2}` to `{n0..n4}` in one term by two committed single-server changes,
    /// and a partitioned server still on `{n0,n1,n2}` may stand in the same term as a
    /// leader on `{n0..n4}` (it cannot win: its log lacks the committed changes, which
    /// the vote rule sees and no configuration does). Two leaders of one term are
    /// Election Safety's. Memory: one configuration per node slot.
    fn check_deciders(&mut self, view: &NodeView<'_>) -> Result<(), Violation> {
        let st = &view.status;
        let slot = view.node.index();
        if slot >= self.deciders.len() {
            self.deciders.resize(slot + 1, None);
        }
        if st.role == Role::Follower {
            self.deciders[slot] = None;
            return Ok(());
        }
        if st.config.voters.is_empty() {
            let detail = format!(
                "{} is {} of term {} with configuration {} (from index {}), which has no voters",
                view.node, st.role, st.term.0, st.config, st.config_index
            );
            return Err(fail(view, detail).term(st.term));
        }
        let before = self.deciders[slot].filter(|d| d.term == st.term);
        self.deciders[slot] = Some(Decider {
            term: st.term,
            config: st.config,
            event: view.event,
        });
        let Some(before) = before else {
            return Ok(());
        };
        if before.config == st.config || !before.config.has_disjoint_quorums(&st.config) {
            return Ok(());
        }
        let detail = format!(
            "{} as {} of term {} moved from configuration {} (seen at event {}) to {} (from index {}), and a quorum of each shares no server",
            view.node, st.role, st.term.0, before.config, before.event, st.config, st.config_index
        );
        Err(fail(view, detail).term(st.term).index(st.config_index))
    }

    /// True if (`index`, `term`) is known to be a configuration entry.
    fn is_entry(&self, index: LogIndex, term: Term) -> bool {
        self.entries
            .get(&index)
            .is_some_and(|ts| ts.contains(&term))
    }

    /// Records the entry the node's configuration comes from. One at the snapshot point
    /// is not learnt: an implementation may report the snapshot's index for a
    /// configuration restored from it, which need not be a configuration entry.
    fn learn(&mut self, view: &NodeView<'_>) {
        let st = &view.status;
        let slot = view.node.index();
        if slot >= self.reported.len() {
            self.reported.resize(slot + 1, None);
        }
        let i = st.config_index;
        let entry = view
            .term_at(i)
            .filter(|_| i.0 > 0 && i > st.snapshot_index());
        self.reported[slot] = entry.map(|t| (i, t));
        if let Some(t) = entry {
            let terms = self.entries.entry(i).or_default();
            if !terms.contains(&t) {
                terms.push(t);
            }
        }
    }
}

/// One change at a time, and none before the term commits: checked when a leader takes
/// a configuration from an entry of its own term, which it appended as leader (on
/// apply, the entry has committed by then, so both hold by themselves).
///
/// A leader that appends a change while the previous one is uncommitted may see the
/// previous one lost and its own decided by a configuration two changes away from the
/// committed one (§4.1). A leader that has not committed an entry of its term cannot
/// know that the last configuration it holds is the latest: a deposed leader's change
/// may have committed (Ongaro's single-server bug, raft-dev 2015; the fix is the
/// leader's no-op entry committing first).
fn check_one_change(previous: Option<&Status>, view: &NodeView<'_>) -> Result<(), Violation> {
    let st = &view.status;
    let Some(prev) = previous else {
        return Ok(());
    };
    let (p, i) = (prev.config_index, st.config_index);
    if st.role != Role::Leader || i <= p || i <= st.snapshot_index() {
        return Ok(());
    }
    if view.term_at(i) != Some(st.term) {
        return Ok(());
    }
    if p > st.commit_index {
        let detail = format!(
            "leader {} of term {} took configuration {} from index {i} while the one before, {} from index {p}, had not committed (commit index {}): two changes in flight",
            view.node, st.term.0, st.config, prev.config, st.commit_index
        );
        return Err(fail(view, detail).term(st.term).index(i));
    }
    if keeps_a_voter_set(&prev.config, &st.config) {
        return Ok(());
    }
    let committed = st.commit_index.max(st.snapshot_index());
    let term = view.term_at(committed);
    if term != Some(st.term) {
        let what = term.map_or("no entry".to_string(), |t| format!("term {}", t.0));
        let detail = format!(
            "leader {} of term {} took configuration {} from index {i} (after {} from index {p}) before committing an entry of its term (commit index {committed}, {what})",
            view.node, st.term.0, st.config, prev.config
        );
        return Err(fail(view, detail).term(st.term).index(i));
    }
    Ok(())
}

/// True if `next` keeps one voter set of `before` exactly, as one of its halves: a
/// step into or out of a joint configuration, or a change of learners only. Every
/// quorum of `next` then contains a majority of that set, and so does every quorum of
/// `before`, and of any configuration a deposed leader's uncommitted change led from it
/// (a change starts only from a committed configuration): such a step needs no entry
/// of the term committed first. The thesis's joint consensus (§4.3) asks for none, and
/// openraft's `change_membership` takes none (`core/raft_core.rs`,
/// `ensure_leader_log_committed`). A single-server change keeps no voter set, and does
/// (the 2015 bug).
fn keeps_a_voter_set(before: &Configuration, next: &Configuration) -> bool {
    let halves = |c: &Configuration| {
        let mut sets = vec![c.voters];
        if c.is_joint() {
            sets.push(c.outgoing);
        }
        sets
    };
    let kept = halves(before);
    halves(next).iter().any(|set| kept.contains(set))
}

/// A Configuration Safety violation on the node in `view`.
fn fail(view: &NodeView<'_>, detail: String) -> Violation {
    Violation::new(Property::ConfigurationSafety, view.node, view.event, detail)
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::{grant_vote, Fake};
    use crate::monitor::{Monitors, Property, Violation};
    use raft_contract::{
        Ack, Configuration, LogIndex, Membership, NodeId, NodeSet, Role, TakesEffect, Term,
    };

    fn monitors(takes_effect: TakesEffect) -> Monitors {
        let membership = Membership {
            joint: true,
            learners: true,
            takes_effect,
        };
        Monitors::with_membership(5, Some(membership))
    }

    fn voters(ids: &[u32]) -> Configuration {
        Configuration::voters(NodeSet::of(ids.iter().map(|i| NodeId(*i))))
    }

    fn assert_names(v: &Violation, node: u32, term: Option<u64>, index: u64) {
        assert_eq!(v.property, Property::ConfigurationSafety, "{v}");
        assert_eq!(v.nodes[0], NodeId(node), "{v}");
        assert_eq!(v.term, term.map(Term), "{v}");
        assert_eq!(v.index, Some(LogIndex(index)), "{v}");
    }

    /// Follower `id` of `leader` in `term` with `log`, using `config` from
    /// `config_index`, acknowledging its whole log.
    fn follow(
        m: &mut Monitors,
        id: u32,
        leader: u32,
        term: u64,
        log: &[u64],
        config: (Configuration, u64),
        event: u64,
    ) -> Result<(), Violation> {
        let mut f = Fake::new(id).with_log(log);
        f.term = term;
        (f.config, f.config_index) = config;
        f.observed.handled_term = Some(Term(term));
        f.ack(
            leader,
            Ack::Append {
                term: Term(term),
                last_index: LogIndex(log.len() as u64),
            },
        );
        f.check(m, event)
    }

    /// Leader n0 of term 2, alone in its configuration, with its term's first entry
    /// committed.
    fn alone_with_a_committed_entry(m: &mut Monitors) -> Fake {
        let mut a = Fake::new(0).leading(2).with_log(&[2]);
        a.commit = 1;
        assert!(a.check(m, 1).is_ok());
        a
    }

    /// `a` appends a configuration entry of its term.
    fn append_config(a: &mut Fake, config: Configuration) {
        a.log.push(a.term);
        a.config = config;
        a.config_index = a.log.len() as u64 + a.snapshot.0;
    }

    #[test]
    fn configuration_safety_changes_one_at_a_time_after_the_terms_commit_pass() {
        let mut m = monitors(TakesEffect::OnAppend);
        let mut a = alone_with_a_committed_entry(&mut m);
        append_config(&mut a, voters(&[0, 1]));
        assert!(a.check(&mut m, 2).is_ok(), "the first change of term 2");
        assert!(follow(&mut m, 1, 0, 2, &[2, 2], (voters(&[0, 1]), 2), 3).is_ok());
        a.commit = 2;
        assert!(a.check(&mut m, 4).is_ok(), "n0 and n1 hold 2");
        append_config(&mut a, voters(&[0, 1, 2]));
        assert!(a.check(&mut m, 5).is_ok(), "the one before committed");
    }

    #[test]
    fn configuration_safety_second_change_before_the_first_commits_fails() {
        let mut m = monitors(TakesEffect::OnAppend);
        let mut a = alone_with_a_committed_entry(&mut m);
        append_config(&mut a, voters(&[0, 1]));
        assert!(a.check(&mut m, 2).is_ok());
        append_config(&mut a, voters(&[0, 1, 2]));
        let v = a.check(&mut m, 3).expect_err("index 2 has not committed");
        assert_names(&v, 0, Some(2), 3);
        assert!(v.detail.contains("two changes in flight"), "{v}");
    }

    #[test]
    fn configuration_safety_change_before_the_terms_first_commit_fails() {
        let mut m = monitors(TakesEffect::OnAppend);
        let mut a = Fake::new(0).leading(3).with_log(&[2, 3]);
        a.commit = 1;
        assert!(a.check(&mut m, 1).is_ok());
        append_config(&mut a, voters(&[0, 1]));
        let v = a.check(&mut m, 2).expect_err("entry 1 is of term 2");
        assert_names(&v, 0, Some(3), 3);
        assert!(
            v.detail.contains("before committing an entry of its term"),
            "{v}"
        );
        // The committed entry is the snapshot point, of an older term: the same bug.
        let mut m = monitors(TakesEffect::OnAppend);
        let mut b = Fake::new(0).leading(3).with_log(&[3]);
        (b.snapshot, b.commit) = ((1, 2), 1);
        assert!(b.check(&mut m, 1).is_ok());
        append_config(&mut b, voters(&[0, 1]));
        let v = b
            .check(&mut m, 2)
            .expect_err("the snapshot point is of term 2");
        assert_names(&v, 0, Some(3), 3);
        // A snapshot point of the leader's term committed it.
        let mut m = monitors(TakesEffect::OnAppend);
        let mut c = Fake::new(0).leading(3);
        (c.snapshot, c.commit) = ((2, 3), 2);
        assert!(c.check(&mut m, 1).is_ok());
        append_config(&mut c, voters(&[0, 1]));
        assert!(c.check(&mut m, 2).is_ok());
    }

    #[test]
    fn configuration_safety_joint_step_or_learner_change_before_the_terms_first_commit_passes() {
        // Leader n0 of term 3 that holds voters {n0} from index 0 and has committed only
        // entry 1, of term 2.
        let leader = |m: &mut Monitors| {
            let mut a = Fake::new(0).leading(3).with_log(&[2, 3]);
            a.commit = 1;
            assert!(a.check(m, 1).is_ok());
            a
        };
        let mut m = monitors(TakesEffect::OnAppend);
        let mut a = leader(&mut m);
        let mut learner = a.config;
        learner.learners.insert(NodeId(1));
        append_config(&mut a, learner);
        assert!(a.check(&mut m, 2).is_ok(), "the voters are the same");
        let mut m = monitors(TakesEffect::OnAppend);
        let mut b = leader(&mut m);
        let joint = Configuration {
            voters: NodeSet::of([NodeId(1), NodeId(2)]),
            outgoing: b.config.voters,
            learners: NodeSet::EMPTY,
        };
        append_config(&mut b, joint);
        assert!(b.check(&mut m, 2).is_ok(), "its outgoing half is {{n0}}");
        // Out of the joint configuration, the incoming half stays; a move of one voter
        // or of two at once keeps no voter set.
        assert!(super::keeps_a_voter_set(&joint, &voters(&[1, 2])));
        assert!(!super::keeps_a_voter_set(&voters(&[0]), &voters(&[0, 1])));
        assert!(!super::keeps_a_voter_set(
            &voters(&[0, 1, 2]),
            &voters(&[0, 3, 4])
        ));
        // A single-server change keeps no voter set.
        let mut m = monitors(TakesEffect::OnAppend);
        let mut c = leader(&mut m);
        append_config(&mut c, voters(&[0, 1]));
        let v = c.check(&mut m, 2).expect_err("entry 1 is of term 2");
        assert!(
            v.detail.contains("before committing an entry of its term"),
            "{v}"
        );
    }

    #[test]
    fn configuration_safety_on_append_configuration_taken_at_commit_fails() {
        let mut m = monitors(TakesEffect::OnAppend);
        let mut a = alone_with_a_committed_entry(&mut m);
        append_config(&mut a, voters(&[0, 1]));
        assert!(a.check(&mut m, 2).is_ok());
        // n1 holds the entry and waits for its commit before using it.
        let v = follow(&mut m, 1, 0, 2, &[2, 2], (voters(&[0]), 0), 3)
            .expect_err("the entry at 2 is in its log");
        assert_names(&v, 1, Some(2), 2);
        assert!(v.detail.contains("take effect on append"), "{v}");
        assert!(follow(&mut m, 1, 0, 2, &[2, 2], (voters(&[0, 1]), 2), 4).is_ok());
        // An entry of another term at that index is no configuration entry.
        assert!(follow(&mut m, 2, 0, 3, &[2, 3], (voters(&[0]), 0), 5).is_ok());
    }

    #[test]
    fn configuration_safety_on_apply_configuration_before_commit_fails() {
        let mut m = monitors(TakesEffect::OnApply);
        let mut a = alone_with_a_committed_entry(&mut m);
        a.log.push(2);
        assert!(a.check(&mut m, 2).is_ok(), "appended, not yet in effect");
        let v = follow(&mut m, 1, 0, 2, &[2, 2], (voters(&[0, 1]), 2), 3)
            .expect_err("index 2 has not committed at n1");
        assert_names(&v, 1, None, 2);
        assert!(v.detail.contains("take effect on apply"), "{v}");
        let mut b = Fake::new(1).with_log(&[2, 2]);
        (b.term, b.commit) = (2, 2);
        (b.config, b.config_index) = (voters(&[0, 1]), 2);
        assert!(b.check(&mut m, 4).is_ok(), "committed, then applied");
    }

    #[test]
    fn configuration_safety_configuration_of_a_replaced_entry_fails() {
        let mut m = monitors(TakesEffect::OnAppend);
        let mut a = alone_with_a_committed_entry(&mut m);
        append_config(&mut a, voters(&[0, 1]));
        assert!(a.check(&mut m, 2).is_ok());
        assert!(follow(&mut m, 1, 0, 2, &[2, 2], (voters(&[0, 1]), 2), 3).is_ok());
        // The leader of term 3 replaced entry 2 with an ordinary entry; n1 kept using it.
        let v = follow(&mut m, 1, 2, 3, &[2, 3], (voters(&[0, 1]), 2), 4)
            .expect_err("entry 2 of term 2 is gone");
        assert_names(&v, 1, Some(2), 2);
        assert!(v.detail.contains("replaced by one of term 3"), "{v}");
        assert!(follow(&mut m, 1, 2, 3, &[2, 3], (voters(&[0]), 0), 5).is_ok());
        // Replaced by a configuration entry of term 3 (n3 was seen using it): fine.
        assert!(follow(&mut m, 3, 2, 3, &[2, 3], (voters(&[0, 2]), 2), 6).is_ok());
        assert!(follow(&mut m, 4, 0, 2, &[2, 2], (voters(&[0, 1]), 2), 7).is_ok());
        assert!(follow(&mut m, 4, 2, 3, &[2, 3], (voters(&[0, 2]), 2), 8).is_ok());
    }

    #[test]
    fn configuration_safety_configuration_beyond_the_log_or_the_slots_fails() {
        let mut m = Monitors::new(3);
        let mut a = Fake::new(1).with_log(&[1, 1]);
        a.config_index = 3;
        let v = a.check(&mut m, 1).expect_err("no entry at 3");
        assert_names(&v, 1, None, 3);
        assert!(v.detail.contains("beyond its last entry 2"), "{v}");
        // Compacted into the snapshot: held.
        (a.snapshot, a.log) = ((4, 1), Vec::new());
        assert!(a.check(&mut m, 2).is_ok());
        a.config = voters(&[0, 1, 3]);
        let v = a.check(&mut m, 3).expect_err("three slots, n0..n2");
        assert_names(&v, 1, None, 3);
        assert!(v.detail.contains("names {n3}"), "{v}");
    }

    #[test]
    fn configuration_safety_leader_changing_two_voters_at_once_fails() {
        let mut m = Monitors::new(5);
        grant_vote(&mut m, 1, 0, 2, 1);
        let mut a = Fake::new(0).in_cluster(3).leading(2).with_log(&[2]);
        a.commit = 1;
        assert!(a.check(&mut m, 2).is_ok());
        append_config(&mut a, Configuration::all(5));
        let v = a
            .check(&mut m, 3)
            .expect_err("{n0,n1} and {n2,n3,n4} decide apart");
        assert_names(&v, 0, Some(2), 2);
        assert!(
            v.detail.contains("from configuration voters {n0,n1,n2}")
                && v.detail.contains("to voters {n0,n1,n2,n3,n4}"),
            "{v}"
        );
    }

    #[test]
    fn configuration_safety_leader_through_a_joint_configuration_passes() {
        let mut m = Monitors::new(5);
        grant_vote(&mut m, 1, 0, 2, 1);
        let mut a = Fake::new(0).in_cluster(3).leading(2).with_log(&[2]);
        a.commit = 1;
        assert!(a.check(&mut m, 2).is_ok());
        let joint = Configuration {
            voters: NodeSet::first(5),
            outgoing: NodeSet::first(3),
            learners: NodeSet::EMPTY,
        };
        append_config(&mut a, joint);
        assert!(
            a.check(&mut m, 3).is_ok(),
            "the joint configuration meets both"
        );
        for (id, event) in [(1, 4), (3, 5), (4, 6)] {
            assert!(follow(&mut m, id, 0, 2, &[2, 2], (joint, 2), event).is_ok());
        }
        a.commit = 2;
        assert!(
            a.check(&mut m, 7).is_ok(),
            "n0, n1 of the old; n0, n1, n3, n4 of the new"
        );
        append_config(&mut a, Configuration::all(5));
        assert!(
            a.check(&mut m, 8).is_ok(),
            "leaving the joint configuration"
        );
    }

    #[test]
    fn configuration_safety_candidate_without_voters_fails() {
        let mut m = Monitors::new(5);
        let mut joiner = Fake::new(3);
        joiner.config = Configuration::default();
        assert!(
            joiner.check(&mut m, 1).is_ok(),
            "a joiner waits for a leader"
        );
        (joiner.term, joiner.role, joiner.vote) = (1, Role::Candidate, Some(3));
        let v = joiner.check(&mut m, 2).expect_err("it knows of no voters");
        assert_eq!(v.property, Property::ConfigurationSafety, "{v}");
        assert_eq!((v.nodes[0], v.term), (NodeId(3), Some(Term(1))), "{v}");
        assert!(v.detail.contains("has no voters"), "{v}");
    }

    #[test]
    fn configuration_safety_on_apply_leader_taking_its_committed_change_passes() {
        let mut m = monitors(TakesEffect::OnApply);
        let mut a = alone_with_a_committed_entry(&mut m);
        a.log.push(2);
        assert!(
            a.check(&mut m, 2).is_ok(),
            "appended, in effect once applied"
        );
        (a.commit, a.config, a.config_index) = (2, voters(&[0, 1]), 2);
        assert!(
            a.check(&mut m, 3).is_ok(),
            "committed by {{n0}}, then applied"
        );
        // Without a declared membership, when a configuration takes effect is not judged.
        let mut m = Monitors::new(5);
        let mut b = alone_with_a_committed_entry(&mut m);
        append_config(&mut b, voters(&[0, 1]));
        assert!(b.check(&mut m, 2).is_ok());
        assert!(follow(&mut m, 1, 0, 2, &[2, 2], (voters(&[0]), 0), 3).is_ok());
    }
}
