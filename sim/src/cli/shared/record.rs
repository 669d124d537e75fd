//! The result of one run as the CLI reports it: the outcome's figures plus wall time.

use crate::engine::{Instant, NodeId, RatePeak, Usage};
use crate::outcome::{Knobs, Outcome};
use crate::scenario::Part;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// One finished run.
#[derive(Clone, Debug)]
pub struct Record {
    /// The scenario's name.
    pub scenario: String,
    /// The Raft implementation it ran on (empty for the demo, which has none).
    pub implementation: String,
    /// Its part (`2A` .. `4B`, `demo`, `metric`, `swarm`).
    pub part: Part,
    /// The run's seed.
    pub seed: u64,
    /// `None` on pass; the reason on failure.
    pub failure: Option<String>,
    /// The trace hash.
    pub trace_hash: u64,
    /// Virtual time at the end of the run.
    pub virtual_time: Instant,
    /// Engine events processed.
    pub events: u64,
    /// Wall time of the run on this host.
    pub wall: Duration,
    /// Files written for a failure (trace, history, HTML view).
    pub artifacts: Vec<PathBuf>,
    /// A failure's files that could not be written, each as `PATH: why`.
    pub unwritten: Vec<String>,
    /// A swarm run's fault profile, on one line.
    pub profile: Option<String>,
    /// Whether a swarm run drew the implementation's knobs or kept them shipped.
    pub knobs: Knobs,
    /// The schedule file the run followed, if it followed one.
    pub schedule: Option<String>,
    /// The flags its replay command repeats (budget bounds, `--set`).
    pub replay_flags: Vec<String>,
    /// What the run used of its budget.
    pub usage: Usage,
}

/// A record as one line of `--json` output, written by [`Record::json`] and read back
/// by [`Record::from_json`].
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonLine {
    scenario: String,
    raft: Option<String>,
    part: String,
    seed: u64,
    verdict: String,
    reason: Option<String>,
    virtual_s: f64,
    events: u64,
    wall_s: f64,
    trace_hash: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    artifacts: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    unwritten: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    profile: Option<String>,
    /// The flags the replay command repeats: budget bounds off their defaults, knobs set
    /// with `--set`. (Named `budget_flags` before `--set` existed; still read.)
    #[serde(default, alias = "budget_flags", skip_serializing_if = "Vec::is_empty")]
    replay_flags: Vec<String>,
    /// The most messages one node sent within one virtual second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sends_per_second_peak: Option<RatePeakLine>,
    /// The most bytes the run held at once (when metered).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    memory_peak_bytes: Option<u64>,
}

/// A run's busiest node-second in its `--json` line.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RatePeakLine {
    sends: u64,
    node: String,
    second: u64,
}

impl Record {
    /// The record of a run that produced `outcome` in `wall`.
    pub fn new(part: Part, outcome: Outcome, wall: Duration) -> Record {
        Record {
            scenario: outcome.scenario,
            implementation: outcome.implementation,
            part,
            seed: outcome.seed,
            failure: outcome.failure,
            trace_hash: outcome.trace_hash,
            virtual_time: outcome.virtual_time,
            events: outcome.events,
            wall,
            artifacts: Vec::new(),
            unwritten: Vec::new(),
            profile: outcome.profile,
            knobs: outcome.knobs,
            schedule: outcome.schedule,
            replay_flags: outcome.replay_flags,
            usage: outcome.usage,
        }
    }

    /// True when the run passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// True when a signal cancelled the run before its end (see
    /// [`crate::panics::is_cancelled`]): it has no verdict.
    pub fn cancelled(&self) -> bool {
        self.failure
            .as_deref()
            .is_some_and(crate::panics::is_cancelled)
    }

    /// True when a limit of the simulator, not the Raft under test, stopped the run
    /// (see [`crate::panics::is_internal`]).
    pub fn internal(&self) -> bool {
        self.failure
            .as_deref()
            .is_some_and(crate::panics::is_internal)
    }

    /// The verdict word of the verdict line: `PASS`, `FAIL`, or `ERROR` for an
    /// internal error.
    pub fn verdict(&self) -> &'static str {
        match (self.passed(), self.internal()) {
            (true, _) => "PASS",
            (false, false) => "FAIL",
            (false, true) => "ERROR",
        }
    }

    /// The command that replays this run.
    pub fn replay_command(&self) -> String {
        replay_command(
            &self.implementation,
            &self.scenario,
            self.seed,
            self.schedule.as_deref(),
            self.knobs,
            &self.replay_flags,
        )
    }

    /// The `--json` line (no trailing newline).
    pub fn json(&self) -> String {
        let line = JsonLine {
            scenario: self.scenario.clone(),
            raft: Some(self.implementation.clone()).filter(|r| !r.is_empty()),
            part: self.part.label().into(),
            seed: self.seed,
            verdict: match self.verdict() {
                "PASS" => "pass",
                "FAIL" => "fail",
                _ => "error",
            }
            .into(),
            reason: self.failure.clone(),
            virtual_s: self.virtual_time.as_secs_f64(),
            events: self.events,
            wall_s: self.wall.as_secs_f64(),
            trace_hash: format!("{:016x}", self.trace_hash),
            artifacts: self
                .artifacts
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            unwritten: self.unwritten.clone(),
            profile: self.profile.clone(),
            replay_flags: self.replay_flags.clone(),
            sends_per_second_peak: self.usage.send_rate_peak.map(|p| RatePeakLine {
                sends: p.sends,
                node: p.node.to_string(),
                second: p.second,
            }),
            memory_peak_bytes: self.usage.memory_peak_bytes,
        };
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(&line).expect("a record serialises to JSON")
    }

    /// The record a `--json` line describes, for a run with `knobs` (which the line
    /// does not hold: its file's header does). Its [`Record::json`] is `line` again,
    /// byte for byte, when `line` is one that `json` wrote.
    ///
    /// # Errors
    /// What is wrong, without the place: not JSON of a record's shape, an unknown part,
    /// a trace hash that is not 16 hex digits, a time that is negative or not finite, or
    /// a verdict that does not go with the reason.
    pub fn from_json(line: &str, knobs: Knobs) -> Result<Record, String> {
        let l: JsonLine =
            serde_json::from_str(line).map_err(|e| format!("not a run's line: {e}"))?;
        let part = Part::from_label(&l.part).ok_or_else(|| format!("unknown part {:?}", l.part))?;
        let trace_hash = Some(&l.trace_hash)
            .filter(|h| h.len() == 16 && h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u64::from_str_radix(h, 16).ok())
            .ok_or_else(|| format!("trace_hash {:?} is not 16 hex digits", l.trace_hash))?;
        let virtual_ns = seconds_to_nanos(l.virtual_s)
            .ok_or_else(|| format!("virtual_s {} is not a time", l.virtual_s))?;
        let wall_ns = seconds_to_nanos(l.wall_s)
            .ok_or_else(|| format!("wall_s {} is not a time", l.wall_s))?;
        let send_rate_peak = match l.sends_per_second_peak {
            None => None,
            Some(p) => Some(RatePeak {
                sends: p.sends,
                node: parse_node(&p.node)
                    .ok_or_else(|| format!("sends_per_second_peak.node {:?} is not nN", p.node))?,
                second: p.second,
            }),
        };
        let record = Record {
            scenario: l.scenario,
            implementation: l.raft.unwrap_or_default(),
            part,
            seed: l.seed,
            failure: l.reason,
            trace_hash,
            virtual_time: Instant(virtual_ns),
            events: l.events,
            wall: Duration::from_nanos(wall_ns),
            artifacts: l.artifacts.into_iter().map(PathBuf::from).collect(),
            unwritten: l.unwritten,
            profile: l.profile,
            knobs,
            schedule: None,
            replay_flags: l.replay_flags,
            usage: Usage {
                send_rate_peak,
                memory_peak_bytes: l.memory_peak_bytes,
            },
        };
        let verdict = record.verdict().to_ascii_lowercase();
        if verdict != l.verdict {
            return Err(format!(
                "verdict {:?} does not go with reason {:?} (that is a {verdict:?})",
                l.verdict, record.failure
            ));
        }
        Ok(record)
    }
}

/// A node as `--json` writes it (`n3`).
fn parse_node(text: &str) -> Option<NodeId> {
    text.strip_prefix('n')?.parse().ok().map(NodeId)
}

/// Seconds as `--json` writes them (nanoseconds / 1e9 in an `f64`) back to nanoseconds:
/// exact below 2^53 ns (104 days), where the error of the division is under half a
/// nanosecond. `None` for a negative, infinite or too large value.
fn seconds_to_nanos(seconds: f64) -> Option<u64> {
    let nanos = (seconds * 1e9).round();
    // u64::MAX as f64 rounds up to 2^64, which does not fit: hence `<`.
    (nanos.is_finite() && nanos >= 0.0 && nanos < u64::MAX as f64).then_some(nanos as u64)
}

pub use crate::outcome::replay_command;

/// The verdict line:
/// `PASS|FAIL|ERROR <scenario> seed=<n> [raft=<name>] trace=<16 hex> virtual=<secs>s events=<n>
/// wall=<secs>s`, followed on failure by ` reason: <the reason on one line>` (`raft=`
/// only for an implementation other than the default; a monitor's trace lines stay out
/// of the line, they are for the report above it).
impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raft = crate::outcome::raft_field(&self.implementation);
        write!(
            f,
            "{} {} seed={}{raft} trace={:016x} virtual={:.6}s events={} wall={:.6}s",
            self.verdict(),
            self.scenario,
            self.seed,
            self.trace_hash,
            self.virtual_time.as_secs_f64(),
            self.events,
            self.wall.as_secs_f64()
        )?;
        if let Some(reason) = &self.failure {
            let summary = reason
                .split_once(crate::monitor::TRACE_LINES_HEADER)
                .map_or(reason.as_str(), |(head, _)| head);
            write!(
                f,
                " reason: {}",
                crate::cli::shared::error::one_line(summary)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(failure: Option<&str>) -> Record {
        Record {
            scenario: "PingFaults".into(),
            implementation: String::new(),
            part: Part::Demo,
            seed: 7,
            failure: failure.map(str::to_string),
            trace_hash: 0xab,
            virtual_time: Instant(1_500_000_000),
            events: 42,
            wall: Duration::from_millis(12),
            artifacts: Vec::new(),
            unwritten: Vec::new(),
            profile: None,
            knobs: Knobs::Drawn,
            schedule: None,
            replay_flags: Vec::new(),
            usage: Usage::default(),
        }
    }

    #[test]
    fn replay_of_a_run_in_the_shipped_configuration_says_so() {
        let mut r = record(None);
        r.scenario = "SwarmRaft".into();
        assert!(r.replay_command().ends_with("--seed 7"));
        r.knobs = Knobs::Shipped;
        assert!(r.replay_command().ends_with("--seed 7 --knobs shipped"));
        r.schedule = Some("s.json".into());
        assert!(
            !r.replay_command().contains("--knobs"),
            "a schedule has its knobs"
        );
    }

    #[test]
    fn display_pass_and_fail_follow_the_verdict_line_format() {
        assert_eq!(
            record(None).to_string(),
            "PASS PingFaults seed=7 trace=00000000000000ab virtual=1.500000s events=42 wall=0.012000s"
        );
        assert_eq!(
            record(Some("two\nlines")).to_string(),
            "FAIL PingFaults seed=7 trace=00000000000000ab virtual=1.500000s events=42 wall=0.012000s reason: two; lines"
        );
    }

    #[test]
    fn record_of_another_raft_names_it_in_line_json_and_replay() {
        let mut r = record(Some("bad\nlast trace lines:\n  0.1s deliver n0 -> n1"));
        r.implementation = "raft-rs".into();
        let line = r.to_string();
        assert!(line.contains(" seed=7 raft=raft-rs trace="), "{line}");
        assert!(
            line.ends_with("reason: bad"),
            "trace lines stay out: {line}"
        );
        assert!(r.replay_command().ends_with("--seed 7 --raft raft-rs"));
        let v: serde_json::Value =
            serde_json::from_str(&r.json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["raft"], "raft-rs");
        r.implementation = "ours".into();
        assert!(!r.to_string().contains("raft="));
        assert!(r.replay_command().ends_with("--seed 7"));
    }

    #[test]
    fn record_of_internal_error_says_error_not_fail() {
        let r = record(Some(
            "internal error: the simulator hit its own limit, not a failure of the Raft under test: virtual time overflow",
        ));
        assert!(r.internal());
        assert!(r.to_string().starts_with("ERROR PingFaults seed=7 "), "{r}");
        let v: serde_json::Value =
            serde_json::from_str(&r.json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["verdict"], "error");
        assert!(!record(Some("panicked: boom")).internal());
    }

    #[test]
    fn from_json_of_json_is_the_same_line() {
        let mut fail = record(Some("bad\nlast trace lines:\n  0.1s x"));
        fail.virtual_time = Instant(123_456_789_012_345);
        fail.artifacts = vec![PathBuf::from("a/b.txt")];
        fail.unwritten = vec!["c: no".into()];
        fail.profile = Some("p".into());
        fail.implementation = "raft-rs".into();
        fail.replay_flags = vec!["--events-max 5".into()];
        fail.usage = Usage {
            send_rate_peak: Some(RatePeak {
                sends: 40,
                node: NodeId(2),
                second: 7,
            }),
            memory_peak_bytes: Some(1 << 20),
        };
        let internal = record(Some(
            "internal error: the simulator hit its own limit, not a failure of the Raft under test: x",
        ));
        for r in [record(None), fail, internal] {
            let line = r.json();
            let back = Record::from_json(&line, Knobs::Shipped).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(back.json(), line);
            assert_eq!(back.to_string(), r.to_string());
            assert_eq!(back.virtual_time, r.virtual_time);
            assert_eq!(back.knobs, Knobs::Shipped);
        }
    }

    #[test]
    fn from_json_bad_lines_say_what_is_wrong() {
        let good = record(Some("bad")).json();
        let table = [
            (
                good.replace("\"fail\"", "\"pass\""),
                "verdict \"pass\" does not go",
            ),
            (good.replace("\"demo\"", "\"9Z\""), "unknown part"),
            (good.replace("00000000000000ab", "ab"), "not 16 hex digits"),
            (
                good.replace("\"virtual_s\":1.5", "\"virtual_s\":-1.5"),
                "not a time",
            ),
            (
                good.replace("\"seed\":7", "\"seed\":\"7\""),
                "not a run's line",
            ),
            (good.replace("\"seed\":7,", ""), "missing field `seed`"),
            ("[1]".to_string(), "not a run's line"),
        ];
        for (line, want) in table {
            match Record::from_json(&line, Knobs::Drawn) {
                Err(why) => assert!(why.contains(want), "{line}: {why}"),
                Ok(r) => panic!("{line} read as {r}"),
            }
        }
    }

    #[test]
    fn json_fail_has_every_field() {
        let v: serde_json::Value =
            serde_json::from_str(&record(Some("bad")).json()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v["scenario"], "PingFaults");
        assert_eq!(v["seed"], 7);
        assert_eq!(v["verdict"], "fail");
        assert_eq!(v["reason"], "bad");
        assert_eq!(v["virtual_s"], 1.5);
        assert_eq!(v["events"], 42);
        assert_eq!(v["trace_hash"], "00000000000000ab");
        assert!(v["wall_s"].is_f64());
        assert!(v.get("artifacts").is_none());
        assert!(v.get("unwritten").is_none());
    }
}
