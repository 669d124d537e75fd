//! What a replica group logs: its clients' requests, and the steps of a
//! reconfiguration, which go through the group's own log so that every replica takes
//! them at the same point.

use super::shard::ShardData;
use crate::command::Command;
use crate::shardctrler::{Config, ConfigNum, Shard};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// One entry of a replica group's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShardEntry {
    /// A clerk's Get, Put or Append.
    Client(Command),
    /// The next configuration, taken when every shard is settled.
    Config(Arc<Config>),
    /// A shard pulled from its previous owner in configuration `num`.
    Install {
        /// The configuration the shard was pulled for.
        num: ConfigNum,
        /// The shard.
        shard: Shard,
        /// Its keys and sessions, as the previous owner froze them.
        data: Arc<ShardData>,
    },
    /// The previous owner's copy of a shard it left in configuration `num` can go: the
    /// new owner has it (challenge 1).
    Delete {
        /// The configuration the shard left in.
        num: ConfigNum,
        /// The shard.
        shard: Shard,
    },
    /// The previous owner of a shard pulled in configuration `num` has deleted its copy:
    /// nothing more to do for it.
    Settle {
        /// The configuration the shard was pulled for.
        num: ConfigNum,
        /// The shard.
        shard: Shard,
    },
    /// Nothing: a new leader logs it so that the entries of earlier terms it holds can
    /// commit (§5.4.2: a leader commits only entries of its own term). A group no
    /// client writes to, whose last entries a crash left uncommitted, would otherwise
    /// never apply them.
    Noop,
}

impl fmt::Display for ShardEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ShardEntry::Client(c) => write!(f, "{c}"),
            ShardEntry::Config(c) => write!(f, "{c}"),
            ShardEntry::Install { num, shard, data } => {
                write!(f, "install {shard} of {num} ({} keys)", data.store.len())
            }
            ShardEntry::Delete { num, shard } => write!(f, "delete {shard} of {num}"),
            ShardEntry::Settle { num, shard } => write!(f, "settle {shard} of {num}"),
            ShardEntry::Noop => write!(f, "no-op"),
        }
    }
}
