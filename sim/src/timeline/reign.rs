//! Who led which term when: the servers' bands ([`super::band`]) read across lanes. The
//! `--summary` table prints these rows and the page draws them as its cluster strip, so
//! the two always tell the same story.

use super::band::{Band, Phase};
use super::{LaneKind, Timeline};
use crate::engine::{Instant, NodeRole};

/// An interval over which the cluster's leadership did not change.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reign {
    /// Start (inclusive).
    pub from: Instant,
    /// End (exclusive; the run's end for the last row).
    pub to: Instant,
    /// The highest term any server had reached.
    pub term: u64,
    /// The lane leading that term, if any.
    pub leader: Option<usize>,
    /// Lanes still leading an older term, with that term.
    pub stale: Vec<(usize, u64)>,
    /// Lanes of servers that were down.
    pub down: Vec<usize>,
}

/// The reigns of Raft cluster `cluster` of a run (see [`Timeline::clusters`]; 0 in a run
/// of one cluster), in time order; consecutive equal rows are merged. Empty when none of
/// its servers reported a status.
pub fn reigns(timeline: &Timeline, bands: &[Band], cluster: usize) -> Vec<Reign> {
    let servers: Vec<&Band> = bands
        .iter()
        .filter(|b| {
            let lane = &timeline.lanes[b.lane];
            lane.kind == LaneKind::Server && lane.cluster == cluster
        })
        .collect();
    let mut cuts: Vec<Instant> = servers.iter().flat_map(|b| [b.from, b.to]).collect();
    cuts.sort_unstable();
    cuts.dedup();
    let mut rows: Vec<Reign> = Vec::new();
    let mut term = 0;
    for pair in cuts.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        let live: Vec<&&Band> = servers
            .iter()
            .filter(|b| b.from <= from && from < b.to)
            .collect();
        term = live.iter().map(|b| b.term).fold(term, u64::max);
        let leader = live
            .iter()
            .find(|b| b.phase == Phase::Role(NodeRole::Leader) && b.term == term)
            .map(|b| b.lane);
        let stale = live
            .iter()
            .filter(|b| b.phase == Phase::Role(NodeRole::Leader) && b.term < term)
            .map(|b| (b.lane, b.term))
            .collect();
        let down = live
            .iter()
            .filter(|b| b.phase == Phase::Down)
            .map(|b| b.lane)
            .collect();
        let row = Reign {
            from,
            to,
            term,
            leader,
            stale,
            down,
        };
        match rows.last_mut() {
            Some(last) if same(last, &row) && last.to == from => last.to = to,
            _ => rows.push(row),
        }
    }
    rows
}

/// Equal but for their intervals.
fn same(a: &Reign, b: &Reign) -> bool {
    (a.term, a.leader, &a.stale, &a.down) == (b.term, b.leader, &b.stale, &b.down)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(lane: usize, from: u64, to: u64, phase: Phase, term: u64) -> Band {
        Band {
            lane,
            from: Instant(from),
            to: Instant(to),
            phase,
            term,
        }
    }

    #[test]
    fn reigns_follow_the_leader_of_the_highest_term() {
        let timeline = Timeline {
            lanes: crate::timeline::server_lanes(2),
            end: Instant(50),
            ..Timeline::default()
        };
        let (f, c, l) = (
            Phase::Role(NodeRole::Follower),
            Phase::Role(NodeRole::Candidate),
            Phase::Role(NodeRole::Leader),
        );
        let bands = vec![
            band(0, 0, 10, f, 0),
            band(0, 10, 40, l, 1),
            band(0, 40, 50, Phase::Down, 1),
            band(1, 0, 10, f, 0),
            band(1, 10, 20, f, 1),
            band(1, 20, 30, f, 1),
            band(1, 30, 45, c, 2),
            band(1, 45, 50, l, 2),
        ];
        type Row = (u64, u64, u64, Option<usize>, Vec<(usize, u64)>, Vec<usize>);
        let got: Vec<Row> = reigns(&timeline, &bands, 0)
            .into_iter()
            .map(|r| (r.from.0, r.to.0, r.term, r.leader, r.stale, r.down))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 10, 0, None, vec![], vec![]),
                (10, 30, 1, Some(0), vec![], vec![]),
                (30, 40, 2, None, vec![(0, 1)], vec![]),
                (40, 45, 2, None, vec![], vec![0]),
                (45, 50, 2, Some(1), vec![], vec![0]),
            ]
        );
    }
}
