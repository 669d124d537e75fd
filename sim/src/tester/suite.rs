//! What a tester adds to the core: the [`Suite`] trait that the Raft, KV and sharded KV
//! testers implement with only what is their own (how their nodes report outputs, how a
//! server is read, restarted and described, what their run adds to its outcome).

use super::rig::Tester;
use crate::engine::{Context, Node, NodeId};
use crate::monitor::observed::Observed;
use crate::monitor::RaftRead;
use crate::outcome::{Parts, Verdict};
use crate::scenario::RunConfig;
use raft_contract::{Command, LogIndex, RaftNode, Status, Term};
use std::marker::PhantomData;

/// A tester's own part: its nodes, its bookkeeping and its checks. The core
/// ([`Tester`]) owns the simulation, the RNG, the tasks, the monitors and the trap, and
/// calls these at the points where a tester differs.
pub trait Suite: Sized + 'static {
    /// The simulated nodes (servers, and clerks where there are any).
    type Node: Node;
    /// How a scenario asks for its cluster to be built.
    type Setup;

    /// A fresh simulation built as `setup` asks: nodes added, clusters watched, links up.
    fn build(seed: u64, keep_trace: bool, setup: Self::Setup) -> Tester<Self>;

    /// Takes in the outputs the nodes reported (checking applied items, recording
    /// returned operations).
    ///
    /// # Errors
    /// The first failure the checks found.
    fn absorb_outputs(t: &mut Tester<Self>) -> Verdict;

    /// True when `node` has an output waiting for a task ([`super::Wake::Output`]).
    fn output_ready(t: &Tester<Self>, node: NodeId) -> bool;

    /// Calls `f` with the Raft of `node` and what its last handler did, if `node` is a
    /// Raft server.
    fn visit<R>(node: &Self::Node, f: impl FnOnce(&dyn RaftRead, &Observed) -> R) -> Option<R>;

    /// Restarts crashed server `id` from its disk, with the tester's bookkeeping.
    ///
    /// # Errors
    /// A check or monitor that fails on the restarted server (Durability is checked at a
    /// restart).
    fn restart(t: &mut Tester<Self>, id: NodeId) -> Verdict;

    /// Server `id`'s state on one line (term, role, log, commit), for a report.
    fn describe(t: &Tester<Self>, id: NodeId) -> String;

    /// What the finished run adds to its outcome: its verdict with the history judged,
    /// the history, the metrics and the clients' lanes (the core adds the servers').
    fn report(t: &mut Tester<Self>, scenario: &str, config: &RunConfig, verdict: Verdict) -> Parts;
}

/// A suite whose clerks speak the KV operations and whose history records them: the KV
/// tester and the sharded KV tester.
pub trait ClerkSuite: Suite {
    /// The history of the clerks' operations.
    fn recorder(&self) -> &super::recorder::Recorder;

    /// The history, to record in.
    fn recorder_mut(&mut self) -> &mut super::recorder::Recorder;

    /// Hands `op` to the clerk node `clerk`.
    fn begin_on(clerk: &mut Self::Node, ctx: &mut Context<'_, Self::Node>, op: kvraft::Op);
}

/// A Raft node of any command type, as the core reads it.
pub struct Reading<'a, C, R> {
    raft: &'a R,
    command: PhantomData<fn() -> C>,
}

/// Reads `raft` (of command type `C`) through [`RaftRead`].
pub fn reading<C: Command, R: RaftNode<C>>(raft: &R) -> Reading<'_, C, R> {
    Reading {
        raft,
        command: PhantomData,
    }
}

impl<C: Command, R: RaftNode<C>> RaftRead for Reading<'_, C, R> {
    fn status(&self) -> Status {
        self.raft.status()
    }

    fn log_term(&self, index: LogIndex) -> Option<Term> {
        self.raft.log_term(index)
    }

    fn leads(&self) -> bool {
        self.raft.state().1
    }
}
