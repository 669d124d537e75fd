//! [`TaskPanic`]: a panic inside a node's task, handed to the driver.

use std::any::Any;
use std::fmt;

/// A task of the node panicked during [`Runtime::enter`](crate::Runtime::enter).
///
/// The executor catches the panic so that the runtime's own state stays consistent
/// (the node is made current again for the caller's code, the task is removed, its
/// [`JoinHandle`](crate::JoinHandle) reports [`JoinError::Panicked`](crate::JoinError)),
/// and stops at once: the driver gets the panic instead of the rest of the call. A
/// simulator turns it into a failed run; [`TaskPanic::resume`] re-raises it with its
/// original payload, for a caller that catches panics further up (raftsim's registry
/// does).
pub struct TaskPanic {
    /// The task's spawn number on its node, from 0.
    task: u64,
    message: String,
    payload: Box<dyn Any + Send>,
}

impl TaskPanic {
    /// The panic of task number `task`, with the payload `catch_unwind` gave.
    pub(crate) fn new(task: u64, payload: Box<dyn Any + Send>) -> TaskPanic {
        let message = message(payload.as_ref());
        TaskPanic {
            task,
            message,
            payload,
        }
    }

    /// The task's spawn number on its node (0 for the first task spawned).
    pub fn task(&self) -> u64 {
        self.task
    }

    /// The panic's message (`"<non-string panic payload>"` when it was not a string).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Re-raises the panic with its original payload (no panic hook runs again: it ran
    /// when the task panicked).
    pub fn resume(self) -> ! {
        std::panic::resume_unwind(self.payload)
    }
}

/// The message of a panic payload: `panic!` makes a `&str` or a `String`.
pub(crate) fn message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_string()
    }
}

impl fmt::Debug for TaskPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaskPanic")
            .field("task", &self.task)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for TaskPanic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "task {} panicked: {}", self.task, self.message)
    }
}
impl std::error::Error for TaskPanic {}
