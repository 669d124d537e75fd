//! What a Raft-based node did in its last handler, kept for the safety monitors.
//!
//! The glue around a Raft under test (the Raft tester's server, the KV server) records
//! here, at each entry point, the term of the message it handled, what the messages it
//! sent acknowledged, and what it applied. The monitors read it right after the event;
//! the next entry point starts afresh.

use crate::engine::digest::Digest;
use raft_contract::{Ack, ApplyMsg, LogIndex, NodeId, RaftMessage, Term};
use serde::Serialize;

/// One item of a node's apply stream, as the monitors compare it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// A command at an apply index, by the hash of its encoding.
    Command {
        /// Its apply index.
        index: LogIndex,
        /// Hash of the command's bincode encoding.
        digest: u64,
    },
    /// An installed snapshot through `index`.
    Snapshot {
        /// Its last included apply index.
        index: LogIndex,
    },
}

impl Applied {
    /// The monitors' form of an apply-stream item.
    pub fn of<C: Serialize>(item: &ApplyMsg<C>) -> Applied {
        match item {
            ApplyMsg::Command { index, command, .. } => Applied::command(*index, command),
            ApplyMsg::Snapshot { index, .. } => Applied::Snapshot { index: *index },
        }
    }

    /// A command applied at `index`.
    pub fn command<C: Serialize>(index: LogIndex, command: &C) -> Applied {
        Applied::Command {
            index,
            digest: Digest::of(command).hash(),
        }
    }
}

/// What one handler of a Raft-based node did that the monitors check.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Observed {
    /// The term carried by the Raft message handled, if the event was one.
    pub handled_term: Option<Term>,
    /// What the messages sent acknowledged, with their destination.
    pub acks: Vec<(NodeId, Ack)>,
    /// The highest term a message sent carried (`RaftMessage::term`): a term the node
    /// told a peer is its own, which Figure 2 asks it to have saved first.
    pub sent_term: Option<Term>,
    /// What was applied, in order.
    pub applied: Vec<Applied>,
    /// The leases under which reads were confirmed, in the node's clock.
    pub leases: Vec<raft_contract::Lease>,
}

impl Observed {
    /// Forgets the previous handler's record: called at the start of every entry point.
    pub fn clear(&mut self) {
        self.handled_term = None;
        self.acks.clear();
        self.sent_term = None;
        self.applied.clear();
        self.leases.clear();
    }

    /// Records the acknowledgement `msg` carries to `to`, if any.
    pub fn sent<M: RaftMessage>(&mut self, to: NodeId, msg: &M) {
        if let Some(ack) = msg.ack() {
            self.acks.push((to, ack));
        }
        if let Some(term) = msg.term() {
            self.sent_term = self.sent_term.max(Some(term));
        }
    }
}
