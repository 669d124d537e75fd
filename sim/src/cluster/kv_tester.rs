//! The KV tester: the lab's `kvraft/config.go` and `test_test.go` helpers in virtual time.
//!
//! It owns a simulation of KV servers and clerks, records every clerk operation with its
//! virtual call and return times into a history, and at the end asks the linearizability
//! checker to judge it (per-key partitions). Concurrent clients and the partitioner are
//! tasks polled at the virtual time they ask for or when their clerk's operation returns.

use super::clerk_ops::ClerkOps;
use super::fault_target::FaultTarget;
use super::kv_node::{KvNode, KvOutput};
use super::recorder::Recorder;
use super::scheduler::{self, Harness, Task, Tasks};
use super::trap::{self, Trap};
use crate::engine::{Duration, Instant, NetConfig, NodeId, Sim, SimOptions, SimRng};
use crate::implementation::Implementation;
use crate::monitor::Monitors;
use crate::scenario::{Failure, Verdict};
use kvraft::Op;
use raft_contract::RaftNode;

pub use super::recorder::KvHistory;

/// The node type of implementation `I` under the KV service.
pub type KvNodeOf<I> = KvNode<<I as raft_contract::RaftFamily>::Node<kvraft::Command>>;

/// How a KV scenario's cluster is built.
#[derive(Clone, Copy, Debug)]
pub struct KvSetup {
    /// Number of servers.
    pub servers: usize,
    /// Unreliable network (set after the servers start, as the lab does).
    pub unreliable: bool,
    /// `None` for the lab's -1 (never snapshot), else the byte threshold.
    pub maxraftstate: Option<usize>,
    /// Judge the recorded history with the linearizability checker at the end. On in
    /// every scenario (TestUnreliableOneKey too: its single final read pins down the
    /// order of its 50 concurrent appends, and the checker tests it ahead of them).
    pub check_history: bool,
}

/// A KV cluster on Raft implementation `I` under test.
pub struct KvTester<I: Implementation> {
    /// The simulation.
    pub sim: Sim<KvNodeOf<I>>,
    /// The scenario's own random choices.
    pub rng: SimRng,
    servers: Vec<NodeId>,
    maxraftstate: Option<usize>,
    next_client: u64,
    /// Every clerk operation, for the linearizability checker.
    recorder: Recorder,
    tasks: Tasks<KvTester<I>>,
    /// The safety monitors, run on every server after every event it handles.
    pub monitors: Monitors,
    /// A trap armed by fault injection, checked after every event.
    pub trap: Option<Trap>,
    /// Scenario-specific figures for the outcome (e.g. Speed3A's latency per op).
    pub metrics: Vec<(String, f64)>,
}

impl<I: Implementation> Harness for KvTester<I> {
    type Node = KvNodeOf<I>;

    fn sim(&self) -> &Sim<Self::Node> {
        &self.sim
    }

    fn sim_mut(&mut self) -> &mut Sim<Self::Node> {
        &mut self.sim
    }

    fn tasks(&mut self) -> &mut Tasks<Self> {
        &mut self.tasks
    }

    fn absorb_outputs(&mut self) -> Verdict {
        self.process_outputs();
        Ok(())
    }

    fn output_ready(&self, node: NodeId) -> bool {
        self.recorder.has_result(node)
    }

    fn watch(&mut self, node: NodeId) -> Verdict {
        let Some(server) = self.sim.node(node).and_then(KvNode::as_server) else {
            return Ok(());
        };
        self.monitors.watch(
            node,
            self.sim.incarnation(node),
            self.sim.events(),
            server.kv().raft(),
            server.observed(),
            self.sim.trace().text(),
        )?;
        if self.trap.is_some() {
            let observed = server.observed().clone();
            let status = Some(server.kv().raft().status());
            trap::check(self, node, status, &observed)?;
        }
        Ok(())
    }
}

impl<I: Implementation> FaultTarget for KvTester<I> {
    fn server_ids(&self) -> Vec<NodeId> {
        self.servers.clone()
    }

    fn leader_index(&self) -> Option<usize> {
        self.leader()
    }

    fn crash_server(&mut self, i: usize) {
        self.sim.crash(self.servers[i]);
    }

    fn restart_server(&mut self, i: usize) -> Verdict {
        if self.sim.is_alive(self.servers[i]) {
            return Ok(());
        }
        self.start_server(i)
    }

    fn trap(&mut self) -> &mut Option<Trap> {
        &mut self.trap
    }

    fn describe(&self, i: usize) -> String {
        match self.sim.node(self.servers[i]).and_then(KvNode::as_server) {
            None => format!("server {i}: down"),
            Some(s) => {
                let raft = s.kv().raft();
                let st = raft.status();
                let last = raft.log_term(st.last_index).map_or(0, |t| t.0);
                format!(
                    "server {i}: {st} (last term {last}), applied {}",
                    s.kv().last_applied()
                )
            }
        }
    }
}

impl<I: Implementation> KvTester<I> {
    /// The lab's `make_config(t, n, unreliable, maxraftstate)`.
    pub fn new(seed: u64, keep_trace: bool, setup: KvSetup) -> KvTester<I> {
        let mut sim = Sim::new(seed, NetConfig::default(), SimOptions { keep_trace });
        let rng = sim.fork_rng();
        let n = setup.servers;
        let servers: Vec<NodeId> = (0..n)
            .map(|_| sim.add_node(|init| KvNode::server(init, n, setup.maxraftstate)))
            .collect();
        let mut t = KvTester {
            sim,
            rng,
            servers,
            maxraftstate: setup.maxraftstate,
            next_client: 0,
            recorder: Recorder::default(),
            tasks: Tasks::default(),
            monitors: Monitors::new(n),
            trap: None,
            metrics: Vec::new(),
        };
        t.connect_all();
        if setup.unreliable {
            t.sim.set_reliable(false);
        }
        t
    }

    /// Number of servers.
    pub fn n(&self) -> usize {
        self.servers.len()
    }

    /// Indices of all servers (the lab's `All()`).
    pub fn all(&self) -> Vec<usize> {
        (0..self.n()).collect()
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.sim.now()
    }

    /// Operations completed so far.
    pub fn ops(&self) -> u64 {
        self.recorder.ops()
    }

    /// Every clerk, with its client id in the history, in the order they were made.
    pub fn clerks(&self) -> Vec<(NodeId, u64)> {
        self.recorder.clerks()
    }

    /// The recorded history.
    pub fn history(&self) -> &KvHistory {
        self.recorder.history()
    }

    /// The recorded history, to corrupt on purpose in tests of the checking path.
    #[cfg(test)]
    pub(crate) fn history_mut(&mut self) -> &mut KvHistory {
        self.recorder.history_mut()
    }

    /// Both directions between server `i` and each server of `to`.
    fn server_pairs(&self, i: usize, to: &[usize]) -> Vec<(NodeId, NodeId)> {
        let a = self.servers[i];
        to.iter()
            .filter(|&&j| j != i)
            .flat_map(|&j| [(a, self.servers[j]), (self.servers[j], a)])
            .collect()
    }

    /// The lab's `ConnectAll()`: every server linked with every other.
    pub fn connect_all(&mut self) {
        let all = self.all();
        let pairs: Vec<_> = (0..self.n())
            .flat_map(|i| self.server_pairs(i, &all))
            .collect();
        self.sim.set_links(&pairs, true, "connect all servers");
    }

    /// The lab's `partition(p1, p2)`: servers talk within their side only.
    pub fn partition(&mut self, p1: &[usize], p2: &[usize]) {
        let mut down = Vec::new();
        let mut up = Vec::new();
        for (side, other) in [(p1, p2), (p2, p1)] {
            for &i in side {
                down.extend(self.server_pairs(i, other));
                up.extend(self.server_pairs(i, side));
            }
        }
        let describe = format!("partition {p1:?} | {p2:?}");
        self.sim.set_links(&down, false, &describe);
        self.sim.set_links(&up, true, &describe);
    }

    /// The lab's `make_partition()`: a majority without the leader, and a minority that
    /// ends with it.
    pub fn make_partition(&self) -> (Vec<usize>, Vec<usize>) {
        let leader = self.leader().unwrap_or(0);
        let n = self.n();
        let mut others = (0..n).filter(|&i| i != leader);
        let p1: Vec<usize> = others.by_ref().take(n / 2 + 1).collect();
        let mut p2: Vec<usize> = others.collect();
        p2.push(leader);
        (p1, p2)
    }

    /// The lab's `Leader()`: the first server that believes it leads.
    pub fn leader(&self) -> Option<usize> {
        (0..self.n()).find(|&i| {
            self.sim
                .node(self.servers[i])
                .and_then(KvNode::as_server)
                .is_some_and(|s| s.kv().raft().state().1)
        })
    }

    /// The lab's `makeClient(to)`: a new clerk, with a shuffled view of the servers,
    /// connected only to the servers in `to`.
    pub fn make_client(&mut self, to: &[usize]) -> NodeId {
        let client = kvraft::ClientId(self.next_client);
        self.next_client += 1;
        let mut order = self.servers.clone();
        // The lab's random_handles: each clerk sees the servers in its own order.
        for k in (1..order.len()).rev() {
            let j = self.rng.below(k as u64 + 1) as usize;
            order.swap(k, j);
        }
        let id = self.sim.add_node(|_| KvNode::clerk(client, order));
        self.recorder.add_clerk(id, client.0);
        self.connect_client(id, to);
        id
    }

    /// Both directions between a clerk and each server of `to`.
    fn clerk_pairs(&self, clerk: NodeId, to: &[usize]) -> Vec<(NodeId, NodeId)> {
        to.iter()
            .flat_map(|&i| [(clerk, self.servers[i]), (self.servers[i], clerk)])
            .collect()
    }

    /// The lab's `ConnectClient(ck, to)`.
    pub fn connect_client(&mut self, clerk: NodeId, to: &[usize]) {
        let pairs = self.clerk_pairs(clerk, to);
        self.sim
            .set_links(&pairs, true, &format!("connect clerk to {to:?}"));
    }

    /// The lab's `DisconnectClient(ck, from)`.
    pub fn disconnect_client(&mut self, clerk: NodeId, from: &[usize]) {
        let pairs = self.clerk_pairs(clerk, from);
        self.sim
            .set_links(&pairs, false, &format!("disconnect clerk from {from:?}"));
    }

    /// The lab's `ShutdownServer(i)`: cut off from the other servers, then crash.
    pub fn shutdown_server(&mut self, i: usize) {
        let pairs = self.server_pairs(i, &self.all());
        self.sim
            .set_links(&pairs, false, &format!("shutdown server {i}"));
        self.sim.crash(self.servers[i]);
    }

    /// The lab's `StartServer(i)`: restart from the disk (links to other servers stay
    /// down until `connect_all`).
    ///
    /// # Errors
    /// A monitor's violation in the restarted server (Durability is checked here).
    pub fn start_server(&mut self, i: usize) -> Verdict {
        let (n, max) = (self.n(), self.maxraftstate);
        self.sim
            .restart(self.servers[i], |init| KvNode::server(init, n, max));
        self.watch(self.servers[i])
    }

    /// The lab's `LogSize()`: the largest saved Raft state.
    pub fn log_size(&self) -> usize {
        self.servers
            .iter()
            .map(|&s| self.sim.disk(s).raft_state_size())
            .max()
            .unwrap_or(0)
    }

    /// Bytes of server `i`'s saved snapshot.
    pub fn snapshot_size_of(&self, i: usize) -> usize {
        self.sim.disk(self.servers[i]).snapshot_size()
    }

    /// The lab's `SnapshotSize()`: the largest saved snapshot.
    pub fn snapshot_size(&self) -> usize {
        self.servers
            .iter()
            .map(|&s| self.sim.disk(s).snapshot_size())
            .max()
            .unwrap_or(0)
    }

    /// Snapshots server `i` installed from a leader since it last started.
    pub fn snapshots_installed(&self, i: usize) -> u64 {
        self.sim
            .node(self.servers[i])
            .and_then(KvNode::as_server)
            .map_or(0, |s| s.kv().snapshots_installed())
    }

    /// Records the return of every operation that completed since the last call, at the
    /// virtual time its clerk reported it.
    fn process_outputs(&mut self) {
        for obs in self.sim.take_outputs() {
            let (clerk, KvOutput::Done { value }) = (obs.node, obs.output);
            self.recorder.returned(clerk, value, obs.at);
        }
    }

    /// Starts a concurrent task, first polled now.
    pub fn spawn(&mut self, task: impl Task<KvTester<I>> + 'static) {
        scheduler::spawn(self, task);
    }

    /// Number of tasks still running.
    pub fn tasks_running(&self) -> usize {
        self.tasks.len()
    }

    /// Runs until `done` holds or `deadline` passes, polling tasks. Returns whether
    /// `done` held.
    ///
    /// # Errors
    /// The first failure of a task or a monitor.
    pub fn run_until(
        &mut self,
        deadline: Instant,
        done: impl FnMut(&KvTester<I>) -> bool,
    ) -> Result<bool, Failure> {
        scheduler::run_until(self, deadline, done)
    }

    /// The lab's `time.Sleep(d)`.
    pub fn sleep(&mut self, d: Duration) -> Verdict {
        let deadline = self.now() + d;
        self.run_until(deadline, |_| false).map(|_| ())
    }
}

impl<I: Implementation> ClerkOps for KvTester<I> {
    fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    fn recorder_mut(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    fn start_on(&mut self, clerk: NodeId, op: Op) -> Verdict {
        scheduler::with_node(self, clerk, |c, ctx| c.begin(ctx, op))?.expect("clerks never crash");
        Ok(())
    }
}
