//! The two messages between a clerk and a replicated service: the request (the lab's
//! GetArgs, PutAppendArgs, JoinArgs ... in one) and its reply, generic over the
//! service's operations and answers. The KV service's are [`ClerkRequest`] and
//! [`ClerkReply`].

use crate::command::{ClientId, Op};
use serde::{Deserialize, Serialize};

/// A clerk's request to a server. Retries of one request carry the same `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request<O = Op> {
    /// The clerk that sends it.
    pub client: ClientId,
    /// The clerk's sequence number for the operation; it grows by one per operation.
    pub seq: u64,
    /// The operation.
    pub op: O,
}

/// A server's answer to a [`Request`], echoing its `seq` so the clerk can drop answers
/// to requests it no longer waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Reply<A = String> {
    /// The operation was applied exactly once. `value` is its answer (for the KV
    /// service: the Get's result, "" for a missing key, and "" for Put and Append).
    Ok {
        /// Echo of the request's seq.
        seq: u64,
        /// The answer.
        value: A,
    },
    /// This server cannot answer (not the leader, or it lost leadership before the
    /// operation committed): the clerk should try another server. The operation may or
    /// may not have been applied; retrying is safe because of exactly-once sessions.
    WrongLeader {
        /// Echo of the request's seq.
        seq: u64,
    },
    /// This server's group does not serve the key's shard (the lab's ErrWrongGroup):
    /// the operation was not executed here, and the clerk should ask the shard
    /// controller where the shard is. Only the sharded service sends it.
    WrongGroup {
        /// Echo of the request's seq.
        seq: u64,
    },
}

impl<A> Reply<A> {
    /// The echoed sequence number.
    pub fn seq(&self) -> u64 {
        match self {
            Reply::Ok { seq, .. } | Reply::WrongLeader { seq } | Reply::WrongGroup { seq } => *seq,
        }
    }
}

/// The KV clerk's request.
pub type ClerkRequest = Request<Op>;

/// The KV server's reply.
pub type ClerkReply = Reply<String>;
