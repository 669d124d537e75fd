//! Newtypes for the quantities that cross the API: node ids, terms, log indices and
//! virtual time. Bare `u64`s never cross the API (house style), so a term can never be
//! passed where an index is expected.
//!
//! The simulator's engine uses these same [`NodeId`], [`Instant`] and [`Duration`] for
//! its own nodes and clock (it re-exports them), so the two never need converting.
//! Nanoseconds in a `u64` cover 584 years of virtual time, far beyond any run.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::{Add, AddAssign, Div, Mul, Sub};

/// The identity of one Raft peer. Peers of a cluster of `n` are `NodeId(0)..NodeId(n-1)`.
/// In the simulator, the index of any node, servers and clients alike.
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
/// reads a clock: the caller hands the current instant to every call. In the simulator,
/// time moves only when the event queue pops an event.
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

impl Instant {
    /// The start of every run.
    pub const ZERO: Instant = Instant(0);

    /// The instant `ms` milliseconds after the start of the run.
    pub const fn from_millis(ms: u64) -> Instant {
        Instant(ms * 1_000_000)
    }

    /// Nanoseconds since the start of the run.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// This instant in whole milliseconds since the start of the run (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }

    /// Seconds since the start of the run, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// The time elapsed since `earlier`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration(self.0.saturating_sub(earlier.0))
    }
}

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// A duration of `n` nanoseconds.
    pub const fn from_nanos(n: u64) -> Duration {
        Duration(n)
    }

    /// A duration of `n` microseconds.
    pub const fn from_micros(n: u64) -> Duration {
        Duration(n * 1_000)
    }

    /// A duration of `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Duration {
        Duration(ms * 1_000_000)
    }

    /// A duration of `s` seconds.
    pub const fn from_secs(s: u64) -> Duration {
        Duration(s * 1_000_000_000)
    }

    /// Nanoseconds in this duration.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// This duration in whole milliseconds (rounded down).
    pub const fn as_millis(self) -> u64 {
        self.0 / 1_000_000
    }

    /// Seconds in this duration, for reports.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    fn add(self, d: Duration) -> Instant {
        Instant(self.0.checked_add(d.0).expect("virtual time overflow"))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, d: Duration) {
        *self = *self + d;
    }
}

impl Add for Duration {
    type Output = Duration;

    fn add(self, d: Duration) -> Duration {
        Duration(self.0.checked_add(d.0).expect("virtual duration overflow"))
    }
}

impl Mul<u64> for Duration {
    type Output = Duration;

    fn mul(self, k: u64) -> Duration {
        Duration(self.0.checked_mul(k).expect("virtual duration overflow"))
    }
}

impl Div<u64> for Duration {
    type Output = Duration;

    fn div(self, k: u64) -> Duration {
        Duration(self.0 / k)
    }
}

/// The time from `earlier` to `self`.
///
/// # Panics
/// When `earlier` is later: virtual time never goes backwards.
impl Sub for Instant {
    type Output = Duration;

    fn sub(self, earlier: Instant) -> Duration {
        assert!(
            self >= earlier,
            "virtual time went backwards: {self} - {earlier}"
        );
        Duration(self.0 - earlier.0)
    }
}

/// Renders as seconds with microsecond precision (`12.345678s`): stable, for traces.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}.{:06}s",
            self.0 / 1_000_000_000,
            (self.0 / 1_000) % 1_000_000
        )
    }
}

/// Renders in the largest unit that keeps it exact enough to read (`1.5ms`, `2s`).
impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n >= 1_000_000_000 && n % 1_000_000 == 0 {
            write!(f, "{}s", n as f64 / 1e9)
        } else if n >= 1_000_000 {
            write!(f, "{}ms", n as f64 / 1e6)
        } else if n >= 1_000 {
            write!(f, "{}us", n as f64 / 1e3)
        } else {
            write!(f, "{n}ns")
        }
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

    #[test]
    fn instant_display_is_seconds_with_micros() {
        assert_eq!(Instant(1_234_567_891).to_string(), "1.234567s");
        assert_eq!(Instant::ZERO.to_string(), "0.000000s");
    }

    #[test]
    fn duration_constructors_agree() {
        assert_eq!(Duration::from_millis(3), Duration::from_micros(3000));
        assert_eq!(Duration::from_millis(26).as_millis(), 26);
        assert_eq!(Duration::from_millis(1500).to_string(), "1.5s");
        assert_eq!(Duration::from_micros(1500).to_string(), "1.5ms");
        assert_eq!(Duration::from_secs(2).to_string(), "2s");
    }

    #[test]
    fn instant_arithmetic_round_trips() {
        let t = Instant::ZERO + Duration::from_millis(5);
        assert_eq!(t - Instant::ZERO, Duration::from_millis(5));
        assert_eq!(Instant::ZERO.saturating_since(t), Duration::ZERO);
    }

    #[test]
    #[should_panic(expected = "virtual time went backwards")]
    fn instant_subtraction_backwards_panics() {
        let _ = Instant::ZERO - Instant(1);
    }
}
