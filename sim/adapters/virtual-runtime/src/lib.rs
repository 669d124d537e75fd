//! openraft-rt's `AsyncRuntime` on virtual time: one deterministic executor per
//! simulated node, for running async Raft implementations (openraft) under raftsim.
//!
//! openraft does all its waiting, timing and random draws through the runtime its
//! type config names. Give it this one and a raftsim adapter decides when each node
//! runs and what time it is there; nothing inside reads the wall clock, spawns a
//! thread or asks the OS for randomness, so the same seed replays the same run.
//!
//! # Tour
//! - [`Runtime`]: one node's runtime and the driver's handle on it:
//!   [`Runtime::with_seed`], [`Runtime::spawn_root`], [`Runtime::enter`] (run to
//!   quiescence at an instant), [`Runtime::next_deadline`]. It implements
//!   [`AsyncRuntime`](openraft_rt::AsyncRuntime), whose static functions act on the
//!   current node ([`Runtime::make_current`], [`CurrentGuard`]).
//! - [`Instant`]: virtual nanoseconds, raftsim's unit.
//! - [`Sleep`], [`Timeout`] (error [`Elapsed`]): futures on the node's timers.
//! - [`JoinHandle`] (error [`JoinError`]): a spawned task's result; [`TaskPanic`]: a
//!   task's panic, handed to the driver.
//! - [`NodeRng`]: `thread_rng()`, the node's seeded ChaCha8 stream.
//! - [`sync`]: the `mpsc` (with weak senders), `oneshot` and `watch` channels and the
//!   [`Mutex`](sync::Mutex) openraft-rt asks for.
//!
//! # Design
//! **Virtual time in a thread-local.** openraft-rt's `Instant::now()`, `spawn`, `sleep`
//! and `thread_rng()` are static functions: they take no runtime value, so they must
//! find the node they act on somewhere global. A thread-local "current node" is that
//! place (`current.rs`): the driver makes a node current for the length of each call
//! into it (a guard sets it and puts back the previous one), and everything the node's
//! code creates captures its node then: a [`Sleep`] keeps its node's clock, a task's
//! waker its node's ready queue. A call from outside any node panics, since there is no
//! time there. A simulation is single-threaded, so one thread-local serves every node.
//!
//! **One executor per node, run to quiescence.** A node is its tasks plus its timers.
//! [`Runtime::enter`]`(now)` moves the node's clock to `now`, polls what is woken, and
//! fires the due timers; it returns when nothing more can happen at `now`, so a
//! simulator treats the whole call as one event at one instant, as it does for a Raft
//! library without IO. Time moves only there: a sleep of an hour takes no wall time.
//!
//! **FIFO wake-ups.** Tasks are polled in the order they were woken (a task woken
//! twice runs once, at its first place), and every wait queue (blocked `mpsc` senders,
//! `watch` receivers, `Mutex` waiters) serves first come first served. With
//! single-threaded `Rc` state and no hashing, the interleaving of a node's tasks is a
//! function of what happened before, the same on every run and machine; FIFO is also
//! the fair order tokio's primitives promise, so openraft sees the behaviour it was
//! written against.
//!
//! **Timers ordered by (deadline, sequence).** Timers live in a `BTreeMap` keyed by
//! their deadline and then by a per-node sequence number taken when the timer is
//! created. Equal deadlines are common in virtual time (openraft's heartbeats and
//! election timers land on the same microsecond; a 1 µs sleep follows every storage
//! flush) and must never tie on an address or a hash: they fire in creation order.
//! Timers fire one at a time, each followed by polling what it woke, so a task woken by
//! one timer can cancel a later one before it fires.
//!
//! **A seeded RNG per node.** `thread_rng()` is where openraft draws its randomized
//! election timeouts. Here it is a handle on the node's ChaCha8 stream
//! ([`NodeRng`]), seeded from the `u64` the adapter passes (raftsim seeds every node
//! from its boot seed), so draws depend on the seed and the node's own history only.
//!
//! **Panics reach the driver.** A panicking task does not unwind through the executor:
//! the panic is caught, the task removed, and [`Runtime::enter`] returns it as a
//! [`TaskPanic`] at once, so the adapter can turn it into a failed run (or re-raise it
//! with [`TaskPanic::resume`]) instead of a join handle swallowing it.
//!
//! **No `unsafe`.** The workspace forbids it. Wakers are `std::task::Wake` on `Arc`s
//! (a waker must be `Send + Sync`, so the ready queue sits behind an uncontended
//! `Mutex`); futures that would need pin projection box their inner future.
//!
//! **openraft-rt `=0.10.0-alpha.37`, feature `single-threaded`.** The exact pin
//! matches the openraft version raftsim's notes settle on (the 0.9 line calls tokio
//! and `rand::thread_rng` directly and cannot be made deterministic) and guards
//! against the alpha API moving between releases (`select2..4` and the peekable `mpsc`
//! receiver are new in alpha.37). `single-threaded` empties the `OptionalSend` and
//! `OptionalSync` bounds, which lets tasks, channels and the mutex share state through
//! `Rc` and `RefCell`: there is one thread, and nothing here pretends otherwise.
//! openraft-rt asks for `rand` 0.10's `Rng`, hence the `rand` 0.10 dependency;
//! the generator itself is `rand_chacha` 0.9's, as in the rest of raftsim.
//!
//! The runtime passes openraft-rt's own conformance suite (`openraft_rt::testing::Suite`,
//! its deterministic-RNG part included), run by `tests/conformance.rs` with
//! [`AsyncRuntime::block_on`](openraft_rt::AsyncRuntime::block_on), which advances
//! virtual time to the next timer whenever the node is idle.
//!
//! # Example
//! A driver runs a node at its deadlines; an hour of sleep takes no wall time, and a
//! timeout expires in virtual time:
//! ```
//! use std::time::Duration;
//! use openraft_rt::{AsyncRuntime, Instant as _};
//! use virtual_runtime::{Instant, Runtime};
//!
//! let rt = Runtime::with_seed(7, Instant::ZERO);
//! let mut handle = rt.spawn_root(async {
//!     Runtime::sleep(Duration::from_secs(3600)).await;
//!     let never = std::future::pending::<()>();
//!     let outcome = Runtime::timeout(Duration::from_millis(5), never).await;
//!     (Instant::now(), outcome.is_err())
//! });
//! rt.enter(Instant::ZERO).expect("no task panics");
//! while let Some(deadline) = rt.next_deadline() {
//!     rt.enter(deadline).expect("no task panics");
//! }
//! let (finished_at, timed_out) = handle.try_join().expect("done").expect("no panic");
//! assert_eq!(finished_at, Instant::ZERO + Duration::from_secs(3600) + Duration::from_millis(5));
//! assert!(timed_out);
//! ```
#![deny(missing_docs)]

mod clock;
mod current;
mod executor;
mod instant;
mod join;
mod node;
mod panic;
mod rng;
mod runtime;
mod sleep;
pub mod sync;
mod timeout;

pub use current::CurrentGuard;
pub use instant::Instant;
pub use join::{JoinError, JoinHandle};
pub use panic::TaskPanic;
pub use rng::NodeRng;
pub use runtime::Runtime;
pub use sleep::Sleep;
pub use timeout::{Elapsed, Timeout};
