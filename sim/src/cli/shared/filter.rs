//! `--filter PAT`: which scenarios a command covers, like `go test -run`.
//!
//! A scenario is selected when the regular expression matches anywhere in its name, or
//! when `PAT` is exactly its part (`2B`, `3A`, `demo`; case-insensitive). Lab names end
//! with their part (`BasicAgree2B`), so `2B` selects a part either way, and `2A|2B` works
//! as a regular expression.

use crate::cli::shared::error::{one_line, Error, Result};
use crate::scenario::Scenario;
use regex::Regex;

/// A compiled `--filter`.
#[derive(Clone, Debug)]
pub struct Filter {
    pattern: String,
    regex: Regex,
}

impl Filter {
    /// Compiles `pattern`.
    ///
    /// # Errors
    /// `Usage` when it is not a valid regular expression.
    pub fn parse(pattern: &str) -> Result<Filter> {
        let regex = Regex::new(pattern).map_err(|err| {
            Error::Usage(format!(
                "bad filter {pattern:?}: {}",
                one_line(&err.to_string())
            ))
        })?;
        Ok(Filter {
            pattern: pattern.to_string(),
            regex,
        })
    }

    /// True when `scenario` is selected.
    pub fn matches(&self, scenario: &Scenario) -> bool {
        scenario.part.label().eq_ignore_ascii_case(&self.pattern)
            || self.regex.is_match(scenario.name)
    }

    /// The selected scenarios, in the given order.
    ///
    /// # Errors
    /// `Usage` when none is selected: a filter that matches nothing is almost always a typo.
    pub fn select(filter: Option<&Filter>, all: &[Scenario]) -> Result<Vec<Scenario>> {
        let chosen: Vec<Scenario> = all
            .iter()
            .filter(|s| filter.is_none_or(|f| f.matches(s)))
            .copied()
            .collect();
        if chosen.is_empty() {
            let what = filter.map_or("(no filter)", |f| f.pattern.as_str());
            return Err(Error::Usage(format!(
                "no scenario matches filter {what:?} (`raftsim list` shows every scenario)"
            )));
        }
        Ok(chosen)
    }
}

/// Parses an optional `--filter`.
///
/// # Errors
/// As [`Filter::parse`].
pub fn parse_optional(pattern: Option<&str>) -> Result<Option<Filter>> {
    pattern.map(Filter::parse).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;
    use crate::scenario::{Part, RunConfig};

    fn scenario(name: &'static str, part: Part) -> Scenario {
        fn never(_: &RunConfig) -> Outcome {
            Outcome::default()
        }
        Scenario {
            name,
            part,
            implementation: "",
            description: "",
            run: never,
        }
    }

    #[test]
    fn matches_regex_or_part_selects_expected_names() {
        let all = [
            scenario("InitialElection2A", Part::Raft2A),
            scenario("BasicAgree2B", Part::Raft2B),
            scenario("PingFaults", Part::Demo),
        ];
        let table: [(&str, &[&str]); 6] = [
            ("2B", &["BasicAgree2B"]),
            ("2a", &["InitialElection2A"]),
            ("demo", &["PingFaults"]),
            ("^Ping", &["PingFaults"]),
            ("2A|2B", &["InitialElection2A", "BasicAgree2B"]),
            ("Agree|Faults", &["BasicAgree2B", "PingFaults"]),
        ];
        for (pattern, want) in table {
            let f = Filter::parse(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            let got: Vec<&str> = Filter::select(Some(&f), &all)
                .unwrap_or_else(|e| panic!("{pattern}: {e}"))
                .iter()
                .map(|s| s.name)
                .collect();
            assert_eq!(got, want, "filter {pattern:?}");
        }
    }

    #[test]
    fn select_nothing_or_bad_regex_is_usage_error() {
        let all = [scenario("PingFaults", Part::Demo)];
        let f = Filter::parse("Nope").unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            Filter::select(Some(&f), &all),
            Err(Error::Usage(_))
        ));
        match Filter::parse("(") {
            Err(Error::Usage(msg)) => assert!(!msg.contains('\n'), "{msg}"),
            other => panic!("bad regex accepted: {other:?}"),
        }
    }
}
