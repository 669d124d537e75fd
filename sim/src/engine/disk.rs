//! A node's durable store, modelled on the lab's `Persister`.
//!
//! `save(raft_state, snapshot)` replaces both blobs atomically. A crash keeps exactly what
//! was saved before it; reads after a restart return those bytes. Sizes are exposed
//! because tests bound them (the lab's `RaftStateSize` and `SnapshotSize`).

use std::sync::Arc;

/// The durable state of one node: two byte blobs saved together.
///
/// Each blob is kept as a list of shared chunks, so a node whose saves share bytes (a
/// log that grows at its end, an unchanged snapshot) hands them over without copying;
/// a whole-state save per message then costs pointer copies, not a copy of the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    raft_state: Blob,
    snapshot: Blob,
    saves: u64,
}

/// One saved byte string, as the chunks it was saved in. Equal by content.
#[derive(Clone, Debug, Default)]
struct Blob {
    chunks: Vec<Arc<Vec<u8>>>,
    len: usize,
}

impl PartialEq for Blob {
    fn eq(&self, other: &Blob) -> bool {
        self.len == other.len && self.to_vec() == other.to_vec()
    }
}

impl Eq for Blob {}

impl Blob {
    fn new(chunks: Vec<Arc<Vec<u8>>>) -> Blob {
        let len = chunks.iter().map(|c| c.len()).sum();
        Blob { chunks, len }
    }

    fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.len);
        for c in &self.chunks {
            out.extend_from_slice(c);
        }
        out
    }
}

impl Disk {
    /// An empty store, as a node that never ran has.
    pub fn new() -> Disk {
        Disk::default()
    }

    /// Replaces both blobs at once, as the lab's `Persister.Save(raftstate, snapshot)`.
    pub fn save(&mut self, raft_state: Vec<u8>, snapshot: Vec<u8>) {
        self.save_chunks(vec![Arc::new(raft_state)], vec![Arc::new(snapshot)]);
    }

    /// Replaces both blobs at once, each given as the concatenation of its chunks. The
    /// chunks are shared, not copied.
    pub fn save_chunks(&mut self, raft_state: Vec<Arc<Vec<u8>>>, snapshot: Vec<Arc<Vec<u8>>>) {
        self.raft_state = Blob::new(raft_state);
        self.snapshot = Blob::new(snapshot);
        self.saves += 1;
    }

    /// A copy of the last saved Raft state (empty if never saved).
    pub fn raft_state(&self) -> Vec<u8> {
        self.raft_state.to_vec()
    }

    /// The last saved Raft state as the chunks it was saved in.
    pub fn raft_state_chunks(&self) -> &[Arc<Vec<u8>>] {
        &self.raft_state.chunks
    }

    /// A copy of the last saved snapshot (empty if never saved).
    pub fn snapshot(&self) -> Vec<u8> {
        self.snapshot.to_vec()
    }

    /// The last saved snapshot as the chunks it was saved in.
    pub fn snapshot_chunks(&self) -> &[Arc<Vec<u8>>] {
        &self.snapshot.chunks
    }

    /// Size in bytes of the saved Raft state (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self) -> usize {
        self.raft_state.len
    }

    /// Size in bytes of the saved snapshot (the lab's `SnapshotSize`).
    pub fn snapshot_size(&self) -> usize {
        self.snapshot.len
    }

    /// How many times `save` was called over the node's whole history.
    pub fn saves(&self) -> u64 {
        self.saves
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
        d.save_chunks(vec![Arc::new(vec![1u8]), log.clone()], Vec::new());
        assert!(Arc::ptr_eq(&d.raft_state_chunks()[1], &log), "not copied");
        assert_eq!(d.raft_state_size(), 101);
        let mut flat = vec![1u8];
        flat.extend([5u8; 100]);
        assert_eq!(d.raft_state(), flat);
        let mut e = Disk::new();
        e.save(flat, Vec::new());
        assert_eq!(d, e, "same bytes, other chunking");
    }
}
