//! The two phases every swarm workload shares: the fault phase (the profile's network
//! and the schedule's driver), and the liveness phase after it, in which every link
//! heals, every server restarts, the network turns reliable and the system must make
//! progress within [`LIVENESS_BOUND`].

use super::driver::{heal, FaultDriver, NetFaults};
use super::schedule::Plan;
use crate::cluster::ELECTION_TIMEOUT;
use crate::engine::{Duration, NetConfig, NodeId};
use crate::outcome::{Failure, Verdict};
use crate::tester::{ClerkSuite, Suite, Tester};
use kvraft::Op;
use std::cell::Cell;
use std::rc::Rc;

/// How long the system has, once every fault stopped, to commit a fresh command on every
/// server (raft) or to complete every clerk's operation (kv): ten election timeouts.
pub const LIVENESS_BOUND: Duration = Duration::from_secs(10);

/// The profile's network, on top of the engine's default.
fn profile_network(plan: &Plan) -> NetConfig {
    let p = &plan.profile;
    let faults = NetFaults {
        loss: p.loss,
        duplicate: p.duplicate,
        delay_ms_max: p.delay_ms_max,
        long_reordering: p.long_reordering,
    };
    faults.on(&NetConfig::default())
}

/// Starts the fault phase: the profile's network and the schedule's driver, which stops
/// when `stop` is set.
pub fn start_faults<S: Suite>(t: &mut Tester<S>, plan: &Plan, stop: &Rc<Cell<bool>>) {
    let base = profile_network(plan);
    t.sim.set_net_config(base.clone());
    t.spawn(FaultDriver::new(plan.faults.clone(), base, stop.clone()));
}

/// Ends every fault: the driver stops, the trap is disarmed, links heal, servers
/// restart and the network is the default reliable one.
///
/// # Errors
/// A check or monitor that fails on a restarted server.
pub fn stop_faults<S: Suite>(t: &mut Tester<S>, stop: &Rc<Cell<bool>>) -> Verdict {
    stop.set(true);
    t.trap = None;
    heal(t);
    for i in 0..t.server_ids().len() {
        t.restart_server(i)?;
    }
    t.sim.set_net_config(NetConfig::default());
    Ok(())
}

/// "no progress": what did not happen, and where each server stands.
pub fn no_progress<S: Suite>(t: &Tester<S>, what: &str) -> Failure {
    let mut text = format!("no progress: {what} within {LIVENESS_BOUND} after every fault stopped");
    for i in 0..t.server_ids().len() {
        text.push('\n');
        text.push_str(&t.describe(i));
    }
    Failure(text)
}

/// A fresh clerk `reader` reads every key, each within ten election timeouts: the
/// service answers after the faults.
///
/// # Errors
/// A failure while waiting, or a read that did not complete in time.
pub fn read_every_key<S: ClerkSuite>(
    t: &mut Tester<S>,
    reader: NodeId,
    keys: &[String],
) -> Verdict {
    for key in keys {
        t.begin(reader, Op::Get { key: key.clone() })?;
        let deadline = t.now() + ELECTION_TIMEOUT * 10;
        if !t.run_until(deadline, |t| t.has_result(reader))? {
            return Err(no_progress(
                t,
                &format!("a fresh clerk's Get({key}) did not complete"),
            ));
        }
        t.take_result(reader);
    }
    Ok(())
}

/// The longest stable majority window a run that checks liveness during faults saw,
/// as its metric `stable_window_ms_max`.
pub fn push_longest<S: Suite>(t: &mut Tester<S>, plan: &Plan, longest: &Cell<Duration>) {
    if plan.profile.live_during_faults {
        let ms = longest.get().as_millis() as f64;
        t.metrics.push(("stable_window_ms_max".into(), ms));
    }
}
