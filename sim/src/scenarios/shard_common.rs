//! What the shard controller's and the sharded KV service's scenarios share: the lab's
//! `check` helpers, `randstring`, and the concurrent clients as tasks.

use crate::engine::{Duration, NodeId};
use crate::ensure;
use crate::implementation::Implementation;
use crate::outcome::{Failure, Verdict};
use crate::tester::shard::ShardTester;
use crate::tester::{Task, Wake};
use kvraft::shardctrler::{Config, CtrlAnswer, CtrlOp, Gid};
use kvraft::Op;
use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

/// The lab's `randstring(n)`: `n` characters of base64's alphabet, from the scenario's
/// random generator.
pub fn rand_string<I: Implementation>(t: &mut ShardTester<I>, n: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..n)
        .map(|_| char::from(ALPHABET[t.rng.below(ALPHABET.len() as u64) as usize]))
        .collect()
}

/// The shardctrler tests' `check(groups)` on `Query(-1)` through `clerk`: exactly these
/// groups, every shard on one of them (if there are any), and counts that differ by at
/// most one.
///
/// # Errors
/// The first property that does not hold.
pub fn check_groups<I: Implementation>(
    t: &mut ShardTester<I>,
    clerk: NodeId,
    groups: &[u64],
) -> Verdict {
    let c = t.query(clerk, None)?;
    ensure!(
        c.groups.len() == groups.len(),
        "wanted {} groups, got {}",
        groups.len(),
        c.groups.len()
    );
    for g in groups {
        ensure!(c.groups.contains_key(&Gid(*g)), "missing group {g}");
    }
    if !groups.is_empty() {
        for (s, g) in c.shards.iter().enumerate() {
            ensure!(
                c.groups.contains_key(g),
                "shard {s} -> invalid group {}",
                g.0
            );
        }
    }
    let counts = c.counts();
    let (max, min) = (counts.values().max(), counts.values().min());
    if let (Some(max), Some(min)) = (max, min) {
        ensure!(
            max <= &(min + 1),
            "max {max} too much larger than min {min}"
        );
    }
    Ok(())
}

/// The lab's `check_same_config(c1, c2)`.
///
/// # Errors
/// The first field that differs.
pub fn check_same_config(c1: &Config, c2: &Config) -> Verdict {
    ensure!(c1.num == c2.num, "Num wrong: {} and {}", c1.num, c2.num);
    ensure!(c1.shards == c2.shards, "Shards wrong: {c1} and {c2}");
    ensure!(
        c1.groups.len() == c2.groups.len(),
        "number of Groups is wrong: {c1} and {c2}"
    );
    for (gid, servers) in &c1.groups {
        let other = c2.groups.get(gid);
        ensure!(
            other == Some(servers),
            "Groups wrong for {gid}: {servers:?} and {other:?}"
        );
    }
    Ok(())
}

/// A controller clerk doing its operations one after another (the goroutines of the
/// concurrent Join/Leave tests). Every one must be carried out.
pub struct CtrlScript {
    /// The clerk.
    pub clerk: NodeId,
    /// What is left to do.
    pub ops: VecDeque<CtrlOp>,
    /// Set once the last operation is answered.
    pub done: Rc<Cell<usize>>,
    /// An operation is in flight.
    pub busy: bool,
}

impl<I: Implementation> Task<ShardTester<I>> for CtrlScript {
    fn poll(&mut self, t: &mut ShardTester<I>) -> Result<Wake, Failure> {
        if self.busy {
            let answer = t
                .take_ctrl_answer(self.clerk)
                .expect("woken with an answer");
            ensure!(
                answer == CtrlAnswer::Changed,
                "{}: the controller answered {answer:?}",
                self.clerk
            );
            self.busy = false;
        }
        let Some(op) = self.ops.pop_front() else {
            self.done.set(self.done.get() + 1);
            return Ok(Wake::Done);
        };
        t.ctrl_begin(self.clerk, op)?;
        self.busy = true;
        Ok(Wake::Output(self.clerk))
    }
}

/// A client goroutine of the concurrent tests: appends a fresh random string to its own
/// key, remembering what the key should hold, then sleeps `pause`, until stopped.
pub struct Appender {
    /// Which key of `values` it appends to.
    pub i: usize,
    /// Its clerk.
    pub clerk: NodeId,
    /// The keys.
    pub key: String,
    /// Length of each appended string.
    pub len: usize,
    /// The lab's sleep between appends (zero: a tight loop).
    pub pause: Duration,
    /// What each key should hold (the lab's `va`).
    pub values: Rc<RefCell<Vec<String>>>,
    /// Set by the test to stop the appenders.
    pub stop: Rc<Cell<bool>>,
    /// How many appenders have stopped.
    pub stopped: Rc<Cell<usize>>,
    /// The string of the append in flight.
    pub pending: Option<String>,
}

impl<I: Implementation> Task<ShardTester<I>> for Appender {
    fn poll(&mut self, t: &mut ShardTester<I>) -> Result<Wake, Failure> {
        if let Some(x) = self.pending.take() {
            t.take_result(self.clerk).expect("woken with a result");
            self.values.borrow_mut()[self.i].push_str(&x);
            if self.pause > Duration(0) {
                return Ok(Wake::At(t.now() + self.pause));
            }
        }
        if self.stop.get() {
            self.stopped.set(self.stopped.get() + 1);
            return Ok(Wake::Done);
        }
        let x = rand_string(t, self.len);
        let op = Op::Append {
            key: self.key.clone(),
            value: x.clone(),
        };
        t.begin(self.clerk, op)?;
        self.pending = Some(x);
        Ok(Wake::Output(self.clerk))
    }
}

/// Starts one appender per key of `values`, each with a fresh clerk of controller 0.
/// Returns the stop flag and the count of stopped appenders.
pub fn start_appenders<I: Implementation>(
    t: &mut ShardTester<I>,
    keys: &[String],
    values: &Rc<RefCell<Vec<String>>>,
    len: usize,
    pause: Duration,
) -> (Rc<Cell<bool>>, Rc<Cell<usize>>) {
    let stop = Rc::new(Cell::new(false));
    let stopped = Rc::new(Cell::new(0));
    for (i, key) in keys.iter().enumerate() {
        let clerk = t.make_client(0);
        t.spawn(Appender {
            i,
            clerk,
            key: key.clone(),
            len,
            pause,
            values: values.clone(),
            stop: stop.clone(),
            stopped: stopped.clone(),
            pending: None,
        });
    }
    (stop, stopped)
}

/// Stops the appenders and waits for each to finish its last append (the lab's
/// `atomic.StoreInt32(&done, 1)` and `<-ch` for each).
///
/// # Errors
/// A failure while waiting, or appenders still busy at the 120 s limit.
pub fn stop_appenders<I: Implementation>(
    t: &mut ShardTester<I>,
    stop: &Rc<Cell<bool>>,
    stopped: &Rc<Cell<usize>>,
    count: usize,
) -> Verdict {
    stop.set(true);
    let deadline = (crate::engine::Instant::ZERO + crate::tester::TEST_LIMIT).max(t.now());
    let all = t.run_until(deadline, |_| stopped.get() == count)?;
    ensure!(
        all,
        "{} of {count} appenders did not finish by the 120 s limit\n{}",
        count - stopped.get(),
        servers_report(t)
    );
    Ok(())
}

/// The keys "0".."n-1" (each of the first ten on its own shard) and, for each, a
/// random value of `len` characters Put through `clerk`.
///
/// # Errors
/// As the Puts.
pub fn put_keys<I: Implementation>(
    t: &mut ShardTester<I>,
    clerk: NodeId,
    n: usize,
    len: usize,
) -> Result<(Vec<String>, Vec<String>), Failure> {
    let mut keys = Vec::with_capacity(n);
    let mut values = Vec::with_capacity(n);
    for i in 0..n {
        let key = i.to_string();
        let value = rand_string(t, len);
        t.put(clerk, &key, &value)?;
        keys.push(key);
        values.push(value);
    }
    Ok((keys, values))
}

/// Checks every key through `clerk`, and when `len` is set appends a fresh random
/// string of that length to each (the lab's check-and-append loops).
///
/// # Errors
/// A wrong value, or a failed operation.
pub fn check_all<I: Implementation>(
    t: &mut ShardTester<I>,
    clerk: NodeId,
    keys: &[String],
    values: &mut [String],
    append: Option<usize>,
) -> Verdict {
    for (key, value) in keys.iter().zip(values.iter_mut()) {
        t.check(clerk, key, value)?;
        if let Some(len) = append {
            let x = rand_string(t, len);
            t.append(clerk, key, &x)?;
            value.push_str(&x);
        }
    }
    Ok(())
}

/// Every server's state on a line of its own (term, role, configuration, shards), for a
/// failure that a stuck service explains.
pub fn servers_report<I: Implementation>(t: &ShardTester<I>) -> String {
    let lines: Vec<String> = (0..t.server_ids().len()).map(|i| t.describe(i)).collect();
    lines.join("\n")
}
