//! A trap: crash a server at the very moment that tests its durability. Armed by a
//! fault, it waits for the server's next handler that saved a new term or vote (or
//! sent an acknowledgement), crashes the server right after it, and restarts it a
//! little later, while the election it took part in may still be open. A server that
//! forgot its vote, or answered before saving, then shows it.

use crate::engine::{Duration, Instant, NodeId};
use crate::monitor::observed::Observed;
use raft_contract::{Status, Term};

/// What a trap waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Springs {
    /// A handler that saved and changed the server's term or vote.
    VoteOrTerm,
    /// A handler that sent an acknowledgement.
    Ack,
}

/// An armed trap on one server.
#[derive(Clone, Debug)]
pub struct Trap {
    /// The server it is set on.
    pub server: usize,
    /// What springs it.
    pub on: Springs,
    /// Disarmed after this time.
    pub until: Instant,
    /// How long the server stays down once caught.
    pub down: Duration,
    /// The server's (term, vote) and disk save count as last seen.
    seen: Option<(Term, Option<NodeId>, u64)>,
}

impl Trap {
    /// A trap on `server`, armed until `until`.
    pub fn new(server: usize, on: Springs, until: Instant, down: Duration) -> Trap {
        Trap {
            server,
            on,
            until,
            down,
            seen: None,
        }
    }

    /// Whether the handler just run on the trap's server springs it, given the
    /// server's status after it, what it did, and its disk's save count.
    pub fn springs(&mut self, status: &Status, observed: &Observed, saves: u64) -> bool {
        let now = (status.term, status.voted_for, saves);
        let before = self.seen.replace(now);
        match self.on {
            Springs::Ack => !observed.acks.is_empty(),
            Springs::VoteOrTerm => before.is_some_and(|(term, vote, saved)| {
                saves > saved && (status.term != term || status.voted_for != vote)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::{Ack, LogIndex, NodeId as PeerId, Role};

    fn status(term: u64, vote: Option<u32>) -> Status {
        Status {
            term: Term(term),
            role: Role::Follower,
            voted_for: vote.map(PeerId),
            commit_index: LogIndex(0),
            snapshot_index: LogIndex(0),
            snapshot_term: Term(0),
            last_index: LogIndex(0),
        }
    }

    #[test]
    fn trap_springs_on_a_saved_vote_or_term_change_only() {
        let mut t = Trap::new(0, Springs::VoteOrTerm, Instant(10), Duration(5));
        let quiet = Observed::default();
        assert!(!t.springs(&status(1, None), &quiet, 1), "first sight");
        assert!(!t.springs(&status(1, None), &quiet, 2), "saved, unchanged");
        assert!(
            !t.springs(&status(2, None), &quiet, 2),
            "changed, not saved"
        );
        assert!(t.springs(&status(2, Some(1)), &quiet, 3), "vote saved");
    }

    #[test]
    fn trap_on_ack_springs_on_an_acknowledgement() {
        let mut t = Trap::new(0, Springs::Ack, Instant(10), Duration(5));
        let mut obs = Observed::default();
        assert!(!t.springs(&status(1, None), &obs, 1));
        obs.acks.push((PeerId(1), Ack::Vote { term: Term(1) }));
        assert!(t.springs(&status(1, Some(1)), &obs, 1));
    }
}
