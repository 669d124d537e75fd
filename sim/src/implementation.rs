//! The Raft implementations raftsim can test, and what a scenario may need to know
//! about one.
//!
//! An implementation is a [`raft_contract::RaftFamily`] with a name, a one-line
//! description and its [`LabOptions`]. The registry ([`crate::registry`]) lists every
//! implementation with the scenarios it supports; `--raft NAME` picks one.

use raft_contract::RaftFamily;

/// A Raft implementation as raftsim registers it.
pub trait Implementation: RaftFamily {
    /// The name `--raft` takes (`ours`, `raft-rs`).
    const NAME: &'static str;
    /// One line for `raftsim list`.
    const DESCRIPTION: &'static str;

    /// Where the implementation's design departs from what a lab test assumes (see
    /// [`LabOptions`]); the lab's own defaults otherwise.
    fn options() -> LabOptions {
        LabOptions::LAB
    }
}

/// Per-implementation options of the lab scenarios.
///
/// A lab threshold that an implementation cannot meet for reasons of its design is not
/// loosened for everyone, and not silently skipped: it becomes a named option here,
/// documented with the implementation and reported by the scenario that uses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LabOptions {
    /// The implementation supports the lab's `Snapshot(index, bytes)` and
    /// InstallSnapshot (parts 2D and 3B; also the KV service with `maxraftstate`).
    pub snapshots: bool,
}

impl LabOptions {
    /// The lab's tests as written.
    pub const LAB: LabOptions = LabOptions { snapshots: true };
}

/// raftsim's own Raft, the reference implementation.
impl Implementation for raft::Family {
    const NAME: &'static str = "ours";
    const DESCRIPTION: &'static str = "raftsim's reference Raft (the `raft` crate)";
}

/// tikv's raft-rs (crates.io `raft` 0.7) through its adapter crate.
#[cfg(feature = "raft-rs")]
impl Implementation for raftrs_adapter::Family {
    const NAME: &'static str = "raft-rs";
    const DESCRIPTION: &'static str = "tikv's raft-rs 0.7 (crates.io `raft`) through its adapter";
}

/// databendlabs' openraft (0.10.0-alpha.37, or alpha.24 in the adapter's historic
/// configuration), async, on the virtual-time runtime, through its adapter crate.
#[cfg(feature = "openraft")]
impl Implementation for openraft_adapter::Family {
    const NAME: &'static str = "openraft";
    const DESCRIPTION: &'static str = openraft_adapter::release::DESCRIPTION;
}
