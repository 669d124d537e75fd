//! The KV tester: the lab's `kvraft/config.go` and `test_test.go` helpers in virtual time.
//!
//! It owns a simulation of KV servers and clerks, records every clerk operation with its
//! virtual call and return times into a history, and at the end asks the linearizability
//! checker to judge it (per-key partitions). Concurrent clients and the partitioner are
//! tasks polled at the virtual time they ask for or when their clerk's operation returns.

use super::judged::clerk_parts;
use super::reading::reading;
use super::recorder::Recorder;
use super::rig::Tester;
use super::rig::{Base, ClerkSuite, Suite};
use crate::cluster::kv_node::{KvNode, KvOutput};
use crate::engine::{Context, NodeId};
use crate::implementation::Implementation;
use crate::monitor::observed::Observed;
use crate::monitor::RaftRead;
use crate::outcome::{Failure, Parts, Verdict};
use crate::scenario::RunConfig;
use kvraft::Op;
use raft_contract::{ChangeRefused, ConfChange, Configuration, LogIndex, RaftNode};
use std::marker::PhantomData;
use std::sync::Arc;

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
    /// How many servers are members from the start (the first ones); `None`: all, as in
    /// every lab test. The others boot empty and join when a leader adds them.
    pub members: Option<usize>,
}

impl KvSetup {
    /// The configuration server `i` boots with when its disk is empty.
    pub fn boot_config(&self, i: usize) -> Configuration {
        super::rig::boot_config(self.servers, self.members, i)
    }
}

/// A KV cluster on Raft implementation `I` under test.
pub type KvTester<I> = Tester<KvSuite<I>>;

/// What the KV tester has of its own: the servers, their snapshot threshold, and the
/// clerks' history.
pub struct KvSuite<I> {
    servers: Vec<NodeId>,
    maxraftstate: Option<usize>,
    check_history: bool,
    next_client: u64,
    /// Every clerk operation, for the linearizability checker.
    recorder: Recorder,
    /// What each server boots with when its disk is empty ([`KvSetup::boot_config`]).
    boot_configs: Vec<Configuration>,
    implementation: PhantomData<fn() -> I>,
}

impl<I: Implementation> Suite for KvSuite<I> {
    type Node = KvNodeOf<I>;
    type Setup = KvSetup;
    const MEMBERSHIP: Option<raft_contract::Membership> = I::MEMBERSHIP;

    /// The lab's `make_config(t, n, unreliable, maxraftstate)`.
    fn build(base: &Base, setup: KvSetup) -> KvTester<I> {
        let suite = KvSuite {
            servers: Vec::new(),
            maxraftstate: setup.maxraftstate,
            check_history: setup.check_history,
            next_client: 0,
            recorder: Recorder::default(),
            boot_configs: (0..setup.servers).map(|i| setup.boot_config(i)).collect(),
            implementation: PhantomData,
        };
        let mut t = Tester::with_suite(base, suite);
        let n = setup.servers;
        let max = setup.maxraftstate;
        let servers: Vec<NodeId> = (0..n)
            .map(|i| {
                let config = t.suite.boot_configs[i];
                t.add_server(i, |init| {
                    KvNode::member(init, n, config, max, &base.settings, base.reads)
                })
            })
            .collect();
        t.suite.servers = servers.clone();
        t.add_cluster(None, Arc::new(servers));
        t.connect_all();
        if setup.unreliable {
            t.sim.set_reliable(false);
        }
        t
    }

    /// Records the return of every operation that completed since the last call, at the
    /// virtual time its clerk reported it.
    fn absorb_outputs(t: &mut KvTester<I>) -> Verdict {
        for obs in t.sim.take_outputs() {
            let (clerk, KvOutput::Done { value }) = (obs.node, obs.output);
            t.suite.recorder.returned(clerk, value, obs.at);
        }
        Ok(())
    }

    fn output_ready(t: &KvTester<I>, node: NodeId) -> bool {
        t.suite.recorder.has_result(node)
    }

    fn visit<R>(node: &Self::Node, f: impl FnOnce(&dyn RaftRead, &Observed) -> R) -> Option<R> {
        let server = node.as_server()?;
        Some(f(&reading(server.kv().raft()), server.observed()))
    }

    fn restart(t: &mut KvTester<I>, id: NodeId) -> Verdict {
        t.start_server(id.index())
    }

    fn describe(t: &KvTester<I>, id: NodeId) -> String {
        let i = id.index();
        match t.sim.node(id).and_then(KvNode::as_server) {
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

    /// The history judged (when the setup asks for it), with its metrics and lanes.
    fn report(t: &mut KvTester<I>, scenario: &str, config: &RunConfig, verdict: Verdict) -> Parts {
        let check = t.suite.check_history;
        clerk_parts(t, scenario, config, check, verdict)
    }
}

impl<I: Implementation> ClerkSuite for KvSuite<I> {
    fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    fn recorder_mut(&mut self) -> &mut Recorder {
        &mut self.recorder
    }

    fn begin_on(clerk: &mut Self::Node, ctx: &mut Context<'_, Self::Node>, op: Op) {
        clerk.begin(ctx, op);
    }
}

impl<I: Implementation> Tester<KvSuite<I>> {
    /// Number of servers.
    pub fn n(&self) -> usize {
        self.suite.servers.len()
    }

    /// Indices of all servers (the lab's `All()`).
    pub fn all(&self) -> Vec<usize> {
        (0..self.n()).collect()
    }

    /// Operations completed so far.
    pub fn ops(&self) -> u64 {
        self.suite.recorder.ops()
    }

    /// Every clerk, with its client id in the history, in the order they were made.
    pub fn clerks(&self) -> Vec<(NodeId, u64)> {
        self.suite.recorder.clerks()
    }

    /// The recorded history.
    pub fn history(&self) -> &KvHistory {
        self.suite.recorder.history()
    }

    /// The recorded history, to corrupt on purpose in tests of the checking path.
    #[cfg(test)]
    pub(crate) fn history_mut(&mut self) -> &mut KvHistory {
        self.suite.recorder.history_mut()
    }

    /// Both directions between server `i` and each server of `to`.
    fn server_pairs(&self, i: usize, to: &[usize]) -> Vec<(NodeId, NodeId)> {
        let a = self.suite.servers[i];
        to.iter()
            .filter(|&&j| j != i)
            .flat_map(|&j| [(a, self.suite.servers[j]), (self.suite.servers[j], a)])
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
        self.leader_index()
    }

    /// The lab's `makeClient(to)`: a new clerk, with a shuffled view of the servers,
    /// connected only to the servers in `to`.
    pub fn make_client(&mut self, to: &[usize]) -> NodeId {
        let client = kvraft::ClientId(self.suite.next_client);
        self.suite.next_client += 1;
        let mut order = self.suite.servers.clone();
        // The lab's random_handles: each clerk sees the servers in its own order.
        for k in (1..order.len()).rev() {
            let j = self.rng.below(k as u64 + 1) as usize;
            order.swap(k, j);
        }
        let id = self.sim.add_node(|_| KvNode::clerk(client, order));
        self.suite.recorder.add_clerk(id, client.0);
        self.connect_client(id, to);
        id
    }

    /// Both directions between a clerk and each server of `to`.
    fn clerk_pairs(&self, clerk: NodeId, to: &[usize]) -> Vec<(NodeId, NodeId)> {
        to.iter()
            .flat_map(|&i| {
                [
                    (clerk, self.suite.servers[i]),
                    (self.suite.servers[i], clerk),
                ]
            })
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

    /// Proposes `changes` to server `i`'s Raft (`RaftNode::change`): the index of the
    /// change's entry, the node's refusal, or `None` while `i` is crashed.
    ///
    /// # Errors
    /// A monitor's violation in the node after the call.
    pub fn change(
        &mut self,
        i: usize,
        changes: &[ConfChange],
    ) -> Result<Option<Result<LogIndex, ChangeRefused>>, Failure> {
        let id = self.suite.servers[i];
        let result = self.with_node(id, |s, ctx| s.change(ctx, changes))?;
        Ok(result.flatten())
    }

    /// The status of server `i`'s Raft, or `None` while it is crashed.
    pub fn server_status(&self, i: usize) -> Option<raft_contract::Status> {
        let node = self.sim.node(self.suite.servers[i])?;
        Some(node.as_server()?.kv().raft().status())
    }

    /// The lab's `ShutdownServer(i)`: cut off from the other servers, then crash.
    pub fn shutdown_server(&mut self, i: usize) {
        let pairs = self.server_pairs(i, &self.all());
        self.sim
            .set_links(&pairs, false, &format!("shutdown server {i}"));
        self.sim.crash(self.suite.servers[i]);
    }

    /// The lab's `StartServer(i)`: restart from the disk (links to other servers stay
    /// down until `connect_all`).
    ///
    /// # Errors
    /// A monitor's violation in the restarted server (Durability is checked here).
    pub fn start_server(&mut self, i: usize) -> Verdict {
        let (n, max) = (self.n(), self.suite.maxraftstate);
        let (settings, reads) = (&self.settings, self.reads);
        let config = self.suite.boot_configs[i];
        self.sim.restart(self.suite.servers[i], |init| {
            KvNode::member(init, n, config, max, settings, reads)
        });
        self.watch(self.suite.servers[i])
    }

    /// The lab's `LogSize()`: the largest saved Raft state.
    pub fn log_size(&self) -> usize {
        self.suite
            .servers
            .iter()
            .map(|&s| self.sim.disk(s).raft_state_size())
            .max()
            .unwrap_or(0)
    }

    /// Bytes of server `i`'s saved snapshot.
    pub fn snapshot_size_of(&self, i: usize) -> usize {
        self.sim.disk(self.suite.servers[i]).snapshot_size()
    }

    /// The lab's `SnapshotSize()`: the largest saved snapshot.
    pub fn snapshot_size(&self) -> usize {
        self.suite
            .servers
            .iter()
            .map(|&s| self.sim.disk(s).snapshot_size())
            .max()
            .unwrap_or(0)
    }

    /// Snapshots server `i` installed from a leader since it last started.
    pub fn snapshots_installed(&self, i: usize) -> u64 {
        self.sim
            .node(self.suite.servers[i])
            .and_then(KvNode::as_server)
            .map_or(0, |s| s.kv().snapshots_installed())
    }
}
