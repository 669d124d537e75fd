//! What the scenario test binaries share: running a scenario over seeds, with a
//! determinism check, and reporting every failure with its replay command.

use sim::registry::{find, registry, run};
use sim::scenario::RunConfig;

/// Seeds per scenario: `RAFTSIM_SEEDS` if set, else `default`.
pub fn seeds(default: u64) -> u64 {
    std::env::var("RAFTSIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

/// Runs `name` over seeds `0..seeds`; every run must pass, and seed 0 must replay with
/// the same trace hash and event count.
pub fn check(name: &str, seeds: u64) {
    let s = find(&registry(), name).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    for seed in 0..seeds {
        let o = run(
            &s,
            &RunConfig {
                seed,
                keep_trace: false,
                keep_history: false,
                schedule: None,
                unmonitored: false,
            },
        );
        if let Some(reason) = &o.failure {
            failures.push(format!(
                "FAIL {name} seed={seed}: {reason}\n  replay: {}",
                o.replay_command()
            ));
        }
        if seed == 0 {
            let again = run(
                &s,
                &RunConfig {
                    seed,
                    keep_trace: false,
                    keep_history: false,
                    schedule: None,
                    unmonitored: false,
                },
            );
            assert_eq!(
                (o.trace_hash, o.events),
                (again.trace_hash, again.events),
                "{name} seed=0 is not deterministic; replay: {}",
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
