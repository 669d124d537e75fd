//! A swarm run: the schedule's faults and a workload for the fault phase, then the
//! liveness phase (see [`super::phases`]): the raft, kv and membership workloads here
//! (the membership workload is the kv workload with [`super::change_driver`] changing
//! the configuration), the shardkv workload in [`super::sharded`].

use super::change_driver::{ChangeDriver, ChangeTally};
use super::clerk::Clerk;
use super::clerk_watch::{ClerkWatch, Cluster, Served, Watched};
use super::live_watch::LiveWatch;
use super::phases::{
    no_progress, push_longest, read_every_key, start_faults, stop_faults, LIVENESS_BOUND,
};
use super::profile::Workload;
use super::schedule::Plan;
use super::stable_majority::Counting;
use crate::cluster::Cmd;
use crate::engine::{Duration, NodeId};
use crate::implementation::Implementation;
use crate::outcome::{Failure, Outcome, Verdict};
use crate::scenario::RunConfig;
use crate::tester::{KvSetup, KvTester, RaftSetup, RaftTester, Retry, ShardSetup, Task, Wake};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// Runs `plan` on implementation `I`, every node booted with the profile's knobs and
/// each server on the plan's clock for it (when the plan gives clocks), the kv servers
/// reading as the plan says, and returns the outcome of run `name`, with the plan's
/// profile.
pub fn execute<I: Implementation>(name: &str, plan: &Plan, config: &RunConfig) -> Outcome {
    assert_eq!(
        plan.seed, config.seed,
        "{name}: the plan is of another seed"
    );
    let clocked;
    let config = if plan.clocks.is_empty() && plan.profile.reads == config.reads {
        config
    } else {
        clocked = RunConfig {
            clocks: plan.server_clocks(),
            reads: plan.profile.reads,
            ..config.clone()
        };
        &clocked
    };
    let id = config.run_id(name, I::NAME).with_profile(plan.summary());
    let knobs = &plan.profile.knobs;
    match plan.profile.workload {
        Workload::Raft => {
            let setup = RaftSetup {
                servers: plan.profile.servers,
                unreliable: false,
                snapshot: plan.profile.snapshot_every.is_some(),
                members: None,
            };
            crate::tester::run(id, config, knobs, setup, |t: &mut RaftTester<I>| {
                raft_body(t, plan)
            })
        }
        Workload::Kv | Workload::Membership => {
            let setup = KvSetup {
                servers: plan.profile.servers,
                unreliable: false,
                maxraftstate: plan.profile.maxraftstate,
                check_history: true,
                members: plan.profile.members,
            };
            crate::tester::run(id, config, knobs, setup, |t: &mut KvTester<I>| {
                kv_body(t, plan)
            })
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
            crate::tester::run(id, config, knobs, setup, |t| {
                super::sharded::body::<I>(t, plan)
            })
        }
    }
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
    // Spawned after the driver, so that at an instant both wake the watch sees what
    // the driver did.
    let longest = Rc::new(Cell::new(Duration::ZERO));
    if plan.profile.live_during_faults {
        t.spawn(LiveWatch::new(plan, stop.clone(), longest.clone()));
    }
    t.sleep(Duration::from_millis(plan.profile.span_ms))?;
    stop_faults(t, &stop)?;
    push_longest(t, plan, &longest);
    // The lab's one(): a fresh command must reach every server, retrying at each
    // leader it finds, for at most 10 s (ten election timeouts).
    let deadline = t.now() + LIVENESS_BOUND;
    match t.one(Cmd::Text("liveness".into()), t.n(), Retry::Resubmit) {
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

/// The change driver's tally, which the workload reads once the fault phase ends.
type SharedTally = Rc<RefCell<ChangeTally>>;

/// Starts the membership workload's changes (on a membership plan), after the fault
/// driver: how the clerk watch then counts majorities, and the changes' tally.
///
/// # Errors
/// A membership plan on an implementation without the capability.
fn start_changes<I: Implementation>(
    t: &mut KvTester<I>,
    plan: &Plan,
    stop: &Rc<Cell<bool>>,
) -> Result<(Counting, Option<SharedTally>), Failure> {
    if plan.profile.workload != Workload::Membership {
        return Ok((Counting::AllVoters, None));
    }
    let Some(membership) = I::MEMBERSHIP else {
        return Err(Failure(format!(
            "internal error: a membership plan on {}, which declares no membership changes",
            I::NAME
        )));
    };
    let members = plan.profile.members.unwrap_or(plan.profile.servers);
    let tally = Rc::new(RefCell::new(ChangeTally::default()));
    let changes = plan.changes.clone();
    t.spawn(ChangeDriver::new(
        changes, members, membership, stop, &tally,
    ));
    Ok((Counting::Configurations, Some(tally)))
}

/// The membership workload's last metric: the voters of the configuration the leader
/// of the highest term uses once the service answered after the faults
/// (`final_voters`; the changes keep 3 to 5).
fn push_final_voters<I: Implementation>(t: &mut KvTester<I>) {
    let leader = (0..t.n())
        .filter_map(|i| t.server_status(i))
        .filter(|s| s.role == raft_contract::Role::Leader)
        .max_by_key(|s| s.term);
    if let Some(status) = leader {
        let voters = status.config.voters.len() as f64;
        t.metrics.push(("final_voters".into(), voters));
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
    let served = Rc::new(Served::default());
    let clerks: Vec<NodeId> = (0..clients)
        .map(|me| {
            let clerk = t.make_client(&all);
            t.spawn(Clerk::new(me, clerk, &keys, &stop, &done, &served));
            clerk
        })
        .collect();
    start_faults(t, plan, &stop);
    let (counting, tally) = start_changes(t, plan, &stop)?;
    // Spawned after the drivers, so that at an instant both wake the watch sees what
    // the drivers did.
    let longest = Rc::new(Cell::new(Duration::ZERO));
    if plan.profile.live_during_faults {
        let cluster = Cluster {
            watched: Watched::KvService,
            servers: all.clone(),
            clients: clerks,
            counting,
        };
        let watch = ClerkWatch::new(t, plan, cluster, &served, &stop, &longest);
        t.spawn(watch);
    }
    t.sleep(Duration::from_millis(plan.profile.span_ms))?;
    stop_faults(t, &stop)?;
    push_longest(t, plan, &longest);
    // Recorded before the liveness phase's verdict, so a failing run reports them too.
    if let Some(tally) = &tally {
        t.metrics.extend(tally.borrow().metrics());
    }
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
    read_every_key(t, reader, &keys)?;
    if tally.is_some() {
        push_final_voters(t);
    }
    Ok(())
}
