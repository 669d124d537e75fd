//! A KV run's history judged by the linearizability checker, and the run's outcome
//! packaged with it: the verdict, the history, the checker's HTML view and the metrics.

use crate::cluster::kv_tester::KvHistory;
use crate::scenario::{Failure, Outcome, RunConfig, Verdict};

/// A run's verdict with the checker's judgement of its history folded in.
pub(crate) struct Judged {
    pub(crate) verdict: Verdict,
    html: Option<String>,
    /// The checker's first illegal operation (an index into the history), when the
    /// history is illegal.
    illegal: Option<usize>,
    /// Whether the run had failed before its history was judged.
    body_failed: bool,
}

impl Judged {
    /// Judges `history` (unless `check` is off) and folds the result into `verdict`:
    /// `Illegal` or `Unknown` fails the run, `Illegal` with the checker's HTML view.
    pub(crate) fn of(name: &str, history: &KvHistory, check: bool, verdict: Verdict) -> Judged {
        let body_failed = verdict.is_err();
        if !check {
            return Judged {
                verdict,
                html: None,
                illegal: None,
                body_failed,
            };
        }
        let result = checker::check_operations(
            &checker::KvModel::new(),
            history,
            &checker::CheckOptions {
                timeout: None,
                parallel: false,
                ..checker::CheckOptions::default()
            },
        );
        match result.verdict {
            checker::Verdict::Ok => Judged {
                verdict,
                html: None,
                illegal: None,
                body_failed,
            },
            checker::Verdict::Illegal => Judged {
                verdict: verdict.and(Err(Failure("history is not linearizable".into()))),
                html: Some(checker::to_html(
                    &checker::KvModel::new(),
                    history,
                    &result,
                    name,
                )),
                illegal: result
                    .explain_first_failure(&checker::KvModel::new(), history)
                    .and_then(|e| e.rejected.first().map(|r| r.op)),
                body_failed,
            },
            checker::Verdict::Unknown => {
                let why =
                    "linearizability check gave up (cache limit): the history is too hard to judge";
                Judged {
                    verdict: verdict.and(Err(Failure(why.into()))),
                    html: None,
                    illegal: None,
                    body_failed,
                }
            }
        }
    }

    /// The checker's first illegal operation, which is the run's failure point only
    /// when nothing failed before the history was judged.
    pub(crate) fn failing_op(&self) -> Option<usize> {
        self.illegal.filter(|_| !self.body_failed)
    }

    /// The outcome with the verdict, the history (when kept or failed), the HTML view
    /// and the metrics: the scenario's own, then operations, messages and bytes per
    /// operation.
    pub(crate) fn package(
        self,
        mut outcome: Outcome,
        config: &RunConfig,
        history: &KvHistory,
        metrics: Vec<(String, f64)>,
        total: crate::engine::NetStats,
    ) -> Outcome {
        outcome.failure = self.verdict.err().map(|f| f.0);
        if config.keep_history || !outcome.passed() {
            outcome.history_json = checker::to_json("kv", history).ok();
        }
        outcome.history_html = self.html;
        outcome.metrics = metrics;
        let ops = history
            .iter()
            .filter(|op| op.outcome.return_time().is_some())
            .count();
        outcome.metrics.push(("ops".into(), ops as f64));
        if ops > 0 {
            outcome
                .metrics
                .push(("messages_per_op".into(), total.sent as f64 / ops as f64));
            outcome
                .metrics
                .push(("bytes_per_op".into(), total.bytes_sent as f64 / ops as f64));
        }
        outcome
    }
}
