//! The crate's error type.

use raft_contract::{LogIndex, NodeId};

/// Expected failures of the Raft API. Invariant violations are panics, not errors.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// `start` was called on a node that is not the leader of its current term.
    #[error("not the leader")]
    NotLeader,
    /// The persisted raft state could not be decoded or is inconsistent.
    #[error("corrupt persisted state: {0}")]
    Corrupt(String),
    /// The configuration is unusable.
    #[error("invalid config: {0}")]
    Config(String),
    /// The peer set is unusable (empty, or `id` is not one of the peers).
    #[error("node {id} is not among the {peers} peers")]
    NotAPeer {
        /// The node being created.
        id: NodeId,
        /// The number of peers.
        peers: usize,
    },
    /// `snapshot` was given an index at or below the current snapshot.
    #[error("snapshot at {index} is not newer than the current snapshot at {current}")]
    SnapshotStale {
        /// The requested index.
        index: LogIndex,
        /// The index of the snapshot already held.
        current: LogIndex,
    },
    /// `snapshot` was given an index that has not been applied (handed out by `ready`).
    #[error("snapshot at {index} is beyond the last applied index {applied}")]
    SnapshotBeyondApplied {
        /// The requested index.
        index: LogIndex,
        /// The last index handed to the service.
        applied: LogIndex,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
