//! Checks a synthetic KV history single-threaded and prints the verdict, the memoised
//! configurations and the wall time (a diagnostic for the README's figures; run it under
//! `/usr/bin/time -v` for peak memory).
//!
//! `cargo run --release -p checker --example synthetic -- SHAPE N [LIMIT]`, where SHAPE is
//! `gets` (N sequential gets), `mix` (N sequential put, get, append, get), `one-key` (N
//! clients appending 10 values each to one key, then a read: TestUnreliableOneKey has
//! N = 5) or `concurrent` (N concurrent appends and a read); `LIMIT` is the cache limit
//! (`-` or none: the default).

use checker::*;

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

#[allow(clippy::disallowed_methods)] // Reporting only.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = || -> ! {
        eprintln!("usage: synthetic gets|mix|one-key|concurrent N [LIMIT|-]");
        std::process::exit(64)
    };
    let Some(n) = args.get(2).and_then(|n| n.parse::<usize>().ok()) else {
        usage()
    };
    let history = match args[1].as_str() {
        "gets" => synthetic::sequential_gets(n),
        "mix" => synthetic::sequential_mix(n),
        "one-key" => synthetic::one_key_appends(n as u64, 10, 0).0,
        "concurrent" => synthetic::concurrent_appends(n, &(0..n).rev().collect::<Vec<_>>()),
        _ => usage(),
    };
    let options = CheckOptions {
        parallel: false,
        cache_limit: match args.get(3).map(String::as_str) {
            None | Some("-") => CheckOptions::default().cache_limit,
            Some(limit) => Some(limit.parse().unwrap_or_else(|_| usage())),
        },
        ..CheckOptions::default()
    };
    let start = std::time::Instant::now();
    let result = check_operations(&KvModel::new(), &history, &options);
    let elapsed = start.elapsed();
    let configurations: usize = result.partitions.iter().map(|p| p.configurations).sum();
    println!(
        "{} {n}: {} ops {:?}, {configurations} configurations, {elapsed:?}",
        args[1],
        history.len(),
        result.verdict
    );
}
