//! A small deterministic harness for the crate's own tests: KV servers, their disks,
//! clerks, and one message queue ordered by (delivery time, sequence number), all driven
//! by hand on one thread. Faults: partitions between servers, clerks cut off from
//! servers, crash/restart from disk, random loss and delay, and targeted loss of the
//! next replies to a clerk (the "executed, but the caller saw false" case of labrpc).
//!
//! It is not the simulator (that lives in `sim/`); it is just enough to exercise the
//! server and the clerk end to end inside this crate.

use crate::clerk::{Clerk, ClerkEvent};
use crate::command::{ClientId, Command, Op};
use crate::rpc::{ClerkReply, ClerkRequest};
use crate::server::KvServer;
use raft::rng::Rng;
use raft::{Config, Duration, Instant, Message, NodeId, Persisted};
use std::collections::BTreeMap;

/// The driver's retry timer for a clerk's request (labrpc fails a call to an
/// unreachable server after 0-99 ms in the kv tests; a fixed 100 ms is simpler).
pub(crate) const CLERK_RETRY: Duration = Duration::from_millis(100);

/// Random network faults (per-mille loss, uniform extra delay).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Faults {
    pub(crate) drop_per_mille: u64,
    pub(crate) delay_ms_max: u64,
}

impl Faults {
    /// Close to labrpc's unreliable mode: 10 % loss, 0-26 ms delay.
    pub(crate) fn unreliable() -> Faults {
        Faults {
            drop_per_mille: 100,
            delay_ms_max: 26,
        }
    }
}

enum Flight {
    Raft {
        from: usize,
        to: usize,
        msg: Message<Command>,
    },
    Request {
        clerk: usize,
        to: usize,
        req: ClerkRequest,
    },
    Reply {
        clerk: usize,
        from: usize,
        reply: ClerkReply,
    },
}

/// One clerk and what the driver keeps for it.
pub(crate) struct ClerkSlot {
    pub(crate) clerk: Clerk,
    /// `order[k]` is the server the clerk calls index `k` (the lab's `random_handles`).
    order: Vec<usize>,
    /// `reach[s]`: whether the clerk can talk to server `s`.
    pub(crate) reach: Vec<bool>,
    retry_at: Option<Instant>,
    /// The result of the last completed operation, until taken.
    pub(crate) done: Option<String>,
    /// Every reply delivered to this clerk, in order (for assertions).
    pub(crate) replies: Vec<ClerkReply>,
    /// Replies of this clerk's to drop on purpose (only `Ok`s), counted down.
    pub(crate) drop_ok_replies: u32,
}

/// The cluster under test.
pub(crate) struct Cluster {
    pub(crate) servers: Vec<Option<KvServer>>,
    pub(crate) disks: Vec<Persisted>,
    /// Servers talk to each other only when alive and on the same side.
    side: Vec<u8>,
    pub(crate) clerks: Vec<ClerkSlot>,
    pub(crate) now: Instant,
    pub(crate) faults: Faults,
    maxraftstate: Option<usize>,
    /// The largest Raft state and snapshot ever persisted, over all servers.
    pub(crate) raft_state_max: usize,
    pub(crate) snapshot_max: usize,
    /// Requests that reached a live server (for "no new log entry" checks).
    pub(crate) requests_delivered: u64,
    queue: BTreeMap<(Instant, u64), Flight>,
    seq: u64,
    restarts: u64,
    seed: u64,
    rng: Rng,
}

impl Cluster {
    /// `n` fresh, connected servers with `maxraftstate`.
    pub(crate) fn new(n: usize, maxraftstate: Option<usize>, seed: u64) -> Cluster {
        let mut c = Cluster {
            servers: (0..n).map(|_| None).collect(),
            disks: vec![Persisted::default(); n],
            side: vec![0; n],
            clerks: Vec::new(),
            now: Instant(0),
            faults: Faults::default(),
            maxraftstate,
            raft_state_max: 0,
            snapshot_max: 0,
            requests_delivered: 0,
            queue: BTreeMap::new(),
            seq: 0,
            restarts: 0,
            seed,
            rng: Rng::new(seed ^ 0x5EED),
        };
        for i in 0..n {
            c.restart(i);
        }
        c
    }

    /// Adds a clerk that reaches every server; returns its index.
    pub(crate) fn add_clerk(&mut self) -> usize {
        let n = self.servers.len();
        let mut order: Vec<usize> = (0..n).collect();
        for i in (1..n).rev() {
            let j = self.rng.range(0, i as u64 + 1) as usize;
            order.swap(i, j);
        }
        let id = ClientId(1000 + self.clerks.len() as u64);
        self.clerks.push(ClerkSlot {
            clerk: Clerk::new(id, n),
            order,
            reach: vec![true; n],
            retry_at: None,
            done: None,
            replies: Vec::new(),
            drop_ok_replies: 0,
        });
        self.clerks.len() - 1
    }

    /// Crashes server `i`: volatile state gone, disk kept.
    pub(crate) fn crash(&mut self, i: usize) {
        self.servers[i] = None;
    }

    /// (Re)starts server `i` from its disk.
    pub(crate) fn restart(&mut self, i: usize) {
        self.restarts += 1;
        let seed = self.seed.wrapping_mul(1000).wrapping_add(self.restarts);
        let server = KvServer::new(
            NodeId(i as u32),
            self.servers.len(),
            self.disks[i].clone(),
            self.maxraftstate,
            Config::default(),
            seed,
            self.now,
        )
        .unwrap_or_else(|e| panic!("seed {}: restart n{i} from its disk: {e}", self.seed));
        self.servers[i] = Some(server);
    }

    /// Splits the servers into `a` (side 0) and the rest (side 1).
    pub(crate) fn partition(&mut self, a: &[usize]) {
        for (i, side) in self.side.iter_mut().enumerate() {
            *side = u8::from(!a.contains(&i));
        }
    }

    /// Puts every server on one side again.
    pub(crate) fn heal(&mut self) {
        self.side.iter_mut().for_each(|s| *s = 0);
    }

    /// The lowest-numbered live server that believes it leads (the tester's `Leader()`).
    pub(crate) fn leader(&self) -> Option<usize> {
        self.servers
            .iter()
            .position(|s| s.as_ref().is_some_and(|s| s.raft().state().1))
    }

    /// Server `i`, which must be alive.
    pub(crate) fn server(&self, i: usize) -> &KvServer {
        self.servers[i].as_ref().expect("server alive")
    }

    /// Begins `op` at clerk `c`.
    pub(crate) fn begin(&mut self, c: usize, op: Op) {
        let (k, req) = self.clerks[c].clerk.begin(op);
        self.send_request(c, k, req);
    }

    /// Runs `op` at clerk `c` to completion; panics after `limit` of virtual time.
    pub(crate) fn op_within(&mut self, c: usize, op: Op, limit: Duration) -> String {
        let what = op.to_string();
        self.begin(c, op);
        let until = self.now + limit;
        self.run_until(until, |cl| cl.clerks[c].done.is_some());
        self.clerks[c]
            .done
            .take()
            .unwrap_or_else(|| panic!("seed {}: {what} not done by {}", self.seed, self.now))
    }

    /// Runs `op` at clerk `c` to completion within 10 s of virtual time.
    pub(crate) fn op(&mut self, c: usize, op: Op) -> String {
        self.op_within(c, op, Duration::from_secs(10))
    }

    /// A Get through clerk `c`.
    pub(crate) fn get(&mut self, c: usize, key: &str) -> String {
        self.op(c, Op::Get { key: key.into() })
    }

    /// A Put through clerk `c`.
    pub(crate) fn put(&mut self, c: usize, key: &str, value: &str) {
        let r = self.op(
            c,
            Op::Put {
                key: key.into(),
                value: value.into(),
            },
        );
        assert_eq!(r, "", "Put returns nothing");
    }

    /// An Append through clerk `c`.
    pub(crate) fn append(&mut self, c: usize, key: &str, value: &str) {
        let r = self.op(
            c,
            Op::Append {
                key: key.into(),
                value: value.into(),
            },
        );
        assert_eq!(r, "", "Append returns nothing");
    }

    /// Runs for `d` of virtual time.
    pub(crate) fn run_for(&mut self, d: Duration) {
        let until = self.now + d;
        self.run_until(until, |_| false);
        self.now = self.now.max(until);
    }

    /// Delivers a request straight to server `i`'s handler, as if from clerk `c`, and
    /// flushes the server (the reply goes back through the network to `c`).
    pub(crate) fn deliver_request(&mut self, c: usize, i: usize, req: ClerkRequest) {
        let now = self.now;
        if let Some(s) = self.servers[i].as_mut() {
            s.handle_request(c as u64, req, now);
            self.flush(i);
        }
    }

    /// Runs events until `done` holds or the next event is after `until`.
    pub(crate) fn run_until(&mut self, until: Instant, done: impl Fn(&Cluster) -> bool) {
        let mut events = 0u64;
        while !done(self) {
            events += 1;
            assert!(
                events < 5_000_000,
                "seed {}: livelock at {}",
                self.seed,
                self.now
            );
            let t_msg = self.queue.first_key_value().map(|(k, _)| k.0);
            let t_server = self
                .servers
                .iter()
                .flatten()
                .map(|s| s.next_deadline())
                .min();
            let t_clerk = self.clerks.iter().filter_map(|c| c.retry_at).min();
            let Some(t) = [t_msg, t_server, t_clerk].into_iter().flatten().min() else {
                break;
            };
            if t > until {
                break;
            }
            self.now = self.now.max(t);
            if t_msg == Some(t) {
                let (_, f) = self.queue.pop_first().expect("queue non-empty");
                self.deliver(f);
            } else if t_server == Some(t) {
                self.tick_servers();
            } else {
                self.fire_clerk_timers();
            }
        }
    }

    fn tick_servers(&mut self) {
        let now = self.now;
        for i in 0..self.servers.len() {
            if let Some(s) = self.servers[i].as_mut() {
                if s.next_deadline() <= now {
                    s.tick(now);
                    self.flush(i);
                }
            }
        }
    }

    fn fire_clerk_timers(&mut self) {
        for c in 0..self.clerks.len() {
            if self.clerks[c].retry_at.is_some_and(|t| t <= self.now) {
                self.clerks[c].retry_at = None;
                if let Some((k, req)) = self.clerks[c].clerk.on_timeout() {
                    self.send_request(c, k, req);
                }
            }
        }
    }

    fn send_request(&mut self, c: usize, k: usize, req: ClerkRequest) {
        let to = self.clerks[c].order[k];
        self.clerks[c].retry_at = Some(self.now + CLERK_RETRY);
        self.enqueue(Flight::Request { clerk: c, to, req });
    }

    /// Carries out server `i`'s ready: persist, send, reply.
    pub(crate) fn flush(&mut self, i: usize) {
        let Some(s) = self.servers[i].as_mut() else {
            return;
        };
        let ready = s.ready();
        if let Some(p) = ready.persist {
            self.raft_state_max = self.raft_state_max.max(p.raft_state.len());
            self.snapshot_max = self.snapshot_max.max(p.snapshot.len());
            if self.maxraftstate.is_none() {
                assert!(p.snapshot.is_empty(), "n{i}: snapshot without maxraftstate");
            }
            self.disks[i] = p;
        }
        for (to, msg) in ready.messages {
            self.enqueue(Flight::Raft {
                from: i,
                to: to.index(),
                msg,
            });
        }
        for (reply_to, reply) in ready.replies {
            let clerk = usize::try_from(reply_to).expect("reply_to is a clerk index");
            let slot = &mut self.clerks[clerk];
            if slot.drop_ok_replies > 0 && matches!(reply, ClerkReply::Ok { .. }) {
                slot.drop_ok_replies -= 1;
                continue;
            }
            self.enqueue(Flight::Reply {
                clerk,
                from: i,
                reply,
            });
        }
    }

    fn enqueue(&mut self, f: Flight) {
        if self.faults.drop_per_mille > 0 && self.rng.range(0, 1000) < self.faults.drop_per_mille {
            return;
        }
        let delay_ms = 1 + if self.faults.delay_ms_max > 0 {
            self.rng.range(0, self.faults.delay_ms_max + 1)
        } else {
            0
        };
        let at = self.now + Duration::from_millis(delay_ms);
        self.seq += 1;
        self.queue.insert((at, self.seq), f);
    }

    fn deliver(&mut self, f: Flight) {
        let now = self.now;
        match f {
            Flight::Raft { from, to, msg } => {
                let linked = self.side[from] == self.side[to] && self.servers[from].is_some();
                if let (true, Some(s)) = (linked, self.servers[to].as_mut()) {
                    s.step(NodeId(from as u32), msg, now);
                    self.flush(to);
                }
            }
            Flight::Request { clerk, to, req } => {
                if self.clerks[clerk].reach[to] && self.servers[to].is_some() {
                    self.requests_delivered += 1;
                    self.deliver_request(clerk, to, req);
                }
            }
            Flight::Reply { clerk, from, reply } => {
                let slot = &mut self.clerks[clerk];
                if !slot.reach[from] || self.servers[from].is_none() {
                    return;
                }
                let k = slot
                    .order
                    .iter()
                    .position(|s| *s == from)
                    .expect("known server");
                slot.replies.push(reply.clone());
                match slot.clerk.on_reply(k, reply) {
                    ClerkEvent::Done { value } => {
                        slot.retry_at = None;
                        slot.done = Some(value);
                    }
                    ClerkEvent::Retry { server, request } => {
                        self.send_request(clerk, server, request)
                    }
                    ClerkEvent::Ignore => {}
                }
            }
        }
    }

    /// Asserts that all live servers hold the same value for each of `keys`.
    pub(crate) fn assert_replicas_agree(&self, keys: &[&str]) {
        let live: Vec<&KvServer> = self.servers.iter().flatten().collect();
        for key in keys {
            let first = live[0].get_value(key);
            for s in &live[1..] {
                assert_eq!(
                    s.get_value(key),
                    first,
                    "seed {}: n{} and n{} differ on {key:?}",
                    self.seed,
                    live[0].id().0,
                    s.id().0
                );
            }
        }
    }
}
