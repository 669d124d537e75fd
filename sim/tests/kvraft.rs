//! The KV scenarios (labs 3A-3B) over several seeds each, with a determinism check, and
//! the linearizability checker as the judge of every recorded history.
//!
//! A failure names the scenario, the seed, the reason and the command that replays it.
//! `RAFTSIM_SEEDS=N` runs N seeds per scenario instead of the default.

mod common;

/// Seeds per scenario in `cargo test` (the CI budget; sweeps run many more).
const SEEDS_DEFAULT: u64 = 5;

scenario_tests! {
    SEEDS_DEFAULT;
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
