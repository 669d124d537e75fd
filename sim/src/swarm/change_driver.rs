//! The membership workload's task that changes the configuration at the plan's times
//! ([`super::change_schedule`]), under the fault driver's faults, until the fault phase
//! ends.
//!
//! At each change it finds the running server that leads the highest term, reads the
//! configuration that server uses, and proposes one of the changes possible from it
//! ([`possible`]) that keep the cluster between [`VOTERS_MIN`] and [`VOTERS_MAX`]
//! voters: a spare slot added as a learner (as a voter for an implementation without
//! learners), a learner promoted, a voter removed (the leader itself included), a
//! learner removed, and, where the implementation has joint consensus, a voter swapped
//! for a learner in one joint change. A refusal is an answer like any other: it is
//! counted by kind in the run's metrics, and the run goes on.
//!
//! A slot once named by a configuration is never added again: a removed server keeps
//! its disk (the engine cannot wipe one), and a server that rejoins with an old log and
//! term is another scenario than a fresh one joining.

use super::change_schedule::ScheduledChange;
use crate::engine::{Duration, Instant};
use crate::implementation::Implementation;
use crate::outcome::Failure;
use crate::tester::{KvTester, Task, Wake};
use raft_contract::{ChangeRefused, ConfChange, Configuration, Membership, NodeId, NodeSet, Role};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The fewest voters a change leaves.
pub const VOTERS_MIN: usize = 3;
/// The most voters a change leaves.
pub const VOTERS_MAX: usize = 5;

/// What the changes came to, for the run's metrics.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ChangeTally {
    /// Changes a leader took (its `change` returned an index).
    pub accepted: u64,
    /// Refusals, by kind (`not_caught_up` ...).
    pub refused: BTreeMap<&'static str, u64>,
    /// Changes due while no running server led.
    pub without_leader: u64,
    /// Changes due when the leader's configuration allowed none (no voter to remove,
    /// no learner to promote and no spare left).
    pub none_possible: u64,
}

impl ChangeTally {
    /// The tally as metrics: `changes_accepted`, `changes_without_leader`,
    /// `changes_none_possible` and `changes_refused_<kind>` for each kind seen.
    pub fn metrics(&self) -> Vec<(String, f64)> {
        let mut metrics = vec![
            ("changes_accepted".to_string(), self.accepted as f64),
            (
                "changes_without_leader".to_string(),
                self.without_leader as f64,
            ),
            (
                "changes_none_possible".to_string(),
                self.none_possible as f64,
            ),
        ];
        for (kind, count) in &self.refused {
            metrics.push((format!("changes_refused_{kind}"), *count as f64));
        }
        metrics
    }
}

/// The name of a refusal's kind in the metrics.
pub fn refusal_kind(refused: ChangeRefused) -> &'static str {
    match refused {
        ChangeRefused::Unsupported => "unsupported",
        ChangeRefused::NotLeader => "not_leader",
        ChangeRefused::InFlight(_) => "in_flight",
        ChangeRefused::TermNotCommitted => "term_not_committed",
        ChangeRefused::UnknownServer(_) => "unknown_server",
        ChangeRefused::NotMember(_) => "not_member",
        ChangeRefused::AlreadyMember(_) => "already_member",
        ChangeRefused::NoVoterLeft => "no_voter_left",
        ChangeRefused::NotCaughtUp(_) => "not_caught_up",
    }
}

/// Every change a leader using `config` may be asked for, in a fixed order: spare
/// slots (of `slots`, never named by a configuration: not in `used`) added, learners
/// promoted, voters removed, learners removed, then voters swapped for learners in one
/// joint change; only those that keep [`VOTERS_MIN`] to [`VOTERS_MAX`] voters.
pub fn possible(
    config: Configuration,
    used: NodeSet,
    slots: usize,
    membership: Membership,
) -> Vec<Vec<ConfChange>> {
    let voters: Vec<NodeId> = config.voters.iter().collect();
    let learners: Vec<NodeId> = config.learners.iter().collect();
    let spares = NodeSet::first(slots).difference(used.union(config.members()));
    let (grow, shrink) = (voters.len() < VOTERS_MAX, voters.len() > VOTERS_MIN);
    let mut out: Vec<Vec<ConfChange>> = Vec::new();
    for spare in spares.iter() {
        if membership.learners {
            out.push(vec![ConfChange::AddLearner(spare)]);
        } else if grow {
            out.push(vec![ConfChange::AddVoter(spare)]);
        }
    }
    if grow {
        out.extend(learners.iter().map(|&l| vec![ConfChange::AddVoter(l)]));
    }
    if shrink {
        out.extend(voters.iter().map(|&v| vec![ConfChange::Remove(v)]));
    }
    out.extend(learners.iter().map(|&l| vec![ConfChange::Remove(l)]));
    if membership.joint {
        for &v in &voters {
            for &l in &learners {
                out.push(vec![ConfChange::Remove(v), ConfChange::AddVoter(l)]);
            }
        }
    }
    for changes in &out {
        let next = changes
            .iter()
            .fold(config, |c, change| change.applied_to(c));
        assert!(
            (VOTERS_MIN..=VOTERS_MAX).contains(&next.voters.len())
                || next.voters.len() == config.voters.len(),
            "{changes:?} from {config} leaves {} voters",
            next.voters.len()
        );
    }
    out
}

/// The task (see the module docs).
pub struct ChangeDriver {
    changes: Vec<ScheduledChange>,
    next: usize,
    stop: Rc<Cell<bool>>,
    membership: Membership,
    /// Every slot a configuration at a leader named so far.
    used: NodeSet,
    tally: Rc<RefCell<ChangeTally>>,
}

impl ChangeDriver {
    /// A driver of `changes` (in time order) on a cluster whose first `members` slots
    /// are its initial voters, for an implementation with `membership`; it quits at its
    /// next wake once `stop` is set, and counts what happened in `tally`.
    pub fn new(
        changes: Vec<ScheduledChange>,
        members: usize,
        membership: Membership,
        stop: &Rc<Cell<bool>>,
        tally: &Rc<RefCell<ChangeTally>>,
    ) -> ChangeDriver {
        assert!(
            changes.windows(2).all(|w| w[0].at_ms <= w[1].at_ms),
            "changes out of order"
        );
        ChangeDriver {
            changes,
            next: 0,
            stop: stop.clone(),
            membership,
            used: NodeSet::first(members),
            tally: tally.clone(),
        }
    }

    /// The running server that leads the highest term (the lowest numbered among
    /// equals), if any.
    fn leader<I: Implementation>(t: &KvTester<I>) -> Option<(usize, Configuration)> {
        (0..t.n())
            .filter_map(|i| t.server_status(i).map(|s| (i, s)))
            .filter(|(_, s)| s.role == Role::Leader)
            .max_by_key(|(i, s)| (s.term, std::cmp::Reverse(*i)))
            .map(|(i, s)| (i, s.config))
    }

    /// Proposes the change `pick` selects at the current leader.
    fn change<I: Implementation>(&mut self, t: &mut KvTester<I>, pick: u32) -> Result<(), Failure> {
        let Some((leader, config)) = Self::leader(t) else {
            self.tally.borrow_mut().without_leader += 1;
            return Ok(());
        };
        self.used = self.used.union(config.members());
        let options = possible(config, self.used, t.n(), self.membership);
        if options.is_empty() {
            self.tally.borrow_mut().none_possible += 1;
            return Ok(());
        }
        let changes = &options[pick as usize % options.len()];
        assert!(!changes.is_empty(), "an empty change from {config}");
        let answer = t.change(leader, changes)?;
        let mut tally = self.tally.borrow_mut();
        match answer {
            Some(Ok(_)) => {
                tally.accepted += 1;
                self.used = changes.iter().fold(self.used, |mut used, c| {
                    used.insert(c.server());
                    used
                });
            }
            Some(Err(refused)) => *tally.refused.entry(refusal_kind(refused)).or_default() += 1,
            // Found running at this instant, so not expected; counted, not a panic.
            None => tally.without_leader += 1,
        }
        Ok(())
    }

    fn due(&self, k: usize) -> Option<Instant> {
        let at = self.changes.get(k)?.at_ms;
        Some(Instant::ZERO + Duration::from_millis(at))
    }
}

impl<I: Implementation> Task<KvTester<I>> for ChangeDriver {
    fn poll(&mut self, t: &mut KvTester<I>) -> Result<Wake, Failure> {
        if self.stop.get() {
            return Ok(Wake::Done);
        }
        let now = t.now();
        while let Some(at) = self.due(self.next) {
            if at > now {
                break;
            }
            let pick = self.changes[self.next].pick;
            self.next += 1;
            self.change(t, pick)?;
        }
        Ok(self.due(self.next).map_or(Wake::Done, Wake::At))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::TakesEffect;

    const FULL: Membership = Membership {
        joint: true,
        learners: true,
        takes_effect: TakesEffect::OnAppend,
    };

    fn set(ids: &[u32]) -> NodeSet {
        NodeSet::of(ids.iter().map(|&i| NodeId(i)))
    }

    #[test]
    fn possible_three_voters_adds_and_promotes_but_removes_no_voter() {
        let config = Configuration {
            learners: set(&[3]),
            ..Configuration::voters(set(&[0, 1, 2]))
        };
        let options = possible(config, set(&[0, 1, 2, 3]), 5, FULL);
        use ConfChange::*;
        assert_eq!(
            options,
            vec![
                vec![AddLearner(NodeId(4))],
                vec![AddVoter(NodeId(3))],
                vec![Remove(NodeId(3))],
                vec![Remove(NodeId(0)), AddVoter(NodeId(3))],
                vec![Remove(NodeId(1)), AddVoter(NodeId(3))],
                vec![Remove(NodeId(2)), AddVoter(NodeId(3))],
            ]
        );
    }

    #[test]
    fn possible_five_voters_only_removes_and_never_readds_a_used_slot() {
        let config = Configuration::voters(set(&[0, 1, 2, 3, 4]));
        // Slot 5 was a member once (removed since), slot 6 never was.
        let options = possible(config, set(&[0, 1, 2, 3, 4, 5]), 7, FULL);
        assert_eq!(options[0], vec![ConfChange::AddLearner(NodeId(6))]);
        assert!(options[1..]
            .iter()
            .all(|c| matches!(c[..], [ConfChange::Remove(_)])));
        assert_eq!(options.len(), 6, "{options:?}");
        let single = Membership {
            joint: false,
            learners: false,
            ..FULL
        };
        assert!(
            possible(config, set(&[0, 1, 2, 3, 4]), 7, single)
                .iter()
                .all(|c| matches!(c[..], [ConfChange::Remove(_)])),
            "no learners and full: no spare added as a sixth voter"
        );
    }

    #[test]
    fn tally_metrics_name_every_refusal_kind_seen() {
        let mut tally = ChangeTally {
            accepted: 4,
            ..ChangeTally::default()
        };
        *tally
            .refused
            .entry(refusal_kind(ChangeRefused::InFlight(
                raft_contract::LogIndex(3),
            )))
            .or_default() += 2;
        let metrics = tally.metrics();
        assert!(metrics.contains(&("changes_accepted".into(), 4.0)));
        assert!(metrics.contains(&("changes_refused_in_flight".into(), 2.0)));
        assert_eq!(metrics.len(), 4);
    }
}
