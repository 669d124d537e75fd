//! Engine throughput: events per second for the ping demo, with tracing off and on.
//!
//! Target (issue 2): the engine's own cost below 200 ns per event, i.e. at least five
//! million events per second with tracing off.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use sim::demo::{build, PingNode, PingPlan};
use sim::engine::{Duration, Sim};

/// The allocator the `raftsim` binary uses, so the figures match what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs 50 clients pinging one server for one virtual second; returns events processed.
fn ping_second(seed: u64, keep_trace: bool) -> u64 {
    let plan = PingPlan {
        clients: 50,
        pings: u64::MAX,
    };
    let mut sim: Sim<PingNode> = build(seed, keep_trace, plan);
    sim.run_for(Duration::from_secs(1));
    sim.events()
}

fn engine(c: &mut Criterion) {
    let events = ping_second(1, false);
    let mut group = c.benchmark_group("engine");
    group.throughput(Throughput::Elements(events));
    group.sample_size(20);
    for keep_trace in [false, true] {
        let name = if keep_trace { "trace_on" } else { "trace_off" };
        group.bench_with_input(
            BenchmarkId::new("ping_50_clients_1s", name),
            &keep_trace,
            |b, &t| b.iter(|| ping_second(1, t)),
        );
    }
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
