//! A node's durable store, modelled on the lab's `Persister`.
//!
//! `save(raft_state, snapshot)` replaces both blobs atomically. A crash keeps exactly what
//! was saved before it; reads after a restart return those bytes. Sizes are exposed
//! because tests bound them (the lab's `RaftStateSize` and `SnapshotSize`).

/// The durable state of one node: two byte blobs saved together.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Disk {
    raft_state: Vec<u8>,
    snapshot: Vec<u8>,
    saves: u64,
}

impl Disk {
    /// An empty store, as a node that never ran has.
    pub fn new() -> Disk {
        Disk::default()
    }

    /// Replaces both blobs at once, as the lab's `Persister.Save(raftstate, snapshot)`.
    pub fn save(&mut self, raft_state: Vec<u8>, snapshot: Vec<u8>) {
        self.raft_state = raft_state;
        self.snapshot = snapshot;
        self.saves += 1;
    }

    /// The last saved Raft state (empty if never saved).
    pub fn raft_state(&self) -> &[u8] {
        &self.raft_state
    }

    /// The last saved snapshot (empty if never saved).
    pub fn snapshot(&self) -> &[u8] {
        &self.snapshot
    }

    /// Size in bytes of the saved Raft state (the lab's `RaftStateSize`).
    pub fn raft_state_size(&self) -> usize {
        self.raft_state.len()
    }

    /// Size in bytes of the saved snapshot (the lab's `SnapshotSize`).
    pub fn snapshot_size(&self) -> usize {
        self.snapshot.len()
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
}
