//! The timeline of a run: an HTML page to look at (one lane per node over virtual time,
//! roles and terms as bands, commit and last index, every message as an arrow, drops,
//! crashes, partitions, client operations and the point of failure) and a compact
//! leader/term table for a terminal.
//!
//! Both are built from the run's kept trace ([`crate::engine::Trace`]): its structured
//! records, their text lines and the links after each fault. The testers add only what
//! the trace cannot know: which node is a server or a client, the client operations of a
//! KV history, and where the run failed ([`FailurePoint`]).
//!
//! - [`band`]: each lane's role and term over time;
//! - [`local`]: each node's local time, for the nodes whose clock is not the identity;
//! - [`reign`]: who led which term when (the table and the page's cluster strip);
//! - [`summary`]: the table `raftsim run --summary` prints;
//! - [`window`]: what a page embeds one by one and what it counts, with its size bounds;
//! - [`page`]: the self-contained HTML page.

pub mod band;
mod data;
pub mod local;
pub mod page;
pub mod reign;
pub mod summary;
pub mod window;

pub use page::{page, page_within};
pub use summary::summary;

use crate::engine::{Instant, LinkShot, Node, NodeId, Sim, Trace, TraceRecord, Wreck};

/// What a lane shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LaneKind {
    /// A Raft server: role bands, indices, messages.
    Server,
    /// A KV client: its operations as boxes, and its messages.
    Client,
    /// Any other node (the engine demo): messages, crashes and restarts.
    Node,
}

/// One lane of the page: a node.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lane {
    /// The node.
    pub node: NodeId,
    /// Its name on the page (`n0`, `client 3`).
    pub name: String,
    /// What it shows.
    pub kind: LaneKind,
    /// The Raft cluster of a server lane (an index into [`Timeline::clusters`]; 0 in a
    /// run of one cluster).
    pub cluster: usize,
}

/// A client operation of a KV history: a box from call to return.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientOp {
    /// The clerk that ran it.
    pub node: NodeId,
    /// When it was called.
    pub call: Instant,
    /// When it returned (`None`: pending at the end).
    pub ret: Option<Instant>,
    /// The operation and its result, as the checker's model describes them.
    pub text: String,
}

/// Where a run failed, for the page's marker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FailurePoint {
    /// When.
    pub time: Instant,
    /// The engine event after which it was found.
    pub event: u64,
    /// What failed, on one line (the violated property, the illegal operation, the
    /// tester's check).
    pub headline: String,
    /// The node concerned, if one is.
    pub node: Option<NodeId>,
    /// The first illegal operation of a KV history (an index into [`Timeline::ops`]).
    pub op: Option<usize>,
}

/// Everything a run's page and table are drawn from.
#[derive(Clone, Debug, Default)]
pub struct Timeline {
    /// The page's title: scenario, seed, implementation.
    pub title: String,
    /// The lanes, top to bottom.
    pub lanes: Vec<Lane>,
    /// The trace's records.
    pub records: Vec<TraceRecord>,
    /// The links after each fault.
    pub links: Vec<LinkShot>,
    /// The client operations (KV runs).
    pub ops: Vec<ClientOp>,
    /// Where the run failed.
    pub failure: Option<FailurePoint>,
    /// Virtual time at the end of the run.
    pub end: Instant,
    /// Engine events processed.
    pub events: u64,
    /// The names of the run's Raft clusters, when it has more than one (a sharded run:
    /// the controller and each group); empty for a run of one cluster. Terms and
    /// leaders are per cluster, so the table and the page's strip have a row each.
    pub clusters: Vec<String>,
}

impl Timeline {
    /// The timeline of a simulation whose trace was kept (`None` otherwise), with one
    /// lane per node (`n0`, `n1` ...), all of kind [`LaneKind::Node`].
    pub fn of_sim<N: Node>(title: String, sim: &Sim<N>) -> Option<Timeline> {
        Timeline::of_trace(title, sim.trace(), sim.len(), sim.now(), sim.events())
    }

    /// The timeline of a simulation a panic unwound through, up to the panic (`None`
    /// when its trace was not kept).
    pub fn of_wreck(title: String, wreck: &Wreck) -> Option<Timeline> {
        Timeline::of_trace(title, &wreck.trace, wreck.nodes, wreck.now, wreck.events)
    }

    /// The timeline of a kept `trace` of `nodes` nodes that ended at `end` after
    /// `events` events.
    fn of_trace(
        title: String,
        trace: &Trace,
        nodes: usize,
        end: Instant,
        events: u64,
    ) -> Option<Timeline> {
        if !trace.keeps_text() {
            return None;
        }
        let lanes = (0..nodes)
            .map(|k| {
                let node = NodeId(u32::try_from(k).expect("fewer than 2^32 nodes"));
                Lane {
                    node,
                    name: node.to_string(),
                    kind: LaneKind::Node,
                    cluster: 0,
                }
            })
            .collect();
        Some(Timeline {
            title,
            lanes,
            records: trace.entries().to_vec(),
            links: trace.link_shots().to_vec(),
            ops: Vec::new(),
            failure: None,
            end,
            events,
            clusters: Vec::new(),
        })
    }

    /// Marks lane `node` as a server or a client, and names it.
    ///
    /// # Panics
    /// If `node` has no lane.
    pub fn set_lane(&mut self, node: NodeId, kind: LaneKind, name: String) {
        let lane = self
            .lanes
            .iter_mut()
            .find(|l| l.node == node)
            .unwrap_or_else(|| panic!("{node} has no lane"));
        lane.kind = kind;
        lane.name = name;
    }

    /// Names the run's Raft clusters and assigns each server lane its cluster: cluster
    /// `k` is `clusters[k].0`, with servers `clusters[k].1`.
    ///
    /// # Panics
    /// If a server has no lane.
    pub fn set_clusters(&mut self, clusters: &[(String, Vec<NodeId>)]) {
        self.clusters = clusters.iter().map(|(name, _)| name.clone()).collect();
        for (k, (_, servers)) in clusters.iter().enumerate() {
            for &node in servers {
                let lane = self
                    .lane_of(node)
                    .unwrap_or_else(|| panic!("{node} has no lane"));
                self.lanes[lane].cluster = k;
            }
        }
    }

    /// How many Raft clusters the run has (at least one).
    pub fn cluster_count(&self) -> usize {
        self.clusters.len().max(1)
    }

    /// The time of the first record of engine event `event` (the run's end if there is
    /// none).
    pub fn time_of_event(&self, event: u64) -> Instant {
        let at = self.records.partition_point(|r| r.event < event);
        self.records.get(at).map_or(self.end, |r| r.time)
    }

    /// The number of the first event at or after `time` (the run's last event if none).
    pub fn event_at(&self, time: Instant) -> u64 {
        let at = self.records.partition_point(|r| r.time < time);
        self.records.get(at).map_or(self.events, |r| r.event)
    }

    /// The lane index of `node`, if it has one.
    pub fn lane_of(&self, node: NodeId) -> Option<usize> {
        self.lanes.iter().position(|l| l.node == node)
    }
}

/// `n` server lanes named `n0`, `n1` ..., of one cluster: the tests of this module's
/// files build their timelines on them.
#[cfg(test)]
pub(crate) fn server_lanes(n: u32) -> Vec<Lane> {
    (0..n)
        .map(|k| Lane {
            node: NodeId(k),
            name: format!("n{k}"),
            kind: LaneKind::Server,
            cluster: 0,
        })
        .collect()
}
