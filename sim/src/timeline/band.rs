//! Each lane's role and term over time, from the trace's `state`, `start`, `restart`
//! and `crash` records: the coloured bands of the page, and what [`super::reign`] reads.
//!
//! A band changes when the role, the term or whether the node is up changes; commit and
//! last index do not split bands (the page draws them as lines).

use super::Timeline;
use crate::engine::{EventKind, Instant, NodeRole};

/// What a node is doing during a band.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Running, in this role.
    Role(NodeRole),
    /// Crashed.
    Down,
    /// Running, and reporting no status (not a Raft node).
    Up,
}

impl Phase {
    /// The phase's name on the page and in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Role(role) => role.as_str(),
            Phase::Down => "down",
            Phase::Up => "up",
        }
    }
}

/// One lane in one phase and term over an interval of virtual time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Band {
    /// The lane (an index into [`Timeline::lanes`]).
    pub lane: usize,
    /// Start (inclusive).
    pub from: Instant,
    /// End (exclusive; the run's end for the last band).
    pub to: Instant,
    /// What the node was doing.
    pub phase: Phase,
    /// Its term (its last term while down; 0 for a node without status).
    pub term: u64,
}

/// Every lane's bands, lane by lane, each lane's in time order; bands of no length are
/// left out.
pub fn bands(timeline: &Timeline) -> Vec<Band> {
    let lanes = timeline.lanes.len();
    let mut open: Vec<Option<Band>> = vec![None; lanes];
    let mut terms = vec![0u64; lanes];
    let mut done: Vec<Vec<Band>> = vec![Vec::new(); lanes];
    for record in &timeline.records {
        let Some(lane) = timeline.lane_of(record.node) else {
            continue;
        };
        let phase = match (record.kind, record.status) {
            (EventKind::State, Some(status)) => {
                terms[lane] = status.term;
                Phase::Role(status.role)
            }
            (EventKind::Start | EventKind::Restart, _) => Phase::Up,
            (EventKind::Crash, _) => Phase::Down,
            _ => continue,
        };
        let term = terms[lane];
        if let Some(band) = &open[lane] {
            if (band.phase, band.term) == (phase, term) {
                continue;
            }
        }
        close(&mut open[lane], record.time, &mut done[lane]);
        open[lane] = Some(Band {
            lane,
            from: record.time,
            to: record.time,
            phase,
            term,
        });
    }
    for (lane, slot) in open.iter_mut().enumerate() {
        close(slot, timeline.end, &mut done[lane]);
    }
    done.into_iter().flatten().collect()
}

/// Ends the open band at `at`, keeping it if it has a length.
fn close(open: &mut Option<Band>, at: Instant, done: &mut Vec<Band>) {
    if let Some(mut band) = open.take() {
        assert!(
            band.from <= at,
            "lane {}: band ends before it starts",
            band.lane
        );
        band.to = at;
        if band.to > band.from {
            done.push(band);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{NodeId, NodeStatus, TraceRecord};
    use crate::timeline::{Lane, LaneKind};

    fn record(time: u64, kind: EventKind, status: Option<(u64, NodeRole)>) -> TraceRecord {
        TraceRecord {
            event: time,
            time: Instant(time),
            local: None,
            kind,
            node: NodeId(0),
            peer: None,
            sent: Instant(time),
            status: status.map(|(term, role)| NodeStatus {
                term,
                role,
                commit: 0,
                last: time,
                config: None,
            }),
            message: None,
            line: 0,
        }
    }

    #[test]
    fn bands_split_on_role_term_and_crash_not_on_indices() {
        let timeline = Timeline {
            lanes: vec![Lane {
                node: NodeId(0),
                name: "n0".into(),
                kind: LaneKind::Server,
                cluster: 0,
            }],
            records: vec![
                record(0, EventKind::Start, None),
                record(0, EventKind::State, Some((0, NodeRole::Follower))),
                record(5, EventKind::State, Some((0, NodeRole::Follower))),
                record(10, EventKind::State, Some((1, NodeRole::Candidate))),
                record(12, EventKind::State, Some((1, NodeRole::Leader))),
                record(20, EventKind::Crash, None),
                record(30, EventKind::Restart, None),
                record(30, EventKind::State, Some((1, NodeRole::Follower))),
            ],
            end: Instant(40),
            ..Timeline::default()
        };
        let got: Vec<(u64, u64, &str, u64)> = bands(&timeline)
            .iter()
            .map(|b| (b.from.0, b.to.0, b.phase.as_str(), b.term))
            .collect();
        assert_eq!(
            got,
            vec![
                (0, 10, "follower", 0),
                (10, 12, "candidate", 1),
                (12, 20, "leader", 1),
                (20, 30, "down", 1),
                (30, 40, "follower", 1),
            ]
        );
    }
}
