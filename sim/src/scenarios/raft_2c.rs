//! Lab 2C (2024: 3C): persistence.

use super::raft_2b::rand_cmd;
use super::raft_scenarios;
use crate::cluster::{Cmd, ELECTION_TIMEOUT};
use crate::engine::Duration;
use crate::implementation::Implementation;
use crate::outcome::{Failure, Verdict};
use crate::scenario::Part;
use crate::tester::{OneOp, RaftTester, Retry, Task, Wake};
use crate::{ensure, fail};
use std::cell::RefCell;
use std::rc::Rc;

raft_scenarios! {
    Persist12C {
        part: Part::Raft2C,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "basic persistence: restarts of all, of the leader, of a follower",
        body: persist1,
    }
    Persist22C {
        part: Part::Raft2C,
        servers: 5,
        unreliable: false,
        snapshot: false,
        about: "more persistence: 5 rounds of partial crashes and restarts",
        body: persist2,
    }
    Persist32C {
        part: Part::Raft2C,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "partitioned leader and one follower crash, leader restarts",
        body: persist3,
    }
    Figure82C {
        part: Part::Raft2C,
        servers: 5,
        unreliable: false,
        snapshot: false,
        about: "Figure 8: 1000 rounds of leader crashes at random moments",
        body: figure8,
    }
    UnreliableAgree2C {
        part: Part::Raft2C,
        servers: 5,
        unreliable: true,
        snapshot: false,
        about: "agreement on an unreliable network with concurrent clients",
        body: unreliable_agree,
    }
    Figure8Unreliable2C {
        part: Part::Raft2C,
        servers: 5,
        unreliable: true,
        snapshot: false,
        about: "Figure 8 on an unreliable network with long reordering",
        body: figure8_unreliable,
    }
    ReliableChurn2C {
        part: Part::Raft2C,
        servers: 5,
        unreliable: false,
        snapshot: false,
        about: "three clients through 20 rounds of disconnects, crashes and restarts",
        body: reliable_churn,
    }
    UnreliableChurn2C {
        part: Part::Raft2C,
        servers: 5,
        unreliable: true,
        snapshot: false,
        about: "churn on an unreliable network",
        body: unreliable_churn,
    }
}

/// TestPersist1: basic persistence.
fn persist1<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.one(Cmd::Int(11), 3, Retry::Resubmit)?;
    // Crash and re-start all.
    for i in 0..3 {
        t.start1(i)?;
    }
    for i in 0..3 {
        t.disconnect(i);
        t.connect(i);
    }
    t.one(Cmd::Int(12), 3, Retry::Resubmit)?;
    let leader1 = t.check_one_leader()?;
    t.disconnect(leader1);
    t.start1(leader1)?;
    t.connect(leader1);
    t.one(Cmd::Int(13), 3, Retry::Resubmit)?;
    let leader2 = t.check_one_leader()?;
    t.disconnect(leader2);
    t.one(Cmd::Int(14), 2, Retry::Resubmit)?;
    t.start1(leader2)?;
    t.connect(leader2);
    // Wait for leader2 to join before killing i3.
    t.wait(4, 3, None)?;
    let i3 = (t.check_one_leader()? + 1) % 3;
    t.disconnect(i3);
    t.one(Cmd::Int(15), 2, Retry::Resubmit)?;
    t.start1(i3)?;
    t.connect(i3);
    t.one(Cmd::Int(16), 3, Retry::Resubmit)?;
    Ok(())
}

/// TestPersist2: more persistence.
fn persist2<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let mut index = 1;
    for _ in 0..5 {
        t.one(Cmd::Int(10 + index), 5, Retry::Resubmit)?;
        index += 1;
        let leader1 = t.check_one_leader()?;
        t.disconnect((leader1 + 1) % 5);
        t.disconnect((leader1 + 2) % 5);
        t.one(Cmd::Int(10 + index), 3, Retry::Resubmit)?;
        index += 1;
        t.disconnect(leader1 % 5);
        t.disconnect((leader1 + 3) % 5);
        t.disconnect((leader1 + 4) % 5);
        t.start1((leader1 + 1) % 5)?;
        t.start1((leader1 + 2) % 5)?;
        t.connect((leader1 + 1) % 5);
        t.connect((leader1 + 2) % 5);
        t.sleep(ELECTION_TIMEOUT)?;
        t.start1((leader1 + 3) % 5)?;
        t.connect((leader1 + 3) % 5);
        t.one(Cmd::Int(10 + index), 3, Retry::Resubmit)?;
        index += 1;
        t.connect((leader1 + 4) % 5);
        t.connect(leader1 % 5);
    }
    t.one(Cmd::Int(1000), 5, Retry::Resubmit)?;
    Ok(())
}

/// TestPersist3: partitioned leader and one follower crash, leader restarts.
fn persist3<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.one(Cmd::Int(101), 3, Retry::Resubmit)?;
    let leader = t.check_one_leader()?;
    t.disconnect((leader + 2) % 3);
    t.one(Cmd::Int(102), 2, Retry::Resubmit)?;
    t.crash1(leader % 3);
    t.crash1((leader + 1) % 3);
    t.connect((leader + 2) % 3);
    t.start1(leader % 3)?;
    t.connect(leader % 3);
    t.one(Cmd::Int(103), 2, Retry::Resubmit)?;
    t.start1((leader + 1) % 3)?;
    t.connect((leader + 1) % 3);
    t.one(Cmd::Int(104), 3, Retry::Resubmit)?;
    Ok(())
}

/// The Figure 8 tests' sleep: with 10% probability up to half an election timeout, else
/// up to 12 ms.
fn figure8_sleep<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let ms = if t.rng.below(1000) < 100 {
        t.rng.below(ELECTION_TIMEOUT.as_millis() / 2)
    } else {
        t.rng.below(13)
    };
    t.sleep(Duration::from_millis(ms))
}

/// TestFigure8: leaders crash at random moments; whatever was committed stays committed.
fn figure8<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let servers = t.n();
    let c = rand_cmd(&mut t.rng);
    t.one(c, 1, Retry::Resubmit)?;
    let mut nup = servers;
    for _ in 0..1000 {
        let mut leader = None;
        for i in 0..servers {
            if t.is_alive(i) {
                let c = rand_cmd(&mut t.rng);
                if t.start(i, c)?.is_some() {
                    leader = Some(i);
                }
            }
        }
        figure8_sleep(t)?;
        if let Some(leader) = leader {
            t.crash1(leader);
            nup -= 1;
        }
        if nup < 3 {
            let s = t.rng.below(servers as u64) as usize;
            if !t.is_alive(s) {
                t.start1(s)?;
                t.connect(s);
                nup += 1;
            }
        }
    }
    for i in 0..servers {
        if !t.is_alive(i) {
            t.start1(i)?;
            t.connect(i);
        }
    }
    let c = rand_cmd(&mut t.rng);
    t.one(c, servers, Retry::Resubmit)?;
    Ok(())
}

/// TestUnreliableAgree: 4 concurrent clients and one sequential one, on an unreliable
/// network.
fn unreliable_agree<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let servers = t.n();
    for iters in 1..50u64 {
        for j in 0..4u64 {
            let op = OneOp::new(Cmd::Int(100 * iters + j), 1, Retry::Resubmit, t.now());
            t.spawn(op);
        }
        t.one(Cmd::Int(iters), 1, Retry::Resubmit)?;
    }
    t.set_unreliable(false);
    // The lab's wg.Wait(): every concurrent one() ends within its own 10 s.
    let deadline = t.now() + Duration::from_secs(11);
    let done = t.run_until(deadline, |t| t.tasks_running() == 0)?;
    ensure!(done, "concurrent one() calls did not finish");
    t.one(Cmd::Int(100), servers, Retry::Resubmit)?;
    Ok(())
}

/// TestFigure8Unreliable: Figure 8 with disconnects instead of crashes, an unreliable
/// network, and long reordering from iteration 200 on.
fn figure8_unreliable<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let servers = t.n();
    let c = Cmd::Int(t.rng.below(10_000));
    t.one(c, 1, Retry::Resubmit)?;
    let mut nup = servers;
    for iters in 0..1000 {
        if iters == 200 {
            t.sim.set_long_reordering(true);
        }
        let mut leader = None;
        for i in 0..servers {
            let c = Cmd::Int(t.rng.below(10_000));
            if t.start(i, c)?.is_some() && t.is_connected(i) {
                leader = Some(i);
            }
        }
        figure8_sleep(t)?;
        if let Some(leader) = leader {
            if t.rng.below(1000) < 500 {
                t.disconnect(leader);
                nup -= 1;
            }
        }
        if nup < 3 {
            let s = t.rng.below(servers as u64) as usize;
            if !t.is_connected(s) {
                t.connect(s);
                nup += 1;
            }
        }
    }
    for i in 0..servers {
        if !t.is_connected(i) {
            t.connect(i);
        }
    }
    let c = Cmd::Int(t.rng.below(10_000));
    t.one(c, servers, Retry::Resubmit)?;
    Ok(())
}

/// One client goroutine of `internalChurn`.
struct ChurnClient {
    me: u64,
    stop: Rc<RefCell<bool>>,
    values: Rc<RefCell<Vec<Cmd>>>,
    /// The command in flight, its index and how many polls were made.
    pending: Option<(Cmd, u64, usize)>,
}

/// The churn client's polling sleeps, in milliseconds.
const CHURN_POLLS_MS: [u64; 5] = [10, 20, 50, 100, 200];

impl<I: Implementation> Task<RaftTester<I>> for ChurnClient {
    fn poll(&mut self, t: &mut RaftTester<I>) -> Result<Wake, Failure> {
        let now = t.now();
        // Poll, sleep, poll, ... five times; after the last sleep, move on unchecked.
        if let Some((x, index, polls)) = self.pending.take() {
            if polls < CHURN_POLLS_MS.len() {
                let (nd, cmd) = t.n_committed(index)?;
                if nd == 0 {
                    let wake = now + Duration::from_millis(CHURN_POLLS_MS[polls]);
                    self.pending = Some((x, index, polls + 1));
                    return Ok(Wake::At(wake));
                }
                if cmd.as_ref() == Some(&x) {
                    self.values.borrow_mut().push(x);
                }
            }
        }
        if *self.stop.borrow() {
            return Ok(Wake::Done);
        }
        let x = rand_cmd(&mut t.rng);
        let mut accepted = None;
        for i in 0..t.n() {
            // Start() on every live server, connected or not, as the lab's client does.
            if let Some((index, _)) = t.start(i, x.clone())? {
                accepted = Some(index);
            }
        }
        match accepted {
            Some(index) => {
                self.pending = Some((x, index, 0));
                self.poll(t)
            }
            None => Ok(Wake::At(now + Duration::from_millis(79 + self.me * 17))),
        }
    }
}

/// The lab's `internalChurn(unreliable)`.
fn churn<I: Implementation>(t: &mut RaftTester<I>, unreliable: bool) -> Verdict {
    let servers = t.n();
    let stop = Rc::new(RefCell::new(false));
    let values = Rc::new(RefCell::new(Vec::new()));
    for me in 0..3 {
        t.spawn(ChurnClient {
            me,
            stop: stop.clone(),
            values: values.clone(),
            pending: None,
        });
    }
    for _ in 0..20 {
        if t.rng.below(1000) < 200 {
            let i = t.rng.below(servers as u64) as usize;
            t.disconnect(i);
        }
        if t.rng.below(1000) < 500 {
            let i = t.rng.below(servers as u64) as usize;
            if !t.is_alive(i) {
                t.start1(i)?;
            }
            t.connect(i);
        }
        if t.rng.below(1000) < 200 {
            let i = t.rng.below(servers as u64) as usize;
            if t.is_alive(i) {
                t.crash1(i);
            }
        }
        // Make crash/restart infrequent enough that the peers can often keep up, but
        // not so infrequent that everything has settled down from one change to the next.
        t.sleep(ELECTION_TIMEOUT * 7 / 10)?;
    }
    t.sleep(ELECTION_TIMEOUT)?;
    if unreliable {
        t.set_unreliable(false);
    }
    for i in 0..servers {
        if !t.is_alive(i) {
            t.start1(i)?;
        }
        t.connect(i);
    }
    *stop.borrow_mut() = true;
    // The clients finish their current command (at most ~400 ms of polling).
    let deadline = t.now() + Duration::from_secs(2);
    let done = t.run_until(deadline, |t| t.tasks_running() == 0)?;
    ensure!(done, "churn clients did not stop");
    t.sleep(ELECTION_TIMEOUT)?;
    let c = rand_cmd(&mut t.rng);
    let last_index = t.one(c, servers, Retry::Resubmit)?;
    let mut really = Vec::new();
    for index in 1..=last_index {
        match t.wait(index, servers, None)? {
            Some(c @ Cmd::Int(_)) => really.push(c),
            Some(other) => fail!("not an int: {other}"),
            None => fail!("wait({index}) returned no value"),
        }
    }
    for v in values.borrow().iter() {
        ensure!(really.contains(v), "didn't find a value {v}");
    }
    Ok(())
}

fn reliable_churn<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    churn(t, false)
}

fn unreliable_churn<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    churn(t, true)
}
