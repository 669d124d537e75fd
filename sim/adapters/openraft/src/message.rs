//! openraft's RPCs on raftsim's network: each request carries an RPC id, and its reply
//! the same id, which completes the call waiting for it ([`crate::network`]).

use crate::types::{term_of, LogId, SnapshotData, SnapshotMeta, TypeConfig, Vote};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, SnapshotResponse, VoteRequest, VoteResponse,
};
use openraft::vote::RaftLeaderId;
use raft_contract::{Ack, LogIndex, MessageKind, RaftMessage, Term};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An RPC's identity: the sender's boot instant and a sequence number, so that a reply
/// meant for an earlier incarnation of the sender completes nothing after a restart.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct RpcId {
    /// The sender's boot instant, in nanoseconds.
    pub boot: u64,
    /// The sender's count of RPCs since it booted.
    pub seq: u64,
}

impl fmt::Display for RpcId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.seq)
    }
}

/// A message between two openraft nodes.
#[derive(Clone, Debug, Serialize)]
pub enum Wire {
    /// RequestVote (`pre_vote` for openraft's Pre-Vote round, which changes nothing on
    /// its receiver).
    Vote {
        /// The call's id.
        id: RpcId,
        /// True for a Pre-Vote.
        pre_vote: bool,
        /// openraft's request.
        req: VoteRequest<TypeConfig>,
    },
    /// The answer to [`Wire::Vote`].
    VoteReply {
        /// The call's id.
        id: RpcId,
        /// True for a Pre-Vote's answer.
        pre_vote: bool,
        /// openraft's response.
        resp: VoteResponse<TypeConfig>,
    },
    /// AppendEntries (and openraft's heartbeats, which are appends).
    Append {
        /// The call's id.
        id: RpcId,
        /// openraft's request.
        req: AppendEntriesRequest<TypeConfig>,
    },
    /// The answer to [`Wire::Append`].
    AppendReply {
        /// The call's id.
        id: RpcId,
        /// What the answer vouches for, for the monitors: the leader's term and the
        /// last index the receiver now matches (`None` unless it succeeded).
        acked: Option<(u64, u64)>,
        /// openraft's response.
        resp: AppendEntriesResponse<TypeConfig>,
    },
    /// A whole snapshot (openraft's `full_snapshot`).
    Snapshot {
        /// The call's id.
        id: RpcId,
        /// The leader's vote.
        vote: Vote,
        /// The snapshot's metadata.
        meta: SnapshotMeta,
        /// The service's bytes and the command count.
        data: SnapshotData,
    },
    /// The answer to [`Wire::Snapshot`].
    SnapshotReply {
        /// The call's id.
        id: RpcId,
        /// openraft's response.
        resp: SnapshotResponse<TypeConfig>,
    },
}

/// What completes a waiting call.
#[derive(Clone, Debug)]
pub enum Reply {
    /// A vote's answer.
    Vote(VoteResponse<TypeConfig>),
    /// An append's answer.
    Append(AppendEntriesResponse<TypeConfig>),
    /// A snapshot's answer.
    Snapshot(SnapshotResponse<TypeConfig>),
}

fn vote_term(vote: &Vote) -> u64 {
    vote.leader_id().term()
}

fn log_id_label(id: &Option<LogId>) -> String {
    match id {
        Some(id) => format!("{}/t{}", id.index, term_of(id)),
        None => "-".to_string(),
    }
}

fn vote_label(vote: &Vote) -> String {
    format!(
        "t{}:n{}{}",
        vote_term(vote),
        crate::release::voted_for(vote).map_or("-".to_string(), |n| n.to_string()),
        if vote.is_committed() { "+" } else { "" }
    )
}

impl Wire {
    /// The RPC id.
    pub fn id(&self) -> RpcId {
        match self {
            Wire::Vote { id, .. }
            | Wire::VoteReply { id, .. }
            | Wire::Append { id, .. }
            | Wire::AppendReply { id, .. }
            | Wire::Snapshot { id, .. }
            | Wire::SnapshotReply { id, .. } => *id,
        }
    }
}

impl RaftMessage for Wire {
    fn is_request(&self) -> bool {
        matches!(
            self,
            Wire::Vote { .. } | Wire::Append { .. } | Wire::Snapshot { .. }
        )
    }

    /// `Append#4 t3:n1+ prev=5/t2 n=3 commit=4/t2`: the kind, the RPC sequence number,
    /// the vote, then what matters for that kind (`+` marks a committed vote: a
    /// leader's).
    fn label(&self) -> String {
        match self {
            Wire::Vote { id, pre_vote, req } => format!(
                "{}{id} {} last={}",
                if *pre_vote { "PreVote" } else { "Vote" },
                vote_label(&req.vote),
                log_id_label(&req.last_log_id)
            ),
            Wire::VoteReply { id, pre_vote, resp } => format!(
                "{}Reply{id} {} {} last={}",
                if *pre_vote { "PreVote" } else { "Vote" },
                vote_label(&resp.vote),
                if resp.vote_granted {
                    "granted"
                } else {
                    "refused"
                },
                log_id_label(&resp.last_log_id)
            ),
            Wire::Append { id, req } => format!(
                "Append{id} {} prev={} n={} commit={}",
                vote_label(&req.vote),
                log_id_label(&req.prev_log_id),
                req.entries.len(),
                log_id_label(&req.leader_commit)
            ),
            Wire::AppendReply { id, resp, .. } => format!("AppendReply{id} {resp}"),
            Wire::Snapshot {
                id,
                vote,
                meta,
                data,
            } => format!(
                "Snapshot{id} {} last={} commands={} bytes={}",
                vote_label(vote),
                log_id_label(&meta.last_log_id),
                data.commands,
                data.data.len()
            ),
            Wire::SnapshotReply { id, resp } => {
                format!("SnapshotReply{id} {}", vote_label(&resp.vote))
            }
        }
    }

    /// The term of the vote a message carries, where openraft's receiver adopts it when
    /// it is higher: a leader's appends and snapshots, and every answer (an answer's
    /// vote is its sender's, and a higher one makes the caller step down).
    ///
    /// Vote requests are `None`: openraft adopts a candidate's term only when it grants
    /// the vote (a node that refuses, because its leader lease holds or the candidate's
    /// log is behind, keeps its term; `engine/handler/vote_handler` and Raft thesis
    /// §4.2.3), so Figure 2's unconditional rule does not apply. A granted vote is
    /// covered by its [`Ack::Vote`] all the same. Pre-Votes change nothing.
    /// openraft's RPCs. An append's answer does not say how many entries it accepts,
    /// so none is a heartbeat's.
    fn kind(&self) -> MessageKind {
        match self {
            Wire::Vote { pre_vote: true, .. } => MessageKind::PreVote,
            Wire::Vote { .. } => MessageKind::Vote,
            Wire::VoteReply { pre_vote: true, .. } => MessageKind::PreVoteReply,
            Wire::VoteReply { .. } => MessageKind::VoteReply,
            Wire::Append { req, .. } => MessageKind::Append {
                entries: req.entries.len() as u64,
            },
            Wire::AppendReply { .. } => MessageKind::AppendReply { accepted: None },
            Wire::Snapshot { .. } => MessageKind::Snapshot,
            Wire::SnapshotReply { .. } => MessageKind::SnapshotReply,
        }
    }

    fn term(&self) -> Option<Term> {
        match self {
            Wire::Vote { .. } => None,
            Wire::VoteReply { pre_vote: true, .. } => None,
            Wire::VoteReply { resp, .. } => Some(Term(vote_term(&resp.vote))),
            Wire::Append { req, .. } => Some(Term(vote_term(&req.vote))),
            Wire::AppendReply { resp, .. } => match resp {
                AppendEntriesResponse::HigherVote(v) => Some(Term(vote_term(v))),
                _ => None,
            },
            Wire::Snapshot { vote, .. } => Some(Term(vote_term(vote))),
            Wire::SnapshotReply { resp, .. } => Some(Term(vote_term(&resp.vote))),
        }
    }

    fn ack(&self) -> Option<Ack> {
        match self {
            Wire::Vote {
                pre_vote: false,
                req,
                ..
            } => Some(Ack::Candidacy {
                term: Term(vote_term(&req.vote)),
            }),
            Wire::VoteReply {
                pre_vote: false,
                resp,
                ..
            } if resp.vote_granted => Some(Ack::Vote {
                term: Term(vote_term(&resp.vote)),
            }),
            Wire::AppendReply {
                acked: Some((term, last)),
                ..
            } => Some(Ack::Append {
                term: Term(*term),
                last_index: LogIndex(*last),
            }),
            _ => None,
        }
    }
}
