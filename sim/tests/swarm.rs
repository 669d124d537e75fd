//! Swarm runs: every kind of fault is drawn by some seed, each such run is
//! deterministic (two runs, one trace hash) and passes on the reference Raft, a plan
//! survives its schedule file, and `run --schedule` replays the run of its seed.

mod common;

use sim::registry::{find, implementation, registry, run};
use sim::scenario::{RunConfig, Schedule};
use sim::swarm::schedule::Fault;
use sim::swarm::{scenario_name, Plan, Workload};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The kind of a fault, for coverage.
fn kind(f: &Fault) -> &'static str {
    match f {
        Fault::Partition { .. } => "partition",
        Fault::IsolateLeader => "isolate",
        Fault::OneWay { .. } => "one-way",
        Fault::Bridge { .. } => "bridge",
        Fault::Flap { .. } => "flap",
        Fault::Heal => "heal",
        Fault::Crash { nodes, .. } if nodes.len() > 1 => "crash-many",
        Fault::Crash { .. } => "crash",
        Fault::Trap { .. } => "trap",
        Fault::Network { .. } => "network",
    }
}

fn config(seed: u64) -> RunConfig {
    RunConfig {
        seed,
        ..RunConfig::default()
    }
}

/// Seeds until every fault kind and every cluster size showed up, for a workload on
/// implementation `raft`: each run twice, with the same trace hash, passing. (A
/// shardkv run has one size.)
fn every_kind_deterministic_and_passing(workload: Workload, raft: &str) {
    let size_count = if workload == Workload::Shardkv { 1 } else { 3 };
    let implementation = implementation(raft).unwrap_or_else(|e| panic!("{e}"));
    let all = implementation.scenarios();
    let scenario = find(&all, scenario_name(workload)).unwrap_or_else(|e| panic!("{e}"));
    let wanted = [
        "partition",
        "isolate",
        "one-way",
        "bridge",
        "flap",
        "crash",
        "crash-many",
        "trap",
        "network",
    ];
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut sizes = BTreeSet::new();
    let mut seed = 0;
    while (seen.len() < wanted.len() || sizes.len() < size_count) && seed < 200 {
        let plan = Plan::generate(workload, raft, implementation.knobs, seed);
        let new: Vec<&str> = plan
            .faults
            .iter()
            .map(|s| kind(&s.fault))
            .filter(|k| !seen.contains(k))
            .collect();
        if !new.is_empty() || !sizes.contains(&plan.profile.servers) {
            let a = run(&scenario, &config(seed));
            let b = run(&scenario, &config(seed));
            // A known finding in the Raft under test (seeds/findings/) must still fail.
            match common::finding(raft, scenario.name, seed) {
                None => assert!(a.passed(), "{} seed {seed}: {:?}", scenario.name, a.failure),
                Some(note) => assert!(
                    !a.passed(),
                    "{} seed {seed} on {raft} passes, but seeds/findings/ lists it ({note})",
                    scenario.name
                ),
            }
            assert_eq!(
                (a.trace_hash, a.events),
                (b.trace_hash, b.events),
                "{} seed {seed} is not deterministic: {}",
                scenario.name,
                a.replay_command()
            );
            seen.extend(new);
            sizes.insert(plan.profile.servers);
        }
        seed += 1;
    }
    assert_eq!(
        seen.len(),
        wanted.len(),
        "kinds seen by seed {seed}: {seen:?}"
    );
    assert_eq!(sizes.len(), size_count, "sizes seen: {sizes:?}");
}

#[test]
fn swarm_raft_every_fault_kind_runs_deterministically_and_passes() {
    every_kind_deterministic_and_passing(Workload::Raft, "ours");
}

#[test]
fn swarm_kv_every_fault_kind_runs_deterministically_and_passes() {
    every_kind_deterministic_and_passing(Workload::Kv, "ours");
}

#[test]
fn swarm_shardkv_every_fault_kind_runs_deterministically_and_passes() {
    every_kind_deterministic_and_passing(Workload::Shardkv, "ours");
}

/// The same on openraft, whose tasks run on the virtual-time runtime: every swarm
/// profile replays to the same trace hash.
#[cfg(feature = "openraft")]
#[test]
fn swarm_openraft_every_fault_kind_runs_deterministically_and_passes() {
    for workload in Workload::ALL {
        every_kind_deterministic_and_passing(workload, "openraft");
    }
}

#[test]
fn swarm_plan_survives_its_schedule_file_and_replays_its_seed() {
    for workload in Workload::ALL {
        let plan = Plan::generate(workload, "ours", raft::config::KNOBS, 11);
        let text = plan.to_json();
        assert_eq!(Plan::from_json(&text).as_ref(), Ok(&plan));
        let all = registry();
        let scenario = find(&all, scenario_name(workload)).unwrap_or_else(|e| panic!("{e}"));
        let by_seed = run(&scenario, &config(11));
        let scheduled = RunConfig {
            schedule: Some(Arc::new(Schedule {
                path: "s.json".into(),
                json: text,
            })),
            ..config(11)
        };
        let by_file = run(&scenario, &scheduled);
        assert_eq!(by_seed.trace_hash, by_file.trace_hash, "{workload:?}");
        assert_eq!(
            by_file.replay_command(),
            "cargo run --release -- run --schedule s.json"
        );
    }
}

#[test]
fn swarm_schedule_errors_name_what_is_wrong() {
    let plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 2);
    let cases: Vec<(String, &str)> = vec![
        ("{".into(), "line 1"),
        (
            plan.to_json().replace("raftsim-schedule", "other"),
            "format",
        ),
        (
            plan.to_json()
                .replace("\"servers\": ", "\"servers\": 40, \"x\": "),
            "servers is 40",
        ),
        (
            plan.to_json()
                .replacen("\"version\": 1", "\"version\": 9", 1),
            "version 9",
        ),
    ];
    let sharded = Plan::generate(Workload::Shardkv, "ours", raft::config::KNOBS, 2).to_json();
    let cases = cases.into_iter().chain([(
        sharded.replace("\"servers\": 12", "\"servers\": 5"),
        "a shardkv run has 12",
    )]);
    for (text, why) in cases {
        match Plan::from_json(&text) {
            Err(e) => assert!(e.to_string().contains(why), "{why}: {e}"),
            Ok(_) => panic!("accepted: {why}"),
        }
    }
}
