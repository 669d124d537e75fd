//! The report at the end of a sweep: per scenario, runs, failures, mean virtual time and
//! mean wall time; overall, runs, failures, virtual time simulated, wall time, events per
//! second, the virtual-time speedup and runs per core-second. A batch merged from shard
//! files has no elapsed time of its own: its rates divide by the runs' wall times
//! summed, and its wall-time line says so ([`Clock`]).

use crate::cli::shared::record::Record;
use indexmap::IndexMap;
use std::fmt::Write;
use std::time::Duration;

/// Totals over some runs.
#[derive(Clone, Copy, Debug, Default)]
struct Totals {
    runs: u64,
    failed: u64,
    virtual_s: f64,
    wall_s: f64,
    events: u64,
}

impl Totals {
    fn add(&mut self, r: &Record) {
        self.runs += 1;
        self.failed += u64::from(!r.passed());
        self.virtual_s += r.virtual_time.as_secs_f64();
        self.wall_s += r.wall.as_secs_f64();
        self.events += r.events;
    }
}

/// How a batch's wall time is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// It ran here: `elapsed` of wall time on `threads` worker threads.
    Measured {
        /// Wall time of the whole batch.
        elapsed: Duration,
        /// Worker threads.
        threads: usize,
    },
    /// Merged from `shards` shard files, which hold each run's wall time only.
    Merged {
        /// How many shards.
        shards: u64,
    },
}

/// Renders the summary of `records` (in their order, grouped by scenario) for a batch
/// whose wall time `clock` gives. Only the lines `wall time`, `events`, `speedup`,
/// `throughput` and `one seed of each scenario`, and the `mean wall` column, depend on
/// wall time.
pub fn render(records: &[Record], clock: Clock) -> String {
    let mut by_scenario: IndexMap<&str, (&str, Totals)> = IndexMap::new();
    let mut all = Totals::default();
    for r in records {
        by_scenario
            .entry(r.scenario.as_str())
            .or_insert((r.part.label(), Totals::default()))
            .1
            .add(r);
        all.add(r);
    }
    assert_eq!(all.runs, records.len() as u64, "summary lost runs");
    let width = by_scenario
        .keys()
        .map(|n| n.len())
        .max()
        .unwrap_or(0)
        .max("scenario".len());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<width$}  {:<8}  {:>6}  {:>6}  {:>12}  {:>10}",
        "scenario", "part", "runs", "failed", "mean virtual", "mean wall"
    );
    let mut one_seed_each = 0.0;
    for (name, (part, t)) in &by_scenario {
        assert!(t.runs > 0, "{name}: a summary row with no runs");
        let runs = t.runs as f64;
        one_seed_each += t.wall_s / runs;
        let _ = writeln!(
            out,
            "{name:<width$}  {part:<8}  {:>6}  {:>6}  {:>11.3}s  {:>9.6}s",
            t.runs,
            t.failed,
            t.virtual_s / runs,
            t.wall_s / runs
        );
    }
    let _ = writeln!(out, "overall");
    let _ = writeln!(out, "  runs          {} ({} failed)", all.runs, all.failed);
    let _ = writeln!(out, "  virtual time  {:.3}s simulated", all.virtual_s);
    let (wall, per) = match clock {
        Clock::Measured { elapsed, threads } => {
            let _ = writeln!(
                out,
                "  wall time     {:.3}s on {threads} thread(s); {:.3}s of run time summed over runs",
                elapsed.as_secs_f64(),
                all.wall_s
            );
            (elapsed.as_secs_f64(), "wall time")
        }
        Clock::Merged { shards } => {
            let _ = writeln!(
                out,
                "  wall time     not known (merged from {shards} shard(s)); {:.3}s of run time summed over runs",
                all.wall_s
            );
            (all.wall_s, "run time summed")
        }
    };
    let wall = wall.max(1e-9);
    let _ = writeln!(
        out,
        "  events        {} ({:.0} events/s of {per})",
        all.events,
        all.events as f64 / wall
    );
    out.push_str(&peaks(records));
    let _ = writeln!(
        out,
        "  speedup       {:.0}x (virtual time / {per})",
        all.virtual_s / wall
    );
    let _ = writeln!(
        out,
        "  throughput    {:.1} runs per core-second (runs / run time summed)",
        all.runs as f64 / all.wall_s.max(1e-9)
    );
    let _ = writeln!(
        out,
        "  one seed of each scenario above: {one_seed_each:.3}s of one core (sum of mean walls)"
    );
    out
}

/// The heaviest runs against the run budget (see [`crate::engine::budget`]): the most
/// memory one run held and the busiest node-second, each with its run; nothing for runs
/// that measured neither.
fn peaks(records: &[Record]) -> String {
    let mut out = String::new();
    let memory = records
        .iter()
        .filter_map(|r| r.usage.memory_peak_bytes.map(|b| (b, r)))
        .max_by_key(|&(b, _)| b);
    if let Some((bytes, r)) = memory {
        let amount = match bytes {
            0..1_000_000 => format!("{:.1} kB", bytes as f64 / 1e3),
            _ => format!("{:.1} MB", bytes as f64 / 1e6),
        };
        let _ = writeln!(
            out,
            "  memory peak   {amount} held by one run ({} seed={})",
            r.scenario, r.seed
        );
    }
    let rate = records
        .iter()
        .filter_map(|r| r.usage.send_rate_peak.map(|p| (p, r)))
        .max_by_key(|&(p, _)| p.sends);
    if let Some((p, r)) = rate {
        let _ = writeln!(
            out,
            "  send peak     {} messages from one node in one virtual second ({} seed={}, {})",
            p.sends, r.scenario, r.seed, p.node
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Instant;
    use crate::scenario::Part;

    fn record(scenario: &str, seed: u64, failed: bool, virtual_s: u64) -> Record {
        Record {
            scenario: scenario.into(),
            implementation: String::new(),
            part: Part::Demo,
            seed,
            failure: failed.then(|| "bad".to_string()),
            trace_hash: seed,
            virtual_time: Instant(virtual_s * 1_000_000_000),
            events: 100,
            wall: Duration::from_millis(10),
            artifacts: Vec::new(),
            unwritten: Vec::new(),
            profile: None,
            knobs: crate::outcome::Knobs::Drawn,
            schedule: None,
            replay_flags: Vec::new(),
            usage: crate::engine::Usage::default(),
        }
    }

    #[test]
    fn render_groups_by_scenario_in_order_with_totals() {
        let records = [
            record("B", 0, false, 2),
            record("B", 1, true, 4),
            record("A", 0, false, 6),
        ];
        let text = render(
            &records,
            Clock::Measured {
                elapsed: Duration::from_secs(1),
                threads: 2,
            },
        );
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("scenario"), "{text}");
        assert!(
            lines[1].starts_with("B ") && lines[1].contains("      2       1        3.000s"),
            "{text}"
        );
        assert!(
            lines[2].starts_with("A ") && lines[2].contains("      1       0        6.000s"),
            "{text}"
        );
        assert!(text.contains("runs          3 (1 failed)"), "{text}");
        assert!(text.contains("virtual time  12.000s"), "{text}");
        assert!(text.contains("events        300 (300 events/s"), "{text}");
        assert!(text.contains("speedup       12x"), "{text}");
        assert!(
            text.contains("throughput    100.0 runs per core-second"),
            "{text}"
        );
    }

    #[test]
    fn render_merged_divides_by_run_time_summed() {
        let records = [record("A", 0, false, 2), record("A", 1, false, 4)];
        let text = render(&records, Clock::Merged { shards: 4 });
        assert!(
            text.contains("wall time     not known (merged from 4 shard(s)); 0.020s of run time"),
            "{text}"
        );
        assert!(
            text.contains("(10000 events/s of run time summed)"),
            "{text}"
        );
        assert!(
            text.contains("speedup       300x (virtual time / run time summed)"),
            "{text}"
        );
    }

    #[test]
    fn render_names_the_runs_of_the_memory_and_send_peaks() {
        let mut a = record("A", 0, false, 2);
        let mut b = record("B", 1, false, 2);
        a.usage.memory_peak_bytes = Some(900);
        b.usage.memory_peak_bytes = Some(2_500_000);
        a.usage.send_rate_peak = Some(crate::engine::RatePeak {
            sends: 40,
            node: crate::engine::NodeId(2),
            second: 3,
        });
        let text = render(&[a.clone(), b], Clock::Merged { shards: 1 });
        assert!(
            text.contains("  memory peak   2.5 MB held by one run (B seed=1)\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "  send peak     40 messages from one node in one virtual second (A seed=0, n2)\n"
            ),
            "{text}"
        );
        let small = render(&[a], Clock::Merged { shards: 1 });
        assert!(small.contains("memory peak   0.9 kB"), "{small}");
        let none = render(&[record("C", 0, false, 1)], Clock::Merged { shards: 1 });
        assert!(!none.contains("peak"), "no figures, no lines: {none}");
    }
}
