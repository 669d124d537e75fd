//! A trap: crash a server at the very moment that tests its durability. Armed by a
//! fault, it waits for the server's next handler that saved a new term or vote, sent an
//! acknowledgement, or changed its term, vote or log at all (saved or not), crashes the
//! server right after it, and restarts it a little later, while the election it took
//! part in may still be open. A server that forgot its vote, answered before saving, or
//! told a peer of a term it never saved, then shows it (the Durability monitor holds
//! the restarted server to everything the crashed one sent).

use crate::engine::{Duration, Instant, NodeId};
use crate::monitor::observed::Observed;
use raft_contract::{LogIndex, Status, Term};

/// What a trap waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Springs {
    /// A handler that saved and changed the server's term or vote.
    VoteOrTerm,
    /// A handler that sent an acknowledgement.
    Ack,
    /// A handler that changed the server's term, vote or log, saved or not.
    StateChange,
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
    /// The server's state and disk save count as last seen.
    seen: Option<Seen>,
}

/// What a trap compares from one handler to the next.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Seen {
    term: Term,
    vote: Option<NodeId>,
    /// The log's extent: (snapshot index, last index, last index's term).
    log: (LogIndex, LogIndex, Option<Term>),
    saves: u64,
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
    /// `last_term` is the term of the server's last entry (a log replaced at the same
    /// length changes it).
    pub fn springs(
        &mut self,
        status: &Status,
        last_term: Option<Term>,
        observed: &Observed,
        saves: u64,
    ) -> bool {
        let now = Seen {
            term: status.term,
            vote: status.voted_for,
            log: (status.snapshot_index(), status.last_index, last_term),
            saves,
        };
        let before = self.seen.replace(now);
        let vote_or_term = |b: &Seen| b.term != now.term || b.vote != now.vote;
        match self.on {
            Springs::Ack => !observed.acks.is_empty(),
            Springs::VoteOrTerm => before.is_some_and(|b| saves > b.saves && vote_or_term(&b)),
            Springs::StateChange => before.is_some_and(|b| vote_or_term(&b) || b.log != now.log),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::{Ack, NodeId as PeerId, Role};

    fn status(term: u64, vote: Option<u32>) -> Status {
        Status {
            term: Term(term),
            role: Role::Follower,
            voted_for: vote.map(PeerId),
            commit_index: LogIndex(0),
            snapshot: None,
            last_index: LogIndex(0),
            config: raft_contract::Configuration::all(3),
            config_index: LogIndex(0),
        }
    }

    impl Trap {
        /// [`Trap::springs`] with no log.
        fn springs_on(&mut self, status: &Status, observed: &Observed, saves: u64) -> bool {
            self.springs(status, None, observed, saves)
        }
    }

    #[test]
    fn trap_on_state_change_springs_on_any_change_saved_or_not() {
        let mut t = Trap::new(0, Springs::StateChange, Instant(10), Duration(5));
        let quiet = Observed::default();
        assert!(!t.springs_on(&status(1, None), &quiet, 1), "first sight");
        assert!(
            !t.springs_on(&status(1, None), &quiet, 2),
            "saved, unchanged"
        );
        assert!(
            t.springs_on(&status(2, None), &quiet, 2),
            "term changed, not saved"
        );
        assert!(t.springs_on(&status(2, Some(1)), &quiet, 2), "vote changed");
        let mut longer = status(2, Some(1));
        longer.last_index = LogIndex(1);
        assert!(t.springs(&longer, Some(Term(2)), &quiet, 2), "log grew");
        assert!(
            t.springs(&longer, Some(Term(3)), &quiet, 2),
            "last entry replaced"
        );
        assert!(
            !t.springs(&longer, Some(Term(3)), &quiet, 3),
            "nothing changed"
        );
    }

    #[test]
    fn trap_springs_on_a_saved_vote_or_term_change_only() {
        let mut t = Trap::new(0, Springs::VoteOrTerm, Instant(10), Duration(5));
        let quiet = Observed::default();
        assert!(!t.springs_on(&status(1, None), &quiet, 1), "first sight");
        assert!(
            !t.springs_on(&status(1, None), &quiet, 2),
            "saved, unchanged"
        );
        assert!(
            !t.springs_on(&status(2, None), &quiet, 2),
            "changed, not saved"
        );
        assert!(t.springs_on(&status(2, Some(1)), &quiet, 3), "vote saved");
    }

    #[test]
    fn trap_on_ack_springs_on_an_acknowledgement() {
        let mut t = Trap::new(0, Springs::Ack, Instant(10), Duration(5));
        let mut obs = Observed::default();
        assert!(!t.springs_on(&status(1, None), &obs, 1));
        obs.acks.push((PeerId(1), Ack::Vote { term: Term(1) }));
        assert!(t.springs_on(&status(1, Some(1)), &obs, 1));
    }
}
