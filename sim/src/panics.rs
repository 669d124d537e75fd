//! Panics inside runs: their reason, where they happened, and whether the default hook
//! prints them.
//!
//! [`crate::registry::run`] turns a panic (a broken invariant) into a failed outcome
//! whose reason [`catch`] builds once: the panic's message and, once the hook of
//! [`install`] is in place (the command line installs it), where it was raised
//! (`file:line:col`). In sweeps the hook keeps hundreds of backtraces off the terminal:
//! the failure report has the message, the location and the replay command, and
//! `raftsim run` shows the full panic. Panics outside a run (bugs in the CLI itself)
//! always reach the previous hook.
//!
//! A panic of the simulator's own arithmetic (virtual time or the event queue's key
//! running out) is not a failure of the Raft under test: its reason becomes an
//! [`INTERNAL_ERROR`] ([`is_internal`]), which the commands report with its own verdict
//! and exit code (70) and `shrink` refuses to shrink.

use crate::engine::Stop;
use std::cell::{Cell, RefCell};
use std::panic::{catch_unwind, AssertUnwindSafe};
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

/// How the reason of a run that hit a limit of the simulator itself begins.
pub const INTERNAL_ERROR: &str = "internal error";

/// What the simulator's own arithmetic says when it runs out (`engine/time.rs`,
/// `engine/queue.rs`): a limit of the tool, whatever the Raft under test did.
const SIMULATOR_LIMITS: [&str; 3] = [
    "virtual time overflow",
    "virtual duration overflow",
    "overflows the key",
];

/// The reason of a run cancelled from outside (a signal): no verdict, and the batch
/// leaves it out of its report as a run that did not finish.
pub const CANCELLED: &str = "cancelled before its end (a signal)";

/// True when a run was cancelled rather than finished (see [`CANCELLED`]).
pub fn is_cancelled(reason: &str) -> bool {
    reason == CANCELLED
}

/// True when a run's failure is the simulator's, not the Raft's (see the module doc).
pub fn is_internal(reason: &str) -> bool {
    reason.starts_with(INTERNAL_ERROR)
}

/// Runs `f`, and when it panics returns the run's failure reason, built once: the
/// panic's message, where it was raised (when the hook of [`install`] saw it), and, for a
/// limit of the simulator itself, the [`INTERNAL_ERROR`] prefix.
pub(crate) fn catch<R>(name: &str, f: impl FnOnce() -> R) -> Result<R, String> {
    let depth = IN_RUN.with(Cell::get);
    assert!(depth < 1_000, "{name}: {depth} runs nested on one thread");
    let outer = LOCATION.with(|l| l.borrow_mut().take());
    IN_RUN.with(|d| d.set(depth + 1));
    let result = catch_unwind(AssertUnwindSafe(f));
    IN_RUN.with(|d| d.set(depth));
    let location = LOCATION.with(|l| l.replace(outer));
    result.map_err(|panic| {
        // A run stopped by its budget (see `engine::budget`) unwinds without the hook.
        if let Some(stop) = panic.downcast_ref::<Stop>() {
            return match stop {
                Stop::Exceeded(reason) => reason.clone(),
                Stop::Cancelled => CANCELLED.to_string(),
            };
        }
        let message = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic payload".to_string());
        let at = location.map(|at| format!(" (at {at})")).unwrap_or_default();
        match SIMULATOR_LIMITS.iter().any(|l| message.contains(l)) {
            true => format!(
                "{INTERNAL_ERROR}: the simulator hit its own limit, not a failure of the Raft under test: {message}{at}"
            ),
            false => format!("panicked: {message}{at}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boom(seed: u64) {
        panic!("boom at seed {seed}");
    }

    fn overflow(seed: u64) {
        // 2^33 s is about 8.6e18 ns: three of them pass u64::MAX.
        let long = crate::engine::Duration::from_secs((1 << 33) + seed);
        let _ = crate::engine::Instant::ZERO + long + long + long;
        unreachable!("virtual time did not overflow");
    }

    fn nested(seed: u64) {
        // A run inside a run (as rayon work-stealing can arrange) keeps its own location.
        let inner = catch("Boom", || boom(seed)).expect_err("panics");
        assert!(inner.contains("(at "), "{inner}");
        panic!("outer at seed {seed}");
    }

    #[test]
    fn panics_reason_has_message_and_location() {
        install(true);
        for (name, run, message) in [
            ("Boom", boom as fn(u64), "panicked: boom at seed 5 (at "),
            ("Nested", nested, "panicked: outer at seed 5 (at "),
        ] {
            let reason = catch(name, || run(5)).expect_err("panics");
            assert!(reason.starts_with(message), "{name}: {reason}");
            assert!(reason.contains("sim/src/panics.rs:"), "{name}: {reason}");
        }
        assert_eq!(IN_RUN.with(Cell::get), 0, "depth not restored");
        assert_eq!(catch("Calm", || 7), Ok(7));
    }

    #[test]
    fn panics_simulator_overflow_is_internal_error_not_failure() {
        install(true);
        let reason = catch("Overflow", || overflow(5)).expect_err("overflows");
        assert!(is_internal(&reason), "{reason}");
        assert!(reason.contains("virtual time overflow (at "), "{reason}");
        let boom = catch("Boom", || boom(5)).expect_err("panics");
        assert!(!is_internal(&boom), "{boom}");
    }
}
