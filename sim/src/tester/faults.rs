//! What fault injection needs of a tester, whatever runs on it (Raft servers alone, KV
//! servers and their clerks, or the controllers and groups of the sharded service): its
//! servers, who leads, and crash and restart that keep the tester's bookkeeping right.
//! Servers are numbered cluster by cluster in start order, each in peer order; clerks
//! are not servers.

use super::rig::Suite;
use super::rig::Tester;
use crate::engine::NodeId;
use crate::outcome::Verdict;

impl<S: Suite> Tester<S> {
    /// The servers' engine ids, server `i` at position `i`.
    pub fn server_ids(&self) -> Vec<NodeId> {
        self.clusters.all_servers().collect()
    }

    /// The engine id of server `i`.
    ///
    /// # Panics
    /// If there is no server `i`.
    pub fn server_id(&self, i: usize) -> NodeId {
        self.clusters
            .server(i)
            .unwrap_or_else(|| panic!("no server {i}"))
    }

    /// The first server that believes it leads, if any.
    pub fn leader_index(&self) -> Option<usize> {
        self.clusters.all_servers().position(|id| self.leads(id))
    }

    /// True when server `id` is up and believes it leads.
    pub fn leads(&self, id: NodeId) -> bool {
        self.sim
            .node(id)
            .and_then(|n| S::visit(n, |raft, _| raft.leads()))
            .unwrap_or(false)
    }

    /// Crashes server `i` (its links stay as they are; a crashed server's are moot).
    pub fn crash_server(&mut self, i: usize) {
        let id = self.server_id(i);
        self.sim.crash(id);
    }

    /// Restarts server `i` from its disk if it is down, keeping its links.
    ///
    /// # Errors
    /// A check or monitor that fails on the restarted server (Durability is checked at a
    /// restart).
    pub fn restart_server(&mut self, i: usize) -> Verdict {
        let id = self.server_id(i);
        if self.sim.is_alive(id) {
            return Ok(());
        }
        S::restart(self, id)
    }

    /// Server `i`'s state on one line (term, role, log, commit), for a report.
    pub fn describe(&self, i: usize) -> String {
        S::describe(self, self.server_id(i))
    }
}
