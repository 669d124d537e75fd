//! Newtypes for the quantities that cross the API: node ids, terms, log indices and
//! virtual time. Bare `u64`s never cross the API (house style), so a term can never be
//! passed where an index is expected.

use serde::{Deserialize, Serialize};
use std::fmt;

/// The identity of one Raft peer. Peers of a cluster of `n` are `NodeId(0)..NodeId(n-1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct NodeId(pub u32);

/// A Raft term (§5.1): a logical clock that only grows. `Term(0)` is the term before
/// any election; the first elected leader has term 1 or more.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Term(pub u64);

/// A global, 1-based position in the replicated log. `LogIndex(0)` names the empty
/// prefix (the entry "before" the first one, whose term is `Term(0)`).
///
/// Global indices never shift when the log is compacted; converting them to positions in
/// the retained entries is the implementation's business (in raftsim's Raft, `raft::log::Log`).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct LogIndex(pub u64);

/// A point in virtual time, in nanoseconds since the start of the run. The library never
/// reads a clock: the caller hands the current instant to every call.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Instant(pub u64);

/// A span of virtual time, in nanoseconds.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Duration(pub u64);

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "n{}", self.0)
    }
}

impl fmt::Display for Term {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t{}", self.0)
    }
}

impl fmt::Display for LogIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl NodeId {
    /// The id as a `usize`, for indexing per-peer vectors.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl Term {
    /// The next term (used when a node starts an election, §5.2).
    ///
    /// # Panics
    /// On overflow, which would take 2^64 elections.
    pub fn next(self) -> Term {
        Term(self.0.checked_add(1).expect("term overflow"))
    }
}

impl LogIndex {
    /// The index right after this one.
    ///
    /// # Panics
    /// On overflow.
    pub fn next(self) -> LogIndex {
        LogIndex(self.0.checked_add(1).expect("log index overflow"))
    }

    /// The index right before this one, saturating at `LogIndex(0)`.
    pub fn prev(self) -> LogIndex {
        LogIndex(self.0.saturating_sub(1))
    }

    /// This index moved forward by `count` entries.
    ///
    /// # Panics
    /// On overflow.
    pub fn plus(self, count: u64) -> LogIndex {
        LogIndex(self.0.checked_add(count).expect("log index overflow"))
    }
}

impl Duration {
    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms * 1_000_000)
    }

    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s * 1_000_000_000)
    }

    /// This duration in whole milliseconds (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }
}

impl Instant {
    /// The instant `ms` milliseconds after the start of the run.
    pub const fn from_millis(ms: u64) -> Instant {
        Instant(ms * 1_000_000)
    }

    /// This instant in whole milliseconds since the start of the run (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }

    /// The time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl std::ops::Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, d: Duration) -> Instant {
        Instant(self.0.checked_add(d.0).expect("virtual time overflow"))
    }
}

impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:03}ms",
            self.0 / 1_000_000,
            (self.0 / 1_000) % 1_000
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duration_from_millis_is_nanoseconds() {
        assert_eq!(Duration::from_millis(3).0, 3_000_000);
        assert_eq!(Duration::from_secs(2), Duration::from_millis(2000));
        assert_eq!(
            Instant::from_millis(5) + Duration::from_millis(1),
            Instant(6_000_000)
        );
        assert_eq!(Instant(5).saturating_since(Instant(9)), Duration(0));
    }

    #[test]
    fn log_index_prev_saturates_at_zero() {
        assert_eq!(LogIndex(0).prev(), LogIndex(0));
        assert_eq!(LogIndex(7).prev(), LogIndex(6));
        assert_eq!(LogIndex(7).plus(3), LogIndex(10));
    }
}
