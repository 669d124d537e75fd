//! Raft and KV nodes driven by the engine, and the testers of the lab's suites.

pub mod appends;
pub mod clerk_driver;
pub mod clerk_ops;
pub mod clock;
pub mod command;
pub mod deadline;
pub mod fault_target;
pub mod kv_node;
pub mod kv_tester;
pub mod raft_server;
pub mod raft_tester;
pub mod recorder;
pub mod replica_driver;
pub mod scheduler;
pub mod shard_node;
pub mod shard_tester;
pub mod trap;

pub use clerk_ops::ClerkOps;
pub use clock::ELECTION_TIMEOUT;
pub use command::Cmd;
pub use scheduler::{Harness, Task, Tasks, Wake};

use crate::engine::{Duration, Instant, NodeRole, NodeStatus};
use crate::ensure;
use crate::scenario::Verdict;

/// The lab's per-test limit (`checkTimeout` in the Raft tests, the same 120 s in kvraft),
/// checked when a scenario ends and used as the deadline of blocking KV operations.
pub const TEST_LIMIT: Duration = Duration::from_secs(120);

/// The lab's end-of-test check: the whole test must fit in 120 s of virtual time.
pub fn check_test_limit(now: Instant) -> Verdict {
    let took = now.saturating_since(Instant::ZERO);
    ensure!(
        took <= TEST_LIMIT,
        "test took longer than 120 seconds ({took} of virtual time)"
    );
    Ok(())
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

pub use raft_server::{RaftOutput, RaftServer, Tick};
pub use raft_tester::{OneOp, RaftSetup, RaftTester};
