//! The Raft clusters of a simulation, each with its own safety monitors: the one cluster
//! of the Raft and KV testers, or the controllers and replica groups of the sharded
//! tester. Every server belongs to one cluster, as a Raft peer of it.

use crate::engine::NodeId;
use crate::monitor::{Monitors, Violation};
use crate::outcome::{Failure, Verdict};
use std::fmt;
use std::sync::Arc;

/// Which Raft cluster of a simulation: an index in start order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct ClusterId(pub usize);

/// The name of a Raft cluster of a sharded simulation. A simulation of one cluster (the
/// Raft and KV testers) leaves its cluster unnamed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClusterName {
    /// A shard controller; the first (`ordinal` 0) is the one the groups use.
    Controller {
        /// 0 for the first controller, 1 for the second (TestRejection's).
        ordinal: usize,
    },
    /// A replica group.
    Group {
        /// The group's gid.
        gid: u64,
    },
}

impl fmt::Display for ClusterName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClusterName::Controller { ordinal: 0 } => write!(f, "controller"),
            ClusterName::Controller { ordinal } => write!(f, "controller {}", ordinal + 1),
            ClusterName::Group { gid } => write!(f, "group {gid}"),
        }
    }
}

impl ClusterName {
    /// The short form a timeline lane carries after the node's name (`ctrl`, `g100`).
    pub fn short(&self) -> String {
        match self {
            ClusterName::Controller { ordinal: 0 } => "ctrl".to_string(),
            ClusterName::Controller { ordinal } => format!("ctrl {}", ordinal + 1),
            ClusterName::Group { gid } => format!("g{gid}"),
        }
    }
}

/// One watched Raft cluster.
struct Watched {
    name: Option<ClusterName>,
    servers: Arc<Vec<NodeId>>,
    monitors: Monitors,
}

/// Every Raft cluster of a simulation with its monitors, and the cluster and peer index
/// of every server.
#[derive(Default)]
pub struct Clusters {
    list: Vec<Watched>,
    /// By engine node index: the cluster and Raft peer index of a server.
    members: Vec<Option<(ClusterId, NodeId)>>,
    /// Whether new clusters get monitors that check ([`Clusters::unmonitor`]).
    unmonitored: bool,
}

impl Clusters {
    /// Registers a Raft cluster whose servers are (or will be) `servers`, peer `k` at
    /// position `k`, of a Raft with the membership changes `membership` says.
    pub fn add(
        &mut self,
        name: Option<ClusterName>,
        servers: Arc<Vec<NodeId>>,
        membership: Option<raft_contract::Membership>,
    ) -> ClusterId {
        let id = ClusterId(self.list.len());
        for (peer, &node) in servers.iter().enumerate() {
            if self.members.len() <= node.index() {
                self.members.resize(node.index() + 1, None);
            }
            assert!(
                self.members[node.index()].is_none(),
                "{node} is a server of two clusters"
            );
            let peer = NodeId(u32::try_from(peer).expect("fewer than 2^32 peers"));
            self.members[node.index()] = Some((id, peer));
        }
        let monitors = match self.unmonitored {
            true => Monitors::off(),
            false => Monitors::with_membership(servers.len(), membership),
        };
        self.list.push(Watched {
            name,
            servers,
            monitors,
        });
        id
    }

    /// Turns the monitors off, in every cluster and in those still to come: only to
    /// measure what they cost.
    pub fn unmonitor(&mut self) {
        self.unmonitored = true;
        for c in &mut self.list {
            c.monitors = Monitors::off();
        }
    }

    /// The cluster of server `node` and its Raft peer id there; `None` for a clerk.
    pub fn member(&self, node: NodeId) -> Option<(ClusterId, NodeId)> {
        self.members.get(node.index()).copied().flatten()
    }

    /// The servers of cluster `c`, peer `k` at position `k`.
    pub fn servers(&self, c: ClusterId) -> &Arc<Vec<NodeId>> {
        &self.list[c.0].servers
    }

    /// The name of cluster `c` (`None` in a simulation of one cluster).
    pub fn name(&self, c: ClusterId) -> Option<ClusterName> {
        self.list[c.0].name
    }

    /// Every server, cluster by cluster in start order, each in peer order.
    pub fn all_servers(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.list.iter().flat_map(|c| c.servers.iter().copied())
    }

    /// The `i`-th of [`Clusters::all_servers`].
    pub fn server(&self, mut i: usize) -> Option<NodeId> {
        for c in &self.list {
            match c.servers.get(i) {
                Some(&node) => return Some(node),
                None => i -= c.servers.len(),
            }
        }
        None
    }

    /// Every named cluster with its servers, in start order.
    pub fn named(&self) -> Vec<(String, Vec<NodeId>)> {
        self.list
            .iter()
            .filter_map(|c| Some((c.name?.to_string(), c.servers.to_vec())))
            .collect()
    }

    /// Runs the monitors of `node`'s cluster on it, as its peer `peer`; a violation in a
    /// named cluster names the cluster and the server.
    ///
    /// # Errors
    /// The violation found.
    #[allow(clippy::too_many_arguments)]
    pub fn watch(
        &mut self,
        (cluster, peer): (ClusterId, NodeId),
        node: NodeId,
        incarnation: u32,
        event: u64,
        handled: &crate::monitor::Handled<'_>,
        trace: Option<&str>,
    ) -> Verdict {
        let c = &mut self.list[cluster.0];
        let watched = c.monitors.watch(peer, incarnation, event, handled, trace);
        match c.name {
            None => watched,
            Some(name) => watched.map_err(|f| Failure(format!("{name} (server {node}): {}", f.0))),
        }
    }

    /// The first monitor violation in any cluster, with the engine node it names first
    /// (monitors name Raft peers, which are indices into their cluster).
    pub fn violation(&self) -> Option<(&Violation, Option<NodeId>)> {
        self.list.iter().find_map(|c| {
            let v = c.monitors.violation()?;
            let node = v
                .nodes
                .first()
                .and_then(|p| c.servers.get(p.index()).copied());
            Some((v, node))
        })
    }
}
