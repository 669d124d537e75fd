//! Writes the HTML view of a Porcupine KV log (a diagnostic).
//!
//! `cargo run -p checker --example html -- IN.txt OUT.html`

use checker::*;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: html IN.txt OUT.html");
        std::process::exit(64);
    };
    let text = std::fs::read_to_string(input).unwrap_or_else(|e| panic!("{input}: {e}"));
    let ops = parse_kv_edn(&text, input).unwrap_or_else(|e| panic!("{e}"));
    let result = check_operations(&KvModel::new(), &ops, &CheckOptions::default());
    let html = to_html(&KvModel::new(), &ops, &result, input);
    println!(
        "{:?}: {} ops, {} bytes, {} bytes/op",
        result.verdict,
        ops.len(),
        html.len(),
        html.len() / ops.len().max(1)
    );
    std::fs::write(output, html).unwrap_or_else(|e| panic!("{output}: {e}"));
}
