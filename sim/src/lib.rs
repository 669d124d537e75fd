//! raftsim: a deterministic discrete-event simulator for Raft and Raft-backed KV stores.
//!
//! # Tour
//!
//! From the bottom up (a layer names only the layers below it):
//! - [`engine`]: one event queue in virtual time, one seeded RNG, the labrpc network,
//!   disks, crashes and the trace whose hash identifies a run; it knows nothing of Raft;
//! - [`timeline`]: the page and leader table drawn from a kept trace;
//! - [`outcome`]: what a run produced, and the one place an [`outcome::Outcome`] is
//!   assembled; [`scenario`]: a [`scenario::Scenario`], its [`scenario::Part`] and how
//!   to run it;
//! - [`monitor`]: the safety monitors, one per property of Figure 2;
//! - [`cluster`]: the nodes the engine drives (Raft servers, KV servers and clerks, the
//!   shard controller and groups);
//! - [`tester`]: the tester core ([`tester::Tester`]) and the three suites that make it
//!   the lab's Raft, KV and sharded KV testers; [`tester::run`] is the one run path;
//! - [`scenarios`]: the lab's tests; [`swarm`]: runs whose faults are drawn from the
//!   seed, and shrinking; [`demo`] and [`selftest`]: the engine demo and the CLI's
//!   self-tests;
//! - [`registry`]: every implementation and its scenarios; [`cli`]: the `raftsim`
//!   command line; [`testing`]: the same runs from `cargo test` in a user's crate
//!   (`sim::testing::lab::<Mine>().filter("2A|2B").seeds(0..50).run()`).
//!
//! # Features
//!
//! `raft-rs` and `openraft` (both on by default) register the adapters of tikv's
//! raft-rs and databendlabs' openraft, which bring protobuf, openraft and an async
//! runtime with them. A crate that tests its own Raft turns them off
//! (`default-features = false`); our Raft, the KV service and the checker stay.
//!
//! A scenario is a body run on a tester; the same seed gives the same run, byte for
//! byte:
//!
//! ```
//! use raft_contract::Settings;
//! use sim::outcome::Verdict;
//! use sim::scenario::RunConfig;
//! use sim::tester::{RaftSetup, RaftTester};
//!
//! // The lab's TestInitialElection, in short: one leader within the lab's rounds.
//! fn body(t: &mut RaftTester<raft::Family>) -> Verdict {
//!     t.check_one_leader().map(|_| ())
//! }
//! let setup = RaftSetup { servers: 3, unreliable: false, snapshot: false, members: None };
//! let config = RunConfig { seed: 7, ..RunConfig::default() };
//! let shipped = Settings::defaults(); // the implementation's shipped configuration
//! let first = sim::tester::run(config.run_id("Elect", "ours"), &config, &shipped, setup, body);
//! let again = sim::tester::run(config.run_id("Elect", "ours"), &config, &shipped, setup, body);
//! assert!(first.passed(), "{:?}", first.failure);
//! assert_eq!(first.trace_hash, again.trace_hash);
//! ```

pub mod cli;
pub mod cluster;
pub mod demo;
pub mod engine;
pub mod implementation;
pub mod monitor;
pub mod outcome;
pub mod panics;
pub mod registry;
pub mod scenario;
pub mod scenarios;
pub mod selftest;
pub mod swarm;
pub mod tester;
pub mod testing;
pub mod timeline;
