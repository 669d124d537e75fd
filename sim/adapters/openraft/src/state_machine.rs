//! openraft's state machine: it hands committed entries to the service through the
//! contract's apply list, and snapshots are the service's own.
//!
//! The lab's service owns its snapshots: it calls `Snapshot(index, bytes)` when it
//! likes, and openraft cannot build one itself. So the node records the service's
//! snapshot on the disk and then asks openraft to take it (`trigger().snapshot()`); the
//! builder below returns that recorded snapshot. openraft's own snapshot policy is off.

use crate::disk::SnapshotPoint;
use crate::shared::{Applied, Shared};
use crate::types::{
    term_of, LogId, Snapshot, SnapshotData, SnapshotMeta, StoredMembership, TypeConfig,
};
use futures_util::StreamExt;
use openraft::entry::RaftEntry;
use openraft::storage::{EntryResponder, RaftStateMachine};
use openraft::{EntryPayload, OptionalSend, RaftSnapshotBuilder};
use raft_contract::{ApplyMsg, LogIndex, Term};
use std::io;
use std::rc::Rc;

/// The adapter's state machine: a window onto the service.
pub struct StateMachine {
    pub(crate) shared: Rc<Shared>,
}

/// Builds the snapshot the service last handed over.
pub struct SnapshotBuilder {
    shared: Rc<Shared>,
}

impl RaftSnapshotBuilder<TypeConfig> for SnapshotBuilder {
    #[cfg(not(feature = "openraft-alpha-24"))]
    type SnapshotData = SnapshotData;

    async fn build_snapshot(&mut self) -> Result<Snapshot, io::Error> {
        self.shared
            .disk
            .borrow()
            .current_snapshot()
            .ok_or_else(|| io::Error::other("the service has handed over no snapshot"))
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    #[cfg(not(feature = "openraft-alpha-24"))]
    type SnapshotData = SnapshotData;
    type SnapshotBuilder = SnapshotBuilder;

    /// The service's state is its snapshot: a restarted node re-applies every entry
    /// after it, as the contract's restart asks.
    async fn applied_state(&mut self) -> Result<(Option<LogId>, StoredMembership), io::Error> {
        let disk = self.shared.disk.borrow();
        Ok(match &disk.snapshot {
            Some(p) => (Some(p.last_log_id), p.membership.clone()),
            None => (None, StoredMembership::default()),
        })
    }

    async fn apply<Strm>(&mut self, mut entries: Strm) -> Result<(), io::Error>
    where
        Strm: futures_util::Stream<Item = Result<EntryResponder<TypeConfig>, io::Error>>
            + Unpin
            + OptionalSend,
    {
        while let Some(item) = entries.next().await {
            let (entry, responder) = item?;
            if let EntryPayload::Normal(command) = &entry.payload {
                let index = self.shared.applied_commands.get() + 1;
                self.shared.applied_commands.set(index);
                let log_id = entry.log_id();
                if let Some(counted) = self.shared.disk.borrow().commands_through(log_id.index) {
                    assert_eq!(
                        counted, index,
                        "openraft applied entry {log_id} as command {index}, but the log counts {counted} commands through it"
                    );
                }
                self.shared.applied.borrow_mut().push(Applied::Command {
                    index: LogIndex(index),
                    term: Term(term_of(&log_id)),
                    command: command.0.clone(),
                });
            }
            if let Some(responder) = responder {
                responder.send(());
            }
        }
        Ok(())
    }

    async fn get_snapshot_builder(&mut self) -> SnapshotBuilder {
        SnapshotBuilder {
            shared: self.shared.clone(),
        }
    }

    /// A snapshot from the leader: it replaces the service's state (the contract's
    /// `ApplyMsg::Snapshot`) and becomes the node's snapshot on disk.
    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta,
        snapshot: SnapshotData,
    ) -> Result<(), io::Error> {
        let last_log_id = meta
            .last_log_id
            .ok_or_else(|| io::Error::other("a snapshot of nothing"))?;
        let SnapshotData { commands, data } = snapshot;
        let applied = self.shared.applied_commands.get();
        assert!(
            commands >= applied,
            "openraft installed a snapshot through command {commands}, behind the {applied} applied"
        );
        self.shared.write_disk(|d| {
            d.snapshot = Some(SnapshotPoint {
                last_log_id,
                membership: meta.last_membership.clone(),
                commands,
            });
            d.snapshot_data = data.clone();
        });
        self.shared.applied_commands.set(commands);
        self.shared.applied.borrow_mut().push(ApplyMsg::Snapshot {
            index: LogIndex(commands),
            term: Term(term_of(&last_log_id)),
            data,
        });
        Ok(())
    }

    /// Only `Raft::begin_receiving_snapshot` asks for this (chunked snapshot receiving),
    /// which the adapter never calls.
    #[cfg(feature = "openraft-alpha-24")]
    async fn begin_receiving_snapshot(&mut self) -> Result<SnapshotData, io::Error> {
        Err(io::Error::other(
            "the adapter receives whole snapshots only",
        ))
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot>, io::Error> {
        Ok(self.shared.disk.borrow().current_snapshot())
    }
}
