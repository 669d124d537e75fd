//! The effects a node hands back to its driver.

use crate::message::Message;
use crate::persist::Persisted;
use crate::types::{LogIndex, NodeId, Term};

/// One committed item for the service, delivered through [`Ready::apply`] in log order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyMsg<C> {
    /// A committed command (the lab's `CommandValid`).
    Command {
        /// Its log index (1-based).
        index: LogIndex,
        /// The term of its entry.
        term: Term,
        /// The command given to [`crate::Raft::start`].
        command: C,
    },
    /// A snapshot installed from the leader (the lab's `SnapshotValid`): the service
    /// replaces its state with `data`, which covers the log through `index`. Commands that
    /// follow continue at `index + 1`.
    Snapshot {
        /// The snapshot's last included index.
        index: LogIndex,
        /// The snapshot's last included term.
        term: Term,
        /// The service's snapshot bytes.
        data: Vec<u8>,
    },
}

/// Everything a node asks of its driver since the last call to [`crate::Raft::ready`].
///
/// The driver must handle the three parts **in this order**:
/// 1. `persist`: save both byte strings together, atomically (the lab's
///    `Persister.Save(raftstate, snapshot)`), and wait for that to be durable. Messages
///    below may depend on it (a vote granted, entries acknowledged: Figure 2, "respond
///    after updating stable storage").
/// 2. `messages`: send each to its destination. Order between them does not matter for
///    safety; the network may drop, delay, duplicate or reorder them.
/// 3. `apply`: hand each item to the service, in order. Entries are applied only after
///    their persistence (step 1).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ready<C> {
    /// The complete new durable state, if it changed.
    pub persist: Option<Persisted>,
    /// Messages to send, as (destination, message).
    pub messages: Vec<(NodeId, Message<C>)>,
    /// Committed items for the service, in log order, each exactly once per life of the
    /// node.
    pub apply: Vec<ApplyMsg<C>>,
}

impl<C> Ready<C> {
    /// True when there is nothing to persist, send or apply.
    pub fn is_empty(&self) -> bool {
        self.persist.is_none() && self.messages.is_empty() && self.apply.is_empty()
    }
}
