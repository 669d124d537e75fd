//! What a page embeds one by one and what it only counts, so that its size stays bounded
//! on the heaviest runs.
//!
//! A page draws every message, state change, crash, restart and fault of a *detail
//! window*: at most [`Bounds::records_max`] consecutive such records, the whole run when
//! it has no more, else the stretch around the failure (three quarters before it), or
//! the start of a passing run. Outside the window it embeds counts per time bucket
//! (messages sent and dropped per lane, operations started per client), the bands of
//! every lane, and each server's commit and last index once per bucket. Client
//! operations are embedded up to [`Bounds::ops_max`] around the same point. Lines are
//! clipped to [`Bounds::line_chars_max`] characters (both ends kept). The page says what
//! it left out. If the page would still exceed [`PAGE_BYTES_MAX`], the builder halves
//! both caps until it fits.

use super::Timeline;
use crate::engine::{EventKind, Instant};
use std::ops::Range;

/// The documented bound on a page's size: 20 MB, whatever the run.
pub const PAGE_BYTES_MAX: usize = 20_000_000;

/// The caps a page is built with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Most records drawn one by one.
    pub records_max: usize,
    /// Most client operations drawn.
    pub ops_max: usize,
    /// Buckets the run is divided into for counts and index lines.
    pub buckets: usize,
    /// Longest trace line kept, in characters.
    pub line_chars_max: usize,
    /// Longest operation description kept, in characters.
    pub op_chars_max: usize,
}

impl Bounds {
    /// The caps of every page raftsim writes.
    pub const PAGE: Bounds = Bounds {
        records_max: 40_000,
        ops_max: 20_000,
        buckets: 2_000,
        line_chars_max: 240,
        op_chars_max: 120,
    };

    /// The same caps with the records and operations halved (at least 1,000 each).
    pub fn halved(self) -> Bounds {
        Bounds {
            records_max: (self.records_max / 2).max(1_000),
            ops_max: (self.ops_max / 2).max(1_000),
            ..self
        }
    }
}

/// True for the records a page draws one by one (timers and saves it leaves out).
pub fn drawn(kind: EventKind) -> bool {
    !matches!(kind, EventKind::Timer | EventKind::Save)
}

/// The detail window of a run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// The records in it (indices into [`Timeline::records`]).
    pub records: Range<usize>,
    /// Its start in virtual time.
    pub from: Instant,
    /// Its end in virtual time.
    pub to: Instant,
    /// Drawn records in it.
    pub drawn: usize,
    /// Drawn records in the whole run.
    pub total: usize,
}

impl Window {
    /// True when the window is the whole run.
    pub fn complete(&self) -> bool {
        self.drawn == self.total
    }
}

/// Where the page should look first: the failure, else the start.
pub fn anchor(timeline: &Timeline) -> Instant {
    timeline.failure.as_ref().map_or(Instant::ZERO, |f| f.time)
}

/// The detail window of at most `max` drawn records around [`anchor`].
pub fn window(timeline: &Timeline, max: usize) -> Window {
    assert!(max > 0, "a window of no records");
    let drawn: Vec<usize> = (0..timeline.records.len())
        .filter(|&k| drawn(timeline.records[k].kind))
        .collect();
    let total = drawn.len();
    if total <= max {
        return Window {
            records: 0..timeline.records.len(),
            from: Instant::ZERO,
            to: timeline.end,
            drawn: total,
            total,
        };
    }
    let at = anchor(timeline);
    let a = drawn.partition_point(|&k| timeline.records[k].time < at);
    let hi = (a.saturating_sub(max * 3 / 4) + max).min(total);
    let lo = hi - max;
    let first = drawn[lo];
    let last = drawn[hi - 1];
    Window {
        records: first..last + 1,
        from: if lo == 0 {
            Instant::ZERO
        } else {
            timeline.records[first].time
        },
        to: if hi == total {
            timeline.end
        } else {
            timeline.records[last].time
        },
        drawn: max,
        total,
    }
}

/// The range of `ops` (sorted by call) to embed: at most `max`, three quarters before
/// the first one called at or after `at`.
pub fn op_range(calls: &[Instant], at: Instant, max: usize) -> Range<usize> {
    if calls.len() <= max {
        return 0..calls.len();
    }
    let a = calls.partition_point(|&c| c < at);
    let hi = (a.saturating_sub(max * 3 / 4) + max).min(calls.len());
    hi - max..hi
}

/// Keeps at most `max` characters of `text`: both ends, with the count cut between.
pub fn clip(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_string();
    }
    let head = max / 2;
    let tail = max.saturating_sub(head + 20);
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…({} chars)…{end}", count - head - tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{NodeId, TraceRecord};
    use crate::timeline::FailurePoint;

    fn timeline(n: u64, failure_at: Option<u64>) -> Timeline {
        let records = (0..n)
            .map(|k| TraceRecord {
                event: k,
                time: Instant(k * 10),
                local: None,
                kind: if k % 2 == 0 {
                    EventKind::Deliver
                } else {
                    EventKind::Timer
                },
                node: NodeId(0),
                peer: Some(NodeId(1)),
                sent: Instant(k * 10),
                status: None,
                message: None,
                line: 0,
            })
            .collect();
        Timeline {
            records,
            end: Instant(n * 10),
            events: n,
            failure: failure_at.map(|t| FailurePoint {
                time: Instant(t),
                event: t / 10,
                headline: "boom".into(),
                node: None,
                op: None,
            }),
            ..Timeline::default()
        }
    }

    #[test]
    fn window_is_the_whole_run_when_it_fits() {
        let w = window(&timeline(100, None), 50);
        assert!(w.complete());
        assert_eq!(
            (w.from, w.to, w.records),
            (Instant(0), Instant(1000), 0..100)
        );
    }

    #[test]
    fn window_holds_the_failure_with_more_before_than_after() {
        let t = timeline(10_000, Some(50_000));
        let w = window(&t, 400);
        assert_eq!((w.drawn, w.total), (400, 5_000));
        assert!(w.from < Instant(50_000) && Instant(50_000) < w.to, "{w:?}");
        assert_eq!(w.records, 4_400..5_199);
        let before = t.records[w.records.clone()]
            .iter()
            .filter(|r| drawn(r.kind) && r.time < Instant(50_000))
            .count();
        assert_eq!(before, 300);
        let start = window(&timeline(10_000, None), 400);
        assert_eq!(start.from, Instant::ZERO, "a passing run shows its start");
        let late = window(&timeline(10_000, Some(99_990)), 400);
        assert_eq!(
            late.to,
            Instant(100_000),
            "a failure at the end ends the window"
        );
    }

    #[test]
    fn op_range_centres_on_the_anchor() {
        let calls: Vec<Instant> = (0..100).map(Instant).collect();
        assert_eq!(op_range(&calls, Instant(50), 200), 0..100);
        assert_eq!(op_range(&calls, Instant(50), 20), 35..55);
        assert_eq!(op_range(&calls, Instant(0), 20), 0..20);
        assert_eq!(op_range(&calls, Instant(1000), 20), 80..100);
    }

    #[test]
    fn clip_keeps_both_ends() {
        let long = "ab".repeat(500);
        let clipped = clip(&long, 100);
        assert!(clipped.chars().count() < 110, "{clipped}");
        assert!(clipped.starts_with("abab") && clipped.ends_with("abab"));
        assert_eq!(clip("short", 100), "short");
    }
}
