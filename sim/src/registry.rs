//! The registry: every Raft implementation raftsim can test, the scenarios each one runs,
//! and the one way to find and run a scenario by name.
//!
//! `--raft NAME` picks an implementation ([`implementation`]); its scenarios are the lab
//! ports it supports ([`Registered::scenarios`]), plus the engine demo for the default
//! implementation. The default is `ours`, or in a program that registers its own
//! implementations ([`register`]) the first of those ([`default_raft`]). The self-test scenarios ([`crate::selftest`]) join the list only when
//! their environment variable asks for them.

use crate::implementation::{Implementation, LabOptions};
use crate::outcome::Outcome;
use crate::scenario::{RunConfig, Scenario};
use raft_contract::Knob;
use std::sync::OnceLock;

pub use crate::outcome::{default_raft, is_default_raft, DEFAULT_RAFT};

/// A Raft implementation as the command line offers it.
#[derive(Clone, Copy, Debug)]
pub struct Registered {
    /// The name `--raft` takes.
    pub name: &'static str,
    /// One line for `raftsim list`.
    pub description: &'static str,
    /// The settings it lets the swarm vary ([`raft_contract::RaftFamily::KNOBS`]).
    pub knobs: &'static [Knob],
    /// The read modes it supports (`RaftFamily::READS`), which `--reads` is checked
    /// against.
    pub reads: &'static [raft_contract::ReadMode],
    /// What it supports of the lab's contract (snapshots): the swarm draws nothing it
    /// does not support.
    pub options: LabOptions,
    /// Whether it declares membership changes (`RaftFamily::MEMBERSHIP`), which the
    /// membership scenarios need.
    pub membership: bool,
    scenarios: fn() -> Vec<Scenario>,
}

impl Registered {
    /// Registers implementation `I`.
    pub fn of<I: Implementation>() -> Registered {
        Registered {
            name: I::NAME,
            description: I::DESCRIPTION,
            knobs: I::KNOBS,
            reads: I::READS,
            options: I::options(),
            membership: I::MEMBERSHIP.is_some(),
            scenarios: scenarios_of::<I>,
        }
    }

    /// Every scenario it supports, in registry order (with the self-test scenarios last
    /// when [`crate::selftest::SELFTEST_ENV`] is `1`).
    pub fn scenarios(&self) -> Vec<Scenario> {
        let mut all = (self.scenarios)();
        if self.name == default_raft() {
            all.splice(0..0, crate::demo::scenarios());
            if crate::selftest::enabled() {
                all.extend(crate::selftest::scenarios());
            }
        }
        all
    }

    /// Its scenario called `name`.
    ///
    /// # Errors
    /// [`Unknown::Unsupported`], saying why, for a scenario of raftsim's that this
    /// implementation does not run (a membership scenario without membership changes, a
    /// snapshot scenario without snapshots); else as [`find`].
    pub fn find(&self, name: &str) -> Result<Scenario, Unknown> {
        find(&self.scenarios(), name).map_err(|unknown| {
            // Our Raft supports every capability, so its list is every scenario there is.
            let every = scenarios_of::<raft::Family>();
            let Some(s) = every.iter().find(|s| s.name == name) else {
                return unknown;
            };
            let needs = if s.part == crate::scenario::Part::Membership
                || s.name == crate::swarm::scenario_name(crate::swarm::Workload::Membership)
            {
                (!self.membership).then_some(
                    "membership changes, which it does not declare (RaftFamily::MEMBERSHIP)",
                )
            } else {
                (!self.options.snapshots).then_some(
                    "snapshots, which it declares it does not support (Implementation::options)",
                )
            };
            Unknown::Unsupported {
                name: s.name,
                implementation: self.name,
                why: needs.unwrap_or("support it does not have").to_string(),
            }
        })
    }
}

/// The lab ports implementation `I` supports (Raft, KV, then the shard controller and
/// the sharded KV service), then the faults beyond the lab, then its swarm runs.
fn scenarios_of<I: Implementation>() -> Vec<Scenario> {
    let mut all = crate::scenarios::raft::<I>();
    all.extend(crate::scenarios::kv::<I>());
    all.extend(crate::scenarios::shard::<I>());
    all.extend(crate::scenarios::beyond::<I>());
    all.extend(crate::scenarios::membership::<I>());
    all.extend(crate::swarm::scenarios::<I>());
    all
}

/// Implementations registered at startup by a program built on this crate (a user's
/// own Raft): set once, before any run, by [`register`].
static EXTRA: OnceLock<Vec<Registered>> = OnceLock::new();

/// Adds implementations to the registry, for `--raft NAME`, and makes the first of them
/// the program's default ([`default_raft`]); the first call wins (a program's `main`
/// makes it once, before parsing its arguments).
pub fn register(extra: Vec<Registered>) {
    if let Some(first) = extra.first() {
        crate::outcome::set_default_raft(first.name);
    }
    let _ = EXTRA.set(extra);
}

/// Every registered implementation: the built-in ones (the default first; the adapters
/// only with their cargo features, `raft-rs` and `openraft`), then those given to
/// [`register`].
pub fn implementations() -> Vec<Registered> {
    let mut all = vec![
        Registered::of::<raft::Family>(),
        #[cfg(feature = "raft-rs")]
        Registered::of::<raftrs_adapter::Family>(),
        #[cfg(feature = "openraft")]
        Registered::of::<openraft_adapter::Family>(),
    ];
    all.extend(EXTRA.get().into_iter().flatten().copied());
    all
}

/// A name the registry does not know.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Unknown {
    /// No implementation has this name.
    #[error("unknown Raft implementation {name:?} (known: {})", known.join(", "))]
    Implementation {
        /// The name asked for.
        name: String,
        /// The registered names.
        known: Vec<&'static str>,
    },
    /// No scenario has this name.
    #[error("unknown scenario {name:?} ({})", match suggestion {
        Some(s) => format!("did you mean {s}?"),
        None => "`raftsim list` shows every scenario".to_string(),
    })]
    Scenario {
        /// The name asked for.
        name: String,
        /// A scenario whose name differs only in case.
        suggestion: Option<&'static str>,
    },
    /// A scenario of raftsim's that the implementation does not run.
    #[error("{implementation} does not run {name}: it needs {why}")]
    Unsupported {
        /// The scenario.
        name: &'static str,
        /// The implementation asked for.
        implementation: &'static str,
        /// What the scenario needs that the implementation lacks.
        why: String,
    },
}

/// The implementation called `name`.
///
/// # Errors
/// [`Unknown::Implementation`], naming the known implementations, when there is none.
pub fn implementation(name: &str) -> Result<Registered, Unknown> {
    let all = implementations();
    all.iter()
        .find(|r| r.name == name)
        .copied()
        .ok_or_else(|| Unknown::Implementation {
            name: name.to_string(),
            known: all.iter().map(|r| r.name).collect(),
        })
}

/// The default implementation's scenarios: what the program runs without `--raft`.
pub fn registry() -> Vec<Scenario> {
    implementation(default_raft())
        .expect("the default implementation is registered")
        .scenarios()
}

/// The scenario called `name` among `all`.
///
/// # Errors
/// [`Unknown::Scenario`], with a suggestion when only the case differs.
pub fn find(all: &[Scenario], name: &str) -> Result<Scenario, Unknown> {
    if let Some(s) = all.iter().find(|s| s.name == name) {
        return Ok(*s);
    }
    Err(Unknown::Scenario {
        name: name.to_string(),
        suggestion: all
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name))
            .map(|s| s.name),
    })
}

/// Runs a scenario, turning a panic (a broken invariant in Raft, KV or the engine) into
/// a failed outcome that still names the scenario and seed, and where the run stopped:
/// its virtual time, events and trace hash up to the panic (and its trace and timeline
/// when kept).
pub fn run(scenario: &Scenario, config: &RunConfig) -> Outcome {
    // Forget the wreck of a panic caught elsewhere on this thread.
    let _ = crate::engine::wreck::take();
    match crate::panics::catch(scenario.name, || (scenario.run)(config)) {
        Ok(outcome) => outcome,
        Err(reason) => {
            let id = config.run_id(scenario.name, scenario.implementation);
            Outcome::panicked(id, reason, crate::engine::wreck::take())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Part;

    /// A run that panics half-way, after a ping run of 50 ms.
    fn panics_mid_run(config: &RunConfig) -> Outcome {
        let plan = crate::demo::PingPlan {
            clients: 1,
            pings: 3,
        };
        let mut sim = crate::demo::build(config.seed, config.keep_trace, plan);
        sim.run_for(crate::engine::Duration::from_millis(50));
        panic!("deliberate panic after {} events", sim.events());
    }

    #[test]
    fn registry_panicking_run_keeps_its_time_events_trace_and_timeline() {
        let scenario = Scenario {
            name: "PanicsMidRun",
            part: Part::SelfTest,
            implementation: "",
            description: "",
            run: panics_mid_run,
        };
        // The same simulation, not panicking: where the panicking one must say it was.
        let plan = crate::demo::PingPlan {
            clients: 1,
            pings: 3,
        };
        let mut sim = crate::demo::build(5, false, plan);
        sim.run_for(crate::engine::Duration::from_millis(50));
        let config = RunConfig {
            seed: 5,
            ..RunConfig::default()
        };
        let o = run(&scenario, &config);
        let reason = o.failure.as_deref().expect("a panic fails the run");
        assert!(reason.starts_with("panicked: deliberate panic"), "{reason}");
        assert_eq!(
            (o.trace_hash, o.events, o.virtual_time),
            (sim.trace().hash(), sim.events(), sim.now())
        );
        assert!(o.events > 0 && reason.contains(&format!("after {} events", o.events)));
        assert!(o.trace.is_none() && o.timeline.is_none(), "no trace kept");
        // With the trace kept, the report has the trace and a timeline marked at its end.
        let kept = RunConfig {
            keep_trace: true,
            ..config.clone()
        };
        let o = run(&scenario, &kept);
        assert_eq!(
            o.trace_hash,
            sim.trace().hash(),
            "keeping the trace changes nothing"
        );
        assert!(o.trace.is_some_and(|t| t.lines().count() > 3));
        let timeline = o.timeline.expect("a timeline up to the panic");
        let failure = timeline.failure.as_ref().expect("marked");
        assert_eq!((failure.time, failure.event), (o.virtual_time, o.events));
        // A later run that does not panic carries nothing of this one.
        let quiet = run(&crate::demo::scenarios()[0], &config);
        assert!(quiet.passed() && quiet.trace.is_none());
        assert!(crate::engine::wreck::take().is_none());
    }

    #[test]
    fn registry_unknown_names_are_errors_with_hints() {
        let e = implementation("nope").expect_err("unknown").to_string();
        assert!(e.contains("known: ours"), "{e}");
        #[cfg(feature = "raft-rs")]
        assert!(e.contains("known: ours, raft-rs"), "{e}");
        let all = registry();
        let e = find(&all, "initialelection2a").expect_err("case differs");
        assert!(
            e.to_string().contains("did you mean InitialElection2A"),
            "{e}"
        );
        let e = find(&all, "Nope").expect_err("unknown").to_string();
        assert!(e.contains("`raftsim list` shows every scenario"), "{e}");
        assert!(find(&all, "InitialElection2A").is_ok());
    }

    #[test]
    fn registry_default_lists_the_demo_first_and_every_lab_part() {
        let all = registry();
        assert_eq!(all[0].name, "PingFaults");
        for part in Part::LAB {
            assert!(all.iter().any(|s| s.part == part), "no {part}");
        }
        assert!(all
            .iter()
            .filter(|s| s.part != Part::Demo)
            .all(|s| s.implementation == DEFAULT_RAFT));
    }
}
