//! A swarm run: the schedule's faults and a workload for the fault phase, then the
//! liveness phase, in which every link heals, every server restarts, the network turns
//! reliable and the system must make progress within [`LIVENESS_BOUND`].

use super::driver::{heal, network, FaultDriver};
use super::profile::Workload;
use super::schedule::Plan;
use crate::cluster::fault_target::FaultTarget;
use crate::cluster::kv_tester::{KvSetup, KvTester};
use crate::cluster::shard_tester::{ShardSetup, ShardTester};
use crate::cluster::ClerkOps;
use crate::cluster::{scheduler, Cmd, RaftSetup, RaftTester, Task, Wake, ELECTION_TIMEOUT};
use crate::engine::{Duration, NetConfig, NodeId};
use crate::implementation::Implementation;
use crate::scenario::{Failure, Outcome, RunConfig, Verdict};
use kvraft::Op;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How long the system has, once every fault stopped, to commit a fresh command on every
/// server (raft) or to complete every clerk's operation (kv): ten election timeouts.
pub const LIVENESS_BOUND: Duration = Duration::from_secs(10);

/// Runs `plan` on implementation `I` and packages the outcome under `name`.
pub fn execute<I: Implementation>(name: &str, plan: &Plan, config: &RunConfig) -> Outcome {
    assert_eq!(
        plan.seed, config.seed,
        "{name}: the plan is of another seed"
    );
    let summary = plan.profile.summary();
    let mut outcome = match plan.profile.workload {
        Workload::Raft => {
            let setup = RaftSetup {
                servers: plan.profile.servers,
                unreliable: false,
                snapshot: plan.profile.snapshot_every.is_some(),
            };
            crate::scenarios::run_raft::<I>(name, config, setup, |t| raft_body(t, plan))
        }
        Workload::Kv => {
            let setup = KvSetup {
                servers: plan.profile.servers,
                unreliable: false,
                maxraftstate: plan.profile.maxraftstate,
                check_history: true,
            };
            crate::scenarios::run_kv::<I>(name, config, setup, |t| kv_body(t, plan))
        }
        Workload::Shardkv => {
            let setup = ShardSetup {
                groups: 3,
                servers: 3,
                ctrl_servers: 3,
                unreliable: false,
                maxraftstate: plan.profile.maxraftstate,
                defect: None,
            };
            let body = |t: &mut ShardTester<I>| super::sharded::body(t, plan);
            crate::scenarios::run_shard::<I>(name, config, setup, body)
        }
    };
    outcome.profile = Some(summary);
    outcome
}

/// The profile's network, on top of the engine's default.
fn profile_network(plan: &Plan) -> NetConfig {
    let p = &plan.profile;
    network(
        &NetConfig::default(),
        p.loss,
        p.duplicate,
        p.delay_ms_max,
        p.long_reordering,
    )
}

/// Starts the fault phase: the profile's network and the schedule's driver.
pub(super) fn start_faults<T: FaultTarget>(t: &mut T, plan: &Plan, stop: &Rc<Cell<bool>>) {
    let base = profile_network(plan);
    t.sim_mut().set_net_config(base.clone());
    let driver = FaultDriver::new(plan.faults.clone(), base, stop.clone());
    crate::cluster::scheduler::spawn(t, driver);
}

/// Ends every fault: the driver stops, the trap is disarmed, links heal, servers
/// restart and the network is the default reliable one.
pub(super) fn stop_faults<T: FaultTarget>(t: &mut T, stop: &Rc<Cell<bool>>) -> Verdict {
    stop.set(true);
    *t.trap() = None;
    heal(t);
    for i in 0..t.server_ids().len() {
        t.restart_server(i)?;
    }
    t.sim_mut().set_net_config(NetConfig::default());
    Ok(())
}

/// "no progress": what did not happen, and where each server stands.
pub(super) fn no_progress<T: FaultTarget>(t: &T, what: &str) -> Failure {
    let mut text = format!("no progress: {what} within {LIVENESS_BOUND} after every fault stopped");
    for i in 0..t.server_ids().len() {
        text.push('\n');
        text.push_str(&t.describe(i));
    }
    Failure(text)
}

/// The raft workload: a command started at a random server every `clients` ms.
struct Proposer {
    every: Duration,
    stop: Rc<Cell<bool>>,
    next: u64,
}

impl<I: Implementation> Task<RaftTester<I>> for Proposer {
    fn poll(&mut self, t: &mut RaftTester<I>) -> Result<Wake, Failure> {
        if self.stop.get() {
            return Ok(Wake::Done);
        }
        let i = t.rng.below(t.n() as u64) as usize;
        self.next += 1;
        t.start(i, Cmd::Int(self.next))?;
        Ok(Wake::At(t.now() + self.every))
    }
}

fn raft_body<I: Implementation>(t: &mut RaftTester<I>, plan: &Plan) -> Verdict {
    if let Some(every) = plan.profile.snapshot_every {
        t.set_snapshot_interval(every.max(1));
    }
    let stop = Rc::new(Cell::new(false));
    start_faults(t, plan, &stop);
    t.spawn(Proposer {
        every: Duration::from_millis(plan.profile.clients.max(1)),
        stop: stop.clone(),
        next: 0,
    });
    t.sleep(Duration::from_millis(plan.profile.span_ms))?;
    stop_faults(t, &stop)?;
    // The lab's one(): a fresh command must reach every server, retrying at each
    // leader it finds, for at most 10 s (ten election timeouts).
    let deadline = t.now() + LIVENESS_BOUND;
    match t.one(Cmd::Text("liveness".into()), t.n(), true) {
        Ok(_) if t.now() <= deadline => Ok(()),
        Ok(_) => Err(no_progress(
            t,
            "the fresh command committed only after the bound",
        )),
        Err(f) if f.0.contains("failed to reach agreement") => Err(no_progress(
            t,
            "a fresh command did not commit on every server",
        )),
        Err(f) => Err(f),
    }
}

/// One clerk of the kv and shardkv workloads: gets, puts and appends on a few keys, one
/// at a time.
pub(super) struct Clerk {
    me: usize,
    clerk: NodeId,
    keys: Rc<Vec<String>>,
    stop: Rc<Cell<bool>>,
    /// Set when the clerk has finished its last operation after `stop`.
    done: Rc<RefCell<Vec<bool>>>,
    busy: bool,
    count: u64,
}

impl Clerk {
    /// Clerk number `me` of the workload, on engine node `clerk`: it works on `keys`
    /// until `stop`, then marks itself in `done`.
    pub(super) fn new(
        me: usize,
        clerk: NodeId,
        keys: &Rc<Vec<String>>,
        stop: &Rc<Cell<bool>>,
        done: &Rc<RefCell<Vec<bool>>>,
    ) -> Clerk {
        Clerk {
            me,
            clerk,
            keys: keys.clone(),
            stop: stop.clone(),
            done: done.clone(),
            busy: false,
            count: 0,
        }
    }
}

impl<T: ClerkOps> Task<T> for Clerk {
    fn poll(&mut self, t: &mut T) -> Result<Wake, Failure> {
        if self.busy {
            t.take_result(self.clerk).expect("woken with a result");
            self.busy = false;
        }
        if self.stop.get() {
            self.done.borrow_mut()[self.me] = true;
            return Ok(Wake::Done);
        }
        let key = self.keys[t.rng().below(self.keys.len() as u64) as usize].clone();
        self.count += 1;
        let value = format!("c{}.{} ", self.me, self.count);
        let op = match t.rng().below(10) {
            0..=3 => Op::Get { key },
            4..=5 => Op::Put { key, value },
            _ => Op::Append { key, value },
        };
        t.begin(self.clerk, op)?;
        self.busy = true;
        Ok(Wake::Output(self.clerk))
    }
}

fn kv_body<I: Implementation>(t: &mut KvTester<I>, plan: &Plan) -> Verdict {
    let stop = Rc::new(Cell::new(false));
    let clients = plan.profile.clients.max(1) as usize;
    let done = Rc::new(RefCell::new(vec![false; clients]));
    let all = t.all();
    let keys: Rc<Vec<String>> = Rc::new(
        (0..plan.profile.keys.max(1))
            .map(|k| format!("k{k}"))
            .collect(),
    );
    for me in 0..clients {
        let clerk = t.make_client(&all);
        t.spawn(Clerk::new(me, clerk, &keys, &stop, &done));
    }
    start_faults(t, plan, &stop);
    t.sleep(Duration::from_millis(plan.profile.span_ms))?;
    stop_faults(t, &stop)?;
    let deadline = t.now() + LIVENESS_BOUND;
    let finished = t.run_until(deadline, |_| done.borrow().iter().all(|d| *d))?;
    if !finished {
        let waiting: Vec<usize> = (0..clients).filter(|&c| !done.borrow()[c]).collect();
        return Err(no_progress(
            t,
            &format!("clerks {waiting:?} did not complete their operation"),
        ));
    }
    // A fresh clerk reads every key: the service answers after the faults.
    let reader = t.make_client(&all);
    read_every_key(t, reader, &keys)
}

/// A fresh clerk `reader` reads every key, each within ten election timeouts: the
/// service answers after the faults.
///
/// # Errors
/// A failure while waiting, or a read that did not complete in time.
pub(super) fn read_every_key<T: ClerkOps + FaultTarget>(
    t: &mut T,
    reader: NodeId,
    keys: &[String],
) -> Verdict {
    for key in keys {
        t.begin(reader, Op::Get { key: key.clone() })?;
        let deadline = t.sim().now() + ELECTION_TIMEOUT * 10;
        if !scheduler::run_until(t, deadline, |t| t.has_result(reader))? {
            return Err(no_progress(
                t,
                &format!("a fresh clerk's Get({key}) did not complete"),
            ));
        }
        t.take_result(reader);
    }
    Ok(())
}
