//! The sharded KV service (MIT 6.5840 lab 4B, 2024: 5B): the keys are split over ten
//! shards, each served by one replica group (a Raft cluster of its own) as the shard
//! controller's configuration says; shards move between groups as groups join and
//! leave.
//!
//! - [`shard`]: a shard's keys and sessions ([`ShardData`], which always move together,
//!   so exactly-once holds across a move) and its [`ShardState`] in a group;
//! - [`entry`]: what a group logs ([`ShardEntry`]): client requests, configurations,
//!   and the steps of a shard's move;
//! - [`service`]: [`ShardService`], a group's state machine, as a [`crate::Service`];
//! - [`migration`]: [`Migrate`] and [`MigrateReply`], between groups;
//! - [`server`]: [`ShardServer`], one server of a group: a [`crate::Replica`] of the
//!   service, the controller poll and the migrations its leader drives;
//! - [`clerk`]: [`ShardClerk`], the client.
//!
//! # Design
//! - **Configurations through the log.** A group's leader polls the controller every
//!   100 ms for the configuration after its own, once every shard is settled, and logs
//!   it; every replica takes it at the same point of its log, one at a time, in order.
//! - **Pull.** The new owner of a shard pulls it from the previous owner, which froze it
//!   when it took the configuration (it refuses requests on it from then on). The
//!   shard's sessions come with its keys.
//! - **Garbage collection (challenge 1).** Once the new owner has logged the shard, it
//!   tells the previous owner, which logs the shard's deletion; the new owner then logs
//!   the shard as settled. A group takes the next configuration only when nothing is
//!   left to pull, to delete or to settle.
//! - **Challenge 2.** Shards a reconfiguration does not move stay served throughout
//!   (2a), and a pulled shard is served as soon as it is installed (2b).
//! - A shard handed to no group (every group left) is dropped: no lab test leaves the
//!   service without a group.

pub mod clerk;
pub mod entry;
pub mod migration;
pub mod server;
pub mod service;
pub mod shard;

pub use clerk::{ShardAction, ShardClerk};
pub use entry::ShardEntry;
pub use migration::{Migrate, MigrateReply};
pub use server::{ShardReady, ShardServer, POLL_INTERVAL};
pub use service::{Defect, ShardService};
pub use shard::{ShardData, ShardSlot, ShardState};
