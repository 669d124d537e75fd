//! tikv's raft-rs, through its adapter, on every lab scenario it supports (Raft 2A-2D,
//! KV 3A-3B), a few seeds each, with the same-seed-twice determinism check on seed 0.
//!
//! A failure names the scenario, the implementation, the seed, the reason and the
//! command that replays it. `RAFTSIM_SEEDS=N` runs N seeds per scenario instead.

mod common;

use sim::scenario::Scenario;

type RaftRs = raftrs_adapter::Family;

/// Seeds per Raft scenario in `cargo test` (sweeps run many more).
const SEEDS_RAFT: u64 = 5;
/// Seeds per KV scenario: a KV run simulates far more events than a Raft one.
const SEEDS_KV: u64 = 2;

fn raft() -> Vec<Scenario> {
    sim::scenarios::raft::<RaftRs>()
}

fn kv() -> Vec<Scenario> {
    sim::scenarios::kv::<RaftRs>()
}

/// raft-rs's scenarios of lab part `part`.
fn part(list: Vec<Scenario>, part: &str) -> Vec<Scenario> {
    list.into_iter().filter(|s| s.part == part).collect()
}

#[test]
fn raft_rs_2a_leader_election() {
    common::check_all(&part(raft(), "2A"), common::seeds(SEEDS_RAFT));
}

#[test]
fn raft_rs_2b_log_replication() {
    common::check_all(&part(raft(), "2B"), common::seeds(SEEDS_RAFT));
}

#[test]
fn raft_rs_2c_persistence() {
    common::check_all(&part(raft(), "2C"), common::seeds(SEEDS_RAFT));
}

#[test]
fn raft_rs_2d_snapshots() {
    common::check_all(&part(raft(), "2D"), common::seeds(SEEDS_RAFT));
}

#[test]
fn raft_rs_3a_kv_service() {
    common::check_all(&part(kv(), "3A"), common::seeds(SEEDS_KV));
}

#[test]
fn raft_rs_3b_kv_snapshots() {
    common::check_all(&part(kv(), "3B"), common::seeds(SEEDS_KV));
}

/// raft-rs supports every lab scenario raftsim's own Raft runs (no option turns one
/// off), and the parts above cover them all.
#[test]
fn raft_rs_runs_every_lab_scenario() {
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
    assert!(raft()
        .iter()
        .chain(&kv())
        .all(|s| s.implementation == "raft-rs"));
}
