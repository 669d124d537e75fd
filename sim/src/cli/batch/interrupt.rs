//! SIGINT (Ctrl-C) and SIGTERM during a sweep: stop taking new runs, cancel the runs in
//! progress, write what finished, print the partial report and exit with 128 + the
//! signal's number (130 for SIGINT, 143 for SIGTERM), as shells report a process the
//! signal ended. A second signal ends the process at once with that code, and so does
//! any signal once the batch is over.
//!
//! The handlers only set atomic flags (signal-hook's `flag` module); nothing runs inside
//! the handler that could deadlock or allocate. The workers read the flags between runs,
//! and each simulation reads the first one every
//! [`crate::engine::budget::CHECK_EVERY_EVENTS`] events, through its budget's cancel
//! flag: a run in progress stops within milliseconds, even one that would never end,
//! and is left out of the report as unfinished. (A KV run's history check, after its
//! simulation, is bounded by the checker's cache limit instead.)

use signal_hook::consts::{SIGINT, SIGTERM};
use signal_hook::flag;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

/// The signals that stop a sweep.
const SIGNALS: [i32; 2] = [SIGINT, SIGTERM];

/// A signal that arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal(i32);

impl Signal {
    /// `SIGINT`, `SIGTERM`.
    pub fn name(self) -> &'static str {
        match self.0 {
            SIGINT => "SIGINT",
            SIGTERM => "SIGTERM",
            _ => "a signal",
        }
    }

    /// 128 + the signal's number: what a shell shows for a process it ended.
    pub fn exit_code(self) -> u8 {
        u8::try_from(128 + self.0).unwrap_or(u8::MAX)
    }
}

/// The handlers of one sweep.
///
/// Dropping it arms the immediate exit: a signal after the batch (while the report
/// prints) ends the process at once with 128 + its number, as the default action
/// would. Unregistering instead would leave the signal ignored, since signal-hook does
/// not restore the default handler.
#[derive(Debug)]
pub struct Interrupt {
    /// The last signal that arrived (0: none).
    signal: Arc<AtomicUsize>,
    /// Set by the first signal; a signal that finds it set ends the process.
    armed: Arc<AtomicBool>,
}

impl Interrupt {
    /// Installs the handlers. If the system refuses one, a warning says so and that
    /// signal keeps its default action (the process ends at once, as before).
    pub fn install() -> Interrupt {
        let signal = Arc::new(AtomicUsize::new(0));
        let armed = Arc::new(AtomicBool::new(false));
        for sig in SIGNALS {
            if let Err(e) = register(sig, &armed, &signal) {
                crate::cli::shared::output::warn(format_args!(
                    "cannot handle {}: {e}; it will end the sweep without a report",
                    Signal(sig).name()
                ));
            }
        }
        Interrupt { signal, armed }
    }

    /// The flag the first signal sets: runs given it in their budget stop at their next
    /// check (see [`crate::engine::budget`]).
    pub fn flag(&self) -> Arc<AtomicBool> {
        Arc::clone(&self.armed)
    }

    /// The signal that arrived, if one did.
    pub fn signal(&self) -> Option<Signal> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            n => Some(Signal(i32::try_from(n).unwrap_or(i32::MAX))),
        }
    }
}

/// Handles `sig`: exit at once if `armed`, else arm and record `sig` in `signal`.
fn register(sig: i32, armed: &Arc<AtomicBool>, signal: &Arc<AtomicUsize>) -> std::io::Result<()> {
    // The exit is registered first, so that it sees the flag as the previous signal
    // left it (signal-hook's documented order for a double Ctrl-C).
    let code = i32::from(Signal(sig).exit_code());
    flag::register_conditional_shutdown(sig, code, Arc::clone(armed))?;
    flag::register(sig, Arc::clone(armed))?;
    let value = usize::try_from(sig).unwrap_or(usize::MAX);
    flag::register_usize(sig, Arc::clone(signal), value)?;
    Ok(())
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        self.armed.store(true, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_code_is_128_plus_the_signal() {
        assert_eq!(Signal(SIGINT).exit_code(), 130);
        assert_eq!(Signal(SIGTERM).exit_code(), 143);
        assert_eq!(Signal(SIGTERM).name(), "SIGTERM");
    }
}
