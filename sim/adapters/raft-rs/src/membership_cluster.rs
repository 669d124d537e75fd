//! A cluster of raft-rs nodes driven by hand for the membership tests: disks,
//! crashes, cut links and seeded message loss, all at instants the test chooses.

use crate::clock::TICK;
use crate::node::RaftRsNode;
use crate::Wire;
use raft_contract::{
    ApplyMsg, Boot, ChangeRefused, ConfChange, Configuration, Instant, LogIndex, NodeId, NodeSet,
    Persisted, RaftNode, ReadMode, Settings, Status,
};
use rand_chacha::ChaCha8Rng;
use rand_core::RngCore;

/// Servers driven by hand: a disk each, what each applied, and links that can be cut.
pub(crate) struct Cluster {
    /// `None`: crashed.
    pub(crate) nodes: Vec<Option<RaftRsNode<u64>>>,
    pub(crate) disks: Vec<Persisted>,
    /// The configuration each slot booted with the first time (empty for a joiner).
    pub(crate) boots: Vec<Configuration>,
    pub(crate) applied: Vec<Vec<ApplyMsg<u64>>>,
    /// Slots whose messages, both ways, are lost.
    pub(crate) cut: NodeSet,
    /// Loses each message with probability 1/`loss.1` when set.
    pub(crate) loss: Option<(ChaCha8Rng, u32)>,
    pub(crate) now: Instant,
}

impl Cluster {
    /// `peers` slots; those in `initial` boot with it, the others with no
    /// configuration (servers to be added later).
    pub(crate) fn boot(peers: usize, initial: Configuration) -> Cluster {
        let boots: Vec<Configuration> = (0..peers)
            .map(|i| {
                if initial.members().contains(NodeId(i as u32)) {
                    initial
                } else {
                    Configuration::default()
                }
            })
            .collect();
        let mut cluster = Cluster {
            nodes: (0..peers).map(|_| None).collect(),
            disks: vec![Persisted::default(); peers],
            boots,
            applied: vec![Vec::new(); peers],
            cut: NodeSet::EMPTY,
            loss: None,
            now: Instant(0),
        };
        for i in 0..peers {
            cluster.restart(i);
        }
        cluster
    }

    pub(crate) fn restart(&mut self, i: usize) {
        let boot = Boot {
            id: NodeId(i as u32),
            peers: self.nodes.len(),
            config: self.boots[i],
            persisted: self.disks[i].clone(),
            seed: 300 + i as u64,
            now: self.now,
            settings: Settings::defaults(),
            reads: ReadMode::Log,
        };
        self.nodes[i] = Some(RaftRsNode::boot(boot).expect("boots"));
    }

    pub(crate) fn crash(&mut self, i: usize) {
        self.nodes[i] = None;
    }

    pub(crate) fn node(&mut self, i: usize) -> &mut RaftRsNode<u64> {
        self.nodes[i].as_mut().expect("running")
    }

    pub(crate) fn status(&self, i: usize) -> Status {
        self.nodes[i].as_ref().expect("running").status()
    }

    /// Drains every node's ready (saving, applying) and delivers the messages, until
    /// none are left; returns how many messages each slot sent.
    pub(crate) fn deliver(&mut self) -> Vec<usize> {
        let mut sent = vec![0; self.nodes.len()];
        for _round in 0..1_000 {
            let mut flight = Vec::new();
            for (i, slot) in self.nodes.iter_mut().enumerate() {
                let Some(node) = slot else { continue };
                let rd = node.ready();
                if let Some(p) = rd.persist {
                    self.disks[i] = p;
                }
                self.applied[i].extend(rd.apply);
                sent[i] += rd.messages.len();
                let from = NodeId(i as u32);
                flight.extend(rd.messages.into_iter().map(|(to, m)| (from, to, m)));
            }
            if flight.is_empty() {
                return sent;
            }
            for (from, to, m) in flight {
                self.step(from, to, m);
            }
        }
        panic!("messages still flowing after 1000 rounds");
    }

    pub(crate) fn step(&mut self, from: NodeId, to: NodeId, m: Wire) {
        let now = self.now;
        if self.cut.contains(from) || self.cut.contains(to) {
            return;
        }
        if let Some((rng, one_in)) = &mut self.loss {
            if rng.next_u32() % *one_in == 0 {
                return;
            }
        }
        if let Some(node) = self.nodes[to.index()].as_mut() {
            node.step(from, m, now);
        }
    }

    /// Lets `ms` of virtual time pass, a tick at a time, delivering as it goes.
    pub(crate) fn run(&mut self, ms: u64) -> Vec<usize> {
        let mut sent = vec![0; self.nodes.len()];
        for _ in 0..ms / 10 {
            self.now += TICK;
            let now = self.now;
            for node in self.nodes.iter_mut().flatten() {
                node.tick(now);
            }
            for (total, n) in sent.iter_mut().zip(self.deliver()) {
                *total += n;
            }
        }
        sent
    }

    pub(crate) fn leader(&self) -> Option<usize> {
        (0..self.nodes.len()).find(|&i| {
            self.nodes[i]
                .as_ref()
                .is_some_and(|n| n.state().1 && !self.cut.contains(NodeId(i as u32)))
        })
    }

    /// Ticks `who`, or the node whose election timeout comes first, until it
    /// campaigns, and
    /// delivers one message at a time until some node leads; returns it, its no-op
    /// not yet committed.
    pub(crate) fn campaign(&mut self, who: Option<usize>) -> usize {
        let (first, at) = (0..self.nodes.len())
            .filter(|&i| who.is_none_or(|w| w == i))
            .filter_map(|i| Some((i, self.nodes[i].as_ref()?.next_deadline())))
            .min_by_key(|&(_, at)| at)
            .expect("a running node");
        self.now = at;
        self.node(first).tick(at);
        for _round in 0..100 {
            let mut flight = Vec::new();
            for i in 0..self.nodes.len() {
                let rd = self.node(i).ready();
                if let Some(p) = rd.persist {
                    self.disks[i] = p;
                }
                flight.extend(rd.messages.into_iter().map(|(to, m)| (n(i as u32), to, m)));
            }
            for (from, to, m) in flight {
                self.step(from, to, m);
                if let Some(leader) = self.leader() {
                    return leader;
                }
            }
        }
        panic!("n{first} campaigned and nobody leads");
    }

    /// Runs until a leader has applied an entry of its term; returns it.
    pub(crate) fn elect(&mut self) -> usize {
        for _ in 0..300 {
            if let Some(l) = self.leader() {
                if self.status(l).commit_index >= self.status(l).last_index {
                    return l;
                }
            }
            self.run(10);
        }
        panic!("no leader within 3 s");
    }

    /// The leader proposes `changes`, and every message is delivered.
    pub(crate) fn change(
        &mut self,
        leader: usize,
        changes: &[ConfChange],
    ) -> Result<LogIndex, ChangeRefused> {
        let now = self.now;
        let index = self.node(leader).change(changes, now);
        self.deliver();
        index
    }

    pub(crate) fn start(&mut self, leader: usize, command: u64) -> LogIndex {
        let now = self.now;
        let (index, _) = self.node(leader).start(command, now).expect("leads");
        self.deliver();
        index
    }

    /// What slot `i` applied: (command index, command), or (snapshot index, MAX).
    pub(crate) fn applied(&self, i: usize) -> Vec<(u64, u64)> {
        self.applied[i]
            .iter()
            .map(|a| match a {
                ApplyMsg::Command { index, command, .. } => (index.0, *command),
                ApplyMsg::Snapshot { index, .. } => (index.0, u64::MAX),
            })
            .collect()
    }
}

pub(crate) fn n(i: u32) -> NodeId {
    NodeId(i)
}

pub(crate) fn set(ids: &[u32]) -> NodeSet {
    ids.iter().map(|&i| NodeId(i)).collect()
}

/// Every command index a slot applied follows the one before (a snapshot jumps to its
/// index), so conf-change and no-op entries take no number.
pub(crate) fn assert_numbering(cluster: &Cluster, i: usize) {
    let mut last = 0;
    for (index, command) in cluster.applied(i) {
        if command == u64::MAX {
            assert!(index >= last, "n{i}: snapshot {index} after command {last}");
        } else {
            assert_eq!(index, last + 1, "n{i}: command {index} after {last}");
        }
        last = index;
    }
}
