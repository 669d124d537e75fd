//! The result of one run as the CLI reports it: the outcome's figures plus wall time.

use crate::engine::{Instant, Usage};
use crate::outcome::{Knobs, Outcome};
use crate::scenario::Part;
use serde::Serialize;
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
    /// The budget flags its replay command repeats.
    pub budget_flags: Vec<String>,
    /// What the run used of its budget.
    pub usage: Usage,
}

/// A record as one line of `--json` output.
#[derive(Serialize)]
struct JsonLine<'a> {
    scenario: &'a str,
    raft: Option<&'a str>,
    part: &'a str,
    seed: u64,
    verdict: &'a str,
    reason: Option<&'a str>,
    virtual_s: f64,
    events: u64,
    wall_s: f64,
    trace_hash: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    artifacts: Vec<String>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    unwritten: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    profile: Option<&'a str>,
    /// The most messages one node sent within one virtual second.
    #[serde(skip_serializing_if = "Option::is_none")]
    sends_per_second_peak: Option<RatePeakLine>,
    /// The most bytes the run held at once (when metered).
    #[serde(skip_serializing_if = "Option::is_none")]
    memory_peak_bytes: Option<u64>,
}

/// A run's busiest node-second in its `--json` line.
#[derive(Serialize)]
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
            budget_flags: outcome.budget_flags,
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
            &self.budget_flags,
        )
    }

    /// The `--json` line (no trailing newline).
    pub fn json(&self) -> String {
        let line = JsonLine {
            scenario: &self.scenario,
            raft: Some(self.implementation.as_str()).filter(|r| !r.is_empty()),
            part: self.part.label(),
            seed: self.seed,
            verdict: match self.verdict() {
                "PASS" => "pass",
                "FAIL" => "fail",
                _ => "error",
            },
            reason: self.failure.as_deref(),
            virtual_s: self.virtual_time.as_secs_f64(),
            events: self.events,
            wall_s: self.wall.as_secs_f64(),
            trace_hash: format!("{:016x}", self.trace_hash),
            artifacts: self
                .artifacts
                .iter()
                .map(|p| p.display().to_string())
                .collect(),
            unwritten: &self.unwritten,
            profile: self.profile.as_deref(),
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
}

pub use crate::outcome::replay_command;

/// The verdict line:
/// `PASS|FAIL|ERROR <scenario> seed=<n> [raft=<name>] trace=<16 hex> virtual=<secs>s events=<n>
/// wall=<secs>s`, followed on failure by ` reason: <the reason on one line>` (`raft=`
/// only for an implementation other than the default; a monitor's trace lines stay out
/// of the line, they are for the report above it).
impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raft = match self.implementation.as_str() {
            "" | crate::registry::DEFAULT_RAFT => String::new(),
            name => format!(" raft={name}"),
        };
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
            budget_flags: Vec::new(),
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
