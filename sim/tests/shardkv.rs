//! The shard controller and sharded KV scenarios (labs 4A-4B; 2024: 5A-5B) over several
//! seeds each, with a determinism check; every sharded run's history is judged by the
//! linearizability checker.
//!
//! A failure names the scenario, the seed, the reason and the command that replays it.
//! `RAFTSIM_SEEDS=N` runs N seeds per scenario instead of the default.

mod common;

/// Seeds per scenario in `cargo test` (the CI budget; sweeps run many more).
const SEEDS_DEFAULT: u64 = 5;

scenario_tests! {
    SEEDS_DEFAULT;
    shard_ctrler_basic_4a => "ShardCtrlerBasic4A",
    shard_ctrler_minimal_again_4a => "ShardCtrlerMinimalAgain4A",
    shard_ctrler_multi_4a => "ShardCtrlerMulti4A",
    static_shards_4b => "StaticShards4B",
    rejection_4b => "Rejection4B",
    join_leave_4b => "JoinLeave4B",
    snapshot_4b => "Snapshot4B",
    miss_change_4b => "MissChange4B",
    concurrent1_4b => "Concurrent1_4B",
    concurrent2_4b => "Concurrent2_4B",
    concurrent3_4b => "Concurrent3_4B",
    unreliable1_4b => "Unreliable1_4B",
    unreliable2_4b => "Unreliable2_4B",
    unreliable3_4b => "Unreliable3_4B",
    challenge1_delete_4b => "Challenge1Delete4B",
    challenge2_unaffected_4b => "Challenge2Unaffected4B",
    challenge2_partial_4b => "Challenge2Partial4B",
}
