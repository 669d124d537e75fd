//! Liveness during faults (issue 24 §5): while the fault phase goes on, a majority that
//! stays stable (see [`super::stable_majority`]) for [`WINDOW_BOUND`] must make
//! progress, whatever the faults outside it. Checked in the raft workload of the runs
//! whose profile enables it ([`super::Profile::live_during_faults`]).
//!
//! Progress is the *majority frontier* moving: the highest log index that a majority of
//! the servers has applied grows. The property: at no moment of the fault phase has a
//! stable majority window been open for [`WINDOW_BOUND`] while the frontier stood still
//! since the later of the window's opening and the last progress. So a long window must
//! keep making progress, each stretch of [`WINDOW_BOUND`] of it.
//!
//! The workload starts its commands at random servers, so a leader may go seconds
//! without one; the watch therefore offers a probe command to every server that claims
//! leadership at each of its samples, every [`PROBE_EVERY`]: the property asks only for
//! what a live leader can do with the commands it is given. The probes are why a run
//! with the property has another trace than the same seed without it.

use super::driver::change_instants;
use super::schedule::Plan;
pub use super::stable_majority::WINDOW_BOUND;
use super::stable_majority::{StableMajority, Topology, Window, DELAY_MAX, LOSS_MAX};
use crate::cluster::Cmd;
use crate::engine::{Duration, Instant};
use crate::implementation::Implementation;
use crate::outcome::Failure;
use crate::tester::{RaftTester, Task, Wake};
use std::cell::Cell;
use std::rc::Rc;

/// How often the watch samples the cluster and offers probes to leaders.
pub const PROBE_EVERY: Duration = Duration::from_millis(100);

/// The watch: a task on the raft tester for the fault phase, spawned after the fault
/// driver so that at an instant both wake it sees what the driver did.
pub struct LiveWatch {
    stop: Rc<Cell<bool>>,
    tracker: StableMajority,
    sampler: Sampler,
    /// The highest index a majority has applied, and when it last grew.
    frontier: u64,
    progress_at: Instant,
    probes: u64,
    /// The longest window seen, for the run's metrics.
    longest: Rc<Cell<Duration>>,
}

impl LiveWatch {
    /// A watch for `plan`'s fault phase, which ends when `stop` is set; the longest
    /// window it sees goes to `longest`.
    pub fn new(plan: &Plan, stop: Rc<Cell<bool>>, longest: Rc<Cell<Duration>>) -> LiveWatch {
        LiveWatch {
            stop,
            tracker: StableMajority::new(plan.profile.servers),
            sampler: Sampler::new(plan),
            frontier: 0,
            progress_at: Instant::ZERO,
            probes: 0,
            longest,
        }
    }

    /// Moves the frontier to the highest index a majority has applied.
    fn advance_frontier<I: Implementation>(&mut self, t: &RaftTester<I>) -> Result<(), Failure> {
        let majority = t.n() / 2 + 1;
        for index in (self.frontier + 1..=t.max_index()).rev() {
            if t.n_committed(index)?.0 >= majority {
                assert!(index > self.frontier, "the frontier only grows");
                self.frontier = index;
                self.progress_at = t.now();
                break;
            }
        }
        Ok(())
    }

    /// Offers a probe to every server that claims leadership.
    fn probe<I: Implementation>(&mut self, t: &mut RaftTester<I>) -> Result<(), Failure> {
        for i in 0..t.n() {
            if t.leads(t.server_id(i)) {
                self.probes += 1;
                t.start(i, Cmd::Text(format!("probe {}", self.probes)))?;
            }
        }
        Ok(())
    }
}

/// When a watch looks at the cluster: at every instant the fault driver may change a
/// link (so that [`StableMajority::observe`] sees every change) and every
/// [`PROBE_EVERY`] (the samples).
pub struct Sampler {
    /// The instants the driver may change links at, in order, and the next one due.
    changes: Vec<Instant>,
    next_change: usize,
    next_sample: Instant,
}

impl Sampler {
    /// The instants of `plan`'s fault phase, from its start.
    pub fn new(plan: &Plan) -> Sampler {
        Sampler {
            changes: change_instants(&plan.faults),
            next_change: 0,
            next_sample: Instant::ZERO,
        }
    }

    /// Whether `now` is a sample (not only a change).
    pub fn sampling(&self, now: Instant) -> bool {
        now >= self.next_sample
    }

    /// When to be polled next, after a poll at `now`: the next sample or the next
    /// change, whichever is first.
    pub fn wake(&mut self, now: Instant) -> Wake {
        while self
            .changes
            .get(self.next_change)
            .is_some_and(|&c| c <= now)
        {
            self.next_change += 1;
        }
        while self.next_sample <= now {
            self.next_sample += PROBE_EVERY;
        }
        assert!(self.next_sample > now, "the next sample is after {now}");
        let change = self.changes.get(self.next_change).copied();
        let at = change.map_or(self.next_sample, |c| c.min(self.next_sample));
        assert!(at > now, "a wake at {at}, not after {now}");
        Wake::At(at)
    }
}

impl<I: Implementation> Task<RaftTester<I>> for LiveWatch {
    fn poll(&mut self, t: &mut RaftTester<I>) -> Result<Wake, Failure> {
        if self.stop.get() {
            return Ok(Wake::Done);
        }
        let now = t.now();
        let topology = Topology::of(t);
        self.tracker.observe(now, &topology);
        self.advance_frontier(t)?;
        if let Some(window) = self.tracker.longest() {
            let open = now - window.since;
            self.longest.set(self.longest.get().max(open));
            let since = window.since.max(self.progress_at);
            if now - since >= WINDOW_BOUND {
                return Err(stalled(t, &window, &topology, since, self.frontier));
            }
        }
        if self.sampler.sampling(now) {
            self.probe(t)?;
        }
        Ok(self.sampler.wake(now))
    }
}

/// "no progress during faults": the window, what was outside it, the frontier, and each
/// server's state.
fn stalled<I: Implementation>(
    t: &RaftTester<I>,
    window: &Window,
    topology: &Topology,
    since: Instant,
    frontier: u64,
) -> Failure {
    let now = t.now();
    let all: Vec<usize> = (0..t.n()).collect();
    let what = format!(
        "nothing new was applied by a majority from {since} to {now} ({} >= {WINDOW_BOUND}; \
         highest index applied by a majority: {frontier})",
        now - since
    );
    let mut text = stall_text(now, window, topology, &all, &what);
    for i in 0..t.n() {
        text.push('\n');
        text.push_str(&t.describe(i));
    }
    Failure(text)
}

/// The first line of a "no progress during faults" failure: the window of `topology`,
/// whose server `i` is the tester's server `servers[i]`, `what` did not happen in it,
/// and what was outside it.
pub fn stall_text(
    now: Instant,
    window: &Window,
    topology: &Topology,
    servers: &[usize],
    what: &str,
) -> String {
    assert_eq!(servers.len(), topology.n(), "one name per server");
    assert!(
        window.since <= now,
        "a window open at {} after {now}",
        window.since
    );
    let named = |members: &[usize]| members.iter().map(|&m| servers[m]).collect::<Vec<_>>();
    let outside: Vec<String> = (0..topology.n())
        .filter(|i| !window.members.contains(i))
        .map(|x| topology.relation(x, &window.members, servers))
        .collect();
    format!(
        "no progress during faults: servers {:?} were up and linked both ways from {} to {} \
         (a stable majority window, on a network within loss <= {LOSS_MAX} and delay <= {DELAY_MAX}), \
         and {what}; outside: {}",
        named(&window.members),
        window.since,
        now,
        if outside.is_empty() {
            "nothing".to_string()
        } else {
            outside.join("; ")
        }
    )
}
