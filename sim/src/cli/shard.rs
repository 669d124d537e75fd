//! `--shard I/N`: the I-th of N disjoint slices of a sweep, for job arrays of machines.

use super::error::{Error, Result};
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

    /// How many shards the sweep is split into.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// True when run number `k` of the sweep belongs to this shard.
    pub fn owns(&self, k: u64) -> bool {
        k % self.count == self.index
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
    fn parse_invalid_shards_are_usage_errors() {
        for text in ["3/2", "0/0", "2/2", "x/2", "1/y", "1", "", "-1/2", "1/2/3"] {
            assert!(
                matches!(Shard::parse(text), Err(Error::Usage(_))),
                "{text:?} accepted"
            );
        }
    }
}
