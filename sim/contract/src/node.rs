//! The trait a Raft implementation implements to be tested by raftsim.

use crate::kind::MessageKind;
use crate::knob::{Knob, Settings};
use crate::membership::{ChangeRefused, ConfChange, Configuration, Membership};
use crate::persisted::Persisted;
use crate::read::ReadMode;
use crate::ready::Ready;
use crate::status::Status;
use crate::types::{Instant, LogIndex, NodeId, Term};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::{self, Debug};

/// What a command must be to travel in a log: cloneable, comparable (the testers check
/// that every node applies the same command at each index), printable and serializable
/// with serde (an implementation that keeps bytes encodes it; see the raft-rs adapter).
pub trait Command: Clone + Debug + PartialEq + Serialize + DeserializeOwned + 'static {}

impl<T: Clone + Debug + PartialEq + Serialize + DeserializeOwned + 'static> Command for T {}

/// What a node acknowledged by sending a message, for the durability monitor: a node
/// must not answer before what it answers is on its disk (Figure 2, "respond to RPCs
/// after updating stable storage").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ack {
    /// A granted vote in `term`, for the message's destination.
    Vote {
        /// The term of the vote.
        term: Term,
    },
    /// A candidacy in `term`: the sender voted for itself (a RequestVote), so its term
    /// and its vote must be on disk, or a restart could vote again in that term.
    Candidacy {
        /// The term of the election.
        term: Term,
    },
    /// Entries accepted in `term`: the sender's log matches the leader's through
    /// `last_index` (an AppendEntries success).
    Append {
        /// The leader's term the answer is for.
        term: Term,
        /// The last index the answer vouches for.
        last_index: LogIndex,
    },
}

/// A message between two nodes, as the simulator sees it.
///
/// The network treats it as opaque: it serializes it (with serde, to count its bytes as
/// labrpc counts them and to hash it into the trace), asks whether it is a request (the
/// lab counts requests, and labrpc's faults differ for requests and replies) and prints
/// its label in traces and its [`MessageKind`] in the timeline. [`RaftMessage::term`] and [`RaftMessage::ack`] feed only the
/// safety monitors of the tester.
pub trait RaftMessage: Clone + Debug + Serialize + 'static {
    /// True for a request (RequestVote, AppendEntries, InstallSnapshot and the like),
    /// false for a reply.
    fn is_request(&self) -> bool;

    /// One short line for traces.
    fn label(&self) -> String {
        format!("{self:?}")
    }

    /// What the message is: a vote, an append and how many entries it carries, a
    /// snapshot, their answers. The timeline groups messages by it and hides heartbeats
    /// (appends of no entries, and answers that accept none); it never parses labels.
    ///
    /// [`MessageKind::Other`] by default: the timeline then shows every message of the
    /// implementation under `Other` and hides none, which is correct but less useful.
    fn kind(&self) -> MessageKind {
        MessageKind::Other
    }

    /// The term this message makes its receiver adopt if it is higher (Figure 2: "if RPC
    /// request or response contains term T > currentTerm: set currentTerm = T"): the
    /// sender's term, which every Raft message carries. `None` for a message that rule
    /// does not cover, such as a pre-vote's prospective term (Raft thesis §9.6).
    fn term(&self) -> Option<Term>;

    /// What sending this message acknowledges, if anything.
    fn ack(&self) -> Option<Ack>;
}

/// What a node is built from: the lab's `Make(peers, me, persister, applyCh)`.
#[derive(Clone, Debug)]
pub struct Boot {
    /// This node's id: `NodeId(0)..NodeId(peers - 1)`.
    pub id: NodeId,
    /// The number of server slots, `NodeId(0)..NodeId(peers - 1)`: every server that
    /// may ever take part. Fixed for a run; [`Boot::config`] says which take part at
    /// first.
    pub peers: usize,
    /// The configuration a node with an empty disk starts with: in every lab scenario
    /// [`Configuration::all`] of `peers`. A server added later boots with the empty
    /// configuration (no voters): it learns its configuration from a leader's log and
    /// never starts an election before. Ignored when the disk holds state. Always
    /// [`Configuration::all`] for an implementation without
    /// [`RaftFamily::MEMBERSHIP`].
    pub config: Configuration,
    /// What the node saved before it last stopped (both parts empty for a fresh node).
    pub persisted: Persisted,
    /// Seed for every random choice the node makes (election timeouts). An
    /// implementation must draw from nothing else, or runs stop being reproducible.
    pub seed: u64,
    /// The virtual time at which the node starts.
    pub now: Instant,
    /// The values of the implementation's [`RaftFamily::KNOBS`] for this run (empty:
    /// every knob at its default, as in every lab scenario). The same for every node of
    /// a run and every restart.
    pub settings: Settings,
    /// How the service serves reads in this run: [`ReadMode::Log`] in every lab scenario.
    /// Always one of [`RaftFamily::READS`]; the same for every node of a run.
    pub reads: ReadMode,
}

/// Why a call was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Error {
    /// The node cannot start from what its disk holds.
    Boot(String),
    /// The node refused a snapshot from its service.
    SnapshotRefused(String),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Boot(why) => write!(f, "cannot boot: {why}"),
            Error::SnapshotRefused(why) => write!(f, "snapshot refused: {why}"),
        }
    }
}

impl std::error::Error for Error {}

/// One Raft peer as the tester drives it: the lab's contract in sans-IO form.
///
/// The node never reads a clock, never draws randomness but from [`Boot::seed`], and
/// never does IO: time, messages and commands come in through the calls below, and
/// everything it wants done comes out of [`RaftNode::ready`], which the driver calls
/// after every other call and carries out as [`Ready`] documents (save, then send, then
/// apply). A timer is the driver's job: it calls [`RaftNode::tick`] at
/// [`RaftNode::next_deadline`].
pub trait RaftNode<C: Command>: Sized {
    /// The messages nodes of this implementation exchange.
    type Message: RaftMessage;

    /// Builds a node from its durable state (the lab's `Make` plus `readPersist`). A
    /// restarted node resumes after its snapshot; the service restores its own state
    /// from [`Persisted::snapshot`], which is not applied again.
    ///
    /// # Errors
    /// [`Error::Boot`] when the persisted state does not decode or is inconsistent.
    fn boot(boot: Boot) -> Result<Self, Error>;

    /// Proposes `command` (the lab's `Start`): `Some((index, term))` if this node is the
    /// leader and appended it, `None` otherwise. There is no guarantee it will commit.
    ///
    /// A node that leads may still refuse (`None`): openraft's leader lease refuses
    /// writes until a quorum has acknowledged the new leader, and after the leader has
    /// been cut off for longer than an election timeout. Callers treat a refusal as "not
    /// the leader now" and try again.
    fn start(&mut self, command: C, now: Instant) -> Option<(LogIndex, Term)>;

    /// The current term and whether this node believes it is the leader (the lab's
    /// `GetState`).
    fn state(&self) -> (Term, bool);

    /// The service's snapshot of everything through `index` (the lab's `Snapshot`): the
    /// node may discard its log through `index` and must keep `data` with its state.
    ///
    /// # Errors
    /// [`Error::SnapshotRefused`] when `index` is not a point the node can snapshot at
    /// (not applied yet, or not newer than its snapshot).
    fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<(), Error>;

    /// Handles a message from peer `from`. Messages may be stale, duplicated, reordered
    /// or never arrive.
    fn step(&mut self, from: NodeId, msg: Self::Message, now: Instant);

    /// True for a message the node will drop unread by design, if it gets it at `now`, so
    /// that the Term Rule does not hold it to the message's term. Two kinds qualify:
    /// - an answer whose call has ended: an implementation that routes each reply to the
    ///   call waiting for it (an async Raft does) drops it, as labrpc drops a reply that
    ///   comes after its `Call` gave up;
    /// - a vote request refused under a leader lease: with check-quorum, a node that
    ///   heard from a leader within the minimum election timeout neither adopts the
    ///   candidate's term nor votes (Raft thesis §4.2.3; raft-rs and etcd do this).
    ///
    /// The driver asks just before [`RaftNode::step`] with the same `now`; time that
    /// `step` would let pass first counts. False by default: a sans-IO Raft that reads
    /// every message, as ours does, need not say anything.
    fn discards(&self, msg: &Self::Message, now: Instant) -> bool {
        let _ = (msg, now);
        false
    }

    /// Starts a read without the log, in the mode the node booted with
    /// ([`Boot::reads`], see [`crate::read`]), tagged `ctx`.
    ///
    /// True if the node took it: a [`crate::ReadState`] with `ctx` comes out of a later
    /// [`RaftNode::ready`] once the read is confirmed, or never if leadership is lost
    /// first (the caller gives up when the term moves). False if it refuses now: not the
    /// leader, no entry of its term committed yet (its commit index may be stale), a lapsed
    /// lease, or a node booted with [`ReadMode::Log`]. The caller then reads through the
    /// log. False by default: an implementation that supports no other mode keeps
    /// [`RaftFamily::READS`] at its default.
    fn read(&mut self, ctx: u64, now: Instant) -> bool {
        let _ = (ctx, now);
        false
    }

    /// Proposes a configuration change (see [`crate::membership`]): one [`ConfChange`]
    /// is a single-server change, several are a joint change. On success, the index of
    /// the log entry that carries it (in [`Status`]'s index space, like
    /// [`Status::config_index`]); the change is in effect once that entry commits (and,
    /// for a joint change, once the joint configuration is left).
    ///
    /// # Errors
    /// Why the node refuses: never a panic, whatever the input. Refused by default
    /// ([`ChangeRefused::Unsupported`]): an implementation without membership changes
    /// keeps [`RaftFamily::MEMBERSHIP`] at `None`.
    fn change(&mut self, changes: &[ConfChange], now: Instant) -> Result<LogIndex, ChangeRefused> {
        let _ = (changes, now);
        Err(ChangeRefused::Unsupported)
    }

    /// Lets time pass: handles every deadline that expired by `now`. Called at
    /// [`RaftNode::next_deadline`] or later; a call before it does nothing.
    fn tick(&mut self, now: Instant);

    /// The earliest instant at which [`RaftNode::tick`] has work. Read again after every
    /// call: any call may move it.
    fn next_deadline(&self) -> Instant;

    /// Drains everything to save, send and apply since the last call (see [`Ready`]).
    fn ready(&mut self) -> Ready<C, Self::Message>;

    /// The node's state as Figure 2 names it, for testers and safety monitors.
    fn status(&self) -> Status;

    /// The term of the entry at `index`: `Some` for every index from
    /// [`Status::snapshot_index`] (the snapshot's term; `Term(0)` at index 0 with no
    /// snapshot) through [`Status::last_index`],
    /// `None` outside.
    fn log_term(&self, index: LogIndex) -> Option<Term>;
}

/// A Raft implementation: its node type for any command type. The testers need nodes
/// for two command types (the Raft tests' integers and strings, and the KV service's
/// operations), so an implementation is registered by a type that names both.
///
/// ```
/// # use raft_contract::*;
/// # struct MyRaft<C>(std::marker::PhantomData<C>);
/// # impl<C: Command> RaftNode<C> for MyRaft<C> {
/// #     type Message = MyMsg;
/// #     fn boot(_: Boot) -> Result<Self, Error> { Err(Error::Boot("sketch".into())) }
/// #     fn start(&mut self, _: C, _: Instant) -> Option<(LogIndex, Term)> { None }
/// #     fn state(&self) -> (Term, bool) { (Term(0), false) }
/// #     fn snapshot(&mut self, _: LogIndex, _: Vec<u8>) -> Result<(), Error> { Ok(()) }
/// #     fn step(&mut self, _: NodeId, _: MyMsg, _: Instant) {}
/// #     fn tick(&mut self, _: Instant) {}
/// #     fn next_deadline(&self) -> Instant { Instant(0) }
/// #     fn ready(&mut self) -> Ready<C, MyMsg> { Ready::default() }
/// #     fn status(&self) -> Status { unimplemented!() }
/// #     fn log_term(&self, _: LogIndex) -> Option<Term> { None }
/// # }
/// # #[derive(Clone, Debug, serde::Serialize)] struct MyMsg;
/// # impl RaftMessage for MyMsg {
/// #     fn is_request(&self) -> bool { true }
/// #     fn term(&self) -> Option<Term> { None }
/// #     fn ack(&self) -> Option<Ack> { None }
/// # }
/// struct Mine;
/// impl RaftFamily for Mine {
///     type Node<C: Command> = MyRaft<C>;
/// }
/// ```
pub trait RaftFamily: 'static {
    /// The node type for commands of type `C`.
    type Node<C: Command>: RaftNode<C>;

    /// The settings this implementation lets the tester vary, read from
    /// [`Boot::settings`] (see [`crate::knob`]). None by default.
    const KNOBS: &'static [Knob] = &[];

    /// The read modes this implementation supports ([`RaftNode::read`]). Only
    /// [`ReadMode::Log`] by default: the tester refuses a run that asks for another.
    const READS: &'static [ReadMode] = &[ReadMode::Log];

    /// The membership changes this implementation supports ([`RaftNode::change`]).
    /// `None` by default: the tester then boots every slot as a voter and never asks
    /// for a change.
    const MEMBERSHIP: Option<Membership> = None;
}
