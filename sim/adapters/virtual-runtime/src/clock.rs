//! [`Clock`]: one node's virtual clock and its timers, ordered by (deadline, sequence).

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::task::Waker;

use crate::instant::Instant;

/// A timer's place in the queue: its deadline, then the order of registration.
///
/// Two timers with the same deadline fire in the order they were created, on every run:
/// the sequence number breaks the tie, never an address or a hash.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimerId {
    /// When the timer is due.
    pub deadline: Instant,
    /// Registration order among this node's timers.
    pub seq: u64,
}

/// One node's clock: the current virtual instant and the pending timers.
///
/// The clock moves only when the driver says so ([`Clock::advance`]); a timer is due
/// once the clock has reached its deadline, and fires (wakes its task) only when the
/// driver asks for the next due timer ([`Clock::fire_next_due`]).
#[derive(Debug)]
pub struct Clock {
    now: Cell<Instant>,
    /// Pending timers and the waker of the task that awaits each (none before the
    /// timer's future is first polled).
    timers: RefCell<BTreeMap<TimerId, Option<Waker>>>,
    next_seq: Cell<u64>,
}

impl Clock {
    /// A clock showing `now`, with no timers.
    pub fn new(now: Instant) -> Clock {
        Clock {
            now: Cell::new(now),
            timers: RefCell::new(BTreeMap::new()),
            next_seq: Cell::new(0),
        }
    }

    /// The current virtual instant.
    pub fn now(&self) -> Instant {
        self.now.get()
    }

    /// Moves the clock to `now`.
    ///
    /// # Panics
    /// If `now` is earlier than the clock: virtual time never goes back.
    pub fn advance(&self, now: Instant) {
        let current = self.now.get();
        assert!(
            now >= current,
            "virtual time went back: asked for {now:?}, the clock shows {current:?}"
        );
        self.now.set(now);
    }

    /// Registers a timer due at `deadline` and returns its place in the queue.
    pub fn register(&self, deadline: Instant) -> TimerId {
        let seq = self.next_seq.get();
        self.next_seq.set(seq + 1);
        let id = TimerId { deadline, seq };
        let previous = self.timers.borrow_mut().insert(id, None);
        assert!(previous.is_none(), "timer {id:?} registered twice");
        id
    }

    /// Records the waker to wake when timer `id` fires, if it is still pending.
    pub fn set_waker(&self, id: TimerId, waker: &Waker) {
        if let Some(slot) = self.timers.borrow_mut().get_mut(&id) {
            match slot {
                Some(w) if w.will_wake(waker) => {}
                _ => *slot = Some(waker.clone()),
            }
        }
    }

    /// Removes timer `id` (its future was dropped); nothing if it already fired.
    pub fn cancel(&self, id: TimerId) {
        self.timers.borrow_mut().remove(&id);
    }

    /// The earliest pending timer's deadline.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.borrow().keys().next().map(|id| id.deadline)
    }

    /// How many timers are pending.
    #[cfg(test)]
    pub fn timers_pending(&self) -> usize {
        self.timers.borrow().len()
    }

    /// Fires the first timer in (deadline, sequence) order if it is due: removes it and
    /// wakes its task. Returns whether a timer fired.
    pub fn fire_next_due(&self) -> bool {
        let now = self.now.get();
        let due = {
            let mut timers = self.timers.borrow_mut();
            match timers.first_key_value() {
                Some((id, _)) if id.deadline <= now => timers.pop_first(),
                _ => None,
            }
        };
        // Woken outside the borrow: a waker may run code that touches the timers.
        match due {
            Some((id, waker)) => {
                assert!(id.deadline <= now, "fired {id:?} before its deadline");
                if let Some(w) = waker {
                    w.wake();
                }
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_fires_equal_deadlines_in_registration_order() {
        let clock = Clock::new(Instant::ZERO);
        let late = clock.register(Instant::from_nanos(20));
        let a = clock.register(Instant::from_nanos(10));
        let b = clock.register(Instant::from_nanos(10));
        assert!(a < b && b < late, "{a:?} {b:?} {late:?}");
        assert_eq!(clock.next_deadline(), Some(Instant::from_nanos(10)));
        assert!(!clock.fire_next_due(), "nothing is due at zero");
        clock.advance(Instant::from_nanos(10));
        assert!(clock.fire_next_due());
        assert!(clock.fire_next_due());
        assert!(
            !clock.fire_next_due(),
            "the 20 ns timer is not due at 10 ns"
        );
        assert_eq!(clock.timers_pending(), 1);
    }

    #[test]
    #[should_panic(expected = "virtual time went back")]
    fn clock_going_back_panics() {
        let clock = Clock::new(Instant::from_nanos(5));
        clock.advance(Instant::from_nanos(4));
    }
}
