//! The one cooperative scheduler for the concurrent activities of every tester (the
//! lab's goroutines), and the one loop that runs a simulation until a condition holds.
//!
//! A task does a bounded amount of work each time it is polled and says when it wants
//! to be polled again: at a virtual time, or when a node reports an output (a clerk's
//! operation returns). Tasks see the world change only through outputs and through
//! time, so they are polled only then, not after every event; the caller's condition is
//! checked after every event, and so are the tester's monitors, on the node that
//! handled it.

use super::rig::Tester;
use super::suite::Suite;
use crate::engine::{Instant, NodeId};
use crate::outcome::{Failure, Verdict};

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

    /// The earliest time a task asked to be woken at.
    fn earliest(&self) -> Option<Instant> {
        self.running
            .iter()
            .filter_map(|(w, _)| match w {
                Wake::At(at) => Some(*at),
                _ => None,
            })
            .min()
    }
}

impl<S: Suite> Tester<S> {
    fn due(&self, wake: Wake) -> bool {
        match wake {
            Wake::At(at) => at <= self.sim.now(),
            Wake::Output(node) => S::output_ready(self, node),
            Wake::Done => false,
        }
    }

    /// Polls every task that is due, in spawn order, until none is; tasks spawned while
    /// polling go after the ones already running.
    fn poll_due(&mut self) -> Verdict {
        loop {
            let tasks = std::mem::take(&mut self.tasks.running);
            if !tasks.iter().any(|(w, _)| self.due(*w)) {
                self.tasks.running = tasks;
                return Ok(());
            }
            let mut keep = Vec::with_capacity(tasks.len());
            for (wake, mut task) in tasks {
                if !self.due(wake) {
                    keep.push((wake, task));
                    continue;
                }
                match task.poll(self)? {
                    Wake::Done => {}
                    Wake::At(at) => {
                        let now = self.sim.now();
                        assert!(at >= now, "a task asked to wake at {at}, before {now}");
                        keep.push((Wake::At(at), task));
                    }
                    next => keep.push((next, task)),
                }
                S::absorb_outputs(self)?;
            }
            keep.append(&mut self.tasks.running);
            self.tasks.running = keep;
        }
    }

    /// Runs every event due by `at` and moves the clock there, watching each node that
    /// handled one, then takes in the outputs; tasks are not polled (the caller's loop
    /// does that).
    ///
    /// # Errors
    /// The first failure of a monitor or of the outputs' checks.
    pub fn advance_to(&mut self, at: Instant) -> Verdict {
        while self.sim.step_until(at) {
            if let Some(node) = self.sim.last_handled() {
                self.watch(node)?;
            }
        }
        S::absorb_outputs(self)
    }

    /// Runs the simulation until `done` holds or the clock reaches `deadline`, polling
    /// tasks as they come due and taking in outputs as they appear. `done` is checked
    /// after every event (a condition may watch a node's state); tasks are polled only
    /// when an output appears or a wake time comes, since nothing else changes what they
    /// wait for. Returns whether `done` held.
    ///
    /// # Errors
    /// The first failure of a check, a monitor or a task.
    pub fn run_until(
        &mut self,
        deadline: Instant,
        mut done: impl FnMut(&Tester<S>) -> bool,
    ) -> Result<bool, Failure> {
        loop {
            S::absorb_outputs(self)?;
            self.poll_due()?;
            if done(self) {
                return Ok(true);
            }
            let until = self.tasks.earliest().map_or(deadline, |w| w.min(deadline));
            self.tasks.fresh = false;
            loop {
                if !self.sim.step_until(until) {
                    if until == deadline {
                        S::absorb_outputs(self)?;
                        self.poll_due()?;
                        return Ok(done(self));
                    }
                    break;
                }
                if let Some(node) = self.sim.last_handled() {
                    self.watch(node)?;
                }
                if self.sim.has_outputs() || self.sim.now() >= until || self.tasks.fresh {
                    break;
                }
                if done(self) {
                    return Ok(true);
                }
            }
        }
    }
}
