//! What a message is, in the contract's words: the simulator's timeline groups and hides
//! messages by their [`MessageKind`], never by parsing their labels.

/// The kind of a Raft message, as Figure 2 names the RPCs (and the thesis names
/// pre-votes, §9.6). The timeline lists messages under [`MessageKind::name`] and hides
/// heartbeats ([`MessageKind::is_heartbeat`]) on request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MessageKind {
    /// A RequestVote: a candidate asks for a vote.
    Vote,
    /// The answer to a [`MessageKind::Vote`].
    VoteReply,
    /// A pre-vote request (Raft thesis §9.6): would the receiver vote, without changing
    /// any term.
    PreVote,
    /// The answer to a [`MessageKind::PreVote`].
    PreVoteReply,
    /// An AppendEntries carrying `entries` entries (0: a heartbeat).
    Append {
        /// How many entries the request carries.
        entries: u64,
    },
    /// The answer to an [`MessageKind::Append`].
    AppendReply {
        /// How many entries the answer accepts, when it accepts and says so: `Some(0)`
        /// answers a heartbeat. `None` for a refusal, and when the message does not
        /// say; such an answer is never taken for a heartbeat's.
        accepted: Option<u64>,
    },
    /// An InstallSnapshot.
    Snapshot,
    /// The answer to a [`MessageKind::Snapshot`].
    SnapshotReply,
    /// Anything else, and every message of an implementation that does not say.
    Other,
}

impl MessageKind {
    /// The kind's name, one word: the RPC's name in the Raft paper (`RequestVote`,
    /// `AppendEntriesReply` ...), `Other` for the rest.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::Vote => "RequestVote",
            MessageKind::VoteReply => "RequestVoteReply",
            MessageKind::PreVote => "PreVote",
            MessageKind::PreVoteReply => "PreVoteReply",
            MessageKind::Append { .. } => "AppendEntries",
            MessageKind::AppendReply { .. } => "AppendEntriesReply",
            MessageKind::Snapshot => "InstallSnapshot",
            MessageKind::SnapshotReply => "InstallSnapshotReply",
            MessageKind::Other => "Other",
        }
    }

    /// True for an AppendEntries with no entries (§5.2: "empty AppendEntries RPCs
    /// (heartbeat)") and for an answer that says it accepts none.
    pub fn is_heartbeat(self) -> bool {
        matches!(
            self,
            MessageKind::Append { entries: 0 } | MessageKind::AppendReply { accepted: Some(0) }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heartbeat_is_an_empty_append_or_its_plain_answer() {
        let table = [
            (MessageKind::Append { entries: 0 }, true),
            (MessageKind::Append { entries: 3 }, false),
            (MessageKind::AppendReply { accepted: Some(0) }, true),
            (MessageKind::AppendReply { accepted: Some(2) }, false),
            (MessageKind::AppendReply { accepted: None }, false),
            (MessageKind::Vote, false),
            (MessageKind::Snapshot, false),
            (MessageKind::Other, false),
        ];
        for (kind, heartbeat) in table {
            assert_eq!(kind.is_heartbeat(), heartbeat, "{kind:?}");
        }
    }

    #[test]
    fn name_is_one_word_per_rpc() {
        assert_eq!(MessageKind::Append { entries: 5 }.name(), "AppendEntries");
        assert_eq!(
            MessageKind::AppendReply { accepted: None }.name(),
            "AppendEntriesReply"
        );
        assert_eq!(MessageKind::Other.name(), "Other");
        assert!(!MessageKind::SnapshotReply.name().contains(' '));
    }
}
