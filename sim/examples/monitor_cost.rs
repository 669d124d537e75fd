//! One seed of every 2A-4B scenario with the safety monitors on or off, for measuring
//! what the monitors cost in instructions, which (unlike wall time) do not drift:
//!
//! ```sh
//! cargo build --release -p sim --example monitor_cost
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/monitor_cost on
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/monitor_cost off
//! ```
//!
//! A second argument `membership` runs the membership scenarios and seeds 0..10 of
//! `SwarmMembership` instead, where Configuration Safety has work to do.

use sim::registry;
use sim::scenario::RunConfig;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let unmonitored = match std::env::args().nth(1).as_deref() {
        Some("on") => false,
        Some("off") => true,
        _ => {
            eprintln!("usage: monitor_cost on|off");
            std::process::exit(64);
        }
    };
    let config = RunConfig {
        seed: 0,
        unmonitored,
        ..RunConfig::default()
    };
    let membership = match std::env::args().nth(2).as_deref() {
        None => false,
        Some("membership") => true,
        Some(other) => {
            eprintln!("monitor_cost: unknown selection {other:?} (membership or none)");
            std::process::exit(64);
        }
    };
    let runs: Vec<(sim::scenario::Scenario, u64)> = registry::registry()
        .into_iter()
        .flat_map(|s| {
            let seeds = match (membership, s.name) {
                (true, "SwarmMembership") => 0..10,
                (true, _) if s.part == sim::scenario::Part::Membership => 0..1,
                (false, _) if s.part.is_lab() => 0..1,
                _ => 0..0,
            };
            seeds.map(move |seed| (s, seed))
        })
        .collect();
    for (s, seed) in runs {
        let outcome = registry::run(
            &s,
            &RunConfig {
                seed,
                ..config.clone()
            },
        );
        if let Some(why) = outcome.failure {
            eprintln!("{} seed {seed} failed: {why}", s.name);
            std::process::exit(1);
        }
    }
}
