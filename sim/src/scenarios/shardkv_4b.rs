//! Lab 4B (2024: 5A/5B): the sharded KV service, 3 groups (gids 100, 101, 102) of 3
//! servers and a 3-server controller. Every sharded clerk's operations are recorded and
//! the history is judged by the checker, in every scenario (the lab checks only
//! TestUnreliable3).

use super::shard_common::{check_all, put_keys, rand_string, start_appenders, stop_appenders};
use super::shard_scenarios;
use crate::engine::{Duration, NodeId};
use crate::implementation::Implementation;
use crate::outcome::{Failure, Verdict};
use crate::scenario::Part;
use crate::tester::shard::ShardTester;
use crate::tester::{Task, Wake};
use crate::{ensure, fail};
use kvraft::Op;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

shard_scenarios! {
    StaticShards4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: false,
        maxraftstate: None,
        about: "static 2-way sharding: with one group down exactly half the keys answer",
        body: static_shards,
    }
    Rejection4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: false,
        maxraftstate: None,
        about: "a group refuses (ErrWrongGroup) the shards it does not own",
        body: rejection,
    }
    JoinLeave4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: false,
        maxraftstate: None,
        about: "join then leave: the data moves with its shards",
        body: join_leave,
    }
    Snapshot4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: false,
        maxraftstate: Some(1000),
        about: "snapshots, joins and leaves, then every group restarted",
        body: snapshot,
    }
    MissChange4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: false,
        maxraftstate: Some(1000),
        about: "servers that missed configuration changes catch up one at a time",
        body: miss_change,
    }
    Concurrent1_4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: false,
        maxraftstate: Some(100),
        about: "concurrent appends during joins, leaves and group restarts",
        body: concurrent1,
    }
    Concurrent2_4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: false,
        maxraftstate: None,
        about: "more concurrent appends and configuration changes, groups restarted",
        body: concurrent2,
    }
    Concurrent3_4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: false,
        maxraftstate: Some(300),
        about: "tight-loop appends while every group restarts in every configuration for 12 s",
        body: concurrent3,
    }
    Unreliable1_4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: true,
        maxraftstate: Some(100),
        about: "checks and appends across joins and leaves on an unreliable network",
        body: unreliable1,
    }
    Unreliable2_4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: true,
        maxraftstate: Some(100),
        about: "concurrent appends across joins and leaves on an unreliable network",
        body: unreliable2,
    }
    Unreliable3_4B {
        part: Part::ShardKv4B,
        groups: 3,
        unreliable: true,
        maxraftstate: Some(100),
        about: "random gets, puts and appends on random keys, unreliable, history checked",
        body: unreliable3,
    }
}

/// Waits for the clerks' Gets (of `keys[i]` by `clerks[i]`) to complete until 2 s pass
/// with none completing (the lab's `time.After(2 s)` renewed at each completion); every
/// value must be the expected one. Returns how many completed.
fn completions_in_quiet_window<I: Implementation>(
    t: &mut ShardTester<I>,
    clerks: &[NodeId],
    values: &[String],
    wrong_group_hint: bool,
) -> Result<usize, Failure> {
    let mut ndone = 0;
    loop {
        let deadline = t.now() + Duration::from_secs(2);
        let any = t.run_until(deadline, |t| clerks.iter().any(|&c| t.has_result(c)))?;
        if !any {
            return Ok(ndone);
        }
        for (i, &c) in clerks.iter().enumerate() {
            let Some(v) = t.take_result(c) else {
                continue;
            };
            if v != values[i] {
                if wrong_group_hint && v.is_empty() {
                    fail!(
                        "Get({i}): returned \"\", but the server should have rejected the request (ErrWrongGroup)"
                    );
                }
                fail!("Get({i}): expected:\n{}\nreceived:\n{v}", values[i]);
            }
            ndone += 1;
        }
    }
}

/// Starts a Get of each key, each by a fresh clerk of controller `ctrl` (one call per
/// clerk, as the lab's).
fn concurrent_gets<I: Implementation>(
    t: &mut ShardTester<I>,
    ctrl: usize,
    keys: &[String],
) -> Result<Vec<NodeId>, Failure> {
    let mut clerks = Vec::new();
    for key in keys {
        let clerk = t.make_client(ctrl);
        t.begin(clerk, Op::Get { key: key.clone() })?;
        clerks.push(clerk);
    }
    Ok(clerks)
}

/// TestStaticShards (2024: 5A): with group 101 down, exactly the 5 keys group 100
/// serves can be read.
fn static_shards<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    t.join(1)?;
    let (keys, mut values) = put_keys(t, ck, 10, 20)?;
    check_all(t, ck, &keys, &mut values, None)?;
    // Make sure the data really is sharded: with one group down, some Gets can't
    // succeed.
    t.shutdown_group(1);
    t.check_logs()?; // forbid snapshots
    let clerks = concurrent_gets(t, 0, &keys)?;
    let ndone = completions_in_quiet_window(t, &clerks, &values, false)?;
    ensure!(
        ndone == keys.len() / 2,
        "expected {} completions with one shard dead; got {ndone}",
        keys.len() / 2
    );
    // Bring the crashed group back to life.
    t.start_group(1)?;
    check_all(t, ck, &keys, &mut values, None)
}

/// TestRejection (2024: 5A): clerks of a second controller, in which only group 100 is
/// joined, send every key to group 100; it must refuse the 5 shards it does not own
/// (a "" for such a key means it answered instead).
fn rejection<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    t.join(1)?;
    let (keys, mut values) = put_keys(t, ck, 10, 20)?;
    check_all(t, ck, &keys, &mut values, None)?;
    // A separate controller that thinks there is only one group, serving every shard;
    // the servers keep talking to the original one.
    let ctl2 = t.start_ctrler_service();
    let admin2 = t.admin(ctl2);
    let op = t.join_op(&[0]);
    t.ctrl_change(admin2, op)?;
    let clerks = concurrent_gets(t, ctl2, &keys)?;
    let ndone = completions_in_quiet_window(t, &clerks, &values, true)?;
    ensure!(
        ndone == keys.len() / 2,
        "expected {} completions with one shard dead; got {ndone}",
        keys.len() / 2
    );
    Ok(())
}

/// TestJoinLeave: the data moves to 101 and stays readable with 100 down.
fn join_leave<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    let (keys, mut values) = put_keys(t, ck, 10, 5)?;
    check_all(t, ck, &keys, &mut values, None)?;
    t.join(1)?;
    check_all(t, ck, &keys, &mut values, Some(5))?;
    t.leave(0)?;
    check_all(t, ck, &keys, &mut values, Some(5))?;
    // Allow time for shards to transfer.
    t.sleep(Duration::from_secs(1))?;
    t.check_logs()?;
    t.shutdown_group(0);
    check_all(t, ck, &keys, &mut values, None)
}

/// TestSnapshot: 30 keys through joins and leaves with snapshots, then every group
/// restarted from its disk.
fn snapshot<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    let (keys, mut values) = put_keys(t, ck, 30, 20)?;
    check_all(t, ck, &keys, &mut values, None)?;
    t.join(1)?;
    t.join(2)?;
    t.leave(0)?;
    check_all(t, ck, &keys, &mut values, Some(20))?;
    t.leave(1)?;
    t.join(0)?;
    check_all(t, ck, &keys, &mut values, Some(20))?;
    t.sleep(Duration::from_secs(1))?;
    check_all(t, ck, &keys, &mut values, None)?;
    t.sleep(Duration::from_secs(1))?;
    t.check_logs()?;
    for gi in 0..3 {
        t.shutdown_group(gi);
    }
    for gi in 0..3 {
        t.start_group(gi)?;
    }
    check_all(t, ck, &keys, &mut values, None)
}

/// TestMissChange: server 0, then server 1, of every group misses configuration
/// changes and catches up.
fn miss_change<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    let (keys, mut values) = put_keys(t, ck, 10, 20)?;
    check_all(t, ck, &keys, &mut values, None)?;
    t.join(1)?;
    for gi in 0..3 {
        t.shutdown_server(gi, 0);
    }
    t.join(2)?;
    t.leave(1)?;
    t.leave(0)?;
    check_all(t, ck, &keys, &mut values, Some(20))?;
    t.join(1)?;
    check_all(t, ck, &keys, &mut values, Some(20))?;
    for gi in 0..3 {
        t.start_server(gi, 0)?;
    }
    check_all(t, ck, &keys, &mut values, Some(20))?;
    t.sleep(Duration::from_secs(2))?;
    for gi in 0..3 {
        t.shutdown_server(gi, 1);
    }
    t.join(0)?;
    t.leave(2)?;
    check_all(t, ck, &keys, &mut values, Some(20))?;
    for gi in 0..3 {
        t.start_server(gi, 1)?;
    }
    check_all(t, ck, &keys, &mut values, None)
}

/// What each key should hold, shared with the appenders (the lab's `va`).
type Expected = Rc<RefCell<Vec<String>>>;

/// The keys and values of the concurrent tests, after their Puts, shared with the
/// appenders.
fn shared_keys<I: Implementation>(
    t: &mut ShardTester<I>,
    ck: NodeId,
    len: usize,
) -> Result<(Vec<String>, Expected), Failure> {
    let (keys, values) = put_keys(t, ck, 10, len)?;
    Ok((keys, Rc::new(RefCell::new(values))))
}

/// Checks every key against what its appender predicted.
fn check_shared<I: Implementation>(
    t: &mut ShardTester<I>,
    ck: NodeId,
    keys: &[String],
    values: &Rc<RefCell<Vec<String>>>,
) -> Verdict {
    let mut values = values.borrow().clone();
    check_all(t, ck, keys, &mut values, None)
}

/// TestConcurrent1: appends every 10 ms while groups join, leave and restart.
fn concurrent1<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    let (keys, values) = shared_keys(t, ck, 5)?;
    let pause = Duration::from_millis(10);
    let (stop, stopped) = start_appenders(t, &keys, &values, 5, pause);
    let ms = Duration::from_millis;
    t.sleep(ms(150))?;
    t.join(1)?;
    t.sleep(ms(500))?;
    t.join(2)?;
    t.sleep(ms(500))?;
    t.leave(0)?;
    t.shutdown_group(0);
    t.sleep(ms(100))?;
    t.shutdown_group(1);
    t.sleep(ms(100))?;
    t.shutdown_group(2);
    t.leave(2)?;
    t.sleep(ms(100))?;
    for gi in 0..3 {
        t.start_group(gi)?;
    }
    t.sleep(ms(100))?;
    t.join(0)?;
    t.leave(1)?;
    t.sleep(ms(500))?;
    t.join(1)?;
    t.sleep(ms(1000))?;
    stop_appenders(t, &stop, &stopped, keys.len())?;
    check_shared(t, ck, &keys, &values)
}

/// TestConcurrent2: the various sources a restarting group may need to fetch shards
/// from.
fn concurrent2<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(1)?;
    t.join(0)?;
    t.join(2)?;
    let (keys, values) = shared_keys(t, ck, 1)?;
    let pause = Duration::from_millis(50);
    let (stop, stopped) = start_appenders(t, &keys, &values, 1, pause);
    let ms = Duration::from_millis;
    t.leave(0)?;
    t.leave(2)?;
    t.sleep(ms(3000))?;
    t.join(0)?;
    t.join(2)?;
    t.leave(1)?;
    t.sleep(ms(3000))?;
    t.join(1)?;
    t.leave(0)?;
    t.leave(2)?;
    t.sleep(ms(3000))?;
    t.shutdown_group(1);
    t.shutdown_group(2);
    t.sleep(ms(1000))?;
    t.start_group(1)?;
    t.start_group(2)?;
    t.sleep(ms(2000))?;
    stop_appenders(t, &stop, &stopped, keys.len())?;
    check_shared(t, ck, &keys, &values)
}

/// TestConcurrent3: for 12 s, joins, a restart of every group and leaves, with random
/// pauses, under tight-loop appends.
fn concurrent3<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    let (keys, values) = shared_keys(t, ck, 1)?;
    let (stop, stopped) = start_appenders(t, &keys, &values, 1, Duration(0));
    let t0 = t.now();
    let random_pause = |t: &mut ShardTester<I>| Duration::from_millis(t.rng.below(900));
    while t.now().saturating_since(t0) < Duration::from_secs(12) {
        t.join(2)?;
        t.join(1)?;
        let pause = random_pause(t);
        t.sleep(pause)?;
        for gi in 0..3 {
            t.shutdown_group(gi);
        }
        for gi in 0..3 {
            t.start_group(gi)?;
        }
        let pause = random_pause(t);
        t.sleep(pause)?;
        t.leave(1)?;
        t.leave(2)?;
        let pause = random_pause(t);
        t.sleep(pause)?;
    }
    t.sleep(Duration::from_secs(2))?;
    stop_appenders(t, &stop, &stopped, keys.len())?;
    check_shared(t, ck, &keys, &values)
}

/// TestUnreliable1: 20 rounds of check-and-append across joins and leaves, then 20
/// checks across more.
fn unreliable1<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    let (keys, mut values) = put_keys(t, ck, 10, 5)?;
    t.join(1)?;
    t.join(2)?;
    t.leave(0)?;
    for ii in 0..keys.len() * 2 {
        let i = ii % keys.len();
        t.check(ck, &keys[i], &values[i])?;
        let x = rand_string(t, 5);
        t.append(ck, &keys[i], &x)?;
        values[i].push_str(&x);
    }
    t.join(0)?;
    t.leave(1)?;
    for ii in 0..keys.len() * 2 {
        let i = ii % keys.len();
        t.check(ck, &keys[i], &values[i])?;
    }
    Ok(())
}

/// The configuration changes of TestUnreliable2 and 3, 500 ms apart, then 2 s.
fn unreliable_schedule<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ms = Duration::from_millis;
    t.sleep(ms(150))?;
    t.join(1)?;
    t.sleep(ms(500))?;
    t.join(2)?;
    t.sleep(ms(500))?;
    t.leave(0)?;
    t.sleep(ms(500))?;
    t.leave(1)?;
    t.sleep(ms(500))?;
    t.join(1)?;
    t.join(0)?;
    t.sleep(ms(2000))
}

/// TestUnreliable2: tight-loop appends across the configuration changes.
fn unreliable2<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    let (keys, values) = shared_keys(t, ck, 5)?;
    let (stop, stopped) = start_appenders(t, &keys, &values, 5, Duration(0));
    unreliable_schedule(t)?;
    stop.set(true);
    t.sim.set_reliable(true);
    stop_appenders(t, &stop, &stopped, keys.len())?;
    check_shared(t, ck, &keys, &values)
}

/// A client of TestUnreliable3: random operations on random keys (half appends, about
/// 5 % puts, the rest gets), in a tight loop.
struct RandomClient {
    clerk: NodeId,
    keys: Rc<Vec<String>>,
    stop: Rc<Cell<bool>>,
    stopped: Rc<Cell<usize>>,
    busy: bool,
}

impl<I: Implementation> Task<ShardTester<I>> for RandomClient {
    fn poll(&mut self, t: &mut ShardTester<I>) -> Result<Wake, Failure> {
        if self.busy {
            t.take_result(self.clerk).expect("woken with a result");
            self.busy = false;
        }
        if self.stop.get() {
            self.stopped.set(self.stopped.get() + 1);
            return Ok(Wake::Done);
        }
        let key = self.keys[t.rng.below(self.keys.len() as u64) as usize].clone();
        let nv = rand_string(t, 5);
        let op = if t.rng.below(1000) < 500 {
            Op::Append { key, value: nv }
        } else if t.rng.below(1000) < 100 {
            Op::Put { key, value: nv }
        } else {
            Op::Get { key }
        };
        t.begin(self.clerk, op)?;
        self.busy = true;
        Ok(Wake::Output(self.clerk))
    }
}

/// TestUnreliable3: random operations across the configuration changes; the history is
/// judged by the checker (as in every scenario here).
fn unreliable3<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    let ck = t.make_client(0);
    t.join(0)?;
    let (keys, _) = put_keys(t, ck, 10, 5)?;
    let keys = Rc::new(keys);
    let stop = Rc::new(Cell::new(false));
    let stopped = Rc::new(Cell::new(0));
    for _ in 0..keys.len() {
        let clerk = t.make_client(0);
        t.spawn(RandomClient {
            clerk,
            keys: keys.clone(),
            stop: stop.clone(),
            stopped: stopped.clone(),
            busy: false,
        });
    }
    unreliable_schedule(t)?;
    stop.set(true);
    t.sim.set_reliable(true);
    stop_appenders(t, &stop, &stopped, keys.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::RunConfig;
    use crate::tester::shard::ShardSetup;
    use kvraft::shardkv::Defect;

    type Ours = raft::Family;

    fn setup(defect: Option<Defect>) -> ShardSetup {
        ShardSetup {
            groups: 3,
            servers: 3,
            ctrl_servers: 3,
            unreliable: false,
            maxraftstate: None,
            defect,
        }
    }

    #[test]
    fn rejection_catches_a_group_that_serves_shards_it_does_not_own() {
        let config = RunConfig::default();
        let good = super::super::run_shard::<Ours>("Rejection4B", &config, setup(None), rejection);
        assert!(good.passed(), "{:?}", good.failure);
        let defect = Some(Defect::NoRejection);
        let bad = super::super::run_shard::<Ours>("Rejection4B", &config, setup(defect), rejection);
        // Caught by a wrong value: "" from a group serving a shard it does not own
        // (already while the Puts run, when a group that lags behind the configuration
        // takes a Put for a shard it does not own yet, and the Put is lost).
        let why = bad
            .failure
            .expect("a group that does not say ErrWrongGroup is caught");
        assert!(why.starts_with("Get("), "{why}");
    }
}
