//! The terminal's view of a run: the leader and term over time as a compact table
//! (`raftsim run ... --summary`), the same rows as the page's cluster strip. When some
//! server's clock is not the identity, a column shows the leader's local time at the
//! start of each row (see [`super::local`]); a run on true time has no such column.

use super::band::bands;
use super::local::LocalTimes;
use super::reign::{reigns, Reign};
use super::Timeline;
use std::fmt::Write as _;

/// Most rows the table prints: the first and last halves, with the count left out
/// between them (the page has them all).
pub const SUMMARY_ROWS_MAX: usize = 40;

/// The leader/term table of a run, one line per row, ending with a line end; one table
/// per Raft cluster, each under its name, when the run has several (a sharded run).
pub fn summary(timeline: &Timeline) -> String {
    let bands = bands(timeline);
    let local = LocalTimes::of(timeline);
    let local = (!local.is_empty()).then_some(&local);
    let mut out = String::new();
    for cluster in 0..timeline.cluster_count() {
        let rows = reigns(timeline, &bands, cluster);
        if let Some(name) = timeline.clusters.get(cluster) {
            let _ = writeln!(out, "{name}:");
        }
        table(timeline, &rows, local, &mut out);
    }
    out
}

/// One cluster's table; with `local`, the leader's local time at each row's start.
fn table(timeline: &Timeline, rows: &[Reign], local: Option<&LocalTimes>, out: &mut String) {
    if rows.is_empty() {
        out.push_str("leaders: no server reported a status (not a Raft run)\n");
        return;
    }
    let _ = writeln!(
        out,
        "leaders over virtual time ({} row(s); term: the highest any server reached)",
        rows.len()
    );
    let local_column = match local {
        Some(_) => format!(" {:>13}", "leader local"),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "{:>12} {:>12} {:>5}  {:<8}{local_column} {:<14} also leading",
        "from", "to", "term", "leader", "down"
    );
    let half = SUMMARY_ROWS_MAX / 2;
    for (k, row) in rows.iter().enumerate() {
        if rows.len() > SUMMARY_ROWS_MAX && k == half {
            let _ = writeln!(
                out,
                "{:>12} ... {} row(s) left out: see the page (--timeline) ...",
                "",
                rows.len() - 2 * half
            );
        }
        if rows.len() > SUMMARY_ROWS_MAX && k >= half && k < rows.len() - half {
            continue;
        }
        out.push_str(&line(timeline, row, local));
        out.push('\n');
    }
}

/// One row of the table.
fn line(timeline: &Timeline, row: &Reign, local: Option<&LocalTimes>) -> String {
    let name = |lane: usize| timeline.lanes[lane].name.clone();
    let leader = row.leader.map_or_else(|| "-".to_string(), name);
    // The leader's local time when the row starts; `-` for none or one on true time.
    let local_column = match local {
        None => String::new(),
        Some(local) => {
            let at = row.leader.and_then(|l| local.at(l, row.from));
            let shown = at.map_or_else(|| "-".to_string(), |at| at.to_string());
            format!(" {shown:>13}")
        }
    };
    let down: Vec<String> = row.down.iter().map(|&l| name(l)).collect();
    let stale: Vec<String> = row
        .stale
        .iter()
        .map(|&(l, t)| format!("{} (term {t})", name(l)))
        .collect();
    let text = format!(
        "{:>12} {:>12} {:>5}  {:<8}{local_column} {:<14} {}",
        row.from.to_string(),
        row.to.to_string(),
        row.term,
        leader,
        if down.is_empty() {
            "-".to_string()
        } else {
            down.join(",")
        },
        stale.join(", ")
    );
    text.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{EventKind, Instant, NodeId, NodeRole, NodeStatus, TraceRecord};

    fn state(time: u64, node: u32, term: u64, role: NodeRole) -> TraceRecord {
        TraceRecord {
            event: time,
            time: Instant(time),
            local: None,
            kind: EventKind::State,
            node: NodeId(node),
            peer: None,
            sent: Instant(time),
            status: Some(NodeStatus {
                term,
                role,
                commit: 0,
                last: 0,
                config: None,
            }),
            message: None,
            line: 0,
        }
    }

    #[test]
    fn summary_prints_one_line_per_reign() {
        let timeline = Timeline {
            lanes: crate::timeline::server_lanes(2),
            records: vec![
                state(0, 0, 0, NodeRole::Follower),
                state(0, 1, 0, NodeRole::Follower),
                state(300_000_000, 1, 1, NodeRole::Candidate),
                state(301_000_000, 1, 1, NodeRole::Leader),
            ],
            end: Instant(2_000_000_000),
            ..Timeline::default()
        };
        let text = summary(&timeline);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 5, "{text}");
        assert!(
            lines[2].ends_with("0.000000s    0.300000s     0  -        -"),
            "{text}"
        );
        assert!(
            lines[4].ends_with("0.301000s    2.000000s     1  n1       -"),
            "{text}"
        );
    }

    #[test]
    fn summary_of_many_reigns_stays_short() {
        let records = (0..200u64)
            .flat_map(|k| {
                let role = NodeRole::Leader;
                [state(k * 10 + 1, (k % 2) as u32, k + 1, role)]
            })
            .collect();
        let timeline = Timeline {
            lanes: crate::timeline::server_lanes(2),
            records,
            end: Instant(5_000),
            ..Timeline::default()
        };
        let text = summary(&timeline);
        assert!(text.lines().count() <= SUMMARY_ROWS_MAX + 3, "{text}");
        assert!(text.contains("row(s) left out"), "{text}");
    }

    #[test]
    fn summary_without_servers_says_so() {
        let text = summary(&Timeline::default());
        assert!(text.contains("no server reported a status"), "{text}");
    }
}
