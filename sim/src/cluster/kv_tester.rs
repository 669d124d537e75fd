//! The KV tester: the lab's `kvraft/config.go` and `test_test.go` helpers in virtual time.
//!
//! It owns a simulation of KV servers and clerks, records every clerk operation with its
//! virtual call and return times into a history, and at the end asks the linearizability
//! checker to judge it (per-key partitions). Concurrent clients and the partitioner are
//! tasks polled at the virtual time they ask for or when their clerk's operation returns.

use super::fault_target::FaultTarget;
use super::kv_node::{KvNode, KvOutput};
use super::scheduler::{self, Harness, Task, Tasks};
use super::trap::{self, Trap};
use super::TEST_LIMIT;
use crate::engine::{Duration, Instant, NetConfig, NodeId, Sim, SimOptions, SimRng};
use crate::ensure;
use crate::implementation::Implementation;
use crate::monitor::Monitors;
use crate::scenario::{Failure, Verdict};
use checker::{CheckOptions, KvInput, KvModel, KvOp, KvOutput as CheckedOutput, Operation, Time};
use kvraft::Op;
use raft_contract::RaftNode;
use std::collections::BTreeMap;

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

/// A history of KV operations as the checker reads them.
pub type KvHistory = Vec<Operation<KvInput, CheckedOutput>>;

/// A KV cluster on Raft implementation `I` under test.
pub struct KvTester<I: Implementation> {
    /// The simulation.
    pub sim: Sim<KvNodeOf<I>>,
    /// The scenario's own random choices.
    pub rng: SimRng,
    servers: Vec<NodeId>,
    maxraftstate: Option<usize>,
    next_client: u64,
    /// Each clerk's history client id.
    clerk_ids: BTreeMap<NodeId, u64>,
    history: KvHistory,
    /// The history entry of each clerk's operation in flight.
    open: BTreeMap<NodeId, usize>,
    /// Results of returned operations not yet taken by whoever waits for them.
    completed: BTreeMap<NodeId, String>,
    /// When each clerk's last operation returned: its next call comes strictly later.
    last_return: BTreeMap<NodeId, Instant>,
    tasks: Tasks<KvTester<I>>,
    /// The safety monitors, run on every server after every event it handles.
    pub monitors: Monitors,
    /// A trap armed by fault injection, checked after every event.
    pub trap: Option<Trap>,
    ops: u64,
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
        self.completed.contains_key(&node)
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
            clerk_ids: BTreeMap::new(),
            history: Vec::new(),
            open: BTreeMap::new(),
            completed: BTreeMap::new(),
            last_return: BTreeMap::new(),
            tasks: Tasks::default(),
            monitors: Monitors::new(n),
            trap: None,
            ops: 0,
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
        self.ops
    }

    /// Every clerk, with its client id in the history, in the order they were made.
    pub fn clerks(&self) -> Vec<(NodeId, u64)> {
        self.clerk_ids.iter().map(|(&n, &c)| (n, c)).collect()
    }

    /// The recorded history.
    pub fn history(&self) -> &KvHistory {
        &self.history
    }

    /// The recorded history, to corrupt on purpose in tests of the checking path.
    #[cfg(test)]
    pub(crate) fn history_mut(&mut self) -> &mut KvHistory {
        &mut self.history
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
        self.clerk_ids.insert(id, client.0);
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

    /// Starts an operation on `clerk` and records its call in the history.
    ///
    /// A clerk's next call comes strictly after its previous return: if that return
    /// happened at this very instant, the simulation first moves on by one nanosecond.
    /// Intervals are closed, so a call recorded at the instant of the same client's
    /// return would read as concurrent with it, and a Get that missed the client's own
    /// write just before would pass the check.
    ///
    /// # Errors
    /// A monitor's violation in the events of that nanosecond.
    pub fn begin(&mut self, clerk: NodeId, op: Op) -> Verdict {
        assert!(
            !self.open.contains_key(&clerk),
            "{clerk} has an operation in flight"
        );
        if let Some(&returned) = self.last_return.get(&clerk) {
            if returned >= self.now() {
                self.advance_to(returned + Duration(1))?;
            }
        }
        let input = match &op {
            Op::Get { key } => KvInput {
                op: KvOp::Get,
                key: key.clone(),
                value: String::new(),
            },
            Op::Put { key, value } => KvInput {
                op: KvOp::Put,
                key: key.clone(),
                value: value.clone(),
            },
            Op::Append { key, value } => KvInput {
                op: KvOp::Append,
                key: key.clone(),
                value: value.clone(),
            },
        };
        let call = self.now();
        assert!(
            self.last_return.get(&clerk).is_none_or(|&r| r < call),
            "{clerk}: call at {call} not after its previous return"
        );
        let client = checker::ClientId(self.clerk_ids[&clerk]);
        self.open.insert(clerk, self.history.len());
        self.history.push(Operation {
            client,
            input,
            call: Time(call.as_nanos()),
            outcome: checker::Outcome::Pending,
        });
        scheduler::with_node(self, clerk, |c, ctx| c.begin(ctx, op))?.expect("clerks never crash");
        Ok(())
    }

    /// Runs every event due by `at` and moves the clock there, recording the operations
    /// that return meanwhile (tasks are polled by the caller's loop, not here).
    fn advance_to(&mut self, at: Instant) -> Verdict {
        while self.sim.step_until(at) {
            if let Some(node) = self.sim.last_handled() {
                self.watch(node)?;
            }
        }
        self.process_outputs();
        Ok(())
    }

    /// True when `clerk`'s operation returned and its result was not taken yet.
    pub fn has_result(&self, clerk: NodeId) -> bool {
        self.completed.contains_key(&clerk)
    }

    /// The result of `clerk`'s operation, if it returned and nobody took it yet.
    pub fn take_result(&mut self, clerk: NodeId) -> Option<String> {
        self.completed.remove(&clerk)
    }

    /// Records the return of every operation that completed since the last call, at the
    /// virtual time its clerk reported it.
    fn process_outputs(&mut self) {
        for obs in self.sim.take_outputs() {
            let (clerk, KvOutput::Done { value }) = (obs.node, obs.output);
            let index = self
                .open
                .remove(&clerk)
                .unwrap_or_else(|| panic!("{clerk} returned with nothing in flight"));
            let op = &mut self.history[index];
            let output = if op.input.op == KvOp::Get {
                value.clone()
            } else {
                String::new()
            };
            assert!(
                obs.at.as_nanos() >= op.call.0,
                "{clerk}: returned at {} before its call",
                obs.at
            );
            op.outcome = checker::Outcome::Returned {
                output: CheckedOutput { value: output },
                at: Time(obs.at.as_nanos()),
            };
            self.last_return.insert(clerk, obs.at);
            self.ops += 1;
            self.completed.insert(clerk, value);
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

    /// A blocking clerk operation (the lab's `Get`/`Put`/`Append` helpers): waits until
    /// it returns, at the latest until the test's 120 s limit.
    pub fn op(&mut self, clerk: NodeId, op: Op) -> Result<String, Failure> {
        let what = format!("{op:?}");
        self.begin(clerk, op)?;
        let deadline = (Instant::ZERO + TEST_LIMIT).max(self.now());
        let done = self.run_until(deadline, |t| t.completed.contains_key(&clerk))?;
        ensure!(
            done,
            "{what} by {clerk} did not complete by the 120 s limit"
        );
        Ok(self.take_result(clerk).expect("completed"))
    }

    /// `Get(key)` through `clerk`.
    pub fn get(&mut self, clerk: NodeId, key: &str) -> Result<String, Failure> {
        self.op(clerk, Op::Get { key: key.into() })
    }

    /// `Put(key, value)` through `clerk`.
    pub fn put(&mut self, clerk: NodeId, key: &str, value: &str) -> Verdict {
        let op = Op::Put {
            key: key.into(),
            value: value.into(),
        };
        self.op(clerk, op).map(|_| ())
    }

    /// `Append(key, value)` through `clerk`.
    pub fn append(&mut self, clerk: NodeId, key: &str, value: &str) -> Verdict {
        let op = Op::Append {
            key: key.into(),
            value: value.into(),
        };
        self.op(clerk, op).map(|_| ())
    }

    /// The lab's `check(cfg, t, ck, key, value)`.
    pub fn check(&mut self, clerk: NodeId, key: &str, value: &str) -> Verdict {
        let v = self.get(clerk, key)?;
        ensure!(v == value, "Get({key}): expected:\n{value}\nreceived:\n{v}");
        Ok(())
    }

    /// Judges the recorded history with the KV model (per-key partitions). Deterministic:
    /// no wall-clock timeout, and one thread (a run never spawns threads).
    pub fn check_history(&self) -> checker::CheckResult {
        let options = CheckOptions {
            timeout: None,
            parallel: false,
            ..CheckOptions::default()
        };
        checker::check_operations(&KvModel::new(), &self.history, &options)
    }
}
