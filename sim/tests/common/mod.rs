//! What the scenario test binaries share: running a scenario over seeds, with a
//! determinism check, and reporting every failure with its replay command.

use sim::cli::replay::seeds;
use sim::registry::{find, registry, run};
use sim::scenario::{RunConfig, Scenario};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// `seeds/findings/`: runs that fail today for a reason in the Raft under test, each
/// with its note (see the README's findings sections).
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn findings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("seeds")
        .join("findings")
}

/// The note of the known finding (implementation, scenario, seed), if it is one.
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn finding(raft: &str, scenario: &str, seed: u64) -> Option<String> {
    findings().remove(&(raft.to_string(), scenario.to_string(), seed))
}

/// The note prefix of a finding that only debug assertions catch: it fails in
/// `cargo test`'s profile and passes in a release build.
pub const DEBUG_ONLY: &str = "debug builds only:";

/// The known findings, by (implementation, scenario, seed): the note of each. Findings
/// that only debug assertions catch count only in a build that has them.
fn findings() -> BTreeMap<(String, String, u64), String> {
    let corpus = seeds::load(&[findings_dir()]).unwrap_or_else(|e| panic!("findings: {e}"));
    corpus
        .entries()
        .iter()
        .filter(|e| cfg!(debug_assertions) || !e.note.starts_with(DEBUG_ONLY))
        .map(|e| {
            let raft = e.raft.clone().expect("a finding names its implementation");
            ((raft, e.scenario.clone(), e.seed), e.note.clone())
        })
        .collect()
}

/// Seeds per scenario: `RAFTSIM_SEEDS` if set, else `default`.
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn seeds(default: u64) -> u64 {
    std::env::var("RAFTSIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Runs `name` over seeds `0..seeds`; every run must pass, and seed 0 must replay with
/// the same trace hash and event count.
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn check(name: &str, seeds: u64) {
    let s = find(&registry(), name).unwrap_or_else(|e| panic!("{e}"));
    let failures = failures(&s, seeds);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Runs every scenario of `scenarios` (an implementation's own list, such as
/// `sim::scenarios::raft::<I>()`) as [`check`] does, and reports all failures together.
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn check_all(scenarios: &[Scenario], seeds: u64) {
    assert!(!scenarios.is_empty(), "no scenarios to check");
    let failures: Vec<String> = scenarios.iter().flat_map(|s| failures(s, seeds)).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The failures of `s` over seeds `0..seeds`, each with its replay command.
///
/// # Panics
/// If seed 0 does not replay with the same trace hash and event count.
///
/// A run listed in `seeds/findings/` must fail (it is a known finding in the Raft
/// under test); if it passes, that is reported, so that the finding is moved to the
/// seeds that must pass.
fn failures(s: &Scenario, seeds: u64) -> Vec<String> {
    let name = s.name;
    let known = findings();
    let mut failures = Vec::new();
    for seed in 0..seeds {
        let o = run(
            s,
            &RunConfig {
                seed,
                keep_trace: false,
                keep_history: false,
                schedule: None,
                unmonitored: false,
                ..RunConfig::default()
            },
        );
        let finding = known.get(&(s.implementation.to_string(), name.to_string(), seed));
        if let (Some(note), None) = (finding, &o.failure) {
            failures.push(format!(
                "FIXED? {name} on {} seed={seed} passes, but seeds/findings/ lists it as failing ({note}): move it to seeds/\n  replay: {}",
                s.implementation,
                o.replay_command()
            ));
        }
        if let (Some(reason), None) = (&o.failure, finding) {
            failures.push(format!(
                "FAIL {name} on {} seed={seed}: {reason}\n  replay: {}",
                s.implementation,
                o.replay_command()
            ));
        }
        if seed == 0 {
            let again = run(
                s,
                &RunConfig {
                    seed,
                    keep_trace: false,
                    keep_history: false,
                    schedule: None,
                    unmonitored: false,
                    ..RunConfig::default()
                },
            );
            assert_eq!(
                (o.trace_hash, o.events),
                (again.trace_hash, again.events),
                "{name} on {} seed=0 is not deterministic; replay: {}",
                s.implementation,
                o.replay_command()
            );
        }
    }
    failures
}

/// One `#[test]` per scenario: `test_name => "ScenarioName"`, over `$seeds` seeds.
#[macro_export]
macro_rules! scenario_tests {
    ($seeds:expr; $($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                common::check($name, common::seeds($seeds));
            }
        )*
    };
}

/// Runs seed 3 of every scenario of `scenarios` (of implementation `raft`) twice:
/// both runs must leave one trace hash, and pass unless the run is a known finding of
/// the implementation (`seeds/findings/`), which must still fail.
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn same_seed_same_trace(raft: &str, scenarios: &[Scenario]) {
    for scenario in scenarios {
        let config = RunConfig {
            seed: 3,
            ..RunConfig::default()
        };
        let a = run(scenario, &config);
        let b = run(scenario, &config);
        assert_eq!(a.trace_hash, b.trace_hash, "{}", scenario.name);
        let known = finding(raft, scenario.name, config.seed);
        assert_eq!(
            a.passed(),
            known.is_none(),
            "{}: {:?}",
            scenario.name,
            a.failure
        );
    }
}

/// Declares the marker type of planted bug `Bug::$family` as an implementation of its
/// own (named `bug-...`): our Raft with the bug planted, drawing our Raft's knobs, with
/// whatever else of our Raft's family the caller's tests need (`const READS: ... = ...;`,
/// `const MEMBERSHIP: ... = ...;`).
#[allow(unused_macros)] // Each test binary compiles this module; not all plant bugs.
macro_rules! planted_family {
    ($family:ident $(; $(const $name:ident: $ty:ty = $value:expr;)*)?) => {
        #[derive(Debug)]
        struct $family;

        impl raft::planted::Plant for $family {
            const BUG: Option<raft::planted::Bug> = Some(raft::planted::Bug::$family);
        }

        impl raft_contract::RaftFamily for $family {
            type Node<C: raft_contract::Command> = raft::planted::Planted<C, $family>;
            // The swarm draws the reference Raft's knobs for its broken variants too.
            const KNOBS: &'static [raft_contract::Knob] = raft::config::KNOBS;
            $($(const $name: $ty = $value;)*)?
        }

        impl sim::implementation::Implementation for $family {
            const NAME: &'static str = raft::planted::Bug::$family.name();
            const DESCRIPTION: &'static str = raft::planted::Bug::$family.description();
        }
    };
}
#[allow(unused_imports)]
pub(crate) use planted_family;

/// Runs the scenario called `name` among `scenarios` with `seed` and `config`'s other
/// fields.
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn run_seed(
    scenarios: &[Scenario],
    name: &str,
    seed: u64,
    config: &RunConfig,
) -> sim::outcome::Outcome {
    let scenario = find(scenarios, name).unwrap_or_else(|e| panic!("{e}"));
    run(
        &scenario,
        &RunConfig {
            seed,
            ..config.clone()
        },
    )
}

/// The first seed below `seeds` whose run of `name` (among `scenarios`) fails, with its
/// reason: how a test shows a planted bug caught. A run that fails for another reason
/// than `why` fails the test, and so does no failure at all.
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn first_failure(
    scenarios: &[Scenario],
    name: &str,
    config: &RunConfig,
    why: &str,
    seeds: u64,
) -> (u64, String) {
    let scenario = find(scenarios, name).unwrap_or_else(|e| panic!("{e}"));
    for seed in 0..seeds {
        let o = run(
            &scenario,
            &RunConfig {
                seed,
                ..config.clone()
            },
        );
        if let Some(reason) = o.failure {
            assert!(
                reason.contains(why),
                "{name} seed {seed} on {}: expected {why:?}, got: {reason}",
                scenario.implementation
            );
            return (seed, reason);
        }
    }
    panic!(
        "{name} on {}: no failure in {seeds} seeds",
        scenario.implementation
    )
}
