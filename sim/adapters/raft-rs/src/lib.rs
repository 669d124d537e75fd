//! tikv's raft-rs (crates.io `raft` 0.7) as a Raft under test in raftsim.
//!
//! The adapter wraps a raft-rs `RawNode` in raftsim's contract ([`RaftNode`]), so every
//! lab scenario runs on raft-rs unchanged. It translates and does not fix: where
//! raft-rs's design differs from what a lab test assumes, the difference is a documented
//! option of the scenario (see `sim::implementation`), never a change here.
//!
//! # Tour
//! - [`node`]: [`RaftRsNode`], the contract's calls on a `RawNode`: `step`, `tick`,
//!   `propose`; every raft-rs `Ready` is carried out inside [`RaftNode::ready`] (save to
//!   storage, queue messages, queue committed entries, `advance`), and the contract's
//!   [`Ready`](raft_contract::Ready) hands the driver the result in its order.
//! - [`clock`]: raft-rs counts ticks; a tick is 10 ms of virtual time, heartbeats every
//!   10 ticks (100 ms), election timeouts of 30-59 ticks. Ticks in which raft-rs only
//!   counts are handed over in a batch at the next call, so a node wakes only when
//!   raft-rs acts. Election timeouts come from the boot seed.
//! - `storage`: raft-rs's `Storage` over what the node saved, and the translation
//!   between raft-rs's log positions and the lab's command numbering.
//! - `persist`: that storage on the simulated disk, and back at restart.
//! - [`message`]: [`Wire`], raft-rs's protobuf message as the network carries it.
//! - `entry`: commands in entry data (bincode, behind a tag byte).
//! - `read`: reads without the log by raft-rs's ReadIndex (`Safe`) or lease
//!   (`LeaseBased`) requests.
//! - `change` and `conf`: membership changes (below).
//!
//! # Index translation
//! raft-rs appends an empty entry when a leader is elected (§8), and it cannot be told
//! not to. The lab numbers commands 1, 2, 3 with no gaps. So the contract's indices
//! ([`RaftNode::start`], [`ApplyMsg`](raft_contract::ApplyMsg), [`RaftNode::snapshot`]
//! and installed snapshots) count command entries only, while [`Status`] and
//! [`RaftNode::log_term`] report raft-rs's own positions. The storage keeps, for each
//! retained entry, the number of commands up to it; the snapshot point keeps the count
//! of the compacted prefix, on disk and inside the snapshots raft-rs sends, so the
//! numbering survives restarts and snapshot installs.
//!
//! # Membership changes
//! [`RaftNode::change`](raft_contract::RaftNode::change) proposes one raft-rs
//! `ConfChangeV2` with the `Auto` transition: one change is a simple change
//! (`AddNode`, `AddLearnerNode`, `RemoveNode`), several are a joint change that raft-rs
//! leaves by itself (auto-leave, as etcd's users run it): the leader appends an empty
//! `ConfChangeV2` when it applies the joint entry. The returned index is raft-rs's
//! position of the entry ([`Status`](raft_contract::Status)'s index space).
//!
//! A configuration takes effect when the entry is *applied* ([`Family`] declares
//! `TakesEffect::OnApply`): raft-rs changes its progress tracker only in
//! `RawNode::apply_conf_change`, which the adapter calls as it applies committed
//! entries (raft.rs `apply_conf_change`; nothing at append time reads a conf-change
//! entry but the leader's `pending_conf_index`). Conf-change entries are neither
//! handed to the service nor counted as commands. The storage keeps the configuration
//! in force at the snapshot point and those applied after it, with their entries'
//! indices ([`Status::config_index`](raft_contract::Status::config_index)); a snapshot carries its point's configuration,
//! and a restart resumes from the last one applied.
//!
//! raft-rs refuses silently (a refused change becomes an empty normal entry; a change
//! that cannot apply fails only at apply time), so the node refuses first, as raft-rs
//! would: `NotLeader` (also for a leader removed from its configuration, which
//! raft-rs keeps leading but which drops every proposal), `TermNotCommitted` while a
//! new leader's entries of earlier terms are not applied (raft-rs's guard: a new
//! leader's `pending_conf_index` is its last index before its no-op; a leader holding
//! nothing unapplied takes a change before its no-op commits, as etcd-raft does, which
//! is safe when configurations take effect on apply), `InFlight` while a change
//! is not applied or a joint configuration not left, and `UnknownServer`,
//! `NotMember`, `AlreadyMember`, `NoVoterLeft` from the changes themselves. raft-rs
//! does not check that a new voter caught up: `NotCaughtUp` is never returned.
//!
//! A server added later boots with no configuration and, having no voter in it,
//! never campaigns (raft-rs's `promotable`). raft-rs keeps a cluster's first
//! configuration outside the log, so each conf-change entry the adapter proposes
//! carries the configuration it applies to (`ConfChangeV2::context`, unread by
//! raft-rs), from which such a server rebuilds it before applying its first change.
//!
//! What raft-rs does that a scenario must know (pinned by `membership_tests`):
//! - A leader that applies its own removal keeps leading (raft.rs `post_conf_change`:
//!   "TODO(tbg): step down"), drops every proposal, and check-quorum keeps it in
//!   office while the others answer its heartbeats: no command commits until it stops
//!   (etcd's server transfers leadership first). The same holds for a leader demoted
//!   to learner, which keeps taking proposals.
//! - raft-rs crashes (an `unwrap` of the leader's own progress, raft.rs:1055 in
//!   `on_persist_entries`, or raft.rs:943 in `maybe_commit`) when a leader out of its
//!   own configuration saves or commits an entry: removed (by anyone, as a voter that
//!   won an election before applying its removal) with an entry taken after the
//!   removal still in flight, or demoted and then removed by a joint change, whose
//!   auto-leave entry it appends. A bug of raft-rs, not worked around here: the node
//!   panics as raft-rs does.
//! - A server refuses a snapshot whose configuration does not name it. The snapshot
//!   raft-rs sends is the service's last one, so a server added after the service's
//!   snapshot point, once the entries it needs are compacted, waits until the service
//!   snapshots again past its addition.
//! - The leader appends the auto-leave entry without sending it; followers receive
//!   it after the next heartbeat round.
//!
//! # Determinism
//! raft-rs draws a randomized election timeout from `rand::thread_rng()` each time it
//! resets its election timer, which happens exactly when its term or role changes (to
//! anything but pre-candidate). The
//! adapter watches for that change after every call and overwrites the draw with one
//! from a ChaCha RNG seeded by the boot seed, before any tick reads it (see
//! [`clock`]); raft-rs's own draw is never used.
//! Nothing else in raft-rs reads a clock or randomness. Its progress and vote maps are
//! `HashMap`s with fxhash, which is unseeded: the order in which a leader addresses
//! its followers is the same on every run.
//!
//! # Example
//! A one-node cluster elects itself and commits a command at index 1, though raft-rs
//! logged its no-op entry first:
//! ```
//! use raft_contract::{ApplyMsg, Boot, Instant, LogIndex, NodeId, Persisted, RaftNode, Settings};
//! use raftrs_adapter::RaftRsNode;
//!
//! let boot = Boot { id: NodeId(0), peers: 1, config: raft_contract::Configuration::all(1), persisted: Persisted::default(), seed: 7, now: Instant(0), settings: Settings::defaults(), reads: raft_contract::ReadMode::Log };
//! let mut node = RaftRsNode::<String>::boot(boot).expect("a fresh node boots");
//! while !node.state().1 {
//!     let now = node.next_deadline();
//!     node.tick(now);
//!     node.ready();
//! }
//! let now = node.next_deadline();
//! let (index, _term) = node.start("x".to_string(), now).expect("the leader accepts");
//! assert_eq!(index, LogIndex(1));
//! let ready = node.ready();
//! assert!(matches!(&ready.apply[..], [ApplyMsg::Command { index: LogIndex(1), .. }]));
//! assert_eq!(node.status().last_index, LogIndex(2), "raft-rs's positions count the no-op");
//! ```
#![deny(missing_docs)]

pub mod clock;
mod conf;
mod entry;
mod lease;
#[cfg(test)]
mod membership_cluster;
#[cfg(test)]
mod membership_tests;
pub mod message;
pub mod node;
mod persist;
mod read;
#[cfg(test)]
mod read_tests;
mod storage;
pub mod tuning;

pub use message::Wire;
pub use node::RaftRsNode;

use raft_contract::{Command, Knob, Membership, RaftFamily, ReadMode, TakesEffect};

/// raft-rs, registered for every command type (`--raft raft-rs`).
#[derive(Clone, Copy, Debug)]
pub struct Family;

impl RaftFamily for Family {
    type Node<C: Command> = RaftRsNode<C>;
    const KNOBS: &'static [Knob] = tuning::KNOBS;
    const READS: &'static [ReadMode] = &ReadMode::ALL;
    const MEMBERSHIP: Option<Membership> = Some(Membership {
        joint: true,
        learners: true,
        takes_effect: TakesEffect::OnApply,
    });
}
