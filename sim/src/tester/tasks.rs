//! A tester's concurrent activities (the lab's goroutines): a [`Task`] is polled when it
//! asks to be ([`Wake`]), and [`Tasks`] keeps them in spawn order. The loop that polls
//! them is `scheduler.rs`.

use crate::engine::{Instant, NodeId};
use crate::outcome::Failure;

/// When a task wants to be polled next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wake {
    /// At this virtual time.
    At(Instant),
    /// When this node has an output for the task (a clerk's operation returned).
    Output(NodeId),
    /// Never: the task is finished.
    Done,
}

/// A concurrent activity of a test (a client goroutine, the partitioner, a concurrent
/// `one()`), polled on tester `T`.
pub trait Task<T> {
    /// Does one step and says when to be polled next.
    ///
    /// # Errors
    /// A failure ends the scenario, as `t.Fatalf` in a goroutine ends the lab's test.
    fn poll(&mut self, t: &mut T) -> Result<Wake, Failure>;
}

/// The running tasks of a tester, each with its wake condition, in spawn order.
pub struct Tasks<T> {
    running: Vec<(Wake, Box<dyn Task<T>>)>,
    /// A task was spawned while events were running (by a node's handler's aftermath,
    /// such as a trap): the event loop stops to take its wake time into account.
    fresh: bool,
}

impl<T> Default for Tasks<T> {
    fn default() -> Self {
        Tasks {
            running: Vec::new(),
            fresh: false,
        }
    }
}

impl<T> Tasks<T> {
    /// Number of tasks still running.
    pub fn len(&self) -> usize {
        self.running.len()
    }

    /// True when no task is running.
    pub fn is_empty(&self) -> bool {
        self.running.is_empty()
    }

    /// Adds a task, first polled at `at`.
    pub(super) fn push(&mut self, at: Instant, task: Box<dyn Task<T>>) {
        self.running.push((Wake::At(at), task));
        self.fresh = true;
    }

    /// Takes the running tasks out, to poll them (the scheduler puts back those that go
    /// on with [`Tasks::set_running`]).
    pub(super) fn take_running(&mut self) -> Vec<(Wake, Box<dyn Task<T>>)> {
        std::mem::take(&mut self.running)
    }

    /// The running tasks, in spawn order.
    pub(super) fn set_running(&mut self, running: Vec<(Wake, Box<dyn Task<T>>)>) {
        self.running = running;
    }

    /// Whether a task was spawned since [`Tasks::set_fresh`] last cleared it.
    pub(super) fn fresh(&self) -> bool {
        self.fresh
    }

    /// Sets or clears the spawned-since mark.
    pub(super) fn set_fresh(&mut self, fresh: bool) {
        self.fresh = fresh;
    }

    /// The earliest time a task asked to be woken at.
    pub(super) fn earliest(&self) -> Option<Instant> {
        self.running
            .iter()
            .filter_map(|(w, _)| match w {
                Wake::At(at) => Some(*at),
                _ => None,
            })
            .min()
    }
}
