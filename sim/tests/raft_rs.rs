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

/// One `#[test]` per scenario of `$list()`, and `$names`, the names covered.
macro_rules! raftrs_tests {
    ($names:ident = $list:ident, $seeds:expr; $($test:ident => $name:literal,)*) => {
        const $names: &[&str] = &[$($name),*];
        $(
            #[test]
            fn $test() {
                common::check_in(&$list(), $name, common::seeds($seeds));
            }
        )*
    };
}

raftrs_tests! {
    RAFT_NAMES = raft, SEEDS_RAFT;
    initial_election_2a => "InitialElection2A",
    re_election_2a => "ReElection2A",
    many_elections_2a => "ManyElections2A",
    basic_agree_2b => "BasicAgree2B",
    rpc_bytes_2b => "RPCBytes2B",
    follower_failure_2b => "FollowerFailure2B",
    leader_failure_2b => "LeaderFailure2B",
    fail_agree_2b => "FailAgree2B",
    fail_no_agree_2b => "FailNoAgree2B",
    concurrent_starts_2b => "ConcurrentStarts2B",
    rejoin_2b => "Rejoin2B",
    backup_2b => "Backup2B",
    count_2b => "Count2B",
    persist1_2c => "Persist12C",
    persist2_2c => "Persist22C",
    persist3_2c => "Persist32C",
    figure8_2c => "Figure82C",
    unreliable_agree_2c => "UnreliableAgree2C",
    figure8_unreliable_2c => "Figure8Unreliable2C",
    reliable_churn_2c => "ReliableChurn2C",
    unreliable_churn_2c => "UnreliableChurn2C",
    snapshot_basic_2d => "SnapshotBasic2D",
    snapshot_install_2d => "SnapshotInstall2D",
    snapshot_install_unreliable_2d => "SnapshotInstallUnreliable2D",
    snapshot_install_crash_2d => "SnapshotInstallCrash2D",
    snapshot_install_uncrash_2d => "SnapshotInstallUnCrash2D",
    snapshot_all_crash_2d => "SnapshotAllCrash2D",
    snapshot_init_2d => "SnapshotInit2D",
}

raftrs_tests! {
    KV_NAMES = kv, SEEDS_KV;
    basic_3a => "Basic3A",
    speed_3a => "Speed3A",
    concurrent_3a => "Concurrent3A",
    unreliable_3a => "Unreliable3A",
    unreliable_one_key_3a => "UnreliableOneKey3A",
    one_partition_3a => "OnePartition3A",
    many_partitions_one_client_3a => "ManyPartitionsOneClient3A",
    many_partitions_many_clients_3a => "ManyPartitionsManyClients3A",
    persist_one_client_3a => "PersistOneClient3A",
    persist_concurrent_3a => "PersistConcurrent3A",
    persist_concurrent_unreliable_3a => "PersistConcurrentUnreliable3A",
    persist_partition_3a => "PersistPartition3A",
    persist_partition_unreliable_3a => "PersistPartitionUnreliable3A",
    persist_partition_unreliable_linearizable_3a => "PersistPartitionUnreliableLinearizable3A",
    snapshot_rpc_3b => "SnapshotRPC3B",
    snapshot_size_3b => "SnapshotSize3B",
    speed_3b => "Speed3B",
    snapshot_recover_3b => "SnapshotRecover3B",
    snapshot_recover_many_clients_3b => "SnapshotRecoverManyClients3B",
    snapshot_unreliable_3b => "SnapshotUnreliable3B",
    snapshot_unreliable_recover_3b => "SnapshotUnreliableRecover3B",
    snapshot_unreliable_recover_concurrent_partition_3b => "SnapshotUnreliableRecoverConcurrentPartition3B",
    snapshot_unreliable_recover_concurrent_partition_linearizable_3b => "SnapshotUnreliableRecoverConcurrentPartitionLinearizable3B",
}

/// Every scenario raft-rs supports has a test above, and raft-rs supports all of them:
/// a scenario added to the lab's list, or one an option turns off, shows up here.
#[test]
fn raft_rs_tests_cover_every_lab_scenario() {
    let names = |list: Vec<Scenario>| list.iter().map(|s| s.name).collect::<Vec<_>>();
    assert_eq!(names(raft()), RAFT_NAMES);
    assert_eq!(names(kv()), KV_NAMES);
    let ours = |list: Vec<Scenario>| list.len();
    assert_eq!(
        ours(sim::scenarios::raft::<raft::Family>()),
        RAFT_NAMES.len()
    );
    assert_eq!(ours(sim::scenarios::kv::<raft::Family>()), KV_NAMES.len());
    assert!(raft()
        .iter()
        .chain(&kv())
        .all(|s| s.implementation == "raft-rs"));
}

/// The regression seeds raft-rs found (`seeds/raft-rs.txt`), each replayed on raft-rs.
#[test]
fn raft_rs_regression_seeds_pass() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../seeds/raft-rs.txt");
    let entries = sim::cli::seeds::load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert!(!entries.is_empty(), "{} lists no seeds", path.display());
    let all: Vec<Scenario> = raft().into_iter().chain(kv()).collect();
    let mut failures = Vec::new();
    for e in &entries {
        let s = all
            .iter()
            .find(|s| s.name == e.scenario)
            .unwrap_or_else(|| panic!("{}: {} is not a raft-rs scenario", e.origin, e.scenario));
        let config = sim::scenario::RunConfig {
            seed: e.seed,
            ..sim::scenario::RunConfig::default()
        };
        let o = sim::scenario::run(s, &config);
        if let Some(reason) = o.failure {
            failures.push(format!(
                "{}: {} seed={} on raft-rs: {reason}",
                e.origin, e.scenario, e.seed
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
