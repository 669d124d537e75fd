//! Seeds-file parsing: 40,000 entries, the size at which the old parser (a linear scan
//! per entry for repeats) took seconds.
//!
//! Target (issue 12 §4): linear, or near it: a file of 40,000 entries parses in
//! milliseconds, not seconds.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sim::cli::replay::seeds::parse;

/// The allocator the `raftsim` binary uses, so the figures match what it runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const ENTRIES: u64 = 40_000;

fn seeds(c: &mut Criterion) {
    let text: String = (0..ENTRIES)
        .map(|seed| format!("PingFaults {seed}  # kept because of bug {seed}\n"))
        .collect();
    let mut group = c.benchmark_group("seeds");
    group.throughput(Throughput::Elements(ENTRIES));
    group.sample_size(20);
    group.bench_function("parse_40000_entries", |b| {
        b.iter(|| {
            let entries = parse("bench.txt", &text).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(entries.len() as u64, ENTRIES);
            entries
        })
    });
    group.finish();
}

criterion_group!(benches, seeds);
criterion_main!(benches);
