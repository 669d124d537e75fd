//! The vocabulary of scenarios: a [`Scenario`], the lab [`Part`] it belongs to, how to
//! run it ([`RunConfig`], [`Schedule`]) and the command that replays a run. What a run
//! produces is [`crate::outcome`]; the registry of scenarios is [`crate::registry`];
//! this file imports nothing that uses it.

pub use crate::outcome::Knobs;
use crate::outcome::{Outcome, RunId};
use std::sync::Arc;

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
    /// Whether a swarm run draws the implementation's knobs from its seed (the default)
    /// or runs its shipped configuration (`--knobs shipped`). Lab scenarios always run
    /// the shipped configuration; a schedule file carries its own knobs.
    pub knobs: Knobs,
    /// The run's limits: events, memory, messages per node-second, and the flag that
    /// cancels it (see [`crate::engine::budget`]).
    pub budget: crate::engine::Budget,
    /// Knob values set by hand (`--set NAME=VALUE`), over the shipped or drawn ones, for
    /// every Raft node of the run: how a scenario is run with a fix off (`--set
    /// pre_vote=0`). Empty by default.
    pub settings: raft_contract::Settings,
    /// The servers' clocks, by server number (see [`crate::engine::clock`]): server `i`
    /// starts on `clocks[i]`, a server past the end and every clerk on the identity
    /// clock. Empty in lab scenarios and sweeps; a schedule file's `clocks` fill it.
    pub clocks: Vec<crate::engine::Clock>,
    /// How KV servers serve Gets (`--reads`): through the log (the lab's way, the
    /// default), by ReadIndex or by lease. Raft and shardkv runs ignore it.
    pub reads: raft_contract::ReadMode,
}

impl RunConfig {
    /// The simulation's options this config asks for: its trace kept or not, its budget.
    pub fn sim_options(&self) -> crate::engine::SimOptions {
        crate::engine::SimOptions {
            keep_trace: self.keep_trace,
            budget: self.budget.clone(),
        }
    }

    /// The flags a replay of this run repeats beyond its seed: the budget's bounds off
    /// their defaults, then each knob set by hand, then the read mode if not the log.
    pub fn replay_flags(&self) -> Vec<String> {
        let mut flags = self.budget.flags();
        flags.extend(self.settings.iter().map(|(k, v)| format!("--set {k}={v}")));
        if self.reads != raft_contract::ReadMode::Log {
            flags.push(format!("--reads {}", self.reads));
        }
        flags
    }

    /// The identity of the run of `scenario` on `implementation` this config asks for.
    pub fn run_id(&self, scenario: &str, implementation: &str) -> RunId {
        RunId {
            scenario: scenario.to_string(),
            implementation: implementation.to_string(),
            seed: self.seed,
            schedule: self.schedule.as_ref().map(|s| s.path.clone()),
            profile: None,
            knobs: self.knobs,
            replay_flags: self.replay_flags(),
            settings: self.settings.clone(),
        }
    }
}

/// A schedule file's text, and where it came from (for the replay command).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Schedule {
    /// The file's path as the user gave it (empty for a schedule held in memory).
    pub path: String,
    /// The file's JSON text.
    pub json: String,
}

/// The lab part a scenario ports (2023 numbering: the 2024 skeleton calls 2A-2D 3A-3D,
/// 3A-3B 4A-4B, and 4A-4B 5A-5B), or what kind of scenario of our own it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Part {
    /// Raft leader election.
    Raft2A,
    /// Raft log replication.
    Raft2B,
    /// Raft persistence.
    Raft2C,
    /// Raft log compaction (snapshots).
    Raft2D,
    /// The KV service without snapshots.
    Kv3A,
    /// The KV service with snapshots.
    Kv3B,
    /// The shard controller.
    ShardCtrler4A,
    /// The sharded KV service.
    ShardKv4B,
    /// Faults beyond the lab: partial connectivity (PreVote, CheckQuorum).
    Beyond,
    /// Membership changes: servers added, removed and replaced under faults.
    Membership,
    /// The engine demo.
    Demo,
    /// A scenario that measures rather than checks (throughput).
    Metric,
    /// Swarm runs: faults drawn from the seed.
    Swarm,
    /// The CLI's own self-tests (not registered for users).
    SelfTest,
}

impl Part {
    /// The parts that port the lab's tests, 2A to 4B.
    pub const LAB: [Part; 8] = [
        Part::Raft2A,
        Part::Raft2B,
        Part::Raft2C,
        Part::Raft2D,
        Part::Kv3A,
        Part::Kv3B,
        Part::ShardCtrler4A,
        Part::ShardKv4B,
    ];

    /// Every part, in the order above.
    pub const ALL: [Part; 14] = [
        Part::Raft2A,
        Part::Raft2B,
        Part::Raft2C,
        Part::Raft2D,
        Part::Kv3A,
        Part::Kv3B,
        Part::ShardCtrler4A,
        Part::ShardKv4B,
        Part::Beyond,
        Part::Membership,
        Part::Demo,
        Part::Metric,
        Part::Swarm,
        Part::SelfTest,
    ];

    /// The part whose [`Part::label`] is `label` (`merge` reads it back from `--json`).
    pub fn from_label(label: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.label() == label)
    }

    /// Its label, as `raftsim list`, `--filter` and the `--json` lines spell it (`2A`,
    /// `swarm`).
    pub const fn label(self) -> &'static str {
        match self {
            Part::Raft2A => "2A",
            Part::Raft2B => "2B",
            Part::Raft2C => "2C",
            Part::Raft2D => "2D",
            Part::Kv3A => "3A",
            Part::Kv3B => "3B",
            Part::ShardCtrler4A => "4A",
            Part::ShardKv4B => "4B",
            Part::Beyond => "beyond",
            Part::Membership => "membership",
            Part::Demo => "demo",
            Part::Metric => "metric",
            Part::Swarm => "swarm",
            Part::SelfTest => "selftest",
        }
    }

    /// True for the parts that port the lab's tests.
    pub fn is_lab(self) -> bool {
        Part::LAB.contains(&self)
    }
}

impl std::fmt::Display for Part {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.label())
    }
}

/// A runnable scenario.
#[derive(Clone, Copy, Debug)]
pub struct Scenario {
    /// Unique name, like the lab's test (`InitialElection2A`).
    pub name: &'static str,
    /// The lab part it ports, or what kind of scenario of our own it is.
    pub part: Part,
    /// The Raft implementation it runs on (`ours`, `raft-rs`; empty for scenarios with
    /// no Raft, such as the engine demo).
    pub implementation: &'static str,
    /// One line saying what it checks.
    pub description: &'static str,
    /// Runs it.
    pub run: fn(&RunConfig) -> Outcome,
}
