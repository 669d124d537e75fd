//! A leader's state for reads without the log (see `read_only.rs`, which acts on it):
//! kept apart from the node so that the node's state imports no protocol code.

use raft_contract::{Instant, LogIndex, ReadState};
use std::collections::VecDeque;

/// A leader's confirmation rounds and the reads waiting on them, for its current term.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ReadOnly {
    /// The last round sent (0: none yet in this term).
    pub(crate) round: u64,
    /// Rounds sent and not yet answered by a majority, with when they left, oldest first.
    pub(crate) sent: VecDeque<(u64, Instant)>,
    /// Per peer, the highest round it answered in this term.
    pub(crate) answered: Vec<u64>,
    /// The highest round a majority answered, and when it left.
    pub(crate) confirmed: Option<(u64, Instant)>,
    /// ReadIndex reads waiting for a round: (ctx, commit index at arrival, round).
    pub(crate) waiting: VecDeque<(u64, LogIndex, u64)>,
    /// Confirmed reads not yet handed out by `ready`.
    pub(crate) done: Vec<ReadState>,
}
