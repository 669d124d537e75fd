//! [`Sleep`]: a future that completes when its node's virtual clock reaches a deadline.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};

use crate::clock::{Clock, TimerId};
use crate::instant::Instant;

/// Completes once its node's clock has reached the deadline
/// (`AsyncRuntime::sleep`, `sleep_until`).
///
/// The timer is registered when the future is created, so its sequence number (the
/// tie-break among equal deadlines) is its creation order. Dropping the future cancels
/// the timer. A `Sleep` belongs to the node that was current when it was created and
/// reads that node's clock wherever it is polled.
pub struct Sleep {
    clock: Rc<Clock>,
    timer: TimerId,
}

impl Sleep {
    /// A sleep on `clock` until `deadline` (already complete if the clock is there).
    pub(crate) fn until(clock: Rc<Clock>, deadline: Instant) -> Sleep {
        let timer = clock.register(deadline);
        Sleep { clock, timer }
    }

    /// When this sleep completes.
    pub fn deadline(&self) -> Instant {
        self.timer.deadline
    }

    /// Whether the clock has reached the deadline.
    pub fn is_elapsed(&self) -> bool {
        self.clock.now() >= self.timer.deadline
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.is_elapsed() {
            self.clock.cancel(self.timer);
            return Poll::Ready(());
        }
        self.clock.set_waker(self.timer, cx.waker());
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.clock.cancel(self.timer);
    }
}

impl fmt::Debug for Sleep {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sleep").field("timer", &self.timer).finish()
    }
}
