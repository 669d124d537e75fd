//! Stable majority windows: the stretches of a run during which some majority of the
//! servers are all up, each in the same incarnation, every link between two of them is
//! up in both directions, and the network delivers within the lab's bounds. Whatever
//! happens outside such a majority (servers outside it crashed or partly connected to
//! it, one-way links into it, flapping links between it and the others) does not end
//! its window: PreVote and CheckQuorum exist to keep exactly such a majority live.
//!
//! The tracker looks only at minimal majorities (`n / 2 + 1` servers): a larger set that
//! is stable makes every minimal majority inside it stable at least as long, so the
//! longest window of any majority is always the window of a minimal one.

use crate::engine::{Duration, Instant, NetConfig, NodeId};
use crate::tester::{Suite, Tester};

/// The most a window's network may lose of each message: labrpc's unreliable network
/// (10 % of requests and 10 % of replies), on which the lab elects leaders within 5 s.
pub const LOSS_MAX: f64 = 0.1;

/// The most a window's network may delay a request beyond its latency: labrpc's 26 ms.
pub const DELAY_MAX: Duration = Duration::from_millis(26);

/// How long a stable majority window may go without progress: 8.5 s, the sum of
/// - 2.2 s: a leader outside the majority whose own majority is gone keeps the members
///   that still hear it (one-way links into the majority) from campaigning until
///   CheckQuorum deposes it, within two of its slowest election timeouts (1.1 s, the
///   largest a swarm draws: ours 500 + 600 ms, raft-rs 2 x 50 ticks of 10 ms, openraft
///   at most 1 s);
/// - 5 s: the lab's bound for electing a leader (`check_one_leader`, ten rounds of
///   about 500 ms), which covers the followers' election timeout and split or lost
///   elections on a network that loses up to [`LOSS_MAX`] of messages and delays them
///   by up to [`DELAY_MAX`];
/// - 1 s, rounded up from 0.3: a probe reaches the new leader within [`super::live_watch::PROBE_EVERY`],
///   and a majority applies it after an append round and the next heartbeat (at most
///   150 ms apart), each message delayed by at most [`DELAY_MAX`], some lost and resent.
pub const WINDOW_BOUND: Duration = Duration::from_millis(8_500);

/// What the tracker needs of the cluster at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topology {
    /// Server `i`'s incarnation while it is up, `None` while it is down.
    pub alive: Vec<Option<u32>>,
    /// `links[from * n + to]`: may server `from` send to server `to`?
    pub links: Vec<bool>,
    /// Whether the network is within [`LOSS_MAX`] and [`DELAY_MAX`], without labrpc's
    /// long reordering (a reply 0.2-2.2 s late outlasts an election timeout).
    pub net_within_bounds: bool,
    /// `reached[i]`: does a client of the workload reach server `i` in both directions?
    /// Always true in the raft workload, whose commands the tester starts at the
    /// servers directly; in the kv workload a client is a node like the servers, and a
    /// majority its clerks cannot reach cannot serve them.
    pub reached: Vec<bool>,
}

impl Topology {
    /// The servers of tester `t` as they are now, reached by their commands directly.
    pub fn of<S: Suite>(t: &Tester<S>) -> Topology {
        Topology::of_cluster(t, &t.server_ids(), None)
    }

    /// The servers `servers` of tester `t` as they are now (server `i` of the topology
    /// is `servers[i]`), reached by the workload through `clients` when given (a server
    /// is reached when one of them is linked with it both ways), else directly.
    pub fn of_cluster<S: Suite>(
        t: &Tester<S>,
        servers: &[NodeId],
        clients: Option<&[NodeId]>,
    ) -> Topology {
        let net = t.sim.net();
        let alive = servers
            .iter()
            .map(|&id| t.sim.is_alive(id).then(|| t.sim.incarnation(id)))
            .collect();
        let links = servers
            .iter()
            .flat_map(|&from| servers.iter().map(move |&to| (from, to)))
            .map(|(from, to)| from == to || net.link(from, to))
            .collect();
        let reached = servers
            .iter()
            .map(|&s| clients.is_none_or(|cs| cs.iter().any(|&c| net.link(c, s) && net.link(s, c))))
            .collect();
        Topology {
            alive,
            links,
            net_within_bounds: within_bounds(net.config()),
            reached,
        }
    }

    /// Number of servers.
    pub fn n(&self) -> usize {
        self.alive.len()
    }

    /// Whether `from` may send to `to`.
    pub fn link(&self, from: usize, to: usize) -> bool {
        self.links[from * self.n() + to]
    }

    /// Whether every server of `members` is up, reached by the clients, and reaches
    /// every other both ways.
    fn connects(&self, members: &[usize]) -> bool {
        members
            .iter()
            .all(|&a| self.alive[a].is_some() && self.reached[a])
            && members
                .iter()
                .all(|&a| members.iter().all(|&b| self.link(a, b)))
    }

    /// What server `x` outside `members` is to them: down, or which of them it reaches
    /// and which reach it; server `i` is named `names[i]` (the tester's number of a
    /// server of this topology).
    ///
    /// # Panics
    /// If `names` does not name every server.
    pub fn relation(&self, x: usize, members: &[usize], names: &[usize]) -> String {
        assert_eq!(names.len(), self.n(), "one name per server");
        let name = names[x];
        if self.alive[x].is_none() {
            return format!("server {name} down");
        }
        let to: Vec<usize> = members
            .iter()
            .filter(|&&m| self.link(x, m))
            .map(|&m| names[m])
            .collect();
        let from: Vec<usize> = members
            .iter()
            .filter(|&&m| self.link(m, x))
            .map(|&m| names[m])
            .collect();
        let unreached = match self.reached[x] {
            true => "",
            false => ", no client reaches it",
        };
        format!("server {name} sends to {to:?}, hears from {from:?}{unreached}")
    }
}

/// Whether a network configuration is within the bounds windows require.
pub fn within_bounds(net: &NetConfig) -> bool {
    let lossy = !net.reliable;
    !net.long_reordering
        && (!lossy || (net.drop_probability <= LOSS_MAX && net.unreliable_delay_max <= DELAY_MAX))
}

/// One minimal majority and its open window.
#[derive(Clone, Debug)]
struct Candidate {
    members: Vec<usize>,
    /// When its window opened, and its members' incarnations then.
    open: Option<(Instant, Vec<u32>)>,
}

/// An open window: a minimal majority and since when it has been stable.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Its servers, in order.
    pub members: Vec<usize>,
    /// When the tracker first saw it stable.
    pub since: Instant,
}

/// The windows of every minimal majority of a cluster, kept up to date by
/// [`StableMajority::observe`].
#[derive(Clone, Debug)]
pub struct StableMajority {
    candidates: Vec<Candidate>,
}

impl StableMajority {
    /// The tracker of a cluster of `n` servers, no window open yet.
    ///
    /// # Panics
    /// If `n` is 0 or more than 15 (a schedule's most servers).
    pub fn new(n: usize) -> StableMajority {
        assert!(n > 0, "a cluster of no servers has no majority");
        assert!(n <= 15, "{n} servers: too many majorities to track");
        let size = n / 2 + 1;
        let candidates = (0u32..1 << n)
            .filter(|mask| mask.count_ones() as usize == size)
            .map(|mask| Candidate {
                members: (0..n).filter(|i| mask & (1 << i) != 0).collect(),
                open: None,
            })
            .collect();
        StableMajority { candidates }
    }

    /// Takes in the cluster as it is at `now`: a window stays open while its majority is
    /// stable in the same incarnations, closes when not, and opens at `now` for a
    /// majority newly stable. The caller must observe at every instant a link may
    /// change (a link cut and restored between two observations goes unseen); a crash
    /// and restart between two observations is seen by the incarnation.
    ///
    /// # Panics
    /// If the topology is of another cluster size, or time went backwards.
    pub fn observe(&mut self, now: Instant, topology: &Topology) {
        for c in &mut self.candidates {
            assert!(
                c.members.iter().all(|&m| m < topology.n()),
                "members {:?} of a cluster of {} servers",
                c.members,
                topology.n()
            );
            let stable = topology.net_within_bounds && topology.connects(&c.members);
            let now_incarnations: Vec<u32> = c
                .members
                .iter()
                .filter_map(|&m| topology.alive[m])
                .collect();
            c.open = match c.open.take() {
                Some((since, inc)) if stable && inc == now_incarnations => {
                    assert!(since <= now, "window opened at {since}, after {now}");
                    Some((since, inc))
                }
                _ if stable => Some((now, now_incarnations)),
                _ => None,
            };
        }
    }

    /// The window open longest, if any (the first in member order among equals).
    pub fn longest(&self) -> Option<Window> {
        self.candidates
            .iter()
            .filter_map(|c| c.open.as_ref().map(|(since, _)| (since, &c.members)))
            .min_by_key(|(since, _)| **since)
            .map(|(since, members)| Window {
                members: members.clone(),
                since: *since,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every server up in incarnation 0, every link up, the network within bounds.
    fn healthy(n: usize) -> Topology {
        Topology {
            alive: vec![Some(0); n],
            links: vec![true; n * n],
            net_within_bounds: true,
            reached: vec![true; n],
        }
    }

    fn cut(t: &mut Topology, from: usize, to: usize) {
        let n = t.n();
        t.links[from * n + to] = false;
    }

    fn at(ms: u64) -> Instant {
        Instant::from_millis(ms)
    }

    #[test]
    fn stable_majority_healthy_cluster_opens_one_window_per_minimal_majority() {
        let mut s = StableMajority::new(5);
        assert_eq!(s.candidates.len(), 10, "C(5, 3)");
        s.observe(at(0), &healthy(5));
        s.observe(at(100), &healthy(5));
        assert_eq!(
            s.longest(),
            Some(Window {
                members: vec![0, 1, 2],
                since: at(0)
            })
        );
    }

    #[test]
    fn stable_majority_faults_outside_the_majority_keep_its_window_open() {
        let mut s = StableMajority::new(5);
        s.observe(at(0), &healthy(5));
        let mut t = healthy(5);
        // Server 4 down, server 3 hears no one and reaches only server 0 (one way).
        t.alive[4] = None;
        for m in 0..3 {
            cut(&mut t, m, 3);
            if m != 0 {
                cut(&mut t, 3, m);
            }
        }
        s.observe(at(500), &t);
        let w = s.longest().expect("{0, 1, 2} stays stable");
        assert_eq!((w.members, w.since), (vec![0, 1, 2], at(0)));
        let names: Vec<usize> = (0..5).collect();
        assert_eq!(
            t.relation(3, &[0, 1, 2], &names),
            "server 3 sends to [0], hears from []"
        );
        assert_eq!(t.relation(4, &[0, 1, 2], &names), "server 4 down");
        let shifted: Vec<usize> = (10..15).collect();
        assert_eq!(
            t.relation(3, &[0, 1, 2], &shifted),
            "server 13 sends to [10], hears from []"
        );
    }

    #[test]
    fn stable_majority_one_way_cut_inside_or_a_restart_closes_the_window() {
        let mut s = StableMajority::new(3);
        s.observe(at(0), &healthy(3));
        let mut t = healthy(3);
        cut(&mut t, 1, 0);
        s.observe(at(200), &t);
        // {0, 2} and {1, 2} lack nothing: only {0, 1} lost a direction.
        assert_eq!(s.longest().map(|w| w.members), Some(vec![0, 2]));
        cut(&mut t, 2, 0);
        s.observe(at(300), &t);
        assert_eq!(s.longest().map(|w| w.members), Some(vec![1, 2]));
        // Server 2 crashed and restarted between two observations: a new window.
        t.alive[2] = Some(1);
        s.observe(at(400), &t);
        assert_eq!(s.longest().map(|w| w.since), Some(at(400)));
        let mut lossy = healthy(3);
        lossy.net_within_bounds = false;
        s.observe(at(500), &lossy);
        assert_eq!(s.longest(), None, "no window on a network beyond bounds");
    }

    #[test]
    fn stable_majority_server_its_clients_cannot_reach_is_in_no_window() {
        let mut s = StableMajority::new(3);
        let mut t = healthy(3);
        t.reached[0] = false;
        s.observe(at(0), &t);
        assert_eq!(s.longest().map(|w| w.members), Some(vec![1, 2]));
        t.reached[1] = false;
        s.observe(at(100), &t);
        assert_eq!(s.longest(), None, "no majority the clients reach");
    }

    #[test]
    fn within_bounds_lab_unreliable_yes_lossier_slower_or_reordering_no() {
        let lab = NetConfig {
            reliable: false,
            drop_probability: 0.1,
            unreliable_delay_max: Duration::from_millis(26),
            ..NetConfig::default()
        };
        assert!(within_bounds(&lab));
        assert!(within_bounds(&NetConfig::default()));
        let lossier = NetConfig {
            drop_probability: 0.2,
            ..lab.clone()
        };
        let slower = NetConfig {
            unreliable_delay_max: Duration::from_millis(100),
            ..lab.clone()
        };
        let reordering = NetConfig {
            long_reordering: true,
            ..lab
        };
        for net in [lossier, slower, reordering] {
            assert!(!within_bounds(&net), "{net:?}");
        }
    }
}
