//! What fault injection needs of a tester's cluster, whatever runs on it (Raft servers
//! alone, or KV servers and their clerks): its servers, who leads, and crash and restart
//! that keep the tester's bookkeeping right.

use super::scheduler::Harness;
use crate::engine::NodeId;
use crate::scenario::Verdict;

/// A tester whose servers faults can hit.
pub trait FaultTarget: Harness + Sized + 'static {
    /// The servers' engine ids, server `i` at position `i` (clerks are not servers).
    fn server_ids(&self) -> Vec<NodeId>;

    /// The first server that believes it leads, if any.
    fn leader_index(&self) -> Option<usize>;

    /// Crashes server `i` (its links stay as they are; a crashed server's are moot).
    fn crash_server(&mut self, i: usize);

    /// Restarts server `i` from its disk if it is down, keeping its links.
    ///
    /// # Errors
    /// A check or monitor that fails on the restarted server (Durability is checked
    /// at a restart).
    fn restart_server(&mut self, i: usize) -> Verdict;

    /// The trap armed on this cluster.
    fn trap(&mut self) -> &mut Option<super::trap::Trap>;

    /// Server `i`'s state on one line (term, role, log, commit), for a report.
    fn describe(&self, i: usize) -> String;
}
