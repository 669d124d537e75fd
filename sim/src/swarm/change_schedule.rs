//! The membership workload's configuration changes as data: when each one is proposed,
//! and which of the changes possible at that moment it picks. Drawn from the seed on a
//! stream of their own, kept in the plan (so in the schedule file, which replays them,
//! and which `raftsim shrink` reduces by dropping changes).
//!
//! A change is chosen when it is made, from the configuration the leader uses then (see
//! [`super::change_driver`]): the plan holds only a number, `pick`, that selects one of
//! the changes possible at that moment. So a change dropped by shrinking leaves every
//! other change's time and number as they were.

use super::profile::{plan_seed, Profile, Workload};
use super::schedule_error::{within, ScheduleError};
use crate::engine::SimRng;
use serde::{Deserialize, Serialize};

/// The shortest pause between two changes, in milliseconds.
pub const CHANGE_GAP_MS_MIN: u64 = 300;
/// The longest pause between two changes, in milliseconds.
pub const CHANGE_GAP_MS_MAX: u64 = 1_500;
/// Most changes a schedule holds (a 30 s fault phase draws at most 100).
pub const CHANGES_MAX: u64 = 1_000;

/// One configuration change of the plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduledChange {
    /// Milliseconds after the start of the run.
    pub at_ms: u64,
    /// Which of the changes possible then: the `pick % count`-th, in the driver's order.
    pub pick: u32,
}

/// The seed of the generator that draws the changes: apart from the profile's and the
/// schedule's, so that the other workloads' plans (and this one's faults) keep every
/// draw they had.
fn change_seed(seed: u64) -> u64 {
    plan_seed(seed ^ 0x4348_414e_4745_535f) // "CHANGES_"
}

/// The changes of the run with `seed` and `profile`: none outside the membership
/// workload; in it, one every [`CHANGE_GAP_MS_MIN`] to [`CHANGE_GAP_MS_MAX`] ms through
/// the fault phase.
pub fn draw_changes(profile: &Profile, seed: u64) -> Vec<ScheduledChange> {
    if profile.workload != Workload::Membership {
        return Vec::new();
    }
    let mut rng = SimRng::new(change_seed(seed));
    let mut changes = Vec::new();
    let mut at_ms = 0;
    loop {
        at_ms += CHANGE_GAP_MS_MIN + rng.below(CHANGE_GAP_MS_MAX - CHANGE_GAP_MS_MIN + 1);
        if at_ms > profile.span_ms {
            break;
        }
        let pick = rng.below(1 << 16) as u32;
        changes.push(ScheduledChange { at_ms, pick });
    }
    assert!(
        changes.len() as u64 <= profile.span_ms / CHANGE_GAP_MS_MIN,
        "{} changes in {} ms",
        changes.len(),
        profile.span_ms
    );
    assert!(
        changes.windows(2).all(|w| w[0].at_ms < w[1].at_ms),
        "changes out of order"
    );
    changes
}

/// Checks a plan's changes: only in the membership workload, at most [`CHANGES_MAX`],
/// in time order within the fault phase of `span_ms`.
///
/// # Errors
/// The first problem found, naming the field and the allowed range.
pub fn validate_changes(
    changes: &[ScheduledChange],
    workload: Workload,
    span_ms: u64,
) -> Result<(), ScheduleError> {
    if workload != Workload::Membership && !changes.is_empty() {
        return Err(ScheduleError::Invalid {
            field: "changes".into(),
            why: format!(
                "has {} entries; only the membership workload changes its configuration",
                changes.len()
            ),
        });
    }
    within("changes", changes.len() as u64, 0, CHANGES_MAX, "")?;
    let mut last = 0;
    for (k, change) in changes.iter().enumerate() {
        let field = format!("changes[{k}].at_ms");
        within(
            &field,
            change.at_ms,
            0,
            span_ms,
            " (within profile.span_ms, the fault phase)",
        )?;
        if change.at_ms < last {
            return Err(ScheduleError::Invalid {
                field,
                why: format!(
                    "is {} ms, before the change above at {last} ms",
                    change.at_ms
                ),
            });
        }
        last = change.at_ms;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(workload: Workload, seed: u64) -> Profile {
        Profile::draw(workload, &mut SimRng::new(plan_seed(seed)))
    }

    #[test]
    fn draw_changes_membership_spaced_within_the_span_others_none() {
        for seed in 0..200 {
            let p = profile(Workload::Membership, seed);
            let changes = draw_changes(&p, seed);
            assert!(!changes.is_empty(), "seed {seed}: no change");
            let mut last = 0;
            for c in &changes {
                let gap = c.at_ms - last;
                assert!((300..=1_500).contains(&gap), "seed {seed}: gap {gap}");
                assert!(c.at_ms <= p.span_ms);
                last = c.at_ms;
            }
            assert_eq!(changes, draw_changes(&p, seed), "seeded");
            assert_eq!(validate_changes(&changes, p.workload, p.span_ms), Ok(()));
            for other in [Workload::Raft, Workload::Kv, Workload::Shardkv] {
                assert!(draw_changes(&profile(other, seed), seed).is_empty());
            }
        }
    }

    #[test]
    fn validate_changes_out_of_order_late_or_in_another_workload_refused() {
        let at = |at_ms| ScheduledChange { at_ms, pick: 0 };
        let table: [(Vec<ScheduledChange>, Workload, &str); 3] = [
            (
                vec![at(500), at(400)],
                Workload::Membership,
                "changes[1].at_ms is 400 ms, before the change above at 500 ms",
            ),
            (
                vec![at(3_001)],
                Workload::Membership,
                "changes[0].at_ms is 3001; allowed: 0 to 3000",
            ),
            (
                vec![at(10)],
                Workload::Kv,
                "changes has 1 entries; only the membership workload",
            ),
        ];
        for (changes, workload, why) in table {
            let err = validate_changes(&changes, workload, 3_000).map_err(|e| e.to_string());
            assert!(
                err.as_ref().is_err_and(|e| e.starts_with(why)),
                "{why}: {err:?}"
            );
        }
    }
}
