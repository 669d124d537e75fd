//! The effects a node hands back to its driver.

use crate::message::Message;

/// Everything a node asks of its driver since the last call to [`crate::Raft::ready`]:
/// the contract's [`raft_contract::Ready`] with this crate's messages. The driver saves,
/// then sends, then applies (see there).
pub type Ready<C> = raft_contract::Ready<C, Message<C>>;
