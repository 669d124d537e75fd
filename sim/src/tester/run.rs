//! The one run path of every tester: build the simulation, run the scenario's body,
//! check the lab's 120 s limit, let the suite add its parts, and assemble the outcome
//! once. The lab scenarios and the swarm both come through here.

use super::rig::{Base, Suite, Tester};
use crate::engine::{Duration, Instant, NodeId};
use crate::ensure;
use crate::outcome::{Blame, Outcome, RunId, Verdict};
use crate::scenario::RunConfig;
use raft_contract::Settings;

/// The lab's per-test limit (`checkTimeout` in the Raft tests, the same 120 s in kvraft),
/// checked when a scenario ends and used as the deadline of blocking KV operations.
pub const TEST_LIMIT: Duration = Duration::from_secs(120);

/// The lab's end-of-test check: the whole test must fit in 120 s of virtual time.
///
/// # Errors
/// The test took longer.
pub fn check_test_limit(now: Instant) -> Verdict {
    let took = now.saturating_since(Instant::ZERO);
    ensure!(
        took <= TEST_LIMIT,
        "test took longer than 120 seconds ({took} of virtual time)"
    );
    Ok(())
}

/// A message storm the run ended in the middle of sampling (see
/// [`crate::engine::send_rate`]): it passed its bound all the same.
fn storm<S: Suite>(t: &mut Tester<S>) -> Verdict {
    match t.sim.pending_storm() {
        None => Ok(()),
        Some(reason) => Err(crate::outcome::Failure(reason)),
    }
}

/// Runs `body` on a fresh simulation built from `setup`, every Raft node booted with
/// `settings` (the lab scenarios pass the shipped configuration, a swarm run its drawn
/// knobs) with the config's own [`RunConfig::settings`] over them, and returns the run's outcome under `id`: the body's verdict and the 120 s limit, then the suite's parts (a KV
/// history judged by the checker, metrics, clients' lanes), then the servers' lanes and
/// where a failure lies.
pub fn run<S: Suite>(
    id: RunId,
    config: &RunConfig,
    settings: &Settings,
    setup: S::Setup,
    body: impl FnOnce(&mut Tester<S>) -> Verdict,
) -> Outcome {
    let mut settings = settings.clone();
    for (name, value) in config.settings.iter() {
        settings.set(name, value);
    }
    let base = Base {
        seed: config.seed,
        keep_trace: config.keep_trace,
        settings,
        budget: config.budget.clone(),
        clocks: config.clocks.clone(),
        reads: config.reads,
    };
    let mut t = S::build(&base, setup);
    if config.unmonitored {
        t.clusters.unmonitor();
    }
    let verdict = body(&mut t)
        .and_then(|()| check_test_limit(t.now()))
        .and_then(|()| storm(&mut t));
    let body_failed = verdict.is_err();
    let mut parts = S::report(&mut t, &id.scenario, config, verdict);
    parts.lanes.servers = server_lanes(&t);
    parts.lanes.clusters = t.clusters.named();
    parts.blame = blame(&t, body_failed, parts.blame);
    Outcome::assemble(id, &t.sim, parts)
}

/// Each server's lane name: the trace's name, then its cluster's in a sharded run
/// (`n4 g100`).
fn server_lanes<S: Suite>(t: &Tester<S>) -> Vec<(NodeId, String)> {
    t.server_ids()
        .into_iter()
        .map(|node| {
            let cluster = t
                .clusters
                .member(node)
                .and_then(|(c, _)| t.clusters.name(c));
            let name = match cluster {
                None => node.to_string(),
                Some(c) => format!("{node} {}", c.short()),
            };
            (node, name)
        })
        .collect()
}

/// Where the failure lies: the checker's first illegal operation when only the history
/// failed, else a monitor's violation, else where the run stopped.
fn blame<S: Suite>(t: &Tester<S>, body_failed: bool, suite: Blame) -> Blame {
    if let (false, Blame::Operation(k)) = (body_failed, &suite) {
        return Blame::Operation(*k);
    }
    match t.clusters.violation() {
        Some((v, node)) => Blame::Event {
            event: v.event,
            node,
            headline: format!("{}: {}", v.property, v.detail),
        },
        None => Blame::End,
    }
}
