//! Messages sent per node per second of virtual time: the peak a run reached, and the
//! storm that passes its bound.
//!
//! Counting is per whole virtual second (`[k s, k+1 s)`), per sender and per link, with
//! plain counters: no label is rendered on the hot path. When a node passes the bound,
//! the counter starts a [`Storm`]: it notes the kinds of that node's next
//! [`STORM_SAMPLES`] messages (as the contract states them, see
//! [`super::node::PayloadKind`]), so that the reason says what the storm is made of, and
//! reports it once it has them (or when the second ends, or the run does).

use raft_contract::{Instant, NodeId};
use std::collections::BTreeMap;

/// How many of the storming node's messages are rendered to say what it sends.
pub const STORM_SAMPLES: u32 = 64;

/// The busiest second of a run: who sent the most messages within one second.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RatePeak {
    /// Messages sent within that second.
    pub sends: u64,
    /// By whom.
    pub node: NodeId,
    /// Which second (`[second s, second+1 s)` of virtual time).
    pub second: u64,
}

/// A node past its bound, being sampled.
#[derive(Debug)]
struct Storm {
    node: NodeId,
    second: u64,
    /// Its sends within the second when it passed the bound.
    sends: u64,
    /// The bound it passed.
    bound: u64,
    /// Its sends to each node within that second, then.
    to: Vec<u64>,
    /// Messages sampled since, by (receiver, kind).
    kinds: BTreeMap<(NodeId, &'static str), u32>,
    sampled: u32,
}

/// The counters of one simulation.
#[derive(Debug, Default)]
pub struct SendRates {
    second: u64,
    /// Sends of each node within the current second.
    sent: Vec<u64>,
    /// `links[from][to]`: sends within the current second.
    links: Vec<Vec<u64>>,
    peak: Option<RatePeak>,
    storm: Option<Storm>,
}

fn second_of(now: Instant) -> u64 {
    now.as_nanos() / 1_000_000_000
}

impl SendRates {
    /// Counts a message `from -> to` sent at `now`. Returns the reason of a storm that is
    /// complete: `from` or an earlier node passed `bound` and has been sampled.
    /// `kind` names the message's kind, asked only while a storm is being sampled.
    pub fn count(
        &mut self,
        now: Instant,
        from: NodeId,
        to: NodeId,
        bound: u64,
        kind: impl FnOnce() -> &'static str,
    ) -> Option<String> {
        if let Some(reason) = self.roll(now) {
            return Some(reason);
        }
        let (f, t) = (from.index(), to.index());
        let n = f.max(t) + 1;
        if self.sent.len() < n {
            self.sent.resize(n, 0);
            self.links.resize_with(n, Vec::new);
        }
        if self.links[f].len() <= t {
            self.links[f].resize(t + 1, 0);
        }
        self.sent[f] += 1;
        self.links[f][t] += 1;
        let sends = self.sent[f];
        if self.peak.is_none_or(|p| sends > p.sends) {
            self.peak = Some(RatePeak {
                sends,
                node: from,
                second: self.second,
            });
        }
        match &mut self.storm {
            Some(storm) if storm.node == from => {
                *storm.kinds.entry((to, kind())).or_default() += 1;
                storm.sampled += 1;
                if storm.sampled >= STORM_SAMPLES {
                    return self.report();
                }
            }
            Some(_) => {}
            None if sends > bound => {
                let mut kinds = BTreeMap::new();
                kinds.insert((to, kind()), 1);
                self.storm = Some(Storm {
                    node: from,
                    second: self.second,
                    sends,
                    bound,
                    to: self.links[f].clone(),
                    kinds,
                    sampled: 1,
                });
            }
            None => {}
        }
        None
    }

    /// Moves to the second of `now`, resetting the counters when it changed. A storm
    /// still being sampled when its second ends is reported as it stands.
    pub fn roll(&mut self, now: Instant) -> Option<String> {
        let second = second_of(now);
        if second == self.second {
            return None;
        }
        self.second = second;
        self.sent.iter_mut().for_each(|s| *s = 0);
        self.links.iter_mut().flatten().for_each(|s| *s = 0);
        self.report()
    }

    /// The reason of the storm being sampled, if any (the run ends with it).
    pub fn pending(&mut self) -> Option<String> {
        self.report()
    }

    /// The reason of the storm being sampled, which ends it.
    fn report(&mut self) -> Option<String> {
        let storm = self.storm.take()?;
        let mut receivers: Vec<(usize, u64)> = storm
            .to
            .iter()
            .enumerate()
            .filter(|&(_, &k)| k > 0)
            .map(|(i, &k)| (i, k))
            .collect();
        receivers.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let to: Vec<String> = receivers
            .iter()
            .take(5)
            .map(|&(i, k)| format!("{k} to {}", NodeId(i as u32)))
            .collect();
        let mut kinds: Vec<(&(NodeId, &str), &u32)> = storm.kinds.iter().collect();
        kinds.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        let what: Vec<String> = kinds
            .iter()
            .take(4)
            .map(|((to, kind), k)| format!("{k} {kind} to {to}"))
            .collect();
        Some(format!(
            "message storm: {} sent {} messages within virtual second {}..{} s, more than the bound of {} (--sends-per-second-max) ({}); of its next {} messages: {}",
            storm.node,
            storm.sends,
            storm.second,
            storm.second + 1,
            storm.bound,
            to.join(", "),
            storm.sampled,
            what.join(", ")
        ))
    }

    /// The busiest second so far.
    pub fn peak(&self) -> Option<RatePeak> {
        self.peak
    }

    /// The busiest sender of the current second, with its sends to each receiver, for a
    /// reason that names where the events went.
    pub fn busiest_now(&self) -> Option<String> {
        let (f, &sends) = self
            .sent
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))?;
        if sends == 0 {
            return None;
        }
        let to: Vec<String> = self.links[f]
            .iter()
            .enumerate()
            .filter(|&(_, &k)| k > 0)
            .map(|(i, &k)| format!("{k} to {}", NodeId(i as u32)))
            .collect();
        Some(format!(
            "the busiest sender of virtual second {}..{} s: {} with {sends} messages ({})",
            self.second,
            self.second + 1,
            NodeId(f as u32),
            to.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::Duration;

    fn at(ms: u64) -> Instant {
        Instant::ZERO + Duration::from_millis(ms)
    }

    #[test]
    fn count_peak_is_the_busiest_node_second() {
        let mut rates = SendRates::default();
        let (a, b) = (NodeId(0), NodeId(1));
        for k in 0..5 {
            assert_eq!(rates.count(at(k), a, b, 100, || "Ping"), None);
        }
        for k in 0..7 {
            assert_eq!(rates.count(at(1_000 + k), b, a, 100, || "Ping"), None);
        }
        let peak = rates.peak().expect("a peak");
        assert_eq!((peak.sends, peak.node, peak.second), (7, b, 1));
    }

    #[test]
    fn count_past_bound_reports_a_storm_with_its_kinds() {
        let mut rates = SendRates::default();
        let (a, b, c) = (NodeId(0), NodeId(1), NodeId(2));
        let mut reason = None;
        for k in 0..200 {
            let to = if k % 2 == 0 { b } else { c };
            reason = reason.or(rates.count(at(k), a, to, 10, || "AppendEntries"));
        }
        let reason = reason.expect("a storm past 10 per second");
        assert!(
            reason.starts_with("message storm: n0 sent 11 messages within virtual second 0..1 s, more than the bound of 10"),
            "{reason}"
        );
        assert!(reason.contains("32 AppendEntries to n1"), "{reason}");
    }

    #[test]
    fn count_within_bound_reports_nothing_even_over_many_seconds() {
        let mut rates = SendRates::default();
        let (a, b) = (NodeId(0), NodeId(1));
        for k in 0..10_000 {
            // 10 messages per second, every second, under a bound of 10.
            assert_eq!(rates.count(at(k * 100), a, b, 10, || "Ping"), None);
        }
        assert_eq!(rates.pending(), None);
    }

    #[test]
    fn roll_reports_a_storm_its_second_cut_short() {
        let mut rates = SendRates::default();
        let (a, b) = (NodeId(0), NodeId(1));
        for k in 0..4 {
            assert_eq!(rates.count(at(k), a, b, 3, || "Ping"), None);
        }
        let reason = rates.roll(at(1_500)).expect("the storm of second 0");
        assert!(reason.contains("n0 sent 4 messages"), "{reason}");
        assert!(reason.contains("1 Ping to n1"), "{reason}");
    }
}
