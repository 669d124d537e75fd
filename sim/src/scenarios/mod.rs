//! The scenarios: MIT 6.5840's Raft and kvraft tests ported to virtual time, plus ours.
//!
//! Each lab test keeps its name (with the 2023 part suffix, 2A-2D and 3A-3B) and its
//! steps and thresholds; the doc line of each body names the Go test it ports.

mod raft_2a;
mod raft_2b;
mod raft_2c;
mod raft_2d;

use crate::cluster::{RaftSetup, RaftTester};
use crate::scenario::{Outcome, RunConfig, Scenario, Verdict};

/// Every Raft scenario, in the lab's order.
pub fn raft() -> Vec<Scenario> {
    let mut all = Vec::new();
    all.extend(raft_2a::scenarios());
    all.extend(raft_2b::scenarios());
    all.extend(raft_2c::scenarios());
    all.extend(raft_2d::scenarios());
    all
}

/// Runs a Raft test body on a fresh cluster and packages the outcome with its counters.
pub(crate) fn run_raft(
    name: &str,
    config: &RunConfig,
    setup: RaftSetup,
    body: fn(&mut RaftTester) -> Verdict,
) -> Outcome {
    let mut t = RaftTester::new(config.seed, config.keep_trace, setup);
    let verdict = body(&mut t).and_then(|()| t.check_time_limit());
    let mut outcome = Outcome::from_sim(name, config, &t.sim, verdict);
    outcome.metrics.push(("rpcs".into(), t.rpc_total() as f64));
    outcome
        .metrics
        .push(("rpc_bytes".into(), t.bytes_total() as f64));
    outcome
        .metrics
        .push(("max_index".into(), t.max_index() as f64));
    outcome
}

/// Declares Raft scenarios: name, part, servers, unreliable, snapshot, description, body.
macro_rules! raft_scenarios {
    ($( $name:ident, $part:literal, $servers:expr, $unreliable:expr, $snapshot:expr, $desc:literal, $body:path; )*) => {
        /// This module's scenarios, in the lab's order.
        pub fn scenarios() -> Vec<$crate::scenario::Scenario> {
            vec![$(
                $crate::scenario::Scenario {
                    name: stringify!($name),
                    part: $part,
                    description: $desc,
                    run: {
                        fn run(config: &$crate::scenario::RunConfig) -> $crate::scenario::Outcome {
                            let setup = $crate::cluster::RaftSetup {
                                servers: $servers,
                                unreliable: $unreliable,
                                snapshot: $snapshot,
                            };
                            super::run_raft(stringify!($name), config, setup, $body)
                        }
                        run
                    },
                },
            )*]
        }
    };
}
pub(crate) use raft_scenarios;
