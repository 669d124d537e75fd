//! The Raft tester: the lab's `raft/config.go` in virtual time.
//!
//! It owns a simulation of `n` Raft servers, checks every applied item as the lab's
//! appliers do (same command at the same index on every server, in order; under the
//! snapshot applier, strictly `last_applied + 1`, snapshots every 10 entries), and offers
//! the lab's helpers (`check_one_leader`, `one`, `wait`, `crash1`, `start1`, ...) with
//! their timeouts and polling taken in virtual time. Every helper returns a [`Verdict`]:
//! where the lab calls `t.Fatalf`, a scenario here returns the failure.

use super::command::Cmd;
use super::fault_target::FaultTarget;
use super::raft_server::{RaftOutput, RaftServer};
use super::scheduler::{self, Harness, Task, Tasks, Wake};
use super::trap::{self, Trap};
use crate::engine::{Duration, Instant, NetConfig, NodeId, Sim, SimOptions, SimRng};
use crate::implementation::Implementation;
use crate::monitor::Monitors;
use crate::scenario::{Failure, Verdict};
use crate::{ensure, fail};
use raft_contract::{ApplyMsg, LogIndex, RaftNode};
use std::collections::BTreeMap;

/// The node type of implementation `I` in the Raft tests.
pub type NodeOf<I> = <I as raft_contract::RaftFamily>::Node<Cmd>;

/// The lab's `SnapShotInterval`: the snapshot applier snapshots at indices 9, 19, 29, ...
pub const SNAPSHOT_INTERVAL: u64 = 10;

/// The snapshot applier's snapshot: the last included index and the log through it
/// (entry 0 empty), as the lab's `(lastIncludedIndex, xlog)`.
type TesterSnapshot = (u64, Vec<Option<Cmd>>);

/// What a scenario asks of the tester when it builds the cluster.
#[derive(Clone, Copy, Debug)]
pub struct RaftSetup {
    /// Number of servers.
    pub servers: usize,
    /// Start with an unreliable network.
    pub unreliable: bool,
    /// Use the snapshot applier (the 2D tests).
    pub snapshot: bool,
}

/// A cluster of Raft servers of implementation `I` under test.
pub struct RaftTester<I: Implementation> {
    /// The simulation (exposed for counters and faults the helpers do not cover).
    pub sim: Sim<RaftServer<NodeOf<I>>>,
    /// The scenario's own random choices.
    pub rng: SimRng,
    ids: Vec<NodeId>,
    connected: Vec<bool>,
    /// `logs[i][index]`: what server `i` applied at `index` (the lab's `cfg.logs`).
    logs: Vec<BTreeMap<u64, Cmd>>,
    last_applied: Vec<u64>,
    apply_err: Option<String>,
    snapshot: bool,
    max_index: u64,
    starts: usize,
    /// Concurrent client "goroutines" of the lab's tests.
    tasks: Tasks<RaftTester<I>>,
    /// The safety monitors, run on every node after every event it handles.
    pub monitors: Monitors,
    /// A trap armed by fault injection, checked after every event.
    pub trap: Option<Trap>,
    /// The snapshot applier snapshots when `(index + 1) % snapshot_interval == 0`.
    snapshot_interval: u64,
}

impl<I: Implementation> Harness for RaftTester<I> {
    type Node = RaftServer<NodeOf<I>>;

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
        self.status()
    }

    fn output_ready(&self, _node: NodeId) -> bool {
        false
    }

    fn watch(&mut self, node: NodeId) -> Verdict {
        let Some(server) = self.sim.node(node) else {
            return Ok(());
        };
        self.monitors.watch(
            node,
            self.sim.incarnation(node),
            self.sim.events(),
            server.raft(),
            server.observed(),
            self.sim.trace().text(),
        )?;
        if self.trap.is_some() {
            let observed = server.observed().clone();
            let status = Some(server.raft().status());
            trap::check(self, node, status, &observed)?;
        }
        Ok(())
    }
}

impl<I: Implementation> FaultTarget for RaftTester<I> {
    fn server_ids(&self) -> Vec<NodeId> {
        self.ids.clone()
    }

    fn leader_index(&self) -> Option<usize> {
        (0..self.n()).find(|&i| matches!(self.state(i), Some((_, true))))
    }

    fn crash_server(&mut self, i: usize) {
        self.sim.crash(self.ids[i]);
    }

    fn restart_server(&mut self, i: usize) -> Verdict {
        if self.is_alive(i) {
            return Ok(());
        }
        self.restart_from_disk(i)
    }

    fn trap(&mut self) -> &mut Option<Trap> {
        &mut self.trap
    }

    fn describe(&self, i: usize) -> String {
        match self.sim.node(self.ids[i]) {
            None => format!("server {i}: down"),
            Some(s) => format!(
                "server {i}: {} (last term {})",
                s.raft().status(),
                s.raft()
                    .log_term(s.raft().status().last_index)
                    .map_or(0, |t| t.0)
            ),
        }
    }
}

impl<I: Implementation> RaftTester<I> {
    /// The lab's `make_config(t, n, unreliable, snapshot)`: starts and connects `n` servers.
    pub fn new(seed: u64, keep_trace: bool, setup: RaftSetup) -> RaftTester<I> {
        let mut sim = Sim::new(seed, NetConfig::default(), SimOptions { keep_trace });
        let rng = sim.fork_rng();
        let n = setup.servers;
        let ids: Vec<NodeId> = (0..n)
            .map(|_| sim.add_node(|init| RaftServer::new(init, n)))
            .collect();
        let mut t = RaftTester {
            sim,
            rng,
            ids,
            connected: vec![false; n],
            logs: vec![BTreeMap::new(); n],
            last_applied: vec![0; n],
            apply_err: None,
            snapshot: setup.snapshot,
            max_index: 0,
            starts: 0,
            tasks: Tasks::default(),
            monitors: Monitors::new(n),
            trap: None,
            snapshot_interval: SNAPSHOT_INTERVAL,
        };
        for i in 0..n {
            t.connect(i);
        }
        if setup.unreliable {
            t.sim.set_reliable(false);
        }
        t
    }

    /// Number of servers.
    pub fn n(&self) -> usize {
        self.ids.len()
    }

    /// Makes the snapshot applier snapshot every `every` entries instead of the lab's
    /// [`SNAPSHOT_INTERVAL`] (it snapshots at indices `every - 1`, `2 * every - 1`, ...).
    ///
    /// # Panics
    /// If `every` is zero.
    pub fn set_snapshot_interval(&mut self, every: u64) {
        assert!(every > 0, "a snapshot interval of 0");
        self.snapshot_interval = every;
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.sim.now()
    }

    /// The lab's `connect(i)`: `i` rejoins the clique of connected servers.
    pub fn connect(&mut self, i: usize) {
        self.connected[i] = true;
        let ids = self.ids.clone();
        self.sim.connect(self.ids[i], &ids);
    }

    /// The lab's `disconnect(i)`: `i` can neither send nor receive.
    pub fn disconnect(&mut self, i: usize) {
        self.connected[i] = false;
        let ids = self.ids.clone();
        self.sim.disconnect(self.ids[i], &ids);
    }

    /// Is `i` connected (the lab's `connected[i]`)?
    pub fn is_connected(&self, i: usize) -> bool {
        self.connected[i]
    }

    /// Is `i` running (not crashed)?
    pub fn is_alive(&self, i: usize) -> bool {
        self.sim.is_alive(self.ids[i])
    }

    /// The lab's `setunreliable`.
    pub fn set_unreliable(&mut self, unreliable: bool) {
        self.sim.set_reliable(!unreliable);
    }

    /// The lab's `crash1(i)`: disconnect and kill; the disk keeps what was saved.
    pub fn crash1(&mut self, i: usize) {
        self.disconnect(i);
        self.sim.crash(self.ids[i]);
    }

    /// The lab's `start1(i, applier)`: crash if running, then restart from the disk (left
    /// disconnected: the scenario connects it). Under the snapshot applier a saved
    /// snapshot is ingested first, as the lab's "mimic KV server" step does.
    pub fn start1(&mut self, i: usize) -> Verdict {
        self.crash1(i);
        self.restart_from_disk(i)
    }

    /// Restarts crashed server `i` from its disk, leaving its links as they are. Under
    /// the snapshot applier a saved snapshot is ingested first.
    fn restart_from_disk(&mut self, i: usize) -> Verdict {
        self.last_applied[i] = 0;
        if self.snapshot {
            let snap = self.sim.disk(self.ids[i]).snapshot();
            if !snap.is_empty() {
                self.ingest_snapshot(i, &snap, None)?;
            }
        }
        let n = self.n();
        self.sim
            .restart(self.ids[i], |init| RaftServer::new(init, n));
        self.process_outputs();
        self.watch(self.ids[i])?;
        self.status()
    }

    /// The status view of server `i`, or `None` while it is crashed.
    pub fn node_status(&self, i: usize) -> Option<raft_contract::Status> {
        Some(self.sim.node(self.ids[i])?.raft().status())
    }

    /// `GetState()` of server `i`, or `None` while it is crashed.
    pub fn state(&self, i: usize) -> Option<(u64, bool)> {
        let s = self.sim.node(self.ids[i])?;
        let (term, leader) = s.raft().state();
        Some((term.0, leader))
    }

    /// The lab's `rf.Start(cmd)` on server `i`: `Some((index, term))` if it is the leader.
    ///
    /// # Errors
    /// A monitor's violation in the node after the call.
    pub fn start(&mut self, i: usize, cmd: Cmd) -> Result<Option<(u64, u64)>, Failure> {
        let result = scheduler::with_node(self, self.ids[i], |s, ctx| s.start(ctx, cmd))?;
        self.process_outputs();
        Ok(result.flatten().map(|(index, term)| (index.0, term.0)))
    }

    /// Bytes of server `i`'s saved Raft state (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self, i: usize) -> usize {
        self.sim.disk(self.ids[i]).raft_state_size()
    }

    /// The lab's `LogSize()`: the largest saved Raft state among the servers.
    pub fn log_size(&self) -> usize {
        (0..self.n())
            .map(|i| self.raft_state_size(i))
            .max()
            .unwrap_or(0)
    }

    /// Requests delivered to server `i`'s live handler (the lab's `rpcCount(i)`).
    pub fn rpc_count(&self, i: usize) -> u64 {
        self.sim.stats(self.ids[i]).requests_delivered
    }

    /// Sum of `rpc_count` over all servers.
    pub fn rpc_total(&self) -> u64 {
        (0..self.n()).map(|i| self.rpc_count(i)).sum()
    }

    /// Bytes as labrpc counts them (requests when sent, replies when delivered).
    pub fn bytes_total(&self) -> u64 {
        self.sim.net().total().rpc_bytes
    }

    /// The highest index any server applied.
    pub fn max_index(&self) -> u64 {
        self.max_index
    }

    /// The first apply error, as a failure.
    fn status(&self) -> Verdict {
        match &self.apply_err {
            Some(e) => Err(Failure(e.clone())),
            None => Ok(()),
        }
    }

    /// Runs the simulation until `done` holds or `deadline` passes, checking every
    /// applied item along the way. Returns whether `done` held.
    ///
    /// # Errors
    /// The first failure of a check, a monitor or a task.
    pub fn run_until(
        &mut self,
        deadline: Instant,
        done: impl FnMut(&RaftTester<I>) -> bool,
    ) -> Result<bool, Failure> {
        scheduler::run_until(self, deadline, done)
    }

    /// Starts a concurrent task, first polled now.
    pub fn spawn(&mut self, task: impl Task<RaftTester<I>> + 'static) {
        scheduler::spawn(self, task);
    }

    /// Number of concurrent tasks still running.
    pub fn background_len(&self) -> usize {
        self.tasks.len()
    }

    /// The lab's `time.Sleep(d)`: lets `d` of virtual time pass.
    pub fn sleep(&mut self, d: Duration) -> Verdict {
        let deadline = self.now() + d;
        self.run_until(deadline, |_| false).map(|_| ())
    }

    /// Checks every item servers applied since the last call.
    fn process_outputs(&mut self) {
        loop {
            let outputs = self.sim.take_outputs();
            if outputs.is_empty() {
                return;
            }
            for obs in outputs {
                let i = obs.node.index();
                if let Err(e) = self.check_apply(i, obs.output) {
                    self.apply_err.get_or_insert(e.0);
                }
            }
        }
    }

    fn check_apply(&mut self, i: usize, item: RaftOutput) -> Verdict {
        match item {
            ApplyMsg::Snapshot { index, data, .. } => {
                if self.snapshot {
                    self.ingest_snapshot(i, &data, Some(index.0))?;
                }
                Ok(())
            }
            ApplyMsg::Command { index, command, .. } => {
                let index = index.0;
                if self.snapshot {
                    ensure!(
                        index == self.last_applied[i] + 1,
                        "server {i} apply out of order, expected index {}, got {index}",
                        self.last_applied[i] + 1
                    );
                }
                let prev_ok = self.check_logs(i, index, command)?;
                ensure!(
                    index <= 1 || prev_ok,
                    "server {i} apply out of order {index}"
                );
                self.last_applied[i] = index;
                if self.snapshot && (index + 1) % self.snapshot_interval == 0 {
                    self.snapshot_at(i, index);
                }
                Ok(())
            }
        }
    }

    /// The lab's `checkLogs`: the same command at the same index on every server.
    fn check_logs(&mut self, i: usize, index: u64, cmd: Cmd) -> Result<bool, Failure> {
        for (j, log) in self.logs.iter().enumerate() {
            if let Some(old) = log.get(&index) {
                ensure!(
                    *old == cmd,
                    "commit index={index} server={i} {cmd} != server={j} {old}"
                );
            }
        }
        let prev_ok = index > 1 && self.logs[i].contains_key(&(index - 1));
        self.logs[i].insert(index, cmd);
        self.max_index = self.max_index.max(index);
        Ok(prev_ok)
    }

    /// The snapshot applier's trigger: encode (index, log so far) and hand it to Raft.
    fn snapshot_at(&mut self, i: usize, index: u64) {
        let xlog: Vec<Option<Cmd>> = (0..=index).map(|k| self.logs[i].get(&k).cloned()).collect();
        let data = bincode::serde::encode_to_vec((index, xlog), bincode::config::standard())
            .expect("tester snapshot encodes");
        let result = self
            .sim
            .with_node(self.ids[i], |s, ctx| s.snapshot(ctx, LogIndex(index), data));
        if let Some(Err(e)) = result {
            self.apply_err
                .get_or_insert(format!("server {i} refused snapshot at {index}: {e}"));
        }
    }

    /// The lab's `ingestSnap`: replace server `i`'s log with the snapshot's.
    fn ingest_snapshot(&mut self, i: usize, data: &[u8], claimed: Option<u64>) -> Verdict {
        let decoded = bincode::serde::decode_from_slice::<TesterSnapshot, _>(
            data,
            bincode::config::standard(),
        );
        let Ok(((index, xlog), _)) = decoded else {
            fail!("server {i}: snapshot does not decode");
        };
        if let Some(claimed) = claimed {
            ensure!(
                claimed == index,
                "server {i} snapshot index {claimed} but the snapshot encodes {index}"
            );
        }
        ensure!(
            xlog.len() as u64 == index + 1,
            "server {i}: snapshot at {index} holds {} entries",
            xlog.len()
        );
        let log: BTreeMap<u64, Cmd> = xlog
            .into_iter()
            .enumerate()
            .filter_map(|(k, c)| c.map(|c| (k as u64, c)))
            .collect();
        self.logs[i] = log;
        self.last_applied[i] = index;
        Ok(())
    }

    /// The lab's `checkOneLeader`: up to 10 rounds of 450-549 ms; fails on two leaders in
    /// one term or on none at all. Returns the leader of the highest term.
    pub fn check_one_leader(&mut self) -> Result<usize, Failure> {
        for _ in 0..10 {
            let ms = 450 + self.rng.below(100);
            self.sleep(Duration::from_millis(ms))?;
            let mut leaders: BTreeMap<u64, Vec<usize>> = BTreeMap::new();
            for i in 0..self.n() {
                if self.connected[i] {
                    if let Some((term, true)) = self.state(i) {
                        leaders.entry(term).or_default().push(i);
                    }
                }
            }
            for (term, ls) in &leaders {
                ensure!(
                    ls.len() <= 1,
                    "term {term} has {} (>1) leaders: {ls:?}",
                    ls.len()
                );
            }
            if let Some((_, ls)) = leaders.iter().next_back() {
                return Ok(ls[0]);
            }
        }
        fail!("expected one leader, got none")
    }

    /// The lab's `checkTerms`: every connected server reports the same term.
    pub fn check_terms(&mut self) -> Result<u64, Failure> {
        let mut term = None;
        for i in 0..self.n() {
            if !self.connected[i] {
                continue;
            }
            if let Some((t, _)) = self.state(i) {
                match term {
                    None => term = Some(t),
                    Some(t0) => ensure!(t0 == t, "servers disagree on term: {t0} vs {t}"),
                }
            }
        }
        Ok(term.unwrap_or(0))
    }

    /// The lab's `checkNoLeader`: no connected server thinks it is the leader.
    pub fn check_no_leader(&mut self) -> Verdict {
        for i in 0..self.n() {
            if self.connected[i] && matches!(self.state(i), Some((_, true))) {
                fail!("expected no leader among connected servers, but {i} claims to be leader");
            }
        }
        Ok(())
    }

    /// The lab's `nCommitted(index)`: how many servers applied `index`, and what.
    pub fn n_committed(&self, index: u64) -> Result<(usize, Option<Cmd>), Failure> {
        self.status()?;
        let mut count = 0;
        let mut cmd: Option<&Cmd> = None;
        for (i, log) in self.logs.iter().enumerate() {
            if let Some(c) = log.get(&index) {
                if let Some(prev) = cmd {
                    ensure!(
                        prev == c,
                        "committed values do not match: index {index}, {prev} vs {c} (server {i})"
                    );
                }
                cmd = Some(c);
                count += 1;
            }
        }
        Ok((count, cmd.cloned()))
    }

    /// The lab's `wait(index, n, startTerm)`: polls with doubling sleeps (10 ms up to
    /// 1.28 s, 30 tries) until `n` servers applied `index`. `Ok(None)` when some server
    /// moved past `start_term` (the lab's -1).
    pub fn wait(
        &mut self,
        index: u64,
        n: usize,
        start_term: Option<u64>,
    ) -> Result<Option<Cmd>, Failure> {
        let mut to = Duration::from_millis(10);
        for _ in 0..30 {
            let (nd, _) = self.n_committed(index)?;
            if nd >= n {
                break;
            }
            self.sleep(to)?;
            if to < Duration::from_secs(1) {
                to = to * 2;
            }
            if let Some(start_term) = start_term {
                let moved_on =
                    (0..self.n()).any(|i| matches!(self.state(i), Some((t, _)) if t > start_term));
                if moved_on {
                    return Ok(None);
                }
            }
        }
        let (nd, cmd) = self.n_committed(index)?;
        ensure!(nd >= n, "only {nd} decided for index {index}; wanted {n}");
        Ok(cmd)
    }

    /// The lab's `one(cmd, expectedServers, retry)`: submit `cmd` to whichever connected
    /// server is leader and wait up to 2 s for `expected` servers to apply it, within an
    /// overall 10 s. Returns the index.
    pub fn one(&mut self, cmd: Cmd, expected: usize, retry: bool) -> Result<u64, Failure> {
        let mut op = OneOp::new(cmd, expected, retry, self.now());
        loop {
            match op.poll(self)? {
                Wake::At(wake) => {
                    self.run_until(wake, |_| false)?;
                }
                Wake::Done => return Ok(op.index.expect("a finished one() has an index")),
                Wake::Output(node) => unreachable!("one() waits for time, not {node}"),
            }
        }
    }

    /// Round-robin over connected servers (the lab's `starts`) until one accepts `cmd`.
    fn submit_round_robin(&mut self, cmd: &Cmd) -> Result<Option<u64>, Failure> {
        for _ in 0..self.n() {
            self.starts = (self.starts + 1) % self.n();
            if self.connected[self.starts] {
                if let Some((index, _)) = self.start(self.starts, cmd.clone())? {
                    return Ok(Some(index));
                }
            }
        }
        Ok(None)
    }
}

/// The lab's `one()` as a task, so that tests can run several at once (TestUnreliableAgree).
#[derive(Debug)]
pub struct OneOp {
    cmd: Cmd,
    expected: usize,
    retry: bool,
    t0: Instant,
    /// The index at which it was submitted and when, while waiting for agreement.
    waiting: Option<(u64, Instant)>,
    /// Set when `expected` servers applied the command.
    pub index: Option<u64>,
}

impl OneOp {
    /// A `one(cmd, expected, retry)` starting at `now`.
    pub fn new(cmd: Cmd, expected: usize, retry: bool, now: Instant) -> OneOp {
        OneOp {
            cmd,
            expected,
            retry,
            t0: now,
            waiting: None,
            index: None,
        }
    }
}

impl<I: Implementation> Task<RaftTester<I>> for OneOp {
    fn poll(&mut self, t: &mut RaftTester<I>) -> Result<Wake, Failure> {
        let now = t.now();
        if let Some((index, t1)) = self.waiting {
            if now < t1 + Duration::from_secs(2) {
                let (nd, got) = t.n_committed(index)?;
                if nd > 0 && nd >= self.expected && got.as_ref() == Some(&self.cmd) {
                    self.index = Some(index);
                    return Ok(Wake::Done);
                }
                return Ok(Wake::At(now + Duration::from_millis(20)));
            }
            ensure!(self.retry, "one({}) failed to reach agreement", self.cmd);
            self.waiting = None;
        }
        ensure!(
            now < self.t0 + Duration::from_secs(10),
            "one({}) failed to reach agreement",
            self.cmd
        );
        match t.submit_round_robin(&self.cmd)? {
            Some(index) => {
                self.waiting = Some((index, now));
                // Check at once, as the lab does before its first 20 ms sleep.
                self.poll(t)
            }
            None => Ok(Wake::At(now + Duration::from_millis(50))),
        }
    }
}
