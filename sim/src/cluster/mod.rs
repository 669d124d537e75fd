//! Raft, KV and sharded KV nodes driven by the engine: a Raft server, a KV server or
//! clerk, the shard controller's and the groups' servers and clerks. The testers that
//! run them are [`crate::tester`].

pub mod appends;
pub mod clerk_driver;
pub mod clock;
pub mod command;
pub mod deadline;
pub mod kv_node;
pub mod raft_server;
pub mod replica_driver;
pub mod shard_node;

pub use clock::ELECTION_TIMEOUT;
pub use command::Cmd;

use crate::engine::{Context, Disk, Node, NodeRole, NodeStatus};
use raft_contract::{Persisted, SharedBytes};

/// What a Raft-based node finds on its disk at start: the saved chunks, shared.
pub fn persisted_on(disk: &Disk) -> Persisted {
    Persisted {
        raft_state: SharedBytes::from_chunks(disk.raft_state_chunks().iter().cloned()),
        snapshot: SharedBytes::from_chunks(disk.snapshot_chunks().iter().cloned()),
    }
}

/// A Raft node's status view as the engine's trace records it.
pub fn traced_status(status: &raft_contract::Status) -> NodeStatus {
    NodeStatus {
        term: status.term.0,
        role: match status.role {
            raft_contract::Role::Follower => NodeRole::Follower,
            raft_contract::Role::Candidate => NodeRole::Candidate,
            raft_contract::Role::Leader => NodeRole::Leader,
        },
        commit: status.commit_index.0,
        last: status.last_index.0,
    }
}

/// Saves a Raft-based node's state to its disk, sharing its chunks.
pub fn save_persisted<N: Node>(ctx: &mut Context<'_, N>, p: Persisted) {
    ctx.save_chunks(p.raft_state.into_chunks(), p.snapshot.into_chunks());
}

pub use raft_server::{RaftOutput, RaftServer, Tick};
