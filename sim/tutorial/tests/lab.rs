//! This crate's Raft under raftsim's lab scenarios and swarm runs.

use my_raft::MyRaft;
use raft_contract::{Command, RaftFamily};
use sim::implementation::Implementation;
use sim::swarm::Workload;
use sim::testing::{lab, swarm};

/// The Raft under test, for every command type the testers use.
struct Mine;

impl RaftFamily for Mine {
    type Node<C: Command> = MyRaft<C>;
}

impl Implementation for Mine {
    const NAME: &'static str = "mine";
    const DESCRIPTION: &'static str = "the tutorial's Raft";
}

#[test]
fn lab_2a_2b_2c() {
    lab::<Mine>().filter("2A|2B|2C").seeds(0..3).run();
}

#[test]
fn swarm_raft() {
    swarm::<Mine>().workload(Workload::Raft).seeds(0..20).run();
}

/// The same Raft with the planted bug: it forgets its disk when it restarts.
struct Amnesiac;

impl RaftFamily for Amnesiac {
    type Node<C: Command> = MyRaft<C, false>;
}

impl Implementation for Amnesiac {
    const NAME: &'static str = "amnesiac";
    const DESCRIPTION: &'static str = "the tutorial's Raft, forgetting its disk on restart";
}

#[test]
#[should_panic(expected = "cargo test amnesiac_fails_2c")]
fn amnesiac_fails_2c() {
    lab::<Amnesiac>().filter("2C").seeds(0..2).run();
}

/// What `RAFTSIM_REPLAY="Persist12C 0"` does, without the variable (tests share their
/// process's environment): the one run, failing again, with its files written.
#[test]
fn amnesiac_replay_writes_trace_and_timeline() {
    let failures = lab::<Amnesiac>()
        .filter("2C")
        .replay("Persist12C", 0)
        .check()
        .expect_err("the amnesiac fails Persist12C seed 0");
    assert_eq!((failures.runs, failures.failed.len()), (1, 1));
    let reason = failures.failed[0].failure.as_deref().unwrap_or_default();
    assert!(reason.contains("Durability"), "{reason}");
    for name in ["failure.txt", "trace.txt", "timeline.html"] {
        let line = reason
            .lines()
            .find(|l| l.trim_start().starts_with("written:") && l.ends_with(name))
            .unwrap_or_else(|| panic!("{name} not written:\n{reason}"));
        let path = line.trim_start().trim_start_matches("written:").trim();
        assert!(std::path::Path::new(path).is_file(), "{path}");
    }
}
