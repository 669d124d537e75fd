//! The Raft tester: the lab's `raft/config.go` in virtual time.
//!
//! It owns a simulation of `n` Raft servers, checks every applied item as the lab's
//! appliers do (same command at the same index on every server, in order; under the
//! snapshot applier, strictly `last_applied + 1`, snapshots every 10 entries), and offers
//! the lab's helpers (`check_one_leader`, `one`, `wait`, `crash1`, `start1`, ...) with
//! their timeouts and polling taken in virtual time. Every helper returns a [`Verdict`]:
//! where the lab calls `t.Fatalf`, a scenario here returns the failure.

use super::reading::reading;
use super::rig::Tester;
use super::rig::{Base, Suite};
use super::tasks::{Task, Wake};
use crate::cluster::{Cmd, RaftOutput, RaftServer};
use crate::engine::{Duration, Instant, NodeId};
use crate::implementation::Implementation;
use crate::monitor::observed::Observed;
use crate::monitor::RaftRead;
use crate::outcome::{Failure, Parts, Verdict};
use crate::scenario::RunConfig;
use crate::{ensure, fail};
use raft_contract::{ApplyMsg, Configuration, LogIndex, RaftNode};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

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
    /// How many servers are members from the start (the first ones); `None`: all of
    /// them, as in every lab test. The others boot with an empty disk and the empty
    /// configuration, and join when a leader adds them (the membership scenarios).
    pub members: Option<usize>,
}

impl RaftSetup {
    /// The configuration server `i` boots with when its disk is empty: the initial
    /// voters for a first member, the empty configuration for a server added later.
    pub fn boot_config(&self, i: usize) -> Configuration {
        super::rig::boot_config(self.servers, self.members, i)
    }
}

/// A cluster of Raft servers of implementation `I` under test.
pub type RaftTester<I> = Tester<RaftSuite<I>>;

/// What the Raft tester has of its own: the servers, what each applied, and the lab's
/// bookkeeping of connections and submissions.
pub struct RaftSuite<I> {
    ids: Vec<NodeId>,
    connected: Vec<bool>,
    /// `logs[i][index]`: what server `i` applied at `index` (the lab's `cfg.logs`).
    logs: Vec<BTreeMap<u64, Cmd>>,
    last_applied: Vec<u64>,
    apply_err: Option<String>,
    snapshot: bool,
    max_index: u64,
    starts: usize,
    /// The snapshot applier snapshots when `(index + 1) % snapshot_interval == 0`.
    snapshot_interval: u64,
    /// What each server boots with when its disk is empty ([`RaftSetup::boot_config`]).
    boot_configs: Vec<Configuration>,
    implementation: PhantomData<fn() -> I>,
}

impl<I: Implementation> Suite for RaftSuite<I> {
    type Node = RaftServer<NodeOf<I>>;
    type Setup = RaftSetup;
    const MEMBERSHIP: Option<raft_contract::Membership> = I::MEMBERSHIP;

    /// The lab's `make_config(t, n, unreliable, snapshot)`: starts and connects `n`
    /// servers.
    fn build(base: &Base, setup: RaftSetup) -> RaftTester<I> {
        let n = setup.servers;
        let suite = RaftSuite {
            ids: Vec::new(),
            connected: vec![false; n],
            logs: vec![BTreeMap::new(); n],
            last_applied: vec![0; n],
            apply_err: None,
            snapshot: setup.snapshot,
            max_index: 0,
            starts: 0,
            snapshot_interval: SNAPSHOT_INTERVAL,
            boot_configs: (0..n).map(|i| setup.boot_config(i)).collect(),
            implementation: PhantomData,
        };
        let mut t = Tester::with_suite(base, suite);
        let ids: Vec<NodeId> = (0..n)
            .map(|i| {
                let config = t.suite.boot_configs[i];
                t.add_server(i, |init| {
                    RaftServer::with_config(init, n, config, &base.settings)
                })
            })
            .collect();
        t.suite.ids = ids.clone();
        t.add_cluster(None, Arc::new(ids));
        for i in 0..n {
            t.connect(i);
        }
        if setup.unreliable {
            t.sim.set_reliable(false);
        }
        t
    }

    fn absorb_outputs(t: &mut RaftTester<I>) -> Verdict {
        t.process_outputs();
        t.status()
    }

    fn output_ready(_: &RaftTester<I>, _: NodeId) -> bool {
        false
    }

    fn visit<R>(node: &Self::Node, f: impl FnOnce(&dyn RaftRead, &Observed) -> R) -> Option<R> {
        Some(f(&reading(node.raft()), node.observed()))
    }

    fn restart(t: &mut RaftTester<I>, id: NodeId) -> Verdict {
        t.restart_from_disk(id.index())
    }

    fn describe(t: &RaftTester<I>, id: NodeId) -> String {
        let i = id.index();
        match t.sim.node(id) {
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

    /// The counters as metrics: requests, bytes and the highest index applied.
    fn report(t: &mut RaftTester<I>, _: &str, _: &RunConfig, verdict: Verdict) -> Parts {
        let mut parts = Parts::of_verdict(verdict);
        parts.metrics = std::mem::take(&mut t.metrics);
        parts.metrics.push(("rpcs".into(), t.rpc_total() as f64));
        parts
            .metrics
            .push(("rpc_bytes".into(), t.bytes_total() as f64));
        parts
            .metrics
            .push(("max_index".into(), t.max_index() as f64));
        parts
    }
}

impl<I: Implementation> Tester<RaftSuite<I>> {
    /// Number of servers.
    pub fn n(&self) -> usize {
        self.suite.ids.len()
    }

    /// Makes the snapshot applier snapshot every `every` entries instead of the lab's
    /// [`SNAPSHOT_INTERVAL`] (it snapshots at indices `every - 1`, `2 * every - 1`, ...).
    ///
    /// # Panics
    /// If `every` is zero.
    pub fn set_snapshot_interval(&mut self, every: u64) {
        assert!(every > 0, "a snapshot interval of 0");
        self.suite.snapshot_interval = every;
    }

    /// The lab's `connect(i)`: `i` rejoins the clique of connected servers.
    pub fn connect(&mut self, i: usize) {
        self.suite.connected[i] = true;
        let ids = self.suite.ids.clone();
        self.sim.connect(self.suite.ids[i], &ids);
    }

    /// The lab's `disconnect(i)`: `i` can neither send nor receive.
    pub fn disconnect(&mut self, i: usize) {
        self.suite.connected[i] = false;
        let ids = self.suite.ids.clone();
        self.sim.disconnect(self.suite.ids[i], &ids);
    }

    /// Is `i` connected (the lab's `connected[i]`)?
    pub fn is_connected(&self, i: usize) -> bool {
        self.suite.connected[i]
    }

    /// Is `i` running (not crashed)?
    pub fn is_alive(&self, i: usize) -> bool {
        self.sim.is_alive(self.suite.ids[i])
    }

    /// The lab's `setunreliable`.
    pub fn set_unreliable(&mut self, unreliable: bool) {
        self.sim.set_reliable(!unreliable);
    }

    /// The lab's `crash1(i)`: disconnect and kill; the disk keeps what was saved.
    pub fn crash1(&mut self, i: usize) {
        self.disconnect(i);
        self.sim.crash(self.suite.ids[i]);
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
        self.suite.last_applied[i] = 0;
        if self.suite.snapshot {
            let snap = self.sim.disk(self.suite.ids[i]).snapshot();
            if !snap.is_empty() {
                self.ingest_snapshot(i, &snap, None)?;
            }
        }
        let n = self.n();
        let settings = &self.settings;
        let config = self.suite.boot_configs[i];
        self.sim.restart(self.suite.ids[i], |init| {
            RaftServer::with_config(init, n, config, settings)
        });
        self.process_outputs();
        self.watch(self.suite.ids[i])?;
        self.status()
    }

    /// The status view of server `i`, or `None` while it is crashed.
    pub fn node_status(&self, i: usize) -> Option<raft_contract::Status> {
        Some(self.sim.node(self.suite.ids[i])?.raft().status())
    }

    /// `GetState()` of server `i`, or `None` while it is crashed.
    pub fn state(&self, i: usize) -> Option<(u64, bool)> {
        let s = self.sim.node(self.suite.ids[i])?;
        let (term, leader) = s.raft().state();
        Some((term.0, leader))
    }

    /// The lab's `rf.Start(cmd)` on server `i`: `Some((index, term))` if it is the leader.
    ///
    /// # Errors
    /// A monitor's violation in the node after the call.
    pub fn start(&mut self, i: usize, cmd: Cmd) -> Result<Option<(u64, u64)>, Failure> {
        let result = self.with_node(self.suite.ids[i], |s, ctx| s.start(ctx, cmd))?;
        self.process_outputs();
        Ok(result.flatten().map(|(index, term)| (index.0, term.0)))
    }

    /// Bytes of server `i`'s saved Raft state (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self, i: usize) -> usize {
        self.sim.disk(self.suite.ids[i]).raft_state_size()
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
        self.sim.stats(self.suite.ids[i]).requests_delivered
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
        self.suite.max_index
    }

    /// The first apply error, as a failure.
    fn status(&self) -> Verdict {
        match &self.suite.apply_err {
            Some(e) => Err(Failure(e.clone())),
            None => Ok(()),
        }
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
                    self.suite.apply_err.get_or_insert(e.0);
                }
            }
        }
    }

    fn check_apply(&mut self, i: usize, item: RaftOutput) -> Verdict {
        match item {
            ApplyMsg::Snapshot { index, data, .. } => {
                if self.suite.snapshot {
                    self.ingest_snapshot(i, &data, Some(index.0))?;
                }
                Ok(())
            }
            ApplyMsg::Command { index, command, .. } => {
                let index = index.0;
                if self.suite.snapshot {
                    ensure!(
                        index == self.suite.last_applied[i] + 1,
                        "server {i} apply out of order, expected index {}, got {index}",
                        self.suite.last_applied[i] + 1
                    );
                }
                let prev_ok = self.check_logs(i, index, command)?;
                ensure!(
                    index <= 1 || prev_ok,
                    "server {i} apply out of order {index}"
                );
                self.suite.last_applied[i] = index;
                if self.suite.snapshot && (index + 1) % self.suite.snapshot_interval == 0 {
                    self.snapshot_at(i, index);
                }
                Ok(())
            }
        }
    }

    /// The lab's `checkLogs`: the same command at the same index on every server.
    fn check_logs(&mut self, i: usize, index: u64, cmd: Cmd) -> Result<bool, Failure> {
        for (j, log) in self.suite.logs.iter().enumerate() {
            if let Some(old) = log.get(&index) {
                ensure!(
                    *old == cmd,
                    "commit index={index} server={i} {cmd} != server={j} {old}"
                );
            }
        }
        let prev_ok = index > 1 && self.suite.logs[i].contains_key(&(index - 1));
        self.suite.logs[i].insert(index, cmd);
        self.suite.max_index = self.suite.max_index.max(index);
        Ok(prev_ok)
    }

    /// The snapshot applier's trigger: encode (index, log so far) and hand it to Raft.
    fn snapshot_at(&mut self, i: usize, index: u64) {
        let xlog: Vec<Option<Cmd>> = (0..=index)
            .map(|k| self.suite.logs[i].get(&k).cloned())
            .collect();
        let data = bincode::serde::encode_to_vec((index, xlog), bincode::config::standard())
            .expect("tester snapshot encodes");
        let result = self.sim.with_node(self.suite.ids[i], |s, ctx| {
            s.snapshot(ctx, LogIndex(index), data)
        });
        if let Some(Err(e)) = result {
            self.suite
                .apply_err
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
        self.suite.logs[i] = log;
        self.suite.last_applied[i] = index;
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
                if self.suite.connected[i] {
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
            if !self.suite.connected[i] {
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
            if self.suite.connected[i] && matches!(self.state(i), Some((_, true))) {
                fail!("expected no leader among connected servers, but {i} claims to be leader");
            }
        }
        Ok(())
    }

    /// What server `i` applied at `index`, if it did (in this run, across restarts).
    pub fn applied_at(&self, i: usize, index: u64) -> Option<&Cmd> {
        self.suite.logs[i].get(&index)
    }

    /// The lab's `nCommitted(index)`: how many servers applied `index`, and what.
    pub fn n_committed(&self, index: u64) -> Result<(usize, Option<Cmd>), Failure> {
        self.status()?;
        let mut count = 0;
        let mut cmd: Option<&Cmd> = None;
        for (i, log) in self.suite.logs.iter().enumerate() {
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
    pub fn one(&mut self, cmd: Cmd, expected: usize, retry: Retry) -> Result<u64, Failure> {
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
            self.suite.starts = (self.suite.starts + 1) % self.n();
            if self.suite.connected[self.suite.starts] {
                if let Some((index, _)) = self.start(self.suite.starts, cmd.clone())? {
                    return Ok(Some(index));
                }
            }
        }
        Ok(None)
    }
}

/// What `one()` does when a submitted command is not agreed on within 2 s (the lab's
/// `retry` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retry {
    /// Fail the test.
    Never,
    /// Submit it again, to whichever server leads then, until the 10 s limit.
    Resubmit,
}

/// The lab's `one()` as a task, so that tests can run several at once (TestUnreliableAgree).
#[derive(Debug)]
pub struct OneOp {
    cmd: Cmd,
    expected: usize,
    retry: Retry,
    t0: Instant,
    /// The index at which it was submitted and when, while waiting for agreement.
    waiting: Option<(u64, Instant)>,
    /// Set when `expected` servers applied the command.
    pub index: Option<u64>,
}

impl OneOp {
    /// A `one(cmd, expected, retry)` starting at `now`.
    pub fn new(cmd: Cmd, expected: usize, retry: Retry, now: Instant) -> OneOp {
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
            ensure!(
                self.retry == Retry::Resubmit,
                "one({}) failed to reach agreement",
                self.cmd
            );
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
