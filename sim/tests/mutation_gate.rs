//! The test command of the mutation-testing measurement (README, "Mutation score"): every
//! Raft scenario (2A-2D) over 5 seeds, every KV scenario (3A-3B) once, 5,000 SwarmRaft
//! seeds and 500 SwarmKv seeds on raftsim's Raft with its own cross-node assertions
//! off ([`Unchecked`]), with the monitors on (about 15 s when every run passes). Ignored in `cargo test`;
//! `cargo mutants` runs it by name:
//!
//! ```sh
//! cargo mutants --package raft --test-package sim --baseline skip --timeout 45 \
//!     -C --test=mutation_gate --file raft/src/election.rs --file raft/src/replication.rs \
//!     -- -- --include-ignored
//! ```
//!
//! `--baseline skip`: cargo-mutants 27.1 runs the baseline on the mutated package's own
//! tests, ignoring `--test-package`, and `raft` has no `mutation_gate` test. `-C
//! --test=mutation_gate` builds only this test for each mutant, not all of `sim`'s.
//! Both `--` are needed: with one, cargo rejects `--include-ignored` and cargo-mutants
//! counts every mutant as caught (check that each log under `mutants.out/log` says
//! `running 1 test`).

use raft::planted::{Bug, Plant, Planted};
use raft_contract::{Command, RaftFamily};
use sim::implementation::Implementation;
use sim::registry::run;
use sim::scenario::RunConfig;

/// The reference Raft with its own cross-node assertions off and no bug planted: what
/// the gate counts as caught, the tester caught (a plain panic, such as an arithmetic
/// overflow or an index out of bounds, still ends a run, as it would in any Raft).
#[derive(Debug)]
struct Unchecked;

impl Plant for Unchecked {
    const BUG: Option<Bug> = None;
}

impl RaftFamily for Unchecked {
    type Node<C: Command> = Planted<C, Unchecked>;
}

impl Implementation for Unchecked {
    const NAME: &'static str = "unchecked";
    const DESCRIPTION: &'static str = "raftsim's Raft with its cross-node assertions off";
}

#[test]
#[ignore = "the mutation-testing gate: run by cargo mutants"]
fn mutation_gate_raft_scenarios_and_swarm_pass() {
    // The first failure ends the gate: a caught mutant needs no more runs, and most are
    // caught in the first few.
    let check = |scenario: &sim::scenario::Scenario, seed: u64| {
        let config = RunConfig {
            seed,
            ..RunConfig::default()
        };
        if let Some(why) = run(scenario, &config).failure {
            panic!("{} seed {seed}: {why}", scenario.name);
        }
    };
    for s in sim::scenarios::raft::<Unchecked>() {
        for seed in 0..5 {
            check(&s, seed);
        }
    }
    // The KV scenarios once each: Speed3A's 33 ms per operation is what notices a Raft
    // that sends new entries only with the next heartbeat.
    for s in sim::scenarios::kv::<Unchecked>() {
        check(&s, 0);
    }
    for s in sim::swarm::scenarios::<Unchecked>() {
        // The sharded workload tests the services more than Raft, at many times the cost.
        let seeds = match s.name {
            "SwarmRaft" => 5_000,
            "SwarmKv" => 500,
            _ => 0,
        };
        for seed in 0..seeds {
            check(&s, seed);
        }
    }
}
