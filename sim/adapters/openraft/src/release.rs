//! What differs between the openraft releases the adapter builds with.
//!
//! The adapter runs openraft `0.10.0-alpha.37`. With the feature `openraft-alpha-24` it
//! builds against `0.10.0-alpha.24` instead, the last release before the fix of
//! openraft#1802 (a leader's commit index could advance on a sub-quorum): the test-only
//! configuration in `historic/` (see its README) uses it to show that raftsim finds that
//! bug again. The differences are few, and all are here or at a `cfg` beside the trait
//! items they change (the snapshot data type, which alpha.24 keeps in the type
//! configuration and alpha.37 in each storage and network trait).

use crate::types::{LogId, SnapshotMeta, StoredMembership, Vote};

/// The openraft release the adapter is built against.
#[cfg(not(feature = "openraft-alpha-24"))]
pub const OPENRAFT: &str = "0.10.0-alpha.37";
/// The openraft release the adapter is built against.
#[cfg(feature = "openraft-alpha-24")]
pub const OPENRAFT: &str = "0.10.0-alpha.24";

/// `raftsim list`'s line for the adapter.
#[cfg(not(feature = "openraft-alpha-24"))]
pub const DESCRIPTION: &str =
    "databendlabs' openraft 0.10.0-alpha.37 (async) on virtual time, through its adapter";
/// `raftsim list`'s line for the adapter.
#[cfg(feature = "openraft-alpha-24")]
pub const DESCRIPTION: &str =
    "databendlabs' openraft 0.10.0-alpha.24 (before the fix of #1802), through its adapter";

/// The node a vote is for. alpha.24's standard leader id may name no node.
pub fn voted_for(vote: &Vote) -> Option<u64> {
    #[cfg(not(feature = "openraft-alpha-24"))]
    return Some(vote.leader_id().voted_for);
    #[cfg(feature = "openraft-alpha-24")]
    return vote.leader_id().voted_for;
}

/// A snapshot's metadata; alpha.24 also names each snapshot (an id the adapter derives
/// from its last log id, the same for the same snapshot on every node).
pub fn snapshot_meta(last_log_id: LogId, last_membership: StoredMembership) -> SnapshotMeta {
    SnapshotMeta {
        last_log_id: Some(last_log_id),
        last_membership,
        #[cfg(feature = "openraft-alpha-24")]
        snapshot_id: format!("{}-{}", last_log_id.leader_id.term, last_log_id.index),
    }
}
