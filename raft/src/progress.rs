//! What a leader knows about each follower's log (Figure 2's nextIndex[] and
//! matchIndex[]), plus the flow control that keeps each entry sent about once.

use raft_contract::{Instant, LogIndex};

/// A leader's replication state for one follower.
///
/// Two modes, in the spirit of etcd's probe/replicate:
/// - **probing** (`probing == true`): the leader does not know where the follower's log
///   matches. It sends one AppendEntries (or InstallSnapshot) from `next_index` and waits
///   for the answer or the next heartbeat before sending again, so a long backlog is not
///   re-sent on every `start` (lab TestRPCBytes).
/// - **replicating**: the follower's log matches through `match_index`. New entries are
///   sent as soon as nothing is in flight, and `next_index` moves past them
///   optimistically, so each entry is sent once; entries in flight are
///   `match_index + 1 .. next_index`, in one AppendEntries (entries that arrive
///   meanwhile wait for its answer and leave together).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Progress {
    /// Highest index known to be replicated on the follower (Figure 2's matchIndex).
    pub(crate) match_index: LogIndex,
    /// Next index to send (Figure 2's nextIndex).
    pub(crate) next_index: LogIndex,
    /// True until an answer tells the leader where the follower's log matches.
    pub(crate) probing: bool,
    /// When entries or a snapshot were last sent, for pacing probes and retransmissions.
    pub(crate) last_send: Option<Instant>,
    /// True if the follower answered in this term since the leader's last quorum check
    /// ([`crate::Config::check_quorum`]).
    pub(crate) heard: bool,
}

impl Progress {
    /// The state right after an election: nothing known, probing from the leader's end
    /// (Figure 2: "nextIndex initialized to leader last log index + 1").
    pub(crate) fn new(last_index: LogIndex) -> Progress {
        Progress {
            match_index: LogIndex(0),
            next_index: last_index.next(),
            probing: true,
            last_send: None,
            heard: false,
        }
    }

    /// Records that the follower's log matches through `index` and leaves probing mode.
    /// Returns true if `match_index` grew.
    pub(crate) fn record_match(&mut self, index: LogIndex) -> bool {
        let grew = index > self.match_index;
        if grew {
            self.match_index = index;
        }
        if self.probing {
            // A probe answered: resume from just after the known match.
            self.next_index = self.match_index.next();
            self.probing = false;
        } else if self.next_index <= self.match_index {
            self.next_index = self.match_index.next();
        }
        assert!(
            self.next_index > self.match_index,
            "next {} must be beyond match {}",
            self.next_index,
            self.match_index
        );
        grew
    }

    /// Moves back to probing from `next_index` after a rejection or a suspected loss.
    pub(crate) fn probe_from(&mut self, next_index: LogIndex) {
        assert!(
            next_index > self.match_index,
            "probe from {next_index} at or below match {}",
            self.match_index
        );
        self.next_index = next_index;
        self.probing = true;
    }

    /// True when new entries may be sent now: replicating, with nothing in flight (at
    /// most one AppendEntries carrying entries is unacknowledged per follower).
    pub(crate) fn ready_for_entries(&self) -> bool {
        !self.probing && !self.has_in_flight()
    }

    /// True if entries sent optimistically have not been acknowledged yet.
    pub(crate) fn has_in_flight(&self) -> bool {
        self.match_index.next() < self.next_index
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_record_match_ends_probe_and_never_regresses() {
        let mut p = Progress::new(LogIndex(10));
        assert!(p.probing);
        assert!(p.record_match(LogIndex(10)));
        assert!(!p.probing);
        assert_eq!(p.next_index, LogIndex(11));
        p.next_index = LogIndex(15); // entries 11..14 in flight
        assert!(p.has_in_flight());
        assert!(
            !p.record_match(LogIndex(7)),
            "stale ack does not lower match"
        );
        assert_eq!(p.match_index, LogIndex(10));
        assert_eq!(p.next_index, LogIndex(15), "stale ack keeps the pipeline");
        assert!(p.record_match(LogIndex(14)));
        assert!(!p.has_in_flight());
    }

    #[test]
    fn progress_probe_from_rewinds() {
        let mut p = Progress::new(LogIndex(10));
        p.record_match(LogIndex(3));
        p.probe_from(LogIndex(4));
        assert!(p.probing);
        assert_eq!(p.next_index, LogIndex(4));
    }
}
