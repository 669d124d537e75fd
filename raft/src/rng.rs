//! The node's own random number generator.
//!
//! A ChaCha8 stream seeded by the caller, plus our own uniform-range helper: `rand`'s
//! sampling algorithms may change between versions, which would silently change every
//! trace hash, so we depend only on the raw ChaCha output (stable by specification).

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// A deterministic RNG for election timeouts.
#[derive(Clone, Debug)]
pub struct Rng {
    inner: ChaCha8Rng,
}

impl Rng {
    /// An RNG whose whole output is determined by `seed`.
    pub fn new(seed: u64) -> Rng {
        // Expand the seed ourselves (little-endian, repeated with a counter) rather than
        // through `seed_from_u64`, whose expansion is an implementation detail.
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_mut(8).enumerate() {
            let word = seed ^ (0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1));
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        Rng {
            inner: ChaCha8Rng::from_seed(key),
        }
    }

    /// A uniform value in `[low, high)`, by rejection sampling (no modulo bias).
    ///
    /// # Panics
    /// If `low >= high`.
    pub fn range(&mut self, low: u64, high: u64) -> u64 {
        assert!(low < high, "empty range [{low}, {high})");
        let span = high - low;
        // The largest multiple of `span` that fits: values at or above it are rejected.
        let zone = u64::MAX - (u64::MAX % span + 1) % span;
        loop {
            let x = self.inner.next_u64();
            if x <= zone {
                return low + x % span;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_same_seed_same_stream() {
        let mut a = Rng::new(42);
        let mut b = Rng::new(42);
        let xs: Vec<u64> = (0..20).map(|_| a.range(0, 1000)).collect();
        let ys: Vec<u64> = (0..20).map(|_| b.range(0, 1000)).collect();
        assert_eq!(xs, ys);
        let mut c = Rng::new(43);
        let zs: Vec<u64> = (0..20).map(|_| c.range(0, 1000)).collect();
        assert_ne!(xs, zs);
    }

    #[test]
    fn rng_range_stays_in_bounds_and_covers_it() {
        let mut r = Rng::new(7);
        let mut seen = [false; 10];
        for _ in 0..1000 {
            let x = r.range(5, 15);
            assert!((5..15).contains(&x), "{x} out of [5, 15)");
            seen[(x - 5) as usize] = true;
        }
        assert!(seen.iter().all(|s| *s), "some value never drawn: {seen:?}");
        assert_eq!(r.range(3, 4), 3);
        let _ = r.range(0, u64::MAX);
    }
}
