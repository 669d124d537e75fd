//! Engine tests driven by the ping demo: determinism, crash semantics, tracing, and a
//! trace-as-test snapshot.

use sim::demo::{build, PingNode, PingPlan};
use sim::engine::{Duration, NetConfig, NodeId, Sim, SimOptions};
use sim::outcome::Outcome;
use sim::registry::{find, registry, run};
use sim::scenario::RunConfig;

fn ping_faults(seed: u64, keep_trace: bool) -> Outcome {
    let scenario = find(&registry(), "PingFaults").expect("PingFaults is registered");
    let config = RunConfig {
        seed,
        keep_trace,
        keep_history: false,
        schedule: None,
        unmonitored: false,
        ..RunConfig::default()
    };
    run(&scenario, &config)
}

#[test]
fn ping_faults_same_seed_same_trace_hash() {
    for seed in 0..5 {
        let a = ping_faults(seed, false);
        let b = ping_faults(seed, false);
        assert!(
            a.passed(),
            "seed {seed}: {:?}; replay: {}",
            a.failure,
            a.replay_command()
        );
        assert_eq!(
            a.trace_hash, b.trace_hash,
            "seed {seed} is not deterministic"
        );
        assert_eq!((a.events, a.virtual_time), (b.events, b.virtual_time));
    }
}

#[test]
fn ping_faults_different_seeds_differ() {
    let hashes: std::collections::BTreeSet<u64> = (0..20)
        .map(|seed| ping_faults(seed, false).trace_hash)
        .collect();
    assert_eq!(hashes.len(), 20, "some seeds gave the same trace");
}

#[test]
fn ping_faults_trace_text_does_not_change_the_hash() {
    let plain = ping_faults(3, false);
    let traced = ping_faults(3, true);
    assert_eq!(plain.trace_hash, traced.trace_hash);
    let text = traced.trace.expect("trace kept");
    for word in [
        "deliver",
        "drop:lost",
        "drop:nolink",
        "drop:dead",
        "timer",
        "crash",
        "restart",
        "fault",
        "save",
    ] {
        assert!(text.contains(word), "trace never shows {word}");
    }
}

#[test]
fn ping_faults_passes_over_many_seeds() {
    for seed in 0..50 {
        let o = ping_faults(seed, false);
        assert!(
            o.passed(),
            "seed {seed}: {:?}; replay: {}",
            o.failure,
            o.replay_command()
        );
    }
}

fn two_nodes() -> Sim<PingNode> {
    build(
        1,
        false,
        PingPlan {
            clients: 1,
            pings: 3,
        },
    )
}

#[test]
fn crash_loses_messages_in_flight_even_after_restart() {
    let mut sim = two_nodes();
    let deadline = sim.now() + Duration::from_millis(1);
    assert!(sim.run_until(deadline, |s| s.stats(NodeId(1)).sent == 1));
    // The client's first ping is in flight (latency >= 0.5 ms) when the server crashes
    // and restarts at the same instant: it was addressed to the old incarnation.
    sim.crash(NodeId(0));
    sim.restart(NodeId(0), PingNode::server);
    sim.run_for(Duration::from_millis(2));
    assert_eq!(sim.stats(NodeId(0)).delivered, 0);
    assert_eq!(sim.stats(NodeId(1)).dropped, 1);
    // The retry timer brings the ping through to the new incarnation, and the rest follow.
    sim.run_for(Duration::from_millis(60));
    assert_eq!(sim.stats(NodeId(0)).requests_delivered, 3);
    assert!(sim.node(NodeId(1)).is_some_and(PingNode::finished));
}

#[test]
fn crash_cancels_timers_and_keeps_disk() {
    let mut sim = two_nodes();
    sim.run_for(Duration::from_millis(2));
    sim.crash(NodeId(1));
    let sent = sim.stats(NodeId(1)).sent;
    sim.run_for(Duration::from_secs(1));
    assert_eq!(
        sim.stats(NodeId(1)).sent,
        sent,
        "a crashed client's timers must not fire"
    );
    let saved = sim.disk(NodeId(0)).clone();
    let Some(&PingNode::Server { served }) = sim.node(NodeId(0)) else {
        panic!("server down")
    };
    assert!(served >= 1);
    assert_eq!(
        saved.raft_state(),
        &served.to_le_bytes(),
        "every ping saved"
    );
    sim.crash(NodeId(0));
    assert_eq!(sim.disk(NodeId(0)), &saved, "the disk survives a crash");
    sim.restart(NodeId(0), PingNode::server);
    assert!(matches!(sim.node(NodeId(0)), Some(PingNode::Server { served: s }) if *s == served));
}

#[test]
fn send_to_crashed_node_is_dropped_as_dead() {
    let mut sim = two_nodes();
    sim.crash(NodeId(0));
    sim.run_for(Duration::from_millis(200));
    let s = sim.stats(NodeId(1));
    assert!(s.sent >= 4 && s.sent == s.dropped, "{s:?}");
    assert_eq!(sim.stats(NodeId(0)).delivered, 0);
}

#[test]
fn with_node_effects_are_applied() {
    let mut sim = two_nodes();
    sim.run_for(Duration::from_millis(100));
    let _ = sim.take_outputs();
    // Poke the server from outside: its message must go out through the engine.
    let sent_before = sim.stats(NodeId(0)).sent;
    sim.with_node(NodeId(0), |_, ctx| {
        ctx.send(NodeId(1), sim::demo::PingMsg::Pong { seq: 99, served: 0 })
    });
    assert_eq!(sim.stats(NodeId(0)).sent, sent_before + 1);
    sim.crash(NodeId(0));
    assert!(
        sim.with_node(NodeId(0), |_, _| ()).is_none(),
        "crashed nodes cannot be called"
    );
}

#[test]
fn run_until_stops_at_predicate_or_deadline() {
    let mut sim = two_nodes();
    let deadline = sim.now() + Duration::from_secs(5);
    let done = sim.run_until(deadline, |s| {
        s.node(NodeId(1)).is_some_and(PingNode::finished)
    });
    assert!(done);
    assert!(sim.now() < deadline);
    let mut idle: Sim<PingNode> = Sim::new(0, NetConfig::default(), SimOptions::default());
    let deadline = idle.now() + Duration::from_millis(7);
    assert!(!idle.run_until(deadline, |_| false));
    assert_eq!(idle.now(), deadline, "the clock moves to the deadline");
}

/// A short scripted ping run through every fault, as a readable trace.
#[test]
fn ping_trace_snapshot() {
    let mut sim = build(
        7,
        true,
        PingPlan {
            clients: 1,
            pings: 8,
        },
    );
    let (server, client) = (NodeId(0), NodeId(1));
    sim.run_for(Duration::from_millis(3));
    sim.set_reliable(false);
    sim.run_for(Duration::from_millis(60));
    sim.set_reliable(true);
    sim.set_link(client, server, false);
    sim.run_for(Duration::from_millis(60));
    sim.set_link(client, server, true);
    sim.crash(server);
    sim.run_for(Duration::from_millis(60));
    sim.restart(server, PingNode::server);
    sim.set_duplicate_probability(0.5);
    sim.set_long_reordering(true);
    sim.run_for(Duration::from_secs(3));
    insta::assert_snapshot!(sim.trace().text().expect("trace kept"));
}

/// The time `clients` ping clients of `pings` each take on a server whose handlers each
/// take `service` (and whether they all finished within 10 virtual seconds).
fn ping_load(service: Duration, clients: usize, pings: u64) -> (Duration, bool) {
    let mut sim = build(7, false, PingPlan { clients, pings });
    if service > Duration::ZERO {
        sim.set_service_time(NodeId(0), service);
    }
    let deadline = sim.now() + Duration::from_secs(10);
    let done = sim.run_until(deadline, |s| {
        (1..=clients as u32).all(|c| s.node(NodeId(c)).is_some_and(PingNode::finished))
    });
    (sim.now() - sim::engine::Instant::ZERO, done)
}

#[test]
fn service_time_bounds_a_servers_throughput() {
    // 10 clients x 20 pings: a round trip is 1-3 ms, so without a processor model the
    // server keeps up with everyone at once.
    let (free, done) = ping_load(Duration::ZERO, 10, 20);
    assert!(done, "unloaded run finished");
    assert!(free < Duration::from_millis(100), "took {free}");
    // At 2 ms per handler the server serves at most 500 pings a second: the last of 200
    // pings starts at least 199 x 2 ms after the first, whatever the clients do.
    let (busy, done) = ping_load(Duration::from_millis(2), 10, 20);
    assert!(done, "loaded run finished");
    assert!(busy >= Duration::from_millis(2 * 199), "took {busy}");
    assert!(busy < Duration::from_millis(800), "took {busy}");
}
