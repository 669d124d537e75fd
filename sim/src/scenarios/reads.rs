//! Reads without the log under faults (Raft thesis §6.4): a leader cut off from its
//! majority, and the clerk that still reaches only it, while the majority elects anew
//! and writes.
//!
//! Both scenarios set their own read mode (over `--reads`) and check the KV history for
//! linearizability, as every KV scenario does: a read that a deposed leader answers with
//! a value older than a write that completed before the read began is a stale read, and
//! the checker says so.
//! - [`read_index_partitioned`], by ReadIndex: the deposed leader cannot confirm a round
//!   with a majority, so it answers no read at all until the partition heals.
//! - [`lease_clock_drift`], by lease, under clocks drifting by the most the simulator
//!   allows (10 %): the old leader's clock runs slow and the others' fast, the worst case
//!   for a lease. Within the Raft's stated drift bound the lease lapses before anyone
//!   else can be elected; past it (our Raft with `--set lease_drift_ppm=20000`, a 2 %
//!   bound) the old leader serves a stale read the checker catches.
//!
//! Listed only for implementations that support the mode (`RaftFamily::READS`).

use crate::engine::clock::PPM_MAX;
use crate::engine::{Clock, Duration, NodeId};
use crate::implementation::Implementation;
use crate::outcome::{Outcome, Verdict};
use crate::scenario::{Part, RunConfig, Scenario};
use crate::tester::kv::{KvSetup, KvTester};
use crate::tester::ClerkSuite;
use kvraft::Op;
use raft_contract::ReadMode;

/// The read scenarios implementation `I` supports.
pub fn scenarios<I: Implementation>() -> Vec<Scenario> {
    let mut all = Vec::new();
    if I::READS.contains(&ReadMode::ReadIndex) {
        all.push(Scenario {
            name: "ReadIndexPartitioned",
            part: Part::Beyond,
            implementation: I::NAME,
            description: "reads by ReadIndex: a leader cut off from its majority answers no read while the others elect and write",
            run: read_index_partitioned::<I>,
        });
    }
    if I::READS.contains(&ReadMode::Lease) {
        all.push(Scenario {
            name: "LeaseClockDrift",
            part: Part::Beyond,
            implementation: I::NAME,
            description: "reads by lease, the old leader's clock 10% slow and the others' 10% fast: no stale read within the drift bound",
            run: lease_clock_drift::<I>,
        });
    }
    all
}

/// How long the two sides work apart.
const APART: Duration = Duration::from_secs(3);

/// The setup of both: five servers on a reliable network, every operation's history
/// checked.
const SETUP: KvSetup = KvSetup {
    servers: 5,
    unreliable: false,
    maxraftstate: None,
    check_history: true,
    members: None,
};

fn read_index_partitioned<I: Implementation>(config: &RunConfig) -> Outcome {
    run_reading::<I>("ReadIndexPartitioned", config, ReadMode::ReadIndex, false)
}

fn lease_clock_drift<I: Implementation>(config: &RunConfig) -> Outcome {
    run_reading::<I>("LeaseClockDrift", config, ReadMode::Lease, true)
}

/// Runs [`deposed_reads`] reading by `reads`, whatever `config` says: the scenario's
/// mode is part of it, so its replay command does not repeat it.
fn run_reading<I: Implementation>(
    name: &str,
    config: &RunConfig,
    reads: ReadMode,
    drift: bool,
) -> Outcome {
    let id = config.run_id(name, I::NAME);
    let config = RunConfig {
        reads,
        ..config.clone()
    };
    let settings = raft_contract::Settings::defaults();
    crate::tester::run(id, &config, &settings, SETUP, |t: &mut KvTester<I>| {
        deposed_reads(t, drift)
    })
}

/// The body of both scenarios.
///
/// 1. A clerk writes `x`, so that the leader has committed in its term and serves reads
///    without the log. With `drift`, the leader's clock is then set 10 % slow and every
///    other server's 10 % fast (from now on, without a step), and one more write lets the
///    leader renew its lease under those clocks.
/// 2. A clerk that reaches only the leader reads `x`: the read the scenario is about.
/// 3. The leader is cut off from the other servers. For [`APART`], the clerk on its side
///    reads `x` over and over, and a clerk on the majority's side writes and reads `x` in
///    turn, each operation as soon as the last returned.
/// 4. The partition heals, both clerks finish, and the history is checked.
///
/// Asserts, besides the history, that the majority's side completed at least two
/// operations while apart (a new leader was elected).
fn deposed_reads<I: Implementation>(t: &mut KvTester<I>, drift: bool) -> Verdict {
    let all = t.all();
    let setup = t.make_client(&all);
    t.put(setup, "x", "0")?;
    let leader = t
        .leader()
        .ok_or_else(|| crate::outcome::Failure("no leader after a write".into()))?;
    let others: Vec<usize> = all.iter().copied().filter(|&i| i != leader).collect();
    if drift {
        for &i in &all {
            let ppm = if i == leader { -PPM_MAX } else { PPM_MAX };
            let id = t.server_id(i);
            let clock = Clock::new(Duration::ZERO, ppm, Vec::new()).expect("within PPM_MAX");
            t.sim.set_clock(id, clock);
        }
        t.put(setup, "x", "1")?;
    }
    let old_side = t.make_client(&[leader]);
    let new_side = t.make_client(&others);
    t.get(old_side, "x")?;
    t.partition(&others, &[leader]);
    t.sim
        .note(|| format!("reads: leader {leader} cut off from {others:?}"));
    let cut = t.now();
    let (mut done, mut started) = (0u64, 0u64);
    while t.now() < cut + APART {
        keep_busy(t, old_side, || Op::Get { key: "x".into() })?;
        done += u64::from(t.has_result(new_side));
        // The majority's clerk writes and reads in turn: its reads make the new leader
        // serve reads too, which Lease Safety compares with the old leader's lease.
        let op = if started % 2 == 0 {
            Op::Put {
                key: "x".into(),
                value: format!("w{started}"),
            }
        } else {
            Op::Get { key: "x".into() }
        };
        started += u64::from(keep_busy(t, new_side, || op)?);
        t.sleep(Duration::from_millis(1))?;
    }
    crate::ensure!(
        done >= 2,
        "the majority's side completed {done} operation(s) in {APART} apart: no new leader"
    );
    t.connect_all();
    t.connect_client(old_side, &all);
    let deadline = t.now() + Duration::from_secs(10);
    let idle = |t: &KvTester<I>, c: NodeId| !t.suite.recorder().is_open(c) || t.has_result(c);
    let done = t.run_until(deadline, |t| idle(t, old_side) && idle(t, new_side))?;
    crate::ensure!(done, "the clerks did not finish within 10 s of the heal");
    Ok(())
}

/// Keeps `clerk` busy: takes its result if it returned, and starts `op()` if it is idle.
/// True if it started one.
fn keep_busy<I: Implementation>(
    t: &mut KvTester<I>,
    clerk: NodeId,
    op: impl FnOnce() -> Op,
) -> Result<bool, crate::outcome::Failure> {
    if t.has_result(clerk) {
        t.take_result(clerk);
    }
    if t.suite.recorder().is_open(clerk) {
        return Ok(false);
    }
    t.begin(clerk, op())?;
    Ok(true)
}
