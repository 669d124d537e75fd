//! Channels and a mutex for tasks of a single-threaded node, as openraft-rt asks for.
//!
//! Every handle is `Rc`-based (openraft-rt's `single-threaded` feature drops the `Send`
//! bounds) and every wake-up order is first come first served: blocked senders of an
//! [`mpsc`] channel, the receivers waiting on a [`watch`] and the tasks waiting for a
//! [`Mutex`] are woken in the order they began to wait.

pub mod mpsc;
mod mutex;
pub mod oneshot;
mod waiters;
pub mod watch;

pub use mutex::{Mutex, MutexGuard};
