//! `--events-max`, `--memory-max`, `--sends-per-second-max`: a run's budget (see
//! [`crate::engine::budget`]), for every command that runs simulations.

use crate::cli::shared::error::{Error, Result};
use crate::engine::budget::Budget;
use clap::Args;

/// The budget flags of `run`, `sweep`, `swarm`, `replay` and `shrink`.
#[derive(Debug, Default, Args)]
pub struct BudgetArg {
    /// Fail a run that processes more than N events (a run that never ends)
    /// [default: 10000000].
    #[arg(long, value_name = "N")]
    pub events_max: Option<String>,
    /// Fail a run that holds more than BYTES of memory at once; a suffix K, M or G
    /// multiplies by 2^10, 2^20 or 2^30 [default: 2G].
    #[arg(long, value_name = "BYTES")]
    pub memory_max: Option<String>,
    /// Fail a run in which one node sends more than N messages within one second of
    /// virtual time (a message storm) [default: 1000000].
    #[arg(long, value_name = "N")]
    pub sends_per_second_max: Option<String>,
}

impl BudgetArg {
    /// The budget the flags ask for (no cancel flag: the batch adds its own).
    ///
    /// # Errors
    /// `Usage` (exit 64) naming the flag, for a value that is not a positive integer
    /// (with an allowed suffix for `--memory-max`).
    pub fn budget(&self) -> Result<Budget> {
        self.over(Budget::default())
    }

    /// `base` (a schedule file's bounds, say) with the bounds the flags give.
    ///
    /// # Errors
    /// As [`BudgetArg::budget`].
    pub fn over(&self, base: Budget) -> Result<Budget> {
        Ok(Budget {
            events_max: positive(
                "--events-max",
                self.events_max.as_deref(),
                base.events_max,
                false,
            )?,
            memory_bytes_max: positive(
                "--memory-max",
                self.memory_max.as_deref(),
                base.memory_bytes_max,
                true,
            )?,
            sends_per_second_max: positive(
                "--sends-per-second-max",
                self.sends_per_second_max.as_deref(),
                base.sends_per_second_max,
                false,
            )?,
            cancel: base.cancel,
        })
    }
}

/// `text` as a positive integer (with a binary suffix when `sized`), or `default`.
fn positive(flag: &str, text: Option<&str>, default: u64, sized: bool) -> Result<u64> {
    let Some(text) = text else {
        return Ok(default);
    };
    let trimmed = text.trim();
    let (digits, shift) = match trimmed.char_indices().last() {
        Some((at, 'K' | 'k')) if sized => (&trimmed[..at], 10),
        Some((at, 'M' | 'm')) if sized => (&trimmed[..at], 20),
        Some((at, 'G' | 'g')) if sized => (&trimmed[..at], 30),
        _ => (trimmed, 0),
    };
    let value = digits
        .parse::<u64>()
        .ok()
        .filter(|&n| n > 0)
        .and_then(|n| n.checked_mul(1 << shift));
    value.ok_or_else(|| {
        let expected = match sized {
            true => "a positive number of bytes, optionally with K, M or G",
            false => "a positive integer",
        };
        Error::Usage(format!("bad {flag} {text:?}: expected {expected}"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::engine::budget::SENDS_PER_SECOND_MAX_DEFAULT;

    #[test]
    fn budget_parses_suffixes_and_refuses_nonsense_naming_the_flag() {
        let args = BudgetArg {
            events_max: Some("500".into()),
            memory_max: Some("3M".into()),
            sends_per_second_max: None,
        };
        let budget = args.budget().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(budget.events_max, 500);
        assert_eq!(budget.memory_bytes_max, 3 << 20);
        assert_eq!(budget.sends_per_second_max, SENDS_PER_SECOND_MAX_DEFAULT);
        for (events, memory, what) in [
            ("0", "1", "bad --events-max \"0\""),
            ("x", "1", "bad --events-max \"x\""),
            ("1", "99999999999G", "bad --memory-max \"99999999999G\""),
            ("1", "5T", "bad --memory-max \"5T\""),
        ] {
            let args = BudgetArg {
                events_max: Some(events.into()),
                memory_max: Some(memory.into()),
                sends_per_second_max: None,
            };
            let err = args.budget().expect_err(what).to_string();
            assert!(err.starts_with(what), "{err}");
        }
        let bad = BudgetArg {
            sends_per_second_max: Some("2K".into()),
            ..BudgetArg::default()
        };
        assert!(bad.budget().is_err(), "no suffix on a count");
    }
}
