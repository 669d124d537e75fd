//! The shardkv workload of a swarm run: the shard controller and three replica groups
//! crash and get partitioned (the schedule's faults hit all twelve Raft servers) while
//! groups join, leave and get shards moved to them, and clerks work on a key of every
//! shard. Then the liveness phase: every clerk must finish, and a fresh clerk must read
//! every key.

use super::clerk::Clerk;
use super::clerk_watch::{ClerkWatch, Cluster, Served, Watched};
use super::phases::{
    no_progress, push_longest, read_every_key, start_faults, stop_faults, LIVENESS_BOUND,
};
use super::schedule::Plan;
use super::stable_majority::Counting;
use crate::engine::{Duration, NodeId};
use crate::implementation::Implementation;
use crate::outcome::{Failure, Verdict};
use crate::tester::shard::{gid_of, ShardTester};
use crate::tester::{Task, Wake};
use kvraft::shardctrler::{CtrlAnswer, CtrlOp, Shard, NSHARDS};
use std::cell::{Cell, RefCell};
use std::collections::BTreeSet;
use std::rc::Rc;

/// Joins, leaves and moves through the tester's controller clerk, one at a time, a
/// random 300-1500 ms apart. It keeps one group joined at least: a shard handed to no
/// group loses its keys (see `kvraft::shardkv`).
struct Reconfigurer {
    admin: NodeId,
    /// The groups joined, as far as the answers tell.
    joined: BTreeSet<usize>,
    stop: Rc<Cell<bool>>,
    /// Set once the last operation is answered after `stop`.
    done: Rc<Cell<bool>>,
    /// The operation in flight and the group it joins or removes.
    busy: Option<(CtrlOp, Option<usize>)>,
    /// What the controller has served it, for liveness during faults.
    served: Rc<Served>,
}

impl Reconfigurer {
    /// A Join, Leave or Move that fits the groups joined.
    fn draw<I: Implementation>(&self, t: &mut ShardTester<I>) -> (CtrlOp, Option<usize>) {
        let out: Vec<usize> = (0..t.groups())
            .filter(|g| !self.joined.contains(g))
            .collect();
        let joined: Vec<usize> = self.joined.iter().copied().collect();
        let mut kinds = vec![2];
        if !out.is_empty() {
            kinds.push(0);
        }
        if joined.len() > 1 {
            kinds.push(1);
        }
        match kinds[t.rng.below(kinds.len() as u64) as usize] {
            0 => {
                let gi = out[t.rng.below(out.len() as u64) as usize];
                (t.join_op(&[gi]), Some(gi))
            }
            1 => {
                let gi = joined[t.rng.below(joined.len() as u64) as usize];
                let gids = vec![gid_of(gi)];
                (CtrlOp::Leave { gids }, Some(gi))
            }
            _ => {
                let shard = Shard(t.rng.below(NSHARDS as u64) as usize);
                let gi = joined[t.rng.below(joined.len() as u64) as usize];
                (
                    CtrlOp::Move {
                        shard,
                        gid: gid_of(gi),
                    },
                    None,
                )
            }
        }
    }
}

impl<I: Implementation> Task<ShardTester<I>> for Reconfigurer {
    fn poll(&mut self, t: &mut ShardTester<I>) -> Result<Wake, Failure> {
        if let Some((op, group)) = self.busy.take() {
            let answer = t
                .take_ctrl_answer(self.admin)
                .expect("woken with an answer");
            self.served.complete(t.now());
            if let (CtrlAnswer::Changed, Some(gi)) = (answer, group) {
                match op {
                    CtrlOp::Join { .. } => self.joined.insert(gi),
                    _ => self.joined.remove(&gi),
                };
            }
            if !self.stop.get() {
                let pause = Duration::from_millis(300 + t.rng.below(1200));
                return Ok(Wake::At(t.now() + pause));
            }
        }
        if self.stop.get() {
            self.done.set(true);
            return Ok(Wake::Done);
        }
        let (op, group) = self.draw(t);
        t.ctrl_begin(self.admin, op.clone())?;
        self.served.begin(t.now());
        self.busy = Some((op, group));
        Ok(Wake::Output(self.admin))
    }
}

/// The shardkv workload (see the module's doc).
pub fn body<I: Implementation>(t: &mut ShardTester<I>, plan: &Plan) -> Verdict {
    t.joinm(&[0, 1])?;
    let stop = Rc::new(Cell::new(false));
    let clients = plan.profile.clients.max(1) as usize;
    let done = Rc::new(RefCell::new(vec![false; clients]));
    let keys: Rc<Vec<String>> = Rc::new((0..NSHARDS).map(|k| k.to_string()).collect());
    // The groups' clerks are not watched during faults (see the module's doc).
    let unwatched = Rc::new(Served::default());
    for me in 0..clients {
        let clerk = t.make_client(0);
        t.spawn(Clerk::new(me, clerk, &keys, &stop, &done, &unwatched));
    }
    let reconfigured = Rc::new(Cell::new(false));
    let served = Rc::new(Served::default());
    t.spawn(Reconfigurer {
        admin: t.admin(0),
        joined: [0, 1].into_iter().collect(),
        stop: stop.clone(),
        done: reconfigured.clone(),
        busy: None,
        served: served.clone(),
    });
    start_faults(t, plan, &stop);
    // Spawned after the driver, so that at an instant both wake the watch sees what
    // the driver did.
    let longest = Rc::new(Cell::new(Duration::ZERO));
    if plan.profile.live_during_faults {
        let ids = t.server_ids();
        let servers = t
            .ctrl_servers(0)
            .iter()
            .map(|c| {
                ids.iter()
                    .position(|s| s == c)
                    .expect("a controller server")
            })
            .collect();
        let cluster = Cluster {
            watched: Watched::ShardController,
            servers,
            clients: vec![t.admin(0)],
            counting: Counting::AllVoters,
        };
        let watch = ClerkWatch::new(t, plan, cluster, &served, &stop, &longest);
        t.spawn(watch);
    }
    t.sleep(Duration::from_millis(plan.profile.span_ms))?;
    stop_faults(t, &stop)?;
    push_longest(t, plan, &longest);
    let deadline = t.now() + LIVENESS_BOUND;
    let finished = t.run_until(deadline, |_| {
        reconfigured.get() && done.borrow().iter().all(|d| *d)
    })?;
    if !finished {
        let waiting: Vec<usize> = (0..clients).filter(|&c| !done.borrow()[c]).collect();
        let what = match reconfigured.get() {
            true => format!("clerks {waiting:?} did not complete their operation"),
            false => "the last Join, Leave or Move did not complete".to_string(),
        };
        return Err(no_progress(t, &what));
    }
    // A fresh clerk reads every key: the service answers after the faults.
    let reader = t.make_client(0);
    read_every_key(t, reader, &keys)
}
