//! databendlabs' openraft, through its adapter on the virtual-time runtime, on every lab
//! scenario (Raft 2A-2D, KV 3A-3B, shard controller 4A and sharded KV 4B), a few seeds
//! each, with the same-seed-twice determinism check on seed 0.
//!
//! A failure names the scenario, the implementation, the seed, the reason and the
//! command that replays it. `RAFTSIM_SEEDS=N` runs N seeds per scenario instead.

mod common;

use sim::scenario::Scenario;

type Openraft = openraft_adapter::Family;

/// Seeds per Raft scenario in `cargo test` (sweeps run many more).
const SEEDS_RAFT: u64 = 5;
/// Seeds per KV scenario: a KV run simulates far more events than a Raft one.
const SEEDS_KV: u64 = 2;
/// Seeds per sharded scenario: a controller and three groups, so more again.
const SEEDS_SHARD: u64 = 1;

fn raft() -> Vec<Scenario> {
    sim::scenarios::raft::<Openraft>()
}

fn kv() -> Vec<Scenario> {
    sim::scenarios::kv::<Openraft>()
}

fn shard() -> Vec<Scenario> {
    sim::scenarios::shard::<Openraft>()
}

/// openraft's scenarios of lab part `part`.
fn part(list: Vec<Scenario>, part: &str) -> Vec<Scenario> {
    list.into_iter()
        .filter(|s| s.part.label() == part)
        .collect()
}

#[test]
fn openraft_2a_leader_election() {
    common::check_all(&part(raft(), "2A"), common::seeds(SEEDS_RAFT));
}

#[test]
fn openraft_2b_log_replication() {
    common::check_all(&part(raft(), "2B"), common::seeds(SEEDS_RAFT));
}

#[test]
fn openraft_2c_persistence() {
    common::check_all(&part(raft(), "2C"), common::seeds(SEEDS_RAFT));
}

#[test]
fn openraft_2d_snapshots() {
    common::check_all(&part(raft(), "2D"), common::seeds(SEEDS_RAFT));
}

#[test]
fn openraft_3a_kv_service() {
    common::check_all(&part(kv(), "3A"), common::seeds(SEEDS_KV));
}

#[test]
fn openraft_3b_kv_snapshots() {
    common::check_all(&part(kv(), "3B"), common::seeds(SEEDS_KV));
}

#[test]
fn openraft_4a_shard_controller() {
    common::check_all(&part(shard(), "4A"), common::seeds(SEEDS_SHARD));
}

#[test]
fn openraft_4b_sharded_kv() {
    common::check_all(&part(shard(), "4B"), common::seeds(SEEDS_SHARD));
}

/// Sharding's throughput metric (1, 2 and 3 groups under one load) runs on openraft too.
#[test]
fn openraft_sharding_throughput_metric() {
    common::check_all(&part(shard(), "metric"), common::seeds(SEEDS_SHARD));
}

/// openraft supports every lab scenario raftsim's own Raft runs (no option turns one
/// off), and the parts above cover them all.
#[test]
fn openraft_runs_every_lab_scenario() {
    let names = |list: Vec<Scenario>| list.iter().map(|s| s.name).collect::<Vec<_>>();
    assert_eq!(names(raft()), names(sim::scenarios::raft::<raft::Family>()));
    assert_eq!(names(kv()), names(sim::scenarios::kv::<raft::Family>()));
    let covered: usize = ["2A", "2B", "2C", "2D"]
        .map(|p| part(raft(), p).len())
        .iter()
        .sum();
    assert_eq!(covered, raft().len());
    let covered: usize = ["3A", "3B"].map(|p| part(kv(), p).len()).iter().sum();
    assert_eq!(covered, kv().len());
    assert_eq!(
        names(shard()),
        names(sim::scenarios::shard::<raft::Family>())
    );
    let covered: usize = ["4A", "4B", "metric"]
        .map(|p| part(shard(), p).len())
        .iter()
        .sum();
    assert_eq!(covered, shard().len());
    assert!(raft()
        .iter()
        .chain(&kv())
        .chain(&shard())
        .all(|s| s.implementation == "openraft"));
}
