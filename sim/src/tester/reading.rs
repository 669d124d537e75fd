//! A Raft node of any command type read through the monitors' [`RaftRead`]: how a
//! suite hands its servers' Raft to the core.

use crate::monitor::RaftRead;
use raft_contract::{Command, LogIndex, RaftNode, Status, Term};
use std::marker::PhantomData;

/// A Raft node of any command type, as the core reads it.
pub struct Reading<'a, C, R> {
    raft: &'a R,
    command: PhantomData<fn() -> C>,
}

/// Reads `raft` (of command type `C`) through [`RaftRead`].
pub fn reading<C: Command, R: RaftNode<C>>(raft: &R) -> Reading<'_, C, R> {
    Reading {
        raft,
        command: PhantomData,
    }
}

impl<C: Command, R: RaftNode<C>> RaftRead for Reading<'_, C, R> {
    fn status(&self) -> Status {
        self.raft.status()
    }

    fn log_term(&self, index: LogIndex) -> Option<Term> {
        self.raft.log_term(index)
    }

    fn leads(&self) -> bool {
        self.raft.state().1
    }
}
