//! A channel for one value (`AsyncRuntime::Oneshot`).

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use openraft_rt::{OneshotSender, OptionalSend};

/// The channel family (`AsyncRuntime::Oneshot`): `Oneshot::channel()`.
#[derive(Debug)]
pub struct Oneshot;

/// The receiver's error: the sender was dropped without sending.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RecvError;

impl fmt::Display for RecvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot sender dropped without sending")
    }
}

impl std::error::Error for RecvError {}

/// What the two ends share.
struct Shared<T> {
    value: Option<T>,
    sender_alive: bool,
    receiver_alive: bool,
    receiver: Option<Waker>,
}

/// Sends the one value.
pub struct Sender<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

/// A future of the one value.
pub struct Receiver<T> {
    shared: Rc<RefCell<Shared<T>>>,
}

impl openraft_rt::Oneshot for Oneshot {
    type Sender<T: OptionalSend> = Sender<T>;
    type Receiver<T: OptionalSend> = Receiver<T>;
    type ReceiverError = RecvError;

    fn channel<T: OptionalSend>() -> (Sender<T>, Receiver<T>) {
        let shared = Rc::new(RefCell::new(Shared {
            value: None,
            sender_alive: true,
            receiver_alive: true,
            receiver: None,
        }));
        let sender = Sender {
            shared: shared.clone(),
        };
        (sender, Receiver { shared })
    }
}

impl<T> OneshotSender<T> for Sender<T> {
    /// # Errors
    /// The value back, if the receiver was dropped.
    fn send(self, t: T) -> Result<(), T> {
        let mut shared = self.shared.borrow_mut();
        if !shared.receiver_alive {
            return Err(t);
        }
        assert!(shared.value.is_none(), "oneshot: a value was sent twice");
        shared.value = Some(t);
        Ok(())
        // `self` drops here and wakes the receiver.
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut shared = self.shared.borrow_mut();
        shared.sender_alive = false;
        let receiver = shared.receiver.take();
        drop(shared);
        if let Some(w) = receiver {
            w.wake();
        }
    }
}

impl<T> Future for Receiver<T> {
    type Output = Result<T, RecvError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut shared = self.shared.borrow_mut();
        if let Some(value) = shared.value.take() {
            return Poll::Ready(Ok(value));
        }
        if !shared.sender_alive {
            return Poll::Ready(Err(RecvError));
        }
        shared.receiver = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut shared = self.shared.borrow_mut();
        shared.receiver_alive = false;
        let value = shared.value.take();
        drop(shared);
        drop(value);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot::Sender")
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("oneshot::Receiver")
    }
}
