//! What the testers add to a run's timeline: the servers' and clients' lanes, the
//! client operations of a KV history, and the failure point (a monitor's violation or
//! the checker's first illegal operation).

use crate::cluster::kv_tester::KvHistory;
use crate::engine::{Instant, NodeId};
use crate::monitor::{Monitors, Violation};
use crate::scenario::{headline, Outcome};
use crate::timeline::{ClientOp, FailurePoint, LaneKind, Timeline};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The outcome's timeline, if the trace was kept, with the servers' lanes named and,
/// after a monitor's violation, the failure marked at its event and node.
pub(crate) fn timeline_of<'a>(
    outcome: &'a mut Outcome,
    servers: &[NodeId],
    violation: Option<(&Violation, Option<NodeId>)>,
) -> Option<&'a mut Timeline> {
    let timeline = Arc::get_mut(outcome.timeline.as_mut()?).expect("a fresh timeline");
    for &node in servers {
        timeline.set_lane(node, LaneKind::Server, node.to_string());
    }
    if let Some((v, node)) = violation {
        // The run stops at a violation: found after its last event, it is at its end.
        let time = match v.event >= timeline.events {
            true => timeline.end,
            false => timeline.time_of_event(v.event),
        };
        timeline.failure = Some(FailurePoint {
            time,
            event: v.event,
            headline: headline(&format!("{}: {}", v.property, v.detail)),
            node,
            op: None,
        });
    }
    Some(timeline)
}

/// The monitors' violation with the engine node it names first, for a cluster whose
/// Raft peer ids are its engine node ids (the Raft and KV testers' servers come first).
pub(crate) fn engine_violation(monitors: &Monitors) -> Option<(&Violation, Option<NodeId>)> {
    monitors.violation().map(|v| (v, v.nodes.first().copied()))
}

/// A KV run's clients as lanes with their operations; when the checker found the
/// history illegal (and nothing failed before), the failure is its first illegal
/// operation (`illegal`, an index into the history).
pub(crate) fn kv_lanes(
    timeline: &mut Timeline,
    clerks: &[(NodeId, u64)],
    history: &KvHistory,
    illegal: Option<usize>,
) {
    let model = checker::KvModel::new();
    let mut clients: BTreeMap<u64, NodeId> = BTreeMap::new();
    for &(node, client) in clerks {
        timeline.set_lane(node, LaneKind::Client, format!("client {client}"));
        clients.insert(client, node);
    }
    timeline.ops = history
        .iter()
        .filter_map(|op| {
            Some(ClientOp {
                node: *clients.get(&op.client.0)?,
                call: Instant(op.call.0),
                ret: op.outcome.return_time().map(|at| Instant(at.0)),
                text: checker::Model::describe_operation(&model, &op.input, op.output()),
            })
        })
        .collect();
    if let Some(k) = illegal {
        let op = &timeline.ops[k];
        timeline.failure = Some(FailurePoint {
            time: op.call,
            event: timeline.event_at(op.call),
            headline: headline(&format!(
                "history is not linearizable: first illegal operation {}",
                op.text
            )),
            node: Some(op.node),
            op: Some(k),
        });
    }
}
