//! A Raft under test, for raftsim's tutorial (README.md): a thin wrapper around raftsim's
//! reference Raft (the `raft` crate). Yours replaces the wrapped calls with its own.
//!
//! [`MyRaft`] implements raftsim's contract; `MyRaft<C, false>` is the tutorial's
//! planted bug, a node that forgets its disk when it restarts.

use raft_contract::{
    Boot, Command, Error, Instant, LogIndex, NodeId, Persisted, RaftNode, Ready, Status, Term,
};

/// A Raft node. `READS_DISK = false` plants the tutorial's bug.
pub struct MyRaft<C: Command, const READS_DISK: bool = true> {
    inner: raft::Raft<C>,
}

impl<C: Command, const READS_DISK: bool> RaftNode<C> for MyRaft<C, READS_DISK> {
    type Message = raft::Message<C>;

    fn boot(mut boot: Boot) -> Result<Self, Error> {
        if !READS_DISK {
            // The bug: start from an empty disk, forgetting the term, the vote and
            // the log saved before a crash (the lab's readPersist, never called).
            boot.persisted = Persisted::default();
        }
        let inner = <raft::Raft<C> as RaftNode<C>>::boot(boot)?;
        Ok(MyRaft { inner })
    }

    fn start(&mut self, command: C, now: Instant) -> Option<(LogIndex, Term)> {
        self.inner.start(command, now).ok()
    }

    fn state(&self) -> (Term, bool) {
        self.inner.state()
    }

    fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<(), Error> {
        RaftNode::snapshot(&mut self.inner, index, data)
    }

    fn step(&mut self, from: NodeId, msg: Self::Message, now: Instant) {
        self.inner.step(from, msg, now);
    }

    fn tick(&mut self, now: Instant) {
        self.inner.tick(now);
    }

    fn next_deadline(&self) -> Instant {
        self.inner.next_deadline()
    }

    fn ready(&mut self) -> Ready<C, Self::Message> {
        self.inner.ready()
    }

    fn status(&self) -> Status {
        self.inner.status()
    }

    fn log_term(&self, index: LogIndex) -> Option<Term> {
        RaftNode::log_term(&self.inner, index)
    }
}
