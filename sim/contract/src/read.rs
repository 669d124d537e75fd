//! Reads served without the log (Raft thesis §6.4): an optional capability.
//!
//! A service on Raft can answer a read-only request in three ways:
//! - **through the log** ([`ReadMode::Log`], what every implementation supports): the
//!   read is a command like any other, answered once applied. Linearizable, and as slow
//!   as a write.
//! - **by ReadIndex** ([`ReadMode::ReadIndex`], §6.4): the leader notes its commit index,
//!   confirms it still leads with a round of heartbeats a majority answers, and the
//!   service answers once it has applied through that index. No entry, no disk write.
//! - **by lease** ([`ReadMode::Lease`], §6.4.1): the leader answers with its commit index
//!   at once, while a lease holds: a majority answered heartbeats recently enough that no
//!   other server can have been elected since. Safe only while clocks drift within the
//!   bound the lease was computed for.
//!
//! The mode is chosen per run ([`crate::Boot::reads`]); an implementation lists the modes
//! it supports in [`crate::RaftFamily::READS`], and starts a read with
//! [`crate::RaftNode::read`]. A confirmed read comes out of [`crate::RaftNode::ready`] as
//! a [`ReadState`].

use crate::types::{Instant, LogIndex, Term};
use serde::{Deserialize, Serialize};
use std::fmt;

/// How a service serves read-only requests in a run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReadMode {
    /// Through the log, like writes (the lab's way, and the default).
    #[default]
    Log,
    /// By ReadIndex: the leader confirms its leadership with a heartbeat round first.
    #[serde(rename = "index")]
    ReadIndex,
    /// By lease: the leader answers at once while its lease holds.
    Lease,
}

impl ReadMode {
    /// Every mode, in the order of the names [`ReadMode::name`] gives.
    pub const ALL: [ReadMode; 3] = [ReadMode::Log, ReadMode::ReadIndex, ReadMode::Lease];

    /// The name the command line's `--reads` takes: `log`, `index` or `lease`.
    pub fn name(self) -> &'static str {
        match self {
            ReadMode::Log => "log",
            ReadMode::ReadIndex => "index",
            ReadMode::Lease => "lease",
        }
    }

    /// The mode named `name` (see [`ReadMode::name`]), if any.
    pub fn parse(name: &str) -> Option<ReadMode> {
        ReadMode::ALL.into_iter().find(|m| m.name() == name)
    }
}

impl fmt::Display for ReadMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The lease a read was confirmed under, in the leader's own clock: from the instant the
/// heartbeat round a majority answered was sent, until the lease lapses. The lease
/// monitor converts it to true time and checks that leases of different terms never
/// overlap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The leader's term.
    pub term: Term,
    /// When the confirming heartbeat round left, by the leader's clock.
    pub from: Instant,
    /// When the lease lapses, by the leader's clock.
    pub until: Instant,
}

/// A read the node confirmed (etcd's `ReadState`): the service may answer the request
/// it started with [`crate::RaftNode::read`] under `ctx` once it has applied everything
/// through `index`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadState {
    /// The caller's tag for the read, as given to [`crate::RaftNode::read`].
    pub ctx: u64,
    /// The leader's commit index when the read arrived.
    pub index: LogIndex,
    /// The lease it was confirmed under, for a lease read of an implementation that has
    /// one (raft-rs's lease-based reads have no interval to report: `None`).
    pub lease: Option<Lease>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_mode_names_round_trip_and_log_is_the_default() {
        for mode in ReadMode::ALL {
            assert_eq!(ReadMode::parse(mode.name()), Some(mode));
            assert_eq!(
                serde_json::to_string(&mode).unwrap(),
                format!("\"{}\"", mode.name())
            );
        }
        assert_eq!(ReadMode::parse("lease-based"), None);
        assert_eq!(ReadMode::default(), ReadMode::Log);
    }
}
