//! A small deterministic multi-node harness for the crate's own tests: a vector of
//! nodes, their disks, and a message queue ordered by (delivery time, sequence number),
//! all driven by hand on one thread. Faults: disconnection, crash/restart, and (when
//! unreliable) drops, 0-26 ms delays, duplicates and long reordering, as in labrpc.
//!
//! Every applied item is checked as the lab's `applierSnap` does: commands arrive at
//! exactly last applied + 1, the same command at the same index on every node, a
//! delivered snapshot encodes the index it claims. At most one leader per term is
//! checked after every event.

use crate::config::Config;
use crate::error::Error;
use crate::message::Message;
use crate::node::Raft;
use crate::persist::Persisted;
use crate::ready::ApplyMsg;
use crate::rng::Rng;
use crate::types::{Duration, Instant, LogIndex, NodeId, Term};
use std::collections::BTreeMap;

/// The harness's command type.
pub(crate) type Cmd = String;

/// How the simulated network misbehaves (per-mille probabilities).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Faults {
    pub(crate) drop_per_mille: u64,
    pub(crate) duplicate_per_mille: u64,
    pub(crate) delay_ms_max: u64,
    pub(crate) long_reorder_per_mille: u64,
}

impl Faults {
    /// labrpc's unreliable mode: 0-26 ms delay, 10% loss each way (applied per message).
    pub(crate) fn unreliable() -> Faults {
        Faults {
            drop_per_mille: 100,
            duplicate_per_mille: 20,
            delay_ms_max: 26,
            long_reorder_per_mille: 0,
        }
    }
}

struct Flight {
    from: NodeId,
    to: NodeId,
    msg: Message<Cmd>,
}

/// Counters, as the lab's TestCount and TestRPCBytes see them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Requests that reached a live, connected node.
    pub(crate) requests_delivered: u64,
    /// Encoded bytes of requests sent plus replies delivered.
    pub(crate) bytes: u64,
}

/// The cluster under test.
pub(crate) struct Cluster {
    pub(crate) nodes: Vec<Option<Raft<Cmd>>>,
    pub(crate) disks: Vec<Persisted>,
    pub(crate) connected: Vec<bool>,
    /// Each node's service state: the commands applied so far (index i at i - 1).
    pub(crate) service: Vec<Vec<Cmd>>,
    pub(crate) now: Instant,
    pub(crate) faults: Faults,
    pub(crate) stats: Stats,
    /// Whether services snapshot every 10 entries (lab 2D's applierSnap).
    pub(crate) snapshots: bool,
    /// When `Some`, one line per delivered message and applied item (trace-as-test).
    pub(crate) trace: Option<Vec<String>>,
    committed: BTreeMap<LogIndex, Cmd>,
    leaders: BTreeMap<Term, NodeId>,
    queue: BTreeMap<(Instant, u64), Flight>,
    seq: u64,
    restarts: u64,
    seed: u64,
    rng: Rng,
}

impl Cluster {
    /// `n` fresh, connected nodes.
    pub(crate) fn new(n: usize, seed: u64) -> Cluster {
        let mut c = Cluster {
            nodes: (0..n).map(|_| None).collect(),
            disks: vec![Persisted::default(); n],
            connected: vec![true; n],
            service: vec![Vec::new(); n],
            now: Instant(0),
            faults: Faults::default(),
            stats: Stats::default(),
            snapshots: false,
            trace: None,
            committed: BTreeMap::new(),
            leaders: BTreeMap::new(),
            queue: BTreeMap::new(),
            seq: 0,
            restarts: 0,
            seed,
            rng: Rng::new(seed ^ 0xC1u64),
        };
        for i in 0..n {
            c.restart(i);
        }
        c
    }

    /// Crashes node `i`: its volatile state is gone, its disk stays.
    pub(crate) fn crash(&mut self, i: usize) {
        self.nodes[i] = None;
    }

    /// (Re)starts node `i` from its disk; the service restores from the snapshot.
    pub(crate) fn restart(&mut self, i: usize) {
        self.restarts += 1;
        let disk = self.disks[i].clone();
        self.service[i] = if disk.snapshot.is_empty() {
            Vec::new()
        } else {
            decode_snapshot(&disk.snapshot.contiguous())
        };
        let seed = self.seed.wrapping_mul(1000).wrapping_add(self.restarts);
        let node = Raft::new(
            NodeId(i as u32),
            self.nodes.len(),
            disk,
            Config::default(),
            seed,
            self.now,
        )
        .expect("restart from own disk");
        assert_eq!(
            node.last_applied().0 as usize,
            self.service[i].len(),
            "n{i}: restarted applied index must match its snapshot"
        );
        self.nodes[i] = Some(node);
    }

    /// Cuts node `i` off from everyone (messages to or from it are lost).
    pub(crate) fn disconnect(&mut self, i: usize) {
        self.connected[i] = false;
    }

    /// Reconnects node `i`.
    pub(crate) fn connect(&mut self, i: usize) {
        self.connected[i] = true;
    }

    /// Proposes `cmd` at node `i`.
    pub(crate) fn start(&mut self, i: usize, cmd: &str) -> Result<(LogIndex, Term), Error> {
        let now = self.now;
        let node = self.nodes[i].as_mut().ok_or(Error::NotLeader)?;
        let r = node.start(cmd.to_string(), now);
        self.flush(i);
        r
    }

    /// Runs the cluster for `d` of virtual time.
    pub(crate) fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        // An explicit bound: a livelock (messages bouncing at one instant) fails loudly.
        let mut events = 0u64;
        loop {
            events += 1;
            assert!(
                events < 1_000_000,
                "seed {}: livelock at {}: {:?}",
                self.seed,
                self.now,
                self.queue
                    .first_key_value()
                    .map(|(_, f)| (f.from, f.to, f.msg.to_string()))
            );
            let t_msg = self.queue.first_key_value().map(|(k, _)| k.0);
            let t_timer = self.nodes.iter().flatten().map(|n| n.next_deadline()).min();
            let t = match (t_msg, t_timer) {
                (Some(a), Some(b)) => a.min(b),
                (a, b) => match a.or(b) {
                    Some(t) => t,
                    None => break, // everyone crashed and nothing in flight
                },
            };
            if t > until {
                break;
            }
            self.now = self.now.max(t);
            if t_msg == Some(t) {
                let (_, f) = self.queue.pop_first().expect("queue non-empty");
                self.deliver(f);
            } else {
                for i in 0..self.nodes.len() {
                    if let Some(n) = self.nodes[i].as_mut() {
                        if n.next_deadline() <= self.now {
                            n.tick(self.now);
                            self.flush(i);
                        }
                    }
                }
            }
            self.check_leaders();
        }
        self.now = until;
    }

    fn deliver(&mut self, f: Flight) {
        let (from, to) = (f.from.index(), f.to.index());
        if !self.connected[from] || !self.connected[to] {
            return;
        }
        let Some(node) = self.nodes[to].as_mut() else {
            return;
        };
        if let Some(t) = self.trace.as_mut() {
            t.push(format!("{} {}->{} {}", self.now, f.from, f.to, f.msg));
        }
        if f.msg.is_request() {
            self.stats.requests_delivered += 1;
        } else {
            self.stats.bytes += encoded_len(&f.msg);
        }
        node.step(f.from, f.msg, self.now);
        self.flush(to);
    }

    /// Carries out node `i`'s effects in the documented order: persist, send, apply.
    fn flush(&mut self, i: usize) {
        loop {
            let Some(node) = self.nodes[i].as_mut() else {
                return;
            };
            let ready = node.ready();
            if ready.is_empty() {
                return;
            }
            if let Some(p) = ready.persist {
                self.disks[i] = p;
            }
            for (to, msg) in ready.messages {
                self.send(NodeId(i as u32), to, msg);
            }
            for a in ready.apply {
                self.apply(i, a);
            }
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: Message<Cmd>) {
        if msg.is_request() {
            self.stats.bytes += encoded_len(&msg);
        }
        if !self.connected[from.index()] || !self.connected[to.index()] {
            return;
        }
        if self.rng.range(0, 1000) < self.faults.drop_per_mille {
            return;
        }
        let copies = if self.rng.range(0, 1000) < self.faults.duplicate_per_mille {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let mut delay_ms = self.rng.range(0, self.faults.delay_ms_max + 1);
            if self.rng.range(0, 1000) < self.faults.long_reorder_per_mille {
                let spread = self.rng.range(0, 2000);
                delay_ms = 200 + self.rng.range(0, 1 + spread);
            }
            self.seq += 1;
            let at = self.now + Duration::from_millis(delay_ms);
            let flight = Flight {
                from,
                to,
                msg: msg.clone(),
            };
            self.queue.insert((at, self.seq), flight);
        }
    }

    /// The lab's per-apply checks, and the snapshot every 10 entries of `applierSnap`.
    fn apply(&mut self, i: usize, a: ApplyMsg<Cmd>) {
        if let Some(t) = self.trace.as_mut() {
            let what = match &a {
                ApplyMsg::Command { index, command, .. } => format!("apply {index} {command}"),
                ApplyMsg::Snapshot { index, .. } => format!("apply snapshot {index}"),
            };
            t.push(format!("{} n{i} {what}", self.now));
        }
        match a {
            ApplyMsg::Command { index, command, .. } => {
                assert_eq!(
                    index.0 as usize,
                    self.service[i].len() + 1,
                    "n{i}: apply out of order"
                );
                let prior = self
                    .committed
                    .entry(index)
                    .or_insert_with(|| command.clone());
                assert_eq!(*prior, command, "n{i}: commit index={index} disagrees");
                self.service[i].push(command);
                if self.snapshots && index.0 % 10 == 9 {
                    let data = encode_snapshot(&self.service[i]);
                    let node = self.nodes[i].as_mut().expect("applying node is live");
                    match node.snapshot(index, data) {
                        Ok(()) | Err(Error::SnapshotStale { .. }) => {}
                        Err(e) => panic!("n{i}: snapshot at {index}: {e}"),
                    }
                }
            }
            ApplyMsg::Snapshot { index, data, .. } => {
                let state = decode_snapshot(&data);
                assert_eq!(state.len() as u64, index.0, "n{i}: snapshot index mismatch");
                for (k, cmd) in state.iter().enumerate() {
                    let at = LogIndex(k as u64 + 1);
                    let prior = self.committed.entry(at).or_insert_with(|| cmd.clone());
                    assert_eq!(prior, cmd, "n{i}: snapshot disagrees at {at}");
                }
                assert!(
                    state.len() > self.service[i].len(),
                    "n{i}: snapshot went back"
                );
                self.service[i] = state;
            }
        }
    }

    fn check_leaders(&mut self) {
        for node in self.nodes.iter().flatten() {
            if let (term, true) = node.state() {
                let first = *self.leaders.entry(term).or_insert(node.id());
                assert_eq!(first, node.id(), "two leaders in term {term}");
            }
        }
    }

    /// The connected leader of the highest term, if any.
    pub(crate) fn leader(&self) -> Option<usize> {
        (0..self.nodes.len())
            .filter(|i| self.connected[*i])
            .filter_map(|i| self.nodes[i].as_ref().map(|n| (n.state(), i)))
            .filter(|((_, is_leader), _)| *is_leader)
            .max_by_key(|((term, _), _)| *term)
            .map(|(_, i)| i)
    }

    /// The lab's `checkOneLeader`: up to 10 rounds of ~500 ms; panics with none.
    pub(crate) fn check_one_leader(&mut self) -> usize {
        for _ in 0..10 {
            let pause = 450 + self.rng.range(0, 100);
            self.run_for(Duration::from_millis(pause));
            if let Some(l) = self.leader() {
                return l;
            }
        }
        panic!("seed {}: expected one leader, got none", self.seed);
    }

    /// The lab's `nCommitted`: how many nodes applied `index`, and the command.
    pub(crate) fn n_committed(&self, index: LogIndex) -> (usize, Option<Cmd>) {
        let n = (0..self.nodes.len())
            .filter(|i| self.service[*i].len() as u64 >= index.0)
            .count();
        (n, self.committed.get(&index).cloned())
    }

    /// The lab's `one`: submit `cmd` to a leader until `expected` nodes applied it;
    /// panics after 10 s of virtual time.
    pub(crate) fn one(&mut self, cmd: &str, expected: usize, retry: bool) -> LogIndex {
        let deadline = self.now + Duration::from_secs(10);
        while self.now < deadline {
            let live: Vec<usize> = (0..self.nodes.len())
                .filter(|i| self.connected[*i])
                .collect();
            let accepted = live.into_iter().find_map(|i| self.start(i, cmd).ok());
            if let Some((index, _)) = accepted {
                let window = self.now + Duration::from_secs(2);
                while self.now < window {
                    let (n, got) = self.n_committed(index);
                    if n >= expected && got.as_deref() == Some(cmd) {
                        return index;
                    }
                    self.run_for(Duration::from_millis(20));
                }
                assert!(
                    retry,
                    "seed {}: one({cmd}) failed to reach agreement",
                    self.seed
                );
            } else {
                self.run_for(Duration::from_millis(50));
            }
        }
        panic!(
            "seed {}: one({cmd}) failed to reach agreement in 10 s",
            self.seed
        );
    }

    /// The highest index committed anywhere.
    pub(crate) fn max_committed(&self) -> LogIndex {
        self.committed
            .keys()
            .next_back()
            .copied()
            .unwrap_or_default()
    }
}

fn encoded_len(m: &Message<Cmd>) -> u64 {
    bincode::serde::encode_to_vec(m, bincode::config::standard())
        .map(|b| b.len() as u64)
        .expect("encode message")
}

fn encode_snapshot(state: &[Cmd]) -> Vec<u8> {
    bincode::serde::encode_to_vec(state, bincode::config::standard()).expect("encode snapshot")
}

fn decode_snapshot(bytes: &[u8]) -> Vec<Cmd> {
    let (state, _): (Vec<Cmd>, usize) =
        bincode::serde::decode_from_slice(bytes, bincode::config::standard())
            .expect("service snapshot decodes");
    state
}
