//! Helpers shared by the unit tests.

use crate::config::Config;
use crate::log::{Entry, Log, SnapshotMeta};
use crate::node::Raft;
use crate::persist;
use raft_contract::Persisted;
use raft_contract::{Configuration, Instant, Term};

/// `ms` milliseconds of virtual time.
pub(crate) fn ms(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// A fresh node `id` of `n`, created at time 0, seeded with its id.
pub(crate) fn fresh(id: u32, n: usize) -> Raft<u64> {
    fresh_with(id, n, Config::default())
}

/// A fresh node as [`fresh`], with `config`.
pub(crate) fn fresh_with(id: u32, n: usize, config: Config) -> Raft<u64> {
    Raft::new(
        crate::NodeId(id),
        n,
        Persisted::default(),
        config,
        u64::from(id),
        ms(0),
    )
    .expect("fresh node")
}

/// A fresh node as [`fresh`] that starts elections without a pre-vote, as Figure 2 does.
pub(crate) fn fresh_plain(id: u32, n: usize) -> Raft<u64> {
    fresh_with(
        id,
        n,
        Config {
            pre_vote: false,
            ..Config::default()
        },
    )
}

/// A follower whose log holds entries with the given terms (command = 10 × index) and
/// whose current term is the last of them.
pub(crate) fn follower_with_log(id: u32, n: usize, terms: &[u64]) -> Raft<u64> {
    let mut log = Log::new(SnapshotMeta::boot(Configuration::all(n)), Vec::new());
    for (i, t) in terms.iter().enumerate() {
        log.append(Entry::command(Term(*t), 10 * (i as u64 + 1)));
    }
    let term = Term(terms.last().copied().unwrap_or(0));
    let raft_state = persist::encode(term, None, &log);
    Raft::new(
        crate::NodeId(id),
        n,
        Persisted {
            raft_state: raft_state.into(),
            snapshot: Vec::new().into(),
        },
        Config::default(),
        u64::from(id),
        ms(0),
    )
    .expect("node from log")
}

/// Makes `r` leader: its election timeout fires and every peer grants its pre-vote (if
/// it asks for them) and its vote. The effects of the election are drained and returned
/// (the initial AppendEntries).
pub(crate) fn elect(r: &mut Raft<u64>) -> Vec<(crate::NodeId, crate::Message<u64>)> {
    let at = r.next_deadline();
    r.tick(at);
    r.ready();
    if !r.pre_votes.is_empty() {
        let next = r.term().next();
        for p in r.other_voters().collect::<Vec<_>>() {
            let m = crate::Message::PreVoteReply(crate::RequestVoteReply {
                term: next,
                vote_granted: true,
            });
            r.step(p, m, at);
        }
        r.ready();
    }
    let term = r.term();
    for p in r.other_voters().collect::<Vec<_>>() {
        let m = crate::Message::RequestVoteReply(crate::RequestVoteReply {
            term,
            vote_granted: true,
        });
        r.step(p, m, at);
    }
    assert!(r.state().1, "elected");
    r.ready().messages
}

/// The AppendEntries messages of a batch of outgoing messages, with their destination.
pub(crate) fn appends(
    msgs: &[(crate::NodeId, crate::Message<u64>)],
) -> Vec<(crate::NodeId, crate::AppendEntries<u64>)> {
    msgs.iter()
        .filter_map(|(to, m)| match m {
            crate::Message::AppendEntries(a) => Some((*to, a.clone())),
            _ => None,
        })
        .collect()
}

/// A follower's successful answer to `a`.
pub(crate) fn ack(a: &crate::AppendEntries<u64>) -> crate::Message<u64> {
    crate::Message::AppendEntriesReply(crate::AppendEntriesReply {
        term: a.term,
        success: true,
        prev_log_index: a.prev_log_index,
        entries_len: a.entries.len() as u64,
        conflict_index: crate::LogIndex(0),
        conflict_term: None,
    })
}

/// Entries with the given terms; command = 10 × (first_index + position).
pub(crate) fn entries(first_index: u64, terms: &[u64]) -> Vec<Entry<u64>> {
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| Entry::command(Term(*t), 10 * (first_index + i as u64)))
        .collect()
}

/// The terms of the retained log of `r`, from index 1 (or just after its snapshot).
pub(crate) fn log_terms(r: &Raft<u64>) -> Vec<u64> {
    r.log.entries().iter().map(|e| e.term.0).collect()
}

/// A cluster of `Raft<u64>` nodes driven by hand for tests that need several nodes at
/// once: messages are delivered at once, in the order they were sent, except to or from
/// servers that are cut off; saved state is kept per node, so a node can restart.
pub(crate) struct Cluster {
    /// The nodes, by id.
    pub(crate) nodes: Vec<Raft<u64>>,
    /// Per node, what it handed to its service, in order.
    pub(crate) applied: Vec<Vec<raft_contract::ApplyMsg<u64>>>,
    /// Per node, what it last saved.
    pub(crate) disks: Vec<Persisted>,
    /// Per node, the configuration it boots with on an empty disk.
    boots: Vec<Configuration>,
    /// The virtual time of the last event.
    pub(crate) now: Instant,
    /// Servers cut off from everyone: what they send and what is sent to them is lost.
    pub(crate) cut: raft_contract::NodeSet,
    /// Every message delivered so far: (from, to, message).
    pub(crate) delivered: Vec<(crate::NodeId, crate::NodeId, crate::Message<u64>)>,
}

impl Cluster {
    /// `peers` slots; those of `initial` boot with it, the others with the empty
    /// configuration (servers to be added later). PreVote on (the default config).
    pub(crate) fn new(peers: usize, initial: Configuration) -> Cluster {
        let boots: Vec<Configuration> = (0..peers as u32)
            .map(|i| {
                if initial.members().contains(crate::NodeId(i)) {
                    initial
                } else {
                    Configuration::default()
                }
            })
            .collect();
        let mut cluster = Cluster {
            nodes: Vec::new(),
            applied: vec![Vec::new(); peers],
            disks: vec![Persisted::default(); peers],
            boots,
            now: ms(0),
            cut: raft_contract::NodeSet::EMPTY,
            delivered: Vec::new(),
        };
        cluster.nodes = (0..peers as u32).map(|i| cluster.boot(i)).collect();
        cluster
    }

    /// Node `id` booted from its disk at the current time.
    fn boot(&self, id: u32) -> Raft<u64> {
        let config = Config {
            boot_configuration: Some(self.boots[id as usize]),
            ..Config::default()
        };
        Raft::new(
            crate::NodeId(id),
            self.boots.len(),
            self.disks[id as usize].clone(),
            config,
            u64::from(id),
            self.now,
        )
        .expect("boots")
    }

    /// Restarts node `id` from its disk: its service restarts empty.
    pub(crate) fn restart(&mut self, id: u32) {
        self.nodes[id as usize] = self.boot(id);
        self.applied[id as usize].clear();
    }

    /// Carries out every node's effects (save, send, apply) until no message is left.
    pub(crate) fn settle(&mut self) {
        loop {
            let mut queue = Vec::new();
            for (i, node) in self.nodes.iter_mut().enumerate() {
                let ready = node.ready();
                if let Some(p) = ready.persist {
                    self.disks[i] = p;
                }
                let from = crate::NodeId(i as u32);
                queue.extend(ready.messages.into_iter().map(|(to, m)| (from, to, m)));
                self.applied[i].extend(ready.apply);
            }
            if queue.is_empty() {
                return;
            }
            for (from, to, m) in queue {
                if self.cut.contains(from) || self.cut.contains(to) {
                    continue;
                }
                self.delivered.push((from, to, m.clone()));
                self.nodes[to.index()].step(from, m, self.now);
            }
        }
    }

    /// Moves time to the earliest deadline of a node that is not cut off, ticks every
    /// node, and settles.
    pub(crate) fn step_time(&mut self) {
        let next = (self.nodes.iter())
            .filter(|n| !self.cut.contains(n.id()))
            .map(|n| n.next_deadline())
            .min()
            .expect("a node that is not cut off");
        self.now = self.now.max(next);
        for n in self.nodes.iter_mut() {
            n.tick(self.now);
        }
        self.settle();
    }

    /// Steps time until `done` holds, at most `steps` times.
    ///
    /// # Panics
    /// If it never does.
    pub(crate) fn run_until(&mut self, steps: usize, done: impl Fn(&Cluster) -> bool) {
        for _ in 0..steps {
            if done(self) {
                return;
            }
            self.step_time();
        }
        assert!(done(self), "not reached in {steps} steps at {}", self.now);
    }

    /// The leader of the highest term among nodes that are not cut off, if any.
    pub(crate) fn leader(&self) -> Option<crate::NodeId> {
        (self.nodes.iter())
            .filter(|n| n.state().1 && !self.cut.contains(n.id()))
            .max_by_key(|n| n.term())
            .map(|n| n.id())
    }

    /// Runs until a leader exists and returns it.
    pub(crate) fn elect(&mut self) -> crate::NodeId {
        self.run_until(200, |c| c.leader().is_some());
        self.leader().expect("elected")
    }

    /// Has the leader start `command` and settles; returns its command index.
    pub(crate) fn start(&mut self, command: u64) -> crate::LogIndex {
        let leader = self.leader().expect("a leader");
        let now = self.now;
        let (index, _) = self.nodes[leader.index()]
            .start(command, now)
            .expect("leads");
        self.settle();
        index
    }

    /// Has the leader propose `change` and settles.
    pub(crate) fn change(
        &mut self,
        change: raft_contract::ConfChange,
    ) -> Result<crate::LogIndex, raft_contract::ChangeRefused> {
        let leader = self.leader().expect("a leader");
        let now = self.now;
        let result = self.nodes[leader.index()].change(&[change], now);
        self.settle();
        result
    }

    /// The command indices node `id` applied, snapshots as their index.
    pub(crate) fn applied_indices(&self, id: u32) -> Vec<u64> {
        self.applied[id as usize]
            .iter()
            .map(|a| a.index().0)
            .collect()
    }
}
