//! Carrying out a `kvraft::Replica`'s effects on the engine, for every node type that
//! hosts one (KV servers, controller servers, replica group servers): save, then Raft
//! messages, then answers to clerks, recording for the monitors what was acknowledged
//! and applied.

use crate::engine::{Context, Node, NodeId};
use crate::monitor::observed::{Applied, Observed};
use kvraft::{AppliedItem, Ready, Reply};
use raft_contract::RaftMessage;
use serde::Serialize;

/// How a node type carries a replica's Raft messages and replies.
pub struct ReplicaWire<N: Node, M, A> {
    /// The message that carries a Raft message.
    pub raft: fn(M) -> N::Msg,
    /// The message that carries an answer to a clerk.
    pub reply: fn(Reply<A>) -> N::Msg,
}

/// Carries out `ready` in its documented order; `peer` maps a Raft peer id to the
/// engine node it runs on.
pub fn carry_out<N: Node, M: RaftMessage, A, E: Serialize>(
    ctx: &mut Context<'_, N>,
    ready: Ready<M, A, E>,
    observed: &mut Observed,
    peer: impl Fn(NodeId) -> NodeId,
    wire: &ReplicaWire<N, M, A>,
) {
    if let Some(p) = ready.persist {
        ctx.save_persisted(p);
    }
    for (to, msg) in ready.messages {
        observed.sent(to, &msg);
        ctx.send(peer(to), (wire.raft)(msg));
    }
    for item in &ready.applied {
        observed.applied.push(match item {
            AppliedItem::Command(index, command) => Applied::command(*index, command),
            AppliedItem::Snapshot(index) => Applied::Snapshot { index: *index },
        });
    }
    observed.leases.extend(ready.leases);
    for (to, reply) in ready.replies {
        let to = u32::try_from(to).expect("reply address is a node id");
        ctx.send(NodeId(to), (wire.reply)(reply));
    }
}
