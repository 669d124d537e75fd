//! The tester core: one cooperative scheduler for the concurrent activities of every
//! tester (the lab's goroutines), and the one loop that runs a simulation until a
//! condition holds.
//!
//! A task does a bounded amount of work each time it is polled and says when it wants
//! to be polled again: at a virtual time, or when a node reports an output (a clerk's
//! operation returns). Tasks see the world change only through outputs and through
//! time, so they are polled only then, not after every event; the caller's condition is
//! checked after every event, and so are the tester's monitors, on the node that
//! handled it.

use crate::engine::{Instant, Node, NodeId, Sim};
use crate::scenario::{Failure, Verdict};

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

/// What the scheduler needs of a tester.
pub trait Harness: Sized {
    /// The simulated nodes.
    type Node: Node;

    /// The simulation.
    fn sim(&self) -> &Sim<Self::Node>;

    /// The simulation, to step it.
    fn sim_mut(&mut self) -> &mut Sim<Self::Node>;

    /// The running tasks.
    fn tasks(&mut self) -> &mut Tasks<Self>;

    /// Takes in the outputs the nodes reported (checking applied items, recording
    /// returned operations).
    ///
    /// # Errors
    /// The first failure the checks found.
    fn absorb_outputs(&mut self) -> Verdict;

    /// True when `node` has an output waiting for a task ([`Wake::Output`]).
    fn output_ready(&self, node: NodeId) -> bool;

    /// Checks the node that just handled an event (the safety monitors).
    ///
    /// # Errors
    /// The violation found.
    fn watch(&mut self, node: NodeId) -> Verdict;
}

/// Starts a concurrent task, first polled now.
pub fn spawn<H: Harness>(h: &mut H, task: impl Task<H> + 'static) {
    let now = h.sim().now();
    spawn_at(h, now, task);
}

/// Starts a concurrent task, first polled at `at`.
pub fn spawn_at<H: Harness>(h: &mut H, at: Instant, task: impl Task<H> + 'static) {
    let tasks = h.tasks();
    tasks.running.push((Wake::At(at), Box::new(task)));
    tasks.fresh = true;
}

fn due<H: Harness>(h: &H, wake: Wake) -> bool {
    match wake {
        Wake::At(at) => at <= h.sim().now(),
        Wake::Output(node) => h.output_ready(node),
        Wake::Done => false,
    }
}

/// Polls every task that is due, in spawn order, until none is; tasks spawned while
/// polling go after the ones already running.
fn poll_due<H: Harness>(h: &mut H) -> Verdict {
    loop {
        let tasks = std::mem::take(&mut h.tasks().running);
        if !tasks.iter().any(|(w, _)| due(h, *w)) {
            h.tasks().running = tasks;
            return Ok(());
        }
        let mut keep = Vec::with_capacity(tasks.len());
        for (wake, mut task) in tasks {
            if !due(h, wake) {
                keep.push((wake, task));
                continue;
            }
            match task.poll(h)? {
                Wake::Done => {}
                Wake::At(at) => {
                    let now = h.sim().now();
                    assert!(at >= now, "a task asked to wake at {at}, before {now}");
                    keep.push((Wake::At(at), task));
                }
                next => keep.push((next, task)),
            }
            h.absorb_outputs()?;
        }
        keep.append(&mut h.tasks().running);
        h.tasks().running = keep;
    }
}

/// Calls into a node from outside and watches it afterwards, as after an event.
pub fn with_node<H: Harness, R>(
    h: &mut H,
    node: NodeId,
    f: impl FnOnce(&mut H::Node, &mut crate::engine::Context<'_, H::Node>) -> R,
) -> Result<Option<R>, Failure> {
    let result = h.sim_mut().with_node(node, f);
    if result.is_some() {
        h.watch(node)?;
    }
    Ok(result)
}

/// Runs every event due by `at` and moves the clock there, watching each node that
/// handled one, then takes in the outputs; tasks are not polled (the caller's loop
/// does that).
///
/// # Errors
/// The first failure of a monitor or of the outputs' checks.
pub fn advance_to<H: Harness>(h: &mut H, at: Instant) -> Verdict {
    while h.sim_mut().step_until(at) {
        if let Some(node) = h.sim().last_handled() {
            h.watch(node)?;
        }
    }
    h.absorb_outputs()
}

/// Runs the simulation until `done` holds or the clock reaches `deadline`, polling tasks
/// as they come due and taking in outputs as they appear. `done` is checked after every
/// event (a condition may watch a node's state); tasks are polled only when an output
/// appears or a wake time comes, since nothing else changes what they wait for. Returns
/// whether `done` held.
///
/// # Errors
/// The first failure of a check, a monitor or a task.
pub fn run_until<H: Harness>(
    h: &mut H,
    deadline: Instant,
    mut done: impl FnMut(&H) -> bool,
) -> Result<bool, Failure> {
    loop {
        h.absorb_outputs()?;
        poll_due(h)?;
        if done(h) {
            return Ok(true);
        }
        let until = h.tasks().earliest().map_or(deadline, |w| w.min(deadline));
        h.tasks().fresh = false;
        loop {
            if !h.sim_mut().step_until(until) {
                if until == deadline {
                    h.absorb_outputs()?;
                    poll_due(h)?;
                    return Ok(done(h));
                }
                break;
            }
            if let Some(node) = h.sim().last_handled() {
                h.watch(node)?;
            }
            if h.sim().has_outputs() || h.sim().now() >= until || h.tasks().fresh {
                break;
            }
            if done(h) {
                return Ok(true);
            }
        }
    }
}
