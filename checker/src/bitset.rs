//! A fixed-size set of operation indices with an O(1)-updated Zobrist hash.

/// A set of operation indices `0..len`, stored as 64-bit words, with a hash that is the
/// XOR of a fixed pseudo-random key per member (so adding or removing is O(1)).
#[derive(Clone, Debug)]
pub(crate) struct Bitset {
    words: Vec<u64>,
    keys: Vec<u64>,
    hash: u64,
    count: usize,
}

impl Bitset {
    /// An empty set over `0..len`.
    pub(crate) fn new(len: usize) -> Bitset {
        let keys = (0..len as u64)
            .map(|k| splitmix64(k ^ 0x005E_ED0F_C4EC_4E12))
            .collect();
        Bitset {
            words: vec![0; words_for(len)],
            keys,
            hash: 0,
            count: 0,
        }
    }

    /// Adds `index`; it must not be a member.
    pub(crate) fn insert(&mut self, index: usize) {
        let (word, bit) = (index / 64, 1u64 << (index % 64));
        assert!(
            index < self.keys.len(),
            "bitset insert {index} out of range {}",
            self.keys.len()
        );
        assert!(
            self.words[word] & bit == 0,
            "bitset insert {index}: already a member"
        );
        self.words[word] |= bit;
        self.hash ^= self.keys[index];
        self.count += 1;
    }

    /// Removes `index`; it must be a member.
    pub(crate) fn remove(&mut self, index: usize) {
        let (word, bit) = (index / 64, 1u64 << (index % 64));
        assert!(
            index < self.keys.len(),
            "bitset remove {index} out of range {}",
            self.keys.len()
        );
        assert!(
            self.words[word] & bit != 0,
            "bitset remove {index}: not a member"
        );
        self.words[word] &= !bit;
        self.hash ^= self.keys[index];
        self.count -= 1;
    }

    /// Whether `index` is a member.
    pub(crate) fn contains(&self, index: usize) -> bool {
        self.words[index / 64] & (1u64 << (index % 64)) != 0
    }

    /// The hash the set would have with `index` toggled.
    pub(crate) fn hash_toggled(&self, index: usize) -> u64 {
        self.hash ^ self.keys[index]
    }

    /// Whether `other` equals this set with `index` toggled.
    pub(crate) fn equals_toggled(&self, other: &[u64], index: usize) -> bool {
        let (word, bit) = (index / 64, 1u64 << (index % 64));
        assert!(
            other.len() == self.words.len(),
            "bitset compare: length mismatch"
        );
        self.words
            .iter()
            .zip(other)
            .enumerate()
            .all(|(k, (mine, theirs))| {
                let mine = if k == word { mine ^ bit } else { *mine };
                mine == *theirs
            })
    }

    /// Copies the set with `index` toggled onto the end of `out`.
    pub(crate) fn push_toggled(&self, out: &mut Vec<u64>, index: usize) {
        let start = out.len();
        out.extend_from_slice(&self.words);
        out[start + index / 64] ^= 1u64 << (index % 64);
    }

    /// The number of members.
    pub(crate) fn count(&self) -> usize {
        self.count
    }

    /// The hash of the current set.
    pub(crate) fn hash(&self) -> u64 {
        self.hash
    }
}

/// The number of 64-bit words needed for `len` bits (at least one).
pub(crate) fn words_for(len: usize) -> usize {
    len.div_ceil(64).max(1)
}

/// A good 64-bit mixing function (SplitMix64's finaliser).
pub(crate) fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bitset_toggle_hash_matches_insert() {
        let mut set = Bitset::new(130);
        set.insert(3);
        set.insert(129);
        let predicted = set.hash_toggled(64);
        let mut copy = Vec::new();
        set.push_toggled(&mut copy, 64);
        set.insert(64);
        assert_eq!(set.hash(), predicted);
        assert!(!set.equals_toggled(&copy, 5));
        assert!(set.contains(64));
        assert_eq!(set.words, copy);
        assert_eq!(set.count(), 3);
        set.remove(64);
        assert!(set.equals_toggled(&copy, 64));
        assert_eq!(set.count(), 2);
    }

    #[test]
    #[should_panic(expected = "already a member")]
    fn bitset_double_insert_panics() {
        let mut set = Bitset::new(8);
        set.insert(1);
        set.insert(1);
    }
}
