//! Replaying one failed run of a test: [`REPLAY_ENV`] names it, the test's
//! [`super::Runs::run`] makes that run alone with its trace kept and writes its files
//! (the same files as `raftsim run`'s, [`artifacts::write`]) under the test's target
//! directory, `raftsim-failures/` in the target directory the test binary was built in
//! (`cargo test` runs a test in its crate's folder, which in a workspace is not where
//! `target/` is).

use super::Failures;
use crate::cli::shared::artifacts;
use crate::cli::shared::claims::Claims;
use crate::scenario::{RunConfig, Scenario};
use std::path::PathBuf;

/// The environment variable that replays one run: `SCENARIO SEED`
/// (`RAFTSIM_REPLAY="Persist12C 0" cargo test amnesiac`).
pub const REPLAY_ENV: &str = "RAFTSIM_REPLAY";

/// The run [`REPLAY_ENV`] asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    /// The scenario's name.
    pub scenario: String,
    /// The seed.
    pub seed: u64,
}

/// The run [`REPLAY_ENV`] names, if it is set.
///
/// # Panics
/// When it is set but is not `SCENARIO SEED`: a typo must not make every test pass.
pub fn asked() -> Option<Asked> {
    let value = std::env::var(REPLAY_ENV).ok()?;
    Some(parse(&value).unwrap_or_else(|| {
        panic!("raftsim: {REPLAY_ENV}={value:?} is not \"SCENARIO SEED\" (for example \"Persist12C 0\")")
    }))
}

/// Parses `SCENARIO SEED`.
fn parse(value: &str) -> Option<Asked> {
    let mut words = value.split_whitespace();
    let (scenario, seed) = (words.next()?, words.next()?.parse().ok()?);
    if words.next().is_some() {
        return None;
    }
    Some(Asked {
        scenario: scenario.to_string(),
        seed,
    })
}

/// The command that replays (scenario, seed) of test `test` (`<this test>` when the
/// harness did not name it): the one replay command of the test API.
pub fn command(scenario: &str, seed: u64, test: Option<&str>) -> String {
    let test = test.unwrap_or("<this test>");
    format!("{REPLAY_ENV}=\"{scenario} {seed}\" cargo test {test}")
}

/// The running test's name, as the test harness names its thread (`None` on the main
/// thread, where `--test-threads 1` runs tests).
pub fn test_name() -> Option<String> {
    let thread = std::thread::current();
    let name = thread.name()?;
    (name != "main").then(|| name.to_string())
}

/// Where a test's failures' files go: `raftsim-failures` in the target directory the
/// test binary was built in (`TARGET/PROFILE/deps/NAME-HASH`), which is absolute and
/// right whatever `--target-dir`, `CARGO_TARGET_DIR` or the folder the test runs in.
fn root() -> PathBuf {
    let built_in = || {
        let exe = std::env::current_exe().ok()?;
        Some(exe.parent()?.parent()?.parent()?.to_path_buf())
    };
    built_in()
        .unwrap_or_else(|| PathBuf::from("target"))
        .join("raftsim-failures")
}

/// Makes the run `asked` names if it is among `scenarios`, with its trace and history
/// kept, and writes its files.
///
/// # Errors
/// [`Failures`] with the one run when it fails again; its reason ends with the files
/// written.
pub fn run(asked: &Asked, scenarios: &[Scenario], config: &RunConfig) -> Result<(), Failures> {
    let Some(scenario) = scenarios.iter().find(|s| s.name == asked.scenario) else {
        eprintln!(
            "raftsim: {REPLAY_ENV} names {}, not a scenario of this test: nothing run",
            asked.scenario
        );
        return Ok(());
    };
    let kept = RunConfig {
        keep_trace: true,
        keep_history: true,
        ..config.clone()
    };
    let mut outcome = crate::registry::run(scenario, &kept);
    let Some(reason) = outcome.failure.clone() else {
        eprintln!(
            "raftsim: {} seed {} passed: nothing to write",
            asked.scenario, asked.seed
        );
        return Ok(());
    };
    let dir = artifacts::folder(&root(), scenario.implementation, scenario.name, asked.seed);
    let test = test_name();
    let replay = command(&asked.scenario, asked.seed, test.as_deref());
    let saved = artifacts::write(&dir, &outcome, &reason, &replay, None, &Claims::default());
    let mut files = String::new();
    for path in &saved.written {
        files.push_str(&format!("\n    written: {}", path.display()));
    }
    for why in &saved.unwritten {
        files.push_str(&format!("\n    not written: {why}"));
    }
    outcome.failure = Some(format!("{reason}{files}"));
    Err(Failures {
        implementation: scenario.implementation,
        selection: format!("{REPLAY_ENV}, {} seed {}", asked.scenario, asked.seed),
        runs: 1,
        failed: vec![outcome],
        test,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_scenario_and_seed_or_nothing() {
        let want = Asked {
            scenario: "Persist12C".into(),
            seed: 7,
        };
        assert_eq!(parse("Persist12C 7"), Some(want.clone()));
        assert_eq!(parse("  Persist12C   7 "), Some(want));
        for bad in ["", "Persist12C", "Persist12C x", "Persist12C 7 8"] {
            assert_eq!(parse(bad), None, "{bad:?}");
        }
    }
}
