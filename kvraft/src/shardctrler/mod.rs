//! The shard controller (MIT 6.5840 lab 4A, 2024: 5A): a replicated configuration
//! service that decides which replica group serves which shard.
//!
//! - [`config`]: [`Config`] (number, shard-to-group table, the groups' servers) and the
//!   ids it is made of, [`Gid`], [`Shard`] (with the lab's `key2shard`) and
//!   [`ConfigNum`];
//! - [`mod@rebalance`]: the even, minimal, deterministic spread of shards over groups;
//! - [`op`]: [`CtrlOp`] (Join, Leave, Move, Query), [`CtrlAnswer`] and [`BadRequest`];
//! - [`service`]: [`CtrlService`], every configuration and the clerks' sessions, as a
//!   [`crate::Service`]; [`CtrlServer`] is a [`crate::Replica`] of it and [`CtrlClerk`]
//!   the generic [`crate::Clerk`] over its operations.
//!
//! Configuration 0 has no group and every shard on gid 0; every Join, Leave or Move that
//! is not refused makes the next one. Queries go through the log like everything else,
//! so a Query reflects every operation that finished before it.

pub mod config;
pub mod op;
pub mod rebalance;
pub mod service;

pub use config::{Config, ConfigNum, Gid, Shard, NSHARDS};
pub use op::{BadRequest, CtrlAnswer, CtrlOp};
pub use rebalance::rebalance;
pub use service::{CtrlCommand, CtrlService};

/// One replica of the controller (the lab's `ShardCtrler`).
pub type CtrlServer<R> = crate::Replica<R, CtrlService>;

/// A controller clerk: the generic clerk over the controller's operations.
pub type CtrlClerk = crate::Clerk<CtrlOp>;
