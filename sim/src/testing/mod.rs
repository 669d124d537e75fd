//! The test API: raftsim's lab scenarios and swarm runs on your Raft from `cargo test`.
//!
//! ```no_run
//! # struct Mine;
//! # impl raft_contract::RaftFamily for Mine { type Node<C: raft_contract::Command> = raft::Raft<C>; }
//! # impl sim::implementation::Implementation for Mine {
//! #     const NAME: &'static str = "mine";
//! #     const DESCRIPTION: &'static str = "my Raft";
//! # }
//! #[test]
//! fn lab_2a_2b() {
//!     sim::testing::lab::<Mine>().filter("2A|2B").seeds(0..50).run();
//! }
//!
//! #[test]
//! fn swarm_raft() {
//!     use sim::swarm::Workload;
//!     sim::testing::swarm::<Mine>().workload(Workload::Raft).seeds(0..100).run();
//! }
//! ```
//!
//! [`Runs::run`] runs every selected (scenario, seed) in parallel (each run on one
//! thread, as the command line's sweeps do) and panics if any failed, with each failure's
//! scenario, seed and reason and the command that replays one:
//!
//! ```text
//! raftsim: 1 of 9 runs failed on "amnesiac" (lab scenarios matching "2C", seeds 0..3)
//!   Persist12C seed 0: ...
//! replay one run, with its trace and timeline written to files:
//!   RAFTSIM_REPLAY="Persist12C 0" cargo test amnesiac
//! ```
//!
//! With [`REPLAY_ENV`] set to `SCENARIO SEED`, a test's [`Runs::run`] runs that one run
//! (if the scenario is among the test's) with its trace kept, writes its files
//! ([`replay`]) and panics with their paths if it fails again; a test whose scenarios do
//! not include it runs nothing.
//!
//! Run budgets ([`crate::engine::Budget`]) apply by default: a run that sends without
//! end fails with the reason rather than hanging the test. The memory bound is enforced
//! only where the process meters its allocations (the `raftsim` binary does, with
//! `alloc-meter`; a test binary normally does not).

pub mod failures;
pub mod replay;

pub use failures::Failures;
pub use replay::REPLAY_ENV;

use crate::cli::shared::filter::Filter;
use crate::engine::Budget;
use crate::implementation::Implementation;
use crate::outcome::{Knobs, Outcome};
use crate::registry::Registered;
use crate::scenario::{Part, RunConfig, Scenario};
use crate::swarm::Workload;
use raft_contract::{ReadMode, Settings};
use rayon::prelude::*;
use std::ops::Range;

/// Which of an implementation's scenarios a [`Runs`] starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// The lab's tests, 2A to 4B ([`Part::is_lab`]).
    Lab,
    /// The swarm runs, one scenario per [`Workload`].
    Swarm,
    /// The faults beyond the lab ([`Part::Beyond`]): partial connectivity.
    Beyond,
    /// Membership changes ([`Part::Membership`]).
    Membership,
}

impl Kind {
    /// `lab` or `swarm`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Lab => "lab",
            Kind::Swarm => "swarm",
            Kind::Beyond => "beyond",
            Kind::Membership => "membership",
        }
    }
}

/// The lab's scenarios (2A to 4B) on implementation `I`, over seeds `0..10` until
/// [`Runs::seeds`] says otherwise.
pub fn lab<I: Implementation>() -> Runs {
    Runs::new(Registered::of::<I>(), Kind::Lab)
}

/// The swarm scenarios (every workload) on implementation `I`, over seeds `0..10` until
/// [`Runs::seeds`] says otherwise.
pub fn swarm<I: Implementation>() -> Runs {
    Runs::new(Registered::of::<I>(), Kind::Swarm)
}

/// The scenarios of faults beyond the lab (partial connectivity: `QuorumLoss`,
/// `ChainedPartition`, ...) on implementation `I`, over seeds `0..10` until
/// [`Runs::seeds`] says otherwise.
pub fn beyond<I: Implementation>() -> Runs {
    Runs::new(Registered::of::<I>(), Kind::Beyond)
}

/// The membership scenarios (`AddServer`, `ReplaceAll`, ...) on implementation `I`,
/// which must support membership changes, over seeds `0..10` until [`Runs::seeds`] says
/// otherwise.
pub fn membership<I: Implementation>() -> Runs {
    Runs::new(Registered::of::<I>(), Kind::Membership)
}

/// A set of runs to make: scenarios of one implementation times seeds.
#[derive(Clone, Debug)]
pub struct Runs {
    implementation: Registered,
    kind: Kind,
    filter: Option<String>,
    workload: Option<Workload>,
    seeds: Range<u64>,
    knobs: Knobs,
    budget: Budget,
    settings: Settings,
    reads: ReadMode,
    replay: Option<replay::Asked>,
}

impl Runs {
    fn new(implementation: Registered, kind: Kind) -> Runs {
        Runs {
            implementation,
            kind,
            filter: None,
            workload: None,
            seeds: 0..10,
            knobs: Knobs::default(),
            budget: Budget::default(),
            settings: Settings::defaults(),
            reads: ReadMode::Log,
            replay: None,
        }
    }

    /// Keeps the scenarios that `pattern` selects, as `raftsim --filter` does: a regular
    /// expression matched anywhere in the name, or exactly a part (`2B`, `3A`).
    pub fn filter(self, pattern: &str) -> Runs {
        Runs {
            filter: Some(pattern.to_string()),
            ..self
        }
    }

    /// Keeps the swarm scenario of one workload (`SwarmRaft`, `SwarmKv`,
    /// `SwarmShardKv`).
    pub fn workload(self, workload: Workload) -> Runs {
        Runs {
            workload: Some(workload),
            ..self
        }
    }

    /// The seeds each scenario runs with.
    pub fn seeds(self, seeds: Range<u64>) -> Runs {
        Runs { seeds, ..self }
    }

    /// Whether swarm runs draw the implementation's knobs from their seeds (the default)
    /// or keep its shipped configuration.
    pub fn knobs(self, knobs: Knobs) -> Runs {
        Runs { knobs, ..self }
    }

    /// Sets knob `name` of the implementation to `value` in every run, over its shipped
    /// or drawn value, as `raftsim --set name=value` does: how a test shows that a
    /// scenario fails with a fix off.
    ///
    /// # Panics
    /// When the implementation has no such knob or `value` is outside its range.
    #[track_caller]
    pub fn set(mut self, name: &str, value: u64) -> Runs {
        self.settings.set(name, value);
        if let Some(refusal) = self.settings.refusal(self.implementation.knobs) {
            panic!("raftsim: {refusal}");
        }
        self
    }

    /// How KV servers serve Gets in every run, as `raftsim --reads` does: through the
    /// log (the default), by ReadIndex or by lease.
    ///
    /// # Panics
    /// When the implementation does not support `reads` (`RaftFamily::READS`).
    #[track_caller]
    pub fn reads(self, reads: ReadMode) -> Runs {
        assert!(
            self.implementation.reads.contains(&reads),
            "raftsim: {} does not read by {reads}",
            self.implementation.name
        );
        Runs { reads, ..self }
    }

    /// The limits of each run (default: [`Budget::default`]).
    pub fn budget(self, budget: Budget) -> Runs {
        Runs { budget, ..self }
    }

    /// Replays one run, as [`REPLAY_ENV`] does: (scenario, seed) alone, with its files
    /// written. For a test of the replay itself; a user sets the variable instead.
    pub fn replay(self, scenario: &str, seed: u64) -> Runs {
        let asked = replay::Asked {
            scenario: scenario.to_string(),
            seed,
        };
        Runs {
            replay: Some(asked),
            ..self
        }
    }

    /// The scenarios selected, in registry order.
    ///
    /// # Panics
    /// When the filter is not a regular expression, or selects no scenario: a test that
    /// runs nothing would pass for the wrong reason.
    pub fn scenarios(&self) -> Vec<Scenario> {
        let kind = self.kind;
        let workload = self.workload.map(crate::swarm::scenario_name);
        let all: Vec<Scenario> = self
            .implementation
            .scenarios()
            .into_iter()
            .filter(|s| match kind {
                Kind::Lab => s.part.is_lab(),
                Kind::Swarm => s.part == Part::Swarm,
                Kind::Beyond => s.part == Part::Beyond,
                Kind::Membership => s.part == Part::Membership,
            })
            .filter(|s| workload.is_none_or(|name| s.name == name))
            .collect();
        let filter = self.filter.as_deref().map(|pattern| {
            Filter::parse(pattern).unwrap_or_else(|e| panic!("raftsim: {}", e.one_line()))
        });
        Filter::select(filter.as_ref(), &all).unwrap_or_else(|e| {
            panic!(
                "raftsim: {} among the {} scenarios of {:?}",
                e.one_line(),
                kind.name(),
                self.implementation.name
            )
        })
    }

    /// Makes the runs, or with [`REPLAY_ENV`] set the one it names, and panics with
    /// [`Failures`] (scenario, seed, reason, replay command) if any failed.
    ///
    /// # Panics
    /// When a run fails, and as [`Runs::scenarios`]; the panic's location is the test's
    /// call.
    #[track_caller]
    pub fn run(self) {
        if let Err(failures) = self.check() {
            panic!("{failures}");
        }
    }

    /// Makes the runs (or the one [`REPLAY_ENV`] names) and returns the failures
    /// instead of panicking.
    ///
    /// # Errors
    /// [`Failures`] when any run failed.
    ///
    /// # Panics
    /// As [`Runs::scenarios`], and when [`REPLAY_ENV`] is set but not `SCENARIO SEED`.
    pub fn check(&self) -> Result<(), Failures> {
        let scenarios = self.scenarios();
        // Panics inside runs are their failures, reported with the rest: keep their
        // backtraces off the test's output.
        crate::panics::install(true);
        if let Some(asked) = self.replay.clone().or_else(replay::asked) {
            return replay::run(&asked, &scenarios, &self.config(asked.seed));
        }
        let jobs: Vec<(Scenario, u64)> = scenarios
            .iter()
            .flat_map(|s| self.seeds.clone().map(move |seed| (*s, seed)))
            .collect();
        let outcomes: Vec<Outcome> = jobs
            .par_iter()
            .map(|(scenario, seed)| crate::registry::run(scenario, &self.config(*seed)))
            .collect();
        let failed: Vec<Outcome> = outcomes.into_iter().filter(|o| !o.passed()).collect();
        if failed.is_empty() {
            return Ok(());
        }
        Err(Failures {
            implementation: self.implementation.name,
            selection: self.selection(),
            runs: jobs.len(),
            failed,
            test: replay::test_name(),
        })
    }

    /// How one run of this set is configured.
    fn config(&self, seed: u64) -> RunConfig {
        RunConfig {
            seed,
            knobs: self.knobs,
            budget: self.budget.clone(),
            settings: self.settings.clone(),
            reads: self.reads,
            ..RunConfig::default()
        }
    }

    /// `lab scenarios matching "2C", seeds 0..3`, for the failure report.
    fn selection(&self) -> String {
        let what = match (&self.filter, self.workload) {
            (Some(f), _) => format!("{} scenarios matching {f:?}", self.kind.name()),
            (None, Some(w)) => crate::swarm::scenario_name(w).to_string(),
            (None, None) => format!("every {} scenario", self.kind.name()),
        };
        format!("{what}, seeds {}..{}", self.seeds.start, self.seeds.end)
    }
}
