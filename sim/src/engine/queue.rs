//! The event queue: events ordered by (virtual time, insertion sequence).
//!
//! Equal times never tie randomly: the event scheduled first runs first. Payloads live in
//! a slab so that the heap moves only small fixed-size keys while it sifts.

use raft_contract::Instant;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Bits of a heap key that hold the insertion sequence (a trillion events per run).
const SEQ_BITS: u32 = 40;
/// Bits of a heap key that hold the payload's slot (16 million pending events).
const SLOT_BITS: u32 = 24;

/// A heap key: time in the high 64 bits, then the insertion sequence, then the slot. One
/// `u128` compare orders by (time, sequence); the slot never decides, as sequences are
/// unique. Packing keeps the heap's sift loops short and branch-light.
fn key(time: Instant, seq: u64, slot: u32) -> u128 {
    assert!(
        seq < 1 << SEQ_BITS,
        "event sequence {seq} overflows the key"
    );
    assert!(slot < 1 << SLOT_BITS, "event slot {slot} overflows the key");
    (u128::from(time.0) << 64) | (u128::from(seq) << SLOT_BITS) | u128::from(slot)
}

/// A min-queue of events of type `E`, ordered by time then by insertion order.
#[derive(Debug)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<u128>>,
    slots: Vec<Option<E>>,
    free: Vec<u32>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            slots: Vec::new(),
            free: Vec::new(),
            next_seq: 0,
        }
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        Self::default()
    }

    /// Schedules `event` at `time`, after every event already scheduled at that time.
    pub fn push(&mut self, time: Instant, event: E) {
        let slot = match self.free.pop() {
            Some(slot) => {
                assert!(
                    self.slots[slot as usize].is_none(),
                    "slot {slot} reused while full"
                );
                self.slots[slot as usize] = Some(event);
                slot
            }
            None => {
                let slot = u32::try_from(self.slots.len()).expect("more than 2^32 pending events");
                self.slots.push(Some(event));
                slot
            }
        };
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(key(time, seq, slot)));
    }

    /// Removes and returns the earliest event with its time.
    pub fn pop(&mut self) -> Option<(Instant, E)> {
        let Reverse(k) = self.heap.pop()?;
        let (time, slot) = (
            Instant((k >> 64) as u64),
            (k as u32) & ((1 << SLOT_BITS) - 1),
        );
        let event = self.slots[slot as usize]
            .take()
            .expect("queue slot empty while its key was in the heap");
        self.free.push(slot);
        Some((time, event))
    }

    /// The time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<Instant> {
        self.heap.peek().map(|Reverse(k)| Instant((k >> 64) as u64))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Removes every pending event for which `keep` returns false. Order is preserved.
    pub fn retain(&mut self, mut keep: impl FnMut(&E) -> bool) {
        let slots = &mut self.slots;
        let free = &mut self.free;
        self.heap.retain(|Reverse(k)| {
            let slot = (*k as u32) & ((1 << SLOT_BITS) - 1);
            let event = slots[slot as usize]
                .as_ref()
                .expect("heap key without event");
            if keep(event) {
                true
            } else {
                slots[slot as usize] = None;
                free.push(slot);
                false
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_pops_in_time_order() {
        let mut q = EventQueue::new();
        q.push(Instant(30), "c");
        q.push(Instant(10), "a");
        q.push(Instant(20), "b");
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn queue_equal_times_pop_in_insertion_order() {
        let mut q = EventQueue::new();
        for i in 0..100 {
            q.push(Instant(5), i);
        }
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, (0..100).collect::<Vec<_>>());
    }

    #[test]
    fn queue_reuses_slots_and_keeps_order() {
        let mut q = EventQueue::new();
        q.push(Instant(1), 1);
        q.push(Instant(2), 2);
        assert_eq!(q.pop(), Some((Instant(1), 1)));
        q.push(Instant(2), 3);
        assert_eq!(q.len(), 2);
        assert_eq!(q.pop(), Some((Instant(2), 2)));
        assert_eq!(q.pop(), Some((Instant(2), 3)));
        assert!(q.is_empty());
        assert_eq!(q.pop(), None);
    }

    #[test]
    fn queue_retain_drops_only_rejected() {
        let mut q = EventQueue::new();
        for i in 0..10 {
            q.push(Instant(i), i);
        }
        q.retain(|e| e % 2 == 0);
        assert_eq!(q.peek_time(), Some(Instant(0)));
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).map(|(_, e)| e).collect();
        assert_eq!(order, [0, 2, 4, 6, 8]);
    }
}
