//! Checks a synthetic KV history single-threaded and prints the verdict, the memoised
//! configurations and the wall time (a diagnostic for the README's figures; run it under
//! `/usr/bin/time -v` for peak memory).
//!
//! `cargo run --release -p checker --example synthetic -- SHAPE N [LIMIT]`, where SHAPE is
//! `gets` (N sequential gets), `mix` (N sequential put, get, append, get), `one-key` (N
//! clients appending 10 values each to one key, then a read: TestUnreliableOneKey has
//! N = 5), `concurrent` (N concurrent appends and a read), or `mixed`, `mixed-byte`,
//! `mixed-lost` (22 clients of N appends and gets each on one key after a put: N = 163
//! gives 3,587 operations; as is, with one read's byte changed, or with one read missing
//! a piece appended before it was called); `LIMIT` is the cache limit (`-` or none: the
//! default) and `SEED` the seed of the `mixed` shapes (default 0). With `--edn OUT` it also
//! writes the history as a Porcupine KV EDN log (`to_kv_edn`), to compare with Porcupine.

use checker::*;

#[path = "../tests/support/synthetic.rs"]
mod synthetic;

#[allow(clippy::disallowed_methods)] // Reporting only.
fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    let edn = args.iter().position(|a| a == "--edn").map(|at| {
        let out = args.get(at + 1).cloned();
        args.drain(at..(at + 2).min(args.len()));
        out
    });
    let usage = || -> ! {
        eprintln!(
            "usage: synthetic gets|mix|one-key|concurrent|mixed|mixed-byte|mixed-lost N [LIMIT|-] [SEED] [--edn OUT]"
        );
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
        shape if shape.starts_with("mixed") => {
            let seed = args
                .get(4)
                .map_or(0, |s| s.parse().unwrap_or_else(|_| usage()));
            let history = synthetic::one_key_mixed(22, n as u64, seed);
            match shape {
                "mixed" => history,
                "mixed-byte" => synthetic::corrupt_read(history, synthetic::Corruption::Byte).0,
                "mixed-lost" => synthetic::corrupt_read(history, synthetic::Corruption::Lost).0,
                _ => usage(),
            }
        }
        _ => usage(),
    };
    match edn {
        None => {}
        Some(None) => usage(),
        Some(Some(out)) => {
            if let Err(error) = std::fs::write(&out, to_kv_edn(&history)) {
                eprintln!("cannot write {out}: {error}");
                std::process::exit(74)
            }
        }
    }
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
