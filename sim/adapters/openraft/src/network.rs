//! openraft's network as raftsim's: a call puts a request with a fresh RPC id in the
//! node's outbox and waits for the reply with that id, which the node hands over when
//! the simulator delivers it.
//!
//! A reply that never comes (the simulator dropped the request or the reply, or the
//! peer is down) ends the call at openraft's soft deadline as a `Network` error, which
//! openraft retries at once, as it would a dropped connection. `Unreachable` would be
//! the other choice, but openraft backs off far more after it (its `errors` module), and
//! a lost message is no sign that the peer is gone: with 30% message loss, five writes
//! took 2.5-6.9 s of virtual time with `Unreachable` and 1.0-1.4 s with `Network`.

use crate::message::{Reply, RpcId, Wire};
use crate::shared::{Pending, Shared};
use crate::types::{Snapshot, TypeConfig, Vote};
use futures_util::future::{select, Either};
use openraft::error::{NetworkError, RPCError, ReplicationClosed, StreamingError};
use openraft::network::{RPCOption, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, SnapshotResponse, VoteRequest, VoteResponse,
};
use openraft::type_config::TypeConfigExt;
use openraft::{EmptyNode, OptionalSend, RaftNetworkV2};
use raft_contract::NodeId;
use std::future::Future;
use std::rc::Rc;

/// Makes one [`Network`] per peer.
pub struct Factory {
    pub(crate) shared: Rc<Shared>,
}

impl RaftNetworkFactory<TypeConfig> for Factory {
    type Network = Network;

    async fn new_client(&mut self, target: u64, _node: &EmptyNode) -> Network {
        let to = u32::try_from(target)
            .unwrap_or_else(|_| panic!("openraft addressed node {target}, beyond any cluster"));
        Network {
            to: NodeId(to),
            shared: self.shared.clone(),
        }
    }
}

/// The calls to one peer.
pub struct Network {
    to: NodeId,
    shared: Rc<Shared>,
}

/// Why a call got no answer.
fn lost(what: &str, to: NodeId) -> NetworkError<TypeConfig> {
    NetworkError::from_string(format!("no answer to {what} from {to} in time"))
}

impl Network {
    /// Sends the request `make(id)` and waits for its reply until `option`'s soft
    /// deadline.
    ///
    /// The call is pending until it returns or openraft drops it (a replication stream
    /// closing drops its calls): a reply after that is discarded unread
    /// ([`crate::OpenraftNode`]'s `discards`), as a real transport drops the answer to a
    /// cancelled call.
    async fn call(
        &self,
        option: &RPCOption,
        asked: Vote,
        make: impl FnOnce(RpcId) -> Wire,
    ) -> Option<Reply> {
        let id = self.shared.rpc_id();
        let (reply_to, rx) = TypeConfig::oneshot();
        self.shared
            .pending
            .borrow_mut()
            .insert(id, Pending { reply_to, asked });
        let _pending = Waiting {
            shared: &self.shared,
            id,
        };
        self.shared.outbox.borrow_mut().push((self.to, make(id)));
        match TypeConfig::timeout(option.soft_ttl(), rx).await {
            Ok(Ok(reply)) => Some(reply),
            _ => None,
        }
    }
}

/// Removes a call from the pending ones when it ends, however it ends.
struct Waiting<'a> {
    shared: &'a Shared,
    id: RpcId,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.shared.pending.borrow_mut().remove(&self.id);
    }
}

impl RaftNetworkV2<TypeConfig> for Network {
    #[cfg(not(feature = "openraft-alpha-24"))]
    type SnapshotData = crate::types::SnapshotData;

    async fn append_entries(
        &mut self,
        req: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<TypeConfig>, RPCError<TypeConfig>> {
        let asked = req.vote;
        match self
            .call(&option, asked, |id| Wire::Append { id, req })
            .await
        {
            Some(Reply::Append(resp)) => Ok(resp),
            _ => Err(RPCError::Network(lost("an append", self.to))),
        }
    }

    async fn vote(
        &mut self,
        req: VoteRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        let asked = req.vote;
        match self
            .call(&option, asked, |id| Wire::Vote {
                id,
                pre_vote: false,
                req,
            })
            .await
        {
            Some(Reply::Vote(resp)) => Ok(resp),
            _ => Err(RPCError::Network(lost("a vote request", self.to))),
        }
    }

    async fn pre_vote(
        &mut self,
        req: VoteRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<VoteResponse<TypeConfig>, RPCError<TypeConfig>> {
        let asked = req.vote;
        match self
            .call(&option, asked, |id| Wire::Vote {
                id,
                pre_vote: true,
                req,
            })
            .await
        {
            Some(Reply::Vote(resp)) => Ok(resp),
            _ => Err(RPCError::Network(lost("a pre-vote request", self.to))),
        }
    }

    /// Sends the whole snapshot in one message, as the lab's InstallSnapshot does; the
    /// call ends early if openraft closes the replication stream.
    async fn full_snapshot(
        &mut self,
        vote: Vote,
        snapshot: Snapshot,
        cancel: impl Future<Output = ReplicationClosed> + OptionalSend + 'static,
        option: RPCOption,
    ) -> Result<SnapshotResponse<TypeConfig>, StreamingError<TypeConfig>> {
        let Snapshot {
            meta,
            snapshot: data,
        } = snapshot;
        let call = self.call(&option, vote, |id| Wire::Snapshot {
            id,
            vote,
            meta,
            data,
        });
        match select(Box::pin(call), Box::pin(cancel)).await {
            Either::Left((Some(Reply::Snapshot(resp)), _)) => Ok(resp),
            Either::Left(_) => Err(StreamingError::Network(lost("a snapshot", self.to))),
            Either::Right((closed, _)) => Err(StreamingError::Closed(closed)),
        }
    }
}
