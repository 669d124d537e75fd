//! What the clerks ask for and what goes into the Raft log: client ids, operations and
//! the logged command that carries them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// The identity of one clerk, unique across the run (the lab's `nrand()` client id; the
/// driver hands them out, so they are deterministic). Sessions are keyed by it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct ClientId(pub u64);

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}", self.0)
    }
}

/// One key/value operation (the lab's Get, Put and Append).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Op {
    /// Reads the value of `key`; a missing key reads as "".
    Get {
        /// The key to read.
        key: String,
    },
    /// Replaces the value of `key` with `value`.
    Put {
        /// The key to write.
        key: String,
        /// The new value.
        value: String,
    },
    /// Appends `value` to the value of `key` (a missing key counts as "").
    Append {
        /// The key to extend.
        key: String,
        /// The suffix to append.
        value: String,
    },
}

impl Op {
    /// The key the operation touches.
    pub fn key(&self) -> &str {
        match self {
            Op::Get { key } | Op::Put { key, .. } | Op::Append { key, .. } => key,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Op::Get { key } => write!(f, "Get({key:?})"),
            Op::Put { key, value } => write!(f, "Put({key:?}, {value:?})"),
            Op::Append { key, value } => write!(f, "Append({key:?}, {value:?})"),
        }
    }
}

/// The entry a server proposes to Raft for one clerk request: the operation plus the
/// (client, seq) pair that makes its execution exactly-once across retries, leader
/// changes, restarts and snapshots. Generic over the operation: the KV service's is
/// [`Op`], the shard controller's and the sharded service's are their own.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Command<O = Op> {
    /// The clerk that issued the request.
    pub client: ClientId,
    /// The clerk's sequence number for this request (1 for its first request; retries
    /// of the same request keep it).
    pub seq: u64,
    /// What to do. Shared: Raft copies a command into every AppendEntries that carries
    /// it and into its apply stream, and copying an `Arc` allocates nothing. It encodes
    /// exactly as the `Op` itself.
    pub op: Arc<O>,
}

impl<O: fmt::Display> fmt::Display for Command<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{} {}", self.client, self.seq, self.op)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn op_key_names_the_touched_key() {
        let cases = [
            (Op::Get { key: "a".into() }, "a"),
            (
                Op::Put {
                    key: "b".into(),
                    value: "x".into(),
                },
                "b",
            ),
            (
                Op::Append {
                    key: "c".into(),
                    value: "y".into(),
                },
                "c",
            ),
        ];
        for (op, key) in cases {
            assert_eq!(op.key(), key, "{op}");
        }
    }

    #[test]
    fn command_display_names_client_seq_and_op() {
        let c = Command {
            client: ClientId(7),
            seq: 3,
            op: Arc::new(Op::Get { key: "k".into() }),
        };
        assert_eq!(c.to_string(), "c7#3 Get(\"k\")");
    }
}
