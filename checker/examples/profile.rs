//! Prints per-partition verdicts, sizes and times for one corpus file (a diagnostic).
//!
//! `cargo run --release -p checker --example profile -- FILE [kv|kv-nopart|etcd] [limit]`

use checker::*;

#[allow(clippy::disallowed_methods)] // Reporting only.
fn main() {
    let args: Vec<String> = std::env::args().collect();
    let Some(path) = args.get(1) else {
        eprintln!("usage: profile FILE [kv|kv-nopart|etcd] [cache-limit]");
        std::process::exit(64);
    };
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("{path}: {e}");
            std::process::exit(66);
        }
    };
    let model = args.get(2).map_or("kv", String::as_str);
    let limit = args.get(3).and_then(|l| l.parse().ok());
    let options = CheckOptions {
        parallel: false,
        scope: Scope::AllPartitions,
        cache_limit: limit,
        ..CheckOptions::default()
    };
    let start = std::time::Instant::now();
    let result = match model {
        "etcd" => match parse_jepsen_log(&text, path) {
            Ok(ops) => {
                let r = check_operations(&RegisterModel, &ops, &options);
                println!("configs {}", r.partitions[0].configurations);
                r
            }
            Err(e) => return eprintln!("{e}"),
        },
        _ => match parse_kv_edn(&text, path) {
            Ok(ops) => {
                let m = if model == "kv" {
                    KvModel::new()
                } else {
                    KvModel::unpartitioned()
                };
                let r = check_operations(&m, &ops, &options);
                for (k, p) in r.partitions.iter().enumerate() {
                    println!(
                        "partition {k}: {} ops {:?} prefix {} configs {}",
                        p.ops.len(),
                        p.verdict,
                        p.linearization.len(),
                        p.configurations
                    );
                }
                r
            }
            Err(e) => return eprintln!("{e}"),
        },
    };
    println!("{:?} in {:?}", result.verdict, start.elapsed());
}
