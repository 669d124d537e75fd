//! The messages Raft nodes exchange (Figure 2's two RPCs and Figure 13's third, each
//! split into a request and a reply that travel independently).
//!
//! PreVote (Raft thesis §9.6) reuses RequestVote's two halves: a pre-vote carries the
//! term the candidate *would* start, and a granted answer echoes that term.
//!
//! Replies echo what they answer (the request's term and index range), so a reply that
//! arrives late, twice or out of order is matched to its request without any RPC ids.

use crate::log::Entry;
use raft_contract::SharedBytes;
use raft_contract::{Configuration, LogIndex, Term};
use serde::{Deserialize, Serialize};
use std::fmt;

/// RequestVote arguments (Figure 2). The candidate is the message's sender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVote {
    /// The candidate's term.
    pub term: Term,
    /// Index of the candidate's last log entry (§5.4.1).
    pub last_log_index: LogIndex,
    /// Term of the candidate's last log entry (§5.4.1).
    pub last_log_term: Term,
}

/// RequestVote results (Figure 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestVoteReply {
    /// The voter's current term, for the candidate to update itself.
    pub term: Term,
    /// True means the candidate received the vote.
    pub vote_granted: bool,
}

/// AppendEntries arguments (Figure 2). The leader is the message's sender. An empty
/// `entries` is a heartbeat.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntries<C> {
    /// The leader's term.
    pub term: Term,
    /// Index of the entry immediately preceding the new ones.
    pub prev_log_index: LogIndex,
    /// Term of the entry at `prev_log_index`.
    pub prev_log_term: Term,
    /// The entries to store, the first at `prev_log_index + 1`.
    pub entries: Vec<Entry<C>>,
    /// The leader's commit index.
    pub leader_commit: LogIndex,
}

/// AppendEntries results (Figure 2), echoing the request's range and carrying the
/// conflict hints of the fast log backup (lab 2C's "accelerated log backtracking").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppendEntriesReply {
    /// The follower's current term, for the leader to update itself.
    pub term: Term,
    /// True if the follower held an entry matching `prev_log_index` / `prev_log_term`.
    pub success: bool,
    /// Echo of the request's `prev_log_index`.
    pub prev_log_index: LogIndex,
    /// Echo of the number of entries the request carried. On success the follower's log
    /// matches the leader's through `prev_log_index + entries_len`.
    pub entries_len: u64,
    /// On failure: where the leader should look next. The first index of the follower's
    /// conflicting term, or the follower's last index + 1 when its log is too short.
    pub conflict_index: LogIndex,
    /// On failure: the term of the follower's conflicting entry at `prev_log_index`, or
    /// `None` when the follower has no entry there.
    pub conflict_term: Option<Term>,
}

/// InstallSnapshot arguments (Figure 13), always the whole snapshot in one message (lab
/// 2D: no offset mechanism).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshot {
    /// The leader's term.
    pub term: Term,
    /// The snapshot replaces all entries through this index.
    pub last_included_index: LogIndex,
    /// The term of `last_included_index`.
    pub last_included_term: Term,
    /// How many commands the snapshot covers: the service's command index at
    /// `last_included_index`.
    pub commands: u64,
    /// The configuration in effect at `last_included_index` (§4.1: a configuration the
    /// log no longer holds travels with the snapshot).
    pub config: Configuration,
    /// The index of the entry `config` came from (0: the boot configuration).
    pub config_index: LogIndex,
    /// The service's snapshot bytes, shared with the sender's copy.
    pub data: SharedBytes,
}

/// InstallSnapshot results (Figure 13), echoing the snapshot's index.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstallSnapshotReply {
    /// The follower's current term, for the leader to update itself.
    pub term: Term,
    /// Echo of the request's `last_included_index`.
    pub last_included_index: LogIndex,
}

/// A leader's numbered round of "do I still lead?" for reads without the log (Raft
/// thesis §6.4), and its answer, which echoes the round. Sent only by a node booted to
/// serve reads by ReadIndex or by lease ([`crate::Config::reads`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Confirm {
    /// The leader's term in a request; the follower's current term in an answer.
    pub term: Term,
    /// The round, numbered from 1 in each term of a leader.
    pub round: u64,
}

/// A message between two Raft nodes. The sender is given separately to
/// [`crate::Raft::step`] (the transport knows it), so messages do not repeat it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Message<C> {
    /// A candidate asks for a vote.
    RequestVote(RequestVote),
    /// A voter answers a candidate.
    RequestVoteReply(RequestVoteReply),
    /// A leader replicates entries or sends a heartbeat.
    AppendEntries(AppendEntries<C>),
    /// A follower answers a leader's AppendEntries.
    AppendEntriesReply(AppendEntriesReply),
    /// A leader sends its snapshot to a follower that lags behind the compacted log.
    InstallSnapshot(InstallSnapshot),
    /// A follower answers a leader's InstallSnapshot.
    InstallSnapshotReply(InstallSnapshotReply),
    // Last, so that the encodings of the variants above, which the trace hashes, are
    // those of the Raft without PreVote.
    /// A server whose election timeout passed asks whether it would win an election in
    /// `term` (its own term plus one), without moving to that term.
    PreVote(RequestVote),
    /// A peer answers a pre-vote: granted, with the pre-vote's term echoed; or refused,
    /// with the peer's own term.
    PreVoteReply(RequestVoteReply),
    /// A leader asks its followers to confirm that it still leads (for reads without the
    /// log); a follower of its term treats it as a heartbeat.
    Confirm(Confirm),
    /// A follower answers a [`Message::Confirm`] with its term and the round.
    ConfirmReply(Confirm),
}

impl<C> Message<C> {
    /// True for requests (RequestVote, PreVote, AppendEntries, InstallSnapshot), which are
    /// what the lab's TestCount counts; false for replies.
    pub fn is_request(&self) -> bool {
        matches!(
            self,
            Message::RequestVote(_)
                | Message::PreVote(_)
                | Message::AppendEntries(_)
                | Message::InstallSnapshot(_)
                | Message::Confirm(_)
        )
    }

    /// The sender's term, which the receiver adopts if it is higher (§5.1: "if RPC
    /// request or response contains term T > currentTerm ..."). `None` for a pre-vote and
    /// a granted answer to one: they carry the term an election *would* have, which no
    /// one adopts (thesis §9.6). A refused answer carries the voter's term, which a
    /// pre-candidate behind it does adopt.
    pub fn term(&self) -> Option<Term> {
        match self {
            Message::RequestVote(m) => Some(m.term),
            Message::RequestVoteReply(m) => Some(m.term),
            Message::PreVote(_) => None,
            Message::PreVoteReply(m) => (!m.vote_granted).then_some(m.term),
            Message::AppendEntries(m) => Some(m.term),
            Message::AppendEntriesReply(m) => Some(m.term),
            Message::InstallSnapshot(m) => Some(m.term),
            Message::InstallSnapshotReply(m) => Some(m.term),
            Message::Confirm(m) | Message::ConfirmReply(m) => Some(m.term),
        }
    }
}

/// A one-line description for trace lines, e.g. `AppendEntries t3 prev=5/t2 n=3 commit=4`.
impl<C> fmt::Display for Message<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::RequestVote(m) => write!(
                f,
                "RequestVote {} last={}/{}",
                m.term, m.last_log_index, m.last_log_term
            ),
            Message::RequestVoteReply(m) => {
                write!(f, "RequestVoteReply {} granted={}", m.term, m.vote_granted)
            }
            Message::PreVote(m) => write!(
                f,
                "PreVote {} last={}/{}",
                m.term, m.last_log_index, m.last_log_term
            ),
            Message::PreVoteReply(m) => {
                write!(f, "PreVoteReply {} granted={}", m.term, m.vote_granted)
            }
            Message::AppendEntries(m) => write!(
                f,
                "AppendEntries {} prev={}/{} n={} commit={}",
                m.term,
                m.prev_log_index,
                m.prev_log_term,
                m.entries.len(),
                m.leader_commit
            ),
            Message::AppendEntriesReply(m) if m.success => write!(
                f,
                "AppendEntriesReply {} ok prev={} n={}",
                m.term, m.prev_log_index, m.entries_len
            ),
            Message::AppendEntriesReply(m) => {
                write!(
                    f,
                    "AppendEntriesReply {} reject prev={} hint={}",
                    m.term, m.prev_log_index, m.conflict_index
                )?;
                match m.conflict_term {
                    Some(t) => write!(f, "/{t}"),
                    None => write!(f, "/-"),
                }
            }
            Message::InstallSnapshot(m) => write!(
                f,
                "InstallSnapshot {} last={}/{} bytes={}",
                m.term,
                m.last_included_index,
                m.last_included_term,
                m.data.len()
            ),
            Message::InstallSnapshotReply(m) => write!(
                f,
                "InstallSnapshotReply {} last={}",
                m.term, m.last_included_index
            ),
            Message::Confirm(m) => write!(f, "Confirm {} round={}", m.term, m.round),
            Message::ConfirmReply(m) => write!(f, "ConfirmReply {} round={}", m.term, m.round),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_display_and_kind() {
        let ae: Message<u32> = Message::AppendEntries(AppendEntries {
            term: Term(3),
            prev_log_index: LogIndex(5),
            prev_log_term: Term(2),
            entries: vec![Entry::command(Term(3), 7)],
            leader_commit: LogIndex(4),
        });
        assert_eq!(ae.to_string(), "AppendEntries t3 prev=5/t2 n=1 commit=4");
        assert!(ae.is_request());
        let reply: Message<u32> = Message::AppendEntriesReply(AppendEntriesReply {
            term: Term(3),
            success: false,
            prev_log_index: LogIndex(5),
            entries_len: 1,
            conflict_index: LogIndex(2),
            conflict_term: Some(Term(1)),
        });
        assert_eq!(
            reply.to_string(),
            "AppendEntriesReply t3 reject prev=5 hint=2/t1"
        );
        assert!(!reply.is_request());
        assert_eq!(reply.term(), Some(Term(3)));
    }

    #[test]
    fn message_roundtrips_through_bincode() {
        let m: Message<String> = Message::InstallSnapshot(InstallSnapshot {
            term: Term(9),
            last_included_index: LogIndex(19),
            last_included_term: Term(8),
            commands: 17,
            config: Configuration::all(3),
            config_index: LogIndex(2),
            data: vec![1, 2, 3].into(),
        });
        let cfg = bincode::config::standard();
        let bytes = bincode::serde::encode_to_vec(&m, cfg).expect("encode");
        let (back, used): (Message<String>, usize) =
            bincode::serde::decode_from_slice(&bytes, cfg).expect("decode");
        assert_eq!(back, m);
        assert_eq!(used, bytes.len());
    }
}
