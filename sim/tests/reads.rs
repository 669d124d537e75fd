//! Reads without the log (issue 24): the two read scenarios pass on our Raft's shipped
//! configuration (`beyond.rs` runs them with the other `beyond` scenarios, twice per
//! seed), and here each is shown to fail on the Raft it exists to catch:
//!
//! | scenario | fails with | caught by |
//! |---|---|---|
//! | LeaseClockDrift | `lease_drift_ppm=20000`: a 2 % bound under 10 % drift | Lease Safety; the checker, unmonitored |
//! | LeaseClockDrift | planted `LeaseWithoutMargin`: no drift margin at all | Lease Safety |
//! | ReadIndexPartitioned | planted `ReadWithoutConfirm`: no heartbeat round | the checker (a stale read) |

mod common;

use raft::planted::Bug;
use raft_contract::ReadMode;
use sim::implementation::Implementation;
use sim::outcome::Outcome;
use sim::scenario::RunConfig;

type Ours = raft::Family;

/// The bound for a planted bug: caught within this many seeds.
const SEEDS_MAX: u64 = 200;

/// Runs `scenario` of `I` with `seed` and `config`'s other fields.
fn run<I: Implementation>(scenario: &str, seed: u64, config: &RunConfig) -> Outcome {
    common::run_seed(&sim::scenarios::beyond::<I>(), scenario, seed, config)
}

/// The first seed below [`SEEDS_MAX`] whose run fails, with its reason; any run that
/// fails for another reason than `why` fails the test.
fn first_failure<I: Implementation>(
    scenario: &str,
    config: &RunConfig,
    why: &str,
) -> (u64, String) {
    common::first_failure(
        &sim::scenarios::beyond::<I>(),
        scenario,
        config,
        why,
        SEEDS_MAX,
    )
}

fn past_the_bound() -> RunConfig {
    let mut config = RunConfig::default();
    config.settings.set("lease_drift_ppm", 20_000);
    config
}

#[test]
fn lease_clock_drift_past_the_bound_is_caught_by_lease_safety() {
    let (seed, reason) = first_failure::<Ours>(
        "LeaseClockDrift",
        &past_the_bound(),
        "safety violation: Lease Safety",
    );
    assert!(seed < 20, "caught at seed {seed}: {reason}");
    assert!(reason.contains("overlaps the lease"), "{reason}");
}

#[test]
fn lease_clock_drift_past_the_bound_is_caught_by_the_checker_without_monitors() {
    let config = RunConfig {
        unmonitored: true,
        ..past_the_bound()
    };
    let (seed, _) =
        first_failure::<Ours>("LeaseClockDrift", &config, "history is not linearizable");
    assert!(
        seed < 40,
        "the checker caught the stale read only at seed {seed}"
    );
}

#[test]
fn lease_clock_drift_reads_by_lease_and_read_index_partitioned_by_read_index() {
    // The runs do read without the log: their traces carry the leader's rounds.
    for (scenario, mode) in [
        ("LeaseClockDrift", ReadMode::Lease),
        ("ReadIndexPartitioned", ReadMode::ReadIndex),
    ] {
        let config = RunConfig {
            keep_trace: true,
            ..RunConfig::default()
        };
        let o = run::<Ours>(scenario, 1, &config);
        assert!(o.passed(), "{scenario}: {:?}", o.failure);
        let trace = o.trace.clone().expect("kept");
        assert!(
            trace.contains("Confirm t"),
            "{scenario} ({mode}) sent no round"
        );
        assert!(
            !o.replay_command().contains("--reads"),
            "{scenario} sets its own mode; the replay need not: {}",
            o.replay_command()
        );
    }
}

// The planted bugs of reads, as implementations that read in every mode.
common::planted_family!(ReadWithoutConfirm; const READS: &'static [ReadMode] = &ReadMode::ALL;);
common::planted_family!(LeaseWithoutMargin; const READS: &'static [ReadMode] = &ReadMode::ALL;);

#[test]
fn planted_read_without_confirm_is_caught_by_the_checker_in_read_index_partitioned() {
    let (seed, _) = first_failure::<ReadWithoutConfirm>(
        "ReadIndexPartitioned",
        &RunConfig::default(),
        "history is not linearizable",
    );
    println!("bug-read-without-confirm: caught by the checker at seed {seed}");
}

#[test]
fn planted_lease_without_margin_is_caught_by_lease_safety_in_lease_clock_drift() {
    let (seed, _) = first_failure::<LeaseWithoutMargin>(
        "LeaseClockDrift",
        &RunConfig::default(),
        "safety violation: Lease Safety",
    );
    println!("bug-lease-without-margin: caught by Lease Safety at seed {seed}");
}

#[test]
fn read_bugs_are_every_bug_of_reads() {
    assert_eq!(
        Bug::READS.to_vec(),
        vec![Bug::ReadWithoutConfirm, Bug::LeaseWithoutMargin]
    );
}
