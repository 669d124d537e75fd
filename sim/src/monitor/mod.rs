//! Safety monitors: the Raft paper's Figure 3 properties, and what Figure 2 asks of each
//! node, checked after every event that reaches a node, through the contract's status
//! view only (no reliance on an implementation's own assertions).
//!
//! One checker per property, each in its own file: [`election_safety`] (with
//! [`vote_quorum`], the quorum every leader needs), [`leader_append_only`],
//! [`log_matching`], [`commit_rule`] (what a leader may commit),
//! [`leader_completeness`] (with the agreement of committed entries),
//! [`state_machine_safety`], [`apply_order`], [`durability`] (what a node acknowledged
//! survives its crash), [`acknowledged_entries`] (and its running log keeps it) and
//! [`term_rule`], [`lease_safety`] for reads served under a lease, and
//! [`configuration_safety`] for membership changes. [`log_shadow`] keeps each node's log
//! as last seen, so that the log checks look only at what changed. A violation fails the
//! run at once, naming the property, the nodes, the term, the index and the event
//! ([`Violation`]).
//!
//! Quorums are counted over the configuration the judged node reports
//! (`Status::config`, both halves during a joint change; [`quorum`]): for a Raft without
//! membership changes that is every server, so a majority of the cluster.

pub mod acknowledged_entries;
pub mod apply_order;
pub mod commit_rule;
pub mod configuration_safety;
pub mod durability;
pub mod election_safety;
pub mod leader_append_only;
pub mod leader_completeness;
pub mod lease_safety;
pub mod log_matching;
pub mod log_shadow;
pub mod observed;
pub mod quorum;
pub mod state_machine_safety;
pub mod term_rule;
#[cfg(test)]
mod testkit;
pub mod view;
pub mod violation;
pub mod vote_quorum;

pub use view::{NodeView, RaftRead};
pub use violation::{Property, Violation};

use acknowledged_entries::AcknowledgedEntries;
use apply_order::ApplyOrder;
use commit_rule::CommitRule;
use configuration_safety::ConfigurationSafety;
use durability::Durability;
use election_safety::ElectionSafety;
use leader_append_only::LeaderAppendOnly;
use leader_completeness::LeaderCompleteness;
use lease_safety::{LeaseSafety, TrueLease};
use log_matching::LogMatching;
use log_shadow::LogShadow;
use raft_contract::{Membership, Status};
use state_machine_safety::StateMachineSafety;
use term_rule::TermRule;
use vote_quorum::VoteQuorum;

/// What the monitors remember of one incarnation of a node.
#[derive(Clone, Debug, Default)]
struct Incarnation {
    number: u32,
    previous: Option<Status>,
    shadow: LogShadow,
    apply_order: ApplyOrder,
}

/// Every monitor, over every node of a run.
#[derive(Clone, Debug)]
pub struct Monitors {
    enabled: bool,
    nodes: Vec<Option<Incarnation>>,
    election: ElectionSafety,
    votes: VoteQuorum,
    commits: CommitRule,
    matching: LogMatching,
    completeness: LeaderCompleteness,
    state_machine: StateMachineSafety,
    durability: Durability,
    acknowledged: AcknowledgedEntries,
    leases: LeaseSafety,
    configurations: ConfigurationSafety,
    /// The first violation found, kept for the run's timeline.
    violation: Option<Violation>,
}

impl Monitors {
    /// Monitors that check every property of a cluster of `peers` servers whose Raft
    /// does not change its membership.
    pub fn new(peers: usize) -> Monitors {
        Monitors::with_membership(peers, None)
    }

    /// Monitors that check every property of a cluster of `peers` server slots whose
    /// Raft supports the membership changes `membership` says
    /// (`RaftFamily::MEMBERSHIP`): Configuration Safety holds each server to when
    /// its configurations take effect.
    ///
    /// # Panics
    /// If `peers` exceeds `NodeSet::CAPACITY` (64), more than a configuration can name.
    pub fn with_membership(peers: usize, membership: Option<Membership>) -> Monitors {
        Monitors {
            enabled: true,
            nodes: Vec::new(),
            election: ElectionSafety::default(),
            votes: VoteQuorum::default(),
            commits: CommitRule::default(),
            matching: LogMatching::default(),
            completeness: LeaderCompleteness::default(),
            state_machine: StateMachineSafety::default(),
            durability: Durability::default(),
            acknowledged: AcknowledgedEntries::default(),
            leases: LeaseSafety::default(),
            configurations: ConfigurationSafety::new(peers, membership.map(|m| m.takes_effect)),
            violation: None,
        }
    }

    /// The first violation [`Monitors::watch`] reported, if any.
    pub fn violation(&self) -> Option<&Violation> {
        self.violation.as_ref()
    }

    /// Monitors that check nothing: only to measure what checking costs.
    pub fn off() -> Monitors {
        Monitors {
            enabled: false,
            ..Monitors::new(0)
        }
    }

    /// True when checks run.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// Checks one node after an event it handled (or its boot).
    ///
    /// # Errors
    /// The first property violated.
    pub fn check(&mut self, view: &NodeView<'_>) -> Result<(), Violation> {
        if !self.enabled {
            return Ok(());
        }
        let slot = view.node.index();
        if slot >= self.nodes.len() {
            self.nodes.resize(slot + 1, None);
        }
        let fresh = self.nodes[slot]
            .as_ref()
            .is_none_or(|n| n.number != view.incarnation);
        if fresh {
            if let Some(old) = self.nodes[slot].take() {
                self.durability
                    .restarted(&old.shadow, view, &self.election)?;
            }
            self.nodes[slot] = Some(Incarnation {
                number: view.incarnation,
                ..Incarnation::default()
            });
        }
        let node = self.nodes[slot].as_mut().expect("just set");
        let previous = node.previous;
        TermRule.check(previous.as_ref(), view)?;
        self.election.check(view)?;
        self.votes.check(previous.as_ref(), view)?;
        let changes = node.shadow.reconcile(view);
        LeaderAppendOnly.check(previous.as_ref(), view, &changes)?;
        self.acknowledged.check(previous.as_ref(), view, &changes)?;
        self.matching.check(view, &changes)?;
        self.commits.check(previous.as_ref(), view)?;
        self.configurations.check(previous.as_ref(), view)?;
        self.completeness.check(previous.as_ref(), view, &changes)?;
        node.apply_order.check(previous.as_ref(), view)?;
        self.state_machine.check(view)?;
        self.leases.check(view, view.leases)?;
        self.durability.record(view);
        self.votes.record(view);
        self.commits.record(view);
        node.previous = Some(view.status);
        Ok(())
    }
}

/// What a node just did, as the monitors take it after an event it handled.
#[derive(Clone, Copy)]
pub struct Handled<'a> {
    /// The node, through the contract's read-only view.
    pub raft: &'a dyn RaftRead,
    /// What its handler did.
    pub observed: &'a crate::monitor::observed::Observed,
    /// The leases it confirmed reads under, in true time.
    pub leases: &'a [TrueLease],
}

/// The last lines of a trace kept as text: what led to a violation, for its report.
pub const TRACE_LINES_IN_REPORT: usize = 12;

/// The line that opens them in a failure's reason.
pub const TRACE_LINES_HEADER: &str = "last trace lines:";

impl Monitors {
    /// Checks Raft peer `node` through its status view and what its
    /// handler did; a violation becomes the run's failure, with the last lines of the
    /// trace when it is kept as text.
    ///
    /// # Errors
    /// The violation, as a failure.
    pub fn watch(
        &mut self,
        node: raft_contract::NodeId,
        incarnation: u32,
        event: u64,
        handled: &Handled<'_>,
        trace: Option<&str>,
    ) -> crate::outcome::Verdict {
        let Handled {
            raft,
            observed,
            leases,
        } = *handled;
        if !self.enabled {
            return Ok(());
        }
        let log = |i| raft.log_term(i);
        let view = NodeView {
            node,
            incarnation,
            event,
            status: raft.status(),
            log: &log,
            observed,
            leases,
        };
        self.check(&view).map_err(|v| {
            let failed = failure(&v, trace);
            self.violation.get_or_insert(v);
            failed
        })
    }
}

/// A violation as a run's failure: its report, then the trace lines that led to it.
pub fn failure(v: &Violation, trace: Option<&str>) -> crate::outcome::Failure {
    let mut text = v.to_string();
    if let Some(trace) = trace {
        let lines: Vec<&str> = trace.lines().collect();
        let from = lines.len().saturating_sub(TRACE_LINES_IN_REPORT);
        text.push('\n');
        text.push_str(TRACE_LINES_HEADER);
        for line in &lines[from..] {
            text.push_str("\n  ");
            text.push_str(line);
        }
    }
    crate::outcome::Failure(text)
}
