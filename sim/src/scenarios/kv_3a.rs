//! Lab 3A (2024: 4A): the key/value service without snapshots.

use super::kv_generic::{generic_test, generic_test_speed, Generic};
use super::kv_scenarios;
use crate::cluster::ELECTION_TIMEOUT;
use crate::engine::Duration;
use crate::implementation::Implementation;
use crate::outcome::Verdict;
use crate::scenario::Part;
use crate::tester::kv::KvTester;
use crate::{ensure, fail};
use kvraft::Op;

kv_scenarios! {
    Basic3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "one client, 3 x 5 s of load, reliable",
        body: basic,
    }
    Speed3A {
        part: Part::Kv3A,
        servers: 3,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "1000 sequential appends at most 33.3 ms each (virtual)",
        body: speed,
    }
    Concurrent3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "5 concurrent clients",
        body: concurrent,
    }
    Unreliable3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: true,
        maxraftstate: None,
        check_history: true,
        about: "5 clients on an unreliable network",
        body: unreliable,
    }
    UnreliableOneKey3A {
        part: Part::Kv3A,
        servers: 3,
        unreliable: true,
        maxraftstate: None,
        check_history: true,
        about: "5 clients appending to one key on an unreliable network: each append exactly once",
        body: unreliable_one_key,
    }
    OnePartition3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "progress in the majority, none in the minority within 1 s, completion within 3 s of healing",
        body: one_partition,
    }
    ManyPartitionsOneClient3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "one client under a partitioner",
        body: many_partitions_one_client,
    }
    ManyPartitionsManyClients3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "5 clients under a partitioner",
        body: many_partitions_many_clients,
    }
    PersistOneClient3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "one client, all servers restarted after each iteration",
        body: persist_one_client,
    }
    PersistConcurrent3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "5 clients, restarts",
        body: persist_concurrent,
    }
    PersistConcurrentUnreliable3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: true,
        maxraftstate: None,
        check_history: true,
        about: "5 clients, restarts, unreliable network",
        body: persist_concurrent_unreliable,
    }
    PersistPartition3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: false,
        maxraftstate: None,
        check_history: true,
        about: "5 clients, restarts, partitions",
        body: persist_partition,
    }
    PersistPartitionUnreliable3A {
        part: Part::Kv3A,
        servers: 5,
        unreliable: true,
        maxraftstate: None,
        check_history: true,
        about: "5 clients, restarts, partitions, unreliable network",
        body: persist_partition_unreliable,
    }
    PersistPartitionUnreliableLinearizable3A {
        part: Part::Kv3A,
        servers: 7,
        unreliable: true,
        maxraftstate: None,
        check_history: true,
        about: "15 clients on random keys, 7 servers, restarts, partitions, unreliable network",
        body: persist_partition_unreliable_linearizable,
    }
}

/// TestBasic.
fn basic<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 1,
            crash: false,
            partitions: false,
            random_keys: false,
        },
        None,
    )
}

/// TestSpeed (GenericTestSpeed with maxraftstate -1).
fn speed<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test_speed(t)
}

/// TestConcurrent.
fn concurrent<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: false,
            partitions: false,
            random_keys: false,
        },
        None,
    )
}

/// TestUnreliable.
fn unreliable<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: false,
            partitions: false,
            random_keys: false,
        },
        None,
    )
}

/// TestUnreliableOneKey: concurrent appends to one key, each applied exactly once.
fn unreliable_one_key<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    const CLIENTS: usize = 5;
    const UPTO: u64 = 10;
    let ck = t.make_client(&t.all());
    t.put(ck, "k", "")?;
    let clerks: Vec<_> = (0..CLIENTS).map(|_| t.make_client(&t.all())).collect();
    let mut next = [0u64; CLIENTS];
    for (me, &clerk) in clerks.iter().enumerate() {
        t.begin(clerk, append_op(me, 0))?;
        next[me] = 1;
    }
    // Each client appends its next value as soon as its previous append returns.
    let deadline = t.now() + crate::tester::TEST_LIMIT;
    while next.iter().any(|&n| n <= UPTO) {
        let progressed = t.run_until(deadline, |t| clerks.iter().any(|&c| t.has_result(c)))?;
        ensure!(progressed, "appends did not complete by the 120 s limit");
        for (me, &clerk) in clerks.iter().enumerate() {
            if t.take_result(clerk).is_some() {
                if next[me] < UPTO {
                    t.begin(clerk, append_op(me, next[me]))?;
                }
                next[me] += 1;
            }
        }
    }
    let v = t.get(ck, "k")?;
    for me in 0..CLIENTS {
        crate::cluster::appends::check_clnt_appends(me, &v, UPTO)?;
    }
    Ok(())
}

fn append_op(me: usize, n: u64) -> Op {
    Op::Append {
        key: "k".into(),
        value: format!("x {me} {n} y"),
    }
}

/// TestOnePartition: progress in the majority, none in the minority, completion after
/// the partition heals.
fn one_partition<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    let ck = t.make_client(&t.all());
    t.put(ck, "1", "13")?;
    // Progress in majority.
    let (p1, p2) = t.make_partition();
    t.partition(&p1, &p2);
    let ckp1 = t.make_client(&p1);
    let ckp2a = t.make_client(&p2);
    let ckp2b = t.make_client(&p2);
    t.put(ckp1, "1", "14")?;
    t.check(ckp1, "1", "14")?;
    // No progress in minority.
    t.begin(
        ckp2a,
        Op::Put {
            key: "1".into(),
            value: "15".into(),
        },
    )?;
    t.begin(ckp2b, Op::Get { key: "1".into() })?;
    let deadline = t.now() + Duration::from_secs(1);
    t.run_until(deadline, |t| t.has_result(ckp2a) || t.has_result(ckp2b))?;
    if t.has_result(ckp2a) {
        fail!("Put in minority completed");
    }
    if t.has_result(ckp2b) {
        fail!("Get in minority completed");
    }
    t.check(ckp1, "1", "14")?;
    t.put(ckp1, "1", "16")?;
    t.check(ckp1, "1", "16")?;
    // Completion after heal.
    t.connect_all();
    t.connect_client(ckp2a, &t.all());
    t.connect_client(ckp2b, &t.all());
    t.sleep(ELECTION_TIMEOUT)?;
    let deadline = t.now() + Duration::from_millis(30 * 100);
    let put_done = t.run_until(deadline, |t| t.has_result(ckp2a))?;
    ensure!(put_done, "Put did not complete");
    t.take_result(ckp2a);
    // The lab does not require the minority Get to have finished.
    t.check(ck, "1", "15")?;
    Ok(())
}

/// TestManyPartitionsOneClient.
fn many_partitions_one_client<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 1,
            crash: false,
            partitions: true,
            random_keys: false,
        },
        None,
    )
}

/// TestManyPartitionsManyClients.
fn many_partitions_many_clients<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: false,
            partitions: true,
            random_keys: false,
        },
        None,
    )
}

/// TestPersistOneClient.
fn persist_one_client<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 1,
            crash: true,
            partitions: false,
            random_keys: false,
        },
        None,
    )
}

/// TestPersistConcurrent.
fn persist_concurrent<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: true,
            partitions: false,
            random_keys: false,
        },
        None,
    )
}

/// TestPersistConcurrentUnreliable.
fn persist_concurrent_unreliable<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: true,
            partitions: false,
            random_keys: false,
        },
        None,
    )
}

/// TestPersistPartition.
fn persist_partition<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: true,
            partitions: true,
            random_keys: false,
        },
        None,
    )
}

/// TestPersistPartitionUnreliable.
fn persist_partition_unreliable<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 5,
            crash: true,
            partitions: true,
            random_keys: false,
        },
        None,
    )
}

/// TestPersistPartitionUnreliableLinearizable.
fn persist_partition_unreliable_linearizable<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    generic_test(
        t,
        Generic {
            clients: 15,
            crash: true,
            partitions: true,
            random_keys: true,
        },
        None,
    )
}
