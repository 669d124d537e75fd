//! What a run with recorded clerks adds to its outcome: the history judged by the
//! linearizability checker (an `Illegal` or `Unknown` verdict fails the run), the history
//! itself and the checker's HTML view, the operation metrics, and the clients' lanes
//! with their operations. The KV and sharded KV testers share it.

use super::recorder::{KvHistory, Recorder};
use super::rig::ClerkSuite;
use super::rig::Tester;
use crate::engine::{Instant, NetStats, NodeId};
use crate::outcome::{Blame, Failure, Lanes, Parts, Verdict};
use crate::scenario::RunConfig;
use crate::timeline::ClientOp;
use std::collections::BTreeMap;

/// The parts of a finished run of a clerk suite: its history judged (unless `check` is
/// off), with the scenario's metrics and the clients' lanes .
pub fn clerk_parts<S: ClerkSuite>(
    t: &mut Tester<S>,
    scenario: &str,
    config: &RunConfig,
    check: bool,
    verdict: Verdict,
) -> Parts {
    let metrics = std::mem::take(&mut t.metrics);
    let history = HistoryRun {
        scenario,
        config,
        recorder: t.suite.recorder(),
        check,
        lanes: t.sim.trace().keeps_text(),
        total: t.sim.net().total(),
    };
    history.parts(verdict, metrics)
}

/// How a run's recorded history is to be judged and reported.
struct HistoryRun<'a> {
    /// The scenario (the title of the checker's HTML view).
    scenario: &'a str,
    /// What the run was asked to keep.
    config: &'a RunConfig,
    /// The clerks and their history.
    recorder: &'a Recorder,
    /// Judge the history (on in every scenario; see `KvSetup::check_history`).
    check: bool,
    /// Draw the clients' lanes (only when the run keeps a timeline).
    lanes: bool,
    /// The network's totals, for messages and bytes per operation.
    total: NetStats,
}

impl HistoryRun<'_> {
    /// The run's parts: `verdict` with the history's judgement folded in, the history
    /// (when kept or failed) and the HTML view, the scenario's `metrics` followed by
    /// operations, messages and bytes per operation, and the clients' lanes.
    fn parts(&self, verdict: Verdict, metrics: Vec<(String, f64)>) -> Parts {
        let history = self.recorder.history();
        let judged = judge(self.scenario, history, self.check);
        let verdict = match judged.failure {
            Some(failure) => verdict.and(Err(failure)),
            None => verdict,
        };
        let history_json = match self.config.keep_history || verdict.is_err() {
            true => checker::to_json("kv", history).ok(),
            false => None,
        };
        let lanes = match self.lanes {
            true => client_lanes(&self.recorder.clerks(), history),
            false => Lanes::default(),
        };
        Parts {
            verdict,
            blame: judged.illegal.map_or(Blame::End, Blame::Operation),
            history_json,
            history_html: judged.html,
            metrics: op_metrics(metrics, history, self.total),
            lanes,
        }
    }
}

/// The checker's judgement of a history.
struct Judgement {
    failure: Option<Failure>,
    html: Option<String>,
    /// The first illegal operation (an index into the history), when illegal.
    illegal: Option<usize>,
}

/// Judges `history` unless `check` is off: `Illegal` fails with the checker's HTML
/// view, `Unknown` fails because a verdict that depends on the machine is no verdict.
fn judge(name: &str, history: &KvHistory, check: bool) -> Judgement {
    let none = Judgement {
        failure: None,
        html: None,
        illegal: None,
    };
    if !check {
        return none;
    }
    let model = checker::KvModel::new();
    let options = checker::CheckOptions {
        timeout: None,
        parallel: false,
        ..checker::CheckOptions::default()
    };
    let result = checker::check_operations(&model, history, &options);
    match result.verdict {
        checker::Verdict::Ok => none,
        checker::Verdict::Illegal => Judgement {
            failure: Some(Failure("history is not linearizable".into())),
            html: Some(checker::to_html(&model, history, &result, name)),
            // A read no write can produce is decided before any search (the checker's
            // `impossible`); otherwise the first operation the search could not place.
            illegal: result.explain_first_failure(&model, history).and_then(|e| {
                e.impossible
                    .map(|i| i.op)
                    .or_else(|| e.rejected.first().map(|r| r.op))
            }),
        },
        checker::Verdict::Unknown => Judgement {
            failure: Some(Failure(
                "linearizability check gave up (cache limit): the history is too hard to judge"
                    .into(),
            )),
            html: None,
            illegal: None,
        },
    }
}

/// The scenario's metrics, then operations, messages and bytes per operation.
fn op_metrics(
    mut metrics: Vec<(String, f64)>,
    history: &KvHistory,
    total: NetStats,
) -> Vec<(String, f64)> {
    let ops = history
        .iter()
        .filter(|op| op.outcome.return_time().is_some())
        .count();
    metrics.push(("ops".into(), ops as f64));
    if ops > 0 {
        metrics.push(("messages_per_op".into(), total.sent as f64 / ops as f64));
        metrics.push(("bytes_per_op".into(), total.bytes_sent as f64 / ops as f64));
    }
    metrics
}

/// The clients as lanes (`client 3`) with their operations, in history order.
fn client_lanes(clerks: &[(NodeId, u64)], history: &KvHistory) -> Lanes {
    let model = checker::KvModel::new();
    let clients: BTreeMap<u64, NodeId> = clerks.iter().map(|&(n, c)| (c, n)).collect();
    Lanes {
        clients: clerks
            .iter()
            .map(|&(node, client)| (node, format!("client {client}")))
            .collect(),
        ops: history
            .iter()
            .filter_map(|op| {
                Some(ClientOp {
                    node: *clients.get(&op.client.0)?,
                    call: Instant(op.call.0),
                    ret: op.outcome.return_time().map(|at| Instant(at.0)),
                    text: checker::Model::describe_operation(&model, &op.input, op.output()),
                })
            })
            .collect(),
        ..Lanes::default()
    }
}
