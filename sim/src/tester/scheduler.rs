//! The one cooperative scheduler for the concurrent activities of every tester (the
//! lab's goroutines, [`super::tasks`]), and the one loop that runs a simulation until a
//! condition holds.
//!
//! A task does a bounded amount of work each time it is polled and says when it wants
//! to be polled again: at a virtual time, or when a node reports an output (a clerk's
//! operation returns). Tasks see the world change only through outputs and through
//! time, so they are polled only then, not after every event; the caller's condition is
//! checked after every event, and so are the tester's monitors, on the node that
//! handled it.

use super::rig::{Suite, Tester};
use super::tasks::Wake;
use crate::engine::{Duration, Instant};
use crate::outcome::{Failure, Verdict};

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
            let tasks = self.tasks.take_running();
            if !tasks.iter().any(|(w, _)| self.due(*w)) {
                self.tasks.set_running(tasks);
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
            keep.append(&mut self.tasks.take_running());
            self.tasks.set_running(keep);
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
            self.tasks.set_fresh(false);
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
                if self.sim.has_outputs() || self.sim.now() >= until || self.tasks.fresh() {
                    break;
                }
                if done(self) {
                    return Ok(true);
                }
            }
        }
    }

    /// The lab's `time.Sleep(d)`: lets `d` of virtual time pass.
    ///
    /// # Errors
    /// The first failure of a check, a monitor or a task meanwhile.
    pub fn sleep(&mut self, d: Duration) -> Verdict {
        let deadline = self.now() + d;
        self.run_until(deadline, |_| false).map(|_| ())
    }
}
