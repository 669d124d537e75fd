//! [`Timeout`]: a future raced against a virtual-time deadline, and [`Elapsed`], its error.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::sleep::Sleep;

/// The error of a [`Timeout`] whose deadline came first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Elapsed;

impl fmt::Display for Elapsed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("deadline has elapsed (virtual time)")
    }
}

impl std::error::Error for Elapsed {}

/// Runs a future until it completes or its node's clock reaches a deadline
/// (`AsyncRuntime::timeout`, `timeout_at`).
///
/// The future is polled before the deadline is checked, as tokio does: a future that
/// is ready when the deadline is reached still wins.
pub struct Timeout<F> {
    // Boxed so that `F` need not be `Unpin`: the workspace forbids `unsafe`, and so
    // pin projection by hand.
    future: Pin<Box<F>>,
    sleep: Sleep,
}

impl<F: Future> Timeout<F> {
    /// `future` raced against `sleep`.
    pub(crate) fn new(future: F, sleep: Sleep) -> Timeout<F> {
        Timeout {
            future: Box::pin(future),
            sleep,
        }
    }
}

impl<F: Future> Future for Timeout<F> {
    type Output = Result<F::Output, Elapsed>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if let Poll::Ready(out) = this.future.as_mut().poll(cx) {
            return Poll::Ready(Ok(out));
        }
        match Pin::new(&mut this.sleep).poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(Elapsed)),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<F> fmt::Debug for Timeout<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Timeout")
            .field("sleep", &self.sleep)
            .finish()
    }
}
