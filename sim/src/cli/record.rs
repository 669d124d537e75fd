//! The result of one run as the CLI reports it: the outcome's figures plus wall time.

use crate::engine::Instant;
use crate::scenario::Outcome;
use serde::Serialize;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

/// One finished run.
#[derive(Clone, Debug)]
pub struct Record {
    /// The scenario's name.
    pub scenario: String,
    /// Its part (`2A` .. `3B`, `demo`).
    pub part: &'static str,
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
}

/// A record as one line of `--json` output.
#[derive(Serialize)]
struct JsonLine<'a> {
    scenario: &'a str,
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
}

impl Record {
    /// The record of a run that produced `outcome` in `wall`.
    pub fn new(part: &'static str, outcome: Outcome, wall: Duration) -> Record {
        Record {
            scenario: outcome.scenario,
            part,
            seed: outcome.seed,
            failure: outcome.failure,
            trace_hash: outcome.trace_hash,
            virtual_time: outcome.virtual_time,
            events: outcome.events,
            wall,
            artifacts: Vec::new(),
            unwritten: Vec::new(),
        }
    }

    /// True when the run passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// The command that replays this run.
    pub fn replay_command(&self) -> String {
        replay_command(&self.scenario, self.seed)
    }

    /// The `--json` line (no trailing newline).
    pub fn json(&self) -> String {
        let line = JsonLine {
            scenario: &self.scenario,
            part: self.part,
            seed: self.seed,
            verdict: if self.passed() { "pass" } else { "fail" },
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
        };
        // Serialising plain strings and numbers cannot fail.
        serde_json::to_string(&line).expect("a record serialises to JSON")
    }
}

/// The command that replays `scenario` at `seed`, from the repository root.
pub fn replay_command(scenario: &str, seed: u64) -> String {
    format!("cargo run --release -- run {scenario} --seed {seed}")
}

/// The verdict line:
/// `PASS|FAIL <scenario> seed=<n> trace=<16 hex> virtual=<secs>s events=<n> wall=<secs>s`,
/// followed on failure by ` reason: <the reason on one line>`.
impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} seed={} trace={:016x} virtual={:.6}s events={} wall={:.6}s",
            if self.passed() { "PASS" } else { "FAIL" },
            self.scenario,
            self.seed,
            self.trace_hash,
            self.virtual_time.as_secs_f64(),
            self.events,
            self.wall.as_secs_f64()
        )?;
        if let Some(reason) = &self.failure {
            write!(f, " reason: {}", super::error::one_line(reason))?;
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
            part: "demo",
            seed: 7,
            failure: failure.map(str::to_string),
            trace_hash: 0xab,
            virtual_time: Instant(1_500_000_000),
            events: 42,
            wall: Duration::from_millis(12),
            artifacts: Vec::new(),
            unwritten: Vec::new(),
        }
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
