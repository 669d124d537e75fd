//! The deterministic discrete-event engine.
//!
//! Generic over a [`Node`] trait; it knows nothing of Raft or KV. One event queue ordered
//! by (virtual time, insertion sequence), one ChaCha RNG seeded by the run's seed, a
//! labrpc-faithful network, per-node durable stores and clocks, crash and restart, and a
//! trace whose hash identifies the run. Time resolution is one nanosecond.
//!
//! Its only dependencies among raftsim's crates are the Raft contract (`raft-contract`),
//! for the vocabulary both sides share: [`NodeId`], [`Instant`] and [`Duration`], and
//! `alloc-meter`, which meters a run's memory for its [`Budget`].

pub mod budget;
pub mod clock;
pub mod digest;
pub mod disk;
pub mod net;
pub mod node;
pub mod queue;
pub mod rng;
pub mod send_rate;
pub mod simulation;
pub mod status;
pub mod trace;
pub mod wreck;

pub use budget::{Budget, Stop};
pub use clock::{Clock, ClockBounds, ClockError, Jump};
pub use disk::Disk;
pub use net::{DropReason, NetConfig, NetStats, Network};
pub use node::{Context, Node, NodeInit, Payload, PayloadKind, TimerId};
pub use queue::EventQueue;
pub use rng::SimRng;
pub use send_rate::RatePeak;
pub use simulation::{Observation, Sim, SimOptions, Usage};
pub use status::{NodeConfig, NodeRole, NodeStatus};
// Virtual time and node ids are the Raft contract's own types: one definition, so a
// node's clock and its peers' ids pass between the engine and a Raft as they are.
pub use raft_contract::{Duration, Instant, NodeId};
pub use trace::{EventKind, LinkShot, Trace, TraceRecord};
pub use wreck::Wreck;
