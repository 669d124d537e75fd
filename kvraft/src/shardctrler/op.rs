//! What the controller's clerks ask (the lab's Join, Leave, Move and Query) and what
//! they get back, including the refusal of a request that makes no sense.

use super::config::{Config, ConfigNum, Gid, Shard, NSHARDS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// One controller operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CtrlOp {
    /// New groups, each with its servers: a new configuration, rebalanced.
    Join {
        /// The groups and their servers.
        groups: BTreeMap<Gid, Vec<String>>,
    },
    /// Groups that leave: a new configuration, rebalanced over the others.
    Leave {
        /// The groups.
        gids: Vec<Gid>,
    },
    /// Hands `shard` to group `gid`: a new configuration, not rebalanced.
    Move {
        /// The shard.
        shard: Shard,
        /// Its new group.
        gid: Gid,
    },
    /// The configuration numbered `num`; the latest for `None` (the lab's -1) or a
    /// number past the latest.
    Query {
        /// The number asked for.
        num: Option<ConfigNum>,
    },
}

impl CtrlOp {
    /// True for Join, Leave and Move, which make a new configuration.
    pub fn changes(&self) -> bool {
        !matches!(self, CtrlOp::Query { .. })
    }
}

impl fmt::Display for CtrlOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CtrlOp::Join { groups } => {
                let gids: Vec<String> = groups.keys().map(|g| g.0.to_string()).collect();
                write!(f, "Join({})", gids.join(", "))
            }
            CtrlOp::Leave { gids } => {
                let gids: Vec<String> = gids.iter().map(|g| g.0.to_string()).collect();
                write!(f, "Leave({})", gids.join(", "))
            }
            CtrlOp::Move { shard, gid } => write!(f, "Move({}, {})", shard.0, gid.0),
            CtrlOp::Query { num: None } => write!(f, "Query(-1)"),
            CtrlOp::Query { num: Some(n) } => write!(f, "Query({})", n.0),
        }
    }
}

/// Why the controller refused a Join, Leave or Move: the request names groups or
/// shards that do not fit the configuration it would change. A refused request makes
/// no new configuration.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum BadRequest {
    /// A Join with no group in it.
    #[error("Join names no group")]
    JoinNoGroup,
    /// A Join or Move naming gid 0, which means "no group".
    #[error("gid 0 is reserved for shards without a group")]
    GidZero,
    /// A Join of a group with no server.
    #[error("Join of {gid} names no server")]
    NoServers {
        /// The group.
        gid: Gid,
    },
    /// A Join of a group that is joined already.
    #[error("Join of {gid}, which is joined already")]
    AlreadyJoined {
        /// The group.
        gid: Gid,
    },
    /// A Leave with no group in it.
    #[error("Leave names no group")]
    LeaveNoGroup,
    /// A Leave that names a group twice.
    #[error("Leave names {gid} twice")]
    Repeated {
        /// The group.
        gid: Gid,
    },
    /// A Leave or Move naming a group that is not joined.
    #[error("{gid} is not joined")]
    NotJoined {
        /// The group.
        gid: Gid,
    },
    /// A Move of a shard that does not exist.
    #[error("there is no {shard} (shards are 0..{NSHARDS})")]
    NoSuchShard {
        /// The shard.
        shard: Shard,
    },
}

/// The controller's answer to one operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CtrlAnswer {
    /// A Join, Leave or Move made its new configuration.
    Changed,
    /// A Join, Leave or Move was refused, and why.
    Refused(BadRequest),
    /// A Query's configuration.
    Config(Config),
}
