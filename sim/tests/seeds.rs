//! The seeds corpus (`seeds/*.txt`): every entry names a known scenario and passes.
//!
//! Each entry is a run that once failed; replaying it keeps the fixed bug fixed. A
//! failure prints the entry's `file:line`, its note and the command that replays it.

use rayon::prelude::*;
use sim::cli::record::replay_command;
use sim::cli::seeds;
use sim::scenario::{self, RunConfig};
use std::path::Path;

#[test]
fn seeds_every_entry_passes() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("seeds");
    let entries = seeds::load(&dir).unwrap_or_else(|e| panic!("seeds corpus: {e}"));
    assert!(!entries.is_empty(), "{}: no entries", dir.display());
    // An unknown scenario is an error, not a skip: a renamed scenario must carry its
    // seeds along.
    let runs = seeds::resolve(&entries, &scenario::registry())
        .unwrap_or_else(|e| panic!("seeds corpus: {e}"));
    assert_eq!(runs.len(), entries.len(), "resolve lost entries");
    let failures: Vec<String> = runs
        .par_iter()
        .zip(entries.par_iter())
        .filter_map(|((s, seed), entry)| {
            let outcome = scenario::run(
                s,
                &RunConfig {
                    seed: *seed,
                    keep_trace: false,
                    keep_history: false,
                },
            );
            outcome.failure.map(|reason| {
                format!(
                    "{} ({}): {} seed={seed} failed: {reason}\n  replay: {}",
                    entry.origin,
                    entry.note,
                    s.name,
                    replay_command(s.name, *seed)
                )
            })
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} seeds failed:\n{}",
        failures.len(),
        entries.len(),
        failures.join("\n")
    );
}
