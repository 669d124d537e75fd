//! Log compaction (§7, Figure 13; lab 2D): the service's snapshots, and InstallSnapshot
//! for followers that need entries the leader has discarded.

use crate::error::{Error, Result};
use crate::message::{InstallSnapshot, InstallSnapshotReply, Message};
use crate::node::{Command, Raft, Role};
use crate::types::{Instant, LogIndex, NodeId};

impl<C: Command> Raft<C> {
    /// The service's snapshot of its state through `index` (the lab's `Snapshot`): Raft
    /// discards its log through `index` and from now on persists `data` with its state.
    ///
    /// # Errors
    /// [`Error::SnapshotStale`] if `index` is not beyond the current snapshot (for
    /// example, an installed snapshot overtook the service), and
    /// [`Error::SnapshotBeyondApplied`] if `index` has not been handed to the service yet
    /// (which also keeps it at or below the commit index). The log is unchanged then.
    pub fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<()> {
        let current = self.log.snapshot_index();
        if index <= current {
            return Err(Error::SnapshotStale { index, current });
        }
        if index > self.last_applied || self.snapshot_apply_pending {
            return Err(Error::SnapshotBeyondApplied {
                index,
                applied: self.last_applied,
            });
        }
        assert!(
            index <= self.commit_index,
            "{}: applied {} beyond commit {}",
            self.id,
            self.last_applied,
            self.commit_index
        );
        self.log.compact_to(index);
        self.snapshot_data = data;
        // Figure 13's state and the snapshot are saved together (lab: Save(state, snap)).
        self.persist_pending = true;
        assert_eq!(self.log.snapshot_index(), index, "{}: compaction", self.id);
        Ok(())
    }

    /// Leader: sends the whole snapshot to a follower whose next entry was compacted.
    /// The follower goes to probing, so the snapshot is not re-sent with every new
    /// command, only with a heartbeat round if no answer came within an interval.
    pub(crate) fn send_snapshot(&mut self, peer: NodeId, now: Instant) {
        assert_eq!(
            self.role,
            Role::Leader,
            "{}: snapshot sent while not leader",
            self.id
        );
        let pr = &mut self.progress[peer.index()];
        pr.probing = true;
        pr.last_send = Some(now);
        let m = InstallSnapshot {
            term: self.current_term,
            last_included_index: self.log.snapshot_index(),
            last_included_term: self.log.snapshot_term(),
            data: self.snapshot_data.clone(),
        };
        self.send(peer, Message::InstallSnapshot(m));
    }

    /// Follower side of InstallSnapshot (Figure 13, receiver implementation).
    pub(crate) fn handle_install_snapshot(
        &mut self,
        from: NodeId,
        m: InstallSnapshot,
        now: Instant,
    ) {
        let reply = InstallSnapshotReply {
            term: self.current_term,
            last_included_index: m.last_included_index,
        };
        // 1. Reply immediately if term < currentTerm.
        if m.term < self.current_term {
            self.send(from, Message::InstallSnapshotReply(reply));
            return;
        }
        self.accept_leader(from, now);
        // A snapshot that covers nothing beyond our commit index is stale (duplicated or
        // reordered): what it holds, we hold already, and installing it could move the
        // service backwards. Acknowledging is still right: our log matches through it.
        if m.last_included_index > self.commit_index {
            // 6-7. Keep a matching suffix, else discard the whole log.
            self.log
                .install_snapshot(m.last_included_index, m.last_included_term);
            self.snapshot_data = m.data;
            self.commit_index = m.last_included_index;
            self.snapshot_apply_pending = true;
            self.persist_pending = true;
            assert!(
                self.log.last_index() >= self.commit_index,
                "{}: log ends before installed snapshot {}",
                self.id,
                m.last_included_index
            );
        }
        self.send(from, Message::InstallSnapshotReply(reply));
    }

    /// Leader side of an InstallSnapshot reply: the follower now matches through the
    /// snapshot point (a duplicate or late reply only confirms an older match).
    pub(crate) fn handle_install_snapshot_reply(
        &mut self,
        from: NodeId,
        m: InstallSnapshotReply,
        now: Instant,
    ) {
        if self.role != Role::Leader || m.term != self.current_term {
            return;
        }
        assert!(
            m.last_included_index <= self.log.snapshot_index(),
            "{}: {from} acknowledged snapshot {} beyond ours at {}",
            self.id,
            m.last_included_index,
            self.log.snapshot_index()
        );
        self.on_match(from, m.last_included_index, now);
    }
}
