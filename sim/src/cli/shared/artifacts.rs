//! The files a failing run leaves behind: its rendered trace, its timeline page, its
//! history (JSON) and, when the checker drew one, the HTML view; plus `failure.txt` with
//! the reason and the replay command, and `schedule.json` when the run followed a
//! schedule file (so that `raftsim shrink DIR` shrinks that schedule).
//!
//! A run normally keeps only its trace hash (rendering every event is slow). To get the
//! text, the failing (scenario, seed) runs again with `keep_trace`; determinism makes it
//! the same run, and a different trace hash is reported as a failure of its own.

use crate::cli::shared::claims::Claims;
use crate::cli::shared::error::{Error, Result};
use crate::outcome::Outcome;
use crate::scenario::{RunConfig, Scenario};
use std::path::{Path, PathBuf};

/// Where `run` puts a failure's files without `--artifacts`: `$CARGO_TARGET_DIR` (or
/// `target/` under the current directory) `/raftsim-failures`.
pub fn default_root() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| PathBuf::from("target"), PathBuf::from);
    target.join("raftsim-failures")
}

/// The folder of one run's files under `root`.
pub fn folder(root: &Path, implementation: &str, scenario: &str, seed: u64) -> PathBuf {
    match implementation {
        raft if crate::registry::is_default_raft(raft) => {
            root.join(format!("{scenario}-seed{seed}"))
        }
        raft => root.join(format!("{scenario}-seed{seed}-{raft}")),
    }
}

/// Runs (scenario, seed) again keeping the trace text. Returns the outcome and, if the
/// rerun's trace hash differs from `hash`, a sentence saying so.
pub fn rerun_with_trace(
    scenario: &Scenario,
    config: &RunConfig,
    hash: u64,
) -> (Outcome, Option<String>) {
    let again = crate::registry::run(
        scenario,
        &RunConfig {
            keep_trace: true,
            keep_history: true,
            ..config.clone()
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

/// The files [`write()`] may put in a run's folder, in the order written.
pub const FILE_NAMES: [&str; 6] = [
    "failure.txt",
    SCHEDULE_FILE,
    "trace.txt",
    "history.json",
    "history.html",
    "timeline.html",
];

/// The field of `failure.txt` that lists the knobs set by hand (`set: check_quorum=0
/// pre_vote=0`), present only when some were.
pub const SET_FIELD: &str = "set";

/// The copy of the schedule a failed run followed, in its folder.
pub const SCHEDULE_FILE: &str = "schedule.json";

/// The run's timeline page, when it kept its trace.
pub fn timeline_page(outcome: &Outcome) -> Option<String> {
    let timeline = outcome.timeline.as_ref()?;
    Some(crate::timeline::page(timeline, outcome.trace.as_deref()?))
}

/// What became of the files meant for one run's outputs.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Saved {
    /// Files written.
    pub written: Vec<PathBuf>,
    /// Files not written, each as `PATH: why`.
    pub unwritten: Vec<String>,
}

impl Saved {
    /// Writes `contents` to `path` and records whether that worked.
    pub fn write(&mut self, path: &Path, contents: &str) {
        match std::fs::write(path, contents) {
            Ok(()) => self.written.push(path.to_path_buf()),
            Err(e) => self.unwritten.push(format!("{}: {e}", path.display())),
        }
    }
}

/// Writes the files of a failed run into `dir`, skipping any path in `claims` (the
/// command's inputs and other outputs).
///
/// `reason` is the failure being reported (the first run's); `outcome` is the rerun that
/// kept the trace; `replay` the command that replays the run where it was found (the
/// command line's, or a test's with `RAFTSIM_REPLAY`); `schedule` the text of the
/// schedule file the run followed, if any. A file that cannot be written is recorded,
/// not an error: the run's verdict is what matters, and it is reported whatever happens
/// to its files.
pub fn write(
    dir: &Path,
    outcome: &Outcome,
    reason: &str,
    replay: &str,
    schedule: Option<&str>,
    claims: &Claims,
) -> Saved {
    let mut saved = Saved::default();
    if let Err(e) = std::fs::create_dir_all(dir) {
        saved.unwritten.push(format!("{}: {e}", dir.display()));
        return saved;
    }
    let raft = match outcome.implementation.as_str() {
        "" => "none",
        name => name,
    };
    // A swarm run's profile (its knobs among it) and whether it drew its knobs: what
    // `shrink` on this folder reads back.
    let profile = match &outcome.profile {
        Some(p) => format!("profile: {p}\nknobs: {}\n", outcome.knobs.name()),
        None => String::new(),
    };
    // The knobs set by hand, which the run is that run only with (`shrink` reads them
    // back, as the replay command repeats them).
    let set = match outcome.settings.is_empty() {
        true => String::new(),
        false => format!("{SET_FIELD}: {}\n", outcome.settings),
    };
    let summary = format!(
        "scenario: {}\nraft: {raft}\nseed: {}\n{profile}{set}reason: {reason}\nreplay: {replay}\n",
        outcome.scenario, outcome.seed,
    );
    let page = timeline_page(outcome);
    let contents = [
        Some(summary.as_str()),
        schedule,
        outcome.trace.as_deref(),
        outcome.history_json.as_deref(),
        outcome.history_html.as_deref(),
        page.as_deref(),
    ];
    for (name, text) in FILE_NAMES.iter().zip(contents) {
        let Some(text) = text else { continue };
        let path = dir.join(name);
        match claims.claimed_by(&path) {
            Some(owner) => saved
                .unwritten
                .push(format!("{}: would overwrite {owner}", path.display())),
            None => saved.write(&path, text),
        }
    }
    saved
}

/// Checks before any run that a file the user named can be written, without changing
/// it: an existing file is opened for writing, not truncated; a missing one is created
/// and removed again.
///
/// # Errors
/// `Output` when it cannot be opened for writing.
pub fn probe_file(path: &Path) -> Result<()> {
    let existed = std::fs::symlink_metadata(path).is_ok();
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| Error::writing(path, &e))?;
    if !existed {
        // Created by the probe: leave no empty file behind if the run writes nothing.
        let _ = std::fs::remove_file(path);
    }
    Ok(())
}

/// Creates the folder the user named for failures' files, before any run.
///
/// # Errors
/// `Output` when it cannot be created or is not a directory.
pub fn probe_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::writing(dir, &e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_followed_schedule_lands_in_the_folder() {
        let dir = std::env::temp_dir().join(format!("raftsim-artifacts-{}", std::process::id()));
        let outcome = Outcome {
            scenario: "SwarmRaft".into(),
            seed: 3,
            ..Outcome::default()
        };
        let saved = write(
            &dir,
            &outcome,
            "x",
            "raftsim run SwarmRaft --seed 3",
            Some("{\"seed\": 3}\n"),
            &Claims::default(),
        );
        assert_eq!(saved.unwritten, Vec::<String>::new());
        let copy = std::fs::read_to_string(dir.join(SCHEDULE_FILE)).unwrap_or_default();
        assert_eq!(copy, "{\"seed\": 3}\n");
        let none = write(&dir.join("b"), &outcome, "x", "", None, &Claims::default());
        assert!(!none.written.iter().any(|p| p.ends_with(SCHEDULE_FILE)));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn write_failure_txt_records_knobs_set_by_hand_only_when_some_were() {
        let dir = std::env::temp_dir().join(format!("raftsim-set-{}", std::process::id()));
        let mut outcome = Outcome {
            scenario: "SwarmRaft".into(),
            seed: 3,
            profile: Some("raft servers=3".into()),
            ..Outcome::default()
        };
        let failure = |outcome: &Outcome, name: &str| {
            write(&dir.join(name), outcome, "x", "r", None, &Claims::default());
            std::fs::read_to_string(dir.join(name).join("failure.txt")).unwrap_or_default()
        };
        assert!(!failure(&outcome, "a").contains("set:"), "none set");
        outcome.settings.set("pre_vote", 0);
        outcome.settings.set("check_quorum", 0);
        let text = failure(&outcome, "b");
        assert!(
            text.contains("knobs: drawn\nset: check_quorum=0 pre_vote=0\nreason: x\n"),
            "{text}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
