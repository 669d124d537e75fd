//! Checks corpus files single-threaded and prints per-partition verdicts, sizes and the
//! total wall time (a diagnostic; run it under `/usr/bin/time` for CPU time and memory).
//!
//! `cargo run --release -p checker --example profile -- kv|kv-nopart|etcd LIMIT FILE...`
//! (`LIMIT`: memo entries per partition, or `-` for the default). KV files are Porcupine
//! EDN logs, or raftsim JSON histories if their name ends in `.json`.

use checker::*;

fn load(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(66)
    })
}

fn print_partitions(result: &CheckResult) {
    for (k, p) in result.partitions.iter().enumerate() {
        println!(
            "  partition {k}: {} ops {:?} prefix {} configurations {}",
            p.ops.len(),
            p.verdict,
            p.linearization.len(),
            p.configurations
        );
    }
}

fn kv_history(text: &str, path: &str) -> Result<Vec<Operation<KvInput, KvOutput>>> {
    if path.ends_with(".json") {
        parse_json(text, path).map(|history| history.ops)
    } else {
        parse_kv_edn(text, path)
    }
}

#[allow(clippy::disallowed_methods)] // Reporting only.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 4 {
        eprintln!("usage: profile kv|kv-nopart|etcd LIMIT FILE...");
        std::process::exit(64);
    }
    let limit = args[2].parse().ok().or(CheckOptions::default().cache_limit);
    let options = CheckOptions {
        parallel: false,
        scope: Scope::AllPartitions,
        cache_limit: limit,
        ..CheckOptions::default()
    };
    let texts: Vec<(String, String)> = args[3..].iter().map(|p| (p.clone(), load(p))).collect();
    let start = std::time::Instant::now();
    for (path, text) in &texts {
        let result = match args[1].as_str() {
            "etcd" => match parse_jepsen_log(text, path) {
                Ok(ops) => check_operations(&RegisterModel, &ops, &options),
                Err(e) => return eprintln!("{e}"),
            },
            model => match kv_history(text, path) {
                Ok(ops) => {
                    let m = if model == "kv" {
                        KvModel::new()
                    } else {
                        KvModel::unpartitioned()
                    };
                    check_operations(&m, &ops, &options)
                }
                Err(e) => return eprintln!("{e}"),
            },
        };
        println!("{path}: {:?} at {:?}", result.verdict, start.elapsed());
        if texts.len() == 1 {
            print_partitions(&result);
        }
    }
    println!("{} files in {:?}", texts.len(), start.elapsed());
}
