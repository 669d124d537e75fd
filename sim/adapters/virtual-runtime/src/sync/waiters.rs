//! [`Waiters`]: tasks waiting on a channel or lock, woken first-in-first-out.

use std::collections::VecDeque;
use std::task::Waker;

/// A queue of waiting futures, in the order they first waited.
///
/// A future keeps its place (a `u64` ticket) across polls and gives it up when it
/// completes or is dropped. Wakers are returned, not called, so that the caller wakes
/// them after releasing its `RefCell` borrow.
#[derive(Debug, Default)]
pub struct Waiters {
    queue: VecDeque<(u64, Waker)>,
    next_ticket: u64,
}

impl Waiters {
    /// Puts the future holding `ticket` in the queue (at the back, the first time) and
    /// keeps its latest waker.
    pub fn wait(&mut self, ticket: &mut Option<u64>, waker: &Waker) {
        if let Some(t) = *ticket {
            if let Some((_, w)) = self.queue.iter_mut().find(|(id, _)| *id == t) {
                if !w.will_wake(waker) {
                    *w = waker.clone();
                }
                return;
            }
        }
        let t = self.next_ticket;
        self.next_ticket += 1;
        self.queue.push_back((t, waker.clone()));
        *ticket = Some(t);
    }

    /// Whether the future holding `ticket` may go: nobody waits, or it is first.
    pub fn is_turn(&self, ticket: Option<u64>) -> bool {
        match self.queue.front() {
            None => true,
            Some((first, _)) => ticket == Some(*first),
        }
    }

    /// Takes `ticket` out of the queue (the future completed or was dropped); returns
    /// whether it was first.
    pub fn leave(&mut self, ticket: &mut Option<u64>) -> bool {
        let Some(t) = ticket.take() else {
            return false;
        };
        let at = self.queue.iter().position(|(id, _)| *id == t);
        if let Some(i) = at {
            self.queue.remove(i);
        }
        at == Some(0)
    }

    /// The waker of the first waiter, which stays in the queue.
    pub fn first(&self) -> Option<Waker> {
        self.queue.front().map(|(_, w)| w.clone())
    }

    /// Every waiter's waker, first first; the queue keeps them.
    pub fn all(&self) -> Vec<Waker> {
        self.queue.iter().map(|(_, w)| w.clone()).collect()
    }
}

/// Wakes `wakers` in order.
pub fn wake(wakers: impl IntoIterator<Item = Waker>) {
    for w in wakers {
        w.wake();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waiters_keep_first_come_order() {
        let noop = Waker::noop();
        let mut waiters = Waiters::default();
        let (mut a, mut b) = (None, None);
        assert!(waiters.is_turn(a), "nobody waits: anyone may go");
        waiters.wait(&mut a, noop);
        waiters.wait(&mut b, noop);
        waiters.wait(&mut a, noop);
        assert!(waiters.is_turn(a));
        assert!(!waiters.is_turn(b));
        assert!(waiters.leave(&mut a), "a was first");
        assert!(waiters.is_turn(b));
        assert!(!waiters.leave(&mut a), "a already left");
        assert_eq!(waiters.all().len(), 1);
    }
}
