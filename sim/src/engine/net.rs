//! The simulated network: who can reach whom, and what happens to each message.
//!
//! Faithful to MIT 6.5840's labrpc by default (see `shared/spec/6.5840-tests.md` §1):
//! - reliable mode: every message arrives after the base latency
//!   ([`NetConfig::latency_min`]..=[`NetConfig::latency_max`], 0.5-1.5 ms by default, so
//!   two messages in flight can still swap as labrpc's goroutines can);
//! - unreliable mode: a request is delayed a further uniform 0-26 ms (whole
//!   milliseconds, as `rand.Int() % 27`) and lost with probability 10%; a reply (the
//!   handler has run) is lost with probability 10%; so a round trip succeeds 81% of the
//!   time and a handler can run while its caller never hears back;
//! - long reordering (TestFigure8Unreliable): 2/3 of surviving replies arrive after
//!   `200 + U(0, U(0, 2000))` ms;
//! - duplication with a configurable probability (off by default; labrpc has none).
//!
//! Connectivity is a directed link matrix. The lab tester's `connect`/`disconnect`
//! (all connected nodes form one clique), explicit partitions, one-way cuts and client
//! endpoints limited to some servers are all operations on it. A link is checked when a
//! message is sent, as labrpc checks `enabled[end]` when a call enters the network: a
//! message already in flight when a link goes down still arrives.
//!
//! labrpc's failed-call timers (0-99 ms, or 0-7 s with long delays) have no counterpart:
//! messages here are one-way, and a node that wants an answer sets its own timer.

use super::rng::SimRng;
use raft_contract::{Duration, NodeId};
use serde::{Deserialize, Serialize};

/// Fault and latency settings of the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetConfig {
    /// Smallest one-way latency of any message.
    pub latency_min: Duration,
    /// Largest one-way latency of any message (drawn uniformly in whole microseconds).
    pub latency_max: Duration,
    /// When false, requests are delayed and lost, and replies lost, as in labrpc.
    pub reliable: bool,
    /// Largest extra delay of a request in unreliable mode (labrpc: 26 ms).
    pub unreliable_delay_max: Duration,
    /// Probability that an unreliable network loses a request, and separately a reply.
    pub drop_probability: f64,
    /// When true, a share of replies is held back for a long time (TestFigure8Unreliable).
    pub long_reordering: bool,
    /// Share of surviving replies that long reordering delays (labrpc: 600/900).
    pub long_reorder_share: f64,
    /// Fixed part of a long-reordering delay (labrpc: 200 ms).
    pub long_reorder_base: Duration,
    /// Bound of the skewed random part of a long-reordering delay (labrpc: 2000 ms).
    pub long_reorder_spread: Duration,
    /// Probability that a delivered message is delivered a second time.
    pub duplicate_probability: f64,
}

impl Default for NetConfig {
    fn default() -> Self {
        NetConfig {
            latency_min: Duration::from_micros(500),
            latency_max: Duration::from_micros(1500),
            reliable: true,
            unreliable_delay_max: Duration::from_millis(26),
            drop_probability: 0.1,
            long_reordering: false,
            long_reorder_share: 600.0 / 900.0,
            long_reorder_base: Duration::from_millis(200),
            long_reorder_spread: Duration::from_millis(2000),
            duplicate_probability: 0.0,
        }
    }
}

/// Why a message was not delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum DropReason {
    /// The link from sender to receiver was down when the message was sent.
    NoLink,
    /// The unreliable network lost it.
    Lost,
    /// The receiver was down, or restarted, before the message arrived.
    Dead,
}

impl DropReason {
    /// A short word for traces.
    pub fn as_str(self) -> &'static str {
        match self {
            DropReason::NoLink => "nolink",
            DropReason::Lost => "lost",
            DropReason::Dead => "dead",
        }
    }
}

/// What the network decided for one message: dropped, or delivered after one or two
/// delays (two when it is duplicated).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Route {
    /// Not delivered.
    Drop(DropReason),
    /// Delivered after the delay, and again after the second delay if duplicated.
    Deliver(Duration, Option<Duration>),
}

/// Message counters of one node, or of the whole network.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetStats {
    /// Messages sent (including ones later dropped).
    pub sent: u64,
    /// Messages delivered to a live handler.
    pub delivered: u64,
    /// Requests delivered to a live handler (what the lab's `GetCount(server)` counts).
    pub requests_delivered: u64,
    /// Messages dropped, for any reason.
    pub dropped: u64,
    /// Bytes as labrpc counts them: encoded requests when sent, encoded replies when
    /// delivered.
    pub rpc_bytes: u64,
    /// Encoded bytes of every message sent.
    pub bytes_sent: u64,
}

/// Connectivity and fault state of the network, with its counters.
#[derive(Clone, Debug, Default)]
pub struct Network {
    config: NetConfig,
    /// `links[from * n + to]`: may `from` send to `to`?
    links: Vec<bool>,
    /// The lab tester's `connected[]` flags, used by `connect`.
    connected: Vec<bool>,
    n: usize,
    per_node: Vec<NetStats>,
    total: NetStats,
}

impl Network {
    /// A network with no nodes yet.
    pub fn new(config: NetConfig) -> Network {
        Network {
            config,
            ..Network::default()
        }
    }

    /// The current fault settings.
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    /// Mutable fault settings (prefer the named setters of the simulation, which trace).
    pub fn config_mut(&mut self) -> &mut NetConfig {
        &mut self.config
    }

    /// Adds a node that starts disconnected, as labrpc's ends start disabled.
    pub fn add_node(&mut self) -> NodeId {
        let old = self.n;
        let n = old + 1;
        let mut links = vec![false; n * n];
        for from in 0..old {
            for to in 0..old {
                links[from * n + to] = self.links[from * old + to];
            }
        }
        self.links = links;
        self.n = n;
        self.connected.push(false);
        self.per_node.push(NetStats::default());
        NodeId(u32::try_from(old).expect("too many nodes"))
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.n
    }

    /// True when there are no nodes.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// May `from` send to `to` now?
    pub fn link(&self, from: NodeId, to: NodeId) -> bool {
        self.links[from.index() * self.n + to.index()]
    }

    /// Opens or closes the one-way link `from -> to`.
    pub fn set_link(&mut self, from: NodeId, to: NodeId, up: bool) {
        assert!(from.index() < self.n, "set_link: unknown node {from}");
        assert!(to.index() < self.n, "set_link: unknown node {to}");
        self.links[from.index() * self.n + to.index()] = up;
    }

    /// Opens or closes both directions between `a` and `b`.
    pub fn set_link_both(&mut self, a: NodeId, b: NodeId, up: bool) {
        self.set_link(a, b, up);
        self.set_link(b, a, up);
    }

    /// The lab's `connect(i)`: links `i` both ways with every connected node in `among`.
    pub fn connect(&mut self, i: NodeId, among: &[NodeId]) {
        self.connected[i.index()] = true;
        for &j in among {
            if j != i && self.connected[j.index()] {
                self.set_link_both(i, j, true);
            }
        }
    }

    /// The lab's `disconnect(i)`: closes every link to and from `i` within `among`.
    pub fn disconnect(&mut self, i: NodeId, among: &[NodeId]) {
        self.connected[i.index()] = false;
        for &j in among {
            if j != i {
                self.set_link_both(i, j, false);
            }
        }
    }

    /// Is `i` marked connected (the lab's `connected[i]`)?
    pub fn is_connected(&self, i: NodeId) -> bool {
        self.connected[i.index()]
    }

    /// Splits `groups` into sides that talk within but not across (the kvraft tester's
    /// `partition(p1, p2)`, generalised to any number of sides).
    pub fn partition(&mut self, groups: &[&[NodeId]]) {
        for (gi, g) in groups.iter().enumerate() {
            for (hi, h) in groups.iter().enumerate() {
                for &a in g.iter() {
                    for &b in h.iter() {
                        if a != b {
                            self.set_link(a, b, gi == hi);
                        }
                    }
                }
            }
            for &a in g.iter() {
                self.connected[a.index()] = true;
            }
        }
    }

    /// Decides the fate of one message from a live sender. Draws from `rng` in a fixed
    /// order that depends only on the settings and the message's kind.
    pub fn route(&mut self, rng: &mut SimRng, from: NodeId, to: NodeId, is_request: bool) -> Route {
        if !self.link(from, to) {
            return Route::Drop(DropReason::NoLink);
        }
        let first = match self.delay(rng, is_request) {
            Some(d) => d,
            None => return Route::Drop(DropReason::Lost),
        };
        // A duplicate is an independent copy: it may itself be delayed differently.
        let second = if rng.chance(self.config.duplicate_probability) {
            self.delay(rng, is_request)
        } else {
            None
        };
        Route::Deliver(first, second)
    }

    /// The delay of one copy of a message, or `None` if the network loses it.
    fn delay(&self, rng: &mut SimRng, is_request: bool) -> Option<Duration> {
        let c = &self.config;
        let mut d = Duration(rng.between(c.latency_min.0, c.latency_max.0.max(c.latency_min.0)));
        if is_request {
            if !c.reliable {
                // labrpc: short delay of rand.Int() % 27 ms, then a 10% drop.
                let steps = c.unreliable_delay_max.as_millis() + 1;
                d = d + Duration::from_millis(rng.below(steps));
                if rng.chance(c.drop_probability) {
                    return None;
                }
            }
        } else {
            if !c.reliable && rng.chance(c.drop_probability) {
                return None;
            }
            if c.long_reordering && rng.chance(c.long_reorder_share) {
                // labrpc: 200 + rand.Intn(1 + rand.Intn(2000)) ms.
                let spread = c.long_reorder_spread.as_millis();
                let inner = if spread == 0 { 0 } else { rng.below(spread) };
                let extra = rng.below(1 + inner);
                d = d + c.long_reorder_base + Duration::from_millis(extra);
            }
        }
        Some(d)
    }

    /// Counts a message as it is sent.
    pub fn count_sent(&mut self, from: NodeId, bytes: u64, is_request: bool) {
        for s in [&mut self.per_node[from.index()], &mut self.total] {
            s.sent += 1;
            s.bytes_sent += bytes;
            if is_request {
                s.rpc_bytes += bytes;
            }
        }
    }

    /// Counts a message as it reaches a live handler at `to`.
    pub fn count_delivered(&mut self, to: NodeId, bytes: u64, is_request: bool) {
        for s in [&mut self.per_node[to.index()], &mut self.total] {
            s.delivered += 1;
            if is_request {
                s.requests_delivered += 1;
            } else {
                s.rpc_bytes += bytes;
            }
        }
    }

    /// Counts a dropped message against its sender.
    pub fn count_dropped(&mut self, from: NodeId) {
        self.per_node[from.index()].dropped += 1;
        self.total.dropped += 1;
    }

    /// Counters of one node: `sent`/`dropped` as a sender, `delivered` as a receiver.
    pub fn stats(&self, id: NodeId) -> NetStats {
        self.per_node[id.index()]
    }

    /// Counters of the whole network.
    pub fn total(&self) -> NetStats {
        self.total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn net(n: usize, config: NetConfig) -> (Network, Vec<NodeId>) {
        let mut net = Network::new(config);
        let ids: Vec<_> = (0..n).map(|_| net.add_node()).collect();
        for &i in &ids {
            net.connect(i, &ids);
        }
        (net, ids)
    }

    fn unreliable() -> NetConfig {
        NetConfig {
            reliable: false,
            ..NetConfig::default()
        }
    }

    #[test]
    fn net_nodes_start_disconnected() {
        let mut net = Network::new(NetConfig::default());
        let a = net.add_node();
        let b = net.add_node();
        assert!(!net.link(a, b));
        net.connect(a, &[a, b]);
        assert!(!net.link(a, b), "b is not connected yet");
        net.connect(b, &[a, b]);
        assert!(net.link(a, b) && net.link(b, a));
    }

    #[test]
    fn net_reliable_delivers_everything_within_latency() {
        let (mut net, ids) = net(2, NetConfig::default());
        let mut rng = SimRng::new(1);
        for _ in 0..10_000 {
            match net.route(&mut rng, ids[0], ids[1], true) {
                Route::Deliver(d, None) => {
                    assert!(d >= Duration::from_micros(500) && d <= Duration::from_micros(1500))
                }
                other => panic!("reliable network gave {other:?}"),
            }
        }
    }

    #[test]
    fn net_unreliable_drop_rate_is_ten_percent() {
        let (mut net, ids) = net(2, unreliable());
        let mut rng = SimRng::new(2);
        let n = 100_000;
        let lost_req = (0..n)
            .filter(|_| net.route(&mut rng, ids[0], ids[1], true) == Route::Drop(DropReason::Lost))
            .count();
        let lost_rep = (0..n)
            .filter(|_| net.route(&mut rng, ids[1], ids[0], false) == Route::Drop(DropReason::Lost))
            .count();
        // Binomial(100000, 0.1): sd about 95; 5 sd bounds.
        for lost in [lost_req, lost_rep] {
            assert!((9_525..=10_475).contains(&lost), "lost {lost} of {n}");
        }
    }

    #[test]
    fn net_unreliable_request_delay_is_0_to_26ms_plus_latency() {
        let (mut net, ids) = net(2, unreliable());
        let mut rng = SimRng::new(3);
        let (mut lo, mut hi) = (Duration(u64::MAX), Duration::ZERO);
        for _ in 0..20_000 {
            if let Route::Deliver(d, _) = net.route(&mut rng, ids[0], ids[1], true) {
                lo = lo.min(d);
                hi = hi.max(d);
            }
        }
        assert!(lo >= Duration::from_micros(500) && lo < Duration::from_millis(2));
        assert!(hi <= Duration::from_micros(27_500) && hi > Duration::from_millis(26));
    }

    #[test]
    fn net_long_reordering_delays_two_thirds_of_replies() {
        let config = NetConfig {
            long_reordering: true,
            ..NetConfig::default()
        };
        let (mut net, ids) = net(2, config);
        let mut rng = SimRng::new(4);
        let n = 30_000;
        let mut long = 0;
        for _ in 0..n {
            let Route::Deliver(d, None) = net.route(&mut rng, ids[1], ids[0], false) else {
                panic!("reliable long reordering must deliver");
            };
            if d >= Duration::from_millis(200) {
                assert!(
                    d < Duration::from_millis(2201),
                    "delay {d} beyond 200 + 2000 ms"
                );
                long += 1;
            }
        }
        // Binomial(30000, 2/3): sd about 82; 5 sd bounds.
        assert!((19_590..=20_410).contains(&long), "{long} of {n} delayed");
        // Requests are never long-reordered.
        let Route::Deliver(d, _) = net.route(&mut rng, ids[0], ids[1], true) else {
            panic!("request dropped")
        };
        assert!(d < Duration::from_millis(2));
    }

    #[test]
    fn net_duplication_rate_matches_probability() {
        let config = NetConfig {
            duplicate_probability: 0.25,
            ..NetConfig::default()
        };
        let (mut net, ids) = net(2, config);
        let mut rng = SimRng::new(5);
        let dups = (0..40_000)
            .filter(|_| {
                matches!(
                    net.route(&mut rng, ids[0], ids[1], true),
                    Route::Deliver(_, Some(_))
                )
            })
            .count();
        // Binomial(40000, 0.25): sd about 87; 5 sd bounds.
        assert!((9_565..=10_435).contains(&dups), "{dups} duplicates");
    }

    #[test]
    fn net_partition_blocks_across_and_allows_within() {
        let (mut net, ids) = net(5, NetConfig::default());
        net.partition(&[&ids[0..2], &ids[2..5]]);
        let mut rng = SimRng::new(6);
        for &a in &ids {
            for &b in &ids {
                if a == b {
                    continue;
                }
                let same = (a.0 < 2) == (b.0 < 2);
                let route = net.route(&mut rng, a, b, true);
                assert_eq!(
                    same,
                    matches!(route, Route::Deliver(..)),
                    "{a} -> {b}: {route:?}"
                );
            }
        }
    }

    #[test]
    fn net_one_way_cut_blocks_one_direction() {
        let (mut net, ids) = net(2, NetConfig::default());
        net.set_link(ids[0], ids[1], false);
        let mut rng = SimRng::new(7);
        assert_eq!(
            net.route(&mut rng, ids[0], ids[1], true),
            Route::Drop(DropReason::NoLink)
        );
        assert!(matches!(
            net.route(&mut rng, ids[1], ids[0], true),
            Route::Deliver(..)
        ));
    }

    #[test]
    fn net_disconnect_then_connect_rejoins_the_clique() {
        let (mut net, ids) = net(3, NetConfig::default());
        net.disconnect(ids[0], &ids);
        net.disconnect(ids[1], &ids);
        assert!(!net.link(ids[0], ids[1]) && !net.link(ids[2], ids[0]));
        net.connect(ids[0], &ids);
        assert!(net.link(ids[0], ids[2]) && net.link(ids[2], ids[0]));
        assert!(!net.link(ids[0], ids[1]), "1 is still disconnected");
    }

    #[test]
    fn net_counts_rpc_bytes_as_labrpc() {
        let (mut net, ids) = net(2, NetConfig::default());
        net.count_sent(ids[0], 100, true);
        net.count_sent(ids[1], 10, false);
        assert_eq!(
            net.total().rpc_bytes,
            100,
            "replies count only when delivered"
        );
        net.count_delivered(ids[1], 100, true);
        net.count_delivered(ids[0], 10, false);
        assert_eq!(net.total().rpc_bytes, 110);
        assert_eq!(net.stats(ids[1]).requests_delivered, 1);
        assert_eq!(net.stats(ids[0]).requests_delivered, 0);
    }
}
