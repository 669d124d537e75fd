//! The messages between replica groups that move a shard: the new owner pulls it, and
//! once it has it, tells the previous owner to delete its copy.
//!
//! Both are idempotent and answered from the applied state only, so a group keeps no
//! bookkeeping of who asked: a lost request or reply is simply sent again at the next
//! poll. Only a leader answers, so at most one replica of a group answers each round.

use super::shard::ShardData;
use crate::shardctrler::{ConfigNum, Shard};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// A request from the group that gains a shard to the group that had it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Migrate {
    /// "Send me `shard` as you froze it when you took configuration `num`."
    Pull {
        /// The configuration in which the shard moved.
        num: ConfigNum,
        /// The shard.
        shard: Shard,
    },
    /// "I have `shard` of configuration `num`: delete your copy."
    Delete {
        /// The configuration in which the shard moved.
        num: ConfigNum,
        /// The shard.
        shard: Shard,
    },
}

/// The previous owner's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MigrateReply {
    /// The shard's keys and sessions, frozen at configuration `num`.
    Shard {
        /// The configuration in which the shard moved.
        num: ConfigNum,
        /// The shard.
        shard: Shard,
        /// What the previous owner held of it.
        data: Arc<ShardData>,
    },
    /// The previous owner's copy of the shard is gone.
    Deleted {
        /// The configuration in which the shard moved.
        num: ConfigNum,
        /// The shard.
        shard: Shard,
    },
}
