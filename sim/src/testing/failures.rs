//! The failures of a test's runs, as its panic message shows them: how many failed, the
//! first few with their scenario, seed and reason, and the command that replays the
//! first one from the user's crate.

use crate::outcome::Outcome;
use std::fmt;

/// How many failed runs the message lists; the rest are counted.
pub const LISTED_MAX: usize = 5;

/// The runs of one test that failed.
#[derive(Clone, Debug)]
pub struct Failures {
    /// The implementation's name.
    pub implementation: &'static str,
    /// What the test ran (`lab scenarios matching "2A", seeds 0..3`).
    pub selection: String,
    /// How many runs the test made.
    pub runs: usize,
    /// The failed runs, in the test's order (scenario, then seed).
    pub failed: Vec<Outcome>,
    /// The test's name, for the replay command (`None` when the harness does not name
    /// its thread).
    pub test: Option<String>,
}

impl Failures {
    /// The command that reruns `failed`'s first run with its files written (empty when
    /// nothing failed).
    pub fn replay_command(&self) -> String {
        let Some(first) = self.failed.first() else {
            return String::new();
        };
        super::replay::command(&first.scenario, first.seed, self.test.as_deref())
    }
}

impl fmt::Display for Failures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "raftsim: {} of {} runs failed on {:?} ({})",
            self.failed.len(),
            self.runs,
            self.implementation,
            self.selection
        )?;
        for o in self.failed.iter().take(LISTED_MAX) {
            let reason = o.failure.as_deref().unwrap_or_default();
            writeln!(f, "  {} seed {}: {reason}", o.scenario, o.seed)?;
        }
        if self.failed.len() > LISTED_MAX {
            writeln!(f, "  (and {} more)", self.failed.len() - LISTED_MAX)?;
        }
        writeln!(
            f,
            "replay one run, with its trace and timeline written to files:"
        )?;
        write!(f, "  {}", self.replay_command())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failed(scenario: &str, seed: u64) -> Outcome {
        Outcome {
            scenario: scenario.into(),
            seed,
            failure: Some(format!("reason {seed}")),
            ..Outcome::default()
        }
    }

    #[test]
    fn display_lists_the_first_failures_counts_the_rest_and_replays_the_first() {
        let failures = Failures {
            implementation: "mine",
            selection: "lab scenarios matching \"2C\", seeds 0..9".into(),
            runs: 9,
            failed: (2..9).map(|seed| failed("Persist12C", seed)).collect(),
            test: Some("lab_2c".into()),
        };
        let text = failures.to_string();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "raftsim: 7 of 9 runs failed on \"mine\" (lab scenarios matching \"2C\", seeds 0..9)"
        );
        assert_eq!(lines[1], "  Persist12C seed 2: reason 2");
        assert_eq!(lines[LISTED_MAX + 1], "  (and 2 more)");
        assert_eq!(
            lines.last().copied(),
            Some("  RAFTSIM_REPLAY=\"Persist12C 2\" cargo test lab_2c")
        );
        let unnamed = Failures {
            test: None,
            ..failures
        };
        assert!(unnamed.replay_command().ends_with("cargo test <this test>"));
    }
}
