//! The page's data: what [`super::page`] embeds as JSON for its script, built from a
//! [`Timeline`] and the trace's text under [`Bounds`].
//!
//! Times are integer nanoseconds of virtual time; lanes are indices into `lanes`. Every
//! list is in trace order, so the same run gives the same bytes.

use super::band::{bands, Band, Phase};
use super::local::LocalTimes;
use super::reign::reigns;
use super::window::{anchor, clip, op_range, window, Bounds, Window};
use super::{LaneKind, Timeline};
use crate::engine::trace::line_at;
use crate::engine::{DropReason, EventKind, Instant, NodeRole, PayloadKind};
use serde::Serialize;
use std::collections::BTreeSet;

/// The page's data.
#[derive(Serialize)]
pub(crate) struct Data {
    title: String,
    end: u64,
    events: u64,
    /// `[name, "server" | "client" | "node"]`.
    lanes: Vec<(String, &'static str)>,
    /// Message kinds ([`PayloadKind::name`]), sorted.
    kinds: Vec<String>,
    /// `[lane, from, to, phase, term]`; phase 0 follower, 1 candidate, 2 leader, 3 down,
    /// 4 up (no status).
    bands: Vec<[u64; 5]>,
    reigns: Vec<ReignRow>,
    /// The Raft clusters' names (empty: one cluster); the strip has a row per cluster.
    clusters: Vec<String>,
    /// Per lane: `[time, commit, last]` whenever they changed (in the window), else the
    /// last of each bucket.
    series: Vec<Vec<[u64; 3]>>,
    /// `[sent, time, from lane, to lane, kind, flags, event]`; flags: 1 nolink, 2 lost,
    /// 3 dead, +8 heartbeat.
    msgs: Vec<[u64; 7]>,
    /// The trace line of each message.
    lines: Vec<String>,
    /// `[time, lane, word, event, line]` for crashes, restarts and faults.
    marks: Vec<(u64, usize, &'static str, u64, String)>,
    /// `[lane, from, to, share cut in permille, text]`: links down.
    shades: Vec<(usize, u64, u64, u64, String)>,
    /// `[from, to]`: the network was unreliable.
    unreliable: Vec<[u64; 2]>,
    buckets: Buckets,
    /// `[lane, call, return or -1, text]`.
    ops: Vec<(usize, u64, i64, String)>,
    window: WindowData,
    failure: Option<FailureData>,
    bound: usize,
    /// `[lane, [[time, local], ...]]` for the lanes whose clock is not the identity: the
    /// node's local time at its first event of each bucket and at its last (see
    /// [`super::local`]). Left out of a run on true time, whose page stays as it was.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locals: Vec<(usize, Vec<[u64; 2]>)>,
}

/// `[from, to, term, leader lane or -1, [down lanes], [[lane, term] still leading],
/// cluster]`.
type ReignRow = (u64, u64, u64, i64, Vec<usize>, Vec<(usize, u64)>, usize);

#[derive(Serialize)]
struct Buckets {
    width: u64,
    /// Per lane and bucket: messages sent, messages dropped, operations called.
    sent: Vec<Vec<u32>>,
    dropped: Vec<Vec<u32>>,
    ops: Vec<Vec<u32>>,
    /// The first event of each bucket.
    first_event: Vec<u64>,
}

#[derive(Serialize)]
struct WindowData {
    from: u64,
    to: u64,
    complete: bool,
    drawn: usize,
    total: usize,
    ops: usize,
    ops_total: usize,
    line_chars_max: usize,
}

#[derive(Serialize)]
struct FailureData {
    time: u64,
    event: u64,
    headline: String,
    lane: i64,
    op: i64,
}

impl Data {
    /// The data of `timeline`, whose records' lines are in `text`.
    pub(crate) fn new(timeline: &Timeline, text: &str, bounds: &Bounds) -> Data {
        let win = window(timeline, bounds.records_max);
        let all_bands = bands(timeline);
        let width = (timeline.end.0 / bounds.buckets as u64).max(1) + 1;
        let (msgs, lines, kinds) = messages(timeline, text, &win, bounds);
        let (ops, first_op) = operations(timeline, bounds);
        let op_count = ops.len();
        let failure = timeline.failure.as_ref().map(|f| FailureData {
            time: f.time.0,
            event: f.event,
            headline: f.headline.clone(),
            lane: f
                .node
                .and_then(|n| timeline.lane_of(n))
                .map_or(-1, |l| l as i64),
            op: f
                .op
                .and_then(|o| o.checked_sub(first_op))
                .filter(|&o| o < op_count)
                .map_or(-1, |o| o as i64),
        });
        Data {
            title: timeline.title.clone(),
            end: timeline.end.0,
            events: timeline.events,
            lanes: timeline
                .lanes
                .iter()
                .map(|l| (l.name.clone(), kind_word(l.kind)))
                .collect(),
            kinds,
            bands: all_bands.iter().map(band_row).collect(),
            reigns: (0..timeline.cluster_count())
                .flat_map(|cluster| {
                    reigns(timeline, &all_bands, cluster)
                        .into_iter()
                        .map(move |r| {
                            let leader = r.leader.map_or(-1, |l| l as i64);
                            (r.from.0, r.to.0, r.term, leader, r.down, r.stale, cluster)
                        })
                })
                .collect(),
            clusters: timeline.clusters.clone(),
            series: series(timeline, &win, width),
            msgs,
            lines,
            marks: marks(timeline, text, &win, bounds),
            shades: shades(timeline),
            unreliable: unreliable(timeline),
            buckets: buckets(timeline, width, bounds.buckets),
            window: WindowData {
                from: win.from.0,
                to: win.to.0,
                complete: win.complete(),
                drawn: win.drawn,
                total: win.total,
                ops: op_count,
                ops_total: timeline.ops.len(),
                line_chars_max: bounds.line_chars_max,
            },
            ops,
            failure,
            bound: super::window::PAGE_BYTES_MAX,
            locals: LocalTimes::of(timeline).samples(width),
        }
    }
}

fn kind_word(kind: LaneKind) -> &'static str {
    match kind {
        LaneKind::Server => "server",
        LaneKind::Client => "client",
        LaneKind::Node => "node",
    }
}

fn band_row(b: &Band) -> [u64; 5] {
    let phase = match b.phase {
        Phase::Role(NodeRole::Follower) => 0,
        Phase::Role(NodeRole::Candidate) => 1,
        Phase::Role(NodeRole::Leader) => 2,
        Phase::Down => 3,
        Phase::Up => 4,
    };
    [b.lane as u64, b.from.0, b.to.0, phase, b.term]
}

type Messages = (Vec<[u64; 7]>, Vec<String>, Vec<String>);

/// The messages of the window, their lines, and the kinds of every message of the run.
fn messages(timeline: &Timeline, text: &str, win: &Window, bounds: &Bounds) -> Messages {
    let kinds: BTreeSet<&str> = timeline
        .records
        .iter()
        .filter_map(|r| r.message.map(PayloadKind::name))
        .collect();
    let kinds: Vec<String> = kinds.into_iter().map(str::to_string).collect();
    let mut msgs = Vec::new();
    let mut lines = Vec::new();
    for r in &timeline.records[win.records.clone()] {
        let flags = match r.kind {
            EventKind::Deliver => 0,
            EventKind::Drop(DropReason::NoLink) => 1,
            EventKind::Drop(DropReason::Lost) => 2,
            EventKind::Drop(DropReason::Dead) => 3,
            _ => continue,
        };
        let (Some(message), Some(to), Some(from)) = (
            r.message,
            timeline.lane_of(r.node),
            r.peer.and_then(|p| timeline.lane_of(p)),
        ) else {
            continue;
        };
        let k = kinds
            .binary_search_by(|x| x.as_str().cmp(message.name()))
            .expect("every message's kind is listed");
        let flags = flags + if message.is_heartbeat() { 8 } else { 0 };
        msgs.push([
            r.sent.0,
            r.time.0,
            from as u64,
            to as u64,
            k as u64,
            flags,
            r.event,
        ]);
        lines.push(clip(line_at(text, r.line), bounds.line_chars_max));
    }
    (msgs, lines, kinds)
}

/// Crashes, restarts and faults: in the window, and every crash and restart.
fn marks(
    timeline: &Timeline,
    text: &str,
    win: &Window,
    bounds: &Bounds,
) -> Vec<(u64, usize, &'static str, u64, String)> {
    let mut out = Vec::new();
    for (k, r) in timeline.records.iter().enumerate() {
        let word = match r.kind {
            EventKind::Crash => "crash",
            EventKind::Restart => "restart",
            EventKind::Start => "start",
            EventKind::Fault if win.records.contains(&k) => "fault",
            _ => continue,
        };
        let Some(lane) = timeline.lane_of(r.node) else {
            continue;
        };
        let line = clip(line_at(text, r.line), bounds.line_chars_max);
        out.push((r.time.0, lane, word, r.event, line));
    }
    out
}

/// Each lane's commit and last index: every change in the window, else the last value
/// in each bucket.
fn series(timeline: &Timeline, win: &Window, width: u64) -> Vec<Vec<[u64; 3]>> {
    let mut out: Vec<Vec<[u64; 3]>> = vec![Vec::new(); timeline.lanes.len()];
    for (k, r) in timeline.records.iter().enumerate() {
        let (EventKind::State, Some(s)) = (r.kind, r.status) else {
            continue;
        };
        let Some(lane) = timeline.lane_of(r.node) else {
            continue;
        };
        let point = [r.time.0, s.commit, s.last];
        let points = &mut out[lane];
        if let Some(prev) = points.last_mut() {
            if prev[1..] == point[1..] {
                continue;
            }
            let outside = !win.records.contains(&k);
            if outside && prev[0] / width == r.time.0 / width {
                *prev = [prev[0], s.commit, s.last];
                continue;
            }
        }
        points.push(point);
    }
    out
}

/// Who cannot reach whom after each fault, per lane: among the servers (all nodes when
/// there are none), from the lane's start.
fn shades(timeline: &Timeline) -> Vec<(usize, u64, u64, u64, String)> {
    let servers: Vec<usize> = (0..timeline.lanes.len())
        .filter(|&l| timeline.lanes[l].kind == LaneKind::Server)
        .collect();
    let peers: Vec<usize> = if servers.is_empty() {
        (0..timeline.lanes.len()).collect()
    } else {
        servers
    };
    let mut out = Vec::new();
    for (lane, me) in timeline.lanes.iter().enumerate() {
        let others: Vec<usize> = peers.iter().copied().filter(|&p| p != lane).collect();
        let start = timeline
            .records
            .iter()
            .find(|r| r.node == me.node && r.kind == EventKind::Start)
            .map_or(Instant::ZERO, |r| r.time);
        let mut open: (Instant, Vec<usize>) = (start, Vec::new());
        for shot in &timeline.links {
            let at = timeline.records[shot.record].time.max(start);
            let cut: Vec<usize> = others
                .iter()
                .copied()
                .filter(|&p| {
                    let peer = timeline.lanes[p].node;
                    !shot.link(me.node, peer) || !shot.link(peer, me.node)
                })
                .collect();
            if cut != open.1 {
                let (from, was) = std::mem::replace(&mut open, (at, cut));
                out.extend(shade(timeline, lane, from, at, &was, others.len()));
            }
        }
        out.extend(shade(
            timeline,
            lane,
            open.0,
            timeline.end,
            &open.1,
            others.len(),
        ));
    }
    out
}

/// One shaded stretch of `lane`, if any peer was cut off during it.
fn shade(
    timeline: &Timeline,
    lane: usize,
    from: Instant,
    to: Instant,
    cut: &[usize],
    others: usize,
) -> Option<(usize, u64, u64, u64, String)> {
    if cut.is_empty() || to <= from {
        return None;
    }
    let names: Vec<&str> = cut
        .iter()
        .map(|&p| timeline.lanes[p].name.as_str())
        .collect();
    let text = format!(
        "{} cannot reach {}",
        timeline.lanes[lane].name,
        names.join(", ")
    );
    let share = (cut.len() * 1000 / others.max(1)) as u64;
    Some((lane, from.0, to.0, share, text))
}

/// The stretches of virtual time with an unreliable network.
fn unreliable(timeline: &Timeline) -> Vec<[u64; 2]> {
    let mut out: Vec<[u64; 2]> = Vec::new();
    let mut since: Option<u64> = None;
    for shot in &timeline.links {
        let at = timeline.records[shot.record].time.0;
        match (shot.reliable, since) {
            (false, None) => since = Some(at),
            (true, Some(from)) => {
                out.push([from, at]);
                since = None;
            }
            _ => {}
        }
    }
    if let Some(from) = since {
        out.push([from, timeline.end.0]);
    }
    out
}

/// Counts per lane and bucket over the whole run.
fn buckets(timeline: &Timeline, width: u64, count: usize) -> Buckets {
    let lanes = timeline.lanes.len();
    let mut sent = vec![vec![0u32; count]; lanes];
    let mut dropped = vec![vec![0u32; count]; lanes];
    let mut ops = vec![vec![0u32; count]; lanes];
    let mut first_event = vec![u64::MAX; count];
    let bucket = |t: Instant| ((t.0 / width) as usize).min(count - 1);
    for r in &timeline.records {
        let b = bucket(r.time);
        first_event[b] = first_event[b].min(r.event);
        if let (EventKind::Deliver | EventKind::Drop(_), Some(from)) = (r.kind, r.peer) {
            if let Some(lane) = timeline.lane_of(from) {
                sent[lane][bucket(r.sent)] += 1;
                if r.kind != EventKind::Deliver {
                    dropped[lane][bucket(r.sent)] += 1;
                }
            }
        }
    }
    for op in &timeline.ops {
        if let Some(lane) = timeline.lane_of(op.node) {
            ops[lane][bucket(op.call)] += 1;
        }
    }
    let mut next = timeline.events;
    for slot in first_event.iter_mut().rev() {
        if *slot == u64::MAX {
            *slot = next;
        }
        next = *slot;
    }
    Buckets {
        width,
        sent,
        dropped,
        ops,
        first_event,
    }
}

/// The operations to embed, and the index of the first of them.
fn operations(timeline: &Timeline, bounds: &Bounds) -> (Vec<(usize, u64, i64, String)>, usize) {
    let calls: Vec<Instant> = timeline.ops.iter().map(|o| o.call).collect();
    assert!(
        calls.windows(2).all(|w| w[0] <= w[1]),
        "operations out of call order"
    );
    let at = match timeline.failure.as_ref().and_then(|f| f.op) {
        Some(op) => timeline.ops.get(op).map_or(anchor(timeline), |o| o.call),
        None => anchor(timeline),
    };
    let range = op_range(&calls, at, bounds.ops_max);
    let first = range.start;
    let ops = timeline.ops[range]
        .iter()
        .filter_map(|o| {
            let lane = timeline.lane_of(o.node)?;
            let ret = o.ret.map_or(-1, |r| r.0 as i64);
            Some((lane, o.call.0, ret, clip(&o.text, bounds.op_chars_max)))
        })
        .collect();
    (ops, first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{NodeId, Trace};
    use crate::timeline::Lane;
    use raft_contract::MessageKind;

    /// A timeline of two nodes that exchange one message of each kind, labelled so
    /// that parsing the labels would get every kind and heartbeat wrong.
    fn exchange(kinds: &[PayloadKind]) -> (Timeline, String) {
        let mut trace = Trace::new(true);
        for (k, &kind) in kinds.iter().enumerate() {
            let k = k as u64;
            trace.set_event(k + 1);
            let (from, to) = (NodeId((k % 2) as u32), NodeId(((k + 1) % 2) as u32));
            let at = Instant(k * 1_000);
            let label = || "AppendEntries n=0 label-words-mean-nothing".to_string();
            trace.record_message(at, None, at, EventKind::Deliver, to, from, k, kind, label);
        }
        let lanes = (0..2)
            .map(|k| Lane {
                node: NodeId(k),
                name: format!("n{k}"),
                kind: LaneKind::Node,
                cluster: 0,
            })
            .collect();
        let timeline = Timeline {
            lanes,
            records: trace.entries().to_vec(),
            end: Instant(kinds.len() as u64 * 1_000),
            events: kinds.len() as u64,
            ..Timeline::default()
        };
        (timeline, trace.text().expect("kept").to_string())
    }

    #[test]
    fn messages_take_kinds_and_heartbeats_from_the_records_not_the_labels() {
        let sent = [
            PayloadKind::Raft(MessageKind::Append { entries: 0 }),
            PayloadKind::Raft(MessageKind::AppendReply { accepted: Some(0) }),
            PayloadKind::Raft(MessageKind::Append { entries: 2 }),
            PayloadKind::Raft(MessageKind::AppendReply { accepted: None }),
            PayloadKind::Raft(MessageKind::Vote),
            PayloadKind::Raft(MessageKind::Other),
            PayloadKind::Service("Request"),
        ];
        let (timeline, text) = exchange(&sent);
        let win = window(&timeline, 100);
        let (msgs, lines, kinds) = messages(&timeline, &text, &win, &Bounds::PAGE);
        assert_eq!(
            kinds,
            [
                "AppendEntries",
                "AppendEntriesReply",
                "Other",
                "Request",
                "RequestVote"
            ]
        );
        assert_eq!(lines.len(), sent.len());
        let named: Vec<(&str, bool)> = msgs
            .iter()
            .map(|m| (kinds[m[4] as usize].as_str(), m[5] & 8 != 0))
            .collect();
        assert_eq!(
            named,
            [
                ("AppendEntries", true),
                ("AppendEntriesReply", true),
                ("AppendEntries", false),
                ("AppendEntriesReply", false),
                ("RequestVote", false),
                ("Other", false),
                ("Request", false),
            ]
        );
    }
}
