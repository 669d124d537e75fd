//! The KV scenarios (labs 3A-3B) over several seeds each, with a determinism check, and
//! the linearizability checker as the judge of every recorded history.
//!
//! A failure names the scenario, the seed, the reason and the command that replays it.
//! `RAFTSIM_SEEDS=N` runs N seeds per scenario instead of the default.

use sim::scenario::{find, run, RunConfig};

/// Seeds per scenario in `cargo test` (the CI budget; sweeps run many more).
const SEEDS_DEFAULT: u64 = 5;

fn seeds() -> u64 {
    std::env::var("RAFTSIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEEDS_DEFAULT)
}

/// Runs `name` over the seeds; checks every run passes and seed 0 replays identically.
fn check(name: &str) {
    let s = find(name).unwrap_or_else(|| panic!("scenario {name} is not registered"));
    let mut failures = Vec::new();
    for seed in 0..seeds() {
        let o = run(
            &s,
            &RunConfig {
                seed,
                keep_trace: false,
            },
        );
        if let Some(reason) = &o.failure {
            failures.push(format!(
                "FAIL {name} seed={seed}: {reason}\n  replay: {}",
                o.replay_command()
            ));
        }
        if seed == 0 {
            let again = run(
                &s,
                &RunConfig {
                    seed,
                    keep_trace: false,
                },
            );
            assert_eq!(
                (o.trace_hash, o.events),
                (again.trace_hash, again.events),
                "{name} seed=0 is not deterministic; replay: {}",
                o.replay_command()
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

macro_rules! scenario_tests {
    ($($test:ident => $name:literal,)*) => {
        $(
            #[test]
            fn $test() {
                check($name);
            }
        )*
    };
}

scenario_tests! {
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
