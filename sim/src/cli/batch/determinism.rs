//! `--check-determinism`: two fresh runs of one (scenario, seed) must agree exactly.
//!
//! They are compared by trace hash, events, virtual time and verdict. On a difference,
//! both are run once more keeping their trace text, and the first line where the texts
//! part is reported, which is usually enough to see what leaked in (a hash map's order,
//! the wall clock, a shared counter).

use crate::engine::Budget;
use crate::outcome::Outcome;
use crate::scenario::{RunConfig, Scenario};

/// `None` when `first` and `second` agree; otherwise the reason for a failure, with the
/// first line where traced reruns diverge.
pub fn compare(
    scenario: &Scenario,
    first: &Outcome,
    second: &Outcome,
    budget: &Budget,
) -> Option<String> {
    assert_eq!(
        first.seed, second.seed,
        "{}: comparing runs of different seeds",
        scenario.name
    );
    let same = first.trace_hash == second.trace_hash
        && first.events == second.events
        && first.virtual_time == second.virtual_time
        && first.failure == second.failure;
    if same {
        return None;
    }
    let config = RunConfig {
        seed: first.seed,
        keep_trace: true,
        keep_history: false,
        schedule: None,
        unmonitored: false,
        knobs: first.knobs,
        budget: budget.clone(),
        clocks: Vec::new(),
    };
    let a = crate::registry::run(scenario, &config);
    let b = crate::registry::run(scenario, &config);
    let divergence = match (a.trace.as_deref(), b.trace.as_deref()) {
        (Some(x), Some(y)) => first_difference(x, y).map_or_else(
            || "the traced reruns did not diverge".to_string(),
            |(line, l, r)| {
                format!("traced reruns first diverge at trace line {line}: `{l}` vs `{r}`")
            },
        ),
        _ => "a traced rerun kept no trace text".to_string(),
    };
    Some(format!(
        "nondeterministic: two runs gave trace={:016x} events={} virtual={}, then trace={:016x} events={} virtual={}; {divergence}",
        first.trace_hash,
        first.events,
        first.virtual_time,
        second.trace_hash,
        second.events,
        second.virtual_time,
    ))
}

/// The first line (1-based) where `a` and `b` differ, with both lines trimmed; a missing
/// line reads `(end of trace)`.
pub fn first_difference<'a>(a: &'a str, b: &'a str) -> Option<(usize, &'a str, &'a str)> {
    let (mut left, mut right) = (a.lines(), b.lines());
    let mut line = 0;
    loop {
        line += 1;
        match (left.next(), right.next()) {
            (None, None) => return None,
            (l, r) if l == r => continue,
            (l, r) => {
                let end = "(end of trace)";
                return Some((line, l.map_or(end, str::trim), r.map_or(end, str::trim)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_finds_line_or_end() {
        let table = [
            ("a\nb\nc\n", "a\nb\nc\n", None),
            ("a\nb\n", "a\nx\n", Some((2, "b", "x"))),
            ("a\n", "a\nb\n", Some((2, "(end of trace)", "b"))),
            ("", "z", Some((1, "(end of trace)", "z"))),
        ];
        for (a, b, want) in table {
            assert_eq!(first_difference(a, b), want, "{a:?} vs {b:?}");
        }
    }
}
