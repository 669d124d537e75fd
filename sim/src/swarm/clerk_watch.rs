//! Liveness during faults for the workloads whose clients are clerks (issue 24 §5): in
//! the kv workload, the KV service's servers; in the shardkv workload, the shard
//! controller's. While a majority of the cluster stays stable (see
//! [`super::stable_majority`]) and reached by the clerks, an operation waiting for an
//! answer must be answered within [`WINDOW_BOUND`].
//!
//! Progress is an operation *completing*: a clerk gets its answer. A clerk is a node
//! like the servers, so a window also asks that a clerk be linked both ways with every
//! server of the majority (the swarm's faults cut links between servers only, so in a
//! swarm run this always holds; the condition keeps the property sound should a fault
//! ever cut a clerk off). The clerks need no help: each retries at the next server
//! after [`crate::cluster::clerk_driver::CLERK_RETRY`] (100 ms), followers answer
//! `WrongLeader` at once, so a clerk reaches the leader of the majority within one
//! turn over the servers: at most 100 ms at each of the (at most three) servers
//! outside the majority, a round trip at each member, well within the second of
//! [`WINDOW_BOUND`] kept for a commit. The property: at no moment of the fault phase
//! has a window been open for [`WINDOW_BOUND`] while an operation was waiting and none
//! completed since the latest of the window's opening, the last completion, and the
//! moment an operation began while none was waiting ([`Served::since`]). So the watch
//! sends nothing: a run that checks it has the trace of the same run without it.
//!
//! In the membership workload the servers are every slot of the cluster and the
//! configuration changes under the watch: a window's set must then be a quorum of the
//! configuration each of its members uses ([`Counting::Configurations`], see
//! [`super::stable_majority`]), not a majority of the slots.

use super::live_watch::{stall_text, Sampler, WINDOW_BOUND};
use super::schedule::Plan;
use super::stable_majority::{Counting, StableMajority, Topology, Window};
use crate::engine::{Duration, Instant, NodeId};
use crate::outcome::Failure;
use crate::tester::{Suite, Task, Tester, Wake};
use std::cell::Cell;
use std::rc::Rc;

/// What the clerks of a cluster have been served: the workload tells it each operation
/// it begins and each answer it gets, and the watch reads it.
#[derive(Debug, Default)]
pub struct Served {
    in_flight: Cell<usize>,
    completed: Cell<u64>,
    since: Cell<Instant>,
}

impl Served {
    /// A clerk began an operation at `now`.
    pub fn begin(&self, now: Instant) {
        if self.in_flight.get() == 0 {
            assert!(self.since.get() <= now, "time went back to {now}");
            self.since.set(now);
        }
        self.in_flight.set(self.in_flight.get() + 1);
    }

    /// A clerk got the answer to its operation at `now`.
    ///
    /// # Panics
    /// If no operation was in flight.
    pub fn complete(&self, now: Instant) {
        let in_flight = self.in_flight.get();
        assert!(in_flight > 0, "an answer at {now} with nothing in flight");
        assert!(self.since.get() <= now, "time went back to {now}");
        self.in_flight.set(in_flight - 1);
        self.completed.set(self.completed.get() + 1);
        self.since.set(now);
    }

    /// Whether an operation is waiting for its answer.
    pub fn waiting(&self) -> bool {
        self.in_flight.get() > 0
    }

    /// Operations completed so far.
    pub fn completed(&self) -> u64 {
        self.completed.get()
    }

    /// Since when the clerks have waited with nothing completed: the latest of the last
    /// completion and the last moment an operation began while none was in flight.
    pub fn since(&self) -> Instant {
        self.since.get()
    }
}

/// Which cluster a watch looks at, for its failure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watched {
    /// The KV service (the kv workload).
    KvService,
    /// The shard controller (the shardkv workload).
    ShardController,
}

impl Watched {
    fn operations(self) -> &'static str {
        match self {
            Watched::KvService => "no clerk's Get, Put or Append completed",
            Watched::ShardController => "no Join, Leave or Move completed",
        }
    }
}

/// The cluster a watch looks at and the clerks it serves.
#[derive(Clone, Debug)]
pub struct Cluster {
    /// Which cluster it is.
    pub watched: Watched,
    /// Its servers, by their tester numbers.
    pub servers: Vec<usize>,
    /// The clerks whose operations [`Served`] counts.
    pub clients: Vec<NodeId>,
    /// How its servers count toward a majority: all voters, or by the configurations
    /// they use (the membership workload).
    pub counting: Counting,
}

/// The watch: a task for the fault phase, spawned after the fault driver so that at an
/// instant both wake it sees what the driver did.
pub struct ClerkWatch {
    watched: Watched,
    /// The cluster's servers, by their tester numbers and engine ids.
    servers: Vec<usize>,
    ids: Vec<NodeId>,
    clients: Vec<NodeId>,
    counting: Counting,
    served: Rc<Served>,
    stop: Rc<Cell<bool>>,
    tracker: StableMajority,
    sampler: Sampler,
    /// The longest window seen, for the run's metrics.
    longest: Rc<Cell<Duration>>,
}

impl ClerkWatch {
    /// A watch for `plan`'s fault phase (which ends when `stop` is set) over
    /// `cluster`, whose clerks' operations `served` counts; the longest window it sees
    /// goes to `longest`.
    ///
    /// # Panics
    /// If the cluster has no servers or no clients.
    pub fn new<S: Suite>(
        t: &Tester<S>,
        plan: &Plan,
        cluster: Cluster,
        served: &Rc<Served>,
        stop: &Rc<Cell<bool>>,
        longest: &Rc<Cell<Duration>>,
    ) -> ClerkWatch {
        let Cluster {
            watched,
            servers,
            clients,
            counting,
        } = cluster;
        assert!(!servers.is_empty(), "{watched:?}: a cluster of no servers");
        assert!(!clients.is_empty(), "{watched:?}: no clerk to serve");
        ClerkWatch {
            watched,
            ids: servers.iter().map(|&i| t.server_id(i)).collect(),
            tracker: match counting {
                Counting::AllVoters => StableMajority::new(servers.len()),
                Counting::Configurations => StableMajority::by_configuration(servers.len()),
            },
            servers,
            clients,
            counting,
            served: served.clone(),
            stop: stop.clone(),
            sampler: Sampler::new(plan),
            longest: longest.clone(),
        }
    }

    /// "no progress during faults": the window, what was outside it, what the clerks
    /// were served, and each server's state.
    fn stalled<S: Suite>(
        &self,
        t: &Tester<S>,
        window: &Window,
        topology: &Topology,
        since: Instant,
    ) -> Failure {
        let now = t.now();
        let what = format!(
            "{} from {since} to {now} ({} >= {WINDOW_BOUND}; {} completed before)",
            self.watched.operations(),
            now - since,
            self.served.completed()
        );
        let mut text = stall_text(now, window, topology, &self.servers, &what);
        for &i in &self.servers {
            text.push('\n');
            text.push_str(&t.describe(i));
        }
        Failure(text)
    }
}

impl<S: Suite> Task<Tester<S>> for ClerkWatch {
    fn poll(&mut self, t: &mut Tester<S>) -> Result<Wake, Failure> {
        if self.stop.get() {
            return Ok(Wake::Done);
        }
        let now = t.now();
        let topology = Topology::of_cluster(t, &self.ids, Some(&self.clients), self.counting);
        self.tracker.observe(now, &topology);
        if let Some(window) = self.tracker.longest() {
            self.longest.set(self.longest.get().max(now - window.since));
            let since = window.since.max(self.served.since());
            if self.served.waiting() && now - since >= WINDOW_BOUND {
                return Err(self.stalled(t, &window, &topology, since));
            }
        }
        Ok(self.sampler.wake(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn served_since_is_the_last_answer_or_the_first_wait() {
        let at = Instant::from_millis;
        let s = Served::default();
        assert!(!s.waiting());
        s.begin(at(100));
        s.begin(at(200));
        assert_eq!((s.since(), s.waiting()), (at(100), true), "the first wait");
        s.complete(at(300));
        assert_eq!((s.since(), s.completed()), (at(300), 1));
        s.complete(at(400));
        assert!(!s.waiting());
        s.begin(at(900));
        assert_eq!(s.since(), at(900), "idle time is no stall");
    }

    #[test]
    #[should_panic(expected = "nothing in flight")]
    fn served_answer_without_a_request_panics() {
        Served::default().complete(Instant::from_millis(1));
    }
}
