//! Log compaction (§7, Figure 13; lab 2D): the service's snapshots, and InstallSnapshot
//! for followers that need entries the leader has discarded.

use crate::error::{Error, Result};
use crate::log::SnapshotMeta;
use crate::message::{InstallSnapshot, InstallSnapshotReply, Message};
use crate::node::Raft;
use raft_contract::SharedBytes;
use raft_contract::{Command, Role};
use raft_contract::{Instant, LogIndex, NodeId};

impl<C: Command> Raft<C> {
    /// The service's snapshot of its state through command `index` (the lab's
    /// `Snapshot`, with the command index of [`raft_contract::ApplyMsg::Command`]): Raft
    /// discards its log through that command's entry and from now on persists `data`
    /// with its state, and with how many commands it covers and the configuration in
    /// effect there.
    ///
    /// # Errors
    /// [`Error::SnapshotStale`] if `index` is not beyond the current snapshot (for
    /// example, an installed snapshot overtook the service), and
    /// [`Error::SnapshotBeyondApplied`] if `index` has not been handed to the service yet
    /// (which also keeps it at or below the commit index). Both in command indices. The
    /// log is unchanged then.
    pub fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<()> {
        let current = self.log.snapshot().commands;
        if index.0 <= current {
            return Err(Error::SnapshotStale {
                index,
                current: LogIndex(current),
            });
        }
        let applied = self
            .log
            .commands_through(self.last_applied)
            .expect("the applied entry is retained or the snapshot point");
        if index.0 > applied || self.snapshot_apply_pending {
            return Err(Error::SnapshotBeyondApplied {
                index,
                applied: LogIndex(applied),
            });
        }
        let at = self.log.index_of_command(index.0).unwrap_or_else(|| {
            panic!(
                "{}: command {index} applied but not in the log (snapshot at {current})",
                self.id
            )
        });
        assert!(
            at <= self.last_applied && at <= self.commit_index,
            "{}: command {index} at {at}, applied {} commit {}",
            self.id,
            self.last_applied,
            self.commit_index
        );
        self.log.compact_to(at);
        self.snapshot_data = SharedBytes::from(data);
        // Figure 13's state and the snapshot are saved together (lab: Save(state, snap)).
        self.persist_pending = true;
        assert_eq!(
            self.log.snapshot().commands,
            index.0,
            "{}: compaction",
            self.id
        );
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
        let snapshot = *self.log.snapshot();
        let m = InstallSnapshot {
            term: self.current_term,
            last_included_index: snapshot.index,
            last_included_term: snapshot.term,
            commands: snapshot.commands,
            config: snapshot.config,
            config_index: snapshot.config_index,
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
        let installed = if planted!(self, InstallStaleSnapshot) {
            self.log.snapshot_index()
        } else {
            self.commit_index
        };
        if m.last_included_index > installed {
            if planted!(self, DiscardLogOnSnapshot) {
                // The planted bug skips step 6: what follows the snapshot point goes,
                // matching or not, acknowledged or not.
                self.log.truncate_from(m.last_included_index.next());
            }
            // 6-7. Keep a matching suffix, else discard the whole log. The configuration
            // is then the snapshot's, or a later one of the suffix kept (§4.1).
            self.log.install_snapshot(SnapshotMeta {
                index: m.last_included_index,
                term: m.last_included_term,
                commands: m.commands,
                config: m.config,
                config_index: m.config_index,
            });
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
        self.progress[from.index()].heard = true;
        invariant!(
            self,
            m.last_included_index <= self.log.snapshot_index(),
            "{}: {from} acknowledged snapshot {} beyond ours at {}",
            self.id,
            m.last_included_index,
            self.log.snapshot_index()
        );
        self.on_match(from, m.last_included_index, now);
    }
}

#[cfg(test)]
mod tests {
    use crate::message::{AppendEntries, InstallSnapshot, Message};
    use crate::testutil::{ack, appends, elect, entries, follower_with_log, log_terms, ms};
    use crate::{Config, Error, Raft};
    use raft_contract::ApplyMsg;
    use raft_contract::Persisted;
    use raft_contract::{LogIndex, NodeId, Term};

    /// A follower with log terms [1, 1, 1, 2, 2] of which 1..=3 are committed and applied.
    fn applied_follower() -> Raft<u64> {
        let mut r = follower_with_log(1, 3, &[1, 1, 1, 2, 2]);
        let m = Message::AppendEntries(AppendEntries {
            term: Term(2),
            prev_log_index: LogIndex(5),
            prev_log_term: Term(2),
            entries: Vec::new(),
            leader_commit: LogIndex(3),
        });
        r.step(NodeId(0), m, ms(1));
        assert_eq!(r.ready().apply.len(), 3);
        r
    }

    fn install(term: u64, index: u64, last_term: u64, data: &[u8]) -> Message<u64> {
        Message::InstallSnapshot(InstallSnapshot {
            term: Term(term),
            last_included_index: LogIndex(index),
            last_included_term: Term(last_term),
            commands: index,
            config: raft_contract::Configuration::all(3),
            config_index: LogIndex(0),
            data: data.to_vec().into(),
        })
    }

    #[test]
    fn snapshot_refusals_leave_log_unchanged() {
        let mut r = applied_follower();
        assert_eq!(
            r.snapshot(LogIndex(4), vec![4]),
            Err(Error::SnapshotBeyondApplied {
                index: LogIndex(4),
                applied: LogIndex(3)
            })
        );
        r.snapshot(LogIndex(2), vec![2]).expect("applied index");
        assert_eq!(
            r.snapshot(LogIndex(2), vec![2]),
            Err(Error::SnapshotStale {
                index: LogIndex(2),
                current: LogIndex(2)
            })
        );
        assert!(matches!(
            r.snapshot(LogIndex(1), vec![1]),
            Err(Error::SnapshotStale { .. })
        ));
        assert_eq!(r.snapshot_index(), LogIndex(2));
        assert_eq!(log_terms(&r), vec![1, 2, 2]);
        let p = r
            .ready()
            .persist
            .expect("state and snapshot saved together");
        assert_eq!(p.snapshot, vec![2]);
    }

    #[test]
    fn snapshot_survives_restart_and_later_saves() {
        // Lab TestSnapshotInit2D: after a restart, later saves must keep the snapshot.
        let mut r = applied_follower();
        r.snapshot(LogIndex(3), b"s3".to_vec())
            .expect("applied index");
        let disk = r.ready().persist.expect("saved");
        let mut r2: Raft<u64> =
            Raft::new(NodeId(1), 3, disk, Config::default(), 9, ms(2)).expect("restart");
        assert_eq!(r2.snapshot_index(), LogIndex(3));
        assert_eq!(r2.commit_index(), LogIndex(3));
        assert_eq!(r2.last_applied(), LogIndex(3));
        assert_eq!(r2.last_log_index(), LogIndex(5));
        assert!(
            r2.ready().apply.is_empty(),
            "the service restores from the disk itself"
        );
        let t = r2.next_deadline();
        r2.tick(t); // a pre-vote, granted: the election changes the term, a save
        r2.step(
            NodeId(0),
            crate::Message::PreVoteReply(crate::RequestVoteReply {
                term: raft_contract::Term(r2.term().0 + 1),
                vote_granted: true,
            }),
            t,
        );
        let p = r2.ready().persist.expect("new term saved");
        assert_eq!(
            p.snapshot,
            b"s3".to_vec(),
            "snapshot kept in every later save"
        );
    }

    #[test]
    fn install_snapshot_discards_conflicting_log_and_applies_in_order() {
        let mut r = applied_follower();
        r.step(NodeId(2), install(3, 6, 3, b"s6"), ms(5));
        assert_eq!(r.snapshot_index(), LogIndex(6));
        assert_eq!(r.last_log_index(), LogIndex(6), "log discarded");
        assert_eq!(r.commit_index(), LogIndex(6));
        let rd = r.ready();
        let p = rd.persist.expect("installed snapshot saved");
        assert_eq!(p.snapshot, b"s6".to_vec());
        assert_eq!(
            rd.apply,
            vec![ApplyMsg::Snapshot {
                index: LogIndex(6),
                term: Term(3),
                data: b"s6".to_vec()
            }]
        );
        assert_eq!(r.last_applied(), LogIndex(6));
        // Entries after the snapshot then apply from 7.
        let m = Message::AppendEntries(AppendEntries {
            term: Term(3),
            prev_log_index: LogIndex(6),
            prev_log_term: Term(3),
            entries: entries(7, &[3]),
            leader_commit: LogIndex(7),
        });
        r.step(NodeId(2), m, ms(6));
        let apply = r.ready().apply;
        assert!(matches!(
            apply.as_slice(),
            [ApplyMsg::Command {
                index: LogIndex(7),
                ..
            }]
        ));
    }

    #[test]
    fn install_snapshot_keeps_matching_suffix() {
        let mut r = applied_follower();
        r.step(NodeId(0), install(2, 4, 2, b"s4"), ms(5));
        assert_eq!(r.snapshot_index(), LogIndex(4));
        assert_eq!(
            r.last_log_index(),
            LogIndex(5),
            "entry 5 follows a matching entry 4"
        );
        assert_eq!(log_terms(&r), vec![2]);
    }

    #[test]
    fn install_snapshot_stale_is_acknowledged_but_ignored() {
        let mut r = applied_follower();
        r.step(NodeId(0), install(2, 2, 1, b"old"), ms(5));
        assert_eq!(r.snapshot_index(), LogIndex(0));
        assert_eq!(log_terms(&r), vec![1, 1, 1, 2, 2]);
        let rd = r.ready();
        assert!(rd.apply.is_empty() && rd.persist.is_none());
        assert_eq!(rd.messages.len(), 1, "still answered");
        // A duplicate of a snapshot already installed is stale too.
        r.step(NodeId(0), install(2, 5, 2, b"s5"), ms(6));
        assert_eq!(r.ready().apply.len(), 1);
        r.step(NodeId(0), install(2, 5, 2, b"s5"), ms(7));
        assert!(r.ready().apply.is_empty(), "delivered once");
    }

    #[test]
    fn install_snapshot_from_stale_term_is_refused() {
        let mut r = applied_follower();
        r.step(NodeId(0), install(1, 5, 1, b"x"), ms(5));
        assert_eq!(r.snapshot_index(), LogIndex(0));
        let rd = r.ready();
        assert!(matches!(
            rd.messages.as_slice(),
            [(_, Message::InstallSnapshotReply(m))] if m.term == Term(2)
        ));
    }

    #[test]
    fn leader_sends_snapshot_for_compacted_entries() {
        let mut r = follower_with_log(0, 3, &[1, 1, 1, 1]);
        let initial = elect(&mut r);
        let now = r.next_deadline();
        // Follower 1 is up to date; commit 1..=4 by its acknowledgement plus one entry
        // of the current term.
        let a1: Vec<_> = appends(&initial)
            .into_iter()
            .filter(|(to, _)| to.0 == 1)
            .collect();
        r.step(NodeId(1), ack(&a1[0].1), now);
        r.start(50, now).expect("leader");
        for (to, a) in appends(&r.ready().messages) {
            r.step(to, ack(&a), now);
        }
        assert_eq!(r.commit_index(), LogIndex(5));
        assert_eq!(r.ready().apply.len(), 5);
        r.snapshot(LogIndex(4), b"s4".to_vec()).expect("applied");
        r.ready();
        // Follower 2 has nothing: its reject points below the snapshot.
        let m = Message::AppendEntriesReply(crate::AppendEntriesReply {
            term: r.term(),
            success: false,
            prev_log_index: LogIndex(4),
            entries_len: 0,
            conflict_index: LogIndex(1),
            conflict_term: None,
        });
        r.step(NodeId(2), m, now);
        let rd = r.ready();
        let Some((_, Message::InstallSnapshot(s))) = rd.messages.first() else {
            panic!("expected InstallSnapshot, got {:?}", rd.messages);
        };
        assert_eq!(
            (s.last_included_index, s.data.clone()),
            (LogIndex(4), b"s4".to_vec().into())
        );
        // New commands do not re-send the snapshot while it is in flight...
        r.start(60, now).expect("leader");
        assert!(r.ready().messages.iter().all(|(to, _)| to.0 != 2));
        // ...and its acknowledgement resumes replication right after it.
        let m = Message::InstallSnapshotReply(crate::InstallSnapshotReply {
            term: r.term(),
            last_included_index: LogIndex(4),
        });
        r.step(NodeId(2), m, now);
        let a = appends(&r.ready().messages);
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].1.prev_log_index, LogIndex(4));
        assert_eq!(a[0].1.entries.len(), 2);
    }

    #[test]
    fn raft_new_rejects_corrupt_state_and_bad_ids() {
        let corrupt = Persisted {
            raft_state: vec![0xff, 0xff, 0xff].into(),
            snapshot: Vec::new().into(),
        };
        let r: crate::Result<Raft<u64>> =
            Raft::new(NodeId(0), 3, corrupt, Config::default(), 1, ms(0));
        assert!(matches!(r, Err(Error::Corrupt(_))));
        let r: crate::Result<Raft<u64>> = Raft::new(
            NodeId(3),
            3,
            Persisted::default(),
            Config::default(),
            1,
            ms(0),
        );
        assert!(matches!(r, Err(Error::NotAPeer { .. })));
        let orphan = Persisted {
            raft_state: Vec::new().into(),
            snapshot: vec![1].into(),
        };
        let r: crate::Result<Raft<u64>> =
            Raft::new(NodeId(0), 3, orphan, Config::default(), 1, ms(0));
        assert!(matches!(r, Err(Error::Corrupt(_))));
    }
}
