//! The scenarios: MIT 6.5840's Raft, kvraft, shardctrler and shardkv tests ported to
//! virtual time, plus ours.
//!
//! Each lab test keeps its name (with the 2023 part suffix, 2A-2D, 3A-3B and 4A-4B) and its
//! steps and thresholds; the doc line of each body names the Go test it ports.

mod beyond;
mod kv_3a;
mod kv_3b;
mod kv_generic;
mod membership;
mod raft_2a;
mod raft_2b;
mod raft_2c;
mod raft_2d;
mod reads;
mod shard_common;
mod shardctrler_4a;
mod shardkv_4b;
mod shardkv_challenge;
mod shardkv_throughput;

use crate::implementation::Implementation;
use crate::outcome::{Outcome, Verdict};
use crate::scenario::{RunConfig, Scenario};
use crate::tester::kv::{KvSetup, KvTester};
use crate::tester::shard::{ShardSetup, ShardTester};
use crate::tester::{RaftSetup, RaftTester};
// The lab scenarios run every implementation in its shipped configuration.
use raft_contract::Settings;

/// Every Raft scenario implementation `I` supports, in the lab's order.
pub fn raft<I: Implementation>() -> Vec<Scenario> {
    let mut all = Vec::new();
    all.extend(raft_2a::scenarios::<I>());
    all.extend(raft_2b::scenarios::<I>());
    all.extend(raft_2c::scenarios::<I>());
    if I::options().snapshots {
        all.extend(raft_2d::scenarios::<I>());
    }
    all
}

/// The scenarios of faults beyond the lab (partial connectivity), which every
/// implementation supports.
pub fn beyond<I: Implementation>() -> Vec<Scenario> {
    let mut all = beyond::scenarios::<I>();
    all.extend(reads::scenarios::<I>());
    all
}

/// The membership scenarios, for an implementation that supports membership changes.
pub fn membership<I: Implementation>() -> Vec<Scenario> {
    membership::scenarios::<I>()
}

/// Every KV scenario implementation `I` supports, in the lab's order.
pub fn kv<I: Implementation>() -> Vec<Scenario> {
    let mut all = Vec::new();
    all.extend(kv_3a::scenarios::<I>());
    if I::options().snapshots {
        all.extend(kv_3b::scenarios::<I>());
    }
    all
}

/// Every sharded scenario implementation `I` supports: the shard controller's (4A),
/// then the sharded KV service's (4B), in the lab's order, then the throughput metric.
/// The sharded service snapshots, so 4B needs snapshot support.
pub fn shard<I: Implementation>() -> Vec<Scenario> {
    let mut all = shardctrler_4a::scenarios::<I>();
    if I::options().snapshots {
        all.extend(shardkv_4b::scenarios::<I>());
        all.extend(shardkv_challenge::scenarios::<I>());
        all.extend(shardkv_throughput::scenarios::<I>());
    }
    all
}

/// Runs a KV test body on a fresh cluster (see [`crate::tester::run`]): the recorded
/// history is judged by the linearizability checker, and an `Illegal` or `Unknown`
/// verdict fails the run.
pub(crate) fn run_kv<I: Implementation>(
    name: &str,
    config: &RunConfig,
    setup: KvSetup,
    body: impl FnOnce(&mut KvTester<I>) -> Verdict,
) -> Outcome {
    crate::tester::run(
        config.run_id(name, I::NAME),
        config,
        &Settings::defaults(),
        setup,
        body,
    )
}

/// Runs a sharded KV or shard controller test body on a fresh simulation, judging the
/// sharded clerks' history as [`run_kv`] does.
pub(crate) fn run_shard<I: Implementation>(
    name: &str,
    config: &RunConfig,
    setup: ShardSetup,
    body: impl FnOnce(&mut ShardTester<I>) -> Verdict,
) -> Outcome {
    crate::tester::run(
        config.run_id(name, I::NAME),
        config,
        &Settings::defaults(),
        setup,
        body,
    )
}

/// Declares KV scenarios, one named-field entry each (see `kv_3a.rs`), as the
/// module's `scenarios::<I>()` for any implementation `I`.
macro_rules! kv_scenarios {
    ($( $name:ident {
        part: $part:expr,
        servers: $servers:expr,
        unreliable: $unreliable:expr,
        maxraftstate: $max:expr,
        check_history: $check:expr,
        about: $desc:literal,
        body: $body:ident,
    } )*) => {
        /// This module's scenarios for implementation `I`, in the lab's order.
        pub fn scenarios<I: $crate::implementation::Implementation>() -> Vec<$crate::scenario::Scenario> {
            vec![$(
                $crate::scenario::Scenario {
                    name: stringify!($name),
                    part: $part,
                    implementation: I::NAME,
                    description: $desc,
                    run: {
                        fn run<I: $crate::implementation::Implementation>(
                            config: &$crate::scenario::RunConfig,
                        ) -> $crate::outcome::Outcome {
                            let setup = $crate::tester::kv::KvSetup {
                                servers: $servers,
                                unreliable: $unreliable,
                                maxraftstate: $max,
                                check_history: $check,
                                members: None,
                            };
                            super::run_kv::<I>(stringify!($name), config, setup, $body::<I>)
                        }
                        run::<I>
                    },
                },
            )*]
        }
    };
}
pub(crate) use kv_scenarios;

/// Declares sharded scenarios (the shard controller's and the sharded KV service's),
/// one named-field entry each (see `shardkv_4b.rs`), as the module's
/// `scenarios::<I>()`. Every group and the controller have 3 servers, as in the lab.
macro_rules! shard_scenarios {
    ($( $name:ident {
        part: $part:expr,
        groups: $groups:expr,
        unreliable: $unreliable:expr,
        maxraftstate: $max:expr,
        about: $desc:literal,
        body: $body:ident,
    } )*) => {
        /// This module's scenarios for implementation `I`, in the lab's order.
        pub fn scenarios<I: $crate::implementation::Implementation>() -> Vec<$crate::scenario::Scenario> {
            vec![$(
                $crate::scenario::Scenario {
                    name: stringify!($name),
                    part: $part,
                    implementation: I::NAME,
                    description: $desc,
                    run: {
                        fn run<I: $crate::implementation::Implementation>(
                            config: &$crate::scenario::RunConfig,
                        ) -> $crate::outcome::Outcome {
                            let setup = $crate::tester::shard::ShardSetup {
                                groups: $groups,
                                servers: 3,
                                ctrl_servers: 3,
                                unreliable: $unreliable,
                                maxraftstate: $max,
                                defect: None,
                            };
                            super::run_shard::<I>(stringify!($name), config, setup, $body::<I>)
                        }
                        run::<I>
                    },
                },
            )*]
        }
    };
}
pub(crate) use shard_scenarios;

/// Runs a Raft test body on a fresh cluster; the outcome carries its counters.
pub(crate) fn run_raft<I: Implementation>(
    name: &str,
    config: &RunConfig,
    setup: RaftSetup,
    body: impl FnOnce(&mut RaftTester<I>) -> Verdict,
) -> Outcome {
    crate::tester::run(
        config.run_id(name, I::NAME),
        config,
        &Settings::defaults(),
        setup,
        body,
    )
}

/// Declares Raft scenarios, one named-field entry each (see `raft_2a.rs`), as the
/// module's `scenarios::<I>()` for any implementation `I`.
macro_rules! raft_scenarios {
    ($( $name:ident {
        part: $part:expr,
        servers: $servers:expr,
        unreliable: $unreliable:expr,
        snapshot: $snapshot:expr,
        about: $desc:literal,
        body: $body:ident,
    } )*) => {
        /// This module's scenarios for implementation `I`, in the lab's order.
        pub fn scenarios<I: $crate::implementation::Implementation>() -> Vec<$crate::scenario::Scenario> {
            vec![$(
                $crate::scenario::Scenario {
                    name: stringify!($name),
                    part: $part,
                    implementation: I::NAME,
                    description: $desc,
                    run: {
                        fn run<I: $crate::implementation::Implementation>(
                            config: &$crate::scenario::RunConfig,
                        ) -> $crate::outcome::Outcome {
                            let setup = $crate::tester::RaftSetup {
                                servers: $servers,
                                unreliable: $unreliable,
                                snapshot: $snapshot,
                                members: None,
                            };
                            super::run_raft::<I>(stringify!($name), config, setup, $body::<I>)
                        }
                        run::<I>
                    },
                },
            )*]
        }
    };
}
pub(crate) use raft_scenarios;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timeline::LaneKind;
    use std::collections::BTreeMap;

    /// A Put, then a Get whose recorded output is corrupted to a value never written.
    type Ours = raft::Family;

    fn tampered(t: &mut KvTester<Ours>) -> Verdict {
        let ck = t.make_client(&t.all());
        t.put(ck, "k", "v")?;
        let got = t.get(ck, "k")?;
        assert_eq!(got, "v", "the service itself is right");
        let last = t.history_mut().last_mut().expect("two ops recorded");
        last.outcome = checker::Outcome::Returned {
            output: checker::KvOutput {
                value: "never written".into(),
            },
            at: last.outcome.return_time().expect("returned"),
        };
        Ok(())
    }

    #[test]
    fn run_kv_illegal_history_fails_with_its_html_view() {
        let setup = KvSetup {
            servers: 3,
            unreliable: false,
            maxraftstate: None,
            check_history: true,
            members: None,
        };
        let config = RunConfig {
            seed: 1,
            keep_trace: false,
            keep_history: false,
            schedule: None,
            unmonitored: false,
            ..RunConfig::default()
        };
        let o = run_kv::<Ours>("Tampered", &config, setup, tampered);
        assert_eq!(o.failure.as_deref(), Some("history is not linearizable"));
        let html = o.history_html.expect("an HTML view of the failing history");
        assert!(html.contains("<svg") && html.contains("never written"));
        let json = o.history_json.expect("the history as JSON");
        assert!(json.contains("\"never written\""));
    }

    #[test]
    fn run_kv_illegal_history_marks_its_first_illegal_operation_on_the_timeline() {
        let setup = KvSetup {
            servers: 3,
            unreliable: false,
            maxraftstate: None,
            check_history: true,
            members: None,
        };
        let config = RunConfig {
            seed: 1,
            keep_trace: true,
            ..RunConfig::default()
        };
        let o = run_kv::<Ours>("Tampered", &config, setup, tampered);
        let timeline = o.timeline.expect("a timeline with the trace");
        let failure = timeline.failure.as_ref().expect("a failure point");
        assert_eq!(failure.op, Some(1), "the tampered Get is the illegal one");
        assert!(
            failure.headline.contains("never written"),
            "{}",
            failure.headline
        );
        let get = &timeline.ops[1];
        assert_eq!((failure.time, failure.node), (get.call, Some(get.node)));
        let lanes: Vec<LaneKind> = timeline.lanes.iter().map(|l| l.kind).collect();
        assert_eq!(
            lanes,
            [
                LaneKind::Server,
                LaneKind::Server,
                LaneKind::Server,
                LaneKind::Client
            ]
        );
        // Without the trace there is no timeline, and the run is the same.
        let plain = run_kv::<Ours>(
            "Tampered",
            &RunConfig {
                seed: 1,
                ..RunConfig::default()
            },
            setup,
            tampered,
        );
        assert!(plain.timeline.is_none());
        assert_eq!(plain.trace_hash, o.trace_hash);
    }

    /// Every clerk's next call is recorded strictly after its previous return, in a
    /// real scenario with concurrent clients, partitions and an unreliable network.
    #[test]
    fn kv_history_calls_come_strictly_after_the_same_clients_return() {
        let config = RunConfig {
            seed: 3,
            keep_trace: false,
            keep_history: true,
            schedule: None,
            unmonitored: false,
            ..RunConfig::default()
        };
        let scenario = kv::<Ours>()
            .into_iter()
            .find(|s| s.name == "PersistPartitionUnreliable3A")
            .expect("registered");
        let outcome = (scenario.run)(&config);
        assert!(outcome.passed(), "{:?}", outcome.failure);
        let json = outcome.history_json.expect("history kept");
        let history = checker::parse_json::<checker::KvInput, checker::KvOutput>(&json, "h")
            .unwrap_or_else(|e| panic!("{e}"));
        let mut last: BTreeMap<u64, u64> = BTreeMap::new();
        let mut pairs = 0;
        for op in &history.ops {
            if let Some(&ret) = last.get(&op.client.0) {
                assert!(
                    op.call.0 > ret,
                    "client {} called at {} but returned at {ret}",
                    op.client.0,
                    op.call.0
                );
                pairs += 1;
            }
            if let Some(at) = op.outcome.return_time() {
                last.insert(op.client.0, at.0);
            }
        }
        assert!(pairs > 100, "only {pairs} consecutive pairs");
    }

    #[test]
    fn run_shard_illegal_history_fails_with_its_html_view() {
        fn tampered(t: &mut ShardTester<Ours>) -> Verdict {
            let ck = t.make_client(0);
            t.join(0)?;
            t.put(ck, "k", "v")?;
            assert_eq!(t.get(ck, "k")?, "v", "the service itself is right");
            let last = t.history_mut().last_mut().expect("two ops recorded");
            last.outcome = checker::Outcome::Returned {
                output: checker::KvOutput {
                    value: "never written".into(),
                },
                at: last.outcome.return_time().expect("returned"),
            };
            Ok(())
        }
        let setup = ShardSetup {
            groups: 1,
            servers: 3,
            ctrl_servers: 3,
            unreliable: false,
            maxraftstate: None,
            defect: None,
        };
        let o = run_shard::<Ours>("Tampered", &RunConfig::default(), setup, tampered);
        assert_eq!(o.failure.as_deref(), Some("history is not linearizable"));
        assert!(o.history_html.is_some_and(|h| h.contains("never written")));
        assert!(o.history_json.is_some_and(|j| j.contains("never written")));
    }

    #[test]
    fn run_kv_legal_history_passes_without_html() {
        fn body(t: &mut KvTester<Ours>) -> Verdict {
            let ck = t.make_client(&t.all());
            t.put(ck, "k", "v")?;
            t.check(ck, "k", "v")
        }
        let setup = KvSetup {
            servers: 3,
            unreliable: false,
            maxraftstate: None,
            check_history: true,
            members: None,
        };
        let o = run_kv::<Ours>("Legal", &RunConfig::default(), setup, body);
        assert!(o.passed(), "{:?}", o.failure);
        assert!(o.history_html.is_none());
        assert!(
            o.history_json.is_none(),
            "a passing run keeps no history unless asked"
        );
        let keep = RunConfig {
            keep_history: true,
            ..RunConfig::default()
        };
        let o = run_kv::<Ours>("Legal", &keep, setup, body);
        assert!(o.history_json.is_some_and(|j| j.contains("\"put\"")));
        assert!(o.metrics.iter().any(|(k, v)| k == "ops" && *v == 2.0));
    }
}
