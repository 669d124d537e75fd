//! Lab 3B (2024: 4B): the key/value service with snapshots.

use super::kv_generic::{generic_test, generic_test_speed, Generic};
use super::kv_scenarios;
use crate::cluster::ELECTION_TIMEOUT;
use crate::ensure;
use crate::implementation::Implementation;
use crate::outcome::Verdict;
use crate::scenario::Part;
use crate::tester::kv::KvTester;

/// The lab's `maxraftstate` in every 3B test.
const MAXRAFTSTATE: usize = 1000;

kv_scenarios! {
    SnapshotRPC3B {
        part: Part::Kv3B,
        servers: 3,
        unreliable: false,
        maxraftstate: Some(1000),
        check_history: true,
        about: "a lagging server catches up through InstallSnapshot; the majority trims its log",
        body: snapshot_rpc,
    }
    SnapshotSize3B {
        part: Part::Kv3B,
        servers: 3,
        unreliable: false,
        maxraftstate: Some(1000),
        check_history: true,
        about: "400 puts and gets: Raft state <= 8000 bytes, snapshot <= 500 bytes",
        body: snapshot_size,
    }
    Speed3B {
        part: Part::Kv3B,
        servers: 3,
        unreliable: false,
        maxraftstate: Some(1000),
        check_history: true,
        about: "1000 sequential appends at most 33.3 ms each with snapshots",
        body: speed,
    }
    SnapshotRecover3B {
        part: Part::Kv3B,
        servers: 5,
        unreliable: false,
        maxraftstate: Some(1000),
        check_history: true,
        about: "one client, restarts, snapshots",
        body: snapshot_recover,
    }
    SnapshotRecoverManyClients3B {
        part: Part::Kv3B,
        servers: 5,
        unreliable: false,
        maxraftstate: Some(1000),
        check_history: true,
        about: "20 clients, restarts, snapshots",
        body: snapshot_recover_many_clients,
    }
    SnapshotUnreliable3B {
        part: Part::Kv3B,
        servers: 5,
        unreliable: true,
        maxraftstate: Some(1000),
        check_history: true,
        about: "5 clients, unreliable network, snapshots",
        body: snapshot_unreliable,
    }
    SnapshotUnreliableRecover3B {
        part: Part::Kv3B,
        servers: 5,
        unreliable: true,
        maxraftstate: Some(1000),
        check_history: true,
        about: "5 clients, unreliable network, restarts, snapshots",
        body: snapshot_unreliable_recover,
    }
    SnapshotUnreliableRecoverConcurrentPartition3B {
        part: Part::Kv3B,
        servers: 5,
        unreliable: true,
        maxraftstate: Some(1000),
        check_history: true,
        about: "5 clients, unreliable network, restarts, partitions, snapshots",
        body: snapshot_unreliable_recover_concurrent_partition,
    }
    SnapshotUnreliableRecoverConcurrentPartitionLinearizable3B {
        part: Part::Kv3B,
        servers: 7,
        unreliable: true,
        maxraftstate: Some(1000),
        check_history: true,
        about: "15 clients on random keys, 7 servers, unreliable, restarts, partitions, snapshots",
        body: snapshot_unreliable_recover_concurrent_partition_linearizable,
    }
}

/// TestSnapshotRPC: the majority trims its log while a server lags, and that server
/// later catches up through InstallSnapshot.
fn snapshot_rpc<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    let ck = t.make_client(&t.all());
    t.put(ck, "a", "A")?;
    t.check(ck, "a", "A")?;
    // A bunch of puts into the majority partition.
    t.partition(&[0, 1], &[2]);
    let ck1 = t.make_client(&[0, 1]);
    // The lab's 50 Puts fill only ~600 bytes of our Raft state (bincode entries are
    // several times smaller than gob's), below maxraftstate: the majority would keep its
    // whole log and the lagging server would catch up without the snapshot this test is
    // about. So: at least the lab's 50 Puts, and more until both servers of the majority
    // have snapshotted.
    let mut i = 0;
    while i < 50 || (0..2).any(|s| t.snapshot_size_of(s) == 0) {
        ensure!(i < 1000, "the majority never snapshotted in {i} Puts");
        t.put(ck1, &i.to_string(), &i.to_string())?;
        i += 1;
    }
    t.metrics.push(("majority_puts".into(), i as f64));
    t.sleep(ELECTION_TIMEOUT)?;
    t.put(ck1, "b", "B")?;
    // Check that the majority partition has thrown away most of its log entries.
    let sz = t.log_size();
    ensure!(
        sz <= 8 * MAXRAFTSTATE,
        "logs were not trimmed ({sz} > 8*{MAXRAFTSTATE})"
    );
    // Now make a group that requires the lagging server, so that it has to catch up.
    t.partition(&[0, 2], &[1]);
    let ck2 = t.make_client(&[0, 2]);
    t.put(ck2, "c", "C")?;
    t.put(ck2, "d", "D")?;
    t.check(ck2, "a", "A")?;
    t.check(ck2, "b", "B")?;
    t.check(ck2, "1", "1")?;
    t.check(ck2, "49", "49")?;
    ensure!(
        t.snapshots_installed(2) > 0,
        "server 2 caught up without installing a snapshot"
    );
    // Now everybody.
    t.partition(&[0, 1, 2], &[]);
    t.put(ck, "e", "E")?;
    t.check(ck, "c", "C")?;
    t.check(ck, "e", "E")?;
    t.check(ck, "1", "1")?;
    Ok(())
}

/// TestSnapshotSize: the Raft state stays trimmed and the snapshot small.
fn snapshot_size<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    const SNAPSHOT_MAX: usize = 500;
    let ck = t.make_client(&t.all());
    for _ in 0..200 {
        t.put(ck, "x", "0")?;
        t.check(ck, "x", "0")?;
        t.put(ck, "x", "1")?;
        t.check(ck, "x", "1")?;
    }
    let sz = t.log_size();
    ensure!(
        sz <= 8 * MAXRAFTSTATE,
        "logs were not trimmed ({sz} > 8*{MAXRAFTSTATE})"
    );
    let ssz = t.snapshot_size();
    ensure!(
        ssz <= SNAPSHOT_MAX,
        "snapshot too large ({ssz} > {SNAPSHOT_MAX})"
    );
    t.metrics.push(("snapshot_bytes".into(), ssz as f64));
    t.metrics.push(("raft_state_bytes".into(), sz as f64));
    Ok(())
}

/// TestSpeed (GenericTestSpeed with maxraftstate 1000).
fn speed<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test_speed(t)
}

/// TestSnapshotRecover.
fn snapshot_recover<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 1,
            crash: true,
            partitions: false,
            random_keys: false,
        },
        Some(MAXRAFTSTATE),
    )
}

/// TestSnapshotRecoverManyClients.
fn snapshot_recover_many_clients<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 20,
            crash: true,
            partitions: false,
            random_keys: false,
        },
        Some(MAXRAFTSTATE),
    )
}

/// TestSnapshotUnreliable.
fn snapshot_unreliable<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: false,
            partitions: false,
            random_keys: false,
        },
        Some(MAXRAFTSTATE),
    )
}

/// TestSnapshotUnreliableRecover.
fn snapshot_unreliable_recover<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: true,
            partitions: false,
            random_keys: false,
        },
        Some(MAXRAFTSTATE),
    )
}

/// TestSnapshotUnreliableRecoverConcurrentPartition.
fn snapshot_unreliable_recover_concurrent_partition<I: Implementation>(
    t: &mut KvTester<I>,
) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: true,
            partitions: true,
            random_keys: false,
        },
        Some(MAXRAFTSTATE),
    )
}

/// TestSnapshotUnreliableRecoverConcurrentPartitionLinearizable.
fn snapshot_unreliable_recover_concurrent_partition_linearizable<I: Implementation>(
    t: &mut KvTester<I>,
) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 15,
            crash: true,
            partitions: true,
            random_keys: true,
        },
        Some(MAXRAFTSTATE),
    )
}
