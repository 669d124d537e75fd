//! Swarm runs: every kind of fault is drawn by some seed, each such run is
//! deterministic (two runs, one trace hash) and passes on the reference Raft, a plan
//! survives its schedule file, and `run --schedule` replays the run of its seed.

mod common;

use sim::registry::{find, implementation, registry, run};
use sim::scenario::{RunConfig, Schedule};
use sim::swarm::schedule::Fault;
use sim::swarm::{scenario_name, Plan, Workload};
use std::collections::BTreeSet;
use std::sync::Arc;

/// The kind of a fault, for coverage.
fn kind(f: &Fault) -> &'static str {
    match f {
        Fault::Partition { .. } => "partition",
        Fault::IsolateLeader => "isolate",
        Fault::OneWay { .. } => "one-way",
        Fault::Bridge { .. } => "bridge",
        Fault::Flap { .. } => "flap",
        Fault::Heal => "heal",
        Fault::Crash { nodes, .. } if nodes.len() > 1 => "crash-many",
        Fault::Crash { .. } => "crash",
        Fault::Trap { .. } => "trap",
        Fault::Network { .. } => "network",
        Fault::DeafLeader { .. } => "deaf-leader",
    }
}

/// The workloads of every implementation: the membership workload is listed only for
/// those that declare membership changes (tested apart below).
const EVERY_IMPLEMENTATION: [Workload; 3] = [Workload::Raft, Workload::Kv, Workload::Shardkv];

fn config(seed: u64) -> RunConfig {
    RunConfig {
        seed,
        ..RunConfig::default()
    }
}

/// Seeds until every fault kind and every cluster size showed up, for a workload on
/// implementation `raft`: each run twice, with the same trace hash, passing. (A
/// shardkv run has one size.)
fn every_kind_deterministic_and_passing(workload: Workload, raft: &str) {
    let size_count = if workload == Workload::Shardkv { 1 } else { 3 };
    let implementation = implementation(raft).unwrap_or_else(|e| panic!("{e}"));
    let all = implementation.scenarios();
    let scenario = find(&all, scenario_name(workload)).unwrap_or_else(|e| panic!("{e}"));
    let wanted = [
        "partition",
        "isolate",
        "one-way",
        "bridge",
        "flap",
        "crash",
        "crash-many",
        "trap",
        "network",
        "deaf-leader",
    ];
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut sizes = BTreeSet::new();
    let mut seed = 0;
    while (seen.len() < wanted.len() || sizes.len() < size_count) && seed < 200 {
        let plan = Plan::generate(workload, raft, implementation.knobs, seed);
        let new: Vec<&str> = plan
            .faults
            .iter()
            .map(|s| kind(&s.fault))
            .filter(|k| !seen.contains(k))
            .collect();
        if !new.is_empty() || !sizes.contains(&plan.profile.servers) {
            let a = run(&scenario, &config(seed));
            let b = run(&scenario, &config(seed));
            // A known finding in the Raft under test (seeds/findings/) must still fail.
            match common::finding(raft, scenario.name, seed) {
                None => assert!(a.passed(), "{} seed {seed}: {:?}", scenario.name, a.failure),
                Some(note) => assert!(
                    !a.passed(),
                    "{} seed {seed} on {raft} passes, but seeds/findings/ lists it ({note})",
                    scenario.name
                ),
            }
            assert_eq!(
                (a.trace_hash, a.events),
                (b.trace_hash, b.events),
                "{} seed {seed} is not deterministic: {}",
                scenario.name,
                a.replay_command()
            );
            seen.extend(new);
            sizes.insert(plan.profile.servers);
        }
        seed += 1;
    }
    assert_eq!(
        seen.len(),
        wanted.len(),
        "kinds seen by seed {seed}: {seen:?}"
    );
    assert_eq!(sizes.len(), size_count, "sizes seen: {sizes:?}");
}

#[test]
fn swarm_raft_every_fault_kind_runs_deterministically_and_passes() {
    every_kind_deterministic_and_passing(Workload::Raft, "ours");
}

#[test]
fn swarm_kv_every_fault_kind_runs_deterministically_and_passes() {
    every_kind_deterministic_and_passing(Workload::Kv, "ours");
}

#[test]
fn swarm_shardkv_every_fault_kind_runs_deterministically_and_passes() {
    every_kind_deterministic_and_passing(Workload::Shardkv, "ours");
}

/// The same on openraft, whose tasks run on the virtual-time runtime: every swarm
/// profile replays to the same trace hash.
#[cfg(feature = "openraft")]
#[test]
fn swarm_openraft_every_fault_kind_runs_deterministically_and_passes() {
    for workload in EVERY_IMPLEMENTATION {
        every_kind_deterministic_and_passing(workload, "openraft");
    }
}

#[test]
fn swarm_plan_survives_its_schedule_file_and_replays_its_seed() {
    for workload in EVERY_IMPLEMENTATION {
        let plan = Plan::generate(workload, "ours", raft::config::KNOBS, 11);
        let text = plan.to_json();
        assert_eq!(Plan::from_json(&text).as_ref(), Ok(&plan));
        let all = registry();
        let scenario = find(&all, scenario_name(workload)).unwrap_or_else(|e| panic!("{e}"));
        let by_seed = run(&scenario, &config(11));
        let scheduled = RunConfig {
            schedule: Some(Arc::new(Schedule {
                path: "s.json".into(),
                json: text,
            })),
            ..config(11)
        };
        let by_file = run(&scenario, &scheduled);
        assert_eq!(by_seed.trace_hash, by_file.trace_hash, "{workload:?}");
        assert_eq!(
            by_file.replay_command(),
            "cargo run --release -- run --schedule s.json"
        );
    }
}

#[test]
fn swarm_schedule_errors_name_what_is_wrong() {
    let plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 2);
    let cases: Vec<(String, &str)> = vec![
        ("{".into(), "line 1"),
        (
            plan.to_json().replace("raftsim-schedule", "other"),
            "format",
        ),
        (
            plan.to_json()
                .replace("\"servers\": ", "\"servers\": 40, \"x\": "),
            "servers is 40",
        ),
        (
            plan.to_json()
                .replacen("\"version\": 1", "\"version\": 9", 1),
            "version 9",
        ),
    ];
    let sharded = Plan::generate(Workload::Shardkv, "ours", raft::config::KNOBS, 2).to_json();
    let cases = cases.into_iter().chain([(
        sharded.replace("\"servers\": 12", "\"servers\": 5"),
        "a shardkv run has 12",
    )]);
    for (text, why) in cases {
        match Plan::from_json(&text) {
            Err(e) => assert!(e.to_string().contains(why), "{why}: {e}"),
            Ok(_) => panic!("accepted: {why}"),
        }
    }
}

/// The run of `plan` (a schedule, as `raftsim run --schedule` takes it) on our Raft with
/// `set` knobs over the plan's.
fn run_plan(plan: &Plan, set: &[(&str, u64)]) -> sim::outcome::Outcome {
    let all = registry();
    let scenario =
        find(&all, scenario_name(plan.profile.workload)).unwrap_or_else(|e| panic!("{e}"));
    let mut config = RunConfig {
        schedule: Some(Arc::new(Schedule {
            path: "live.json".into(),
            json: plan.to_json(),
        })),
        ..config(plan.seed)
    };
    for (name, value) in set {
        config.settings.set(name, *value);
    }
    run(&scenario, &config)
}

/// QuorumLoss in a swarm run: three servers, and one second in, the links from two of
/// them into the third cut (one way: the third still sends to both). When the third
/// leads, the other two are a stable majority that hears a leader it cannot answer.
fn quorum_loss_plan(seed: u64, cut_off: usize) -> Plan {
    workload_quorum_loss_plan(Workload::Raft, seed, cut_off)
}

/// QuorumLoss as [`quorum_loss_plan`], in `workload`: the kv workload's three servers
/// with two clerks on one key, or the shardkv workload's controller (servers 0 to 2;
/// the groups see no fault).
fn workload_quorum_loss_plan(workload: Workload, seed: u64, cut_off: usize) -> Plan {
    use sim::swarm::schedule::Scheduled;
    let mut plan = Plan::generate(workload, "ours", raft::config::KNOBS, seed);
    let p = &mut plan.profile;
    (p.loss, p.duplicate, p.delay_ms_max) = (0.0, 0.0, 0);
    (p.long_reordering, p.span_ms) = (false, 12_000);
    (p.servers, p.clients) = match workload {
        Workload::Raft => (3, 200),
        Workload::Kv => (3, 2),
        Workload::Shardkv => (p.servers, 2),
        Workload::Membership => (p.servers, 2),
    };
    (p.keys, p.maxraftstate) = match workload {
        Workload::Kv => (1, None),
        _ => (p.keys, p.maxraftstate),
    };
    p.knobs = raft_contract::Settings::defaults();
    p.live_during_faults = true;
    plan.clocks.clear();
    plan.faults = (0..3)
        .filter(|&from| from != cut_off)
        .map(|from| Scheduled {
            at_ms: 1_000,
            fault: Fault::OneWay { from, to: cut_off },
        })
        .collect();
    p.faults = plan.faults.len();
    plan
}

/// Liveness during faults fails without CheckQuorum and holds with it: for each of a few
/// seeds, the plan that cuts off the leader fails with `check_quorum=0` for the stated
/// reason (the stable majority [the other two] hears the old leader, so it refuses every
/// pre-vote, and nothing commits), and every plan passes in the shipped configuration.
#[test]
fn swarm_live_during_faults_quorum_loss_fails_without_check_quorum_only() {
    for seed in 1..4 {
        let mut stalled = 0;
        for cut_off in 0..3 {
            let plan = quorum_loss_plan(seed, cut_off);
            let shipped = run_plan(&plan, &[]);
            assert!(
                shipped.passed(),
                "seed {seed}, cut off {cut_off}: {:?}",
                shipped.failure
            );
            let off = run_plan(&plan, &[("check_quorum", 0)]);
            if let Some(reason) = off.failure.as_deref() {
                let majority = format!(
                    "servers {:?} were up",
                    [0, 1, 2]
                        .iter()
                        .filter(|&&i| i != cut_off)
                        .collect::<Vec<_>>()
                );
                assert!(
                    reason.starts_with("no progress during faults: ") && reason.contains(&majority),
                    "seed {seed}, cut off {cut_off}: {reason}"
                );
                assert!(
                    reason.contains(&format!("server {cut_off} sends to")),
                    "the reason names what is outside: {reason}"
                );
                stalled += 1;
            }
        }
        assert_eq!(
            stalled, 1,
            "seed {seed}: exactly the leader's cut stalls the majority"
        );
    }
}

/// PreVote off does not stall the same majority: the server cut off raises its term,
/// deposes the leader, and a new one commits (churn, not a stall).
#[test]
fn swarm_live_during_faults_pre_vote_off_churns_but_progresses() {
    for cut_off in 0..3 {
        let plan = quorum_loss_plan(2, cut_off);
        let off = run_plan(&plan, &[("pre_vote", 0)]);
        assert!(off.passed(), "cut off {cut_off}: {:?}", off.failure);
    }
}

/// SwarmRaft seed `seed` on our Raft, run twice: it passes, both runs have one trace
/// hash and one event count, and the first is returned.
fn passing_twice(seed: u64) -> sim::outcome::Outcome {
    let all = registry();
    let scenario = find(&all, "SwarmRaft").unwrap_or_else(|e| panic!("{e}"));
    let a = run(&scenario, &config(seed));
    let b = run(&scenario, &config(seed));
    assert!(a.passed(), "seed {seed}: {:?}", a.failure);
    assert_eq!(
        (a.trace_hash, a.events),
        (b.trace_hash, b.events),
        "seed {seed} is not deterministic: {}",
        a.replay_command()
    );
    a
}

/// The first seed of `workload` whose run checks liveness during faults, its plan, and
/// its run, made twice: it passes, both runs have one trace hash, and its profile line
/// names the property.
fn checking_run_twice(workload: Workload) -> (Plan, sim::outcome::Outcome) {
    let plan = (0..)
        .map(|s| Plan::generate(workload, "ours", raft::config::KNOBS, s))
        .find(|p| p.profile.live_during_faults)
        .expect("a seed checks it");
    let seed = plan.seed;
    let all = registry();
    let scenario = find(&all, scenario_name(workload)).unwrap_or_else(|e| panic!("{e}"));
    let a = run(&scenario, &config(seed));
    let b = run(&scenario, &config(seed));
    assert!(a.passed(), "{workload:?} seed {seed}: {:?}", a.failure);
    assert_eq!(
        (a.trace_hash, a.events),
        (b.trace_hash, b.events),
        "{workload:?} seed {seed}"
    );
    let profile = a.profile.as_deref().unwrap_or("");
    assert!(
        profile.contains(" live-during-faults[window>=8.5s]"),
        "{profile}"
    );
    (plan, a)
}

/// A run that checks liveness during faults says so in its profile line and is
/// deterministic: two runs, one trace hash.
#[test]
fn swarm_live_during_faults_named_in_the_profile_and_deterministic() {
    checking_run_twice(Workload::Raft);
    let plan = quorum_loss_plan(1, 2);
    let (x, y) = (
        run_plan(&plan, &[("check_quorum", 0)]),
        run_plan(&plan, &[("check_quorum", 0)]),
    );
    assert_eq!(x.trace_hash, y.trace_hash, "a failing run replays too");
}

/// A run whose seed draws clocks names them in its profile line, replays to the same
/// trace hash, and follows its schedule file to the same run; the same plan without its
/// clocks is another run (the clocks are used, not just drawn).
#[test]
fn swarm_clocks_drawn_named_in_the_profile_and_deterministic() {
    let plan = (0..)
        .map(|s| Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, s))
        .find(|p| p.clocks.len() >= 2 && p.clocks.iter().any(|c| !c.jumps.is_empty()))
        .expect("a seed draws clocks with a jump");
    let seed = plan.seed;
    let a = passing_twice(seed);
    let profile = a.profile.as_deref().unwrap_or("");
    let named = format!(" clocks[{} ", plan.clocks[0]);
    assert!(profile.contains(&named), "{profile} lacks {named}");
    let by_file = run_plan(&plan, &[]);
    assert_eq!(
        by_file.trace_hash, a.trace_hash,
        "the schedule file carries them"
    );
    let mut plain = plan.clone();
    plain.clocks.clear();
    assert_ne!(
        run_plan(&plain, &[]).trace_hash,
        a.trace_hash,
        "seed {seed}"
    );
}

/// A deaf leader drawn by the swarm stalls a Raft without CheckQuorum: SwarmRaft seed
/// 381 (7 servers, 10 faults; `shrink` keeps one deaf leader on 3 servers) fails
/// liveness during faults with `check_quorum=0`, naming the leader that hears no one,
/// and passes as the seed draws it (CheckQuorum on). Before the fault kind, 40,000 seeds
/// with `check_quorum=0` found no stall.
#[test]
fn swarm_deaf_leader_seed_stalls_without_check_quorum_only() {
    let seed = 381;
    let plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, seed);
    assert!(
        plan.faults
            .iter()
            .any(|s| matches!(s.fault, Fault::DeafLeader { .. })),
        "seed {seed} draws a deaf leader"
    );
    let shipped = passing_twice(seed);
    let profile = shipped.profile.as_deref().unwrap_or("");
    assert!(
        !profile.contains("check_quorum=0"),
        "drawn with CheckQuorum on: {profile}"
    );
    let all = registry();
    let scenario = find(&all, "SwarmRaft").unwrap_or_else(|e| panic!("{e}"));
    let mut off = config(seed);
    off.settings.set("check_quorum", 0);
    let failed = run(&scenario, &off);
    let reason = failed.failure.as_deref().unwrap_or("passed");
    assert!(
        reason.starts_with("no progress during faults: "),
        "seed {seed}: {reason}"
    );
    assert!(
        failed
            .replay_command()
            .ends_with("--seed 381 --set check_quorum=0"),
        "{}",
        failed.replay_command()
    );
}

/// Liveness during faults in the kv workload fails without CheckQuorum and holds with
/// it: with the leader cut off as in QuorumLoss, its two followers (a stable majority
/// the clerks reach) hear it and refuse each other's pre-votes, so the clerks' requests
/// reach only a leader that cannot commit them, and no operation completes. Shipped,
/// every plan passes. The same for the shardkv workload's controller, whose Joins,
/// Leaves and Moves stall.
#[test]
fn swarm_live_during_faults_kv_and_controller_quorum_loss_fail_without_check_quorum_only() {
    for (workload, seeds, what) in [
        (
            Workload::Kv,
            1..3,
            "no clerk's Get, Put or Append completed",
        ),
        (Workload::Shardkv, 1..2, "no Join, Leave or Move completed"),
    ] {
        for seed in seeds {
            let mut stalled = 0;
            for cut_off in 0..3 {
                let plan = workload_quorum_loss_plan(workload, seed, cut_off);
                let shipped = run_plan(&plan, &[]);
                assert!(
                    shipped.passed(),
                    "{workload:?} seed {seed}, cut off {cut_off}: {:?}",
                    shipped.failure
                );
                let off = run_plan(&plan, &[("check_quorum", 0)]);
                let Some(reason) = off.failure.as_deref() else {
                    continue;
                };
                let majority: Vec<usize> = (0..3).filter(|&i| i != cut_off).collect();
                assert!(
                    reason.starts_with("no progress during faults: ")
                        && reason.contains(&format!("servers {majority:?} were up"))
                        && reason.contains(what)
                        && reason.contains(&format!(
                            "server {cut_off} sends to {majority:?}, hears from []"
                        )),
                    "{workload:?} seed {seed}, cut off {cut_off}: {reason}"
                );
                stalled += 1;
            }
            assert_eq!(
                stalled, 1,
                "{workload:?} seed {seed}: exactly the leader's cut stalls the majority"
            );
        }
    }
}

/// A kv or shardkv run that checks liveness during faults is deterministic (two runs,
/// one trace hash), and, since the clerk watch sends nothing, has the trace of the same
/// run without the property (the first 20 seeds of each workload that draw it).
#[test]
fn swarm_live_during_faults_kv_and_shardkv_deterministic_and_unchanged_by_the_watch() {
    for workload in [Workload::Kv, Workload::Shardkv] {
        let (plan, a) = checking_run_twice(workload);
        let seed = plan.seed;
        let mut without = plan.clone();
        without.profile.live_during_faults = false;
        let plain = run_plan(&without, &[]);
        assert!(
            plain.passed(),
            "{workload:?} seed {seed}: {:?}",
            plain.failure
        );
        assert_eq!(
            (a.trace_hash, a.events),
            (plain.trace_hash, plain.events),
            "{workload:?} seed {seed}: the watch changed the run"
        );
        // And over more of the seeds that draw it, each run as a schedule both ways.
        let checking = (0..)
            .map(|s| Plan::generate(workload, "ours", raft::config::KNOBS, s))
            .filter(|p| p.profile.live_during_faults)
            .take(20);
        for plan in checking {
            let mut without = plan.clone();
            without.profile.live_during_faults = false;
            let (with, plain) = (run_plan(&plan, &[]), run_plan(&without, &[]));
            assert_eq!(
                (with.trace_hash, with.failure),
                (plain.trace_hash, plain.failure),
                "{workload:?} seed {}: the watch changed the run",
                plan.seed
            );
        }
    }
}

/// The swarm's own faults stall the kv workload without CheckQuorum: SwarmKv seed 168
/// (three servers) draws a deaf leader, so leader n0 hears no one and reaches n2 only.
/// Without CheckQuorum it leads on without acknowledgements; n2 hears it and refuses
/// n1's pre-votes, so the stable majority {1, 2} serves no clerk from 2.237 s on (2.235
/// s before our Raft's saved state grew a tag byte per entry for membership changes,
/// which moves when the KV service snapshots).
/// Shipped (CheckQuorum on) and with PreVote off as well, the run passes. Found by
/// `raftsim swarm --workload kv --seeds 0..6000 --set check_quorum=0` (5 failures, the
/// first this one). Before the swarm drew deaf leaders, seed 3664 was such a run, built
/// from two random one-way cuts; its plan has changed since.
#[test]
fn swarm_kv_seed_168_stalls_its_majority_without_check_quorum_only() {
    let scenario = find(&registry(), "SwarmKv").unwrap_or_else(|e| panic!("{e}"));
    let with = |set: &[(&str, u64)]| {
        let mut c = config(168);
        for (name, value) in set {
            c.settings.set(name, *value);
        }
        run(&scenario, &c)
    };
    let off = with(&[("check_quorum", 0)]);
    let reason = off.failure.as_deref().unwrap_or("passed");
    assert!(
        reason.starts_with("no progress during faults: servers [1, 2] were up")
            && reason.contains("no clerk's Get, Put or Append completed from 2.236788s"),
        "{reason}"
    );
    for set in [
        &[][..],
        &[("check_quorum", 1)],
        &[("check_quorum", 0), ("pre_vote", 0)],
    ] {
        let run = with(set);
        assert!(run.passed(), "{set:?}: {:?}", run.failure);
    }
}

/// The membership workload is a swarm scenario exactly where the implementation lists
/// the membership scenarios (both follow `RaftFamily::MEMBERSHIP`).
#[test]
fn swarm_membership_listed_exactly_with_the_membership_part() {
    use sim::scenario::Part;
    for registered in sim::registry::implementations() {
        let all = registered.scenarios();
        let swarm = all.iter().any(|s| s.name == "SwarmMembership");
        let part = all.iter().any(|s| s.part == Part::Membership);
        assert_eq!(swarm, part, "{}", registered.name);
    }
    let ours = implementation("ours").unwrap_or_else(|e| panic!("{e}"));
    let listed = ours.scenarios().iter().any(|s| s.name == "SwarmMembership");
    let declared = <raft::Family as raft_contract::RaftFamily>::MEMBERSHIP.is_some();
    assert_eq!(listed, declared, "ours");
}

/// Our Raft declares membership changes, so `SwarmMembership` is one of its scenarios
/// (fails until membership lands in our Raft).
#[test]
fn swarm_membership_listed_for_our_raft() {
    let ours = implementation("ours").unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = ours.scenarios().iter().map(|s| s.name).collect();
    assert!(names.contains(&"SwarmMembership"), "{names:?}");
}

/// A membership plan names its initial voters, holds spare slots and changes, and
/// survives its schedule file; the other workloads' plans and files hold neither field.
#[test]
fn swarm_membership_plan_has_members_spares_and_changes_others_neither() {
    let mut sizes = BTreeSet::new();
    for seed in 0..50 {
        let plan = Plan::generate(Workload::Membership, "ours", raft::config::KNOBS, seed);
        let members = plan
            .profile
            .members
            .expect("a membership plan names its voters");
        assert!(members == 3 || members == 5, "seed {seed}: {members}");
        assert_eq!(plan.profile.servers, members + 2, "seed {seed}");
        assert!(!plan.changes.is_empty(), "seed {seed}: no change");
        let text = plan.to_json();
        assert!(text.contains("\"changes\"") && text.contains("\"members\""));
        assert_eq!(Plan::from_json(&text).as_ref(), Ok(&plan), "seed {seed}");
        assert!(
            plan.summary().contains(&format!(" members={members} ")),
            "{}",
            plan.summary()
        );
        sizes.insert(members);
        for workload in EVERY_IMPLEMENTATION {
            let other = Plan::generate(workload, "ours", raft::config::KNOBS, seed);
            let text = other.to_json();
            assert!(other.changes.is_empty() && other.profile.members.is_none());
            assert!(!text.contains("\"changes\"") && !text.contains("\"members\""));
        }
    }
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    let plan = Plan::generate(Workload::Membership, "ours", raft::config::KNOBS, 1);
    let cases = [
        (
            plan.to_json()
                .replacen("\"members\": ", "\"members\": 7, \"x\": ", 1),
            "profile.members is 7; allowed: 3 to 5",
        ),
        (
            Plan::generate(Workload::Kv, "ours", raft::config::KNOBS, 1)
                .to_json()
                .replacen("\"servers\": ", "\"members\": 3, \"servers\": ", 1),
            "profile.members is set",
        ),
    ];
    for (text, why) in cases {
        match Plan::from_json(&text) {
            Err(e) => assert!(e.to_string().contains(why), "{why}: {e}"),
            Ok(_) => panic!("accepted: {why}"),
        }
    }
}

/// A membership plan's schedule file replays the run of its seed on every
/// implementation that lists the workload, and some does (fails until membership lands
/// in our Raft).
#[test]
fn swarm_membership_schedule_replays_its_seed() {
    use sim::scenario::Part;
    let with: Vec<_> = sim::registry::implementations()
        .into_iter()
        .filter(|r| r.scenarios().iter().any(|s| s.part == Part::Membership))
        .collect();
    assert!(
        !with.is_empty(),
        "no implementation declares membership changes"
    );
    for registered in with {
        let all = registered.scenarios();
        let scenario = find(&all, "SwarmMembership").unwrap_or_else(|e| panic!("{e}"));
        let (name, options, knobs) = (registered.name, registered.options, registered.knobs);
        let plan = Plan::generate_for(Workload::Membership, name, options, knobs, 3);
        let scheduled = RunConfig {
            schedule: Some(Arc::new(Schedule {
                path: "m.json".into(),
                json: plan.to_json(),
            })),
            ..config(3)
        };
        let by_file = run(&scenario, &scheduled);
        let by_seed = run(&scenario, &config(3));
        assert!(by_file
            .failure
            .as_deref()
            .is_none_or(|f| !f.starts_with("unusable")));
        assert_eq!(
            by_file.trace_hash, by_seed.trace_hash,
            "{}",
            registered.name
        );
    }
}

/// The metric `name` of an outcome, 0 when it is missing.
fn metric(outcome: &sim::outcome::Outcome, name: &str) -> f64 {
    outcome
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .map_or(0.0, |(_, v)| *v)
}

/// SwarmMembership on implementation `raft`, seeds `0..seeds`: each run twice with one
/// trace hash, each passing (history linearizable, liveness after the faults) unless
/// `seeds/findings/` lists it, and the leaders accept changes: most passing runs report
/// accepted changes (a short fault phase full of faults may have no leader at any of
/// its few change times), every one ends on 3 to 5 voters, and both sizes of cluster
/// run. Returns the accepted changes of each passing run.
fn membership_runs(raft: &str, seeds: u64) -> Vec<f64> {
    let registered = implementation(raft).unwrap_or_else(|e| panic!("{e}"));
    let all = registered.scenarios();
    let scenario = find(&all, "SwarmMembership").unwrap_or_else(|e| panic!("{e}"));
    let mut sizes = BTreeSet::new();
    let mut accepted = Vec::new();
    for seed in 0..seeds {
        let plan = Plan::generate(Workload::Membership, raft, registered.knobs, seed);
        let a = run(&scenario, &config(seed));
        let b = run(&scenario, &config(seed));
        assert_eq!(
            (a.trace_hash, a.events),
            (b.trace_hash, b.events),
            "{raft} seed {seed} is not deterministic: {}",
            a.replay_command()
        );
        if let Some(note) = common::finding(raft, scenario.name, seed) {
            assert!(
                !a.passed(),
                "{raft} seed {seed} passes, but seeds/findings/ lists it ({note})"
            );
            continue;
        }
        assert!(a.passed(), "{raft} seed {seed}: {:?}", a.failure);
        let n = metric(&a, "changes_accepted");
        let voters = metric(&a, "final_voters");
        assert!(
            (3.0..=5.0).contains(&voters),
            "{raft} seed {seed}: {voters} voters"
        );
        accepted.push(n);
        sizes.insert(plan.profile.members);
    }
    assert_eq!(sizes.len(), 2, "{sizes:?}");
    let changing = accepted.iter().filter(|&&n| n > 0.0).count();
    assert!(
        2 * changing >= accepted.len() && changing > 0,
        "{raft}: {changing} of {} runs accepted a change: {accepted:?}",
        accepted.len()
    );
    accepted
}

/// [`membership_runs`] on our Raft, seeds 0..8 (fails until membership lands in our
/// Raft).
#[test]
fn swarm_membership_runs_deterministically_changes_the_configuration_and_passes() {
    let accepted = membership_runs("ours", 8);
    eprintln!("ours: changes accepted, seeds 0..8: {accepted:?}");
}

/// [`membership_runs`] on raft-rs, seeds 0..8.
#[cfg(feature = "raft-rs")]
#[test]
fn swarm_membership_raft_rs_runs_deterministically_changes_the_configuration_and_passes() {
    let accepted = membership_runs("raft-rs", 8);
    eprintln!("raft-rs: changes accepted, seeds 0..8: {accepted:?}");
}

/// [`membership_runs`] on openraft, seeds 0..8: joint swaps through `change_membership`,
/// single changes through `append_membership`.
#[cfg(feature = "openraft")]
#[test]
fn swarm_membership_openraft_runs_deterministically_changes_the_configuration_and_passes() {
    let accepted = membership_runs("openraft", 8);
    eprintln!("openraft: changes accepted, seeds 0..8: {accepted:?}");
}

/// Liveness during faults in the membership workload counts the voters of the
/// configuration, not the slots: QuorumLoss on the three initial voters (two spare slots
/// that no change adds, since the plan has none) stalls the two voters that hear the cut
/// off leader without CheckQuorum, and the failure names those two, not a "majority"
/// of three of the five slots; shipped, every plan passes (fails until membership lands
/// in our Raft). The unit tests of `stable_majority` show the count both ways.
#[test]
fn swarm_live_during_faults_membership_counts_the_configuration() {
    // The first seed that draws 3 voters.
    let seed = (0..)
        .find(|&s| {
            let plan = Plan::generate(Workload::Membership, "ours", raft::config::KNOBS, s);
            plan.profile.members == Some(3)
        })
        .expect("a seed draws 3 voters");
    let mut stalled = 0;
    for cut_off in 0..3 {
        let mut plan = workload_quorum_loss_plan(Workload::Membership, seed, cut_off);
        plan.changes.clear();
        plan.profile.keys = 1;
        plan.profile.maxraftstate = None;
        let shipped = run_plan(&plan, &[]);
        assert!(shipped.passed(), "cut off {cut_off}: {:?}", shipped.failure);
        let off = run_plan(&plan, &[("check_quorum", 0)]);
        let Some(reason) = off.failure.as_deref() else {
            continue;
        };
        let majority: Vec<usize> = (0..3).filter(|&i| i != cut_off).collect();
        assert!(
            reason.starts_with(&format!(
                "no progress during faults: servers {majority:?} were up"
            )) && reason.contains("no clerk's Get, Put or Append completed"),
            "cut off {cut_off}: {reason}"
        );
        stalled += 1;
    }
    assert_eq!(stalled, 1, "exactly the leader's cut stalls the voters");
}
