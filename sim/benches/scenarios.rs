//! The issue-8 speed target: one seed of every lab scenario (2A-4B) in under 3 s of one
//! core's time. One iteration runs each scenario once with seed 0, one after another on
//! one thread, exactly as `raftsim sweep --seeds 0 --jobs 1` does, and fails the bench if
//! any run fails (a fast wrong answer is no result). The KV scenarios dominate; the
//! heaviest, SnapshotRecoverManyClients3B, is benched alone as well, and so are the 17
//! sharded scenarios (4A-4B) together.
//!
//! The monitors' cost (issue 14: at most 15% of a sweep's time) is the difference
//! between `one_seed_of_every_2a_4b_scenario` and the same pass with the safety monitors
//! off (`..._unmonitored`).
//!
//! `one_seed_of_2a_2c/IMPL` times one seed of every 2A-2C scenario on each registered
//! implementation (ours, raft-rs, openraft), for the runs-per-core-second comparison in
//! the README. Seed 0 passes on all three (a failing seed would fail the bench).
//!
//! Run with `cargo bench -p sim --bench scenarios`; `cargo test` runs each once.

use criterion::{criterion_group, criterion_main, Criterion};
use sim::registry;
use sim::scenario::{Part, RunConfig, Scenario};
use std::time::Duration;

/// The allocator the `raftsim` binary uses, so the figures match its reports.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn lab_scenarios() -> Vec<Scenario> {
    registry::registry()
        .into_iter()
        .filter(|s| s.part.is_lab())
        .collect()
}

fn run_all(scenarios: &[Scenario], unmonitored: bool) {
    let config = RunConfig {
        seed: 0,
        unmonitored,
        ..RunConfig::default()
    };
    for s in scenarios {
        let outcome = registry::run(s, &config);
        assert!(
            outcome.failure.is_none(),
            "{} seed 0 failed: {:?}",
            s.name,
            outcome.failure
        );
    }
}

fn scenarios(c: &mut Criterion) {
    let all = lab_scenarios();
    assert_eq!(all.len(), 68, "every 2A-4B scenario");
    let heaviest: Vec<Scenario> = lab_scenarios()
        .into_iter()
        .filter(|s| s.name == "SnapshotRecoverManyClients3B")
        .collect();
    assert_eq!(heaviest.len(), 1);
    let sharded: Vec<Scenario> = lab_scenarios()
        .into_iter()
        .filter(|s| matches!(s.part, Part::ShardCtrler4A | Part::ShardKv4B))
        .collect();
    assert_eq!(sharded.len(), 17, "every 4A-4B scenario");
    let mut group = c.benchmark_group("scenarios");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(40));
    group.bench_function("one_seed_of_every_2a_4b_scenario", |b| {
        b.iter(|| run_all(&all, false))
    });
    group.bench_function("one_seed_of_every_2a_4b_scenario_unmonitored", |b| {
        b.iter(|| run_all(&all, true))
    });
    group.bench_function("SnapshotRecoverManyClients3B_seed_0", |b| {
        b.iter(|| run_all(&heaviest, false))
    });
    group.bench_function("one_seed_of_every_4a_4b_scenario", |b| {
        b.iter(|| run_all(&sharded, false))
    });
    group.finish();

    let mut group = c.benchmark_group("one_seed_of_2a_2c");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(20));
    for raft in registry::implementations() {
        let early: Vec<Scenario> = raft
            .scenarios()
            .into_iter()
            .filter(|s| matches!(s.part, Part::Raft2A | Part::Raft2B | Part::Raft2C))
            .collect();
        assert_eq!(early.len(), 21, "every 2A-2C scenario on {}", raft.name);
        group.bench_function(raft.name, |b| b.iter(|| run_all(&early, false)));
    }
    group.finish();
}

criterion_group!(benches, scenarios);
criterion_main!(benches);
