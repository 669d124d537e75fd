//! The lab's election timeout, in the virtual time that the engine and the Raft
//! contract share.

use crate::engine::Duration;

/// The lab's `RaftElectionTimeout` (Raft tests) and `electionTimeout` (KV tests): "the
/// tester generously allows solutions to complete elections in one second".
pub const ELECTION_TIMEOUT: Duration = Duration::from_secs(1);
