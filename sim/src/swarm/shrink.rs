//! Shrinking a failing swarm run: smaller schedules are tried, and kept while they fail
//! the same way, until none of the reductions below still fails.
//!
//! A candidate is a whole deterministic run, so its verdict is stable. The reductions,
//! tried in this order at each round: cut the fault phase short (keep the first half of
//! the faults, or half the span), drop one fault, fewer servers (7 to 5 to 3, dropping
//! what names the others), fewer servers per crash, shorter downtimes, fewer flaps, a
//! plainer network (no loss, duplication, delay or long reordering), a shorter trap
//! window, fewer servers the deaf leader does not reach, each knob back to the
//! implementation's default, each server's clock back to true time or without its
//! jumps. A membership run's configuration changes shrink like faults: the first half
//! kept, or one dropped (each keeps its time and number, see
//! [`super::change_schedule`]); its servers do not (the initial voters and the spare
//! slots are its topology).

use super::profile::Workload;
use super::schedule::{Fault, Plan};

/// The failure class a reduction must keep: the property a monitor names, "no
/// progress during faults" (before the final heal), "no progress" (after it), "not linearizable", "internal error" (a limit of the simulator, which no
/// Raft failure matches), or else the reason's first words.
pub fn signature(reason: &str) -> String {
    if let Some(rest) = reason.strip_prefix("safety violation: ") {
        return rest.split(" at event").next().unwrap_or(rest).to_string();
    }
    for class in [
        "no progress during faults",
        "no progress",
        "history is not linearizable",
        "panicked",
        "nondeterministic",
        "internal error",
    ] {
        if reason.starts_with(class) {
            return class.to_string();
        }
    }
    reason
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ")
}

/// What shrinking found.
#[derive(Clone, Debug)]
pub struct Shrunk {
    /// The smallest failing plan found.
    pub plan: Plan,
    /// Its failure's reason.
    pub reason: String,
    /// Candidate runs made.
    pub runs: usize,
}

/// Shrinks `plan`, which fails with `reason`, using `run` to judge candidates (`Some`
/// reason when a candidate fails); at most `budget` candidate runs.
pub fn shrink(
    plan: Plan,
    reason: String,
    budget: usize,
    run: &mut dyn FnMut(&Plan) -> Option<String>,
) -> Shrunk {
    let wanted = signature(&reason);
    let mut best = Shrunk {
        plan,
        reason,
        runs: 0,
    };
    'round: loop {
        for candidate in candidates(&best.plan) {
            if best.runs >= budget {
                break 'round;
            }
            if candidate.validate().is_err() || candidate.size() >= best.plan.size() {
                continue;
            }
            best.runs += 1;
            if let Some(why) = run(&candidate) {
                if signature(&why) == wanted {
                    best.plan = candidate;
                    best.reason = why;
                    continue 'round;
                }
            }
        }
        break;
    }
    best
}

/// Every one-step reduction of `plan`, biggest first.
pub fn candidates(plan: &Plan) -> Vec<Plan> {
    let mut out = Vec::new();
    let with = |f: &dyn Fn(&mut Plan)| {
        let mut p = plan.clone();
        f(&mut p);
        p
    };
    let n_faults = plan.faults.len();
    if n_faults > 1 {
        out.push(with(&|p| p.faults.truncate(n_faults / 2)));
    }
    if plan.profile.span_ms > 1_000 {
        out.push(with(&|p| {
            p.profile.span_ms /= 2;
            let span = p.profile.span_ms;
            p.faults.retain(|s| s.at_ms < span);
            p.changes.retain(|c| c.at_ms < span);
        }));
    }
    let n_changes = plan.changes.len();
    if n_changes > 1 {
        out.push(with(&|p| p.changes.truncate(n_changes / 2)));
    }
    for k in (0..n_changes).rev() {
        out.push(with(&|p| {
            p.changes.remove(k);
        }));
    }
    for k in (0..n_faults).rev() {
        out.push(with(&|p| {
            p.faults.remove(k);
        }));
    }
    // A shardkv or membership run's topology is fixed.
    let fixed = matches!(
        plan.profile.workload,
        Workload::Shardkv | Workload::Membership
    );
    if plan.profile.servers > 3 && !fixed {
        out.push(with(&|p| fewer_servers(p, p.profile.servers - 2)));
    }
    for k in 0..n_faults {
        out.extend(smaller_fault(&plan.faults[k].fault).into_iter().map(|f| {
            let mut p = plan.clone();
            p.faults[k].fault = f;
            p
        }));
    }
    let p = &plan.profile;
    if p.loss > 0.0 || p.duplicate > 0.0 || p.delay_ms_max > 0 || p.long_reordering {
        out.push(with(&|p| {
            p.profile.loss = 0.0;
            p.profile.duplicate = 0.0;
            p.profile.delay_ms_max = 0;
            p.profile.long_reordering = false;
        }));
    }
    // Each knob back to the implementation's default.
    for (name, _) in plan.profile.knobs.iter() {
        out.push(with(&|p| p.profile.knobs.unset(name)));
    }
    // Each server's clock back to true time, or kept without its jumps.
    for k in (0..plan.clocks.len()).rev() {
        out.push(with(&|p| {
            p.clocks.remove(k);
        }));
        if !plan.clocks[k].jumps.is_empty() {
            out.push(with(&|p| p.clocks[k].jumps.clear()));
        }
    }
    out
}

/// The cluster cut to `n` servers: faults that name a removed server lose it, or go.
fn fewer_servers(p: &mut Plan, n: usize) {
    p.profile.servers = n;
    p.clocks.retain(|c| c.server < n);
    let keep = |i: &usize| *i < n;
    p.faults.retain_mut(|s| match &mut s.fault {
        Fault::Partition { sides } => {
            for side in sides.iter_mut() {
                side.retain(keep);
            }
            sides.retain(|side| !side.is_empty());
            sides.len() > 1
        }
        Fault::Bridge {
            bridge,
            left,
            right,
        } => {
            left.retain(keep);
            right.retain(keep);
            *bridge < n && !left.is_empty() && !right.is_empty()
        }
        Fault::Crash { nodes, .. } => {
            nodes.retain(|t| !matches!(t, super::schedule::Target::Node(i) if *i >= n));
            !nodes.is_empty()
        }
        Fault::DeafLeader { unheard } => {
            *unheard = (*unheard).min(n.saturating_sub(1));
            true
        }
        _ => s.fault.nodes().iter().all(keep),
    });
}

/// Smaller versions of one fault.
fn smaller_fault(f: &Fault) -> Vec<Fault> {
    match f {
        Fault::Crash { nodes, down_ms } => {
            let mut v = Vec::new();
            if nodes.len() > 1 {
                for k in 0..nodes.len() {
                    let mut fewer = nodes.clone();
                    fewer.remove(k);
                    v.push(Fault::Crash {
                        nodes: fewer,
                        down_ms: *down_ms,
                    });
                }
            }
            if *down_ms > 10 {
                v.push(Fault::Crash {
                    nodes: nodes.clone(),
                    down_ms: down_ms / 2,
                });
            }
            v
        }
        Fault::Trap {
            node,
            on,
            within_ms,
            down_ms,
        } => {
            let mut v = Vec::new();
            if *down_ms > 1 {
                v.push(Fault::Trap {
                    node: *node,
                    on: *on,
                    within_ms: *within_ms,
                    down_ms: down_ms / 2,
                });
            }
            if *within_ms > 100 {
                v.push(Fault::Trap {
                    node: *node,
                    on: *on,
                    within_ms: within_ms / 2,
                    down_ms: *down_ms,
                });
            }
            v
        }
        Fault::Flap {
            a,
            b,
            period_ms,
            times,
        } if *times > 1 => vec![Fault::Flap {
            a: *a,
            b: *b,
            period_ms: *period_ms,
            times: times / 2,
        }],
        Fault::Network {
            loss,
            duplicate,
            delay_ms_max,
            long_reordering,
        } if *loss > 0.0 || *duplicate > 0.0 || *delay_ms_max > 0 || *long_reordering => {
            vec![Fault::Heal]
        }
        Fault::DeafLeader { unheard } if *unheard > 0 => vec![Fault::DeafLeader {
            unheard: unheard / 2,
        }],
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::swarm::schedule::{Scheduled, Target};
    use crate::swarm::Workload;

    #[test]
    fn signature_keeps_the_property_or_the_failure_class() {
        assert_eq!(
            signature("safety violation: Election Safety at event 9 (nodes n1, n2): x"),
            "Election Safety"
        );
        assert_eq!(signature("no progress: a fresh command ..."), "no progress");
        assert_eq!(
            signature("no progress during faults: servers [0, 1, 2] ..."),
            "no progress during faults"
        );
        assert_eq!(
            signature("one(5) failed to reach agreement"),
            "one(5) failed to"
        );
    }

    /// A stand-in for a real run: the plan "fails" while it still crashes server 2.
    fn fails_while_server_2_crashes(p: &Plan) -> Option<String> {
        let crashes_2 = p.faults.iter().any(
            |s| matches!(&s.fault, Fault::Crash { nodes, .. } if nodes.contains(&Target::Node(2))),
        );
        crashes_2.then(|| "safety violation: Durability at event 1 (nodes n2): lost".to_string())
    }

    #[test]
    fn shrink_membership_drops_the_changes_the_failure_does_not_need_and_keeps_its_slots() {
        let plan = (0..)
            .map(|seed| Plan::generate(Workload::Membership, "ours", raft::config::KNOBS, seed))
            .find(|p| p.changes.len() >= 4)
            .expect("a plan with 4 changes");
        let needed = plan.changes[plan.changes.len() / 2];
        let mut fails = |p: &Plan| {
            let has = p.changes.contains(&needed);
            has.then(|| "no progress: the change at the middle".to_string())
        };
        let reason = fails(&plan).expect("fails");
        let shrunk = shrink(plan.clone(), reason, 1_000, &mut fails);
        assert_eq!(shrunk.plan.changes, vec![needed]);
        assert!(shrunk.plan.faults.is_empty(), "{:?}", shrunk.plan.faults);
        assert_eq!(
            (shrunk.plan.profile.servers, shrunk.plan.profile.members),
            (plan.profile.servers, plan.profile.members),
            "a membership run keeps its slots"
        );
        assert!(shrunk.plan.validate().is_ok());
    }

    #[test]
    fn shrink_keeps_only_what_the_failure_needs() {
        let mut plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 7);
        plan.profile.servers = 7;
        plan.faults.push(Scheduled {
            at_ms: plan.profile.span_ms - 1,
            fault: Fault::Crash {
                nodes: vec![Target::Node(5), Target::Node(2), Target::Node(6)],
                down_ms: 4_000,
            },
        });
        let before = plan.size();
        let reason = fails_while_server_2_crashes(&plan).expect("fails");
        let shrunk = shrink(plan, reason, 1_000, &mut fails_while_server_2_crashes);
        assert!(shrunk.plan.size() < before);
        assert_eq!(shrunk.plan.faults.len(), 1, "{:?}", shrunk.plan.faults);
        assert_eq!(shrunk.plan.profile.servers, 3);
        match &shrunk.plan.faults[0].fault {
            Fault::Crash { nodes, down_ms } => {
                assert_eq!(nodes, &vec![Target::Node(2)]);
                assert!(*down_ms <= 10, "downtime {down_ms}");
            }
            other => panic!("kept {other:?}"),
        }
        assert!(shrunk.plan.validate().is_ok());
    }

    #[test]
    fn shrink_puts_knobs_back_and_plains_the_network_when_the_failure_does_not_need_them() {
        let mut plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 7);
        plan.profile.knobs.set("entries_per_message", 2);
        plan.profile.knobs.set("heartbeat_ms", 150);
        plan.profile.loss = 0.1;
        let needs_small_appends = |p: &Plan| {
            (p.profile.knobs.get("entries_per_message") == Some(2))
                .then(|| "no progress: x".to_string())
        };
        let mut run = needs_small_appends;
        let shrunk = shrink(plan, "no progress: x".into(), 1_000, &mut run);
        let knobs: Vec<(&str, u64)> = shrunk.plan.profile.knobs.iter().collect();
        assert_eq!(
            knobs,
            vec![("entries_per_message", 2)],
            "only the knob it needs"
        );
        assert_eq!(shrunk.plan.profile.loss, 0.0, "a plainer network");
    }

    #[test]
    fn shrink_of_a_failure_that_needs_everything_changes_nothing() {
        let plan = Plan::generate(Workload::Kv, "ours", raft::config::KNOBS, 3);
        let size = plan.size();
        let whole = plan.clone();
        let mut only_whole = |p: &Plan| (*p == whole).then(|| "no progress: x".to_string());
        let shrunk = shrink(plan, "no progress: x".into(), 50, &mut only_whole);
        assert_eq!(shrunk.plan.size(), size);
        assert!(shrunk.runs <= 50);
    }
}
