//! A bounded multi-producer, single-consumer channel with weak senders
//! (`AsyncRuntime::Mpsc`).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::task::{Context, Poll, Waker};

use openraft_rt::TryRecvError;
use openraft_rt::{MpscReceiver, MpscSender, MpscWeakSender, OptionalSend, SendError};

use super::waiters::{wake, Waiters};

/// The channel family (`AsyncRuntime::Mpsc`): `Mpsc::channel(capacity)`.
#[derive(Debug)]
pub struct Mpsc;

/// What the handles share.
struct Chan<T> {
    queue: VecDeque<T>,
    capacity: usize,
    /// Strong senders alive; the channel closes for the receiver when none is left.
    senders: usize,
    receiver_alive: bool,
    receiver: Option<Waker>,
    /// Senders blocked on a full queue, served first come first served.
    blocked: Waiters,
}

/// Sends values into the channel; `send` waits while the queue is full.
pub struct Sender<T> {
    chan: Rc<RefCell<Chan<T>>>,
}

/// A sender that does not keep the channel open.
pub struct WeakSender<T> {
    chan: Weak<RefCell<Chan<T>>>,
}

/// Receives the values in the order they were sent.
pub struct Receiver<T> {
    chan: Rc<RefCell<Chan<T>>>,
}

impl openraft_rt::Mpsc for Mpsc {
    type Sender<T: OptionalSend> = Sender<T>;
    type Receiver<T: OptionalSend> = Receiver<T>;
    type WeakSender<T: OptionalSend> = WeakSender<T>;

    /// # Panics
    /// If `buffer` is 0 (as tokio's bounded channel).
    fn channel<T: OptionalSend>(buffer: usize) -> (Sender<T>, Receiver<T>) {
        assert!(buffer > 0, "mpsc channel capacity must be at least 1");
        let chan = Rc::new(RefCell::new(Chan {
            queue: VecDeque::new(),
            capacity: buffer,
            senders: 1,
            receiver_alive: true,
            receiver: None,
            blocked: Waiters::default(),
        }));
        let sender = Sender { chan: chan.clone() };
        (sender, Receiver { chan })
    }
}

/// A `send` in progress: holds the value until there is room, and its place in line.
struct Send<T> {
    chan: Rc<RefCell<Chan<T>>>,
    value: Option<T>,
    ticket: Option<u64>,
}

// The value is moved, never pinned.
impl<T> Unpin for Send<T> {}

impl<T> Future for Send<T> {
    type Output = Result<(), SendError<T>>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let mut chan = this.chan.borrow_mut();
        let value = this.value.take().expect("Send polled after it completed");
        if !chan.receiver_alive {
            chan.blocked.leave(&mut this.ticket);
            return Poll::Ready(Err(SendError(value)));
        }
        if chan.queue.len() >= chan.capacity || !chan.blocked.is_turn(this.ticket) {
            chan.blocked.wait(&mut this.ticket, cx.waker());
            this.value = Some(value);
            return Poll::Pending;
        }
        chan.blocked.leave(&mut this.ticket);
        chan.queue.push_back(value);
        let receiver = chan.receiver.take();
        // Room for more: the next blocked sender need not wait for a receive.
        let next = (chan.queue.len() < chan.capacity)
            .then(|| chan.blocked.first())
            .flatten();
        drop(chan);
        wake(receiver.into_iter().chain(next));
        Poll::Ready(Ok(()))
    }
}

impl<T> Drop for Send<T> {
    fn drop(&mut self) {
        let mut chan = self.chan.borrow_mut();
        let was_first = chan.blocked.leave(&mut self.ticket);
        // A cancelled send hands its turn on.
        let next = (was_first && chan.queue.len() < chan.capacity)
            .then(|| chan.blocked.first())
            .flatten();
        drop(chan);
        wake(next);
    }
}

impl<T> MpscSender<Mpsc, T> for Sender<T> {
    fn send(&self, msg: T) -> impl Future<Output = Result<(), SendError<T>>> {
        Send {
            chan: self.chan.clone(),
            value: Some(msg),
            ticket: None,
        }
    }

    fn downgrade(&self) -> WeakSender<T> {
        WeakSender {
            chan: Rc::downgrade(&self.chan),
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Sender<T> {
        self.chan.borrow_mut().senders += 1;
        Sender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut chan = self.chan.borrow_mut();
        assert!(chan.senders > 0, "mpsc: more senders dropped than made");
        chan.senders -= 1;
        let receiver = if chan.senders == 0 {
            chan.receiver.take()
        } else {
            None
        };
        drop(chan);
        wake(receiver);
    }
}

impl<T> MpscWeakSender<Mpsc, T> for WeakSender<T> {
    fn upgrade(&self) -> Option<Sender<T>> {
        let chan = self.chan.upgrade()?;
        let mut state = chan.borrow_mut();
        if state.senders == 0 {
            return None;
        }
        state.senders += 1;
        drop(state);
        Some(Sender { chan })
    }
}

impl<T> Clone for WeakSender<T> {
    fn clone(&self) -> WeakSender<T> {
        WeakSender {
            chan: self.chan.clone(),
        }
    }
}

impl<T> Receiver<T> {
    fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<T>> {
        let mut chan = self.chan.borrow_mut();
        if let Some(value) = chan.queue.pop_front() {
            let next = chan.blocked.first();
            drop(chan);
            wake(next);
            return Poll::Ready(Some(value));
        }
        if chan.senders == 0 {
            return Poll::Ready(None);
        }
        chan.receiver = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl<T> MpscReceiver<T> for Receiver<T> {
    fn recv(&mut self) -> impl Future<Output = Option<T>> {
        poll_fn(|cx| self.poll_recv(cx))
    }

    fn try_recv(&mut self) -> Result<T, TryRecvError> {
        let mut chan = self.chan.borrow_mut();
        if let Some(value) = chan.queue.pop_front() {
            let next = chan.blocked.first();
            drop(chan);
            wake(next);
            return Ok(value);
        }
        if chan.senders == 0 {
            Err(TryRecvError::Disconnected)
        } else {
            Err(TryRecvError::Empty)
        }
    }
}

impl<T> Drop for Receiver<T> {
    fn drop(&mut self) {
        let mut chan = self.chan.borrow_mut();
        chan.receiver_alive = false;
        let queued = std::mem::take(&mut chan.queue);
        let blocked = chan.blocked.all();
        drop(chan);
        // Dropped outside the borrow: a value's drop may touch this channel.
        drop(queued);
        wake(blocked);
    }
}

impl<T> fmt::Debug for Sender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mpsc::Sender")
    }
}

impl<T> fmt::Debug for WeakSender<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("mpsc::WeakSender")
    }
}

impl<T> fmt::Debug for Receiver<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chan = self.chan.borrow();
        f.debug_struct("mpsc::Receiver")
            .field("queued", &chan.queue.len())
            .field("capacity", &chan.capacity)
            .finish()
    }
}
