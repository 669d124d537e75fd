//! Per-node clocks (issue 24 §1): a node reads its local time and counts its timers in it,
//! the testers stay in true time, a clock survives crashes, the trace shows local time
//! only for clocks that are not the identity, and runs with drawn clocks are
//! deterministic.

use serde::Serialize;
use sim::engine::{
    Clock, ClockBounds, Context, Duration, Instant, Jump, NetConfig, Node, NodeId, Payload,
    PayloadKind, Sim, SimOptions, SimRng,
};
use sim::registry::{find, registry, run};
use sim::scenario::{RunConfig, Schedule};
use sim::swarm::schedule::Plan;
use sim::swarm::server_clock::ServerClock;
use sim::swarm::Workload;
use std::sync::Arc;

/// A message the ticker never sends.
#[derive(Clone, Debug, Serialize)]
struct Silence;

impl Payload for Silence {
    fn kind(&self) -> PayloadKind {
        PayloadKind::Service("Silence")
    }
}

/// A node that reports its local time at its start and then every `every` of local time.
struct Ticker {
    every: Duration,
}

impl Node for Ticker {
    type Msg = Silence;
    type Timer = &'static str;
    type Output = Instant;

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        ctx.output(ctx.now());
        ctx.set_timer(self.every, "tick");
    }

    fn on_message(&mut self, _: &mut Context<'_, Self>, _: NodeId, _: Silence) {}

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, _: &'static str) {
        ctx.output(ctx.now());
        ctx.set_timer(self.every, "tick");
    }
}

fn sim(keep_trace: bool) -> Sim<Ticker> {
    let options = SimOptions {
        keep_trace,
        ..SimOptions::default()
    };
    Sim::new(1, NetConfig::default(), options)
}

fn ticker() -> impl FnOnce(sim::engine::NodeInit<'_>) -> Ticker {
    |_| Ticker {
        every: Duration::from_secs(1),
    }
}

/// (true instant, local time the node read) of every report, for `ticks` ticks.
fn ticks_on(clock: Clock, ticks: u64) -> Vec<(Instant, Instant)> {
    let mut s = sim(false);
    s.add_node_with_clock(clock, ticker());
    let mut seen = Vec::new();
    while seen.len() < ticks as usize + 1 {
        assert!(s.step(), "the ticker always has a timer set");
        seen.extend(s.take_outputs().into_iter().map(|o| (o.at, o.output)));
    }
    seen
}

fn ppm(ppm: i64) -> Clock {
    Clock::new(Duration::ZERO, ppm, Vec::new()).expect("a valid clock")
}

#[test]
fn clock_fast_and_slow_timers_fire_earlier_and_later_in_true_time() {
    let ten = ticks_on(Clock::IDENTITY, 10);
    assert_eq!(
        ten[10],
        (Instant::from_millis(10_000), Instant::from_millis(10_000))
    );
    // 10 s of local time at +1000 ppm take 10 s / 1.001 of true time: 9.990 ms early;
    // at -1000 ppm 10 s / 0.999: 10.010 ms late (to within a few ns of rounding).
    for (rate, true_ns) in [(1_000, 9_990_009_990u64), (-1_000, 10_010_010_010)] {
        let seen = ticks_on(ppm(rate), 10);
        let (at, local) = seen[10];
        assert!(
            at.0.abs_diff(true_ns) <= 10,
            "{rate} ppm: 10th tick at {at:?}"
        );
        // The node sees its timers fire on time in its own time: a fast clock can pass
        // its deadline by a nanosecond (it reads 1.001 ns per ns), and each tick is set
        // from the time read at the one before, so at most k ns late by tick k.
        for (k, &(_, local)) in seen.iter().enumerate() {
            let due = Instant::from_millis(1_000 * k as u64);
            let late = local.0 - due.0;
            assert!(
                local >= due && late <= k as u64,
                "{rate} ppm tick {k}: {local:?}"
            );
        }
        assert!(local >= Instant::from_millis(10_000));
    }
}

#[test]
fn clock_offset_and_jump_shift_what_the_node_reads() {
    let jump = Jump {
        at: Instant::from_millis(2_500),
        by: Duration::from_millis(700),
    };
    let clock = Clock::new(Duration::from_millis(40), 0, vec![jump]).expect("valid");
    let seen = ticks_on(clock, 4);
    let ms = Instant::from_millis;
    // Started at local 40 ms; ticks at local 1.04 s and 2.04 s; the jump at true 2.5 s
    // carries local time past 3.04 s at once, so the third tick fires then.
    assert_eq!(seen[0], (ms(0), ms(40)));
    assert_eq!(seen[1], (ms(1_000), ms(1_040)));
    assert_eq!(seen[2], (ms(2_000), ms(2_040)));
    assert_eq!(seen[3], (ms(2_500), ms(3_240)));
    assert_eq!(seen[4], (ms(3_500), ms(4_240)));
}

#[test]
fn clock_survives_crash_and_restart() {
    let mut s = sim(false);
    let id = s.add_node_with_clock(ppm(50_000), ticker());
    s.run_for(Duration::from_millis(2_500));
    s.crash(id);
    s.run_for(Duration::from_millis(500));
    s.restart(id, ticker());
    let restarted = s.take_outputs().pop().expect("the restart reports");
    assert_eq!(restarted.at, Instant::from_millis(3_000));
    assert_eq!(
        restarted.output,
        Instant::from_millis(3_150),
        "5% fast, not reset"
    );
    assert_eq!(s.local_now(id), Instant::from_millis(3_150));
    assert_eq!(s.clock(id), &ppm(50_000));
}

#[test]
fn clock_set_mid_run_keeps_local_time_continuous() {
    let mut s = sim(true);
    let id = s.add_node(ticker());
    s.run_for(Duration::from_millis(1_500));
    s.set_clock(
        id,
        Clock::new(Duration::from_secs(9), 100_000, Vec::new()).expect("valid"),
    );
    assert_eq!(
        s.local_now(id),
        Instant::from_millis(1_500),
        "no step, offset not applied"
    );
    s.run_for(Duration::from_millis(1_000));
    assert_eq!(
        s.local_now(id),
        Instant::from_millis(2_600),
        "10% fast from 1.5 s on"
    );
    let text = s.trace().text().expect("kept").to_string();
    assert!(
        text.contains("fault       n0        clock offset=9s ppm=100000 jumps=[] local=1.500000s"),
        "{text}"
    );
}

/// Two tickers, one of them on `clock`: the kept trace.
fn two_tickers(clock: Option<Clock>) -> (u64, String) {
    let mut s = sim(true);
    s.add_node(ticker());
    match clock {
        None => s.add_node(ticker()),
        Some(clock) => s.add_node_with_clock(clock, ticker()),
    };
    s.run_for(Duration::from_millis(2_100));
    let text = s.trace().text().expect("kept").to_string();
    (s.trace().hash(), text)
}

#[test]
fn clock_trace_shows_local_time_only_for_clocks_not_the_identity() {
    let plain = two_tickers(None);
    assert_eq!(
        two_tickers(Some(Clock::IDENTITY)),
        plain,
        "identity: byte for byte"
    );
    assert!(!plain.1.contains("local="));
    let offset = Clock::new(Duration::from_millis(250), 0, Vec::new()).expect("valid");
    let (hash, text) = two_tickers(Some(offset));
    assert_eq!(hash, plain.0, "an offset alone moves no timer in true time");
    for line in text.lines() {
        let about_n1 = line.contains(" n1 ");
        assert_eq!(line.contains(" local="), about_n1, "{line}");
    }
    assert!(
        text.contains("   1.000000s timer       n1        \"tick\" local=1.250000s"),
        "{text}"
    );
    assert!(
        text.contains("   1.000000s timer       n0        \"tick\"\n"),
        "{text}"
    );
}

/// The servers' clocks a seed draws, in a schedule's units.
fn drawn_clocks(seed: u64, servers: usize) -> Vec<ServerClock> {
    let mut rng = SimRng::new(seed);
    (0..servers)
        .map(|i| {
            let clock = Clock::draw(&mut rng, &ClockBounds::default());
            ServerClock::of(i, &clock).expect("drawn in whole milliseconds")
        })
        .collect()
}

fn scheduled(plan: &Plan) -> RunConfig {
    RunConfig {
        seed: plan.seed,
        schedule: Some(Arc::new(Schedule {
            path: String::new(),
            json: plan.to_json(),
        })),
        ..RunConfig::default()
    }
}

#[test]
fn clock_drawn_swarm_schedule_is_deterministic_and_round_trips() {
    let scenario = find(&registry(), "SwarmKv").expect("registered");
    for seed in [3, 11] {
        let mut plan = Plan::generate(Workload::Kv, "ours", raft::config::KNOBS, seed);
        let plain = run(&scenario, &scheduled(&plan));
        plan.clocks = drawn_clocks(seed, plan.profile.servers);
        assert_eq!(
            Plan::from_json(&plan.to_json()),
            Ok(plan.clone()),
            "round trip"
        );
        let a = run(&scenario, &scheduled(&plan));
        let b = run(&scenario, &scheduled(&plan));
        assert!(a.passed(), "seed {seed}: {:?}", a.failure);
        assert_eq!(
            (a.trace_hash, a.events),
            (b.trace_hash, b.events),
            "seed {seed}"
        );
        assert_ne!(
            a.trace_hash, plain.trace_hash,
            "seed {seed}: the clocks changed nothing"
        );
    }
}

#[test]
fn clock_drawn_lab_election_passes_and_is_deterministic() {
    let scenario = find(&registry(), "InitialElection2A").expect("registered");
    for seed in 0..4 {
        let clocks = drawn_clocks(100 + seed, 3)
            .iter()
            .map(ServerClock::clock)
            .collect();
        let config = RunConfig {
            seed,
            clocks,
            ..RunConfig::default()
        };
        let a = run(&scenario, &config);
        let b = run(&scenario, &config);
        assert!(a.passed(), "seed {seed}: {:?}", a.failure);
        assert_eq!(a.trace_hash, b.trace_hash, "seed {seed}");
        let plain = run(
            &scenario,
            &RunConfig {
                seed,
                ..RunConfig::default()
            },
        );
        assert_ne!(a.trace_hash, plain.trace_hash, "seed {seed}");
    }
}
