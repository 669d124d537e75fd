//! raft-rs's leader lease: which vote requests a node drops unread.
//!
//! With `check_quorum` on, raft-rs ignores a RequestVote (or pre-vote) of a higher term
//! while it is "in lease": it has a leader (itself, if it leads) and less than an
//! election timeout has passed since it last heard from it (`Raft::step`: "if a server
//! receives RequestVote request within the minimum election timeout of hearing from a
//! current leader, it does not update its term or grant its vote", Raft thesis §4.2.3).
//! Such a request is dropped by design, so the adapter's `discards` reports it and the
//! Term Rule does not hold the node to its term.
//!
//! `discards` is asked before `step`, which first hands raft-rs the ticks that fell
//! since the last call; those ticks move `election_elapsed` and may make a leader check
//! its quorum. [`in_lease_after`] predicts the lease after them, and `step` asserts that
//! the prediction matches what raft-rs then does, so a wrong prediction fails the run
//! instead of hiding a violation.

use raftrs::{Raft, StateRole, Storage, INVALID_ID};

/// Will `raft` be in its lease once `ticks` more ticks have passed, and no message?
///
/// A follower's (or candidate's) `election_elapsed` grows by one per tick. A leader's
/// wraps to 0 at each election timeout, where check-quorum runs: with the followers'
/// `recent_active` flags as they stand at the first wrap (it steps down without a
/// majority), and with every flag but its own cleared at any later one.
pub(crate) fn in_lease_after<S: Storage>(raft: &Raft<S>, ticks: u64) -> bool {
    if !raft.check_quorum || raft.leader_id == INVALID_ID {
        return false;
    }
    let elapsed = raft.election_elapsed as u64 + ticks;
    let timeout = raft.election_timeout() as u64;
    if elapsed < timeout {
        return true;
    }
    if raft.state != StateRole::Leader {
        return false;
    }
    let voters = raft.prs().iter().count();
    let active = raft
        .prs()
        .iter()
        .filter(|(id, pr)| **id == raft.id || pr.recent_active)
        .count();
    let majority = |n: usize| 2 * n > voters;
    if !majority(active) {
        return false;
    }
    // Later wraps find only the leader itself active.
    elapsed - timeout < timeout || majority(1)
}

/// Is `m` a vote request (real or pre-vote) of a term beyond `raft`'s, the kind a lease
/// drops unread?
pub(crate) fn is_higher_vote_request<S: Storage>(
    raft: &Raft<S>,
    m: &raftrs::eraftpb::Message,
) -> bool {
    use raftrs::eraftpb::MessageType::{MsgRequestPreVote, MsgRequestVote};
    matches!(m.get_msg_type(), MsgRequestVote | MsgRequestPreVote) && m.term > raft.term
}
