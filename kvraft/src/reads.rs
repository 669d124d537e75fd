//! Reads a replica serves without the log (Raft thesis §6.4), by ReadIndex or by lease
//! as the run's [`ReadMode`] says: a read-only request ([`crate::Service::read`]) that
//! the Raft takes with `RaftNode::read` waits here for Raft to confirm it, then for the
//! state machine to apply through the confirmed index, and is answered from the state.
//!
//! A read Raft refuses (not the leader, nothing of its term committed yet, a lapsed
//! lease) goes through the log as in [`ReadMode::Log`], so a mode never costs liveness.

use raft_contract::{LogIndex, ReadMode, Term};
use std::collections::BTreeMap;

/// A read-only request in flight.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Read<Op> {
    pub(crate) reply_to: u64,
    pub(crate) seq: u64,
    pub(crate) op: Op,
    /// The term in which this replica, as leader, asked Raft to confirm it.
    pub(crate) term: Term,
}

/// The reads of one replica, by stage.
#[derive(Clone, Debug)]
pub(crate) struct Reads<Op> {
    /// How this run serves reads.
    pub(crate) mode: ReadMode,
    next_ctx: u64,
    /// Taken by Raft, not confirmed yet, by the tag given to Raft.
    waiting: BTreeMap<u64, Read<Op>>,
    /// Confirmed, with the index the state must reach before the answer.
    confirmed: Vec<(LogIndex, Read<Op>)>,
}

impl<Op> Reads<Op> {
    /// No reads yet, in `mode`.
    pub(crate) fn new(mode: ReadMode) -> Reads<Op> {
        Reads {
            mode,
            next_ctx: 0,
            waiting: BTreeMap::new(),
            confirmed: Vec::new(),
        }
    }

    /// A fresh tag for the next read.
    pub(crate) fn next_ctx(&mut self) -> u64 {
        self.next_ctx += 1;
        self.next_ctx
    }

    /// Records a read Raft took under `ctx`.
    pub(crate) fn wait(&mut self, ctx: u64, read: Read<Op>) {
        let old = self.waiting.insert(ctx, read);
        assert!(old.is_none(), "two reads tagged {ctx}");
    }

    /// Raft confirmed the read tagged `ctx` at `index`. A tag no longer waiting (its
    /// leadership was lost and it was answered already) is ignored.
    pub(crate) fn confirm(&mut self, ctx: u64, index: LogIndex) {
        if let Some(read) = self.waiting.remove(&ctx) {
            self.confirmed.push((index, read));
        }
    }

    /// Takes the confirmed reads whose index the state reached.
    pub(crate) fn due(&mut self, applied: LogIndex) -> Vec<Read<Op>> {
        let (due, later) = std::mem::take(&mut self.confirmed)
            .into_iter()
            .partition(|(index, _)| *index <= applied);
        self.confirmed = later;
        due.into_iter().map(|(_, read)| read).collect()
    }

    /// Takes the unconfirmed reads that can no longer be confirmed: all of them unless
    /// this replica still leads `term`. Confirmed reads stay: leadership was confirmed
    /// after they arrived, which is all they need.
    pub(crate) fn lost(&mut self, term: Term, leader: bool) -> Vec<Read<Op>> {
        if self.waiting.is_empty() {
            return Vec::new();
        }
        let (lost, kept) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(_, r)| !leader || r.term != term);
        self.waiting = kept;
        lost.into_values().collect()
    }

    /// Reads taken and not yet answered.
    pub(crate) fn len(&self) -> usize {
        self.waiting.len() + self.confirmed.len()
    }
}
