//! The openraft type configuration the adapter runs: what openraft logs, who its nodes
//! are, which leader ids and which runtime.

use openraft::impls::leader_id_std;
use serde::{Deserialize, Serialize};

/// Declares [`TypeConfig`]; alpha.24 ([`crate::release`]) adds its snapshot data type,
/// which it keeps in the type configuration rather than in each storage trait.
macro_rules! type_config {
    ($($snapshot_data:tt)*) => {
        openraft::declare_raft_types!(
            /// openraft's types under raftsim.
            ///
            /// - `D`: a command, encoded ([`crate::command`]): the contract's command type
            ///   is a parameter of the node, while a type config is one type, so the log
            ///   carries bytes as raft-rs's does.
            /// - `R = ()`: the service reads what it applied from the contract's apply
            ///   list, not from openraft's write responses.
            /// - `NodeId = u64`: contract node `NodeId(n)` is openraft node `n`.
            /// - `Node = EmptyNode`: the simulated network routes by id; there are no
            ///   addresses.
            /// - `LeaderId = leader_id_std`: one leader per term, as Raft and the lab
            ///   define it. openraft's default, `leader_id_adv`, lets several candidates
            ///   lead the same term (their leader ids are totally ordered by node id),
            ///   which Election Safety rejects.
            /// - `AsyncRuntime`: the virtual-time runtime, so time and randomness come
            ///   from the simulator.
            pub TypeConfig:
                D = CommandBytes,
                R = (),
                NodeId = u64,
                Node = openraft::EmptyNode,
                Term = u64,
                LeaderId = leader_id_std::LeaderId<u64, u64>,
                AsyncRuntime = virtual_runtime::Runtime,
                $($snapshot_data)*
        );
    };
}
#[cfg(not(feature = "openraft-alpha-24"))]
type_config!();
#[cfg(feature = "openraft-alpha-24")]
type_config!(SnapshotData = SnapshotData,);

/// An openraft log id under [`TypeConfig`].
pub type LogId = openraft::type_config::alias::LogIdOf<TypeConfig>;
/// An openraft vote under [`TypeConfig`].
pub type Vote = openraft::type_config::alias::VoteOf<TypeConfig>;
/// An openraft log entry under [`TypeConfig`].
pub type Entry = openraft::type_config::alias::EntryOf<TypeConfig>;
/// A membership as stored with a snapshot.
pub type StoredMembership = openraft::type_config::alias::StoredMembershipOf<TypeConfig>;
/// A snapshot's metadata.
pub type SnapshotMeta = openraft::type_config::alias::SnapshotMetaOf<TypeConfig>;
/// A snapshot as openraft moves it: metadata and [`SnapshotData`].
#[cfg(not(feature = "openraft-alpha-24"))]
pub type Snapshot = openraft::type_config::alias::SnapshotOf<TypeConfig, SnapshotData>;
/// A snapshot as openraft moves it: metadata and [`SnapshotData`].
#[cfg(feature = "openraft-alpha-24")]
pub type Snapshot = openraft::type_config::alias::SnapshotOf<TypeConfig>;
/// The openraft node itself, with the adapter's state machine.
pub type Raft = openraft::Raft<TypeConfig, crate::state_machine::StateMachine>;

/// What a snapshot carries besides openraft's metadata: the service's bytes, and how
/// many commands the log held through the snapshot's last entry, so that the lab's
/// command numbering survives compaction, restarts and installs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotData {
    /// Commands through the snapshot's last entry.
    pub commands: u64,
    /// The service's snapshot bytes.
    pub data: Vec<u8>,
}

/// A command as openraft logs it: its encoding ([`crate::command`]). openraft wants
/// its application data printable; it prints as its length.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CommandBytes(pub Vec<u8>);

impl std::fmt::Display for CommandBytes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "command({} bytes)", self.0.len())
    }
}

/// The term of a log id.
pub fn term_of(log_id: &LogId) -> u64 {
    log_id.leader_id.term
}
