//! The run list of a sweep: every (scenario, seed) in a stable order, sliced by
//! `--shard`. This is the one place that builds it: `sweep` and `swarm` run it, `merge`
//! checks shard files against it; `replay` builds its list from the seeds files instead
//! and hands it to the same runner.
//!
//! Runs are listed scenario by scenario (in the order given, the registry's), seed by
//! seed. Run number `k` is scenario `k / seeds` at seed `start + k % seeds`, so a shard's
//! runs are computed directly, never found by walking a sweep that may have 2^64 runs or
//! more.

use crate::cli::shared::error::{Error, Result};
use crate::cli::shared::seed_range::SeedRange;
use crate::cli::sweep::shard::Shard;
use crate::outcome::Knobs;
use crate::scenario::Scenario;

/// The most runs one sweep (or shard) may hold: results stay in memory until the report.
pub const RUNS_MAX: u128 = 1_000_000;

/// One run to do.
#[derive(Clone, Copy, Debug)]
pub struct Job {
    /// The scenario.
    pub scenario: Scenario,
    /// The seed.
    pub seed: u64,
    /// Whether a swarm run draws the implementation's knobs.
    pub knobs: Knobs,
}

/// Every (scenario, seed) of the sweep in its stable order, keeping `shard`'s slice.
///
/// # Errors
/// `Usage` when the slice would hold more than [`RUNS_MAX`] runs.
pub fn plan(
    scenarios: &[Scenario],
    range: SeedRange,
    shard: Shard,
    knobs: Knobs,
) -> Result<Vec<Job>> {
    let jobs: Vec<Job> = slots(scenarios.len(), range, shard)?
        .into_iter()
        .map(|slot| Job {
            scenario: scenarios[slot.scenario],
            seed: slot.seed,
            knobs,
        })
        .collect();
    Ok(jobs)
}

/// One place of a sweep's order: the index of its scenario in the sweep's list, and
/// its seed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot {
    /// The index of the scenario in the sweep's list.
    pub scenario: usize,
    /// The seed.
    pub seed: u64,
}

/// The places of `shard`'s slice of a sweep of `scenarios` scenarios over `range`, in
/// the sweep's order: what [`plan`] runs, and what `merge` expects each shard's file to
/// hold.
///
/// # Errors
/// `Usage` when the slice would hold more than [`RUNS_MAX`] runs.
///
/// # Panics
/// When `scenarios` is 0.
pub fn slots(scenarios: usize, range: SeedRange, shard: Shard) -> Result<Vec<Slot>> {
    assert!(scenarios > 0, "a sweep with no scenario");
    let per_scenario = range.len();
    // At most 2^64 seeds times a few hundred scenarios: far inside u128.
    let total = scenarios as u128 * per_scenario;
    let share = shard.share(total);
    if share > RUNS_MAX {
        return Err(Error::Usage(format!(
            "{scenarios} scenario(s) x seeds {range} is {share} runs for shard {shard}, more than {RUNS_MAX}: narrow --seeds or split with --shard"
        )));
    }
    let slots: Vec<Slot> = (0..share)
        .map(|j| {
            let k = shard.run(j);
            let scenario = usize::try_from(k / per_scenario)
                .ok()
                .filter(|&i| i < scenarios)
                .unwrap_or_else(|| panic!("run {k} of {total} has no scenario"));
            Slot {
                scenario,
                seed: range.nth(k % per_scenario),
            }
        })
        .collect();
    assert_eq!(slots.len() as u128, share, "shard {shard}: lost runs");
    Ok(slots)
}

/// The number of run `slot` in the sweep's order (see the module's doc), the inverse of
/// [`slots`]: `None` when its scenario or seed is not the sweep's.
pub fn run_number(scenarios: usize, range: SeedRange, slot: Slot) -> Option<u128> {
    let inside = slot.scenario < scenarios && range.seeds().contains(&slot.seed);
    inside.then(|| {
        let k = slot.scenario as u128 * range.len() + u128::from(slot.seed - range.start());
        assert!(
            k < scenarios as u128 * range.len(),
            "run {k} past the sweep"
        );
        k
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Outcome;
    use crate::scenario::Part;
    use crate::scenario::RunConfig;

    fn scenario(name: &'static str) -> Scenario {
        fn never(_: &RunConfig) -> Outcome {
            Outcome::default()
        }
        Scenario {
            name,
            part: Part::Demo,
            implementation: "",
            description: "",
            run: never,
        }
    }

    fn names(jobs: &[Job]) -> Vec<(&'static str, u64)> {
        jobs.iter().map(|j| (j.scenario.name, j.seed)).collect()
    }

    fn parse<T>(text: &str, f: fn(&str) -> Result<T>) -> T {
        f(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn plan_shards_cover_the_whole_sweep_once() {
        let all = [scenario("A"), scenario("B")];
        let range = parse("3..6", SeedRange::parse);
        let whole =
            names(&plan(&all, range, Shard::ALL, Knobs::Drawn).unwrap_or_else(|e| panic!("{e}")));
        assert_eq!(
            whole,
            [("A", 3), ("A", 4), ("A", 5), ("B", 3), ("B", 4), ("B", 5)]
        );
        let mut union = Vec::new();
        for text in ["0/4", "1/4", "2/4", "3/4"] {
            let shard = parse(text, Shard::parse);
            union.extend(names(
                &plan(&all, range, shard, Knobs::Drawn).unwrap_or_else(|e| panic!("{e}")),
            ));
        }
        union.sort();
        let mut sorted = whole.clone();
        sorted.sort();
        assert_eq!(union, sorted);
    }

    #[test]
    fn run_number_inverts_slots_and_refuses_strangers() {
        let range = parse("3..6", SeedRange::parse);
        for text in ["0/1", "0/4", "3/4"] {
            let shard = parse(text, Shard::parse);
            for (j, slot) in slots(2, range, shard)
                .unwrap_or_else(|e| panic!("{e}"))
                .into_iter()
                .enumerate()
            {
                assert_eq!(run_number(2, range, slot), Some(shard.run(j as u128)));
            }
        }
        assert_eq!(
            run_number(
                2,
                range,
                Slot {
                    scenario: 2,
                    seed: 3
                }
            ),
            None
        );
        assert_eq!(
            run_number(
                2,
                range,
                Slot {
                    scenario: 0,
                    seed: 6
                }
            ),
            None
        );
        assert_eq!(
            run_number(
                2,
                range,
                Slot {
                    scenario: 0,
                    seed: 2
                }
            ),
            None
        );
    }

    #[test]
    fn plan_too_many_runs_is_usage_error() {
        let range = parse("0..18446744073709551615", SeedRange::parse);
        assert!(matches!(
            plan(&[scenario("A")], range, Shard::ALL, Knobs::Drawn),
            Err(Error::Usage(_))
        ));
    }

    #[test]
    fn plan_huge_range_thin_shard_is_computed_not_walked() {
        let range = parse("0..18446744073709551615", SeedRange::parse);
        let shard = parse("1/4611686018427387904", Shard::parse);
        let jobs =
            plan(&[scenario("A")], range, shard, Knobs::Drawn).unwrap_or_else(|e| panic!("{e}"));
        let seeds: Vec<u64> = jobs.iter().map(|j| j.seed).collect();
        assert_eq!(seeds, [1, 1 + (1 << 62), 1 + (1 << 63), 1 + 3 * (1 << 62)]);
        // Two scenarios over every u64 seed: 2^65 runs, sliced in 2^63.
        let every = parse("0..=18446744073709551615", SeedRange::parse);
        let shard = parse("9223372036854775807/9223372036854775808", Shard::parse);
        let jobs = plan(&[scenario("A"), scenario("B")], every, shard, Knobs::Drawn)
            .unwrap_or_else(|e| panic!("{e}"));
        let half = (1 << 63) - 1;
        assert_eq!(
            names(&jobs),
            [("A", half), ("A", u64::MAX), ("B", half), ("B", u64::MAX)],
            "the last seed of each half of each scenario"
        );
    }

    #[test]
    fn plan_largest_seed_alone() {
        let range = parse("18446744073709551615", SeedRange::parse);
        let jobs = plan(&[scenario("A")], range, Shard::ALL, Knobs::Drawn)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&jobs), [("A", u64::MAX)]);
    }
}
