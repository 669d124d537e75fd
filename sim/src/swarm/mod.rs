//! Swarm testing: runs whose faults are drawn from the seed, each from its own profile
//! (cluster size, network faults, snapshot frequency, a mix of partitions, one-way
//! links, bridges, flapping links, crashes short and long, crashes of a majority, a
//! deaf leader, and traps that crash a server right after it saved a vote or
//! acknowledged entries; in a third of the runs, servers on clocks of their own),
//! followed by a liveness phase.
//!
//! - [`profile`]: the [`Profile`] drawn from a seed; [`schedule`]: the [`Plan`] (seed,
//!   profile and faults at times), which is also the schedule file `raftsim shrink`
//!   writes and `raftsim run --schedule` replays; [`server_clock`]: its servers' clocks;
//!   [`schedule_error`]: why a schedule file is refused;
//! - [`driver`]: the task that carries out a schedule on any tester; [`phases`]: the
//!   fault phase and the liveness phase every workload shares; [`clerk`]: the kv and
//!   shardkv workloads' clerk;
//! - [`run`]: a swarm run, with the raft, kv and membership workloads; [`sharded`]: the
//!   shardkv workload;
//! - [`change_schedule`]: the membership workload's configuration changes in the plan
//!   (when, and which of the changes possible then); [`change_driver`]: the task that
//!   proposes them at the leader, every 0.3-1.5 s of the fault phase, keeping 3 to 5
//!   voters;
//! - [`stable_majority`]: the windows during which a majority is up and linked both
//!   ways; [`live_watch`]: the property that such a window makes progress during the
//!   fault phase (in the runs whose profile says `live-during-faults`), in the raft
//!   workload; [`clerk_watch`]: the same for the clerks of the kv and membership
//!   workloads and of the shardkv workload's controller (in the membership workload a
//!   window's servers must be a quorum of the configurations they use);
//! - [`shrink`]: reducing a failing plan while the same property still fails.
//!
//! Swarm runs are scenarios (`SwarmRaft`, `SwarmKv`, `SwarmShardKv`, part `swarm`) of every
//! implementation, and `SwarmMembership` of those that declare `RaftFamily::MEMBERSHIP`,
//! so `raftsim swarm`, sweeps, replays, artifacts and the determinism check treat them
//! like any other run.

pub mod change_driver;
pub mod change_schedule;
pub mod clerk;
pub mod clerk_watch;
pub mod driver;
pub mod live_watch;
pub mod phases;
pub mod profile;
pub mod run;
pub mod schedule;
pub mod schedule_error;
pub mod server_clock;
pub mod sharded;
pub mod shrink;
pub mod stable_majority;

pub use profile::{Profile, Workload};
pub use schedule::Plan;

use crate::implementation::Implementation;
use crate::outcome::Outcome;
use crate::scenario::{Part, RunConfig, Scenario};
use raft_contract::ReadMode;

/// The scenario name of a workload's swarm runs.
pub fn scenario_name(workload: Workload) -> &'static str {
    match workload {
        Workload::Raft => "SwarmRaft",
        Workload::Kv => "SwarmKv",
        Workload::Shardkv => "SwarmShardKv",
        Workload::Membership => "SwarmMembership",
    }
}

/// Runs the schedule `config` names, else the one its seed draws for `workload`.
fn run_workload<I: Implementation>(workload: Workload, config: &RunConfig) -> Outcome {
    let name = scenario_name(workload);
    let mut plan = match &config.schedule {
        None => Plan::generate_for(
            workload,
            I::NAME,
            I::options(),
            config.knobs.draw_from(I::KNOBS),
            config.seed,
        ),
        Some(schedule) => match Plan::from_json(&schedule.json) {
            Ok(plan) if plan.profile.workload == workload && plan.seed == config.seed => plan,
            Ok(_) => return refused(name, config, "the schedule is of another workload or seed"),
            Err(why) => return refused(name, config, &why.to_string()),
        },
    };
    if !I::options().snapshots && plan.profile.snapshots() {
        let why = format!(
            "the schedule asks for snapshots, and {} declares no snapshot support",
            I::NAME
        );
        return refused(name, config, &why);
    }
    // Knobs set by hand join the plan's, so that the profile line names them and the
    // schedule a failure writes replays with them.
    for (knob, value) in config.settings.iter() {
        plan.profile.knobs.set(knob, value);
    }
    // So does the read mode asked for (a schedule keeps its own otherwise).
    if config.reads != ReadMode::Log {
        plan.profile.reads = config.reads;
    }
    if plan.profile.workload == Workload::Membership && I::MEMBERSHIP.is_none() {
        let why = format!("{} declares no membership changes", I::NAME);
        return refused(name, config, &why);
    }
    if !I::READS.contains(&plan.profile.reads) {
        let why = format!("{} does not read by {}", I::NAME, plan.profile.reads);
        return refused(name, config, &why);
    }
    // A lease holds only while clocks drift within its bound, and a forward jump is drift
    // past any bound (LeaseClockDrift shows what follows: Lease Safety and the checker
    // catch it). So a lease run keeps its clocks' rates and offsets, not their jumps.
    if plan.profile.reads == ReadMode::Lease {
        for clock in &mut plan.clocks {
            clock.jumps.clear();
        }
    }
    if let Err(why) = plan.validate_knobs(I::KNOBS) {
        return refused(name, config, &why.to_string());
    }
    run::execute::<I>(name, &plan, config)
}

/// A run that did not start because its schedule is unusable.
fn refused(name: &str, config: &RunConfig, why: &str) -> Outcome {
    let mut id = config.run_id(name, "");
    id.schedule = None;
    Outcome::without_sim(id, format!("unusable schedule: {why}"))
}

fn run_raft<I: Implementation>(config: &RunConfig) -> Outcome {
    run_workload::<I>(Workload::Raft, config)
}

fn run_kv<I: Implementation>(config: &RunConfig) -> Outcome {
    run_workload::<I>(Workload::Kv, config)
}

fn run_shardkv<I: Implementation>(config: &RunConfig) -> Outcome {
    run_workload::<I>(Workload::Shardkv, config)
}

fn run_membership<I: Implementation>(config: &RunConfig) -> Outcome {
    run_workload::<I>(Workload::Membership, config)
}

/// The swarm scenarios of implementation `I`: the raft, kv and shardkv workloads, and
/// the membership workload where the implementation declares membership changes.
pub fn scenarios<I: Implementation>() -> Vec<Scenario> {
    let mut all = vec![
        Scenario {
            name: scenario_name(Workload::Raft),
            part: Part::Swarm,
            implementation: I::NAME,
            description: "random fault profile from the seed, commands at random servers, then liveness",
            run: run_raft::<I>,
        },
        Scenario {
            name: scenario_name(Workload::Kv),
            part: Part::Swarm,
            implementation: I::NAME,
            description: "random fault profile from the seed, clerks on a few keys (history checked), then liveness",
            run: run_kv::<I>,
        },
        Scenario {
            name: scenario_name(Workload::Shardkv),
            part: Part::Swarm,
            implementation: I::NAME,
            description: "the controller and 3 groups under random faults while groups join, leave and get shards moved (history checked), then liveness",
            run: run_shardkv::<I>,
        },
    ];
    if I::MEMBERSHIP.is_some() {
        all.push(Scenario {
            name: scenario_name(Workload::Membership),
            part: Part::Swarm,
            implementation: I::NAME,
            description: "the kv workload while a leader adds, promotes and removes servers every 0.3-1.5 s (3 to 5 voters), under random faults (history checked), then liveness",
            run: run_membership::<I>,
        });
    }
    all
}
