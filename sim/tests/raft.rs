//! The Raft scenarios (labs 2A-2D) over several seeds each, with a determinism check.
//!
//! A failure names the scenario, the seed, the reason and the command that replays it.
//! `RAFTSIM_SEEDS=N` runs N seeds per scenario instead of the default.

mod common;

/// Seeds per scenario in `cargo test` (the CI budget; sweeps run many more).
const SEEDS_DEFAULT: u64 = 10;

scenario_tests! {
    SEEDS_DEFAULT;
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
