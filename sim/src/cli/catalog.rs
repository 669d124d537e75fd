//! The scenarios the CLI can see: the registry, plus the self-test scenarios when asked.

use super::error::{Error, Result};
use super::selftest;
use crate::scenario::{registry, Scenario};

/// Every scenario the CLI offers, in registry order (self-test scenarios last).
pub fn scenarios() -> Vec<Scenario> {
    let mut all = registry();
    if std::env::var(selftest::SELFTEST_ENV).as_deref() == Ok("1") {
        all.extend(selftest::scenarios());
    }
    all
}

/// The scenario with this exact name.
///
/// # Errors
/// `Usage` when there is none, suggesting a name that differs only in case.
pub fn find(name: &str) -> Result<Scenario> {
    let all = scenarios();
    if let Some(s) = all.iter().find(|s| s.name == name) {
        return Ok(*s);
    }
    let hint = match all.iter().find(|s| s.name.eq_ignore_ascii_case(name)) {
        Some(s) => format!(" (did you mean {}?)", s.name),
        None => " (`raftsim list` shows every scenario)".to_string(),
    };
    Err(Error::Usage(format!("unknown scenario {name:?}{hint}")))
}
