//! Virtual time across the contract, and the lab's election timeout.
//!
//! The engine and the Raft contract both count nanoseconds since the run began; they
//! keep their own newtypes so that neither crate depends on the other. This is the one
//! place that converts between them.

use crate::engine::{Duration, Instant};

/// The lab's `RaftElectionTimeout` (Raft tests) and `electionTimeout` (KV tests): "the
/// tester generously allows solutions to complete elections in one second".
pub const ELECTION_TIMEOUT: Duration = Duration::from_secs(1);

/// The engine's instant as the Raft contract's.
pub fn to_contract(t: Instant) -> raft_contract::Instant {
    raft_contract::Instant(t.as_nanos())
}

/// The Raft contract's instant as the engine's.
pub fn from_contract(t: raft_contract::Instant) -> Instant {
    Instant(t.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_conversion_round_trips_nanoseconds() {
        for ns in [0, 1, 999_999_999, u64::MAX] {
            assert_eq!(from_contract(to_contract(Instant(ns))), Instant(ns));
            assert_eq!(to_contract(Instant(ns)).0, ns);
        }
    }
}
