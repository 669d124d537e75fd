//! Stable majority windows: the stretches of a run during which some majority of the
//! servers are all up, each in the same incarnation, every link between two of them is
//! up in both directions, and the network delivers within the lab's bounds. Whatever
//! happens outside such a majority (servers outside it crashed or partly connected to
//! it, one-way links into it, flapping links between it and the others) does not end
//! its window: PreVote and CheckQuorum exist to keep exactly such a majority live.
//!
//! When every server is a voter of one fixed cluster ([`Counting::AllVoters`]), the
//! tracker looks only at minimal majorities (`n / 2 + 1` servers): a larger set that is
//! stable makes every minimal majority inside it stable at least as long, so the
//! longest window of any majority is always the window of a minimal one.
//!
//! When the configuration changes during the run (the membership workload,
//! [`Counting::Configurations`]), a set of servers is a majority only by the
//! configurations its members use: the tracker looks at every set of servers, and a
//! set is stable while, besides the above, it is a quorum ([`Configuration::is_quorum`],
//! both halves of a joint one) of the configuration each of its members uses at that
//! instant. Such a set can elect one of its own and commit through it whatever the
//! servers outside do: its most up-to-date member wins the votes of the set, which is a
//! quorum of that member's configuration, and commits with the set as long as the set
//! stays a quorum of the configurations they use. A server with no configuration yet (a
//! spare slot) counts in no set, and a learner adds nothing to a quorum. A change that
//! leaves a set a quorum of its members' configurations (a learner added elsewhere, a
//! server outside it removed) does not close its window; one that does not (a member
//! removed, a voter added so the set is no longer a majority) closes it at the next
//! observation.

use crate::engine::{Duration, Instant, NetConfig, NodeId};
use crate::tester::{Suite, Tester};
use raft_contract::{Configuration, NodeSet};

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
    /// How the servers count toward a majority.
    pub voting: Voting,
}

/// How a cluster's servers count toward a majority: fixed, or by the configurations
/// they use (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Counting {
    /// Every server is a voter of one fixed cluster: a majority is `n / 2 + 1` of them.
    AllVoters,
    /// A set of servers counts when it is a quorum of the configuration each of its
    /// members uses (server `i` of the topology is the cluster's peer `NodeId(i)`).
    Configurations,
}

/// What a topology knows of the servers' votes at one instant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Voting {
    /// [`Counting::AllVoters`].
    AllVoters,
    /// [`Counting::Configurations`]: server `i`'s configuration while it is up.
    Configurations(Vec<Option<Configuration>>),
}

impl Topology {
    /// The servers of tester `t` as they are now, reached by their commands directly,
    /// every one a voter.
    pub fn of<S: Suite>(t: &Tester<S>) -> Topology {
        Topology::of_cluster(t, &t.server_ids(), None, Counting::AllVoters)
    }

    /// The servers `servers` of tester `t` as they are now (server `i` of the topology
    /// is `servers[i]`), reached by the workload through `clients` when given (a server
    /// is reached when one of them is linked with it both ways), else directly, counting
    /// toward a majority as `counting` says (by configuration, `servers` must be one
    /// cluster in peer order).
    pub fn of_cluster<S: Suite>(
        t: &Tester<S>,
        servers: &[NodeId],
        clients: Option<&[NodeId]>,
        counting: Counting,
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
        let voting = match counting {
            Counting::AllVoters => Voting::AllVoters,
            Counting::Configurations => Voting::Configurations(
                servers
                    .iter()
                    .map(|&id| {
                        let node = t.sim.node(id)?;
                        S::visit(node, |raft, _| raft.status().config)
                    })
                    .collect(),
            ),
        };
        Topology {
            alive,
            links,
            net_within_bounds: within_bounds(net.config()),
            reached,
            voting,
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

    /// Whether `members` can decide by the votes the topology knows: always for a
    /// minimal majority of voters; by configuration, when the set is a quorum of the
    /// configuration every one of its members uses.
    fn decides(&self, members: &[usize]) -> bool {
        match &self.voting {
            Voting::AllVoters => true,
            Voting::Configurations(configs) => {
                assert_eq!(configs.len(), self.n(), "one configuration per server");
                let set = NodeSet::of(members.iter().map(|&m| NodeId(m as u32)));
                !members.is_empty()
                    && members
                        .iter()
                        .all(|&m| configs[m].is_some_and(|c| c.is_quorum(set)))
            }
        }
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
    counting: Counting,
}

/// The most servers [`StableMajority::by_configuration`] tracks: it looks at every set
/// of them (a membership run has at most 7).
pub const CONFIGURED_SERVERS_MAX: usize = 10;

impl StableMajority {
    /// The tracker of a cluster of `n` servers, every one a voter
    /// ([`Counting::AllVoters`]), no window open yet.
    ///
    /// # Panics
    /// If `n` is 0 or more than 15 (a schedule's most servers).
    pub fn new(n: usize) -> StableMajority {
        assert!(n > 0, "a cluster of no servers has no majority");
        assert!(n <= 15, "{n} servers: too many majorities to track");
        let size = n / 2 + 1;
        StableMajority::of_sets(
            n,
            |mask| mask.count_ones() as usize == size,
            Counting::AllVoters,
        )
    }

    /// The tracker of a cluster of `n` slots whose configuration changes
    /// ([`Counting::Configurations`]): every non-empty set of them is a candidate.
    ///
    /// # Panics
    /// If `n` is 0 or more than [`CONFIGURED_SERVERS_MAX`].
    pub fn by_configuration(n: usize) -> StableMajority {
        assert!(n > 0, "a cluster of no servers has no majority");
        assert!(
            n <= CONFIGURED_SERVERS_MAX,
            "{n} slots: too many sets to track"
        );
        StableMajority::of_sets(n, |mask| mask != 0, Counting::Configurations)
    }

    /// The sets of `n` servers whose bit mask `keep` admits, in mask order.
    fn of_sets(n: usize, keep: impl Fn(u32) -> bool, counting: Counting) -> StableMajority {
        let candidates = (0u32..1 << n)
            .filter(|&mask| keep(mask))
            .map(|mask| Candidate {
                members: (0..n).filter(|i| mask & (1 << i) != 0).collect(),
                open: None,
            })
            .collect();
        StableMajority {
            candidates,
            counting,
        }
    }

    /// Takes in the cluster as it is at `now`: a window stays open while its majority is
    /// stable in the same incarnations, closes when not, and opens at `now` for a
    /// majority newly stable. The caller must observe at every instant a link may
    /// change (a link cut and restored between two observations goes unseen); a crash
    /// and restart between two observations is seen by the incarnation.
    ///
    /// # Panics
    /// If the topology is of another cluster size or counts votes another way, or time
    /// went backwards.
    pub fn observe(&mut self, now: Instant, topology: &Topology) {
        let counting = match topology.voting {
            Voting::AllVoters => Counting::AllVoters,
            Voting::Configurations(_) => Counting::Configurations,
        };
        assert_eq!(
            counting, self.counting,
            "a topology counting votes another way than the tracker"
        );
        for c in &mut self.candidates {
            assert!(
                c.members.iter().all(|&m| m < topology.n()),
                "members {:?} of a cluster of {} servers",
                c.members,
                topology.n()
            );
            let stable = topology.net_within_bounds
                && topology.connects(&c.members)
                && topology.decides(&c.members);
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
            voting: Voting::AllVoters,
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

    /// `n` slots up and linked, each using `config` (`None`: a spare that has none).
    fn configured(n: usize, configs: &[Option<Configuration>]) -> Topology {
        assert_eq!(configs.len(), n);
        Topology {
            voting: Voting::Configurations(configs.to_vec()),
            ..healthy(n)
        }
    }

    fn voters(ids: &[u32]) -> Configuration {
        Configuration::voters(NodeSet::of(ids.iter().map(|&i| NodeId(i))))
    }

    #[test]
    fn stable_majority_by_configuration_counts_voters_not_spare_slots() {
        // Five slots: voters {0, 1, 2}, slots 3 and 4 spare (no configuration). Two of
        // the three voters are a quorum; the spares count for nothing.
        let c = Some(voters(&[0, 1, 2]));
        let mut t = configured(5, &[c, c, c, None, None]);
        t.alive[2] = None;
        let mut s = StableMajority::by_configuration(5);
        s.observe(at(0), &t);
        let w = s.longest().expect("{0, 1} is a quorum of {0, 1, 2}");
        assert_eq!(w.members, vec![0, 1]);
        // A voter cut off: no set of the running servers decides, whatever the spares.
        cut(&mut t, 0, 1);
        s.observe(at(100), &t);
        assert_eq!(
            s.longest(),
            None,
            "{{3, 4, 1}} is no quorum of any configuration"
        );
        // The same topology counted as five voters would open {0, 3, 4}: the wrong
        // servers (two spares), which the configured count refuses.
        let mut all = StableMajority::new(5);
        let mut flat = t.clone();
        flat.voting = Voting::AllVoters;
        all.observe(at(100), &flat);
        assert_eq!(all.longest().map(|w| w.members), Some(vec![0, 3, 4]));
    }

    #[test]
    fn stable_majority_by_configuration_change_that_breaks_the_quorum_closes_the_window() {
        let old = Some(voters(&[0, 1, 2]));
        let mut s = StableMajority::by_configuration(4);
        let mut t = configured(4, &[old, old, old, None]);
        t.alive[2] = None;
        s.observe(at(0), &t);
        assert_eq!(s.longest().map(|w| w.members), Some(vec![0, 1]));
        // Slot 3 becomes a learner: {0, 1} still decides, its window stays open.
        let learner = Some(Configuration {
            learners: NodeSet::of([NodeId(3)]),
            ..voters(&[0, 1, 2])
        });
        t.voting = Voting::Configurations(vec![learner, learner, learner, learner]);
        s.observe(at(200), &t);
        let w = s.longest().expect("a learner adds nothing to a quorum");
        assert_eq!((w.members, w.since), (vec![0, 1], at(0)));
        // Slot 3 promoted: {0, 1} is 2 of 4 voters, no quorum, and closes; {0, 1, 3},
        // a quorum since slot 3 learned a configuration, stays open.
        let grown = Some(voters(&[0, 1, 2, 3]));
        t.voting = Voting::Configurations(vec![grown, grown, grown, grown]);
        s.observe(at(300), &t);
        let w = s.longest().expect("three of four voters");
        assert_eq!((w.members, w.since), (vec![0, 1, 3], at(200)));
        // Members on different configurations, in each of which the set is a quorum.
        let gone = Some(voters(&[1, 2, 3]));
        t.voting = Voting::Configurations(vec![grown, gone, grown, old]);
        s.observe(at(400), &t);
        assert_eq!(s.longest().map(|w| w.members), Some(vec![0, 1, 3]));
        // Member 0 on a configuration without itself, of which {0, 1, 3} holds one of
        // three voters: closed.
        let without = Some(voters(&[1, 2]));
        t.voting = Voting::Configurations(vec![without, gone, grown, old]);
        s.observe(at(450), &t);
        assert_eq!(s.longest(), None, "{{1}} is no quorum of {{1, 2}}");
        t.voting = Voting::Configurations(vec![grown, gone, grown, old]);
        s.observe(at(500), &t);
        assert_eq!(
            s.longest().map(|w| (w.members, w.since)),
            Some((vec![0, 1, 3], at(500))),
            "reopened"
        );
        let joint = Some(Configuration {
            outgoing: NodeSet::of([NodeId(0), NodeId(2), NodeId(3)]),
            ..voters(&[0, 1, 2])
        });
        t.voting = Voting::Configurations(vec![joint, joint, joint, joint]);
        s.observe(at(600), &t);
        assert_eq!(
            s.longest().map(|w| w.members),
            Some(vec![0, 1, 3]),
            "{{0, 1}} of {{0, 1, 2}} and {{0, 3}} of {{0, 2, 3}}: both halves"
        );
        t.alive[3] = None;
        s.observe(at(700), &t);
        assert_eq!(s.longest(), None, "{{0, 1}} decides only the incoming half");
    }

    #[test]
    #[should_panic(expected = "counting votes another way")]
    fn stable_majority_topology_counted_another_way_panics() {
        let mut s = StableMajority::by_configuration(3);
        s.observe(at(0), &healthy(3));
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
