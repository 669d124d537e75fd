//! The testers: one core ([`Tester`]) that owns the simulation, the scenario's RNG, the
//! concurrent tasks, the watched Raft clusters with their safety monitors, the trap and
//! the metrics, and writes spawning, sleeping, running until a condition, fault
//! injection and the run path once; and the three suites that make it the lab's Raft,
//! KV and sharded KV testers with only what is their own.
//!
//! - [`rig`]: the [`Tester`] itself and the [`Suite`] trait a tester implements;
//!   [`tasks`] and [`scheduler`]: its concurrent tasks and its event loop; [`watch`]:
//!   calling into a node and watching it; [`clusters`]: the watched Raft clusters;
//!   [`faults`] and [`trap`]: what fault injection needs of a tester; [`reading`]: a
//!   Raft of any command type as the core reads it;
//! - [`run`]: the one run path, which assembles the [`crate::outcome::Outcome`];
//! - [`recorder`], [`clerk_ops`] and [`judged`]: the clerks' history, the lab's blocking
//!   clerk calls and the history's judgement, shared by the KV and sharded KV testers;
//! - [`raft`], [`kv`] and [`shard`]: the lab's `config.go` of each suite; [`membership`]:
//!   the Raft tester's membership changes, as an operator makes them.

pub mod clerk_ops;
pub mod clusters;
pub mod faults;
pub mod judged;
pub mod kv;
pub mod membership;
pub mod raft;
pub mod reading;
pub mod recorder;
pub mod rig;
pub mod run;
pub mod scheduler;
pub mod shard;
pub mod tasks;
pub mod trap;
pub mod watch;

pub use clusters::{ClusterId, ClusterName};
pub use kv::{KvSetup, KvTester};
pub use raft::{OneOp, RaftSetup, RaftTester, Retry};
pub use rig::{Base, ClerkSuite, Suite, Tester};
pub use run::{check_test_limit, run, TEST_LIMIT};
pub use shard::{ShardSetup, ShardTester};
pub use tasks::{Task, Tasks, Wake};
