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

use crate::engine::{NodeConfig, NodeRole, NodeStatus};

/// A Raft node's status view as the engine's trace records it; its configuration once
/// it comes from the log (membership changes).
pub fn traced_status(status: &raft_contract::Status) -> NodeStatus {
    let bits = |set: raft_contract::NodeSet| set.iter().fold(0u64, |b, id| b | 1 << id.0);
    NodeStatus {
        term: status.term.0,
        role: match status.role {
            raft_contract::Role::Follower => NodeRole::Follower,
            raft_contract::Role::Candidate => NodeRole::Candidate,
            raft_contract::Role::Leader => NodeRole::Leader,
        },
        commit: status.commit_index.0,
        last: status.last_index.0,
        config: (status.config_index.0 > 0).then(|| NodeConfig {
            index: status.config_index.0,
            voters: bits(status.config.voters),
            outgoing: bits(status.config.outgoing),
            learners: bits(status.config.learners),
        }),
    }
}

pub use raft_server::{RaftOutput, RaftServer, Tick};
