//! The sharded KV tester: the lab's `shardctrler/config.go` and `shardkv/config.go` in
//! virtual time, on the one tester core (`scheduler`).
//!
//! One simulation holds the shard controller (3 servers, and a second controller for
//! TestRejection), the replica groups (gids 100, 101, 102 ..., each a Raft cluster of
//! its own), the tester's controller clerks and the sharded clerks. Every Raft node of
//! every cluster is watched by the safety monitors after every event it handles, with
//! one set of monitors per cluster. Every sharded clerk operation is recorded in a
//! history that the linearizability checker judges at the end.

use super::clerk_ops::ClerkOps;
use super::fault_target::FaultTarget;
use super::recorder::Recorder;
use super::scheduler::{self, Harness, Task, Tasks};
use super::shard_node::{Directory, GroupSetup, ShardNode, ShardOutput};
use super::trap::{self, Trap};
use super::TEST_LIMIT;
use crate::engine::{Duration, Instant, NetConfig, NodeId, Sim, SimOptions, SimRng};
use crate::ensure;
use crate::implementation::Implementation;
use crate::monitor::Monitors;
use crate::scenario::{Failure, Verdict};
use kvraft::shardctrler::{Config, ConfigNum, CtrlAnswer, CtrlCommand, CtrlOp, Gid};
use kvraft::shardkv::{Defect, ShardEntry};
use kvraft::{ClientId, Op};
use raft_contract::{RaftFamily, RaftNode};
use std::collections::BTreeMap;
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

/// A Raft cluster of the simulation: a controller or a group.
struct Cluster {
    /// "controller", "controller 2", "group 101".
    name: String,
    servers: Arc<Vec<NodeId>>,
    monitors: Monitors,
}

/// A sharded KV simulation on Raft implementation `I`.
pub struct ShardTester<I: Implementation> {
    /// The simulation.
    pub sim: Sim<ShardNodeOf<I>>,
    /// The scenario's own random choices.
    pub rng: SimRng,
    setup: ShardSetup,
    /// Every Raft cluster, in the order they started.
    clusters: Vec<Cluster>,
    /// Whether clusters get safety monitors ([`ShardTester::unmonitor`] turns them off).
    monitored: bool,
    /// The clusters that are controllers (controller 0 is the one the groups use).
    ctrl_clusters: Vec<usize>,
    /// The cluster of each group.
    group_clusters: Vec<usize>,
    /// The cluster and Raft peer index of every server.
    members: BTreeMap<NodeId, (usize, u32)>,
    directory: Arc<Directory>,
    /// The tester's controller clerk of each controller (the lab's `mck`).
    admins: Vec<NodeId>,
    next_client: u64,
    recorder: Recorder,
    /// Answers of controller clerks not yet taken.
    ctrl_answers: BTreeMap<NodeId, CtrlAnswer>,
    tasks: Tasks<ShardTester<I>>,
    /// A trap armed by fault injection, checked after every event.
    pub trap: Option<Trap>,
    /// Scenario-specific figures for the outcome.
    pub metrics: Vec<(String, f64)>,
}

impl<I: Implementation> Harness for ShardTester<I> {
    type Node = ShardNodeOf<I>;

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
        for obs in self.sim.take_outputs() {
            match obs.output {
                ShardOutput::Kv { value } => self.recorder.returned(obs.node, value, obs.at),
                ShardOutput::Ctrl(answer) => {
                    self.ctrl_answers.insert(obs.node, answer);
                }
            }
        }
        Ok(())
    }

    fn output_ready(&self, node: NodeId) -> bool {
        self.recorder.has_result(node) || self.ctrl_answers.contains_key(&node)
    }

    fn watch(&mut self, node: NodeId) -> Verdict {
        let Some(&(cluster, peer)) = self.members.get(&node) else {
            return Ok(());
        };
        let Some(n) = self.sim.node(node) else {
            return Ok(());
        };
        let observed = n.observed().expect("a server observes");
        let (incarnation, event) = (self.sim.incarnation(node), self.sim.events());
        let trace = self.sim.trace().text();
        let c = &mut self.clusters[cluster];
        let peer_id = NodeId(peer);
        let watched = match (n.as_ctrl(), n.as_group()) {
            (Some(s), _) => {
                c.monitors
                    .watch(peer_id, incarnation, event, s.raft(), observed, trace)
            }
            (_, Some(s)) => {
                c.monitors
                    .watch(peer_id, incarnation, event, s.raft(), observed, trace)
            }
            _ => Ok(()),
        };
        watched.map_err(|f| Failure(format!("{} (server {node}): {}", c.name, f.0)))?;
        if self.trap.is_some() {
            let observed = observed.clone();
            let status = match (n.as_ctrl(), n.as_group()) {
                (Some(s), _) => Some(s.raft().status()),
                (_, Some(s)) => Some(s.raft().status()),
                _ => None,
            };
            trap::check(self, node, status, &observed)?;
        }
        Ok(())
    }
}

/// Every Raft server of the simulation is a server faults can hit, cluster by cluster
/// in the order they started (the controller first), each in peer order.
impl<I: Implementation> FaultTarget for ShardTester<I> {
    fn server_ids(&self) -> Vec<NodeId> {
        self.clusters
            .iter()
            .flat_map(|c| c.servers.iter().copied())
            .collect()
    }

    fn leader_index(&self) -> Option<usize> {
        self.server_ids().iter().position(|&id| self.leads(id))
    }

    fn crash_server(&mut self, i: usize) {
        let id = self.server_ids()[i];
        self.sim.crash(id);
    }

    fn restart_server(&mut self, i: usize) -> Verdict {
        let id = self.server_ids()[i];
        self.restart(id)
    }

    fn trap(&mut self) -> &mut Option<Trap> {
        &mut self.trap
    }

    fn describe(&self, i: usize) -> String {
        let id = self.server_ids()[i];
        let (cluster, peer) = self.members[&id];
        let name = &self.clusters[cluster].name;
        match self.sim.node(id) {
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
}

impl<I: Implementation> ClerkOps for ShardTester<I> {
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

impl<I: Implementation> ShardTester<I> {
    /// The lab's `make_config(t, n, unreliable, maxraftstate)`: a controller of
    /// `setup.ctrl_servers` servers and `setup.groups` groups of `setup.servers`,
    /// everything connected, and the tester's controller clerk.
    pub fn new(seed: u64, keep_trace: bool, setup: ShardSetup) -> ShardTester<I> {
        let sim = Sim::new(seed, NetConfig::default(), SimOptions { keep_trace });
        let mut t = ShardTester {
            sim,
            rng: SimRng::new(0),
            setup,
            clusters: Vec::new(),
            ctrl_clusters: Vec::new(),
            group_clusters: Vec::new(),
            members: BTreeMap::new(),
            directory: Arc::new(Directory::default()),
            admins: Vec::new(),
            next_client: 0,
            recorder: Recorder::default(),
            ctrl_answers: BTreeMap::new(),
            tasks: Tasks::default(),
            trap: None,
            metrics: Vec::new(),
            monitored: true,
        };
        t.rng = t.sim.fork_rng();
        // Server names are known before the servers start: engine ids are handed out
        // in order, the controller's servers and its clerk first.
        let first_group = t.sim.len() + setup.ctrl_servers + 1;
        let mut directory = Directory::default();
        for gi in 0..setup.groups {
            for i in 0..setup.servers {
                let id = NodeId((first_group + gi * setup.servers + i) as u32);
                directory.add(Self::server_name(gi, i), id);
            }
        }
        t.directory = Arc::new(directory);
        t.start_ctrler_service();
        for gi in 0..setup.groups {
            t.start_group_service(gi);
        }
        if setup.unreliable {
            t.sim.set_reliable(false);
        }
        t
    }

    /// The lab's name of server `i` of group `gi`.
    pub fn server_name(gi: usize, i: usize) -> String {
        format!("server-{}-{i}", gid_of(gi).0)
    }

    /// Starts a controller (the lab's `StartCtrlerService`) with its own controller
    /// clerk, and returns its index (0 for the first, which the groups use).
    pub fn start_ctrler_service(&mut self) -> usize {
        let n = self.setup.ctrl_servers;
        let base = self.sim.len();
        let peers: Arc<Vec<NodeId>> = Arc::new((0..n).map(|i| NodeId((base + i) as u32)).collect());
        let ctrl = self.ctrl_clusters.len();
        let name = match ctrl {
            0 => "controller".to_string(),
            k => format!("controller {}", k + 1),
        };
        let cluster = self.add_cluster(name, peers.clone());
        self.ctrl_clusters.push(cluster);
        for _ in 0..n {
            let p = peers.clone();
            self.sim.add_node(|init| ShardNode::ctrl(init, p, None));
        }
        self.connect_all();
        let admin = self.make_ctrl_clerk(ctrl);
        self.admins.push(admin);
        ctrl
    }

    /// Starts the servers of group `gi`.
    fn start_group_service(&mut self, gi: usize) {
        let n = self.setup.servers;
        let base = self.sim.len();
        let peers: Arc<Vec<NodeId>> = Arc::new((0..n).map(|i| NodeId((base + i) as u32)).collect());
        let cluster = self.add_cluster(format!("group {}", gid_of(gi).0), peers.clone());
        assert_eq!(self.group_clusters.len(), gi, "groups start in order");
        self.group_clusters.push(cluster);
        for i in 0..n {
            let make = self.group_maker(gi);
            let id = self.sim.add_node(make);
            assert_eq!(self.directory.id(&Self::server_name(gi, i)), Some(id));
        }
        self.connect_all();
    }

    /// Registers a Raft cluster whose servers will be `servers`.
    fn add_cluster(&mut self, name: String, servers: Arc<Vec<NodeId>>) -> usize {
        let index = self.clusters.len();
        for (peer, &id) in servers.iter().enumerate() {
            self.members.insert(id, (index, peer as u32));
        }
        let monitors = match self.monitored {
            true => Monitors::new(servers.len()),
            false => Monitors::off(),
        };
        self.clusters.push(Cluster {
            name,
            servers,
            monitors,
        });
        index
    }

    /// How server of group `gi` is built, at its start and every restart.
    fn group_maker(&self, gi: usize) -> impl FnOnce(crate::engine::NodeInit<'_>) -> ShardNodeOf<I> {
        let peers = self.clusters[self.group_clusters[gi]].servers.clone();
        let ctrl = self.clusters[self.ctrl_clusters[0]].servers.clone();
        let directory = self.directory.clone();
        let setup = GroupSetup {
            maxraftstate: self.setup.maxraftstate,
            defect: self.setup.defect,
        };
        move |init| ShardNode::group(init, gid_of(gi), peers, ctrl, directory, setup)
    }

    /// Every node linked both ways with every server (clerks and servers alike).
    fn connect_all(&mut self) {
        let servers: Vec<NodeId> = self.members.keys().copied().collect();
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
        let id = ClientId(self.next_client);
        self.next_client += 1;
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
        let directory = self.directory.clone();
        let id = self
            .sim
            .add_node(|_| ShardNode::clerk(client, order, directory));
        self.recorder.add_clerk(id, client.0);
        self.connect_all();
        id
    }

    /// The tester's controller clerk of controller `ctrl`.
    pub fn admin(&self, ctrl: usize) -> NodeId {
        self.admins[ctrl]
    }

    /// Starts a controller operation on controller clerk `clerk`.
    ///
    /// # Errors
    /// A monitor's violation in the events this causes.
    pub fn ctrl_begin(&mut self, clerk: NodeId, op: CtrlOp) -> Verdict {
        scheduler::with_node(self, clerk, |c, ctx| c.begin_ctrl(ctx, op))?
            .expect("clerks never crash");
        Ok(())
    }

    /// The answer of `clerk`'s controller operation, if it came and nobody took it.
    pub fn take_ctrl_answer(&mut self, clerk: NodeId) -> Option<CtrlAnswer> {
        self.ctrl_answers.remove(&clerk)
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
        let done = self.run_until(deadline, |t| t.ctrl_answers.contains_key(&clerk))?;
        ensure!(
            done,
            "{what} by {clerk} did not complete by the 120 s limit"
        );
        Ok(self.take_ctrl_answer(clerk).expect("answered"))
    }

    /// A Join, Leave or Move that must succeed.
    ///
    /// # Errors
    /// As [`ShardTester::ctrl_op`], or the controller refused it.
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
    /// As [`ShardTester::ctrl_op`], or an answer that is not a configuration.
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
                let names = (0..self.setup.servers)
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
    /// As [`ShardTester::ctrl_change`].
    pub fn joinm(&mut self, gis: &[usize]) -> Verdict {
        let op = self.join_op(gis);
        self.ctrl_change(self.admins[0], op)
    }

    /// The lab's `join(gi)`.
    ///
    /// # Errors
    /// As [`ShardTester::ctrl_change`].
    pub fn join(&mut self, gi: usize) -> Verdict {
        self.joinm(&[gi])
    }

    /// The lab's `leavem(gis)`.
    ///
    /// # Errors
    /// As [`ShardTester::ctrl_change`].
    pub fn leavem(&mut self, gis: &[usize]) -> Verdict {
        let gids = gis.iter().map(|&gi| gid_of(gi)).collect();
        self.ctrl_change(self.admins[0], CtrlOp::Leave { gids })
    }

    /// The lab's `leave(gi)`.
    ///
    /// # Errors
    /// As [`ShardTester::ctrl_change`].
    pub fn leave(&mut self, gi: usize) -> Verdict {
        self.leavem(&[gi])
    }

    /// The engine ids of group `gi`'s servers.
    pub fn group_servers(&self, gi: usize) -> &[NodeId] {
        &self.clusters[self.group_clusters[gi]].servers
    }

    /// The engine ids of controller `ctrl`'s servers.
    pub fn ctrl_servers(&self, ctrl: usize) -> &[NodeId] {
        &self.clusters[self.ctrl_clusters[ctrl]].servers
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
        self.restart(id)
    }

    /// Restarts server `id` (of any cluster) from its disk if it is down.
    ///
    /// # Errors
    /// A monitor's violation in the restarted server (Durability is checked here).
    fn restart(&mut self, id: NodeId) -> Verdict {
        if self.sim.is_alive(id) {
            return Ok(());
        }
        let (cluster, _) = self.members[&id];
        if let Some(gi) = self.group_clusters.iter().position(|&c| c == cluster) {
            let make = self.group_maker(gi);
            self.sim.restart(id, make);
        } else {
            let peers = self.clusters[cluster].servers.clone();
            self.sim
                .restart(id, |init| ShardNode::ctrl(init, peers, None));
        }
        self.watch(id)
    }

    /// True when server `id` is up and believes it leads its cluster.
    fn leads(&self, id: NodeId) -> bool {
        self.sim
            .node(id)
            .is_some_and(|n| match (n.as_ctrl(), n.as_group()) {
                (Some(s), _) => s.raft().state().1,
                (_, Some(s)) => s.raft().state().1,
                _ => false,
            })
    }

    /// The lab's `ShutdownGroup(gi)`.
    pub fn shutdown_group(&mut self, gi: usize) {
        for i in 0..self.setup.servers {
            self.shutdown_server(gi, i);
        }
    }

    /// The lab's `StartGroup(gi)`.
    ///
    /// # Errors
    /// As [`ShardTester::start_server`].
    pub fn start_group(&mut self, gi: usize) -> Verdict {
        for i in 0..self.setup.servers {
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
        self.restart(id)
    }

    /// The shardctrler tester's `Leader()`: the first live controller server that
    /// believes it leads.
    pub fn ctrl_leader(&self) -> Option<usize> {
        (0..self.setup.ctrl_servers).find(|&i| self.leads(self.ctrl_servers(0)[i]))
    }

    /// The lab's `checklogs()`: every group server's Raft state at most 8 x
    /// maxraftstate, or no snapshot at all when snapshots are off.
    ///
    /// # Errors
    /// The first server over the limit.
    pub fn check_logs(&self) -> Verdict {
        for gi in 0..self.setup.groups {
            for (i, &id) in self.group_servers(gi).iter().enumerate() {
                let disk = self.sim.disk(id);
                let (raft, snap) = (disk.raft_state_size(), disk.snapshot_size());
                match self.setup.maxraftstate {
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
        (0..self.setup.groups)
            .flat_map(|gi| self.group_servers(gi).to_vec())
            .map(|id| {
                let disk = self.sim.disk(id);
                disk.raft_state_size() + disk.snapshot_size()
            })
            .sum()
    }

    /// Number of groups.
    pub fn groups(&self) -> usize {
        self.setup.groups
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.sim.now()
    }

    /// Turns the safety monitors off in every cluster, started or to come (the
    /// unmonitored pass that measures what monitoring costs).
    pub fn unmonitor(&mut self) {
        self.monitored = false;
        for c in &mut self.clusters {
            c.monitors = Monitors::off();
        }
    }

    /// The first monitor violation in any cluster, with the engine node it names first
    /// (monitors name Raft peers, which are indices into their cluster).
    pub fn violation(&self) -> Option<(&crate::monitor::Violation, Option<NodeId>)> {
        self.clusters.iter().find_map(|c| {
            let v = c.monitors.violation()?;
            let node = v
                .nodes
                .first()
                .and_then(|p| c.servers.get(p.0 as usize).copied());
            Some((v, node))
        })
    }

    /// Every Raft cluster ("controller", "group 100", ...) with its servers, in the
    /// order they started.
    pub fn clusters(&self) -> Vec<(String, Vec<NodeId>)> {
        self.clusters
            .iter()
            .map(|c| (c.name.clone(), c.servers.to_vec()))
            .collect()
    }

    /// Every sharded clerk, with its client id in the history.
    pub fn clerks(&self) -> Vec<(NodeId, u64)> {
        self.recorder.clerks()
    }

    /// Operations completed so far.
    pub fn ops(&self) -> u64 {
        self.recorder.ops()
    }

    /// The recorded history.
    pub fn history(&self) -> &super::recorder::KvHistory {
        self.recorder.history()
    }

    /// The recorded history, to corrupt on purpose in tests of the checking path.
    #[cfg(test)]
    pub(crate) fn history_mut(&mut self) -> &mut super::recorder::KvHistory {
        self.recorder.history_mut()
    }

    /// Starts a concurrent task, first polled now.
    pub fn spawn(&mut self, task: impl Task<ShardTester<I>> + 'static) {
        scheduler::spawn(self, task);
    }

    /// Runs until `done` holds or `deadline` passes, polling tasks. Returns whether
    /// `done` held.
    ///
    /// # Errors
    /// The first failure of a task or a monitor.
    pub fn run_until(
        &mut self,
        deadline: Instant,
        done: impl FnMut(&ShardTester<I>) -> bool,
    ) -> Result<bool, Failure> {
        scheduler::run_until(self, deadline, done)
    }

    /// The lab's `time.Sleep(d)`.
    ///
    /// # Errors
    /// As [`ShardTester::run_until`].
    pub fn sleep(&mut self, d: Duration) -> Verdict {
        let deadline = self.now() + d;
        self.run_until(deadline, |_| false).map(|_| ())
    }
}
