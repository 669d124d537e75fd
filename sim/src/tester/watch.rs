//! Calling into a node from outside, and watching a server after every event it handles:
//! its cluster's safety monitors, then the trap armed on it, which crashes it right
//! after the handler that springs it and restarts it once its time down is over.

use super::rig::{Suite, Tester};
use super::tasks::{Task, Wake};
use crate::engine::{Context, NodeId};
use crate::monitor::lease_safety::TrueLease;
use crate::monitor::observed::Observed;
use crate::monitor::Handled;
use crate::outcome::{Failure, Verdict};
use raft_contract::{Status, Term};

impl<S: Suite> Tester<S> {
    /// Calls into a node from outside and watches it afterwards, as after an event.
    /// `None` when the node is down.
    ///
    /// # Errors
    /// A monitor's violation in the node after the call.
    pub fn with_node<R>(
        &mut self,
        node: NodeId,
        f: impl FnOnce(&mut S::Node, &mut Context<'_, S::Node>) -> R,
    ) -> Result<Option<R>, Failure> {
        let result = self.sim.with_node(node, f);
        if result.is_some() {
            self.watch(node)?;
        }
        Ok(result)
    }

    /// Checks the server that just handled an event with its cluster's monitors, then
    /// the trap, if one is armed. Clerks and crashed nodes are not checked.
    ///
    /// # Errors
    /// The violation found.
    pub fn watch(&mut self, node: NodeId) -> Verdict {
        let Some(member) = self.clusters.member(node) else {
            return Ok(());
        };
        let Some(n) = self.sim.node(node) else {
            return Ok(());
        };
        let (incarnation, event) = (self.sim.incarnation(node), self.sim.events());
        let trace = self.sim.trace().text();
        let clusters = &mut self.clusters;
        let trapped = self.trap.is_some();
        let sim = &self.sim;
        let seen = S::visit(n, |raft, observed| {
            // Leases come in the node's clock; Lease Safety judges them in true time.
            let leases: Vec<TrueLease> = (observed.leases.iter())
                .map(|l| TrueLease {
                    term: l.term,
                    from: sim.true_at(node, l.from),
                    until: sim.true_at(node, l.until),
                })
                .collect();
            let handled = Handled {
                raft,
                observed,
                leases: &leases,
            };
            let verdict = clusters.watch(member, node, incarnation, event, &handled, trace);
            let sprung = trapped.then(|| {
                let status = raft.status();
                let last_term = raft.log_term(status.last_index);
                (status, last_term, observed.clone())
            });
            (verdict, sprung)
        });
        let Some((verdict, sprung)) = seen else {
            return Ok(());
        };
        verdict?;
        match sprung {
            Some((status, last_term, observed)) => {
                spring_trap(self, node, &status, last_term, &observed)
            }
            None => Ok(()),
        }
    }
}

/// Checks the trap on a tester after server `node` handled an event, given its status
/// and what its handler did, and springs it: the server crashes now and a task restarts
/// it once the trap's time down is over.
///
/// # Errors
/// None here (the restart is a task that runs later); the signature leaves room for one.
fn spring_trap<S: Suite>(
    t: &mut Tester<S>,
    node: NodeId,
    status: &Status,
    last_term: Option<Term>,
    observed: &Observed,
) -> Verdict {
    let now = t.sim.now();
    let Some(trap) = t.trap.as_mut() else {
        return Ok(());
    };
    if now > trap.until {
        t.trap = None;
        return Ok(());
    }
    let server = trap.server;
    if t.clusters.server(server) != Some(node) {
        return Ok(());
    }
    let saves = t.sim.disk(node).saves();
    let trap = t.trap.as_mut().expect("armed");
    if !trap.springs(status, last_term, observed, saves) {
        return Ok(());
    }
    let down = trap.down;
    t.trap = None;
    t.sim
        .note(|| format!("trap: crash server {server} right after this event"));
    t.crash_server(server);
    t.spawn_at(now + down, Restart { server });
    Ok(())
}

/// Restarts a server at its wake time.
pub struct Restart {
    /// The server.
    pub server: usize,
}

impl<S: Suite> Task<Tester<S>> for Restart {
    fn poll(&mut self, t: &mut Tester<S>) -> Result<Wake, Failure> {
        t.restart_server(self.server)?;
        Ok(Wake::Done)
    }
}
