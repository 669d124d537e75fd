//! `--shard I/N`: the I-th of N disjoint slices of a sweep, for job arrays of machines.

use crate::cli::shared::error::{Error, Result};
use std::fmt;

/// Slice `index` of `count` (0-based). Run `k` of a sweep (in its stable order) belongs to
/// shard `k % count`: dealing round-robin spreads each scenario's seeds, slow and fast,
/// evenly over the shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    index: u64,
    count: u64,
}

impl Shard {
    /// The whole sweep: shard 0 of 1.
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` with `0 <= I < N`.
    ///
    /// # Errors
    /// `Usage`, saying what is wrong.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = |why: &str| Error::Usage(format!("bad shard {text:?}: {why}"));
        let (i, n) = text
            .split_once('/')
            .ok_or_else(|| bad("expected I/N, e.g. 0/4 for the first of four shards"))?;
        let index: u64 = i
            .trim()
            .parse()
            .map_err(|_| bad(&format!("I {i:?} is not a non-negative integer")))?;
        let count: u64 = n
            .trim()
            .parse()
            .map_err(|_| bad(&format!("N {n:?} is not a non-negative integer")))?;
        if count == 0 {
            return Err(bad("N must be at least 1"));
        }
        if index >= count {
            return Err(bad(&format!(
                "I must be below N (shards are numbered 0..{count})"
            )));
        }
        Ok(Shard { index, count })
    }

    /// Which shard this is (0-based).
    pub fn index(&self) -> u64 {
        self.index
    }

    /// How many shards the sweep is split into.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// True when run number `k` of the sweep belongs to this shard.
    pub fn owns(&self, k: u128) -> bool {
        k % u128::from(self.count) == u128::from(self.index)
    }

    /// How many of a sweep's `total` runs belong to this shard, computed rather than
    /// counted: a sweep may have 2^64 runs or more.
    pub fn share(&self, total: u128) -> u128 {
        let (index, count) = (u128::from(self.index), u128::from(self.count));
        if total <= index {
            0
        } else {
            (total - index - 1) / count + 1
        }
    }

    /// The sweep's run number of this shard's `j`-th run (0-based).
    pub fn run(&self, j: u128) -> u128 {
        let k = u128::from(self.index) + j * u128::from(self.count);
        assert!(self.owns(k), "shard {self}: run {k} is not ours");
        k
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_valid_shards_partition_runs() {
        let shards: Vec<Shard> = ["0/3", "1/3", "2/3"]
            .iter()
            .map(|t| Shard::parse(t).unwrap_or_else(|e| panic!("{t}: {e}")))
            .collect();
        for k in 0..30 {
            let owners = shards.iter().filter(|s| s.owns(k)).count();
            assert_eq!(owners, 1, "run {k} owned by {owners} shards");
        }
        assert!(Shard::ALL.owns(17));
    }

    #[test]
    fn share_and_run_match_counting_owned_runs() {
        for text in ["0/1", "0/3", "1/3", "2/3", "4/5"] {
            let shard = Shard::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            for total in 0..20u128 {
                let owned: Vec<u128> = (0..total).filter(|&k| shard.owns(k)).collect();
                assert_eq!(shard.share(total), owned.len() as u128, "{text} of {total}");
                let computed: Vec<u128> = (0..shard.share(total)).map(|j| shard.run(j)).collect();
                assert_eq!(computed, owned, "{text} of {total}");
            }
        }
    }

    #[test]
    fn share_of_huge_sweep_is_arithmetic() {
        let shard = Shard::parse("1/4611686018427387904").unwrap_or_else(|e| panic!("{e}"));
        let total = u128::from(u64::MAX);
        assert_eq!(shard.share(total), 4);
        assert_eq!(shard.run(3), 1 + 3 * (1 << 62));
        assert_eq!(Shard::ALL.share(52 << 64), 52 << 64);
    }

    #[test]
    fn parse_invalid_shards_are_usage_errors() {
        for text in ["3/2", "0/0", "2/2", "x/2", "1/y", "1", "", "-1/2", "1/2/3"] {
            assert!(
                matches!(Shard::parse(text), Err(Error::Usage(_))),
                "{text:?} accepted"
            );
        }
    }
}
