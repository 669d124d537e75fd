//! openraft's log storage over the node's [`Disk`].
//!
//! Every call completes before it returns: the simulated disk has no latency, and a
//! write is durable once the driver saves the node's next `Ready`, which it does before
//! sending anything that call produced. So `append` reports its flush at once, and
//! openraft's out-of-order completion paths (#1960/#1964) are not exercised here.

use crate::disk::Disk;
use crate::shared::Shared;
use crate::types::{Entry, LogId, TypeConfig, Vote};
use openraft::storage::{IOFlushed, RaftLogStorage};
use openraft::{LogState, OptionalSend, RaftLogReader};
use std::fmt::Debug;
use std::io;
use std::ops::{Bound, RangeBounds};
use std::rc::Rc;

/// The log half of openraft's storage (the state machine is the other,
/// [`crate::state_machine::StateMachine`]); also its own log reader.
#[derive(Clone)]
pub struct LogStore {
    pub(crate) shared: Rc<Shared>,
}

impl LogStore {
    fn write<T>(&self, f: impl FnOnce(&mut Disk) -> T) -> T {
        self.shared.write_disk(f)
    }
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, io::Error> {
        let disk = self.shared.disk.borrow();
        let from = match range.start_bound() {
            Bound::Included(&i) => i,
            Bound::Excluded(&i) => i.saturating_add(1),
            Bound::Unbounded => 0,
        };
        let to = match range.end_bound() {
            Bound::Included(&i) => i,
            Bound::Excluded(&0) => return Ok(Vec::new()),
            Bound::Excluded(&i) => i - 1,
            Bound::Unbounded => u64::MAX,
        };
        Ok(disk
            .range(from, to)
            .iter()
            .map(|s| s.entry.clone())
            .collect())
    }

    async fn read_vote(&mut self) -> Result<Option<Vote>, io::Error> {
        Ok(self.shared.disk.borrow().vote)
    }
}

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, io::Error> {
        let disk = self.shared.disk.borrow();
        Ok(LogState {
            last_purged_log_id: disk.purged.as_ref().map(|(id, _)| *id),
            last_log_id: disk.last_log_id(),
        })
    }

    async fn get_log_reader(&mut self) -> LogStore {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote) -> Result<(), io::Error> {
        self.write(|d| d.vote = Some(*vote));
        Ok(())
    }

    /// Saved, so that a restarted node applies what it had committed at once (openraft
    /// then re-applies from its snapshot through this point, as the contract's restart
    /// does).
    async fn save_committed(&mut self, committed: Option<LogId>) -> Result<(), io::Error> {
        self.write(|d| d.committed = committed);
        Ok(())
    }

    async fn read_committed(&mut self) -> Result<Option<LogId>, io::Error> {
        Ok(self.shared.disk.borrow().committed)
    }

    async fn append<I>(
        &mut self,
        entries: I,
        callback: IOFlushed<TypeConfig>,
    ) -> Result<(), io::Error>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        self.write(|d| {
            for entry in entries {
                d.append(entry);
            }
        });
        callback.io_completed(Ok(()));
        Ok(())
    }

    async fn truncate_after(&mut self, last_log_id: Option<LogId>) -> Result<(), io::Error> {
        self.write(|d| d.truncate_after(last_log_id.map(|id| id.index)));
        Ok(())
    }

    async fn purge(&mut self, log_id: LogId) -> Result<(), io::Error> {
        self.write(|d| d.purge(log_id));
        Ok(())
    }
}
