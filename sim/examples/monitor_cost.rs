//! One seed of every 2A-4B scenario with the safety monitors on or off, for measuring
//! what the monitors cost in instructions, which (unlike wall time) do not drift:
//!
//! ```sh
//! cargo build --release -p sim --example monitor_cost
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/monitor_cost on
//! valgrind --tool=cachegrind --cache-sim=no target/release/examples/monitor_cost off
//! ```

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
    for s in registry::registry().iter().filter(|s| s.part.is_lab()) {
        let outcome = registry::run(s, &config);
        if let Some(why) = outcome.failure {
            eprintln!("{} seed 0 failed: {why}", s.name);
            std::process::exit(1);
        }
    }
}
