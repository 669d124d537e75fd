//! What a node keeps on its simulated disk.

use crate::chunked::SharedBytes;

/// The durable state of a node, as the lab's `Persister.Save(raftstate, snapshot)` stores
/// it: both parts replaced together, atomically. Both are empty for a fresh node.
///
/// The bytes are the implementation's own: the simulator stores them, counts them (the
/// lab's `RaftStateSize` and `SnapshotSize`) and hands them back at the next boot, but
/// never reads them. Both parts are [`SharedBytes`]: successive saves may share the bytes
/// they have in common (a log's prefix, an unchanged snapshot), so handing out a save and
/// keeping it need not copy the state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persisted {
    /// The encoded Raft state (term, vote, log, whatever the implementation keeps).
    pub raft_state: SharedBytes,
    /// The service's snapshot bytes, as the service handed them to
    /// [`crate::RaftNode::snapshot`] (or as installed from a leader). Empty until the first.
    pub snapshot: SharedBytes,
}
