//! The contract between raftsim and a Raft under test.
//!
//! raftsim tests any Rust Raft that implements [`RaftNode`]: the lab's `Make`, `Start`,
//! `GetState` and `Snapshot`, in sans-IO form. The simulator delivers messages and lets
//! time pass; the node hands back, in one [`Ready`] value, what to save, what to send
//! and what to apply, which the simulator carries out in that order. A read-only
//! [`Status`] view (term, role, vote, commit index, snapshot point if any, the terms of the
//! entries held) lets the testers' safety monitors watch every node after every event
//! without relying on the implementation's own assertions.
//!
//! # Tour
//! - [`types`]: the newtypes [`NodeId`], [`Term`], [`LogIndex`], [`Instant`],
//!   [`Duration`] that cross the API.
//! - [`node`]: [`RaftNode`] (one peer), [`RaftMessage`] (what the network needs of a
//!   message), [`RaftFamily`] (an implementation, for every command type), [`Boot`].
//! - [`ready`]: [`Ready`] and [`ApplyMsg`]; [`persisted`]: [`Persisted`], the two byte
//!   strings of the lab's `Persister`; [`bytes`]: [`SharedBytes`], their shared chunks.
//! - [`kind`]: [`MessageKind`], what a message is (a vote, an append and its entry
//!   count, a snapshot ...), which the simulator's timeline reads instead of labels.
//! - [`status`]: [`Status`], [`SnapshotPoint`] and [`Role`].
//! - [`knob`]: the [`Knob`]s an implementation lets the tester vary, and the
//!   [`Settings`] a node boots with.
//! - [`read`]: reads without the log, an optional capability: [`ReadMode`] (log,
//!   ReadIndex, lease) and the [`ReadState`] of a confirmed read.
//! - [`membership`]: membership changes, an optional capability: the [`Configuration`]
//!   in effect (a [`NodeSet`] of voters, learners, and the outgoing half of a joint
//!   change), the [`ConfChange`]s a leader accepts and why it refuses one
//!   ([`ChangeRefused`]), and what an implementation supports ([`Membership`]).
//!
//! raftsim's own Raft (the `raft` crate) implements the trait directly; tikv's raft-rs
//! through an adapter crate. The README's "Test your own Raft" shows a skeleton.
#![deny(missing_docs)]

pub mod chunked;
pub mod kind;
pub mod knob;
pub mod membership;
pub mod node;
pub mod persisted;
pub mod read;
pub mod ready;
pub mod status;
pub mod types;

pub use chunked::{ChunkedLog, SharedBytes};
pub use kind::MessageKind;
pub use knob::{Knob, Refusal, Settings};
pub use membership::{ChangeRefused, ConfChange, Configuration, Membership, NodeSet, TakesEffect};
pub use node::{Ack, Boot, Command, Error, RaftFamily, RaftMessage, RaftNode};
pub use persisted::Persisted;
pub use read::{Lease, ReadMode, ReadState};
pub use ready::{ApplyMsg, Ready};
pub use status::{Role, SnapshotPoint, Status};
pub use types::{Duration, Instant, LogIndex, NodeId, Term};
