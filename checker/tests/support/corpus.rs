//! Where the Porcupine corpus is, for every test and bench that reads it (included with
//! `#[path]` by the checker's tests and bench and by `sim/tests/cli_check.rs`).

use std::path::PathBuf;

/// The corpus folder: `RAFTSIM_PORCUPINE_DATA` if set, else `../shared/data/porcupine`
/// beside the repository. `None` when it is missing outside CI (the caller then says it
/// skips); under `CI=true` a missing corpus fails, so CI can never skip silently.
pub fn corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("RAFTSIM_PORCUPINE_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/data/porcupine"
        )),
    };
    if dir.join("expected_verdicts.tsv").is_file() {
        return Some(dir);
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "corpus missing at {} (set RAFTSIM_PORCUPINE_DATA)",
        dir.display()
    );
    eprintln!("skipped: Porcupine corpus not found at {}", dir.display());
    None
}
