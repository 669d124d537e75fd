//! [`Node`]: what one simulated node's runtime holds: clock, timers, tasks and RNG.

use std::rc::Rc;

use crate::clock::Clock;
use crate::executor::Executor;
use crate::instant::Instant;
use crate::panic::TaskPanic;
use crate::rng::NodeRng;

/// One node's runtime state. [`Runtime`](crate::Runtime) is its public face; the
/// thread-local current node (see `current`) points at one of these.
#[derive(Debug)]
pub struct Node {
    /// Shared with every [`Sleep`](crate::Sleep) of the node.
    pub clock: Rc<Clock>,
    /// The node's tasks.
    pub executor: Executor,
    /// The stream every `thread_rng()` handle of the node draws from.
    pub rng: NodeRng,
    /// The seed `rng` started from.
    pub seed: u64,
}

impl Node {
    /// A node whose clock shows `now`, with no tasks, its RNG seeded by `seed`.
    pub fn new(seed: u64, now: Instant) -> Node {
        Node {
            clock: Rc::new(Clock::new(now)),
            executor: Executor::new(),
            rng: NodeRng::seeded(seed),
            seed,
        }
    }

    /// Moves the clock to `now` and runs the node to quiescence: polls the woken tasks,
    /// then fires the timers due by `now` one at a time in (deadline, sequence) order,
    /// polling what each wakes before the next fires.
    ///
    /// # Errors
    /// A task's panic, at once (see [`Executor::run_ready`]).
    pub fn run(&self, now: Instant) -> Result<(), TaskPanic> {
        self.clock.advance(now);
        loop {
            self.executor.run_ready()?;
            if !self.clock.fire_next_due() {
                break;
            }
        }
        assert!(
            !self.executor.has_ready(),
            "a task was left woken at {now:?}"
        );
        if let Some(deadline) = self.clock.next_deadline() {
            assert!(deadline > now, "timer due at {deadline:?} left at {now:?}");
        }
        Ok(())
    }
}
