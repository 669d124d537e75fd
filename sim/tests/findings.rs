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

/// openraft finding 2, shrunk from SwarmRaft seed 1012 (10 faults on 7 servers) to one
/// network fault on 3 servers: a follower installs a snapshot its log already covers,
/// and openraft's I/O-progress assertion (debug builds only) fires.
#[test]
fn findings_openraft_snapshot_behind_the_log_still_panics_in_debug_builds() {
    let path = common::findings_dir().join("openraft-snapshot-behind-log.json");
    let json = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let openraft = registry::implementation("openraft").unwrap_or_else(|e| panic!("{e}"));
    let scenarios = openraft.scenarios();
    let swarm = registry::find(&scenarios, "SwarmRaft").unwrap_or_else(|e| panic!("{e}"));
    let plan = sim::swarm::Plan::from_json(&json).unwrap_or_else(|e| panic!("{e}"));
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
        let reason = outcome.failure.expect("the finding still fails");
        assert!(
            reason.contains("new_submitted"),
            "another failure: {reason}"
        );
    } else {
        assert!(
            outcome.passed(),
            "release builds skip the assertion: {:?}",
            outcome.failure
        );
    }
}
