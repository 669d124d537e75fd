//! Criterion benches over the Porcupine corpus, single-threaded (`parallel: false`), to
//! compare with Porcupine 1.3.0's figures (see the checker README), and over synthetic KV
//! histories: long sequential ones (memory linear in the length) and concurrent appends
//! with a final read (TestUnreliableOneKey's shape), and single-key histories of thousands
//! of operations with one corrupted read; and histories recorded by raftsim runs.
//!
//! `cargo bench -p checker` measures; `cargo test` runs each bench once as a smoke test.
//! The corpus is read from `../shared/data/porcupine` (or `RAFTSIM_PORCUPINE_DATA`); when it
//! is missing the corpus benches are skipped, except under `CI=true`, where that is an
//! error.

use std::time::Duration;

use checker::*;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};

#[path = "../tests/support/corpus.rs"]
mod support;
use support::corpus;

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn kv(dir: &std::path::Path, name: &str) -> Vec<Operation<KvInput, KvOutput>> {
    parse_kv_edn(&read(dir, name), name).unwrap_or_else(|e| panic!("{e}"))
}

fn single_core() -> CheckOptions {
    CheckOptions {
        parallel: false,
        ..CheckOptions::default()
    }
}

fn jepsen(c: &mut Criterion, dir: &std::path::Path) {
    let logs: Vec<Vec<Operation<RegisterInput, RegisterOutput>>> = (0..103)
        .map(|k| {
            let name = format!("jepsen/etcd_{k:03}.log");
            match parse_jepsen_log(&read(dir, &name), &name) {
                Ok(ops) => ops,
                // The empty etcd_095, which the checker refuses to judge: it costs nothing
                // to check, so it stays in the figure as an empty history.
                Err(Error::Empty { .. }) => Vec::new(),
                Err(e) => panic!("{e}"),
            }
        })
        .collect();
    let mut group = c.benchmark_group("jepsen");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    group.bench_function("all_103_logs", |b| {
        b.iter(|| {
            logs.iter()
                .filter(|ops| {
                    check_operations(&RegisterModel, ops, &single_core()).verdict == Verdict::Ok
                })
                .count()
        })
    });
    for k in [2usize, 7] {
        group.bench_with_input(
            BenchmarkId::new("etcd", format!("{k:03}")),
            &logs[k],
            |b, ops| b.iter(|| check_operations(&RegisterModel, ops, &single_core()).verdict),
        );
    }
    group.finish();
}

fn kv_logs(c: &mut Criterion, dir: &std::path::Path) {
    let mut group = c.benchmark_group("kv");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let c50_ok = kv(dir, "kv/c50-ok.txt");
    group.bench_function("c50_ok", |b| {
        b.iter(|| check_operations(&KvModel::new(), &c50_ok, &single_core()).verdict)
    });
    for name in ["c10-ok", "c10-bad"] {
        let ops = kv(dir, &format!("kv/{name}.txt"));
        group.bench_function(format!("{name}_unpartitioned"), |b| {
            b.iter(|| check_operations(&KvModel::unpartitioned(), &ops, &single_core()).verdict)
        });
    }
    let c50_bad = kv(dir, "kv/c50-bad.txt");
    group.bench_function("c50_bad_explain_first_failure", |b| {
        b.iter(|| {
            let result = check_operations(&KvModel::new(), &c50_bad, &single_core());
            result
                .explain_first_failure(&KvModel::new(), &c50_bad)
                .map(|e| e.prefix.len())
        })
    });
    // Every partition to the end, memory bounded by the cache limit: the hard partitions
    // end Unknown instead of exhausting RAM.
    let bounded = CheckOptions {
        scope: Scope::AllPartitions,
        cache_limit: Some(400_000),
        ..single_core()
    };
    group.bench_function("c50_bad_all_partitions_400k_limit", |b| {
        b.iter(|| check_operations(&KvModel::new(), &c50_bad, &bounded).verdict)
    });
    group.finish();
}

fn synthetic_histories(c: &mut Criterion) {
    let mut group = c.benchmark_group("synthetic");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    let order: Vec<usize> = (0..10).rev().collect();
    let cases = [
        ("sequential_gets_100k", synthetic::sequential_gets(100_000)),
        ("sequential_mix_100k", synthetic::sequential_mix(100_000)),
        (
            "concurrent_appends_10",
            synthetic::concurrent_appends(10, &order),
        ),
        (
            "one_key_appends_5x10",
            synthetic::one_key_appends(5, 10, 0).0,
        ),
    ];
    for (name, ops) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| check_operations(&KvModel::new(), ops, &single_core()).verdict)
        });
    }
    group.finish();
}

/// Single-key histories of thousands of operations (22 clients, appends and gets) with one
/// corrupted read: a byte changed (a value never written: decided before the search) or a
/// lost appended piece (a value the writes can spell: the search must refute it).
fn corrupted_single_key(c: &mut Criterion) {
    use synthetic::{corrupt_read, one_key_mixed, Corruption};
    let mut group = c.benchmark_group("one_key_corrupted");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    for per_client in [45, 163] {
        let history = one_key_mixed(22, per_client, 0);
        let ops = history.len();
        for how in [Corruption::Byte, Corruption::Lost] {
            let (bad, _) = corrupt_read(history.clone(), how);
            let name = format!("{ops}_ops_{how:?}").to_lowercase();
            group.bench_function(name, |b| {
                b.iter(|| check_operations(&KvModel::new(), &bad, &single_core()).verdict)
            });
        }
        group.bench_function(format!("{ops}_ops_ok"), |b| {
            b.iter(|| check_operations(&KvModel::new(), &history, &single_core()).verdict)
        });
    }
    group.finish();
}

/// Histories recorded by raftsim runs (`tests/data/`): SwarmKv seed 7388, one key, appends,
/// gets and puts, a put no read shows open across a get of 14 concurrent appends (Unknown
/// at the cache limit before a put counted as a way out only for reads it can start).
fn recorded(c: &mut Criterion) {
    let name = "swarmkv-7388-ok.json";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let text = read(std::path::Path::new(path), name);
    let ops = parse_json(&text, name)
        .unwrap_or_else(|e| panic!("{e}"))
        .ops;
    let mut group = c.benchmark_group("recorded");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(3));
    group.bench_function("swarmkv_7388", |b| {
        b.iter(|| check_operations(&KvModel::new(), &ops, &single_core()).verdict)
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    synthetic_histories(c);
    corrupted_single_key(c);
    recorded(c);
    let Some(dir) = corpus() else { return };
    jepsen(c, &dir);
    kv_logs(c, &dir);
}

criterion_group!(corpus_benches, benches);
criterion_main!(corpus_benches);
