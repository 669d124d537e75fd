//! One clerk of the kv and shardkv workloads: gets, puts and appends on a few keys, one
//! at a time, until the fault phase ends.

use super::clerk_watch::Served;
use crate::engine::NodeId;
use crate::outcome::Failure;
use crate::tester::{ClerkSuite, Task, Tester, Wake};
use kvraft::Op;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// A workload clerk (a task).
pub struct Clerk {
    me: usize,
    clerk: NodeId,
    keys: Rc<Vec<String>>,
    stop: Rc<Cell<bool>>,
    /// Set when the clerk has finished its last operation after `stop`.
    done: Rc<RefCell<Vec<bool>>>,
    /// What the workload's clerks have been served, for liveness during faults.
    served: Rc<Served>,
    busy: bool,
    count: u64,
}

impl Clerk {
    /// Clerk number `me` of the workload, on engine node `clerk`: it works on `keys`
    /// until `stop`, telling `served` each operation it begins and completes, then
    /// marks itself in `done`.
    pub fn new(
        me: usize,
        clerk: NodeId,
        keys: &Rc<Vec<String>>,
        stop: &Rc<Cell<bool>>,
        done: &Rc<RefCell<Vec<bool>>>,
        served: &Rc<Served>,
    ) -> Clerk {
        Clerk {
            me,
            clerk,
            keys: keys.clone(),
            stop: stop.clone(),
            done: done.clone(),
            served: served.clone(),
            busy: false,
            count: 0,
        }
    }
}

impl<S: ClerkSuite> Task<Tester<S>> for Clerk {
    fn poll(&mut self, t: &mut Tester<S>) -> Result<Wake, Failure> {
        if self.busy {
            t.take_result(self.clerk).expect("woken with a result");
            self.served.complete(t.now());
            self.busy = false;
        }
        if self.stop.get() {
            self.done.borrow_mut()[self.me] = true;
            return Ok(Wake::Done);
        }
        let key = self.keys[t.rng.below(self.keys.len() as u64) as usize].clone();
        self.count += 1;
        let value = format!("c{}.{} ", self.me, self.count);
        let op = match t.rng.below(10) {
            0..=3 => Op::Get { key },
            4..=5 => Op::Put { key, value },
            _ => Op::Append { key, value },
        };
        t.begin(self.clerk, op)?;
        self.served.begin(t.now());
        self.busy = true;
        Ok(Wake::Output(self.clerk))
    }
}
