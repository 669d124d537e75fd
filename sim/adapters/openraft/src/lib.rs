//! databendlabs' openraft (`=0.10.0-alpha.37`) as a Raft under test in raftsim: the
//! first async Rust Raft behind the contract.
//!
//! Each node is an openraft `Raft` running on its own [`virtual_runtime::Runtime`]: the
//! node's tasks, timers and random draws live there, and every contract call makes the
//! node current, sets its clock and runs it until nothing more can happen at that
//! instant. openraft never sees a thread, a wall clock or the OS's randomness, so the
//! same seed gives the same trace. The adapter translates and does not fix: where
//! openraft's design departs from what a lab test assumes, the departure is declared
//! (below) and the check it relaxes says so.
//!
//! # Tour
//! - [`node`]: [`OpenraftNode`], the contract's calls on an openraft node.
//! - [`types`]: the type configuration: commands as bytes, `leader_id_std`, the runtime.
//! - [`disk`]: the simulated disk (vote, committed, entries with their command counts,
//!   snapshot point), its encoding, and the index arithmetic.
//! - [`membership`]: the contract's configuration changes as openraft's
//!   `append_membership` (one change) and `change_membership` (joint consensus).
//! - [`log_store`], [`state_machine`]: openraft's storage traits over that disk; the
//!   state machine hands committed commands to the service through the contract.
//! - [`network`], [`message`]: openraft's RPCs as contract messages with RPC ids.
//! - [`tuning`]: openraft's `Config` under raftsim and the knobs the swarm turns.
//! - [`release`]: what differs in openraft 0.10.0-alpha.24, which the feature
//!   `openraft-alpha-24` builds against for the test-only configuration in `historic/`
//!   (raftsim finding openraft#1802 again, on the release before its fix).
//!
//! # Choices
//! - **Version.** `openraft = "=0.10.0-alpha.37"`, default features off, `single-threaded`,
//!   `serde` and `type-alias` on. The 0.9 line calls tokio and `rand::thread_rng` from
//!   its core and cannot run on virtual time; the 0.10 alphas route everything through
//!   the runtime of the type config, and their API moves between releases, hence the
//!   pin (Cargo.lock; the manifest's range admits alpha.24 only for `historic/`). `single-threaded` lets openraft's tasks, channels and the adapter's
//!   storage share state through `Rc` (there is one thread); `serde` makes openraft's
//!   messages and entries serializable, which the contract needs (bytes on the wire,
//!   the trace hash); `type-alias` gives the `...Of<C>` aliases the adapter names its
//!   types with.
//! - **`leader_id_std`**: one leader per term, as Raft defines it. openraft's default,
//!   `leader_id_adv`, orders candidates of one term by node id and lets several lead the
//!   same term, which Election Safety (rightly, for Raft) rejects.
//! - **Fresh disks** hold the cluster's membership as entry 0 of term 0, so that
//!   openraft starts as a configured cluster: calling `initialize()` on every node makes
//!   them all candidates at once, a split vote every time.
//! - **Storage is the simulated disk**, written synchronously: every storage call is
//!   durable when the node's `Ready` is saved, which the driver does before it sends
//!   anything. openraft sends a reply only once its flush completed (and 1 µs later: its
//!   completion forwarder sleeps 1 µs, a timer like any other).
//! - **RPCs**: a call puts its request, with a fresh RPC id, in the outbox and waits
//!   until openraft's soft deadline (`RPCOption::soft_ttl`, 3/4 of the heartbeat
//!   interval for appends); the reply with that id completes it. A reply that does not
//!   come in time is `RPCError::Network` (retried, with openraft's short backoff), not
//!   `Unreachable`, which openraft backs off far longer after: a lost message is no sign
//!   that the peer is gone.
//! - **Indices**: openraft logs a blank entry at each election and the membership at 0;
//!   the contract's indices count commands only, the status and `log_term` openraft's
//!   own positions (as for raft-rs). Every stored entry keeps the count of commands
//!   through it; the snapshot point keeps the count of the compacted prefix, on disk and
//!   in the snapshots openraft sends.
//! - **`start()`** submits with `client_write_ff` (openraft's `client_write` returns
//!   only once the entry is applied) and reads the index from the entry appended.
//! - **Snapshots** are the service's: `snapshot(i, data)` records them on the disk and
//!   triggers openraft, whose builder returns the recorded one; its own policy is off.
//! - **Status** comes from openraft's metrics (term, role, vote, committed) and the disk
//!   (the log, the snapshot); both are current after every call on alpha.37. A saved
//!   vote newer than the metrics' wins (alpha.24 publishes its metrics later).
//! - **A panic in an openraft task** is resumed in the contract call, so it fails the
//!   run with its seed like any implementation's panic.
//!
//! # Where openraft departs from the lab's contract, by design
//! - **Leader lease.** A new leader refuses writes until a quorum has acknowledged it
//!   (and a leader cut off for longer than its lease refuses them too): `start()` then
//!   returns `None` although `state()` says it leads. The contract allows it; the KV
//!   service answers `WrongLeader` and the clerk tries again.
//! - **Replies are read only by their call.** openraft routes each answer to the
//!   candidate or replication stream that asked; one that comes after its call ended
//!   (or after the node gave up the vote it asked with) is dropped unread, and its term
//!   is not adopted. [`OpenraftNode`]'s `discards` says which, so the Term Rule does not
//!   hold the node to them; every answer openraft reads is still held to it.
//! - **Term adoption on a refused vote.** A node that refuses a vote (its leader lease
//!   holds, or the candidate's log is behind) keeps its term (Raft thesis §4.2.3), so a
//!   vote request carries no term for the Term Rule ([`Wire`]'s `term`); a granted vote
//!   is an `Ack::Vote`, checked by Durability.
//! - **A vote follows the term's leader.** A committed vote outranks every uncommitted
//!   one of its term (`vote/ref_vote.rs`), so a node that voted for itself or a losing
//!   candidate records the winner's vote once it hears from it. Durability accepts a
//!   restarted vote for the term's elected leader.
//! - **Leader restore** (on by default, a knob): a restarted leader resumes its term
//!   without an election; the votes it won that term are still on record.
//!
//! # Example
//! A one-node cluster elects itself and commits a command at index 1, though openraft
//! logged the membership at 0 and its blank entry at 1:
//! ```
//! use raft_contract::{ApplyMsg, Boot, Instant, LogIndex, NodeId, Persisted, RaftNode, Settings};
//! use openraft_adapter::OpenraftNode;
//!
//! let boot = Boot { id: NodeId(0), peers: 1, config: raft_contract::Configuration::all(1), persisted: Persisted::default(), seed: 7, now: Instant(0), settings: Settings::defaults(), reads: raft_contract::ReadMode::Log };
//! let mut node = OpenraftNode::<String>::boot(boot).expect("a fresh node boots");
//! let mut applied = Vec::new();
//! let mut started = None;
//! while applied.is_empty() {
//!     let now = node.next_deadline();
//!     node.tick(now);
//!     if node.state().1 && started.is_none() {
//!         started = node.start("x".to_string(), now);
//!     }
//!     applied.extend(node.ready().apply);
//! }
//! assert_eq!(started.map(|(index, _)| index), Some(LogIndex(1)));
//! assert!(matches!(&applied[..], [ApplyMsg::Command { index: LogIndex(1), .. }]));
//! assert_eq!(node.status().last_index, LogIndex(2), "openraft's positions count the blank entry");
//! ```
#![deny(missing_docs)]

pub mod command;
pub mod disk;
pub mod log_store;
pub mod membership;
pub mod message;
pub mod network;
pub mod node;
pub mod release;
pub mod shared;
pub mod state_machine;
pub mod tuning;
pub mod types;

pub use message::Wire;
pub use node::OpenraftNode;

use raft_contract::{Command, Knob, RaftFamily};
#[cfg(not(feature = "openraft-alpha-24"))]
use raft_contract::{Membership, TakesEffect};

/// openraft, registered for every command type (`--raft openraft`).
#[derive(Clone, Copy, Debug)]
pub struct Family;

impl RaftFamily for Family {
    type Node<C: Command> = OpenraftNode<C>;
    const KNOBS: &'static [Knob] = tuning::KNOBS;
    /// Joint consensus and learners; a configuration takes effect once appended (see
    /// [`membership`]). Not on alpha.24, which lacks `append_membership`.
    #[cfg(not(feature = "openraft-alpha-24"))]
    const MEMBERSHIP: Option<Membership> = Some(Membership {
        joint: true,
        learners: true,
        takes_effect: TakesEffect::OnAppend,
    });
}
