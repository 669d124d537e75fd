//! The tester core: one simulation with its RNG, tasks, watched Raft clusters, trap and
//! metrics ([`Tester`]), around a [`Suite`] that holds what a tester has of its own. What
//! a tester does is written once, beside it: running and sleeping in `scheduler.rs`,
//! calling into a node and watching it in `watch.rs`, fault injection in `faults.rs`.

use super::clusters::{ClusterId, ClusterName, Clusters};
use super::recorder::Recorder;
use super::tasks::{Task, Tasks};
use super::trap::Trap;
use crate::engine::{Clock, Context, Instant, NetConfig, Node, NodeId, Sim, SimOptions, SimRng};
use crate::monitor::observed::Observed;
use crate::monitor::RaftRead;
use crate::outcome::{Parts, Verdict};
use crate::scenario::RunConfig;
use raft_contract::{ReadMode, Settings};
use std::sync::Arc;

/// What every tester is built from, whatever its suite.
#[derive(Clone, Debug, Default)]
pub struct Base {
    /// The run's seed.
    pub seed: u64,
    /// Keep the trace's text and records.
    pub keep_trace: bool,
    /// The implementation's settings every Raft node boots with (empty: the shipped
    /// configuration, as in every lab scenario; a swarm run draws them).
    pub settings: Settings,
    /// The run's limits (see [`crate::engine::budget`]).
    pub budget: crate::engine::Budget,
    /// The servers' clocks, by server number ([`crate::scenario::RunConfig::clocks`]).
    pub clocks: Vec<Clock>,
    /// How KV servers serve Gets ([`crate::scenario::RunConfig::reads`]).
    pub reads: ReadMode,
}

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
    /// The settings every Raft node boots with, at its start and every restart.
    pub settings: Settings,
    /// How KV servers serve Gets, at their start and every restart.
    pub reads: ReadMode,
    /// The servers' clocks, by server number (the identity past the end).
    clocks: Vec<Clock>,
    /// What the tester has of its own.
    pub suite: S,
}

impl<S: Suite> Tester<S> {
    /// A fresh simulation of `seed` built as `setup` asks (the lab's `make_config`),
    /// with the shipped configuration; `keep_trace` keeps the trace's text and records.
    pub fn new(seed: u64, keep_trace: bool, setup: S::Setup) -> Tester<S> {
        let base = Base {
            seed,
            keep_trace,
            settings: Settings::defaults(),
            budget: crate::engine::Budget::default(),
            clocks: Vec::new(),
            reads: ReadMode::Log,
        };
        S::build(&base, setup)
    }

    /// A fresh simulation of `base` (with the default network) around `suite`, before
    /// any node is added: the scenario's RNG is forked first, as every tester does.
    pub fn with_suite(base: &Base, suite: S) -> Tester<S> {
        let options = SimOptions {
            keep_trace: base.keep_trace,
            budget: base.budget.clone(),
        };
        let mut sim = Sim::new(base.seed, NetConfig::default(), options);
        let rng = sim.fork_rng();
        Tester {
            sim,
            rng,
            tasks: Tasks::default(),
            clusters: Clusters::default(),
            trap: None,
            metrics: Vec::new(),
            settings: base.settings.clone(),
            reads: base.reads,
            clocks: base.clocks.clone(),
            suite,
        }
    }

    /// Adds server number `i` (counted over every cluster, in start order: the number
    /// [`Tester::server_id`] takes) on its clock, built with `make`.
    pub fn add_server(
        &mut self,
        i: usize,
        make: impl FnOnce(crate::engine::NodeInit<'_>) -> S::Node,
    ) -> NodeId {
        let clock = self.clocks.get(i).cloned().unwrap_or_default();
        self.sim.add_node_with_clock(clock, make)
    }

    /// Registers a Raft cluster of servers `servers` to be watched by its own monitors.
    pub fn add_cluster(
        &mut self,
        name: Option<ClusterName>,
        servers: Arc<Vec<NodeId>>,
    ) -> ClusterId {
        self.clusters.add(name, servers, S::MEMBERSHIP)
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
}

/// A tester's own part: its nodes, its bookkeeping and its checks. The core
/// ([`Tester`]) owns the simulation, the RNG, the tasks, the monitors and the trap, and
/// calls these at the points where a tester differs.
pub trait Suite: Sized + 'static {
    /// The simulated nodes (servers, and clerks where there are any).
    type Node: Node;
    /// How a scenario asks for its cluster to be built.
    type Setup;

    /// The membership changes the Raft under test supports (its
    /// `RaftFamily::MEMBERSHIP`), for the monitors' Configuration Safety. `None` by
    /// default: a suite whose clusters never change.
    const MEMBERSHIP: Option<raft_contract::Membership> = None;

    /// A fresh simulation of `base` built as `setup` asks: nodes added, clusters
    /// watched, links up.
    fn build(base: &Base, setup: Self::Setup) -> Tester<Self>;

    /// Takes in the outputs the nodes reported (checking applied items, recording
    /// returned operations).
    ///
    /// # Errors
    /// The first failure the checks found.
    fn absorb_outputs(t: &mut Tester<Self>) -> Verdict;

    /// True when `node` has an output waiting for a task ([`super::Wake::Output`]).
    fn output_ready(t: &Tester<Self>, node: NodeId) -> bool;

    /// Calls `f` with the Raft of `node` and what its last handler did, if `node` is a
    /// Raft server.
    fn visit<R>(node: &Self::Node, f: impl FnOnce(&dyn RaftRead, &Observed) -> R) -> Option<R>;

    /// Restarts crashed server `id` from its disk, with the tester's bookkeeping.
    ///
    /// # Errors
    /// A check or monitor that fails on the restarted server (Durability is checked at a
    /// restart).
    fn restart(t: &mut Tester<Self>, id: NodeId) -> Verdict;

    /// Server `id`'s state on one line (term, role, log, commit), for a report.
    fn describe(t: &Tester<Self>, id: NodeId) -> String;

    /// What the finished run adds to its outcome: its verdict with the history judged,
    /// the history, the metrics and the clients' lanes (the core adds the servers').
    fn report(t: &mut Tester<Self>, scenario: &str, config: &RunConfig, verdict: Verdict) -> Parts;
}

/// A suite whose clerks speak the KV operations and whose history records them: the KV
/// tester and the sharded KV tester.
pub trait ClerkSuite: Suite {
    /// The history of the clerks' operations.
    fn recorder(&self) -> &Recorder;

    /// The history, to record in.
    fn recorder_mut(&mut self) -> &mut Recorder;

    /// Hands `op` to the clerk node `clerk`.
    fn begin_on(clerk: &mut Self::Node, ctx: &mut Context<'_, Self::Node>, op: kvraft::Op);
}

/// The configuration server `i` of `servers` boots with when its disk is empty, when the
/// first `members` are the first configuration (`None`: all of them, as in every lab
/// test): every first member votes, and a server added later starts with the empty
/// configuration (`Boot::config`).
pub fn boot_config(
    servers: usize,
    members: Option<usize>,
    i: usize,
) -> raft_contract::Configuration {
    let members = members.unwrap_or(servers);
    if i < members {
        raft_contract::Configuration::all(members)
    } else {
        raft_contract::Configuration::default()
    }
}
