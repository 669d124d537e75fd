//! [`JoinHandle`]: a spawned task's result, and [`JoinError`], why there is none.

use std::cell::RefCell;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Why a task ended without a result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JoinError {
    /// The task panicked with this message. The panic also ended the driver's call
    /// (see [`TaskPanic`](crate::TaskPanic)).
    Panicked(String),
    /// The task was dropped unfinished, with its node's runtime.
    Cancelled,
}

impl JoinError {
    /// Whether the task panicked (`AsyncRuntime::is_panic`).
    pub fn is_panic(&self) -> bool {
        matches!(self, JoinError::Panicked(_))
    }
}

impl fmt::Display for JoinError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JoinError::Panicked(message) => write!(f, "task panicked: {message}"),
            JoinError::Cancelled => f.write_str("task cancelled: its node's runtime was dropped"),
        }
    }
}

impl std::error::Error for JoinError {}

/// A task's result as its handle sees it.
enum State<T> {
    Running(Option<Waker>),
    Done(Result<T, JoinError>),
    Taken,
}

/// The slot a task writes its result into, shared with its [`JoinHandle`].
pub(crate) struct Slot<T> {
    state: RefCell<State<T>>,
}

/// A task's end without a result, as the executor reports it without knowing `T`.
pub(crate) trait Abort {
    /// Ends the task with `error`, unless it already has a result.
    fn abort(&self, error: JoinError);
}

impl<T> Slot<T> {
    /// An empty slot and the handle that reads it.
    pub(crate) fn pair() -> (Rc<Slot<T>>, JoinHandle<T>) {
        let slot = Rc::new(Slot {
            state: RefCell::new(State::Running(None)),
        });
        let handle = JoinHandle { slot: slot.clone() };
        (slot, handle)
    }

    /// Stores the task's result and wakes whoever awaits the handle.
    pub(crate) fn finish(&self, result: Result<T, JoinError>) {
        let previous = std::mem::replace(&mut *self.state.borrow_mut(), State::Done(result));
        match previous {
            State::Running(waker) => {
                if let Some(w) = waker {
                    w.wake();
                }
            }
            State::Done(_) | State::Taken => panic!("a task finished twice"),
        }
    }
}

impl<T> Abort for Slot<T> {
    fn abort(&self, error: JoinError) {
        let running = matches!(*self.state.borrow(), State::Running(_));
        if running {
            self.finish(Err(error));
        }
    }
}

/// The handle of a spawned task: a future of its result (`AsyncRuntime::JoinHandle`).
///
/// Dropping the handle detaches the task, which runs on (as with tokio). The driver,
/// which cannot await, reads the result with [`JoinHandle::try_join`].
pub struct JoinHandle<T> {
    slot: Rc<Slot<T>>,
}

impl<T> JoinHandle<T> {
    /// Whether the task has ended (with a result or an error not yet taken).
    pub fn is_finished(&self) -> bool {
        matches!(*self.slot.state.borrow(), State::Done(_))
    }

    /// The task's result if it has ended, taken out of the handle.
    ///
    /// # Panics
    /// If the result was already taken (by this or by awaiting the handle).
    pub fn try_join(&mut self) -> Option<Result<T, JoinError>> {
        let mut state = self.slot.state.borrow_mut();
        match std::mem::replace(&mut *state, State::Taken) {
            State::Done(result) => Some(result),
            State::Running(waker) => {
                *state = State::Running(waker);
                None
            }
            State::Taken => panic!("a JoinHandle's result was taken twice"),
        }
    }
}

impl<T> Future for JoinHandle<T> {
    type Output = Result<T, JoinError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Some(result) = this.try_join() {
            return Poll::Ready(result);
        }
        let mut state = this.slot.state.borrow_mut();
        if let State::Running(waker) = &mut *state {
            *waker = Some(cx.waker().clone());
        }
        Poll::Pending
    }
}

impl<T> fmt::Debug for JoinHandle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JoinHandle")
            .field("finished", &self.is_finished())
            .finish()
    }
}
