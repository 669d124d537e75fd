//! The run's random number generator: ChaCha8 seeded from the run's `u64` seed.
//!
//! Every random choice the engine makes draws from one [`SimRng`] in a fixed order, so
//! the same seed replays the same run. The range helpers are written here rather than
//! taken from `rand`, whose sampling algorithms may change between versions and would
//! silently change every trace hash.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// A seeded, deterministic random number generator.
#[derive(Clone, Debug)]
pub struct SimRng {
    inner: ChaCha8Rng,
}

impl SimRng {
    /// A generator whose whole stream is determined by `seed`.
    pub fn new(seed: u64) -> SimRng {
        SimRng {
            inner: ChaCha8Rng::seed_from_u64(seed),
        }
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// A uniform integer in `0..n`.
    ///
    /// # Panics
    /// If `n` is zero.
    pub fn below(&mut self, n: u64) -> u64 {
        assert!(n > 0, "SimRng::below(0): empty range");
        // Lemire's multiply-shift with rejection: unbiased and one draw in the common case.
        let threshold = n.wrapping_neg() % n;
        loop {
            let wide = u128::from(self.next_u64()) * u128::from(n);
            if (wide as u64) >= threshold {
                return (wide >> 64) as u64;
            }
        }
    }

    /// A uniform integer in `lo..=hi`.
    ///
    /// # Panics
    /// If `lo > hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        assert!(lo <= hi, "SimRng::between({lo}, {hi}): empty range");
        if lo == 0 && hi == u64::MAX {
            return self.next_u64();
        }
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `p` (clamped to `0.0..=1.0`). Draws nothing when `p` is 0 or 1,
    /// so that turning a fault off does not shift the rest of the stream's use.
    pub fn chance(&mut self, p: f64) -> bool {
        if p <= 0.0 {
            return false;
        }
        if p >= 1.0 {
            return true;
        }
        // 53 random bits give a uniform double in [0, 1).
        let unit = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        unit < p
    }

    /// A seed for a child generator (a node's own RNG), drawn from this stream.
    pub fn fork_seed(&mut self) -> u64 {
        self.next_u64()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rng_same_seed_same_stream() {
        let mut a = SimRng::new(42);
        let mut b = SimRng::new(42);
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn rng_different_seeds_differ() {
        let mut a = SimRng::new(1);
        let mut b = SimRng::new(2);
        let same = (0..100).filter(|_| a.next_u64() == b.next_u64()).count();
        assert_eq!(same, 0);
    }

    #[test]
    fn rng_stream_is_pinned_across_versions() {
        // Trace hashes depend on this exact stream: a dependency upgrade that changes it
        // must be noticed, not discovered as a wall of changed snapshots.
        let mut r = SimRng::new(7);
        let first: Vec<u64> = (0..3).map(|_| r.below(1000)).collect();
        // The first three draws of `below(1000)` for seed 7, recorded when it was written.
        assert_eq!(first, [157, 167, 704], "ChaCha8 stream or `below` changed");
    }

    #[test]
    fn rng_below_stays_in_range_and_covers_it() {
        let mut r = SimRng::new(3);
        let mut seen = [0u32; 27];
        for _ in 0..27_000 {
            let v = r.below(27) as usize;
            seen[v] += 1;
        }
        // Each bucket expects 1000; 5 standard deviations is about 160.
        for (v, &n) in seen.iter().enumerate() {
            assert!((840..=1160).contains(&n), "bucket {v} has {n} of 27000");
        }
    }

    #[test]
    fn rng_chance_matches_probability() {
        let mut r = SimRng::new(9);
        let hits = (0..100_000).filter(|_| r.chance(0.1)).count();
        // Binomial(100000, 0.1): sd is about 95; allow 5 sd.
        assert!((9_525..=10_475).contains(&hits), "{hits} hits of 100000");
    }

    #[test]
    fn rng_chance_extremes_draw_nothing() {
        let mut a = SimRng::new(5);
        let mut b = SimRng::new(5);
        assert!(!a.chance(0.0));
        assert!(a.chance(1.0));
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn rng_between_is_inclusive() {
        let mut r = SimRng::new(11);
        let mut lo = false;
        let mut hi = false;
        for _ in 0..1000 {
            let v = r.between(5, 7);
            assert!((5..=7).contains(&v));
            lo |= v == 5;
            hi |= v == 7;
        }
        assert!(lo && hi);
    }
}
