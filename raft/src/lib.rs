//! Raft consensus as a library with no IO: the caller hands in virtual time, delivered
//! messages and proposals; the library hands back what to persist, what to send and what
//! to apply, in that order.
//!
//! # Tour
//! - The newtypes [`NodeId`], [`Term`], [`LogIndex`], [`Instant`], [`Duration`], and
//!   [`ApplyMsg`], [`Persisted`], [`SharedBytes`], [`Role`], [`Status`], come from
//!   `raft-contract`, the contract raftsim tests any Raft through; [`Raft`] implements
//!   its `RaftNode` trait, and [`Family`] registers it.
//! - [`Config`]: election timeout range and heartbeat interval (lab defaults), and the
//!   configuration a node with an empty disk boots with.
//! - [`Raft`]: one node. Entry points: [`Raft::new`], [`Raft::start`], [`Raft::step`],
//!   [`Raft::tick`], [`Raft::snapshot`], [`Raft::change`]; effects via [`Raft::ready`];
//!   the driver sets a timer for [`Raft::next_deadline`].
//! - [`Message`]: RequestVote, AppendEntries and InstallSnapshot with their replies.
//! - [`Entry`]: a [`Payload`], a command or a configuration; the service sees commands
//!   only, numbered 1, 2, 3 … without gaps ([`ApplyMsg`], [`Raft::start`] and
//!   [`Raft::snapshot`] speak in these command indices; [`Status`] in log indices).
//!   [`SnapshotMeta`]: what a snapshot covers, with its command count and configuration.
//! - Membership changes (`membership.rs`, thesis chapter 4): one server at a time, with
//!   learners that catch up before they vote; a configuration is in effect as soon as
//!   its entry is in the log, and quorums (commits, votes, pre-votes, CheckQuorum, read
//!   rounds) count its voters only. Single-server changes rather than joint consensus
//!   (§4.3): they are simpler (no joint state, no second entry to leave it), they are
//!   what the thesis recommends for a new implementation, and one change at a time is
//!   all raftsim's scenarios need. Joint consensus is exercised through raft-rs, behind
//!   the same contract. A fixed cluster (every slot a voter, no change ever made)
//!   behaves exactly as before: the same messages, timers and random draws.
//! - [`Ready`] and [`ApplyMsg`]: the effects; [`Persisted`]: the durable bytes.
//! - Internals, one concern per file: `log.rs` (index arithmetic, the only place that
//!   maps global indices to vector positions, and keeps command counts and
//!   configurations incrementally), `progress.rs` (per-follower flow control),
//!   `election.rs`, `replication.rs`, `snapshot.rs`, `membership.rs`, `persist.rs`,
//!   `rng.rs`;
//!   `invariant.rs`, the cross-node assertions and the switches of planted bugs.
//! - `planted` (only with the `planted-bugs` feature, which only raftsim's tests
//!   enable): classic Raft bugs planted in this Raft, for the suite that tests
//!   raftsim's safety monitors; the bugs' names (`bug.rs`) stand apart, so that
//!   `Config` names one without importing the nodes that plant it.
//!
//! # Example
//! Three nodes driven by hand, messages delivered instantly:
//! ```
//! use raft::{ApplyMsg, Config, Instant, Message, NodeId, Persisted, Raft};
//!
//! let now = Instant::from_millis(0);
//! let mut nodes: Vec<Raft<String>> = (0..3)
//!     .map(|i| Raft::new(NodeId(i), 3, Persisted::default(), Config::default(), i as u64, now))
//!     .collect::<Result<_, _>>()
//!     .unwrap();
//! let mut applied: Vec<Vec<String>> = vec![Vec::new(); 3];
//! let mut now = now;
//! for round in 0..50 {
//!     // Fire the earliest deadline, then deliver everything until quiet.
//!     now = nodes.iter().map(|n| n.next_deadline()).min().unwrap();
//!     for n in nodes.iter_mut() {
//!         n.tick(now);
//!     }
//!     if round == 10 {
//!         if let Some(l) = nodes.iter_mut().find(|n| n.state().1) {
//!             l.start("hello".to_string(), now).unwrap();
//!         }
//!     }
//!     let mut queue: Vec<(NodeId, NodeId, Message<String>)> = Vec::new();
//!     loop {
//!         for (i, n) in nodes.iter_mut().enumerate() {
//!             let ready = n.ready();
//!             // 1. persist (ready.persist) -- skipped in this example; 2. send; 3. apply.
//!             queue.extend(ready.messages.into_iter().map(|(to, m)| (NodeId(i as u32), to, m)));
//!             for a in ready.apply {
//!                 if let ApplyMsg::Command { command, .. } = a {
//!                     applied[i].push(command);
//!                 }
//!             }
//!         }
//!         if queue.is_empty() {
//!             break;
//!         }
//!         for (from, to, m) in queue.drain(..) {
//!             nodes[to.0 as usize].step(from, m, now);
//!         }
//!     }
//! }
//! assert_eq!(nodes.iter().filter(|n| n.state().1).count(), 1);
//! assert!(applied.iter().all(|a| a == &vec!["hello".to_string()]));
//! ```
#![deny(missing_docs)]

// First: the macros it defines are used by the modules below.
#[macro_use]
mod invariant;

#[cfg(feature = "planted-bugs")]
mod bug;
pub mod config;
mod contract;
mod election;
pub mod error;
pub mod log;
mod membership;
pub mod message;
pub mod node;
pub mod persist;
#[cfg(feature = "planted-bugs")]
pub mod planted;
mod pre_vote;
mod progress;
mod quorum_check;
mod read_only;
mod read_rounds;
pub mod ready;
mod replication;
mod rng;
mod snapshot;
#[cfg(test)]
mod testutil;

pub use config::Config;
pub use contract::Family;
pub use error::{Error, Result};
pub use log::{Entry, Payload, SnapshotMeta};
pub use message::{
    AppendEntries, AppendEntriesReply, Confirm, InstallSnapshot, InstallSnapshotReply, Message,
    RequestVote, RequestVoteReply,
};
pub use node::Raft;
pub use raft_contract::{
    ApplyMsg, Command, Duration, Instant, LogIndex, NodeId, Persisted, Role, SharedBytes, Status,
    Term,
};
pub use ready::Ready;
