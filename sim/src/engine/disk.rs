//! A node's durable store, modelled on the lab's `Persister`.
//!
//! `save(raft_state, snapshot)` replaces both blobs atomically. A crash keeps exactly what
//! was saved before it; reads after a restart return those bytes. Sizes are exposed
//! because tests bound them (the lab's `RaftStateSize` and `SnapshotSize`).

use raft_contract::{Persisted, SharedBytes};

/// The durable state of one node: two byte strings saved together.
///
/// Both are kept as the contract's [`SharedBytes`], so a node whose saves share bytes (a
/// log that grows at its end, an unchanged snapshot) hands them over without copying;
/// a whole-state save per message then costs pointer copies, not a copy of the log.
/// Equal by content, however the bytes are chunked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    state: Persisted,
    saves: u64,
}

impl Disk {
    /// An empty store, as a node that never ran has.
    pub fn new() -> Disk {
        Disk::default()
    }

    /// Replaces both blobs at once, as the lab's `Persister.Save(raftstate, snapshot)`.
    pub fn save(&mut self, raft_state: Vec<u8>, snapshot: Vec<u8>) {
        self.save_persisted(Persisted {
            raft_state: SharedBytes::from(raft_state),
            snapshot: SharedBytes::from(snapshot),
        });
    }

    /// Replaces both blobs at once with a Raft's saved state. Its chunks are shared,
    /// not copied.
    pub fn save_persisted(&mut self, state: Persisted) {
        self.state = state;
        self.saves += 1;
    }

    /// The last saved state, both blobs as the chunks they were saved in (empty if
    /// never saved): what a Raft finds on its disk at boot, shared with the disk.
    pub fn persisted(&self) -> &Persisted {
        &self.state
    }

    /// A copy of the last saved Raft state (empty if never saved).
    pub fn raft_state(&self) -> Vec<u8> {
        self.state.raft_state.to_vec()
    }

    /// A copy of the last saved snapshot (empty if never saved).
    pub fn snapshot(&self) -> Vec<u8> {
        self.state.snapshot.to_vec()
    }

    /// Size in bytes of the saved Raft state (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self) -> usize {
        self.state.raft_state.len()
    }

    /// Size in bytes of the saved snapshot (the lab's `SnapshotSize`).
    pub fn snapshot_size(&self) -> usize {
        self.state.snapshot.len()
    }

    /// How many times `save` was called over the node's whole history.
    pub fn saves(&self) -> u64 {
        self.saves
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn disk_save_replaces_both_blobs() {
        let mut d = Disk::new();
        assert_eq!(d.raft_state_size(), 0);
        d.save(vec![1, 2, 3], vec![9]);
        d.save(vec![4], Vec::new());
        assert_eq!(d.raft_state(), &[4]);
        assert!(
            d.snapshot().is_empty(),
            "an empty snapshot replaces the old one"
        );
        assert_eq!(
            (d.raft_state_size(), d.snapshot_size(), d.saves()),
            (1, 0, 2)
        );
    }

    #[test]
    fn disk_clone_is_independent() {
        let mut d = Disk::new();
        d.save(vec![1], vec![2]);
        let copy = d.clone();
        d.save(vec![3], vec![4]);
        assert_eq!(copy.raft_state(), &[1]);
        assert_eq!(copy.snapshot(), &[2]);
    }

    #[test]
    fn disk_keeps_chunks_shared_and_compares_by_content() {
        let log: Arc<Vec<u8>> = Arc::new(vec![5u8; 100]);
        let mut d = Disk::new();
        d.save_persisted(Persisted {
            raft_state: SharedBytes::from_chunks([Arc::new(vec![1u8]), log.clone()]),
            snapshot: SharedBytes::new(),
        });
        let chunks = d.persisted().raft_state.chunks();
        assert!(Arc::ptr_eq(&chunks[1], &log), "not copied");
        assert_eq!(d.raft_state_size(), 101);
        let mut flat = vec![1u8];
        flat.extend([5u8; 100]);
        assert_eq!(d.raft_state(), flat);
        let mut e = Disk::new();
        e.save(flat, Vec::new());
        assert_eq!(d, e, "same bytes, other chunking");
    }
}
