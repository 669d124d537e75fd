//! The lab's `GenericTest` and `GenericTestSpeed`, shared by the 3A and 3B scenarios.

use crate::cluster::appends::check_clnt_appends;
use crate::cluster::ELECTION_TIMEOUT;
use crate::engine::{Duration, Instant, NodeId};
use crate::implementation::Implementation;
use crate::outcome::{Failure, Verdict};
use crate::tester::kv::KvTester;
use crate::tester::{Task, Wake};
use crate::{ensure, fail};
use kvraft::Op;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// The options of `GenericTest` beyond the cluster's shape.
#[derive(Clone, Copy, Debug)]
pub struct Generic {
    /// Concurrent clients.
    pub clients: usize,
    /// Crash and restart every server after each iteration.
    pub crash: bool,
    /// Run the partitioner during each iteration.
    pub partitions: bool,
    /// Clients use random keys (and Puts); no per-client value prediction.
    pub random_keys: bool,
}

/// What a client is waiting for.
#[derive(Debug)]
enum Waiting {
    Nothing,
    Put,
    Append,
    Get(String),
}

/// One client goroutine of `GenericTest`.
struct Client {
    cli: usize,
    clerk: NodeId,
    clients: usize,
    random_keys: bool,
    stop: Rc<Cell<bool>>,
    /// Appends (and Puts) done, reported as the lab's `clnts[cli] <- j`.
    done: Rc<RefCell<Vec<Option<u64>>>>,
    j: u64,
    last: String,
    started: bool,
    waiting: Waiting,
}

impl<I: Implementation> Task<KvTester<I>> for Client {
    fn poll(&mut self, t: &mut KvTester<I>) -> Result<Wake, Failure> {
        match std::mem::replace(&mut self.waiting, Waiting::Nothing) {
            Waiting::Nothing => {}
            Waiting::Get(key) => {
                let v = t.take_result(self.clerk).expect("woken with a result");
                if !self.random_keys {
                    ensure!(
                        v == self.last,
                        "get wrong value, key {key}, wanted:\n{}\n, got\n{v}\n",
                        self.last
                    );
                }
            }
            Waiting::Put | Waiting::Append => {
                t.take_result(self.clerk).expect("woken with a result");
            }
        }
        if !self.started {
            self.started = true;
            if !self.random_keys {
                let op = Op::Put {
                    key: self.cli.to_string(),
                    value: String::new(),
                };
                t.begin(self.clerk, op)?;
                self.waiting = Waiting::Put;
                return Ok(Wake::Output(self.clerk));
            }
        }
        if self.stop.get() {
            self.done.borrow_mut()[self.cli] = Some(self.j);
            return Ok(Wake::Done);
        }
        let key = if self.random_keys {
            t.rng.below(self.clients as u64).to_string()
        } else {
            self.cli.to_string()
        };
        let nv = format!("x {} {} y", self.cli, self.j);
        if t.rng.below(1000) < 500 {
            self.last.push_str(&nv);
            self.j += 1;
            t.begin(self.clerk, Op::Append { key, value: nv })?;
            self.waiting = Waiting::Append;
        } else if self.random_keys && t.rng.below(1000) < 100 {
            self.j += 1;
            t.begin(self.clerk, Op::Put { key, value: nv })?;
            self.waiting = Waiting::Put;
        } else {
            t.begin(self.clerk, Op::Get { key: key.clone() })?;
            self.waiting = Waiting::Get(key);
        }
        Ok(Wake::Output(self.clerk))
    }
}

/// The lab's partitioner: every 1.0-1.2 s, split the servers in two at random.
struct Partitioner {
    stop: Rc<Cell<bool>>,
    finished: Rc<Cell<bool>>,
}

impl<I: Implementation> Task<KvTester<I>> for Partitioner {
    fn poll(&mut self, t: &mut KvTester<I>) -> Result<Wake, Failure> {
        if self.stop.get() {
            self.finished.set(true);
            return Ok(Wake::Done);
        }
        let sides: Vec<u64> = (0..t.n()).map(|_| t.rng.below(2)).collect();
        let p1: Vec<usize> = (0..t.n()).filter(|&i| sides[i] == 0).collect();
        let p2: Vec<usize> = (0..t.n()).filter(|&i| sides[i] == 1).collect();
        t.partition(&p1, &p2);
        let pause = ELECTION_TIMEOUT + Duration::from_millis(t.rng.below(200));
        Ok(Wake::At(t.now() + pause))
    }
}

/// The lab's `GenericTest`: 3 iterations of 5 s of client load with the chosen faults,
/// then per-client append checks and log/snapshot size checks. (The history's
/// linearizability is judged by the scenario runner afterwards.)
pub fn generic_test<I: Implementation>(
    t: &mut KvTester<I>,
    g: Generic,
    maxraftstate: Option<usize>,
) -> Verdict {
    let ck = t.make_client(&t.all());
    for _ in 0..3 {
        let stop = Rc::new(Cell::new(false));
        let done = Rc::new(RefCell::new(vec![None; g.clients]));
        for cli in 0..g.clients {
            let clerk = t.make_client(&t.all());
            t.spawn(Client {
                cli,
                clerk,
                clients: g.clients,
                random_keys: g.random_keys,
                stop: stop.clone(),
                done: done.clone(),
                j: 0,
                last: String::new(),
                started: false,
                waiting: Waiting::Nothing,
            });
        }
        let partitioner_finished = Rc::new(Cell::new(false));
        if g.partitions {
            // Allow the clients to perform some operations without interruption.
            t.sleep(Duration::from_secs(1))?;
            t.spawn(Partitioner {
                stop: stop.clone(),
                finished: partitioner_finished.clone(),
            });
        }
        t.sleep(Duration::from_secs(5))?;
        // Tell the clients and the partitioner to quit.
        stop.set(true);
        if g.partitions {
            let deadline = t.now() + Duration::from_secs(2);
            let quit = t.run_until(deadline, |_| partitioner_finished.get())?;
            ensure!(quit, "partitioner did not stop");
            // Reconnect the network and wait for a new term: a client may have submitted
            // a request in a minority.
            t.connect_all();
            t.sleep(ELECTION_TIMEOUT)?;
        }
        if g.crash {
            for i in 0..t.n() {
                t.shutdown_server(i);
            }
            // Wait for a while for servers to shut down.
            t.sleep(ELECTION_TIMEOUT)?;
            for i in 0..t.n() {
                t.start_server(i)?;
            }
            t.connect_all();
        }
        // The lab's `j := <-clnts[i]`: wait for every client's last operation.
        let deadline = (Instant::ZERO + crate::tester::TEST_LIMIT).max(t.now());
        let all_done = t.run_until(deadline, |_| done.borrow().iter().all(Option::is_some))?;
        ensure!(
            all_done,
            "clients did not finish their last operation by the 120 s limit"
        );
        for i in 0..g.clients {
            let j = done.borrow()[i].expect("client finished");
            let v = t.get(ck, &i.to_string())?;
            if !g.random_keys {
                check_clnt_appends(i, &v, j)?;
            }
        }
        check_sizes(t, maxraftstate)?;
    }
    Ok(())
}

/// The per-iteration size checks: Raft state at most 8 x maxraftstate, or no snapshot at
/// all when snapshots are off.
pub fn check_sizes<I: Implementation>(t: &KvTester<I>, maxraftstate: Option<usize>) -> Verdict {
    match maxraftstate {
        Some(m) => {
            let sz = t.log_size();
            ensure!(sz <= 8 * m, "logs were not trimmed ({sz} > 8*{m})");
        }
        None => {
            let ssz = t.snapshot_size();
            ensure!(
                ssz == 0,
                "snapshot too large ({ssz}), should not be used when maxraftstate = -1"
            );
        }
    }
    Ok(())
}

/// The lab's `GenericTestSpeed`: 1000 sequential appends by one clerk, each at most
/// 33.3 ms (a third of a 100 ms heartbeat interval) on average, in virtual time.
/// Reports the mean latency per append as the metric `latency_per_op_ms`.
pub fn generic_test_speed<I: Implementation>(t: &mut KvTester<I>) -> Verdict {
    const NUM_OPS: u64 = 1000;
    let ck = t.make_client(&t.all());
    // Wait until the first op completes, so we know a leader is elected.
    t.get(ck, "x")?;
    let start = t.now();
    for i in 0..NUM_OPS {
        t.append(ck, "x", &format!("x 0 {i} y"))?;
    }
    let dur = t.now() - start;
    let v = t.get(ck, "x")?;
    check_clnt_appends(0, &v, NUM_OPS)?;
    // Heartbeat interval should be ~100 ms; require at least 3 ops per interval.
    let time_per_op = Duration::from_millis(100) / 3;
    let per_op = dur / NUM_OPS;
    if dur > time_per_op * NUM_OPS {
        fail!("Operations completed too slowly {per_op}/op > {time_per_op}/op");
    }
    t.metrics
        .push(("latency_per_op_ms".into(), per_op.as_nanos() as f64 / 1e6));
    Ok(())
}
