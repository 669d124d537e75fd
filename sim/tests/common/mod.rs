//! What the scenario test binaries share: running a scenario over seeds, with a
//! determinism check, and reporting every failure with its replay command.

use sim::registry::{find, registry, run};
use sim::scenario::{RunConfig, Scenario};

/// Seeds per scenario: `RAFTSIM_SEEDS` if set, else `default`.
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
fn failures(s: &Scenario, seeds: u64) -> Vec<String> {
    let name = s.name;
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
        if let Some(reason) = &o.failure {
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
