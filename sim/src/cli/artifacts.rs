//! The files a failing run leaves behind: its rendered trace, its history (JSON) and,
//! when the checker drew one, the HTML view; plus `failure.txt` with the reason and the
//! replay command.
//!
//! A run normally keeps only its trace hash (rendering every event is slow). To get the
//! text, the failing (scenario, seed) runs again with `keep_trace`; determinism makes it
//! the same run, and a different trace hash is reported as a failure of its own.

use super::error::{Error, Result};
use super::panics;
use super::record::replay_command;
use crate::scenario::{Outcome, RunConfig, Scenario};
use std::path::{Path, PathBuf};

/// Where `run` puts a failure's files without `--artifacts`: `$CARGO_TARGET_DIR` (or
/// `target/` under the current directory) `/raftsim-failures`.
pub fn default_root() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    target.join("raftsim-failures")
}

/// The folder of one run's files under `root`.
pub fn folder(root: &Path, scenario: &str, seed: u64) -> PathBuf {
    root.join(format!("{scenario}-seed{seed}"))
}

/// Runs (scenario, seed) again keeping the trace text. Returns the outcome and, if the
/// rerun's trace hash differs from `hash`, a sentence saying so.
pub fn rerun_with_trace(scenario: &Scenario, seed: u64, hash: u64) -> (Outcome, Option<String>) {
    let again = panics::run(
        scenario,
        &RunConfig {
            seed,
            keep_trace: true,
            keep_history: true,
        },
    );
    let drift = (again.trace_hash != hash).then(|| {
        format!(
            "nondeterministic: the rerun that rendered the trace has trace hash {:016x}, the run {hash:016x}",
            again.trace_hash
        )
    });
    (again, drift)
}

/// Writes the files of a failed run into `dir` and returns their paths.
///
/// `reason` is the failure being reported (the first run's); `outcome` is the rerun that
/// kept the trace.
///
/// # Errors
/// `Output` when the folder or a file cannot be written.
pub fn write(dir: &Path, outcome: &Outcome, reason: &str) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::writing(dir, &e))?;
    let summary = format!(
        "scenario: {}\nseed: {}\nreason: {reason}\nreplay: {}\n",
        outcome.scenario,
        outcome.seed,
        replay_command(&outcome.scenario, outcome.seed)
    );
    let files = [
        ("failure.txt", Some(summary.as_str())),
        ("trace.txt", outcome.trace.as_deref()),
        ("history.json", outcome.history_json.as_deref()),
        ("history.html", outcome.history_html.as_deref()),
    ];
    let mut written = Vec::new();
    for (name, contents) in files {
        let Some(contents) = contents else { continue };
        let path = dir.join(name);
        std::fs::write(&path, contents).map_err(|e| Error::writing(&path, &e))?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `contents` to a file the user named (`run --trace FILE` and the like).
///
/// # Errors
/// `Output` when it cannot be written.
pub fn write_file(path: &Path, contents: &str) -> Result<()> {
    std::fs::write(path, contents).map_err(|e| Error::writing(path, &e))
}
