//! Membership changes (Raft thesis chapter 4): single-server changes with learners.
//!
//! A leader changes the configuration one server at a time (§4.1): any majority of the
//! old voters and any majority of the new ones then share a server, so no two leaders
//! of one term can each count on a majority of their own. A change is a configuration
//! entry in the log, in effect at each server as soon as the entry is in its log,
//! committed or not, and gone again if the entry is truncated (`log.rs` keeps track).
//! The leader guards its changes:
//! - one at a time: none while the last configuration entry has not committed (§4.1);
//! - none before an entry of its own term has committed: until then its log may lack a
//!   change that an earlier leader made and committed to a majority of a configuration
//!   it does not know (Ongaro, raft-dev 2015);
//! - a new server first joins as a learner, which receives the log but does not vote,
//!   and becomes a voter only once it has caught up with the commit index (§4.2.1), so
//!   that it does not stall commits while it catches up.
//!
//! A leader that removes itself leads on, without counting itself, until the change
//! commits, then steps down (§4.2.2; `replication.rs`). A server that is no voter of its
//! configuration never starts an election (`node.rs`), and once a configuration came
//! from the log, servers that hear a leader ignore vote requests (§4.2.3,
//! `read_only.rs`), so a removed server that times out cannot disrupt the cluster.

use crate::log::Entry;
use crate::node::Raft;
use crate::progress::Progress;
use raft_contract::{ChangeRefused, Command, ConfChange, Configuration, Instant, LogIndex, Role};

impl<C: Command> Raft<C> {
    /// The contract's `change`: proposes one configuration change and, if the leader
    /// accepts it, appends its entry (in effect at once) and sends it to the members of
    /// the new configuration. Returns the entry's log index.
    ///
    /// # Errors
    /// Every refusal is an answer, never a panic ([`ChangeRefused`]):
    /// `Unsupported` for anything but exactly one change (no joint consensus);
    /// `UnknownServer` for a slot beyond the cluster; `NotLeader`; `TermNotCommitted`
    /// until an entry of the leader's term has committed; `InFlight` while the last
    /// configuration entry has not; `NotMember` to remove a server outside the
    /// configuration or promote one that is not a learner (add it as a learner first);
    /// `AlreadyMember` when the server has the role asked for already; `NoVoterLeft`;
    /// `NotCaughtUp` to promote a learner whose log is behind the commit index.
    pub fn change(
        &mut self,
        changes: &[ConfChange],
        now: Instant,
    ) -> Result<LogIndex, ChangeRefused> {
        let [change] = changes else {
            return Err(ChangeRefused::Unsupported);
        };
        let id = change.server();
        if id.index() >= self.peers {
            return Err(ChangeRefused::UnknownServer(id));
        }
        if self.role != Role::Leader {
            return Err(ChangeRefused::NotLeader);
        }
        let own_term_committed = self.log.term_at(self.commit_index) == Some(self.current_term);
        if !own_term_committed && !planted!(self, ChangeBeforeTermCommit) {
            return Err(ChangeRefused::TermNotCommitted);
        }
        // The last configuration in the log, whether in effect here or not (it is not,
        // under the planted `ConfigAtCommit`): the one a change follows.
        let (last_index, last) = self.log.config();
        if last_index > self.commit_index && !planted!(self, TwoChangesAtOnce) {
            return Err(ChangeRefused::InFlight(last_index));
        }
        let next = self.changed(*change, last)?;
        assert_ne!(next, last, "{}: {change} changes nothing", self.id);
        let index = self.log.append(Entry::config(self.current_term, next));
        // A server new to the configuration starts from a probe: whatever the leader
        // knew of it is from before, when it got nothing.
        for peer in next.members().difference(last.members()).iter() {
            if peer != self.id {
                self.progress[peer.index()] = Progress::new(index.prev());
            }
        }
        self.persist_pending = true;
        self.replicate_new_entries(now);
        // A configuration of one voter commits on its own.
        self.advance_commit(now);
        assert_eq!(
            self.log.entry(index).and_then(|e| e.as_config()),
            Some(next),
            "{}: configuration entry at {index}",
            self.id
        );
        Ok(index)
    }

    /// The configuration `config` becomes with `change`, or why the leader refuses it.
    fn changed(
        &self,
        change: ConfChange,
        config: Configuration,
    ) -> Result<Configuration, ChangeRefused> {
        let id = change.server();
        match change {
            ConfChange::AddLearner(_) if config.learners.contains(id) => {
                return Err(ChangeRefused::AlreadyMember(id));
            }
            ConfChange::AddVoter(_) if config.voters.contains(id) => {
                return Err(ChangeRefused::AlreadyMember(id));
            }
            // §4.2.1: a new server catches up as a learner first.
            ConfChange::AddVoter(_) if !config.learners.contains(id) => {
                return Err(ChangeRefused::NotMember(id));
            }
            ConfChange::AddVoter(_) => {
                let matched = if id == self.id {
                    self.log.last_index()
                } else {
                    self.progress[id.index()].match_index
                };
                if matched < self.commit_index {
                    return Err(ChangeRefused::NotCaughtUp(id));
                }
            }
            ConfChange::Remove(_) if !config.members().contains(id) => {
                return Err(ChangeRefused::NotMember(id));
            }
            // Removing a server, or demoting a voter to learner.
            ConfChange::AddLearner(_) | ConfChange::Remove(_) => {}
        }
        let next = change.applied_to(config);
        if next.voters.is_empty() {
            return Err(ChangeRefused::NoVoterLeft);
        }
        assert!(
            next.voters.difference(config.voters).len()
                + config.voters.difference(next.voters).len()
                <= 1,
            "{}: {change} changes more than one voter of {config}",
            self.id
        );
        Ok(next)
    }
}
