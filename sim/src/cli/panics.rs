//! Panics inside runs: where they happened, and whether the default hook prints them.
//!
//! `registry::run` turns a panic (a broken invariant) into a failed outcome with the
//! panic's message. The hook installed here adds where it was raised (`file:line:col`),
//! and, in sweeps, keeps hundreds of backtraces off the terminal: the failure report has
//! the message, the location and the replay command, and `raftsim run` shows the full
//! panic. Panics outside a run (bugs in the CLI itself) always reach the previous hook.

use crate::outcome::Outcome;
use crate::scenario::{RunConfig, Scenario};
use std::cell::{Cell, RefCell};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Once;

thread_local! {
    /// How many runs this thread is inside: more than one when a run that uses rayon
    /// (the checker) picks up another run's work while it waits.
    static IN_RUN: Cell<u32> = const { Cell::new(0) };
    /// Where the last panic inside a run on this thread was raised.
    static LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// Whether panics inside runs are kept off stderr.
static QUIET: AtomicBool = AtomicBool::new(false);
static INSTALL: Once = Once::new();

/// Installs the hook (once per process); `quiet` hides panics raised inside runs.
pub fn install(quiet: bool) {
    QUIET.store(quiet, Ordering::Relaxed);
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_RUN.with(Cell::get) > 0 {
                let at = info.location().map(ToString::to_string);
                LOCATION.with(|l| *l.borrow_mut() = at);
                if QUIET.load(Ordering::Relaxed) {
                    return;
                }
            }
            previous(info);
        }));
    });
}

/// [`crate::registry::run`], adding the location to a panic's reason when the hook saw it.
pub fn run(scenario: &Scenario, config: &RunConfig) -> Outcome {
    let depth = IN_RUN.with(Cell::get);
    assert!(
        depth < 1_000,
        "{}: {depth} runs nested on one thread",
        scenario.name
    );
    let outer = LOCATION.with(|l| l.borrow_mut().take());
    IN_RUN.with(|d| d.set(depth + 1));
    let mut outcome = crate::registry::run(scenario, config);
    IN_RUN.with(|d| d.set(depth));
    let location = LOCATION.with(|l| l.replace(outer));
    if let (Some(reason), Some(at)) = (&mut outcome.failure, location) {
        if reason.starts_with("panicked") {
            reason.push_str(&format!(" (at {at})"));
        }
    }
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Part;

    fn boom(config: &RunConfig) -> Outcome {
        panic!("boom at seed {}", config.seed);
    }

    fn nested(config: &RunConfig) -> Outcome {
        // A run inside a run (as rayon work-stealing can arrange) keeps its own location.
        let inner = run(&scenario("Boom", boom), config);
        assert!(inner.failure.is_some_and(|f| f.contains("(at ")));
        panic!("outer at seed {}", config.seed);
    }

    fn scenario(name: &'static str, run: fn(&RunConfig) -> Outcome) -> Scenario {
        Scenario {
            name,
            part: Part::SelfTest,
            implementation: "",
            description: "",
            run,
        }
    }

    #[test]
    fn run_panicking_scenario_reason_has_message_and_location() {
        install(true);
        let config = RunConfig {
            seed: 5,
            keep_trace: false,
            keep_history: false,
            schedule: None,
            unmonitored: false,
        };
        for (s, message) in [
            (scenario("Boom", boom), "panicked: boom at seed 5 (at "),
            (scenario("Nested", nested), "panicked: outer at seed 5 (at "),
        ] {
            let reason = run(&s, &config).failure.unwrap_or_default();
            assert!(reason.starts_with(message), "{}: {reason}", s.name);
            assert!(
                reason.contains("sim/src/cli/panics.rs:"),
                "{}: {reason}",
                s.name
            );
        }
        assert_eq!(IN_RUN.with(Cell::get), 0, "depth not restored");
    }
}
