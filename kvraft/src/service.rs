//! What a service replicated on Raft must provide to [`crate::Replica`]: the state
//! machine proper, with its own exactly-once bookkeeping, while the replica does what
//! every such service does alike (leadership checks, pending requests by log index,
//! answers on apply or on leadership loss, the snapshot trigger).
//!
//! Three services use it: the KV service ([`crate::KvService`]), the shard controller
//! ([`crate::shardctrler::CtrlService`]) and the sharded KV service
//! ([`crate::shardkv::ShardService`]). They differ in their operations, in what they log
//! besides client requests (the sharded service logs configurations and shard
//! transfers), and in where they keep their sessions (per shard, so that they move with
//! the shard).

use crate::command::ClientId;
use crate::error::Result;
use crate::rpc::Request;
use raft_contract::LogIndex;
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::fmt::Debug;

/// How a leader treats a client request before it logs anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Admission<A> {
    /// Log it and answer once it is applied.
    Start,
    /// Answer at once with this value: the request was applied already and its answer
    /// does not depend on when it is given (a Put or Append).
    Done(A),
    /// Refuse at once: this replica group does not serve the request's shard.
    WrongGroup,
    /// Drop it without an answer: its clerk has moved on to a newer request.
    Drop,
}

/// What applying a client request decided, for the answer to its clerk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Applied, now or before (a retry logged twice executes once): answer it with
    /// [`Service::answer`].
    Done,
    /// Not executed: the group does not serve the request's shard at this point of its
    /// log. The clerk asks the controller where the shard went.
    WrongGroup,
    /// Older than the client's last applied request: nobody waits for an answer.
    Stale,
}

/// What one applied log entry was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// An entry of the service's own (a configuration, a shard transfer): no clerk
    /// waits for it.
    Internal,
    /// A client request, with what applying it decided.
    Request {
        /// The clerk that sent it.
        client: ClientId,
        /// Its sequence number.
        seq: u64,
        /// What to answer.
        verdict: Verdict,
    },
}

/// A deterministic state machine that [`crate::Replica`] replicates on Raft.
///
/// Every replica applies the same entries in the same order, so every method that
/// changes the state must depend on nothing but the state and its arguments.
pub trait Service: Sized {
    /// A client operation.
    type Op: Clone + Debug + PartialEq + Serialize + DeserializeOwned + 'static;
    /// The answer to a completed operation.
    type Answer: Clone + Debug + PartialEq + Serialize + DeserializeOwned + 'static;
    /// What the service logs: client requests, and entries of its own.
    type Entry: raft_contract::Command;

    /// How a leader treats `request` before logging it.
    fn admit(&self, request: &Request<Self::Op>) -> Admission<Self::Answer>;

    /// The log entry that carries a client request.
    fn entry(request: Request<Self::Op>) -> Self::Entry;

    /// Applies the committed entry at `index` (each index once, in order).
    fn apply(&mut self, index: LogIndex, entry: &Self::Entry) -> Applied;

    /// The answer to the client request `entry`, just applied with [`Verdict::Done`].
    /// Called only on a replica where the clerk waits, so the others never copy a value.
    fn answer(&self, entry: &Self::Entry) -> Self::Answer;

    /// The answer to a read-only operation from the current state, for a read served
    /// without the log (Raft thesis §6.4); `None` for an operation that must be logged
    /// (the default: every operation is).
    fn read(&self, op: &Self::Op) -> Option<Self::Answer> {
        let _ = op;
        None
    }

    /// The state through `index`, encoded, into a buffer of `size_hint` bytes to start
    /// with.
    fn encode(&self, index: LogIndex, size_hint: usize) -> Vec<u8>;

    /// The state a snapshot holds, and the index it reflects; empty bytes are this
    /// state, at index 0. Called on a fresh state, which supplies what a snapshot does
    /// not hold (the sharded service's group).
    ///
    /// # Errors
    /// [`crate::Error::CorruptSnapshot`] when the bytes do not decode.
    fn restore(&self, bytes: &[u8]) -> Result<(LogIndex, Self)>;
}
