//! The vocabulary of runs: a [`Scenario`], how to run it ([`RunConfig`]), its
//! [`Verdict`] and [`Failure`], and what it produced ([`Outcome`]). The registry of
//! scenarios is [`crate::registry`]; this file imports nothing that uses it.
//!
//! A run is identified by (implementation, scenario, seed). Its [`Outcome`] carries the
//! verdict, the trace hash, the virtual time simulated and the number of events, so that
//! the CLI, the tests and the seed corpus can all report and replay it the same way.

use crate::engine::{Instant, Node, Sim};
use crate::timeline::{FailurePoint, Timeline};
use std::fmt;
use std::sync::Arc;

/// Why a scenario failed: one human-readable sentence (with ids, terms and indices).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Fails the enclosing scenario function with a formatted reason.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::scenario::Failure(format!($($arg)*)))
    };
}

/// Returns early with a failure unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::fail!($($arg)*);
        }
    };
}

/// What a scenario body returns.
pub type Verdict = Result<(), Failure>;

/// How to run one scenario.
#[derive(Clone, Debug, Default)]
pub struct RunConfig {
    /// The run's seed: every random choice follows from it.
    pub seed: u64,
    /// Keep the rendered trace in the outcome.
    pub keep_trace: bool,
    /// Keep the recorded client history (as JSON) in the outcome even when the run passes
    /// (a failing KV run always keeps it). Off in sweeps: a history can be large.
    pub keep_history: bool,
    /// A swarm run's schedule to follow instead of the one its seed draws (`raftsim run
    /// --schedule FILE`, `raftsim shrink`).
    pub schedule: Option<Arc<Schedule>>,
    /// Run without the safety monitors: only to measure what they cost (the monitors
    /// bench). Never set by the command line.
    pub unmonitored: bool,
}

/// A schedule file's text, and where it came from (for the replay command).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The file's path as the user gave it (empty for a schedule held in memory).
    pub path: String,
    /// The file's JSON text.
    pub json: String,
}

/// Everything a run produced.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Scenario name.
    pub scenario: String,
    /// The Raft implementation it ran on (`ours`, `raft-rs`; empty for the demo).
    pub implementation: String,
    /// The run's seed.
    pub seed: u64,
    /// `None` on pass; the reason on failure.
    pub failure: Option<String>,
    /// Hash over every traced event: equal for every run of the same (scenario, seed).
    pub trace_hash: u64,
    /// Virtual time at the end of the run.
    pub virtual_time: Instant,
    /// Engine events processed.
    pub events: u64,
    /// The rendered trace, when asked for.
    pub trace: Option<String>,
    /// The recorded client history as raftsim JSON (KV scenarios that failed, or ran with
    /// [`RunConfig::keep_history`]).
    pub history_json: Option<String>,
    /// The checker's HTML view of the history (KV scenarios that failed the check).
    pub history_html: Option<String>,
    /// Scenario-specific figures (latency per op, messages per op, ...).
    pub metrics: Vec<(String, f64)>,
    /// A swarm run's fault profile, on one line.
    pub profile: Option<String>,
    /// The schedule file the run followed, if it followed one.
    pub schedule: Option<String>,
    /// What the run's timeline page and leader table are drawn from (kept with the
    /// trace): the trace's records, the lanes, client operations and the failure point.
    pub timeline: Option<Arc<Timeline>>,
}

impl Outcome {
    /// The outcome of a finished simulation with the scenario's verdict.
    pub fn from_sim<N: Node>(
        name: &str,
        implementation: &str,
        config: &RunConfig,
        sim: &Sim<N>,
        verdict: Verdict,
    ) -> Outcome {
        let raft = match implementation {
            "" => String::new(),
            name => format!(" raft={name}"),
        };
        let title = format!("{name} seed={}{raft}", config.seed);
        let timeline = Timeline::of_sim(title, sim).map(|mut timeline| {
            if let Err(failure) = &verdict {
                // A tester's check fails where the run stopped; the runners replace this
                // with a monitor's event or the checker's operation when they know it.
                timeline.failure = Some(FailurePoint {
                    time: sim.now(),
                    event: sim.events(),
                    headline: headline(&failure.0),
                    node: None,
                    op: None,
                });
            }
            Arc::new(timeline)
        });
        Outcome {
            scenario: name.to_string(),
            implementation: implementation.to_string(),
            seed: config.seed,
            failure: verdict.err().map(|f| f.0),
            trace_hash: sim.trace().hash(),
            virtual_time: sim.now(),
            events: sim.events(),
            trace: sim.trace().text().map(str::to_string),
            schedule: config.schedule.as_ref().map(|s| s.path.clone()),
            timeline,
            ..Outcome::default()
        }
    }

    /// True when the run passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// The command that replays this run.
    pub fn replay_command(&self) -> String {
        replay_command(
            &self.implementation,
            &self.scenario,
            self.seed,
            self.schedule.as_deref(),
        )
    }
}

/// The first line of a failure's reason, clipped to 200 characters: the headline of its
/// timeline marker.
pub fn headline(reason: &str) -> String {
    let first = reason.lines().next().unwrap_or_default();
    match first.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &first[..at]),
        None => first.to_string(),
    }
}

/// The implementation runs use when `--raft` is not given.
pub const DEFAULT_RAFT: &str = "ours";

/// The command that replays (implementation, scenario, seed), or a schedule file, from
/// the repository root; `--raft` is left out for the default implementation (or none,
/// for the demo). The one place that spells it.
pub fn replay_command(
    implementation: &str,
    scenario: &str,
    seed: u64,
    schedule: Option<&str>,
) -> String {
    let raft = match implementation {
        "" | DEFAULT_RAFT => String::new(),
        name => format!(" --raft {name}"),
    };
    match schedule {
        Some(path) if !path.is_empty() => {
            format!("cargo run --release -- run --schedule {path}{raft}")
        }
        _ => format!("cargo run --release -- run {scenario} --seed {seed}{raft}"),
    }
}

/// A runnable scenario.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Unique name, like the lab's test (`InitialElection2A`).
    pub name: &'static str,
    /// The lab part it ports (`2A` .. `4B`), or `demo`, `metric`, `swarm` for our own.
    pub part: &'static str,
    /// The Raft implementation it runs on (`ours`, `raft-rs`; empty for scenarios with
    /// no Raft, such as the engine demo).
    pub implementation: &'static str,
    /// One line saying what it checks.
    pub description: &'static str,
    /// Runs it.
    pub run: fn(&RunConfig) -> Outcome,
}
