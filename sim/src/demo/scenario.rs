//! The demo scenario: ping/echo under every fault the engine offers.

use super::ping::{PingNode, PingOutput};
use crate::engine::{Duration, Instant, NetConfig, NodeId, Sim, SimOptions};
use crate::outcome::{Outcome, Parts, Verdict};
use crate::scenario::{Part, RunConfig, Scenario};
use crate::{ensure, fail};

/// The demo's scenarios.
pub fn scenarios() -> Vec<Scenario> {
    vec![Scenario {
        name: "PingFaults",
        part: Part::Demo,
        implementation: "",
        description: "ping/echo with retries through loss, delay, partitions, one-way cuts, crash/restart, reordering and duplication",
        run: run_ping_faults,
    }]
}

/// Sizes of a ping run.
#[derive(Clone, Copy, Debug)]
pub struct PingPlan {
    /// Number of clients.
    pub clients: usize,
    /// Pings each client must complete.
    pub pings: u64,
}

fn run_ping_faults(config: &RunConfig) -> Outcome {
    let plan = PingPlan {
        clients: 2,
        pings: 40,
    };
    let mut sim = build_with(config.seed, config.sim_options(), plan);
    let verdict = faults(&mut sim, plan);
    Outcome::assemble(
        config.run_id("PingFaults", ""),
        &sim,
        Parts::of_verdict(verdict),
    )
}

/// A simulation with one ping server (node 0) and `plan.clients` clients, all connected.
pub fn build(seed: u64, keep_trace: bool, plan: PingPlan) -> Sim<PingNode> {
    let options = SimOptions {
        keep_trace,
        ..SimOptions::default()
    };
    build_with(seed, options, plan)
}

/// [`build`] with every option of the simulation (a run's budget, say).
pub fn build_with(seed: u64, options: SimOptions, plan: PingPlan) -> Sim<PingNode> {
    let mut sim = Sim::new(seed, NetConfig::default(), options);
    let server = sim.add_node(PingNode::server);
    let mut all = vec![server];
    for _ in 0..plan.clients {
        all.push(sim.add_node(|_| PingNode::client(server, plan.pings)));
    }
    for &n in &all {
        sim.connect(n, &all);
    }
    sim
}

fn served(sim: &Sim<PingNode>) -> Option<u64> {
    match sim.node(NodeId(0)) {
        Some(PingNode::Server { served }) => Some(*served),
        _ => None,
    }
}

/// Walks through every fault, then requires every client to finish and the server's
/// durable count never to go backwards.
fn faults(sim: &mut Sim<PingNode>, plan: PingPlan) -> Verdict {
    let server = NodeId(0);
    let clients: Vec<NodeId> = (1..=plan.clients as u32).map(NodeId).collect();
    let all: Vec<NodeId> = std::iter::once(server)
        .chain(clients.iter().copied())
        .collect();
    let mut highest = 0;
    let mut check = |sim: &mut Sim<PingNode>| -> Verdict {
        for obs in sim.take_outputs() {
            let (node, PingOutput::Done { seq, served }) = (obs.node, obs.output);
            ensure!(
                served >= seq,
                "{node}: ping #{seq} answered with served={served}"
            );
            highest = highest.max(served);
        }
        Ok(())
    };
    sim.run_for(Duration::from_millis(20));
    check(sim)?;
    sim.set_reliable(false);
    sim.run_for(Duration::from_millis(60));
    check(sim)?;
    sim.partition(&[&all[..2], &all[2..]]);
    sim.run_for(Duration::from_millis(60));
    sim.heal(&all);
    check(sim)?;
    sim.set_link(clients[0], server, false);
    sim.run_for(Duration::from_millis(60));
    sim.set_link(clients[0], server, true);
    check(sim)?;
    let before = served(sim).unwrap_or_default();
    sim.crash(server);
    sim.run_for(Duration::from_millis(60));
    sim.restart(server, PingNode::server);
    ensure!(
        served(sim) == Some(before),
        "server restarted with served={:?}, saved {before}",
        served(sim)
    );
    sim.set_reliable(true);
    sim.set_long_reordering(true);
    sim.set_duplicate_probability(0.2);
    let deadline = sim.now() + Duration::from_secs(30);
    let done = sim.run_until(deadline, |s| {
        clients
            .iter()
            .all(|&c| s.node(c).is_some_and(PingNode::finished))
    });
    check(sim)?;
    if !done {
        fail!("clients did not finish by {deadline}");
    }
    ensure!(
        served(sim).unwrap_or_default() >= highest,
        "server count went backwards below {highest}"
    );
    ensure!(sim.now() > Instant::ZERO, "no time passed");
    Ok(())
}
