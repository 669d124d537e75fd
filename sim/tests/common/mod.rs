//! What the scenario test binaries share: running a scenario over seeds, with a
//! determinism check, and reporting every failure with its replay command.

use sim::scenario::{find, run, RunConfig, Scenario};

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
    let s = find(name).unwrap_or_else(|| panic!("scenario {name} is not registered"));
    check_scenario(&s, seeds);
}

/// As [`check`], for the scenario `name` of an implementation's own list (such as
/// `sim::scenarios::raft::<I>()`), so that the same names run on any implementation.
#[allow(dead_code)] // Each test binary compiles this module; not all use every helper.
pub fn check_in(scenarios: &[Scenario], name: &str, seeds: u64) {
    let s = scenarios
        .iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("scenario {name} is not in the implementation's list"));
    check_scenario(s, seeds);
}

/// Runs `s` over seeds `0..seeds`; every run must pass, and seed 0 must replay with the
/// same trace hash and event count.
fn check_scenario(s: &Scenario, seeds: u64) {
    let name = s.name;
    let mut failures = Vec::new();
    for seed in 0..seeds {
        let o = run(
            s,
            &RunConfig {
                seed,
                keep_trace: false,
                keep_history: false,
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
    assert!(failures.is_empty(), "{}", failures.join("\n"));
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
