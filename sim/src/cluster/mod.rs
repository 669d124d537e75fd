//! Raft and KV nodes driven by the engine, and the testers of the lab's suites.

pub mod command;
pub mod kv_node;
pub mod kv_tester;
pub mod raft_server;
pub mod raft_tester;

pub use command::Cmd;
pub use raft_server::{RaftOutput, RaftServer, Tick};
pub use raft_tester::{OneOp, RaftSetup, RaftTester, Task, ELECTION_TIMEOUT};
