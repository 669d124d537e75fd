//! `seeds/findings/`: runs that fail today because of a bug or a design limit in a
//! third-party Raft (see the README's findings sections). Each must still fail: a
//! finding that stops failing has been fixed, and its line moves to `seeds/`, where it
//! must pass forever after.

mod common;

use sim::cli::replay::seeds;
use sim::registry;
use sim::scenario::{RunConfig, Schedule};
use std::sync::Arc;

#[test]
fn findings_every_entry_still_fails() {
    let corpus = seeds::load(&[common::findings_dir()]).unwrap_or_else(|e| panic!("findings: {e}"));
    let entries = corpus.entries();
    let runs =
        seeds::resolve(entries, registry::DEFAULT_RAFT).unwrap_or_else(|e| panic!("findings: {e}"));
    for ((s, seed, knobs), entry) in runs.iter().zip(entries) {
        assert!(
            entry.raft.is_some(),
            "{}: a finding names its implementation",
            entry.origin
        );
        if entry.note.starts_with(common::DEBUG_ONLY) && !cfg!(debug_assertions) {
            continue;
        }
        let outcome = registry::run(
            s,
            &RunConfig {
                seed: *seed,
                knobs: *knobs,
                ..RunConfig::default()
            },
        );
        assert!(
            outcome.failure.is_some(),
            "{} ({}): {} seed={seed} on {} passes now: move the line to seeds/",
            entry.origin,
            entry.note,
            s.name,
            s.implementation
        );
    }
}

/// The shrunk schedules of openraft's findings that only debug assertions catch, with
/// what their panic says:
/// - finding 2, shrunk from SwarmRaft seed 1012 (10 faults on 7 servers) to one network
///   fault on 3 servers: a follower installs a snapshot its log already covers;
/// - finding 3, shrunk from SwarmRaft seed 2571 (20 faults) to 11: a follower whose
///   uncommitted tail has a newer term than the snapshot installs it past that tail.
const DEBUG_ONLY_SCHEDULES: [(&str, &str); 2] = [
    ("openraft-snapshot-behind-log.json", "new_submitted"),
    (
        "openraft-snapshot-past-conflicting-tail.json",
        "Some(upto) > self.last()",
    ),
];

#[test]
fn findings_openraft_shrunk_schedules_still_panic_in_debug_builds() {
    let openraft = registry::implementation("openraft").unwrap_or_else(|e| panic!("{e}"));
    let scenarios = openraft.scenarios();
    let swarm = registry::find(&scenarios, "SwarmRaft").unwrap_or_else(|e| panic!("{e}"));
    for (file, panic) in DEBUG_ONLY_SCHEDULES {
        let path = common::findings_dir().join(file);
        let json =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let plan = sim::swarm::Plan::from_json(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
        let outcome = registry::run(
            &swarm,
            &RunConfig {
                seed: plan.seed,
                schedule: Some(Arc::new(Schedule {
                    path: path.display().to_string(),
                    json,
                })),
                ..RunConfig::default()
            },
        );
        if cfg!(debug_assertions) {
            let reason = outcome
                .failure
                .unwrap_or_else(|| panic!("{file} passes now"));
            assert!(reason.contains(panic), "{file}: another failure: {reason}");
        } else {
            assert!(
                outcome.passed(),
                "{file}: release builds skip the assertion: {:?}",
                outcome.failure
            );
        }
    }
}

/// Runs the shrunk schedule `file` of `seeds/findings/` as swarm scenario `scenario` of
/// implementation `raft`, after `edit` (a control run changes a knob): its plan, and the
/// run's failure reason (empty if it passed).
fn run_schedule(
    raft: &str,
    file: &str,
    scenario: &str,
    edit: impl FnOnce(&mut sim::swarm::Plan),
) -> (sim::swarm::Plan, String) {
    let path = common::findings_dir().join(file);
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut plan = sim::swarm::Plan::from_json(&json).unwrap_or_else(|e| panic!("{file}: {e}"));
    edit(&mut plan);
    let registered = registry::implementation(raft).unwrap_or_else(|e| panic!("{e}"));
    let scenarios = registered.scenarios();
    let swarm = registry::find(&scenarios, scenario).unwrap_or_else(|e| panic!("{e}"));
    let config = RunConfig {
        seed: plan.seed,
        schedule: Some(Arc::new(Schedule {
            path: path.display().to_string(),
            json: plan.to_json(),
        })),
        ..RunConfig::default()
    };
    let reason = registry::run(&swarm, &config).failure.unwrap_or_default();
    (plan, reason)
}

/// openraft's finding 5 as the swarm found and `shrink` reduced it: SwarmKv seed 168
/// (`raftsim shrink --raft openraft --workload kv --seed 168`, 2 faults shrunk to one
/// deaf leader on 3 servers), with the knobs that make it a finding (the shrink dropped
/// them, since a deaf leader stalls openraft without CheckQuorum by design): CheckQuorum
/// on and elections of 400-800 ms. Nothing completes for 8.5 s though two servers hear
/// each other; the same schedule with openraft's own election timeouts (300-600 ms)
/// passes, so the check can pass on it.
#[test]
fn findings_openraft_check_quorum_leaves_a_deaf_leader_with_entries_in_flight() {
    let file = "openraft-check-quorum-deaf-leader.json";
    let (plan, reason) = run_schedule("openraft", file, "SwarmKv", |_| {});
    assert_eq!(plan.faults.len(), 1, "{file}: one deaf leader");
    assert_eq!(plan.profile.knobs.get("check_quorum"), Some(1));
    assert!(
        reason.starts_with("no progress during faults: servers [1, 2]"),
        "{file}: {reason}"
    );
    let (_, control) = run_schedule("openraft", file, "SwarmKv", |plan| {
        plan.profile.knobs.set("election_timeout_min_ms", 300);
    });
    assert_eq!(control, "", "{file} with elections of 300-600 ms");
}

/// raft-rs's finding 1 as the swarm found and `shrink` reduced it: SwarmKv seed 228 with
/// lease reads and the shipped configuration (`raftsim shrink --raft raft-rs --workload
/// kv --seed 228 --knobs shipped --reads lease`), 5 faults shrunk to 3. The schedule
/// carries its read mode; the run must still end in a stale read.
#[test]
fn findings_raft_rs_shrunk_lease_schedule_still_reads_stale() {
    let file = "raft-rs-lease-stale-read.json";
    let (plan, reason) = run_schedule("raft-rs", file, "SwarmKv", |_| {});
    assert_eq!(plan.profile.reads, raft_contract::ReadMode::Lease);
    assert_eq!(reason, "history is not linearizable", "{file}");
}

/// raft-rs's finding 2 as the swarm found and `shrink` reduced it: SwarmMembership seed 9
/// (`raftsim shrink --raft raft-rs --workload membership --seed 9`), 2 faults shrunk to
/// none: five membership changes alone leave a removed leader in office, and nothing
/// completes after the fault phase.
#[test]
fn findings_raft_rs_shrunk_membership_schedule_still_stalls() {
    let file = "raft-rs-removed-leader.json";
    let (plan, reason) = run_schedule("raft-rs", file, "SwarmMembership", |_| {});
    assert!(plan.faults.is_empty(), "{file}: no fault is needed");
    assert!(
        reason.starts_with("no progress") && reason.contains("config voters {n0,n1,n4}"),
        "{file}: {reason}"
    );
}
