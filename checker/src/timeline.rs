//! The order a partition's operations must respect: real time and each client's sequence.
//!
//! Real time: an operation that returned strictly before another was called comes first.
//! Intervals are closed, so two operations of different clients that touch (one returns at
//! the instant the other is called) are concurrent, as in Porcupine.
//!
//! Client order: a client issues one operation at a time, so each operation comes after
//! the client's previous one, even when it was called at the very instant the previous one
//! returned (how histories recorded with a clerk's next call at its previous return are
//! read). This cannot be folded into one total order of call and return events (two
//! clients touching at one instant would need a cycle), so the search enforces it as a
//! separate constraint: [`Timeline::client_prev`].
//!
//! A malformed history in which two operations of one client overlap (the history readers
//! reject it) is still checked, without a panic: each operation follows its client's
//! previous one by call time only if that one returned no later than the call; operations
//! of one client that overlap are ordered by real time alone, like those of two clients.

use std::collections::BTreeMap;

use crate::history::{ClientId, Operation};
use crate::links::Links;

/// Marks "no operation" in the index arrays.
pub(crate) const NONE: u32 = u32::MAX;

/// A partition's operations as call and return entries in real-time order (a doubly
/// linked list the search unlinks entries from), with the static facts about their order.
///
/// Operations are numbered by *slot*: the operations that returned, in the order of their
/// calls, then the pending ones (never returned), in the order of their calls. With that
/// numbering every set of operations the search linearizes is the slots below the first
/// one it has not linearized, plus a subset of a window that depends on that slot only
/// (see [`Timeline::window_end`]), which lets the memo store sets in linear space.
pub(crate) struct Timeline {
    /// The entries not yet unlinked, in real-time order (head sentinel `2n`).
    pub(crate) entries: Links,
    /// The slot of each entry's operation.
    pub(crate) entry_op: Vec<u32>,
    /// Whether an entry is a call (else a return).
    pub(crate) entry_is_call: Vec<bool>,
    /// Each slot's call entry.
    pub(crate) call_entry: Vec<u32>,
    /// Each slot's return entry (a pending operation's sorts after every other entry).
    pub(crate) return_entry: Vec<u32>,
    /// Each slot's index in the list the timeline was built from.
    pub(crate) original: Vec<u32>,
    /// The number of operations that returned: slots `0..returned` returned, the rest are
    /// pending.
    pub(crate) returned: u32,
    /// For each returned slot `f` (and `returned`, meaning none is left), how many returned
    /// operations are called before `f` returns: while `f` is not linearized, every
    /// linearized returned slot is below `window_end[f]`.
    pub(crate) window_end: Vec<u32>,
    /// Likewise the number of pending operations called before `f` returns: the
    /// linearized pending slots are below `returned + pending_end[f]`.
    pub(crate) pending_end: Vec<u32>,
    /// Each slot's client predecessor: the client's previous operation by call time, if it
    /// returned no later than this one was called (`NONE` otherwise). It must be linearized
    /// first.
    pub(crate) client_prev: Vec<u32>,
    /// `twin[b] = a`: an operation with the same input and output that some linearization
    /// (if any exists) puts before `b` (see [`twins`]); `NONE` if there is none.
    pub(crate) twin: Vec<u32>,
}

impl Timeline {
    /// Builds the timeline of `ops` (one partition, in any order). Slot `s` is
    /// `ops[original[s]]`.
    ///
    /// # Panics
    /// If an operation returns before it is called, or there are `u32::MAX / 2` or more.
    pub(crate) fn new<I: PartialEq, O: PartialEq>(ops: &[&Operation<I, O>]) -> Timeline {
        let n = ops.len();
        assert!(
            n < (u32::MAX / 2 - 1) as usize,
            "partition of {n} operations is too large"
        );
        let (entry_local, entry_is_call) = sorted_entries(ops);
        // Slots: returned operations by call entry, then pending ones by call entry.
        let mut original: Vec<u32> = Vec::with_capacity(n);
        for pending in [false, true] {
            original.extend(
                entry_local
                    .iter()
                    .zip(&entry_is_call)
                    .filter(|&(&k, &call)| {
                        call && ops[k as usize].outcome.return_time().is_none() == pending
                    })
                    .map(|(&k, _)| k),
            );
        }
        let returned = ops
            .iter()
            .filter(|op| op.outcome.return_time().is_some())
            .count() as u32;
        let mut slot_of = vec![NONE; n];
        for (slot, &k) in original.iter().enumerate() {
            slot_of[k as usize] = slot as u32;
        }
        let entry_op: Vec<u32> = entry_local.iter().map(|&k| slot_of[k as usize]).collect();
        let (call_entry, return_entry) = entries_of(&entry_op, &entry_is_call, n);
        let (window_end, pending_end) = windows(&entry_op, &entry_is_call, returned);
        let slotted: Vec<&Operation<I, O>> = original.iter().map(|&k| ops[k as usize]).collect();
        let calls = entry_op
            .iter()
            .zip(&entry_is_call)
            .filter(|(_, &call)| call);
        let client_prev = link_clients(&slotted, calls.map(|(&op, _)| op));
        let twin = twins(
            &slotted,
            &entry_op,
            &entry_is_call,
            &return_entry,
            &client_prev,
        );
        Timeline {
            entries: Links::new(2 * n),
            entry_op,
            entry_is_call,
            call_entry,
            return_entry,
            original,
            returned,
            window_end,
            pending_end,
            client_prev,
            twin,
        }
    }
}

/// The entries in real-time order, as (index into `ops`, is a call) pairs. Calls sort
/// before returns at equal times (closed intervals); the returns of pending operations
/// come after everything else; calls at equal times sort by return time (pending last),
/// then by position in `ops`, which is also the order of each client's operations.
fn sorted_entries<I, O>(ops: &[&Operation<I, O>]) -> (Vec<u32>, Vec<bool>) {
    // Calls as (time, return time, op) and returns as (time, op), sorted apart and merged:
    // a history written in time order is nearly sorted in both, which the stable sort
    // takes in about linear time (one sort of all entries saw a return and the next call
    // at one instant out of order everywhere: three times the instructions).
    let mut calls: Vec<(u64, u64, u32)> = Vec::with_capacity(ops.len());
    let mut returns: Vec<(u64, u32)> = Vec::with_capacity(ops.len());
    let mut pending: Vec<u32> = Vec::new();
    for (k, op) in ops.iter().enumerate() {
        assert!(
            op.is_well_formed(),
            "operation {k} returns before it is called"
        );
        let ret = op.outcome.return_time().map_or(u64::MAX, |t| t.0);
        calls.push((op.call.0, ret, k as u32));
        match op.outcome.return_time() {
            Some(at) => returns.push((at.0, k as u32)),
            None => pending.push(k as u32),
        }
    }
    calls.sort();
    returns.sort();
    let mut entry_op = Vec::with_capacity(2 * ops.len());
    let mut entry_is_call = Vec::with_capacity(2 * ops.len());
    let mut next_return = returns.iter().peekable();
    for &(time, _, k) in &calls {
        while let Some(&&(at, r)) = next_return.peek() {
            if at >= time {
                break;
            }
            entry_op.push(r);
            entry_is_call.push(false);
            next_return.next();
        }
        entry_op.push(k);
        entry_is_call.push(true);
    }
    for (_, r) in next_return {
        entry_op.push(*r);
        entry_is_call.push(false);
    }
    entry_op.extend(&pending);
    entry_is_call.resize(entry_op.len(), false);
    (entry_op, entry_is_call)
}

/// Each slot's call and return entries.
fn entries_of(entry_op: &[u32], entry_is_call: &[bool], n: usize) -> (Vec<u32>, Vec<u32>) {
    let mut call_entry = vec![NONE; n];
    let mut return_entry = vec![NONE; n];
    for (entry, (&op, &is_call)) in entry_op.iter().zip(entry_is_call).enumerate() {
        if is_call {
            call_entry[op as usize] = entry as u32;
        } else {
            assert!(
                call_entry[op as usize] != NONE,
                "return of slot {op} sorts before its call"
            );
            return_entry[op as usize] = entry as u32;
        }
    }
    (call_entry, return_entry)
}

/// [`Timeline::window_end`] and [`Timeline::pending_end`], by one sweep over the entries.
fn windows(entry_op: &[u32], entry_is_call: &[bool], returned: u32) -> (Vec<u32>, Vec<u32>) {
    let mut window_end = vec![NONE; returned as usize + 1];
    let mut pending_end = vec![NONE; returned as usize + 1];
    let (mut returned_calls, mut pending_calls) = (0u32, 0u32);
    for (&op, &is_call) in entry_op.iter().zip(entry_is_call) {
        match (is_call, op < returned) {
            (true, true) => returned_calls += 1,
            (true, false) => pending_calls += 1,
            (false, true) => {
                window_end[op as usize] = returned_calls;
                pending_end[op as usize] = pending_calls;
                assert!(
                    returned_calls > op,
                    "slot {op} returns before its own call is counted"
                );
            }
            (false, false) => {}
        }
    }
    window_end[returned as usize] = returned;
    pending_end[returned as usize] = pending_calls;
    assert!(
        window_end.iter().all(|&w| w != NONE),
        "a returned slot without a return entry"
    );
    (window_end, pending_end)
}

/// Each operation's client predecessor (see [`Timeline::client_prev`]): within a client,
/// operations in order of call time (then return time, pending last, then position), each
/// following the one before it if that one returned no later than its call.
pub(crate) fn client_predecessors<I, O>(ops: &[&Operation<I, O>]) -> Vec<u32> {
    let mut order: Vec<u32> = (0..ops.len() as u32).collect();
    order.sort_unstable_by_key(|&k| {
        let op = ops[k as usize];
        let ret = op.outcome.return_time().map_or(u64::MAX, |t| t.0);
        (op.call, ret, k)
    });
    link_clients(ops, order)
}

/// Client predecessors, given every operation once in order of call time, then return
/// time, then position.
fn link_clients<I, O>(ops: &[&Operation<I, O>], order: impl IntoIterator<Item = u32>) -> Vec<u32> {
    let mut prev = vec![NONE; ops.len()];
    let mut last: BTreeMap<ClientId, u32> = BTreeMap::new();
    for q in order {
        let op = ops[q as usize];
        if let Some(p) = last.insert(op.client, q) {
            let returned = ops[p as usize].outcome.return_time();
            if returned.is_some_and(|at| at <= op.call) {
                prev[q as usize] = p;
            }
        }
    }
    prev
}

/// For each operation `b`, its closest twin `a`: an operation with equal input and output
/// whose call and return entries both come earlier, and which returns after `b` is called
/// (or `NONE`). If any linearization exists, one exists that puts every twin first: in one
/// with `b` before `a`, swap the two. That keeps real time (`a`'s interval starts and ends
/// no later than `b`'s) and the model's steps (equal inputs and outputs); it keeps client
/// order when everything that must precede `a` must precede `b` and everything that must
/// follow `b` must follow `a`, which [`client_order_allows_swap`] checks.
fn twins<I: PartialEq, O: PartialEq>(
    ops: &[&Operation<I, O>],
    entry_op: &[u32],
    entry_is_call: &[bool],
    return_entry: &[u32],
    client_prev: &[u32],
) -> Vec<u32> {
    let mut client_next = vec![NONE; ops.len()];
    for (q, &p) in client_prev.iter().enumerate() {
        if p != NONE {
            client_next[p as usize] = q as u32;
        }
    }
    let mut twin = vec![NONE; ops.len()];
    // Only a twin that overlaps `b` can change the search: one that returned before `b`
    // was called precedes it in real time anyway. So the candidates for `b` are the
    // operations open when it is called, found by a sweep over the entries in time
    // order; they are few (about the history's concurrency), where scanning every
    // earlier operation made this quadratic in the length of a partition.
    let mut open: Vec<u32> = Vec::new();
    for (&op, &is_call) in entry_op.iter().zip(entry_is_call) {
        let b = op as usize;
        if !is_call {
            let at = open.iter().position(|&a| a == op);
            open.remove(at.expect("a return closes an open operation"));
            continue;
        }
        // The latest-called open operation that returns before `b` with equal input and
        // output.
        let earlier = open.iter().rev().find(|&&a| {
            let a = a as usize;
            return_entry[a] < return_entry[b]
                && ops[a].input == ops[b].input
                && ops[a].output() == ops[b].output()
                && client_order_allows_swap(ops, client_prev, &client_next, a, b)
        });
        if let Some(&a) = earlier {
            twin[b] = a;
        }
        open.push(op);
    }
    twin
}

/// Whether client order lets twin `a` take the place of `b` and `b` that of `a` (see
/// [`twins`]): `a`'s client predecessor must come before `b` (it returned strictly before
/// `b` was called), and `b`'s client successor after `a` (it was called strictly after `a`
/// returned). Touching times leave them unordered by real time, so such a pair is no twin.
/// Consecutive operations of one client are always in order, so they are twins freely.
fn client_order_allows_swap<I, O>(
    ops: &[&Operation<I, O>],
    client_prev: &[u32],
    client_next: &[u32],
    a: usize,
    b: usize,
) -> bool {
    if client_prev[b] == a as u32 {
        return true;
    }
    let returned_before_b = |p: u32| {
        p == NONE
            || ops[p as usize]
                .outcome
                .return_time()
                .is_some_and(|at| at < ops[b].call)
    };
    let called_after_a = |s: u32| {
        s == NONE
            || ops[a]
                .outcome
                .return_time()
                .is_some_and(|at| at < ops[s as usize].call)
    };
    returned_before_b(client_prev[a]) && called_after_a(client_next[b])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{Outcome, Time};

    fn op(client: u64, call: u64, ret: Option<u64>, input: u8) -> Operation<u8, u8> {
        Operation {
            client: ClientId(client),
            input,
            call: Time(call),
            outcome: match ret {
                Some(at) => Outcome::Returned {
                    output: 0,
                    at: Time(at),
                },
                None => Outcome::Pending,
            },
        }
    }

    #[test]
    fn timeline_slots_put_pending_last_and_bound_windows() {
        // Pending op 0 is called first; ops 1..3 are sequential; op 4 overlaps op 2.
        let ops = [
            op(9, 0, None, 1),
            op(0, 1, Some(2), 1),
            op(0, 3, Some(4), 1),
            op(0, 5, Some(6), 1),
            op(1, 3, Some(5), 2),
        ];
        let refs: Vec<&Operation<u8, u8>> = ops.iter().collect();
        let t = Timeline::new(&refs);
        assert_eq!(t.original, vec![1, 2, 4, 3, 0]);
        assert_eq!(t.returned, 4);
        // Slot 1 (op 2, returns at 4): ops 1, 2, 4 are called by then, and pending op 0.
        assert_eq!((t.window_end[1], t.pending_end[1]), (3, 1));
        assert_eq!((t.window_end[0], t.window_end[3]), (1, 4));
        assert_eq!((t.window_end[4], t.pending_end[4]), (4, 1));
    }

    #[test]
    fn timeline_client_order_links_touching_and_skips_overlapping() {
        let ops = [
            op(0, 0, Some(10), 1),
            op(0, 10, Some(20), 1), // touches op 0: follows it
            op(1, 0, Some(10), 1),
            op(1, 5, Some(30), 1), // overlaps op 2 (malformed): no client edge
            op(1, 30, None, 1),    // follows op 3
        ];
        let refs: Vec<&Operation<u8, u8>> = ops.iter().collect();
        assert_eq!(
            client_predecessors(&refs),
            vec![NONE, 0, NONE, NONE, 3],
            "client predecessors"
        );
    }

    #[test]
    fn timeline_twins_need_client_order_to_allow_the_swap() {
        // Ops 1 and 2 are equal and overlap; op 1's client predecessor (op 0) returns at
        // the instant both are called, so op 2 may be linearized before op 0 and op 1
        // cannot take its place: no twin. Ops 4 and 5 are equal, free twins.
        let ops = [
            op(0, 0, Some(10), 7),
            op(0, 10, Some(20), 1),
            op(1, 10, Some(21), 1),
            op(2, 30, Some(40), 3),
            op(3, 41, Some(50), 1),
            op(2, 42, Some(51), 1),
        ];
        let refs: Vec<&Operation<u8, u8>> = ops.iter().collect();
        let t = Timeline::new(&refs);
        let twin_of = |k: usize| {
            let slot = t
                .original
                .iter()
                .position(|&o| o as usize == k)
                .expect("slot");
            let twin = t.twin[slot];
            (twin != NONE).then(|| t.original[twin as usize] as usize)
        };
        assert_eq!(twin_of(2), None, "op 0 touches op 2's call");
        assert_eq!(twin_of(5), Some(4));
    }
}
