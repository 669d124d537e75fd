//! What sharding is for: the same client load against 1, 2 and 3 replica groups, in
//! operations per virtual second. A metric, not a test: the run passes whatever the
//! figures (its history is judged all the same).
//!
//! Throughput needs a capacity: a simulated server otherwise handles any number of
//! messages at once, and more groups could not serve more. Here every controller and
//! group server takes [`SERVICE_TIME`] of virtual time per handler (the engine's
//! processor model), so a group's leader saturates, and a second and third group add
//! leaders that work in parallel.

use super::shard_common::rand_string;
use super::shard_scenarios;
use crate::engine::{Duration, NodeId};
use crate::implementation::Implementation;
use crate::outcome::{Failure, Verdict};
use crate::scenario::Part;
use crate::tester::shard::ShardTester;
use crate::tester::{Task, Wake};
use kvraft::Op;
use std::cell::Cell;
use std::rc::Rc;

shard_scenarios! {
    ShardThroughput {
        part: Part::Metric,
        groups: 3,
        unreliable: false,
        maxraftstate: None,
        about: "operations per virtual second against 1, 2 and 3 groups (servers with a processor)",
        body: throughput,
    }
}

/// Virtual time each handler of a server takes.
pub const SERVICE_TIME: Duration = Duration::from_millis(1);

/// Closed-loop clients: enough to keep three groups' leaders busy.
pub const CLIENTS: usize = 80;

/// How long each group count is measured.
pub const WINDOW: Duration = Duration::from_secs(1);

/// One client: a Get or a Put on a random key, one after another, without pause. The
/// key's first character is a random digit, so the keys spread evenly over the shards.
struct LoadClient {
    clerk: NodeId,
    done: Rc<Cell<u64>>,
    stop: Rc<Cell<bool>>,
    busy: bool,
}

impl<I: Implementation> Task<ShardTester<I>> for LoadClient {
    fn poll(&mut self, t: &mut ShardTester<I>) -> Result<Wake, Failure> {
        if self.busy {
            t.take_result(self.clerk).expect("woken with a result");
            self.done.set(self.done.get() + 1);
            self.busy = false;
        }
        if self.stop.get() {
            return Ok(Wake::Done);
        }
        let key = format!("{}{}", t.rng.below(10), t.rng.below(10));
        let op = if t.rng.below(2) == 0 {
            Op::Get { key }
        } else {
            let value = rand_string(t, 8);
            Op::Put { key, value }
        };
        t.begin(self.clerk, op)?;
        self.busy = true;
        Ok(Wake::Output(self.clerk))
    }
}

/// Operations completed per virtual second over the next [`WINDOW`].
fn measure<I: Implementation>(
    t: &mut ShardTester<I>,
    done: &Rc<Cell<u64>>,
) -> Result<f64, Failure> {
    let before = done.get();
    t.sleep(WINDOW)?;
    let ops = done.get() - before;
    Ok(ops as f64 / (WINDOW.as_nanos() as f64 / 1e9))
}

/// The load against group 100 alone, then with 101, then with 102 (each after a second
/// for the shards to move and the clerks to learn the new configuration); reports
/// operations per second for each and the factors over one group.
fn throughput<I: Implementation>(t: &mut ShardTester<I>) -> Verdict {
    for id in t.server_ids() {
        t.sim.set_service_time(id, SERVICE_TIME);
    }
    t.join(0)?;
    let done = Rc::new(Cell::new(0));
    let stop = Rc::new(Cell::new(false));
    for _ in 0..CLIENTS {
        let clerk = t.make_client(0);
        t.spawn(LoadClient {
            clerk,
            done: done.clone(),
            stop: stop.clone(),
            busy: false,
        });
    }
    t.sleep(Duration::from_secs(1))?;
    let one = measure(t, &done)?;
    t.join(1)?;
    t.sleep(Duration::from_secs(1))?;
    let two = measure(t, &done)?;
    t.join(2)?;
    t.sleep(Duration::from_secs(1))?;
    let three = measure(t, &done)?;
    stop.set(true);
    t.metrics.push(("ops_per_s_1_group".into(), one));
    t.metrics.push(("ops_per_s_2_groups".into(), two));
    t.metrics.push(("ops_per_s_3_groups".into(), three));
    t.metrics.push(("scaling_2_groups".into(), two / one));
    t.metrics.push(("scaling_3_groups".into(), three / one));
    Ok(())
}
