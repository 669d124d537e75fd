//! Scenarios that misbehave on purpose, so the CLI's own tests can exercise its failure
//! paths (reports, artifacts, exit codes, the determinism check).
//!
//! They are visible only when the environment variable [`SELFTEST_ENV`] is `1`, which only
//! `sim/tests/cli.rs` sets; a normal `raftsim` never lists, sweeps or runs them.

use crate::demo::{build_with, PingPlan};
use crate::engine::Duration;
use crate::outcome::{Failure, Outcome, Parts};
use crate::scenario::{Part, RunConfig, Scenario};
use std::sync::atomic::{AtomicU64, Ordering};

/// Set to `1` to add the self-test scenarios to the catalog.
pub const SELFTEST_ENV: &str = "RAFTSIM_SELFTEST";

/// True when the environment asks for the self-test scenarios.
pub fn enabled() -> bool {
    std::env::var(SELFTEST_ENV).as_deref() == Ok("1")
}

/// The self-test scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![
        Scenario {
            name: "SelfTestFail",
            part: Part::SelfTest,
            implementation: "",
            description: "always fails, with a history and an HTML view (CLI tests only)",
            run: run_fail,
        },
        Scenario {
            name: "SelfTestPanic",
            part: Part::SelfTest,
            implementation: "",
            description: "always panics (CLI tests only)",
            run: run_panic,
        },
        Scenario {
            name: "SelfTestOverflow",
            part: Part::SelfTest,
            implementation: "",
            description:
                "overflows virtual time: an internal error, not a failure (CLI tests only)",
            run: run_overflow,
        },
        Scenario {
            name: "SelfTestNondeterministic",
            part: Part::SelfTest,
            implementation: "",
            description: "differs between two runs of one seed in one process (CLI tests only)",
            run: run_nondeterministic,
        },
        Scenario {
            name: "SelfTestSpin",
            part: Part::SelfTest,
            implementation: "",
            description: "pings without end: only its budget or a signal stops it (CLI tests only)",
            run: run_spin,
        },
    ]
}

/// A short ping run: something real to trace.
fn ping(name: &str, config: &RunConfig, pings: u64, fail: bool) -> Outcome {
    ping_with(name, config, pings, fail, |parts| parts)
}

/// A short ping run whose parts `add` completes (a history, say).
fn ping_with(
    name: &str,
    config: &RunConfig,
    pings: u64,
    fail: bool,
    add: impl FnOnce(Parts) -> Parts,
) -> Outcome {
    let plan = PingPlan { clients: 1, pings };
    let mut sim = build_with(config.seed, config.sim_options(), plan);
    sim.run_for(Duration::from_millis(50));
    let verdict = match fail {
        true => Err(Failure(format!(
            "deliberate failure after {} events",
            sim.events()
        ))),
        false => Ok(()),
    };
    Outcome::assemble(
        config.run_id(name, ""),
        &sim,
        add(Parts::of_verdict(verdict)),
    )
}

fn run_fail(config: &RunConfig) -> Outcome {
    ping_with("SelfTestFail", config, 3, true, |parts| Parts {
        history_json: Some("[]\n".to_string()),
        history_html: Some("<!doctype html><title>SelfTestFail</title>\n".to_string()),
        ..parts
    })
}

fn run_panic(config: &RunConfig) -> Outcome {
    panic!("deliberate panic at seed {}", config.seed);
}

fn run_overflow(config: &RunConfig) -> Outcome {
    // 2^33 s is about 8.6e18 ns: three of them pass the end of virtual time.
    let long = Duration::from_secs((1 << 33) + config.seed % 2);
    let end = crate::engine::Instant::ZERO + long + long + long;
    unreachable!("virtual time did not overflow: {end:?}");
}

/// A client that never stops pinging, for a run that never ends: its event budget fails
/// it, or a signal cancels it.
fn run_spin(config: &RunConfig) -> Outcome {
    let plan = PingPlan {
        clients: 1,
        pings: u64::MAX,
    };
    let mut sim = build_with(config.seed, config.sim_options(), plan);
    sim.run_for(Duration::from_secs(1 << 30));
    unreachable!("a ping run of 2^30 s ended after {} events", sim.events());
}

/// Counts runs in this process: odd and even runs ping a different number of times.
static RUNS: AtomicU64 = AtomicU64::new(0);

fn run_nondeterministic(config: &RunConfig) -> Outcome {
    let n = RUNS.fetch_add(1, Ordering::Relaxed);
    ping("SelfTestNondeterministic", config, 2 + n % 2, false)
}
