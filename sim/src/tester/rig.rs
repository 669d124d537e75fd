//! The tester core: one simulation with its RNG, tasks, watched Raft clusters, trap and
//! metrics, around a [`Suite`] that holds what a tester has of its own. Spawning, sleeping,
//! calling into a node and watching it are written here once for every tester.

use super::clusters::{ClusterId, ClusterName, Clusters};
use super::scheduler::{Task, Tasks};
use super::suite::Suite;
use super::trap::{self, Trap};
use crate::engine::{Context, Duration, Instant, NetConfig, NodeId, Sim, SimOptions, SimRng};
use crate::outcome::{Failure, Verdict};
use std::sync::Arc;

/// A simulation under test: the core every tester shares, and the suite `S` that makes
/// it a Raft, KV or sharded KV tester.
pub struct Tester<S: Suite> {
    /// The simulation (exposed for counters and faults the helpers do not cover).
    pub sim: Sim<S::Node>,
    /// The scenario's own random choices.
    pub rng: SimRng,
    /// Concurrent activities of the test (the lab's goroutines).
    pub(super) tasks: Tasks<Tester<S>>,
    /// The Raft clusters, each with its safety monitors, run on a server after every
    /// event it handles.
    pub clusters: Clusters,
    /// A trap armed by fault injection, checked after every event.
    pub trap: Option<Trap>,
    /// Scenario-specific figures for the outcome (e.g. Speed3A's latency per op).
    pub metrics: Vec<(String, f64)>,
    /// What the tester has of its own.
    pub suite: S,
}

impl<S: Suite> Tester<S> {
    /// A fresh simulation of `seed` built as `setup` asks (the lab's `make_config`);
    /// `keep_trace` keeps the trace's text and records.
    pub fn new(seed: u64, keep_trace: bool, setup: S::Setup) -> Tester<S> {
        S::build(seed, keep_trace, setup)
    }

    /// A fresh simulation of `seed` (with the default network) around `suite`, before
    /// any node is added: the scenario's RNG is forked first, as every tester does.
    pub fn with_suite(seed: u64, keep_trace: bool, suite: S) -> Tester<S> {
        let mut sim = Sim::new(seed, NetConfig::default(), SimOptions { keep_trace });
        let rng = sim.fork_rng();
        Tester {
            sim,
            rng,
            tasks: Tasks::default(),
            clusters: Clusters::default(),
            trap: None,
            metrics: Vec::new(),
            suite,
        }
    }

    /// Registers a Raft cluster of servers `servers` to be watched by its own monitors.
    pub fn add_cluster(
        &mut self,
        name: Option<ClusterName>,
        servers: Arc<Vec<NodeId>>,
    ) -> ClusterId {
        self.clusters.add(name, servers)
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.sim.now()
    }

    /// Starts a concurrent task, first polled now.
    pub fn spawn(&mut self, task: impl Task<Tester<S>> + 'static) {
        let now = self.sim.now();
        self.spawn_at(now, task);
    }

    /// Starts a concurrent task, first polled at `at`.
    pub fn spawn_at(&mut self, at: Instant, task: impl Task<Tester<S>> + 'static) {
        self.tasks.push(at, Box::new(task));
    }

    /// Number of concurrent tasks still running.
    pub fn tasks_running(&self) -> usize {
        self.tasks.len()
    }

    /// The lab's `time.Sleep(d)`: lets `d` of virtual time pass.
    ///
    /// # Errors
    /// The first failure of a check, a monitor or a task meanwhile.
    pub fn sleep(&mut self, d: Duration) -> Verdict {
        let deadline = self.now() + d;
        self.run_until(deadline, |_| false).map(|_| ())
    }

    /// Calls into a node from outside and watches it afterwards, as after an event.
    /// `None` when the node is down.
    ///
    /// # Errors
    /// A monitor's violation in the node after the call.
    pub fn with_node<R>(
        &mut self,
        node: NodeId,
        f: impl FnOnce(&mut S::Node, &mut Context<'_, S::Node>) -> R,
    ) -> Result<Option<R>, Failure> {
        let result = self.sim.with_node(node, f);
        if result.is_some() {
            self.watch(node)?;
        }
        Ok(result)
    }

    /// Checks the server that just handled an event with its cluster's monitors, then
    /// the trap, if one is armed. Clerks and crashed nodes are not checked.
    ///
    /// # Errors
    /// The violation found.
    pub fn watch(&mut self, node: NodeId) -> Verdict {
        let Some(member) = self.clusters.member(node) else {
            return Ok(());
        };
        let Some(n) = self.sim.node(node) else {
            return Ok(());
        };
        let (incarnation, event) = (self.sim.incarnation(node), self.sim.events());
        let trace = self.sim.trace().text();
        let clusters = &mut self.clusters;
        let trapped = self.trap.is_some();
        let seen = S::visit(n, |raft, observed| {
            let verdict = clusters.watch(member, node, incarnation, event, raft, observed, trace);
            (verdict, trapped.then(|| (raft.status(), observed.clone())))
        });
        let Some((verdict, sprung)) = seen else {
            return Ok(());
        };
        verdict?;
        match sprung {
            Some((status, observed)) => trap::check(self, node, &status, &observed),
            None => Ok(()),
        }
    }
}
