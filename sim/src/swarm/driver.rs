//! The task that carries out a schedule's faults at their times, on any tester.

use super::schedule::{Fault, Scheduled, Target, TrapOn};
use crate::engine::{Duration, Instant, NetConfig, NodeId};
use crate::outcome::Failure;
use crate::tester::trap::{Springs, Trap};
use crate::tester::{Suite, Task, Tester, Wake};

/// Something the driver owes the cluster later: the rest of a flap, or a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Later {
    /// Link a <-> b up or down.
    Link(usize, usize, bool),
    /// Restart a crashed server.
    Restart(usize),
}

/// Carries out a schedule on a tester, then stops (or when told to, for the liveness
/// phase).
pub struct FaultDriver {
    stop: std::rc::Rc<std::cell::Cell<bool>>,
    faults: Vec<Scheduled>,
    next: usize,
    later: Vec<(Instant, Later)>,
    /// The network as the run started, which a Network fault changes.
    base: NetConfig,
}

impl FaultDriver {
    /// A driver for `faults` (in time order) on a network that starts as `base`; it
    /// quits at its next wake once `stop` is set.
    pub fn new(
        faults: Vec<Scheduled>,
        base: NetConfig,
        stop: std::rc::Rc<std::cell::Cell<bool>>,
    ) -> FaultDriver {
        FaultDriver {
            stop,
            faults,
            next: 0,
            later: Vec::new(),
            base,
        }
    }

    /// When it next has something to do.
    fn wake(&self) -> Wake {
        let fault = self
            .faults
            .get(self.next)
            .map(|s| Instant::ZERO + Duration::from_millis(s.at_ms));
        let later = self.later.iter().map(|(at, _)| *at).min();
        match (fault, later) {
            (None, None) => Wake::Done,
            (a, b) => Wake::At(a.into_iter().chain(b).min().expect("one of them")),
        }
    }
}

impl<S: Suite> Task<Tester<S>> for FaultDriver {
    fn poll(&mut self, t: &mut Tester<S>) -> Result<Wake, Failure> {
        if self.stop.get() {
            return Ok(Wake::Done);
        }
        let now = t.sim.now();
        // What was owed first, in the order it was scheduled, then the faults due.
        let (due, rest): (Vec<_>, Vec<_>) = self.later.drain(..).partition(|(at, _)| *at <= now);
        self.later = rest;
        for (_, later) in due {
            match later {
                Later::Link(a, b, up) => link(t, a, b, up),
                Later::Restart(i) => t.restart_server(i)?,
            }
        }
        while let Some(s) = self.faults.get(self.next) {
            if Instant::ZERO + Duration::from_millis(s.at_ms) > now {
                break;
            }
            let fault = s.fault.clone();
            self.next += 1;
            self.apply(t, &fault, now)?;
        }
        Ok(self.wake())
    }
}

impl FaultDriver {
    fn apply<S: Suite>(
        &mut self,
        t: &mut Tester<S>,
        fault: &Fault,
        now: Instant,
    ) -> Result<(), Failure> {
        let n = t.server_ids().len();
        match fault {
            Fault::Partition { sides } => {
                let refs: Vec<&[usize]> = sides.iter().map(Vec::as_slice).collect();
                split(t, &refs, "partition");
            }
            Fault::IsolateLeader => {
                if let Some(l) = t.leader_index() {
                    let others: Vec<usize> = (0..n).filter(|&i| i != l).collect();
                    split(t, &[&[l], &others], "isolate the leader");
                }
            }
            Fault::DeafLeader { unheard } => {
                if let Some(l) = t.leader_index() {
                    deafen(t, l, *unheard);
                }
            }
            Fault::OneWay { from, to } => {
                let ids = t.server_ids();
                let (a, b) = (ids[*from], ids[*to]);
                t.sim
                    .set_links(&[(a, b)], false, &format!("cut {a} -> {b}"));
            }
            Fault::Bridge {
                bridge,
                left,
                right,
            } => {
                heal(t);
                let ids = t.server_ids();
                let mut cut = Vec::new();
                for &l in left {
                    for &r in right {
                        cut.push((ids[l], ids[r]));
                        cut.push((ids[r], ids[l]));
                    }
                }
                let describe = format!("bridge {left:?} <-{bridge}-> {right:?}");
                t.sim.set_links(&cut, false, &describe);
            }
            Fault::Flap {
                a,
                b,
                period_ms,
                times,
            } => {
                // Down now, up a period later, down again a period after that, ...
                let period = Duration::from_millis((*period_ms).max(1));
                link(t, *a, *b, false);
                for k in 0..u64::from(*times) {
                    if k > 0 {
                        self.later
                            .push((now + period * (2 * k), Later::Link(*a, *b, false)));
                    }
                    self.later
                        .push((now + period * (2 * k + 1), Later::Link(*a, *b, true)));
                }
            }
            Fault::Heal => heal(t),
            Fault::Crash { nodes, down_ms } => {
                let back = now + Duration::from_millis(*down_ms);
                for target in nodes {
                    let Some(i) = resolve(t, *target) else {
                        continue;
                    };
                    if t.sim.is_alive(t.server_ids()[i]) {
                        t.crash_server(i);
                        self.later.push((back, Later::Restart(i)));
                    }
                }
            }
            Fault::Trap {
                node,
                on,
                within_ms,
                down_ms,
            } => {
                if let Some(i) = resolve(t, *node) {
                    let springs = match on {
                        TrapOn::VoteOrTerm => Springs::VoteOrTerm,
                        TrapOn::Ack => Springs::Ack,
                        TrapOn::StateChange => Springs::StateChange,
                    };
                    let until = now + Duration::from_millis(*within_ms);
                    t.trap = Some(Trap::new(
                        i,
                        springs,
                        until,
                        Duration::from_millis(*down_ms),
                    ));
                }
            }
            Fault::Network {
                loss,
                duplicate,
                delay_ms_max,
                long_reordering,
            } => {
                let faults = NetFaults {
                    loss: *loss,
                    duplicate: *duplicate,
                    delay_ms_max: *delay_ms_max,
                    long_reordering: *long_reordering,
                };
                t.sim.set_net_config(faults.on(&self.base));
            }
        }
        Ok(())
    }
}

/// Every instant at which a driver of `faults` may change the cluster: each fault's
/// time, each later turn of a flap and each restart after a crash. A watcher that must
/// see every change of the links ([`super::stable_majority::StableMajority`]) looks at
/// these instants; a trap's crash and restart fall in between and are told by the
/// server's incarnation.
pub fn change_instants(faults: &[Scheduled]) -> Vec<Instant> {
    let mut instants = Vec::new();
    for s in faults {
        let at = Instant::ZERO + Duration::from_millis(s.at_ms);
        instants.push(at);
        match &s.fault {
            // The same arithmetic as `apply`: a turn every period, 2 * times - 1 of them.
            Fault::Flap {
                period_ms, times, ..
            } => {
                let period = Duration::from_millis((*period_ms).max(1));
                for k in 1..2 * u64::from(*times) {
                    instants.push(at + period * k);
                }
            }
            Fault::Crash { down_ms, .. } => instants.push(at + Duration::from_millis(*down_ms)),
            _ => {}
        }
    }
    instants.sort_unstable();
    instants.dedup();
    instants
}

/// The server a target names now.
fn resolve<S: Suite>(t: &Tester<S>, target: Target) -> Option<usize> {
    match target {
        Target::Node(i) => Some(i),
        Target::Leader => t.leader_index(),
    }
}

/// Both directions between servers `a` and `b`.
fn link<S: Suite>(t: &mut Tester<S>, a: usize, b: usize, up: bool) {
    let ids = t.server_ids();
    let (x, y) = (ids[a], ids[b]);
    let word = if up { "link" } else { "cut" };
    t.sim
        .set_links(&[(x, y), (y, x)], up, &format!("{word} {x} <-> {y}"));
}

/// Servers talk within their side only (between servers; clerks keep their links).
pub fn split<S: Suite>(t: &mut Tester<S>, sides: &[&[usize]], what: &str) {
    let ids = t.server_ids();
    let mut up = Vec::new();
    let mut down = Vec::new();
    for (si, side) in sides.iter().enumerate() {
        for (sj, other) in sides.iter().enumerate() {
            for &a in side.iter() {
                for &b in other.iter() {
                    if a != b {
                        let pair: (NodeId, NodeId) = (ids[a], ids[b]);
                        if si == sj {
                            up.push(pair);
                        } else {
                            down.push(pair);
                        }
                    }
                }
            }
        }
    }
    let describe = format!("{what} {sides:?}");
    t.sim.set_links(&down, false, &describe);
    t.sim.set_links(&up, true, &describe);
}

/// Server `l` hears no server, and sends to all but the `unheard` lowest numbered of
/// the others: every link into it down, and its links out down to those and up to the
/// rest (so that the fault is what it says whatever was cut before).
fn deafen<S: Suite>(t: &mut Tester<S>, l: usize, unheard: usize) {
    let ids = t.server_ids();
    assert!(l < ids.len(), "deafen server {l} of {}", ids.len());
    let others: Vec<usize> = (0..ids.len()).filter(|&i| i != l).collect();
    let (mute, heard) = others.split_at(unheard.min(others.len()));
    assert_eq!(
        mute.len() + heard.len(),
        others.len(),
        "every other server once"
    );
    let mut down: Vec<(NodeId, NodeId)> = others.iter().map(|&i| (ids[i], ids[l])).collect();
    down.extend(mute.iter().map(|&i| (ids[l], ids[i])));
    let up: Vec<(NodeId, NodeId)> = heard.iter().map(|&i| (ids[l], ids[i])).collect();
    let describe = format!("deafen the leader {l}: hears none, heard by {heard:?}");
    t.sim.set_links(&down, false, &describe);
    t.sim.set_links(&up, true, &describe);
}

/// Every link between servers up.
pub fn heal<S: Suite>(t: &mut Tester<S>) {
    let all: Vec<usize> = (0..t.server_ids().len()).collect();
    split(t, &[&all], "heal");
}

/// The network faults of a profile or of a Network fault.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NetFaults {
    /// Loss probability of each message.
    pub loss: f64,
    /// Duplication probability of each message.
    pub duplicate: f64,
    /// Largest extra delay of a request, in milliseconds.
    pub delay_ms_max: u64,
    /// labrpc's long reordering of replies.
    pub long_reordering: bool,
}

impl NetFaults {
    /// The network `base` with these faults: lossy and slow only if asked.
    pub fn on(&self, base: &NetConfig) -> NetConfig {
        NetConfig {
            reliable: self.loss == 0.0 && self.delay_ms_max == 0,
            drop_probability: self.loss,
            unreliable_delay_max: Duration::from_millis(self.delay_ms_max),
            duplicate_probability: self.duplicate,
            long_reordering: self.long_reordering,
            ..base.clone()
        }
    }
}
