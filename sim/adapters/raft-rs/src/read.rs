//! Reads without the log (Raft thesis §6.4) through raft-rs's own read-only requests.
//!
//! raft-rs serves a read with `RawNode::read_index(ctx)` and reports it confirmed in
//! its `Ready::read_states()` with the leader's commit index, in one of two modes set at
//! boot (`Config::read_only_option`):
//! - `Safe` (the contract's [`ReadMode::ReadIndex`]): the leader broadcasts a heartbeat
//!   carrying the request's context and confirms the read once a majority echoed it.
//! - `LeaseBased` ([`ReadMode::Lease`]): the leader confirms at once. raft-rs keeps no
//!   lease interval; it relies on check-quorum to depose a leader that lost its
//!   majority, and refuses this mode without check-quorum. A node booted for lease reads
//!   with the `check_quorum` knob off therefore refuses every read, and the service
//!   reads through the log (see [`read_only_option`]).
//!
//! The adapter starts a read only where raft-rs will answer it or reset its requests
//! (which it does exactly when the node's role or term changes, the points at which
//! the service gives up on a read): at a leader that has committed an entry of its
//! term. raft-rs would forward a follower's read to its leader, whose answer may be
//! lost while the term stays, and a leader without such an entry drops the request.
//!
//! The context is the contract's `ctx` as 8 big-endian bytes. raft-rs's read index
//! counts its no-op entries; the contract's counts commands, so the adapter reports the
//! number of commands through it (see [`crate::node`]).

use raft_contract::ReadMode;
use raftrs::ReadOnlyOption;

/// raft-rs's read-only option for a node booted to serve reads in `reads`, or `None` if
/// it serves none: [`ReadMode::Log`], or lease reads without check-quorum, which
/// raft-rs's configuration refuses.
pub(crate) fn read_only_option(reads: ReadMode, check_quorum: bool) -> Option<ReadOnlyOption> {
    match reads {
        ReadMode::Log => None,
        ReadMode::ReadIndex => Some(ReadOnlyOption::Safe),
        ReadMode::Lease => check_quorum.then_some(ReadOnlyOption::LeaseBased),
    }
}

/// The request context raft-rs carries for the contract's `ctx`.
pub(crate) fn encode_ctx(ctx: u64) -> Vec<u8> {
    ctx.to_be_bytes().to_vec()
}

/// The contract's `ctx` of a request context [`encode_ctx`] made.
///
/// # Panics
/// If `bytes` are not 8 long: only the adapter starts reads, so raft-rs would have
/// invented the context.
pub(crate) fn decode_ctx(bytes: &[u8]) -> u64 {
    let bytes: [u8; 8] = bytes.try_into().unwrap_or_else(|_| {
        panic!(
            "a read context of {} bytes, not the adapter's 8",
            bytes.len()
        )
    });
    u64::from_be_bytes(bytes)
}
