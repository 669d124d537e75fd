//! The sharded KV tester: the lab's `shardctrler/config.go` and `shardkv/config.go` in
//! virtual time, on the one tester core (`scheduler`).
//!
//! One simulation holds the shard controller (3 servers, and a second controller for
//! TestRejection), the replica groups (gids 100, 101, 102 ..., each a Raft cluster of
//! its own), the tester's controller clerks and the sharded clerks. Every Raft node of
//! every cluster is watched by the safety monitors after every event it handles, with
//! one set of monitors per cluster. Every sharded clerk operation is recorded in a
//! history that the linearizability checker judges at the end.

use super::judged::clerk_parts;
use super::reading::reading;
use super::recorder::Recorder;
use super::rig::Tester;
use super::rig::{Base, ClerkSuite, Suite};
use super::run::TEST_LIMIT;
use super::{ClusterId, ClusterName};
use crate::cluster::shard_node::{Directory, GroupSetup, ShardNode, ShardOutput};
use crate::engine::{Context, Instant, NodeId};
use crate::ensure;
use crate::implementation::Implementation;
use crate::monitor::observed::Observed;
use crate::monitor::RaftRead;
use crate::outcome::{Failure, Parts, Verdict};
use crate::scenario::RunConfig;
use kvraft::shardctrler::{Config, ConfigNum, CtrlAnswer, CtrlCommand, CtrlOp, Gid};
use kvraft::shardkv::{Defect, ShardEntry};
use kvraft::{ClientId, Op};
use raft_contract::{RaftFamily, RaftNode};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::sync::Arc;

/// The node type of implementation `I` under the sharded service.
pub type ShardNodeOf<I> =
    ShardNode<<I as RaftFamily>::Node<CtrlCommand>, <I as RaftFamily>::Node<ShardEntry>>;

/// The gid of group `gi` (the lab's `100 + gi`).
pub fn gid_of(gi: usize) -> Gid {
    Gid(100 + gi as u64)
}

/// How a sharded scenario's simulation is built (the lab's `make_config`).
#[derive(Clone, Copy, Debug)]
pub struct ShardSetup {
    /// Replica groups (0 for the controller's own tests).
    pub groups: usize,
    /// Servers per group.
    pub servers: usize,
    /// Servers of the controller.
    pub ctrl_servers: usize,
    /// Unreliable network (set after everything starts, as the lab does).
    pub unreliable: bool,
    /// The groups' `maxraftstate` (`None` for the lab's -1). The controller never
    /// snapshots, as in the lab.
    pub maxraftstate: Option<usize>,
    /// A bug planted in every group on purpose, for tests that show a scenario's check
    /// catches it (`None` in every scenario).
    pub defect: Option<Defect>,
}

/// A sharded KV simulation on Raft implementation `I`.
pub type ShardTester<I> = Tester<ShardSuite<I>>;

/// What the sharded tester has of its own: which clusters are controllers and groups,
/// the servers' directory, the tester's controller clerks, and the clerks' history.
pub struct ShardSuite<I> {
    setup: ShardSetup,
    /// The clusters that are controllers (controller 0 is the one the groups use).
    ctrl_clusters: Vec<ClusterId>,
    /// The cluster of each group.
    group_clusters: Vec<ClusterId>,
    directory: Arc<Directory>,
    /// The tester's controller clerk of each controller (the lab's `mck`).
    admins: Vec<NodeId>,
    next_client: u64,
    recorder: Recorder,
    /// Answers of controller clerks not yet taken.
    ctrl_answers: BTreeMap<NodeId, CtrlAnswer>,
    implementation: PhantomData<fn() -> I>,
}

impl<I: Implementation> Suite for ShardSuite<I> {
    type Node = ShardNodeOf<I>;
    type Setup = ShardSetup;

    /// The lab's `make_config(t, n, unreliable, maxraftstate)`: a controller of
    /// `setup.ctrl_servers` servers and `setup.groups` groups of `setup.servers`,
    /// everything connected, and the tester's controller clerk.
    fn build(base: &Base, setup: ShardSetup) -> ShardTester<I> {
        let suite = ShardSuite {
            setup,
            ctrl_clusters: Vec::new(),
            group_clusters: Vec::new(),
            directory: Arc::new(Directory::default()),
            admins: Vec::new(),
            next_client: 0,
            recorder: Recorder::default(),
            ctrl_answers: BTreeMap::new(),
            implementation: PhantomData,
        };
        let mut t = Tester::with_suite(base, suite);
        // Server names are known before the servers start: engine ids are handed out
        // in order, the controller's servers and its clerk first.
        let first_group = t.sim.len() + setup.ctrl_servers + 1;
        let mut directory = Directory::default();
        for gi in 0..setup.groups {
            for i in 0..setup.servers {
                let id = NodeId((first_group + gi * setup.servers + i) as u32);
                directory.add(ShardTester::<I>::server_name(gi, i), id);
            }
        }
        t.suite.directory = Arc::new(directory);
        t.start_ctrler_service();
        for gi in 0..setup.groups {
            t.start_group_service(gi);
        }
        if setup.unreliable {
            t.sim.set_reliable(false);
        }
        t
    }

    fn absorb_outputs(t: &mut ShardTester<I>) -> Verdict {
        for obs in t.sim.take_outputs() {
            match obs.output {
                ShardOutput::Kv { value } => t.suite.recorder.returned(obs.node, value, obs.at),
                ShardOutput::Ctrl(answer) => {
                    t.suite.ctrl_answers.insert(obs.node, answer);
                }
            }
        }
        Ok(())
    }

    fn output_ready(t: &ShardTester<I>, node: NodeId) -> bool {
        t.suite.recorder.has_result(node) || t.suite.ctrl_answers.contains_key(&node)
    }

    fn visit<R>(node: &Self::Node, f: impl FnOnce(&dyn RaftRead, &Observed) -> R) -> Option<R> {
        let observed = node.observed()?;
        match (node.as_ctrl(), node.as_group()) {
            (Some(s), _) => Some(f(&reading(s.raft()), observed)),
            (_, Some(s)) => Some(f(&reading(s.raft()), observed)),
            _ => None,
        }
    }

    fn restart(t: &mut ShardTester<I>, id: NodeId) -> Verdict {
        t.restart_id(id)
    }

    fn describe(t: &ShardTester<I>, id: NodeId) -> String {
        let (cluster, peer) = t.clusters.member(id).expect("a server");
        let peer = peer.0;
        let name = t
            .clusters
            .name(cluster)
            .expect("sharded clusters are named");
        match t.sim.node(id) {
            None => format!("{name} server {peer}: down"),
            Some(n) => match (n.as_ctrl(), n.as_group()) {
                (Some(s), _) => format!("{name} server {peer}: {}", s.raft().status()),
                (_, Some(s)) => {
                    let svc = s.service();
                    let states: Vec<String> = kvraft::shardctrler::Shard::all()
                        .map(|sh| svc.state(sh).to_string())
                        .collect();
                    format!(
                        "{name} server {peer}: {}, {}, shards [{}]",
                        s.raft().status(),
                        svc.config().num,
                        states.join(" ")
                    )
                }
                _ => format!("{name} server {peer}: not a server"),
            },
        }
    }

    /// The sharded clerks' history judged, with its metrics and lanes.
    fn report(
        t: &mut ShardTester<I>,
        scenario: &str,
        config: &RunConfig,
        verdict: Verdict,
    ) -> Parts {
        let check = true;
        clerk_parts(t, scenario, config, check, verdict)
    }
}

impl<I: Implementation> ClerkSuite for ShardSuite<I> {
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

impl<I: Implementation> Tester<ShardSuite<I>> {
    /// The lab's name of server `i` of group `gi`.
    pub fn server_name(gi: usize, i: usize) -> String {
        format!("server-{}-{i}", gid_of(gi).0)
    }

    /// Starts a controller (the lab's `StartCtrlerService`) with its own controller
    /// clerk, and returns its index (0 for the first, which the groups use).
    pub fn start_ctrler_service(&mut self) -> usize {
        let n = self.suite.setup.ctrl_servers;
        let base = self.sim.len();
        let peers: Arc<Vec<NodeId>> = Arc::new((0..n).map(|i| NodeId((base + i) as u32)).collect());
        let ctrl = self.suite.ctrl_clusters.len();
        let name = ClusterName::Controller { ordinal: ctrl };
        let first = self.clusters.all_servers().count();
        let cluster = self.add_cluster(Some(name), peers.clone());
        self.suite.ctrl_clusters.push(cluster);
        for i in 0..n {
            let p = peers.clone();
            let settings = self.settings.clone();
            let id = self.add_server(first + i, |init| ShardNode::ctrl(init, p, None, &settings));
            assert_eq!(self.server_id(first + i), id, "controller server {i}");
        }
        self.connect_all();
        let admin = self.make_ctrl_clerk(ctrl);
        self.suite.admins.push(admin);
        ctrl
    }

    /// Starts the servers of group `gi`.
    fn start_group_service(&mut self, gi: usize) {
        let n = self.suite.setup.servers;
        let base = self.sim.len();
        let peers: Arc<Vec<NodeId>> = Arc::new((0..n).map(|i| NodeId((base + i) as u32)).collect());
        let first = self.clusters.all_servers().count();
        let cluster = self.add_cluster(
            Some(ClusterName::Group { gid: gid_of(gi).0 }),
            peers.clone(),
        );
        assert_eq!(self.suite.group_clusters.len(), gi, "groups start in order");
        self.suite.group_clusters.push(cluster);
        for i in 0..n {
            let make = self.group_maker(gi);
            let id = self.add_server(first + i, make);
            assert_eq!(self.server_id(first + i), id, "group {gi} server {i}");
            assert_eq!(self.suite.directory.id(&Self::server_name(gi, i)), Some(id));
        }
        self.connect_all();
    }

    /// How server of group `gi` is built, at its start and every restart.
    fn group_maker(&self, gi: usize) -> impl FnOnce(crate::engine::NodeInit<'_>) -> ShardNodeOf<I> {
        let peers = self.clusters.servers(self.suite.group_clusters[gi]).clone();
        let ctrl = self.clusters.servers(self.suite.ctrl_clusters[0]).clone();
        let directory = self.suite.directory.clone();
        let setup = GroupSetup {
            maxraftstate: self.suite.setup.maxraftstate,
            defect: self.suite.setup.defect,
        };
        let settings = self.settings.clone();
        move |init| ShardNode::group(init, gid_of(gi), peers, ctrl, directory, setup, &settings)
    }

    /// Every node linked both ways with every server (clerks and servers alike).
    fn connect_all(&mut self) {
        let mut servers: Vec<NodeId> = self.clusters.all_servers().collect();
        servers.sort();
        let all: Vec<NodeId> = (0..self.sim.len()).map(|i| NodeId(i as u32)).collect();
        let mut pairs = Vec::new();
        for &s in &servers {
            for &a in &all {
                if a != s && !self.sim.net().link(a, s) {
                    pairs.push((a, s));
                    pairs.push((s, a));
                }
            }
        }
        if !pairs.is_empty() {
            self.sim.set_links(&pairs, true, "connect all");
        }
    }

    /// The servers of controller `ctrl`, shuffled (the lab's `random_handles`).
    fn shuffled_ctrl(&mut self, ctrl: usize) -> Vec<NodeId> {
        let mut order = self.ctrl_servers(ctrl).to_vec();
        for k in (1..order.len()).rev() {
            let j = self.rng.below(k as u64 + 1) as usize;
            order.swap(k, j);
        }
        order
    }

    fn next_client_id(&mut self) -> ClientId {
        let id = ClientId(self.suite.next_client);
        self.suite.next_client += 1;
        id
    }

    /// A new controller clerk of controller `ctrl` (the shardctrler tests'
    /// `makeClient(cfg.All())`).
    pub fn make_ctrl_clerk(&mut self, ctrl: usize) -> NodeId {
        let client = self.next_client_id();
        let order = self.shuffled_ctrl(ctrl);
        let id = self.sim.add_node(|_| ShardNode::admin(client, order));
        self.connect_all();
        id
    }

    /// The lab's `makeClient(ctl)`: a new sharded clerk that asks controller `ctrl`.
    pub fn make_client(&mut self, ctrl: usize) -> NodeId {
        let client = self.next_client_id();
        let order = self.shuffled_ctrl(ctrl);
        let directory = self.suite.directory.clone();
        let id = self
            .sim
            .add_node(|_| ShardNode::clerk(client, order, directory));
        self.suite.recorder.add_clerk(id, client.0);
        self.connect_all();
        id
    }

    /// The tester's controller clerk of controller `ctrl`.
    pub fn admin(&self, ctrl: usize) -> NodeId {
        self.suite.admins[ctrl]
    }

    /// Starts a controller operation on controller clerk `clerk`.
    ///
    /// # Errors
    /// A monitor's violation in the events this causes.
    pub fn ctrl_begin(&mut self, clerk: NodeId, op: CtrlOp) -> Verdict {
        self.with_node(clerk, |c, ctx| c.begin_ctrl(ctx, op))?
            .expect("clerks never crash");
        Ok(())
    }

    /// The answer of `clerk`'s controller operation, if it came and nobody took it.
    pub fn take_ctrl_answer(&mut self, clerk: NodeId) -> Option<CtrlAnswer> {
        self.suite.ctrl_answers.remove(&clerk)
    }

    /// A blocking controller operation: waits for its answer, at the latest until the
    /// test's 120 s limit.
    ///
    /// # Errors
    /// A task's or a monitor's failure, or no answer by the limit.
    pub fn ctrl_op(&mut self, clerk: NodeId, op: CtrlOp) -> Result<CtrlAnswer, Failure> {
        let what = op.to_string();
        self.ctrl_begin(clerk, op)?;
        let deadline = (Instant::ZERO + TEST_LIMIT).max(self.now());
        let done = self.run_until(deadline, |t| t.suite.ctrl_answers.contains_key(&clerk))?;
        ensure!(
            done,
            "{what} by {clerk} did not complete by the 120 s limit"
        );
        Ok(self.take_ctrl_answer(clerk).expect("answered"))
    }

    /// A Join, Leave or Move that must succeed.
    ///
    /// # Errors
    /// As [`Tester::ctrl_op`], or the controller refused it.
    pub fn ctrl_change(&mut self, clerk: NodeId, op: CtrlOp) -> Verdict {
        let what = op.to_string();
        match self.ctrl_op(clerk, op)? {
            CtrlAnswer::Changed => Ok(()),
            other => Err(Failure(format!(
                "{what}: the controller answered {other:?}"
            ))),
        }
    }

    /// The lab's `Query(num)` (`None`: -1).
    ///
    /// # Errors
    /// As [`Tester::ctrl_op`], or an answer that is not a configuration.
    pub fn query(&mut self, clerk: NodeId, num: Option<ConfigNum>) -> Result<Config, Failure> {
        match self.ctrl_op(clerk, CtrlOp::Query { num })? {
            CtrlAnswer::Config(c) => Ok(c),
            other => Err(Failure(format!("Query answered {other:?}"))),
        }
    }

    /// The Join of groups `gis` with their servers (the lab's `joinm`).
    pub fn join_op(&self, gis: &[usize]) -> CtrlOp {
        let groups = gis
            .iter()
            .map(|&gi| {
                let names = (0..self.suite.setup.servers)
                    .map(|i| Self::server_name(gi, i))
                    .collect();
                (gid_of(gi), names)
            })
            .collect();
        CtrlOp::Join { groups }
    }

    /// The lab's `joinm(gis)` through the tester's controller clerk.
    ///
    /// # Errors
    /// As [`Tester::ctrl_change`].
    pub fn joinm(&mut self, gis: &[usize]) -> Verdict {
        let op = self.join_op(gis);
        self.ctrl_change(self.suite.admins[0], op)
    }

    /// The lab's `join(gi)`.
    ///
    /// # Errors
    /// As [`Tester::ctrl_change`].
    pub fn join(&mut self, gi: usize) -> Verdict {
        self.joinm(&[gi])
    }

    /// The lab's `leavem(gis)`.
    ///
    /// # Errors
    /// As [`Tester::ctrl_change`].
    pub fn leavem(&mut self, gis: &[usize]) -> Verdict {
        let gids = gis.iter().map(|&gi| gid_of(gi)).collect();
        self.ctrl_change(self.suite.admins[0], CtrlOp::Leave { gids })
    }

    /// The lab's `leave(gi)`.
    ///
    /// # Errors
    /// As [`Tester::ctrl_change`].
    pub fn leave(&mut self, gi: usize) -> Verdict {
        self.leavem(&[gi])
    }

    /// The engine ids of group `gi`'s servers.
    pub fn group_servers(&self, gi: usize) -> &[NodeId] {
        self.clusters
            .servers(self.suite.group_clusters[gi])
            .as_slice()
    }

    /// The engine ids of controller `ctrl`'s servers.
    pub fn ctrl_servers(&self, ctrl: usize) -> &[NodeId] {
        self.clusters
            .servers(self.suite.ctrl_clusters[ctrl])
            .as_slice()
    }

    /// The lab's `ShutdownServer(gi, i)`: the server crashes; its disk stays.
    pub fn shutdown_server(&mut self, gi: usize, i: usize) {
        let id = self.group_servers(gi)[i];
        self.sim.crash(id);
    }

    /// The lab's `StartServer(gi, i)`: restarts it from its disk.
    ///
    /// # Errors
    /// A monitor's violation in the restarted server (Durability is checked here).
    pub fn start_server(&mut self, gi: usize, i: usize) -> Verdict {
        let id = self.group_servers(gi)[i];
        self.restart_id(id)
    }

    /// The lab's `ShutdownGroup(gi)`.
    pub fn shutdown_group(&mut self, gi: usize) {
        for i in 0..self.suite.setup.servers {
            self.shutdown_server(gi, i);
        }
    }

    /// The lab's `StartGroup(gi)`.
    ///
    /// # Errors
    /// As [`Tester::start_server`].
    pub fn start_group(&mut self, gi: usize) -> Verdict {
        for i in 0..self.suite.setup.servers {
            self.start_server(gi, i)?;
        }
        Ok(())
    }

    /// The shardctrler tester's `ShutdownServer(i)` on controller 0.
    pub fn shutdown_ctrl(&mut self, i: usize) {
        let id = self.ctrl_servers(0)[i];
        self.sim.crash(id);
    }

    /// The shardctrler tester's `StartServer(i)` on controller 0.
    ///
    /// # Errors
    /// A monitor's violation in the restarted server.
    pub fn start_ctrl(&mut self, i: usize) -> Verdict {
        let id = self.ctrl_servers(0)[i];
        self.restart_id(id)
    }

    /// The shardctrler tester's `Leader()`: the first live controller server that
    /// believes it leads.
    pub fn ctrl_leader(&self) -> Option<usize> {
        (0..self.suite.setup.ctrl_servers).find(|&i| self.leads(self.ctrl_servers(0)[i]))
    }

    /// The lab's `checklogs()`: every group server's Raft state at most 8 x
    /// maxraftstate, or no snapshot at all when snapshots are off.
    ///
    /// # Errors
    /// The first server over the limit.
    pub fn check_logs(&self) -> Verdict {
        for gi in 0..self.suite.setup.groups {
            for (i, &id) in self.group_servers(gi).iter().enumerate() {
                let disk = self.sim.disk(id);
                let (raft, snap) = (disk.raft_state_size(), disk.snapshot_size());
                match self.suite.setup.maxraftstate {
                    Some(m) => ensure!(
                        raft <= 8 * m,
                        "persister.RaftStateSize() {raft}, but maxraftstate {m} (group {} server {i})",
                        gid_of(gi).0
                    ),
                    None => ensure!(
                        snap == 0,
                        "maxraftstate is -1, but snapshot is non-empty ({snap} bytes, group {} server {i})",
                        gid_of(gi).0
                    ),
                }
            }
        }
        Ok(())
    }

    /// Raft state plus snapshot, summed over every group server (TestChallenge1Delete).
    pub fn persisted_total(&self) -> usize {
        (0..self.suite.setup.groups)
            .flat_map(|gi| self.group_servers(gi).to_vec())
            .map(|id| {
                let disk = self.sim.disk(id);
                disk.raft_state_size() + disk.snapshot_size()
            })
            .sum()
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.suite.setup.groups
    }

    /// Restarts server `id` (of any cluster) from its disk if it is down.
    ///
    /// # Errors
    /// A monitor's violation in the restarted server (Durability is checked here).
    fn restart_id(&mut self, id: NodeId) -> Verdict {
        if self.sim.is_alive(id) {
            return Ok(());
        }
        let (cluster, _) = self.clusters.member(id).expect("a server");
        if let Some(gi) = self.suite.group_clusters.iter().position(|&c| c == cluster) {
            let make = self.group_maker(gi);
            self.sim.restart(id, make);
        } else {
            let peers = self.clusters.servers(cluster).clone();
            let settings = &self.settings;
            self.sim
                .restart(id, |init| ShardNode::ctrl(init, peers, None, settings));
        }
        self.watch(id)
    }

    /// Every sharded clerk, with its client id in the history.
    pub fn clerks(&self) -> Vec<(NodeId, u64)> {
        self.suite.recorder.clerks()
    }

    /// Operations completed so far.
    pub fn ops(&self) -> u64 {
        self.suite.recorder.ops()
    }

    /// The recorded history.
    pub fn history(&self) -> &super::recorder::KvHistory {
        self.suite.recorder.history()
    }

    /// The recorded history, to corrupt on purpose in tests of the checking path.
    #[cfg(test)]
    pub(crate) fn history_mut(&mut self) -> &mut super::recorder::KvHistory {
        self.suite.recorder.history_mut()
    }
}
