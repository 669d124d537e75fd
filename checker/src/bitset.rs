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

    /// The hash the set would have with `index` added (it must not be a member).
    pub(crate) fn hash_with(&self, index: usize) -> u64 {
        assert!(!self.contains(index), "bitset hash with {index}: a member");
        self.hash ^ self.keys[index]
    }

    /// The first index in `from..limit` that is not a member, or `limit`.
    pub(crate) fn next_absent(&self, from: usize, limit: usize) -> usize {
        assert!(
            limit <= self.keys.len(),
            "bitset scan to {limit} out of range {}",
            self.keys.len()
        );
        let mut index = from;
        while index < limit {
            let free = !self.words[index / 64] >> (index % 64);
            if free != 0 {
                return (index + free.trailing_zeros() as usize).min(limit);
            }
            index = (index / 64 + 1) * 64;
        }
        limit
    }

    /// Appends the members among `start..end` to `out` as bits packed into words (member
    /// `start + k` is bit `k % 64` of word `k / 64`; unused high bits are zero).
    pub(crate) fn push_range(&self, out: &mut Vec<u64>, start: usize, end: usize) {
        assert!(
            start <= end && end <= self.keys.len(),
            "bitset range {start}..{end} out of range {}",
            self.keys.len()
        );
        let mut at = start;
        while at < end {
            let (word, shift) = (at / 64, at % 64);
            let mut bits = self.words[word] >> shift;
            if shift != 0 && word + 1 < self.words.len() {
                bits |= self.words[word + 1] << (64 - shift);
            }
            let len = (end - at).min(64);
            if len < 64 {
                bits &= (1u64 << len) - 1;
            }
            out.push(bits);
            at += len;
        }
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
    fn bitset_hash_is_order_free_and_undone_by_remove() {
        let (mut a, mut b) = (Bitset::new(130), Bitset::new(130));
        for k in [3, 129, 64] {
            a.insert(k);
        }
        for k in [64, 3, 129] {
            b.insert(k);
        }
        assert_eq!((a.hash(), a.count()), (b.hash(), 3));
        a.remove(64);
        assert_eq!(a.hash_with(64), b.hash());
        assert_ne!(a.hash(), b.hash());
        assert!(a.contains(129) && !a.contains(64));
        b.remove(64);
        assert_eq!(a.hash(), b.hash());
    }

    #[test]
    fn bitset_next_absent_skips_full_words() {
        let mut set = Bitset::new(200);
        for k in 5..150 {
            set.insert(k);
        }
        assert_eq!(set.next_absent(0, 200), 0);
        assert_eq!(set.next_absent(5, 200), 150);
        assert_eq!(set.next_absent(5, 100), 100, "stops at the limit");
        assert_eq!(set.next_absent(150, 200), 150);
        assert_eq!(set.next_absent(7, 7), 7);
    }

    #[test]
    fn bitset_push_range_packs_any_alignment() {
        let mut set = Bitset::new(300);
        let members = [0usize, 1, 63, 64, 65, 127, 128, 200, 299];
        for &k in &members {
            set.insert(k);
        }
        for (start, end) in [
            (0, 300),
            (1, 130),
            (63, 66),
            (64, 64),
            (100, 299),
            (250, 300),
        ] {
            let mut out = Vec::new();
            set.push_range(&mut out, start, end);
            assert_eq!(out.len(), (end - start).div_ceil(64), "{start}..{end}");
            let got: Vec<usize> = (0..end - start)
                .filter(|k| out[k / 64] >> (k % 64) & 1 == 1)
                .map(|k| start + k)
                .collect();
            let want: Vec<usize> = members
                .iter()
                .copied()
                .filter(|k| (start..end).contains(k))
                .collect();
            assert_eq!(got, want, "{start}..{end}");
            let counted: usize = out.iter().map(|w| w.count_ones() as usize).sum();
            assert_eq!(counted, want.len(), "{start}..{end}: no stray high bits");
        }
    }

    #[test]
    #[should_panic(expected = "already a member")]
    fn bitset_double_insert_panics() {
        let mut set = Bitset::new(8);
        set.insert(1);
        set.insert(1);
    }
}
