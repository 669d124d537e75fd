//! The two messages between a clerk and a server: the request (the lab's GetArgs and
//! PutAppendArgs in one) and its reply.

use crate::command::{ClientId, Op};
use serde::{Deserialize, Serialize};

/// A clerk's request to a server. Retries of one request carry the same `seq`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClerkRequest {
    /// The clerk that sends it.
    pub client: ClientId,
    /// The clerk's sequence number for the operation; it grows by one per operation.
    pub seq: u64,
    /// The operation.
    pub op: Op,
}

/// A server's answer to a [`ClerkRequest`], echoing its `seq` so the clerk can drop
/// answers to requests it no longer waits for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClerkReply {
    /// The operation was applied exactly once. `value` is the Get's result ("" for a
    /// missing key) and "" for Put and Append.
    Ok {
        /// Echo of the request's seq.
        seq: u64,
        /// The Get's value, or "".
        value: String,
    },
    /// This server cannot answer (not the leader, or it lost leadership before the
    /// operation committed): the clerk should try another server. The operation may or
    /// may not have been applied; retrying is safe because of exactly-once sessions.
    WrongLeader {
        /// Echo of the request's seq.
        seq: u64,
    },
}

impl ClerkReply {
    /// The echoed sequence number.
    pub fn seq(&self) -> u64 {
        match self {
            ClerkReply::Ok { seq, .. } | ClerkReply::WrongLeader { seq } => *seq,
        }
    }
}
