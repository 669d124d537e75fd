//! A Raft without snapshots (issue 23 §1): the swarm honours what an implementation
//! declares. Before, the swarm drew snapshot settings for every implementation, and a
//! Raft that declared `snapshots: false` failed most swarm runs with "refused snapshot".
//!
//! The Raft here is ours behind a wrapper that refuses every snapshot, registered with
//! `LabOptions { snapshots: false }`, and reports no snapshot point (`Status::snapshot`
//! is `None`, issue 23 §5).

use raft_contract::{
    Boot, Command, Error, Instant, LogIndex, NodeId, RaftFamily, RaftNode, Ready, Status, Term,
};
use sim::implementation::{Implementation, LabOptions};
use sim::registry::{self, Registered};
use sim::scenario::{Part, RunConfig};
use sim::swarm::{Plan, Workload};

/// Our Raft, refusing every snapshot its service asks for.
struct Refusing<C: Command>(raft::Raft<C>);

impl<C: Command> RaftNode<C> for Refusing<C> {
    type Message = <raft::Raft<C> as RaftNode<C>>::Message;

    fn boot(boot: Boot) -> Result<Self, Error> {
        <raft::Raft<C> as RaftNode<C>>::boot(boot).map(Refusing)
    }
    fn start(&mut self, command: C, now: Instant) -> Option<(LogIndex, Term)> {
        RaftNode::start(&mut self.0, command, now)
    }
    fn state(&self) -> (Term, bool) {
        RaftNode::state(&self.0)
    }
    fn snapshot(&mut self, index: LogIndex, _data: Vec<u8>) -> Result<(), Error> {
        Err(Error::SnapshotRefused(format!(
            "this Raft has no snapshots (asked at {})",
            index.0
        )))
    }
    fn step(&mut self, from: NodeId, msg: Self::Message, now: Instant) {
        RaftNode::step(&mut self.0, from, msg, now);
    }
    fn tick(&mut self, now: Instant) {
        RaftNode::tick(&mut self.0, now);
    }
    fn next_deadline(&self) -> Instant {
        RaftNode::next_deadline(&self.0)
    }
    fn ready(&mut self) -> Ready<C, Self::Message> {
        RaftNode::ready(&mut self.0)
    }
    /// Ours' status without its snapshot point, which stays at index 0: a Raft without
    /// snapshots says `None`.
    fn status(&self) -> Status {
        let status = RaftNode::status(&self.0);
        assert_eq!(
            status.snapshot_index(),
            LogIndex(0),
            "a Raft that refuses every snapshot has none"
        );
        Status {
            snapshot: None,
            ..status
        }
    }
    fn log_term(&self, index: LogIndex) -> Option<Term> {
        RaftNode::log_term(&self.0, index)
    }
}

struct NoSnapshots;

impl RaftFamily for NoSnapshots {
    type Node<C: Command> = Refusing<C>;
}

impl Implementation for NoSnapshots {
    const NAME: &'static str = "no-snapshots";
    const DESCRIPTION: &'static str = "our Raft, refusing every snapshot";
    fn options() -> LabOptions {
        LabOptions { snapshots: false }
    }
}

const SEEDS: u64 = 40;

fn run(name: &str, config: &RunConfig) -> sim::outcome::Outcome {
    registry::register(vec![Registered::of::<NoSnapshots>()]);
    let all = registry::implementation(NoSnapshots::NAME)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenarios();
    let scenario = registry::find(&all, name).unwrap_or_else(|e| panic!("{e}"));
    registry::run(&scenario, config)
}

/// Every lab scenario it supports (2A to 2C, 3A, 4A: none snapshots) passes on seed 0
/// with a status that reports no snapshot point: the monitors read `None` as index 0.
#[test]
fn lab_scenarios_pass_on_a_raft_reporting_no_snapshot_point() {
    registry::register(vec![Registered::of::<NoSnapshots>()]);
    let all = registry::implementation(NoSnapshots::NAME)
        .unwrap_or_else(|e| panic!("{e}"))
        .scenarios();
    let lab: Vec<_> = all.iter().filter(|s| Part::LAB.contains(&s.part)).collect();
    assert!(
        lab.iter().all(|s| s.part != Part::Raft2D),
        "2D needs snapshots"
    );
    assert!(lab.len() >= 20, "{} lab scenarios", lab.len());
    for scenario in lab {
        let outcome = registry::run(scenario, &RunConfig::default());
        assert_eq!(outcome.failure, None, "{} seed 0", scenario.name);
    }
}

/// Every swarm workload runs on it, and passes: none of its profiles asks for a
/// snapshot. Among these seeds the draw does ask for snapshots for the other
/// implementations (checked), so the test would fail without the fitting.
#[test]
fn every_swarm_workload_runs_on_a_raft_without_snapshots() {
    for (workload, name) in [
        (Workload::Raft, "SwarmRaft"),
        (Workload::Kv, "SwarmKv"),
        (Workload::Shardkv, "SwarmShardKv"),
    ] {
        let drawn = (0..SEEDS)
            .filter(|&seed| {
                Plan::generate(workload, "ours", &[], seed)
                    .profile
                    .snapshots()
            })
            .count();
        assert!(drawn > 0, "{name}: no seed of 0..{SEEDS} draws a snapshot");
        for seed in 0..SEEDS {
            let outcome = run(
                name,
                &RunConfig {
                    seed,
                    ..RunConfig::default()
                },
            );
            assert_eq!(
                outcome.failure, None,
                "{name} seed {seed} on a Raft without snapshots"
            );
            let profile = outcome.profile.unwrap_or_default();
            assert!(
                !profile.contains("snapshot-every") && !profile.contains("maxraftstate"),
                "{name} seed {seed} drew snapshots: {profile}"
            );
        }
    }
}

/// A schedule that asks for snapshots is refused, with its reason, not run into a
/// "refused snapshot" failure.
#[test]
fn a_schedule_with_snapshots_is_refused_for_a_raft_without_them() {
    let seed = (0..SEEDS)
        .find(|&s| {
            Plan::generate(Workload::Kv, "no-snapshots", &[], s)
                .profile
                .snapshots()
        })
        .unwrap_or_else(|| panic!("no seed of 0..{SEEDS} draws a maxraftstate"));
    let plan = Plan::generate(Workload::Kv, "no-snapshots", &[], seed);
    let json = serde_json::to_string(&plan).unwrap_or_else(|e| panic!("{e}"));
    let outcome = run(
        "SwarmKv",
        &RunConfig {
            seed,
            schedule: Some(std::sync::Arc::new(sim::scenario::Schedule {
                path: "snapshots.json".into(),
                json,
            })),
            ..RunConfig::default()
        },
    );
    let failure = outcome.failure.unwrap_or_default();
    assert!(
        failure.contains("asks for snapshots")
            && failure.contains("no-snapshots declares no snapshot support"),
        "{failure}"
    );
}

/// The wrapper really refuses: the refusal the swarm now avoids.
/// A scenario of raftsim's that the implementation does not run is refused with why:
/// a snapshot scenario without snapshots, a membership one without membership changes
/// (the wrapper declares none); an unknown name is still just unknown.
#[test]
fn a_scenario_it_cannot_run_is_refused_with_the_reason() {
    registry::register(vec![Registered::of::<NoSnapshots>()]);
    let it = registry::implementation(NoSnapshots::NAME).unwrap_or_else(|e| panic!("{e}"));
    let why = |name: &str| it.find(name).map(|s| s.name).unwrap_err().to_string();
    assert_eq!(
        why("SnapshotBasic2D"),
        "no-snapshots does not run SnapshotBasic2D: it needs snapshots, which it declares it does not support (Implementation::options)"
    );
    for name in ["AddServer", "SwarmMembership"] {
        assert!(
            why(name).ends_with(
                "it needs membership changes, which it does not declare (RaftFamily::MEMBERSHIP)"
            ),
            "{name}: {}",
            why(name)
        );
    }
    assert!(why("NoSuchScenario").starts_with("unknown scenario"));
    assert_eq!(
        it.find("InitialElection2A").map(|s| s.name),
        Ok("InitialElection2A")
    );
}

#[test]
fn the_wrapper_refuses_snapshots() {
    let mut node = <Refusing<u64> as RaftNode<u64>>::boot(Boot {
        id: NodeId(0),
        peers: 3,
        config: raft_contract::Configuration::all(3),
        persisted: Default::default(),
        seed: 1,
        now: Instant(0),
        settings: Default::default(),
        reads: raft_contract::ReadMode::Log,
    })
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        node.snapshot(LogIndex(1), vec![]),
        Err(Error::SnapshotRefused(_))
    ));
}
