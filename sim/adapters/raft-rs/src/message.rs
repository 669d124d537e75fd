//! raft-rs's messages on raftsim's network.

use protobuf::Message as _;
use raft_contract::{Ack, LogIndex, MessageKind, RaftMessage, Term};
use raftrs::eraftpb::{Message, MessageType};
use serde::{Serialize, Serializer};
use std::fmt::Write as _;

/// A raft-rs message (`eraftpb::Message`) as the simulator carries it.
///
/// It serializes as its protobuf encoding, so the bytes the lab's RPC counters see
/// (TestRPCBytes) and the bytes hashed into the trace are what raft-rs would put on a
/// real wire.
#[derive(Clone, Debug, PartialEq)]
pub struct Wire(pub Message);

impl Serialize for Wire {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let bytes = self
            .0
            .write_to_bytes()
            .map_err(|e| serde::ser::Error::custom(format!("protobuf: {e}")))?;
        serializer.serialize_bytes(&bytes)
    }
}

impl RaftMessage for Wire {
    /// Appends, heartbeats, votes, snapshots and the other messages that ask something
    /// of their receiver are requests; their responses are replies. raft-rs's local
    /// messages (`MsgHup`, `MsgBeat`, ...) never leave a node.
    fn is_request(&self) -> bool {
        !matches!(
            self.0.get_msg_type(),
            MessageType::MsgAppendResponse
                | MessageType::MsgRequestVoteResponse
                | MessageType::MsgRequestPreVoteResponse
                | MessageType::MsgHeartbeatResponse
                | MessageType::MsgReadIndexResp
        )
    }

    /// `MsgAppend t3 idx=5/t2 n=3 commit=4`: the type, the sender's term, then what
    /// matters for that type.
    fn label(&self) -> String {
        let m = &self.0;
        let mut s = format!("{:?} t{}", m.get_msg_type(), m.term);
        // Writing to a String cannot fail.
        let _ = match m.get_msg_type() {
            MessageType::MsgAppend => write!(
                s,
                " idx={}/t{} n={} commit={}",
                m.index,
                m.log_term,
                m.entries.len(),
                m.commit
            ),
            MessageType::MsgAppendResponse if m.reject => write!(
                s,
                " idx={} reject hint={}/t{} commit={}",
                m.index, m.reject_hint, m.log_term, m.commit
            ),
            MessageType::MsgAppendResponse => write!(s, " idx={} commit={}", m.index, m.commit),
            MessageType::MsgRequestVote | MessageType::MsgRequestPreVote => {
                write!(s, " last={}/t{}", m.index, m.log_term)
            }
            MessageType::MsgRequestVoteResponse | MessageType::MsgRequestPreVoteResponse => {
                write!(s, " {}", if m.reject { "rejected" } else { "granted" })
            }
            MessageType::MsgHeartbeat | MessageType::MsgHeartbeatResponse => {
                write!(s, " commit={}", m.commit)
            }
            MessageType::MsgSnapshot => {
                let meta = m.get_snapshot().get_metadata();
                write!(
                    s,
                    " idx={}/t{} bytes={}",
                    meta.index,
                    meta.term,
                    m.get_snapshot().data.len()
                )
            }
            _ => Ok(()),
        };
        s
    }

    /// The message's term, except for pre-vote's: a pre-vote request carries the term its
    /// sender would campaign in, and neither it nor its answer makes anyone adopt a term.
    /// raft-rs's heartbeats are their own type: an append of no entries here, and its
    /// answer one that accepts none. An append response does not say how many entries
    /// it accepts, so none is a heartbeat's. Leadership transfer, read-index and the
    /// local message types are [`MessageKind::Other`].
    fn kind(&self) -> MessageKind {
        let m = &self.0;
        match m.get_msg_type() {
            MessageType::MsgRequestVote => MessageKind::Vote,
            MessageType::MsgRequestVoteResponse => MessageKind::VoteReply,
            MessageType::MsgRequestPreVote => MessageKind::PreVote,
            MessageType::MsgRequestPreVoteResponse => MessageKind::PreVoteReply,
            MessageType::MsgAppend => MessageKind::Append {
                entries: m.entries.len() as u64,
            },
            MessageType::MsgHeartbeat => MessageKind::Append { entries: 0 },
            MessageType::MsgAppendResponse => MessageKind::AppendReply { accepted: None },
            MessageType::MsgHeartbeatResponse => MessageKind::AppendReply { accepted: Some(0) },
            MessageType::MsgSnapshot => MessageKind::Snapshot,
            _ => MessageKind::Other,
        }
    }

    fn term(&self) -> Option<Term> {
        match self.0.get_msg_type() {
            MessageType::MsgRequestPreVote | MessageType::MsgRequestPreVoteResponse => None,
            _ => Some(Term(self.0.term)),
        }
    }

    /// A candidacy (a vote request: the candidate voted for itself), a granted vote, and
    /// an accepted append through its `index` (raft-rs answers an installed snapshot and
    /// a stale append the same way, with the index it holds). Heartbeat responses and
    /// pre-votes acknowledge nothing.
    fn ack(&self) -> Option<Ack> {
        let m = &self.0;
        let term = Term(m.term);
        match m.get_msg_type() {
            // A candidate voted for itself in this term (not a pre-vote: that promises
            // nothing and changes no term).
            MessageType::MsgRequestVote => Some(Ack::Candidacy { term }),
            MessageType::MsgRequestVoteResponse if !m.reject => Some(Ack::Vote { term }),
            MessageType::MsgAppendResponse if !m.reject => Some(Ack::Append {
                term,
                last_index: LogIndex(m.index),
            }),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raftrs::eraftpb::Entry;

    fn message(kind: MessageType, reject: bool) -> Wire {
        let mut m = Message {
            term: 3,
            index: 5,
            log_term: 2,
            commit: 4,
            reject,
            ..Message::default()
        };
        m.set_msg_type(kind);
        m.set_entries(vec![Entry::default(); 3].into());
        Wire(m)
    }

    #[test]
    fn wire_requests_and_replies_by_type() {
        use MessageType::*;
        for kind in [
            MsgAppend,
            MsgHeartbeat,
            MsgRequestVote,
            MsgSnapshot,
            MsgTimeoutNow,
        ] {
            assert!(message(kind, false).is_request(), "{kind:?}");
        }
        for kind in [
            MsgAppendResponse,
            MsgRequestVoteResponse,
            MsgHeartbeatResponse,
        ] {
            assert!(!message(kind, false).is_request(), "{kind:?}");
        }
    }

    #[test]
    fn wire_kinds_make_heartbeats_empty_appends_and_their_answers() {
        use MessageType::*;
        let table = [
            (MsgAppend, MessageKind::Append { entries: 3 }),
            (MsgHeartbeat, MessageKind::Append { entries: 0 }),
            (
                MsgAppendResponse,
                MessageKind::AppendReply { accepted: None },
            ),
            (
                MsgHeartbeatResponse,
                MessageKind::AppendReply { accepted: Some(0) },
            ),
            (MsgRequestVote, MessageKind::Vote),
            (MsgRequestVoteResponse, MessageKind::VoteReply),
            (MsgRequestPreVote, MessageKind::PreVote),
            (MsgRequestPreVoteResponse, MessageKind::PreVoteReply),
            (MsgSnapshot, MessageKind::Snapshot),
            (MsgTimeoutNow, MessageKind::Other),
        ];
        for (kind, expected) in table {
            assert_eq!(message(kind, false).kind(), expected, "{kind:?}");
        }
        assert!(message(MsgHeartbeat, false).kind().is_heartbeat());
        assert!(!message(MsgAppend, false).kind().is_heartbeat());
    }

    #[test]
    fn wire_acks_are_candidacies_granted_votes_and_accepted_appends_only() {
        use MessageType::*;
        let vote = Ack::Vote { term: Term(3) };
        let append = Ack::Append {
            term: Term(3),
            last_index: LogIndex(5),
        };
        assert_eq!(message(MsgRequestVoteResponse, false).ack(), Some(vote));
        assert_eq!(message(MsgRequestVoteResponse, true).ack(), None);
        assert_eq!(message(MsgAppendResponse, false).ack(), Some(append));
        assert_eq!(message(MsgAppendResponse, true).ack(), None);
        assert_eq!(message(MsgHeartbeatResponse, false).ack(), None);
        assert_eq!(message(MsgAppend, false).ack(), None);
        let candidacy = Ack::Candidacy { term: Term(3) };
        assert_eq!(message(MsgRequestVote, false).ack(), Some(candidacy));
        assert_eq!(message(MsgRequestPreVote, false).ack(), None);
    }

    #[test]
    fn wire_label_names_type_term_and_indices() {
        let m = message(MessageType::MsgAppend, false);
        assert_eq!(m.label(), "MsgAppend t3 idx=5/t2 n=3 commit=4");
        assert_eq!(m.term(), Some(Term(3)));
        let pre = message(MessageType::MsgRequestPreVote, false);
        assert_eq!(pre.term(), None, "a pre-vote's term is only prospective");
        let r = message(MessageType::MsgRequestVoteResponse, true);
        assert_eq!(r.label(), "MsgRequestVoteResponse t3 rejected");
    }

    #[test]
    fn wire_serializes_as_its_protobuf_bytes() {
        let m = message(MessageType::MsgAppend, false);
        let proto = m.0.write_to_bytes().expect("encodes");
        let ours = bincode::serde::encode_to_vec(&m, bincode::config::standard()).expect("ok");
        // bincode writes a byte string as its length (one byte here) and the bytes.
        assert_eq!(&ours[1..], &proto[..]);
        assert_eq!(ours[0] as usize, proto.len());
    }
}
