//! Where a simulation stood when a panic unwound through it: its virtual time, its
//! events, its node count and its trace up to the panic. A panic (a broken invariant in
//! a Raft, the KV service or the engine) drops the simulation on its way out; the
//! simulation leaves its wreck here, in a slot of the panicking thread, so that the run's
//! report still says where it stopped (and shows the trace and timeline when the trace
//! was kept). Nothing here is read inside a run, so it cannot change one.

use super::trace::Trace;
use raft_contract::Instant;
use std::cell::RefCell;

/// A simulation as a panic left it.
#[derive(Debug)]
pub struct Wreck {
    /// Virtual time at the panic.
    pub now: Instant,
    /// Engine events processed, the one that panicked included.
    pub events: u64,
    /// Nodes added to the simulation.
    pub nodes: usize,
    /// The trace up to the panic: its hash, and its text and records when kept.
    pub trace: Trace,
}

thread_local! {
    /// The first simulation that a panic unwound through on this thread, since the last
    /// [`take`].
    static WRECK: RefCell<Option<Wreck>> = const { RefCell::new(None) };
}

/// Leaves `wreck` in this thread's slot, unless a simulation dropped earlier in the same
/// unwinding (the one that panicked, nested inside this one) left its own.
pub(super) fn leave(wreck: Wreck) {
    WRECK.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            *slot = Some(wreck);
        }
    });
}

/// Takes this thread's wreck, if a panic left one since the last call. Call it before a
/// run, to forget an earlier panic's, and after a caught panic.
pub fn take() -> Option<Wreck> {
    WRECK.with(|slot| slot.borrow_mut().take())
}
