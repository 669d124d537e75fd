//! A probe-only open-addressing table of indices, and a fast deterministic hasher.
//!
//! The search stores its memo cache and its interned states in plain `Vec`s; this table
//! maps a 64-bit hash to the indices of those entries. It is never iterated, so it cannot
//! make any output depend on hash order.

use std::hash::{Hash, Hasher};

use crate::bitset::splitmix64;

const EMPTY: u32 = u32::MAX;

/// Maps hashes to `u32` indices of entries kept elsewhere; linear probing, load <= 1/2.
#[derive(Debug)]
pub(crate) struct IndexTable {
    slots: Vec<u32>,
    hashes: Vec<u64>,
    len: usize,
}

impl IndexTable {
    /// An empty table.
    pub(crate) fn new() -> IndexTable {
        IndexTable {
            slots: vec![EMPTY; 1024],
            hashes: vec![0; 1024],
            len: 0,
        }
    }

    /// The number of indices stored.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Returns the stored index with hash `hash` for which `equal` holds, or inserts
    /// `new_index` under `hash` and returns `None`.
    pub(crate) fn find_or_insert(
        &mut self,
        hash: u64,
        new_index: u32,
        mut equal: impl FnMut(u32) -> bool,
    ) -> Option<u32> {
        assert!(
            new_index != EMPTY,
            "index table: index {new_index} is reserved"
        );
        let mask = self.slots.len() - 1;
        let mut slot = (hash as usize) & mask;
        loop {
            let index = self.slots[slot];
            if index == EMPTY {
                break;
            }
            if self.hashes[slot] == hash && equal(index) {
                return Some(index);
            }
            slot = (slot + 1) & mask;
        }
        self.slots[slot] = new_index;
        self.hashes[slot] = hash;
        self.len += 1;
        if self.len * 2 > self.slots.len() {
            self.grow();
        }
        None
    }

    fn grow(&mut self) {
        let size = self.slots.len() * 2;
        let old_slots = std::mem::replace(&mut self.slots, vec![EMPTY; size]);
        let old_hashes = std::mem::replace(&mut self.hashes, vec![0; size]);
        let mask = size - 1;
        for (index, hash) in old_slots.into_iter().zip(old_hashes) {
            if index == EMPTY {
                continue;
            }
            let mut slot = (hash as usize) & mask;
            while self.slots[slot] != EMPTY {
                slot = (slot + 1) & mask;
            }
            self.slots[slot] = index;
            self.hashes[slot] = hash;
        }
        assert!(
            self.len * 2 <= self.slots.len(),
            "index table grew to {size} for {}",
            self.len
        );
    }
}

/// A small, fast, deterministic hasher (FxHash-style multiply-rotate, SplitMix finish).
#[derive(Default)]
pub(crate) struct FastHasher {
    hash: u64,
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u64(&mut self, value: u64) {
        self.add(value);
    }

    fn write_usize(&mut self, value: usize) {
        self.add(value as u64);
    }

    fn write_u8(&mut self, value: u8) {
        self.add(u64::from(value));
    }

    fn write_u32(&mut self, value: u32) {
        self.add(u64::from(value));
    }

    fn finish(&self) -> u64 {
        splitmix64(self.hash)
    }
}

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(0x51_7C_C1_B7_27_22_0A_95);
    }
}

/// Hashes a value with [`FastHasher`].
pub(crate) fn hash_of<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut hasher = FastHasher::default();
    value.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_finds_what_it_inserted_after_growth() {
        let mut table = IndexTable::new();
        let keys: Vec<u64> = (0..5000).map(|k| splitmix64(k) % 700).collect();
        let mut first: Vec<u32> = Vec::new();
        for (index, key) in keys.iter().enumerate() {
            let found = table.find_or_insert(hash_of(key), index as u32, |other| {
                keys[other as usize] == *key
            });
            match found {
                Some(other) => assert_eq!(keys[other as usize], *key),
                None => first.push(index as u32),
            }
        }
        assert_eq!(table.len(), first.len());
        assert!(
            first.len() <= 700,
            "at most 700 distinct keys, got {}",
            first.len()
        );
    }
}
