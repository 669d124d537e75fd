//! databendlabs' openraft (`=0.10.0-alpha.37`) as a Raft under test in raftsim: the
//! first async Rust Raft behind the contract.
#![deny(missing_docs)]

pub mod command;
pub mod disk;
pub mod log_store;
pub mod message;
pub mod network;
pub mod node;
pub mod shared;
pub mod state_machine;
pub mod tuning;
pub mod types;

pub use message::Wire;
pub use node::OpenraftNode;

use raft_contract::{Command, Knob, RaftFamily};

/// openraft, registered for every command type (`--raft openraft`).
#[derive(Clone, Copy, Debug)]
pub struct Family;

impl RaftFamily for Family {
    type Node<C: Command> = OpenraftNode<C>;
    const KNOBS: &'static [Knob] = tuning::KNOBS;
}
