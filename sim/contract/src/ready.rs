//! The outputs of a node: what to save, what to send and what to apply.

use crate::persisted::Persisted;
use crate::read::ReadState;
use crate::types::{LogIndex, NodeId, Term};

/// One committed item for the service, in log order (the lab's `ApplyMsg`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ApplyMsg<C> {
    /// A committed command (the lab's `CommandValid`).
    Command {
        /// Its log index (1-based, with no gaps between consecutive commands).
        index: LogIndex,
        /// The term of its entry.
        term: Term,
        /// The command given to [`crate::RaftNode::start`].
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

impl<C> ApplyMsg<C> {
    /// The log index the item brings the service to.
    pub fn index(&self) -> LogIndex {
        match self {
            ApplyMsg::Command { index, .. } | ApplyMsg::Snapshot { index, .. } => *index,
        }
    }
}

/// Everything a node asks of its driver since the last [`crate::RaftNode::ready`].
///
/// The driver handles the three parts **in this order**, completely, before it calls
/// into the node again:
/// 1. `persist`: save both byte strings together, atomically (the lab's
///    `Persister.Save(raftstate, snapshot)`). The save is durable when it returns.
///    Messages below may depend on it: a granted vote or acknowledged entries must be
///    on stable storage before the answer leaves (Figure 2, "respond after updating
///    stable storage").
/// 2. `messages`: send each to its destination. Their order does not matter for safety;
///    the network may drop, delay, duplicate or reorder them.
/// 3. `apply`: hand each item to the service, in order.
///
/// Taking a `Ready` is the acknowledgement: the node may assume all of it was carried
/// out by the time of its next call (etcd-raft's `Advance`, implied). The simulator
/// always does it at once, in one step, so a separate acknowledgement would carry no
/// information.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ready<C, M> {
    /// The complete new durable state, if it changed.
    pub persist: Option<Persisted>,
    /// Messages to send, as (destination, message).
    pub messages: Vec<(NodeId, M)>,
    /// Committed items for the service, in log order, each exactly once per life of the
    /// node.
    pub apply: Vec<ApplyMsg<C>>,
    /// Reads confirmed since the last call ([`crate::RaftNode::read`]). The driver hands
    /// them to the service after `apply`, which answers each once it has applied through
    /// its index.
    pub reads: Vec<ReadState>,
}

impl<C, M> Default for Ready<C, M> {
    fn default() -> Self {
        Ready {
            persist: None,
            messages: Vec::new(),
            apply: Vec::new(),
            reads: Vec::new(),
        }
    }
}

impl<C, M> Ready<C, M> {
    /// True when there is nothing to persist, send or apply.
    pub fn is_empty(&self) -> bool {
        self.persist.is_none()
            && self.messages.is_empty()
            && self.apply.is_empty()
            && self.reads.is_empty()
    }
}
