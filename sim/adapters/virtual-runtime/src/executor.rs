//! [`Executor`]: one node's tasks, polled in the order they were woken.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, VecDeque};
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use crate::join::{Abort, JoinError, JoinHandle, Slot};
use crate::panic::{message, TaskPanic};

/// The most task polls one [`Executor::run_ready`] may make: a node that is still busy
/// after a million polls at one instant has a task that wakes itself forever (a
/// livelock, which would otherwise hang the simulation without a word).
pub const POLLS_PER_RUN_MAX: u64 = 1_000_000;

/// The ids of woken tasks, first woken first.
///
/// Behind an `Arc<Mutex>` only because `std::task::Waker` must be `Send + Sync`; a node
/// runs on one thread and the lock is never contended.
type ReadyQueue = Arc<Mutex<VecDeque<u64>>>;

/// A task's waker: puts the task's id at the back of its node's ready queue, once
/// until the task is polled again.
struct TaskWaker {
    task: u64,
    queued: AtomicBool,
    ready: ReadyQueue,
}

impl Wake for TaskWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !self.queued.swap(true, Ordering::SeqCst) {
            lock(&self.ready).push_back(self.task);
        }
    }
}

/// The ready queue, locked (a single-threaded lock cannot be poisoned while held by
/// another thread; a panic while holding it is a bug of this file).
fn lock(ready: &ReadyQueue) -> std::sync::MutexGuard<'_, VecDeque<u64>> {
    ready
        .lock()
        .unwrap_or_else(|_| panic!("virtual-runtime: ready queue poisoned"))
}

/// A spawned task: its future, its waker, and where to report an end without result.
struct Task {
    future: Pin<Box<dyn Future<Output = ()>>>,
    waker: Arc<TaskWaker>,
    abort: Rc<dyn Abort>,
}

impl Drop for Task {
    fn drop(&mut self) {
        // A task dropped before it finished was cancelled (its node was dropped); one
        // that panicked was reported as such before it was dropped.
        self.abort.abort(JoinError::Cancelled);
    }
}

/// One node's tasks and the queue of those woken.
///
/// Tasks are kept by spawn number in a `BTreeMap` and polled strictly in the order of
/// their wake-ups (a task woken twice before it runs is polled once, at its first
/// place), so the interleaving of a node's tasks depends only on what happened, never
/// on addresses or hashing.
pub struct Executor {
    tasks: RefCell<BTreeMap<u64, Task>>,
    ready: ReadyQueue,
    next_task: Cell<u64>,
}

impl Executor {
    /// An executor with no tasks.
    pub fn new() -> Executor {
        Executor {
            tasks: RefCell::new(BTreeMap::new()),
            ready: Arc::new(Mutex::new(VecDeque::new())),
            next_task: Cell::new(0),
        }
    }

    /// Adds `future` as a task, ready to be polled at the back of the queue.
    pub fn spawn<F>(&self, future: F) -> JoinHandle<F::Output>
    where
        F: Future + 'static,
        F::Output: 'static,
    {
        let (slot, handle) = Slot::pair();
        let finisher = slot.clone();
        let future = async move {
            let out = future.await;
            finisher.finish(Ok(out));
        };
        let id = self.next_task.get();
        self.next_task.set(id + 1);
        let waker = Arc::new(TaskWaker {
            task: id,
            queued: AtomicBool::new(false),
            ready: self.ready.clone(),
        });
        let task = Task {
            future: Box::pin(future),
            waker: waker.clone(),
            abort: slot,
        };
        let previous = self.tasks.borrow_mut().insert(id, task);
        assert!(previous.is_none(), "task {id} spawned twice");
        waker.wake_by_ref();
        handle
    }

    /// Whether some task is woken and waits to be polled.
    pub fn has_ready(&self) -> bool {
        !lock(&self.ready).is_empty()
    }

    /// How many tasks have not finished.
    pub fn tasks_alive(&self) -> usize {
        self.tasks.borrow().len()
    }

    /// Polls woken tasks, first woken first, until none is woken.
    ///
    /// # Errors
    /// [`TaskPanic`] as soon as a task panics: that task is removed (its handle reports
    /// [`JoinError::Panicked`]) and the others stay as they are, those still woken
    /// included.
    ///
    /// # Panics
    /// After [`POLLS_PER_RUN_MAX`] polls, naming the task to poll next.
    pub fn run_ready(&self) -> Result<(), TaskPanic> {
        for _ in 0..POLLS_PER_RUN_MAX {
            let Some(id) = lock(&self.ready).pop_front() else {
                return Ok(());
            };
            // Taken out of the map while it runs, so that it can spawn tasks.
            let Some(mut task) = self.tasks.borrow_mut().remove(&id) else {
                continue; // finished: a stale wake-up
            };
            assert_eq!(task.waker.task, id, "task {id} filed under another id");
            task.waker.queued.store(false, Ordering::SeqCst);
            let waker = Waker::from(task.waker.clone());
            let mut cx = Context::from_waker(&waker);
            let polled = catch_unwind(AssertUnwindSafe(|| task.future.as_mut().poll(&mut cx)));
            match polled {
                Ok(Poll::Pending) => {
                    let previous = self.tasks.borrow_mut().insert(id, task);
                    assert!(previous.is_none(), "task {id} spawned while it ran");
                }
                Ok(Poll::Ready(())) => {}
                Err(payload) => {
                    task.abort
                        .abort(JoinError::Panicked(message(payload.as_ref())));
                    return Err(TaskPanic::new(id, payload));
                }
            }
        }
        let next = lock(&self.ready).front().copied();
        panic!(
            "virtual-runtime livelock: {POLLS_PER_RUN_MAX} task polls at one instant and \
             tasks are still woken (next: task {next:?}); a task wakes itself forever"
        );
    }

    /// Drops every task (unfinished tasks' handles report [`JoinError::Cancelled`]).
    ///
    /// The tasks are taken out first: dropping a future may run code that spawns or
    /// wakes a task of this node.
    pub fn clear(&self) {
        let tasks = std::mem::take(&mut *self.tasks.borrow_mut());
        drop(tasks);
        lock(&self.ready).clear();
    }
}

impl std::fmt::Debug for Executor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Executor")
            .field("tasks", &self.tasks_alive())
            .field("ready", &lock(&self.ready).len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn executor_polls_in_wake_order_and_reports_results() {
        let executor = Executor::new();
        let log = Rc::new(RefCell::new(Vec::new()));
        let mut handles: Vec<_> = (0..3)
            .map(|i| {
                let log = log.clone();
                executor.spawn(async move {
                    log.borrow_mut().push(i);
                    i * 10
                })
            })
            .collect();
        assert!(handles.iter().all(|h| !h.is_finished()));
        executor.run_ready().expect("no task panics");
        assert_eq!(*log.borrow(), [0, 1, 2]);
        let results: Vec<_> = handles.iter_mut().map(|h| h.try_join()).collect();
        assert_eq!(results, [Some(Ok(0)), Some(Ok(10)), Some(Ok(20))]);
        assert_eq!(executor.tasks_alive(), 0);
    }

    #[test]
    #[should_panic(expected = "virtual-runtime livelock")]
    fn executor_task_waking_itself_forever_panics() {
        let executor = Executor::new();
        executor.spawn(std::future::poll_fn(|cx| {
            cx.waker().wake_by_ref();
            Poll::<()>::Pending
        }));
        let _ = executor.run_ready();
    }

    #[test]
    fn executor_cleared_cancels_unfinished_tasks() {
        let executor = Executor::new();
        let mut handle = executor.spawn(std::future::pending::<()>());
        executor.run_ready().expect("no task panics");
        assert_eq!(handle.try_join(), None);
        executor.clear();
        assert_eq!(handle.try_join(), Some(Err(JoinError::Cancelled)));
    }
}
