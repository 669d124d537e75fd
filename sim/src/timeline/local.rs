//! Local time on the timeline: what a node's own clock showed (see
//! [`crate::engine::clock`]), for the nodes whose clock is not the identity.
//!
//! The trace keeps a node's local time on each of its records when its clock is not the
//! identity ([`crate::engine::TraceRecord::local`]), so a node's local time is known
//! exactly at its own events. Between them the page and the table say it from the
//! node's last event before: its local time then plus the true time elapsed since,
//! marked as not exact (`~`), since the clock's drift over the gap, or a jump in it, is
//! not known there. A run in which every clock is the identity has no local time
//! anywhere, and the page and the table are what they always were.

use super::Timeline;
use crate::engine::Instant;

/// A node's local time at some true instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Local {
    /// What its clock showed (or, when not exact, about what).
    pub local: Instant,
    /// True when the node had an event at that instant, so `local` is what its clock
    /// showed; false when it is said from its last event before.
    pub exact: bool,
}

/// Renders as the table prints it: `1.234567s`, or `~1.234567s` when not exact.
impl std::fmt::Display for Local {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.exact { "" } else { "~" };
        write!(f, "{mark}{}", self.local)
    }
}

/// Each lane's local times at its records: `(true, local)` in time order, empty for a
/// lane whose node reads true time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LocalTimes {
    per_lane: Vec<Vec<(Instant, Instant)>>,
}

impl LocalTimes {
    /// The local times of `timeline`'s lanes, from its records.
    pub fn of(timeline: &Timeline) -> LocalTimes {
        let mut per_lane = vec![Vec::new(); timeline.lanes.len()];
        for r in &timeline.records {
            let (Some(local), Some(lane)) = (r.local, timeline.lane_of(r.node)) else {
                continue;
            };
            let points: &mut Vec<(Instant, Instant)> = &mut per_lane[lane];
            assert!(
                points.last().is_none_or(|&(t, _)| t <= r.time),
                "lane {lane}: records out of time order at {}",
                r.time
            );
            assert!(
                points.last().is_none_or(|&(_, l)| l <= local),
                "lane {lane}: local time went back at {}",
                r.time
            );
            if points.last().is_none_or(|&(t, _)| t < r.time) {
                points.push((r.time, local));
            }
        }
        LocalTimes { per_lane }
    }

    /// True when no lane has a local time: every clock of the run is the identity.
    pub fn is_empty(&self) -> bool {
        self.per_lane.iter().all(Vec::is_empty)
    }

    /// The local time of lane `lane`'s node at true instant `t`: `None` for a lane on
    /// true time, or before its first event.
    pub fn at(&self, lane: usize, t: Instant) -> Option<Local> {
        let points = self.per_lane.get(lane)?;
        let k = points
            .partition_point(|&(time, _)| time <= t)
            .checked_sub(1)?;
        let (time, local) = points[k];
        Some(Local {
            local: local + (t - time),
            exact: time == t,
        })
    }

    /// For the page: each lane with local times and its `[true, local]` points, at most
    /// one per bucket of `width` nanoseconds (its first) plus the lane's last, so that
    /// the page stays small whatever the run's length.
    pub fn samples(&self, width: u64) -> Vec<(usize, Vec<[u64; 2]>)> {
        assert!(width > 0, "a bucket of 0 ns");
        let mut out = Vec::new();
        for (lane, points) in self.per_lane.iter().enumerate() {
            let mut kept: Vec<[u64; 2]> = Vec::new();
            for (k, &(time, local)) in points.iter().enumerate() {
                let last = k + 1 == points.len();
                let new_bucket = kept.last().is_none_or(|p| p[0] / width < time.0 / width);
                if new_bucket || last {
                    kept.push([time.0, local.0]);
                }
            }
            if !kept.is_empty() {
                out.push((lane, kept));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EventKind, NodeId, TraceRecord};

    fn record(time: u64, node: u32, local: Option<u64>) -> TraceRecord {
        TraceRecord {
            event: time,
            time: Instant(time),
            local: local.map(Instant),
            kind: EventKind::Fault,
            node: NodeId(node),
            peer: None,
            sent: Instant(time),
            status: None,
            message: None,
            line: 0,
        }
    }

    fn timeline(records: Vec<TraceRecord>) -> Timeline {
        Timeline {
            lanes: crate::timeline::server_lanes(2),
            records,
            ..Timeline::default()
        }
    }

    #[test]
    fn local_times_exact_at_events_and_marked_between() {
        let t = timeline(vec![
            record(10, 0, None),
            record(100, 1, Some(350)),
            record(200, 1, Some(460)),
            record(200, 1, Some(460)),
        ]);
        let local = LocalTimes::of(&t);
        assert!(!local.is_empty());
        assert_eq!(local.at(0, Instant(150)), None, "n0 reads true time");
        assert_eq!(local.at(1, Instant(50)), None, "before n1's first event");
        let exact = local.at(1, Instant(200)).expect("an event then");
        assert_eq!((exact.local, exact.exact), (Instant(460), true));
        let between = local
            .at(1, Instant(150))
            .expect("said from the event before");
        assert_eq!((between.local, between.exact), (Instant(400), false));
        assert_eq!(between.to_string(), "~0.000000s");
        assert_eq!(
            local.samples(1_000),
            vec![(1, vec![[100, 350], [200, 460]])]
        );
        assert_eq!(local.samples(50), vec![(1, vec![[100, 350], [200, 460]])]);
    }

    #[test]
    fn local_times_of_a_run_on_true_time_are_empty() {
        let local = LocalTimes::of(&timeline(vec![record(1, 0, None), record(2, 1, None)]));
        assert!(local.is_empty());
        assert_eq!(local.samples(10), Vec::new());
    }

    #[test]
    fn local_times_samples_keep_one_per_bucket_and_the_last() {
        let records = (0..100)
            .map(|k| record(k * 10, 1, Some(k * 10 + 5)))
            .collect();
        let samples = LocalTimes::of(&timeline(records)).samples(250);
        let points = &samples[0].1;
        assert_eq!(points.first(), Some(&[0, 5]));
        assert_eq!(points.last(), Some(&[990, 995]));
        assert_eq!(points.len(), 5, "{points:?}");
    }
}
