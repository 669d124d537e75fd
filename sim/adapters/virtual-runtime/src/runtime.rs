//! [`Runtime`]: one node's runtime, the driver's handle on it, and openraft-rt's
//! `AsyncRuntime` on top.

use std::fmt;
use std::future::Future;
use std::io;
use std::pin::pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use openraft_rt::{AsyncRuntime, OptionalSend};

use crate::current::{self, CurrentGuard};
use crate::instant::Instant;
use crate::join::{JoinError, JoinHandle};
use crate::node::Node;
use crate::panic::TaskPanic;
use crate::rng::NodeRng;
use crate::sleep::Sleep;
use crate::sync::{mpsc::Mpsc, oneshot::Oneshot, watch::Watch, Mutex};
use crate::timeout::{Elapsed, Timeout};

/// One simulated node's async runtime: its virtual clock and timers, its tasks, and
/// its seeded random stream.
///
/// The driver (a raftsim adapter) owns one per node and calls in at the node's events:
/// [`Runtime::spawn_root`] to start work, [`Runtime::enter`] to let the node run up to
/// an instant, [`Runtime::next_deadline`] to learn when it wants to run next. Code
/// running inside the node (openraft) reaches it through the static functions of
/// [`AsyncRuntime`], which act on the current node (see [`Runtime::make_current`]).
///
/// Dropping the runtime drops its unfinished tasks (with the node current, so that
/// their destructors may read the clock).
pub struct Runtime {
    node: Rc<Node>,
}

impl Runtime {
    /// A node runtime whose clock shows `now` (the node's boot), with no tasks, drawing
    /// randomness from a ChaCha8 stream seeded by `seed`.
    pub fn with_seed(seed: u64, now: Instant) -> Runtime {
        Runtime {
            node: Rc::new(Node::new(seed, now)),
        }
    }

    /// The seed the node's random stream started from.
    pub fn seed(&self) -> u64 {
        self.node.seed
    }

    /// The node's current virtual instant (the last `enter`'s, or the boot's).
    pub fn now(&self) -> Instant {
        self.node.clock.now()
    }

    /// Makes this node the current one until the guard drops: `Instant::now()`,
    /// `spawn`, `sleep`, `timeout` and `thread_rng` then act on it.
    ///
    /// [`Runtime::enter`] and [`Runtime::spawn_root`] do this themselves; the driver
    /// needs a guard of its own only to call code that uses the runtime outside a task
    /// (a constructor that reads the clock or spawns, say).
    pub fn make_current(&self) -> CurrentGuard {
        current::set(self.node.clone())
    }

    /// Spawns `future` as a task of this node, polled at the next [`Runtime::enter`].
    ///
    /// The driver cannot await the handle; it reads the result with
    /// [`JoinHandle::try_join`] after an `enter`.
    pub fn spawn_root<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let _current = self.make_current();
        self.node.executor.spawn(future)
    }

    /// Moves the node's clock to `now` and runs the node until nothing more can happen
    /// at `now`.
    ///
    /// With the node current, it polls the tasks already woken (by `spawn_root`, or by
    /// a channel the driver sent on), first woken first; then it fires the timers due
    /// by `now`, one at a time in (deadline, sequence) order, each followed by polling
    /// every task that became ready. Every task sees `Instant::now() == now`, timers
    /// that fell due before `now` included: the driver that wants each timer to see its
    /// own deadline calls `enter(next_deadline)` first, as an event queue does. When it
    /// returns, no task is woken and every remaining timer is later than `now`.
    ///
    /// Inputs from outside that share an instant with a timer are handled in the order
    /// of the calls: `enter(t)` then a delivery lets the timers due at `t` act first.
    ///
    /// # Errors
    /// [`TaskPanic`], as soon as a task panics: the call stops there, the panicked task
    /// is gone and the rest of the node stays as it was (tasks still woken run at the
    /// next `enter`). A simulator ends the run as failed, or re-raises the panic with
    /// [`TaskPanic::resume`].
    ///
    /// # Panics
    /// If `now` is earlier than the node's clock, or on a livelock: tasks still woken
    /// after a million polls in a row (a task that wakes itself forever).
    pub fn enter(&self, now: Instant) -> Result<(), TaskPanic> {
        let _current = self.make_current();
        self.node.run(now)
    }

    /// The earliest deadline among the node's pending timers: when the driver should
    /// call [`Runtime::enter`] next if nothing else happens to the node first.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.node.clock.next_deadline()
    }

    /// How many of the node's tasks have not finished.
    pub fn tasks_alive(&self) -> usize {
        self.node.executor.tasks_alive()
    }
}

impl Drop for Runtime {
    fn drop(&mut self) {
        let _current = self.make_current();
        self.node.executor.clear();
    }
}

impl fmt::Debug for Runtime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("seed", &self.node.seed)
            .field("now", &self.now())
            .field("tasks", &self.tasks_alive())
            .field("next_deadline", &self.next_deadline())
            .finish()
    }
}

impl openraft_rt::Instant for Instant {
    /// The current node's clock.
    ///
    /// # Panics
    /// If no node is current.
    fn now() -> Instant {
        current::node().clock.now()
    }
}

/// The root future's waker in [`Runtime::block_on`]: a flag.
struct RootWaker(AtomicBool);

impl Wake for RootWaker {
    fn wake(self: Arc<Self>) {
        self.0.store(true, Ordering::SeqCst);
    }
}

impl AsyncRuntime for Runtime {
    type JoinError = JoinError;
    type JoinHandle<T: OptionalSend + 'static> = JoinHandle<T>;
    type Sleep = Sleep;
    type Instant = Instant;
    type TimeoutError = Elapsed;
    type Timeout<R, T: Future<Output = R> + OptionalSend> = Timeout<T>;
    type ThreadLocalRng = NodeRng;

    /// Spawns a task on the current node, polled after the tasks already woken.
    fn spawn<T>(future: T) -> JoinHandle<T::Output>
    where
        T: Future + OptionalSend + 'static,
        T::Output: OptionalSend + 'static,
    {
        current::node().executor.spawn(future)
    }

    fn sleep(duration: Duration) -> Sleep {
        let node = current::node();
        let deadline = node.clock.now() + duration;
        Sleep::until(node.clock.clone(), deadline)
    }

    fn sleep_until(deadline: Instant) -> Sleep {
        Sleep::until(current::node().clock.clone(), deadline)
    }

    fn timeout<R, F: Future<Output = R> + OptionalSend>(
        duration: Duration,
        future: F,
    ) -> Timeout<F> {
        Timeout::new(future, Self::sleep(duration))
    }

    fn timeout_at<R, F: Future<Output = R> + OptionalSend>(
        deadline: Instant,
        future: F,
    ) -> Timeout<F> {
        Timeout::new(future, Self::sleep_until(deadline))
    }

    fn is_panic(join_error: &JoinError) -> bool {
        join_error.is_panic()
    }

    /// A handle on the current node's seeded stream.
    fn thread_rng() -> NodeRng {
        current::node().rng.clone()
    }

    type Mpsc = Mpsc;
    type Watch = Watch;
    type Oneshot = Oneshot;
    type Mutex<T: OptionalSend + 'static> = Mutex<T>;

    /// A node runtime with seed 0 at the epoch (openraft-rt's tests; a simulator uses
    /// [`Runtime::with_seed`]).
    fn new(_threads: usize) -> Runtime {
        Runtime::with_seed(0, Instant::ZERO)
    }

    /// Runs `future` to completion on this node, moving virtual time forward to the
    /// next timer whenever nothing else can run (openraft-rt's conformance suite runs
    /// this way; a simulator drives nodes with [`Runtime::enter`] instead).
    ///
    /// # Panics
    /// If a task panics (the panic is resumed), or if the future waits for something
    /// that can never happen: no task ready and no timer pending.
    fn block_on<F, T>(&mut self, future: F) -> T
    where
        F: Future<Output = T>,
    {
        let _current = self.make_current();
        let root = Arc::new(RootWaker(AtomicBool::new(true)));
        let waker = Waker::from(root.clone());
        let mut cx = Context::from_waker(&waker);
        let mut future = pin!(future);
        loop {
            if root.0.swap(false, Ordering::SeqCst) {
                if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                    return out;
                }
            }
            if let Err(panic) = self.node.executor.run_ready() {
                panic.resume();
            }
            if root.0.load(Ordering::SeqCst) || self.node.clock.fire_next_due() {
                continue;
            }
            let Some(deadline) = self.node.clock.next_deadline() else {
                panic!(
                    "block_on at {:?}: the future waits, but no task is ready and no timer \
                     is pending, so nothing can ever wake it",
                    self.now()
                );
            };
            self.node.clock.advance(deadline);
        }
    }

    /// Runs `f` on this thread when first polled: a simulated node has no threads
    /// (openraft does not call this).
    async fn spawn_blocking<F, T>(f: F) -> Result<T, io::Error>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        Ok(f())
    }
}
