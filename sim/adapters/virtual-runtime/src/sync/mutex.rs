//! An async mutex, handed to waiters first come first served (`AsyncRuntime::Mutex`).

use std::cell::{RefCell, RefMut};
use std::fmt;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::Pin;
use std::task::{Context, Poll};

use openraft_rt::OptionalSend;

use super::waiters::{wake, Waiters};

/// An async mutex: `lock` waits while another task holds the guard.
///
/// The lock goes to waiting tasks in the order they began to wait, never to whichever
/// the executor polls first, so contention resolves the same way on every run.
pub struct Mutex<T> {
    value: RefCell<T>,
    state: RefCell<State>,
}

struct State {
    locked: bool,
    waiting: Waiters,
}

/// Access to the value while the lock is held; unlocks when dropped.
pub struct MutexGuard<'a, T> {
    // Fields drop in order: the value's borrow ends before the lock is given on.
    value: RefMut<'a, T>,
    _unlock: Unlock<'a>,
}

/// Unlocks and wakes the first waiter when dropped.
struct Unlock<'a> {
    state: &'a RefCell<State>,
}

impl Drop for Unlock<'_> {
    fn drop(&mut self) {
        let mut state = self.state.borrow_mut();
        assert!(state.locked, "mutex unlocked twice");
        state.locked = false;
        let first = state.waiting.first();
        drop(state);
        wake(first);
    }
}

/// A `lock` in progress, holding its place in line.
struct Lock<'a, T> {
    mutex: &'a Mutex<T>,
    ticket: Option<u64>,
}

impl<'a, T> Future for Lock<'a, T> {
    type Output = MutexGuard<'a, T>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<MutexGuard<'a, T>> {
        let this = self.get_mut();
        let mutex = this.mutex;
        let mut state = mutex.state.borrow_mut();
        if state.locked || !state.waiting.is_turn(this.ticket) {
            state.waiting.wait(&mut this.ticket, cx.waker());
            return Poll::Pending;
        }
        state.waiting.leave(&mut this.ticket);
        state.locked = true;
        drop(state);
        let value = mutex
            .value
            .try_borrow_mut()
            .unwrap_or_else(|_| panic!("mutex: value borrowed while unlocked"));
        Poll::Ready(MutexGuard {
            value,
            _unlock: Unlock {
                state: &mutex.state,
            },
        })
    }
}

impl<T> Drop for Lock<'_, T> {
    fn drop(&mut self) {
        let mut state = self.mutex.state.borrow_mut();
        let was_first = state.waiting.leave(&mut self.ticket);
        // A cancelled lock hands its turn on.
        let next = (was_first && !state.locked)
            .then(|| state.waiting.first())
            .flatten();
        drop(state);
        wake(next);
    }
}

impl<T: OptionalSend + 'static> openraft_rt::Mutex<T> for Mutex<T> {
    type Guard<'a> = MutexGuard<'a, T>;

    fn new(value: T) -> Mutex<T> {
        Mutex {
            value: RefCell::new(value),
            state: RefCell::new(State {
                locked: false,
                waiting: Waiters::default(),
            }),
        }
    }

    fn lock(&self) -> impl Future<Output = MutexGuard<'_, T>> {
        Lock {
            mutex: self,
            ticket: None,
        }
    }
}

impl<T> Deref for MutexGuard<'_, T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T> fmt::Debug for Mutex<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let locked = self.state.borrow().locked;
        f.debug_struct("Mutex").field("locked", &locked).finish()
    }
}

impl<T: fmt::Debug> fmt::Debug for MutexGuard<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.value, f)
    }
}
