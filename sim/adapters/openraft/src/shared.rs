//! What the node, openraft's storage, its state machine and its network share: the
//! disk, and the outputs waiting for the node's next `Ready`.

use crate::disk::Disk;
use crate::message::{Reply, RpcId, Wire};
use crate::types::{TypeConfig, Vote};
use openraft::type_config::alias::OneshotSenderOf;
use raft_contract::{ApplyMsg, Instant, NodeId};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;

/// A committed item for the service, its command still encoded.
pub type Applied = ApplyMsg<Vec<u8>>;

/// A call waiting for its reply.
pub struct Pending {
    /// Completes the call.
    pub reply_to: OneshotSenderOf<TypeConfig, Reply>,
    /// The vote the request carried: the caller's, as candidate or leader.
    pub asked: Vote,
}

/// The state one node's parts share (one thread: `Rc` and `RefCell`).
pub struct Shared {
    /// The node's disk.
    pub disk: RefCell<Disk>,
    /// The disk changed since the last `Ready`.
    pub dirty: Cell<bool>,
    /// Messages to send, in the order openraft sent them.
    pub outbox: RefCell<Vec<(NodeId, Wire)>>,
    /// Items to apply, in log order.
    pub applied: RefCell<Vec<Applied>>,
    /// Commands applied so far (the contract's numbering).
    pub applied_commands: Cell<u64>,
    /// The calls waiting for a reply, by RPC id: where the reply goes, and the vote the
    /// request carried (openraft reads a reply only while the node still holds it).
    pub pending: RefCell<BTreeMap<RpcId, Pending>>,
    /// When this incarnation booted: the first half of its RPC ids.
    pub boot: Instant,
    /// The next RPC sequence number this incarnation hands out.
    pub next_rpc: Cell<u64>,
}

impl Shared {
    /// The shared state of a node booting from `disk`.
    pub fn new(disk: Disk, boot: Instant) -> Shared {
        let applied_commands = disk.snapshot.as_ref().map_or(0, |p| p.commands);
        Shared {
            disk: RefCell::new(disk),
            dirty: Cell::new(false),
            outbox: RefCell::new(Vec::new()),
            applied: RefCell::new(Vec::new()),
            applied_commands: Cell::new(applied_commands),
            pending: RefCell::new(BTreeMap::new()),
            boot,
            next_rpc: Cell::new(0),
        }
    }

    /// Writes the disk and marks it for saving.
    pub fn write_disk<T>(&self, f: impl FnOnce(&mut Disk) -> T) -> T {
        self.dirty.set(true);
        f(&mut self.disk.borrow_mut())
    }

    /// A fresh RPC id.
    pub fn rpc_id(&self) -> RpcId {
        let seq = self.next_rpc.get();
        self.next_rpc.set(seq + 1);
        RpcId {
            boot: self.boot.as_nanos(),
            seq,
        }
    }
}
