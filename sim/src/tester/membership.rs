//! Membership changes through the Raft tester: what an operator does to grow, shrink or
//! replace a cluster (thesis chapter 4), with the lab's habit of polling in virtual time.
//!
//! [`Tester::change`] proposes a change at one server and reports the node's answer, a
//! refusal included (the scenarios test refusals too). [`Tester::reconfigure`] is the
//! operator's loop: it finds the leader, proposes, and when the leader cannot take a
//! change yet it does what an operator would: submits a command, so that an entry of
//! the leader's term commits ([`ChangeRefused::TermNotCommitted`]: the lab forbids a
//! no-op entry at election), or waits for the change in flight to commit or a learner to
//! catch up. It returns once the change's entry has committed at the leader and the
//! leader uses the configuration it asked for.

use super::raft::RaftTester;
use crate::cluster::Cmd;
use crate::engine::Duration;
use crate::implementation::Implementation;
use crate::outcome::Failure;
use crate::{ensure, fail};
use raft_contract::{ChangeRefused, ConfChange, Configuration, LogIndex, Role};

/// How often the operator's loop looks again.
const POLL: Duration = Duration::from_millis(20);

impl<I: Implementation> RaftTester<I> {
    /// Proposes `changes` at server `i` (`RaftNode::change`): the index of the change's
    /// entry, the node's refusal, or `None` while `i` is crashed.
    ///
    /// # Errors
    /// A monitor's violation in the node after the call.
    pub fn change(
        &mut self,
        i: usize,
        changes: &[ConfChange],
    ) -> Result<Option<Result<LogIndex, ChangeRefused>>, Failure> {
        let id = self.server_id(i);
        let result = self.with_node(id, |s, ctx| s.change(ctx, changes))?;
        Ok(result)
    }

    /// The configuration server `i` uses now, or `None` while it is crashed.
    pub fn config_of(&self, i: usize) -> Option<Configuration> {
        self.node_status(i).map(|s| s.config)
    }

    /// The connected server that leads the highest term, if any.
    pub fn leader_now(&self) -> Option<usize> {
        (0..self.n())
            .filter(|&i| self.is_connected(i))
            .filter_map(|i| self.node_status(i).map(|s| (s.term, s.role, i)))
            .filter(|(_, role, _)| *role == Role::Leader)
            .max_by_key(|(term, _, i)| (*term, std::cmp::Reverse(*i)))
            .map(|(_, _, i)| i)
    }

    /// Makes `changes` happen, as an operator would, within `within` of virtual time:
    /// proposes them at the leader, retrying while it cannot take them yet (see the
    /// module docs), until the change's entry has committed at a leader that uses the
    /// configuration they lead to. Returns that leader and the configuration.
    ///
    /// # Errors
    /// A refusal no waiting can cure (the change names no server of the cluster, or one
    /// already in that role), no leader taking the change in time, or a monitor's
    /// violation meanwhile.
    pub fn reconfigure(
        &mut self,
        changes: &[ConfChange],
        within: Duration,
    ) -> Result<(usize, Configuration), Failure> {
        let deadline = self.now() + within;
        let mut filler = 0u64;
        let mut proposed: Option<(usize, LogIndex, u64)> = None;
        while self.now() < deadline {
            if let Some((leader, index, term)) = proposed {
                if let Some(done) = self.change_settled(leader, index, term) {
                    return Ok((leader, done));
                }
                if self.node_status(leader).is_none_or(|s| s.term.0 != term) {
                    // Leadership moved: the entry may or may not survive; propose again
                    // to the next leader, which refuses with AlreadyMember or NotMember if it did.
                    proposed = None;
                }
                self.sleep(POLL)?;
                continue;
            }
            let Some(leader) = self.leader_now() else {
                self.sleep(POLL)?;
                continue;
            };
            match self.change(leader, changes)? {
                Some(Ok(index)) => {
                    let term = self.node_status(leader).map_or(0, |s| s.term.0);
                    proposed = Some((leader, index, term));
                }
                Some(Err(ChangeRefused::TermNotCommitted)) => {
                    // The lab forbids a no-op entry at election: an operator's command of
                    // the leader's term has to commit first.
                    filler += 1;
                    let cmd = Cmd::Text(format!("membership filler {filler}"));
                    self.start(leader, cmd)?;
                    self.sleep(POLL)?;
                }
                Some(Err(
                    ChangeRefused::InFlight(_)
                    | ChangeRefused::NotLeader
                    | ChangeRefused::NotCaughtUp(_),
                ))
                | None => self.sleep(POLL)?,
                Some(Err(ChangeRefused::AlreadyMember(_) | ChangeRefused::NotMember(_)))
                    if self.already_in_effect(leader, changes) =>
                {
                    // The entry of an earlier proposal reached this leader before the
                    // leadership moved: wait for it to commit, as for one proposed here.
                    let status = self.node_status(leader).expect("the leader runs");
                    proposed = Some((leader, status.config_index, status.term.0));
                }
                Some(Err(refused)) => {
                    fail!("server {leader} refused {}: {refused}", describe(changes))
                }
            }
        }
        fail!(
            "{} not in effect within {within} (leader {:?})",
            describe(changes),
            self.leader_now()
        )
    }

    /// The configuration server `leader` uses once the change at `index` of term `term`
    /// has committed there and any joint configuration has been left; `None` before.
    fn change_settled(&self, leader: usize, index: LogIndex, term: u64) -> Option<Configuration> {
        let status = self.node_status(leader)?;
        let settled = status.term.0 == term
            && status.commit_index >= index
            && status.config_index >= index
            && status.config_index <= status.commit_index
            && !status.config.is_joint();
        settled.then_some(status.config)
    }

    /// True when `leader`'s configuration already reflects every change.
    fn already_in_effect(&self, leader: usize, changes: &[ConfChange]) -> bool {
        let Some(config) = self.config_of(leader) else {
            return false;
        };
        changes
            .iter()
            .all(|c| c.applied_to(config) == config && !config.is_joint())
    }

    /// Waits up to `within` until every running, connected server of `servers` uses
    /// `want`.
    ///
    /// # Errors
    /// A server still on another configuration at the end, or a monitor's violation.
    pub fn await_config(
        &mut self,
        servers: &[usize],
        want: Configuration,
        within: Duration,
    ) -> Result<(), Failure> {
        let deadline = self.now() + within;
        loop {
            let behind: Vec<(usize, Configuration)> = servers
                .iter()
                .filter(|&&i| self.is_connected(i))
                .filter_map(|&i| self.config_of(i).map(|c| (i, c)))
                .filter(|(_, c)| *c != want)
                .collect();
            if behind.is_empty() {
                return Ok(());
            }
            ensure!(
                self.now() < deadline,
                "servers not on {want} after {within}: {}",
                behind
                    .iter()
                    .map(|(i, c)| format!("server {i} on {c}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            self.sleep(POLL)?;
        }
    }
}

/// The changes as one line: `add-voter n3, remove n0`.
fn describe(changes: &[ConfChange]) -> String {
    changes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
