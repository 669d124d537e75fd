//! Helpers shared by the unit tests.

use crate::config::Config;
use crate::log::{Entry, Log};
use crate::node::Raft;
use crate::persist::{self, Persisted};
use crate::types::{Instant, Term};

/// `ms` milliseconds of virtual time.
pub(crate) fn ms(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// A fresh node `id` of `n`, created at time 0, seeded with its id.
pub(crate) fn fresh(id: u32, n: usize) -> Raft<u64> {
    Raft::new(
        crate::NodeId(id),
        n,
        Persisted::default(),
        Config::default(),
        u64::from(id),
        ms(0),
    )
    .expect("fresh node")
}

/// A follower whose log holds entries with the given terms (command = 10 × index) and
/// whose current term is the last of them.
pub(crate) fn follower_with_log(id: u32, n: usize, terms: &[u64]) -> Raft<u64> {
    let mut log = Log::default();
    for (i, t) in terms.iter().enumerate() {
        log.append(Entry {
            term: Term(*t),
            command: 10 * (i as u64 + 1),
        });
    }
    let term = Term(terms.last().copied().unwrap_or(0));
    let raft_state = persist::encode(term, None, &log);
    Raft::new(
        crate::NodeId(id),
        n,
        Persisted {
            raft_state,
            snapshot: Vec::new(),
        },
        Config::default(),
        u64::from(id),
        ms(0),
    )
    .expect("node from log")
}
