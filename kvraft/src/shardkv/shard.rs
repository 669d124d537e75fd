//! One shard as a replica group holds it: its keys and its sessions, which always move
//! together (so exactly-once holds across a move), and where it stands in the current
//! reconfiguration.

use crate::session::Sessions;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A shard's keys and the sessions of the clients that wrote or read them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardData {
    /// The shard's key/value map.
    pub store: Store,
    /// Per client, the last request applied to this shard.
    pub sessions: Sessions,
}

impl ShardData {
    /// True when the shard holds no key and no session.
    pub fn is_empty(&self) -> bool {
        self.store.is_empty() && self.sessions.is_empty()
    }
}

/// Where a shard stands for a group, in the group's current configuration.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum ShardState {
    /// Not the group's, and nothing held.
    #[default]
    Absent,
    /// The group's, here, and its previous owner holds no copy: served.
    Serving,
    /// The group's in the current configuration, still with its previous owner: the
    /// leader pulls it. Not served yet.
    Pulling,
    /// The group's in the previous configuration and not in the current one: held,
    /// frozen, for the new owner to pull, until the new owner says it has it. Not
    /// served.
    Leaving,
    /// Pulled in the current configuration and served (challenge 2b: as soon as it
    /// arrives); the previous owner must still be told to delete its copy (challenge 1).
    Settling,
}

impl ShardState {
    /// True when the group answers requests on the shard.
    pub fn serves(self) -> bool {
        matches!(self, ShardState::Serving | ShardState::Settling)
    }

    /// True when the shard needs nothing more for the current configuration: the group
    /// moves to the next configuration only when every shard is settled.
    pub fn settled(self) -> bool {
        matches!(self, ShardState::Serving | ShardState::Absent)
    }
}

impl fmt::Display for ShardState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            ShardState::Absent => "absent",
            ShardState::Serving => "serving",
            ShardState::Pulling => "pulling",
            ShardState::Leaving => "leaving",
            ShardState::Settling => "settling",
        };
        f.write_str(name)
    }
}

/// A shard's state and data in one group.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardSlot {
    /// Where it stands.
    pub state: ShardState,
    /// What the group holds of it (empty unless serving, settling or leaving).
    pub data: ShardData,
}
