//! Run budgets (issue 23 §2): a run that floods the network or never ends fails with a
//! reason that names the storm, instead of passing after 128 million events or
//! stalling a sweep.
//!
//! The amplifier is the reference Raft with [`Bug::AppendOnEveryReply`] planted: its
//! leader answers every AppendEntries reply with an AppendEntries to every follower,
//! so each round trip multiplies the traffic. It breaks no safety property, so no
//! monitor can catch it; the send-rate bound does, and the reference Raft, run the
//! same way, passes. The memory bound needs the metered allocator, which only the
//! `raftsim` binary installs: `cli_robust.rs` shows it, with the cancellation by a
//! signal.

use raft::planted::{Bug, Plant, Planted};
use raft_contract::{Command, RaftFamily};
use sim::engine::Budget;
use sim::implementation::Implementation;
use sim::registry::run;
use sim::scenario::{RunConfig, Scenario};

#[derive(Debug)]
struct AppendOnEveryReply;

impl Plant for AppendOnEveryReply {
    const BUG: Option<Bug> = Some(Bug::AppendOnEveryReply);
}

impl RaftFamily for AppendOnEveryReply {
    type Node<C: Command> = Planted<C, AppendOnEveryReply>;
    const KNOBS: &'static [raft_contract::Knob] = raft::config::KNOBS;
}

impl Implementation for AppendOnEveryReply {
    const NAME: &'static str = Bug::AppendOnEveryReply.name();
    const DESCRIPTION: &'static str = Bug::AppendOnEveryReply.description();
}

fn scenario<I: Implementation>(name: &str) -> Scenario {
    sim::scenarios::raft::<I>()
        .into_iter()
        .find(|s| s.name == name)
        .unwrap_or_else(|| panic!("no scenario {name}"))
}

#[test]
fn budget_amplifying_raft_fails_with_a_named_storm_where_ours_passes() {
    let amplifier = scenario::<AppendOnEveryReply>("BasicAgree2B");
    let reference = scenario::<raft::Family>("BasicAgree2B");
    for seed in 0..3 {
        let config = RunConfig {
            seed,
            ..RunConfig::default()
        };
        let outcome = run(&reference, &config);
        assert_eq!(outcome.failure, None, "ours, seed {seed}");
        let peak = outcome.usage.send_rate_peak.expect("ours sent messages");
        assert!(
            peak.sends < Budget::default().sends_per_second_max / 10,
            "ours comes near the bound: {peak:?}"
        );
        let outcome = run(&amplifier, &config);
        let reason = outcome.failure.unwrap_or_default();
        assert!(
            reason.starts_with("message storm: n"),
            "seed {seed}: {reason}"
        );
        assert!(
            reason.contains("more than the bound of 1000000 (--sends-per-second-max)")
                && reason.contains(" AppendEntries to n"),
            "the reason names the bound, what is sent and to whom: {reason}"
        );
        println!("seed {seed}: {reason}");
        // Stopped early: the storm does not run the scenario out.
        assert!(outcome.events < 5_000_000, "{} events", outcome.events);
    }
}

#[test]
fn budget_events_max_fails_a_run_naming_the_busiest_sender() {
    let amplifier = scenario::<AppendOnEveryReply>("BasicAgree2B");
    let config = RunConfig {
        seed: 4,
        budget: Budget {
            events_max: 20_000,
            sends_per_second_max: u64::MAX,
            ..Budget::default()
        },
        ..RunConfig::default()
    };
    let outcome = run(&amplifier, &config);
    let reason = outcome.failure.clone().unwrap_or_default();
    assert!(
        reason.starts_with("run budget: more than 20000 events (--events-max) by virtual time"),
        "{reason}"
    );
    assert!(
        reason.contains("the busiest sender of virtual second"),
        "{reason}"
    );
    assert_eq!(
        outcome.events, 20_001,
        "stopped at the event past the bound"
    );
    // The replay command repeats the bounds changed, and only those.
    let replay = outcome.replay_command();
    assert!(
        replay.ends_with(&format!(
            "--raft bug-append-on-every-reply --events-max 20000 --sends-per-second-max {}",
            u64::MAX
        )),
        "{replay}"
    );
    assert!(!replay.contains("--memory-max"), "{replay}");
}

#[test]
fn budget_stopped_run_is_the_same_on_every_replay() {
    let amplifier = scenario::<AppendOnEveryReply>("BasicAgree2B");
    let config = RunConfig {
        seed: 2,
        ..RunConfig::default()
    };
    let (a, b) = (run(&amplifier, &config), run(&amplifier, &config));
    assert!(a.failure.is_some());
    assert_eq!(
        (a.failure, a.trace_hash, a.events),
        (b.failure, b.trace_hash, b.events)
    );
}
