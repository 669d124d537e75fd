//! A single-producer, multi-consumer channel that keeps only the latest value
//! (`AsyncRuntime::Watch`).

use std::cell::{Ref, RefCell};
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use openraft_rt::watch::{RecvError, SendError};
use openraft_rt::{OptionalSend, OptionalSync, WatchReceiver, WatchSender};

use super::waiters::{wake, Waiters};

/// The channel family (`AsyncRuntime::Watch`): `Watch::channel(init)`.
#[derive(Debug)]
pub struct Watch;

/// What the handles share. The value has its own `RefCell`, apart from the
/// bookkeeping, so that a receiver can wait for a change while a borrow of the value
/// is alive.
struct Shared<T> {
    value: RefCell<T>,
    state: RefCell<State>,
}

struct State {
    /// Bumped by every notifying change; a receiver has seen a version or not.
    version: u64,
    senders: usize,
    receivers: usize,
    /// Receivers waiting for a change, woken in the order they began to wait.
    waiting: Waiters,
}

/// Replaces or modifies the value and notifies the receivers.
pub struct Sender<T> {
    shared: Rc<Shared<T>>,
}

/// Reads the latest value and waits for changes.
pub struct Receiver<T> {
    shared: Rc<Shared<T>>,
    /// The latest version this receiver has marked seen.
    seen: u64,
}

impl openraft_rt::Watch for Watch {
    type Sender<T: OptionalSend + OptionalSync> = Sender<T>;
    type Receiver<T: OptionalSend + OptionalSync> = Receiver<T>;
    type Ref<'a, T: OptionalSend + 'a> = Ref<'a, T>;

    fn channel<T: OptionalSend + OptionalSync>(init: T) -> (Sender<T>, Receiver<T>) {
        let shared = Rc::new(Shared {
            value: RefCell::new(init),
            state: RefCell::new(State {
                version: 0,
                senders: 1,
                receivers: 1,
                waiting: Waiters::default(),
            }),
        });
        let sender = Sender {
            shared: shared.clone(),
        };
        (sender, Receiver { shared, seen: 0 })
    }
}

impl<T> Shared<T> {
    /// Records a change and wakes every waiting receiver, first waiting first.
    fn notify(&self) {
        let mut state = self.state.borrow_mut();
        state.version += 1;
        let waiting = state.waiting.all();
        drop(state);
        wake(waiting);
    }
}

impl<T: OptionalSend + OptionalSync> WatchSender<Watch, T> for Sender<T> {
    /// # Errors
    /// The value back, if every receiver was dropped.
    ///
    /// # Panics
    /// If a borrow of the value is alive (`Watch::Ref`'s warning: with tokio it would
    /// block).
    fn send(&self, value: T) -> Result<(), SendError<T>> {
        if self.shared.state.borrow().receivers == 0 {
            return Err(SendError(value));
        }
        let old = self.shared.value.replace(value);
        self.shared.notify();
        drop(old);
        Ok(())
    }

    fn send_if_modified<F>(&self, modify: F) -> bool
    where
        F: FnOnce(&mut T) -> bool,
    {
        let modified = modify(&mut self.shared.value.borrow_mut());
        if modified {
            self.shared.notify();
        }
        modified
    }

    fn borrow_watched(&self) -> Ref<'_, T> {
        self.shared.value.borrow()
    }

    /// A receiver that has seen the current value.
    fn subscribe(&self) -> Receiver<T> {
        let mut state = self.shared.state.borrow_mut();
        state.receivers += 1;
        let seen = state.version;
        drop(state);
        Receiver {
            shared: self.shared.clone(),
            seen,
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.shared.state.borrow_mut().senders += 1;
        Sender {
            shared: self.shared.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.borrow_mut();
        assert!(state.senders > 0, "watch: more senders dropped than made");
        state.senders -= 1;
        let waiting = if state.senders == 0 {
            state.waiting.all()
        } else {
            Vec::new()
        };
        drop(state);
        wake(waiting);
    }
}

/// A receiver's wait for a change; leaves the line when dropped.
struct Changed<'a, T> {
    receiver: &'a mut Receiver<T>,
    ticket: Option<u64>,
}

impl<T> Future for Changed<'_, T> {
    type Output = Result<(), RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut state = this.receiver.shared.state.borrow_mut();
        if state.version != this.receiver.seen {
            this.receiver.seen = state.version;
            state.waiting.leave(&mut this.ticket);
            return Poll::Ready(Ok(()));
        }
        if state.senders == 0 {
            state.waiting.leave(&mut this.ticket);
            return Poll::Ready(Err(RecvError(())));
        }
        state.waiting.wait(&mut this.ticket, cx.waker());
        Poll::Pending
    }
}

impl<T> Drop for Changed<'_, T> {
    fn drop(&mut self) {
        let mut state = self.receiver.shared.state.borrow_mut();
        state.waiting.leave(&mut self.ticket);
    }
}

impl<T: OptionalSend + OptionalSync> WatchReceiver<Watch, T> for Receiver<T> {
    /// # Errors
    /// [`RecvError`] if the newest value was seen and every sender was dropped.
    fn changed(&mut self) -> impl Future<Output = Result<(), RecvError>> {
        Changed {
            receiver: self,
            ticket: None,
        }
    }

    fn borrow_watched(&self) -> Ref<'_, T> {
        self.shared.value.borrow()
    }

    #[cfg(not(feature = "openraft-alpha-24"))]
    fn borrow_and_update(&mut self) -> Ref<'_, T> {
        self.seen = self.shared.state.borrow().version;
        self.shared.value.borrow()
    }
}

impl<T> Clone for Receiver<T> {
    fn clone(&self) -> Receiver<T> {
        self.shared.state.borrow_mut().receivers += 1;
        Receiver {
            shared: self.shared.clone(),
            seen: self.seen,
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut state = self.shared.state.borrow_mut();
        assert!(
            state.receivers > 0,
            "watch: more receivers dropped than made"
        );
        state.receivers -= 1;
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("watch::Sender")
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("watch::Receiver")
            .field("seen", &self.seen)
            .finish()
    }
}
