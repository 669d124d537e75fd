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

#[cfg(test)]
mod tests {
    use crate::message::{AppendEntries, Message, RequestVote};
    use crate::testutil::{entries, fresh_with, ms, Cluster};
    use crate::Config;
    use raft_contract::{
        ApplyMsg, ChangeRefused, ConfChange, Configuration, LogIndex, NodeId, NodeSet, RaftNode,
        Role, Term,
    };

    fn set(ids: &[u32]) -> NodeSet {
        ids.iter().map(|i| NodeId(*i)).collect()
    }

    /// Five slots, voters {n0,n1,n2}, a leader elected and one command of its term
    /// committed everywhere (so that it may change the configuration).
    fn three_of_five() -> (Cluster, NodeId) {
        let mut c = Cluster::new(5, Configuration::voters(set(&[0, 1, 2])));
        let leader = c.elect();
        assert_eq!(c.start(100), LogIndex(1));
        (c, leader)
    }

    /// A follower of `c`'s voters other than the leader, the `nth` one.
    fn follower(c: &Cluster, leader: NodeId, nth: usize) -> NodeId {
        let voters = c.nodes[leader.index()].configuration().1.voters;
        voters
            .iter()
            .filter(|v| *v != leader)
            .nth(nth)
            .expect("a follower")
    }

    /// Every node's applied command indices are 1, 2, 3, ...: configuration entries
    /// take no number.
    fn assert_consecutive(c: &Cluster, ids: &[u32]) {
        for &id in ids {
            let got = c.applied_indices(id);
            let want: Vec<u64> = (1..=got.len() as u64).collect();
            assert_eq!(got, want, "n{id} applied");
        }
    }

    #[test]
    fn membership_learner_catches_up_is_promoted_and_counts_in_commits() {
        let (mut c, leader) = three_of_five();
        let at = c
            .change(ConfChange::AddLearner(NodeId(3)))
            .expect("accepted");
        assert_eq!(at, LogIndex(2), "the configuration entry's log index");
        c.run_until(10, |c| c.nodes[3].configuration().0 == at);
        let learner = Configuration {
            learners: set(&[3]),
            ..Configuration::voters(set(&[0, 1, 2]))
        };
        assert_eq!(c.nodes[3].status().config, learner, "the joiner learns it");
        assert_eq!(c.nodes[3].role(), Role::Follower);
        assert_eq!(c.start(101), LogIndex(2), "command 2 at log index 3");
        // Caught up: promote, and the new voter counts. Voters {0,1,2,3}: with one of
        // the old followers cut off, a commit needs n3.
        let voter = c
            .change(ConfChange::AddVoter(NodeId(3)))
            .expect("caught up");
        assert_eq!(c.nodes[leader.index()].commit_index(), voter);
        let old = follower(&c, leader, 0);
        c.cut.insert(old);
        let n = c.start(102);
        let commit = c.nodes[leader.index()].commit_index();
        assert_eq!(
            c.nodes[leader.index()]
                .entry(commit)
                .and_then(|e| e.as_command().copied()),
            Some(102)
        );
        assert_eq!(n, LogIndex(3));
        c.cut.insert(NodeId(3));
        c.start(103);
        assert_eq!(
            c.nodes[leader.index()].commit_index(),
            commit,
            "2 of 4 voters commit nothing"
        );
        c.cut = NodeSet::EMPTY;
        c.run_until(10, |c| c.applied[3].len() == 4);
        assert_consecutive(&c, &[0, 1, 2, 3]);
        assert_eq!(
            c.nodes[4].last_log_index(),
            LogIndex(0),
            "n4 is no member: nothing"
        );
    }

    #[test]
    fn membership_removed_follower_gets_nothing_and_the_quorum_shrinks() {
        let (mut c, leader) = three_of_five();
        let gone = follower(&c, leader, 0);
        let stays = follower(&c, leader, 1);
        c.change(ConfChange::Remove(gone)).expect("accepted");
        let sent_before = c.delivered.len();
        c.cut.insert(stays);
        c.start(101);
        // Voters now {leader, stays}: both are needed, and `stays` is cut off.
        assert_eq!(c.nodes[leader.index()].commit_index(), LogIndex(2));
        c.cut = NodeSet::EMPTY;
        c.run_until(10, |c| {
            c.nodes[leader.index()].commit_index() == LogIndex(3)
        });
        assert!(
            c.delivered[sent_before..]
                .iter()
                .all(|(from, to, _)| !(*from == leader && *to == gone)),
            "the leader sends nothing to a removed server"
        );
        assert_consecutive(&c, &[leader.0, stays.0]);
    }

    #[test]
    fn membership_removed_leader_leads_until_commit_then_steps_down_and_the_rest_elect() {
        let (mut c, old) = three_of_five();
        let term = c.nodes[old.index()].term();
        let cut = follower(&c, old, 0);
        let other = follower(&c, old, 1);
        c.cut.insert(cut);
        c.cut.insert(other);
        let at = c.change(ConfChange::Remove(old)).expect("accepted");
        let node = &c.nodes[old.index()];
        assert_eq!(
            node.role(),
            Role::Leader,
            "leads on until the change commits"
        );
        assert!(!node.is_voter());
        c.start(101);
        assert!(c.nodes[old.index()].state().1, "still leading");
        c.cut = NodeSet::EMPTY;
        c.run_until(10, |c| c.nodes[old.index()].role() != Role::Leader);
        let node = &c.nodes[old.index()];
        assert!(node.commit_index() >= at);
        assert_eq!(
            (node.role(), node.term()),
            (Role::Follower, term),
            "stepped down"
        );
        c.run_until(200, |c| c.leader().is_some_and(|l| l != old));
        let new = c.leader().expect("a new leader");
        assert!([cut, other].contains(&new));
        assert_eq!(
            c.nodes[old.index()].role(),
            Role::Follower,
            "never a candidate"
        );
        c.start(102);
        c.run_until(10, |c| c.applied_indices(cut.0).len() == 3);
        assert_consecutive(&c, &[cut.0, other.0]);
    }

    #[test]
    fn membership_refusals_table() {
        let (mut c, leader) = three_of_five();
        let f = follower(&c, leader, 0);
        let now = c.now;
        let table: Vec<(&str, Vec<ConfChange>, ChangeRefused)> = vec![
            (
                "two at once",
                vec![
                    ConfChange::AddLearner(NodeId(3)),
                    ConfChange::AddLearner(NodeId(4)),
                ],
                ChangeRefused::Unsupported,
            ),
            ("none", vec![], ChangeRefused::Unsupported),
            (
                "slot beyond the cluster",
                vec![ConfChange::AddLearner(NodeId(5))],
                ChangeRefused::UnknownServer(NodeId(5)),
            ),
            (
                "far beyond",
                vec![ConfChange::Remove(NodeId(900))],
                ChangeRefused::UnknownServer(NodeId(900)),
            ),
            (
                "remove a non-member",
                vec![ConfChange::Remove(NodeId(4))],
                ChangeRefused::NotMember(NodeId(4)),
            ),
            (
                "promote a non-member",
                vec![ConfChange::AddVoter(NodeId(4))],
                ChangeRefused::NotMember(NodeId(4)),
            ),
            (
                "promote a voter",
                vec![ConfChange::AddVoter(f)],
                ChangeRefused::AlreadyMember(f),
            ),
        ];
        for (name, changes, want) in table {
            assert_eq!(
                c.nodes[leader.index()].change(&changes, now),
                Err(want),
                "{name}"
            );
        }
        assert_eq!(
            c.nodes[f.index()].change(&[ConfChange::AddLearner(NodeId(3))], now),
            Err(ChangeRefused::NotLeader)
        );
        // A learner cut off falls behind: not caught up; and a change in flight while
        // the followers are cut off too.
        c.cut = set(&[3, f.0, follower(&c, leader, 1).0]);
        let at = c
            .change(ConfChange::AddLearner(NodeId(3)))
            .expect("accepted");
        c.start(101);
        assert_eq!(
            c.change(ConfChange::AddLearner(NodeId(4))),
            Err(ChangeRefused::InFlight(at))
        );
        c.cut = set(&[3]);
        c.run_until(10, |c| {
            c.nodes[leader.index()].commit_index() == LogIndex(3)
        });
        assert_eq!(
            c.change(ConfChange::AddVoter(NodeId(3))),
            Err(ChangeRefused::NotCaughtUp(NodeId(3)))
        );
        assert_eq!(
            c.change(ConfChange::AddLearner(NodeId(3))),
            Err(ChangeRefused::AlreadyMember(NodeId(3))),
        );
        assert!(c.nodes[..3]
            .iter()
            .all(|n| n.status().config.voters == set(&[0, 1, 2])));
    }

    #[test]
    fn membership_leader_refuses_before_its_term_commits_and_the_last_voter() {
        let mut c = Cluster::new(3, Configuration::voters(set(&[0])));
        let leader = c.elect();
        assert_eq!(leader, NodeId(0));
        let now = c.now;
        assert_eq!(
            c.nodes[0].change(&[ConfChange::AddLearner(NodeId(1))], now),
            Err(ChangeRefused::TermNotCommitted)
        );
        c.start(100);
        assert_eq!(
            c.nodes[0].change(&[ConfChange::Remove(NodeId(0))], now),
            Err(ChangeRefused::NoVoterLeft)
        );
        assert_eq!(
            c.nodes[0].change(&[ConfChange::AddLearner(NodeId(0))], now),
            Err(ChangeRefused::NoVoterLeft),
            "demoting the only voter"
        );
        // One voter commits a change on its own, at once.
        let at = c
            .change(ConfChange::AddLearner(NodeId(1)))
            .expect("accepted");
        assert_eq!(c.nodes[0].commit_index(), at);
    }

    #[test]
    fn membership_non_voters_never_start_elections() {
        let mut c = Cluster::new(3, Configuration::voters(set(&[0])));
        c.cut.insert(NodeId(0));
        // n1 and n2 boot with no configuration at all: they wait, silent, for ever.
        for _ in 0..50 {
            c.step_time();
        }
        for id in [1, 2] {
            let n = &c.nodes[id];
            assert_eq!((n.role(), n.term()), (Role::Follower, Term(0)), "n{id}");
        }
        assert!(c.delivered.is_empty(), "{:?}", c.delivered);
    }

    #[test]
    fn membership_snapshot_and_restart_keep_the_configuration_and_the_numbering() {
        let (mut c, leader) = three_of_five();
        c.cut.insert(NodeId(3));
        let at = c
            .change(ConfChange::AddLearner(NodeId(3)))
            .expect("accepted");
        c.start(101);
        c.start(102);
        // Every voter's service snapshots through command 3 (log index 4).
        c.run_until(10, |c| (0..3).all(|i| c.applied[i].len() == 3));
        for i in 0..3 {
            assert_eq!(c.applied_indices(i), vec![1, 2, 3]);
            let n = &mut c.nodes[i as usize];
            n.snapshot(LogIndex(3), b"s3".to_vec()).expect("applied");
            assert_eq!(n.snapshot_index(), LogIndex(4));
        }
        c.settle();
        let l = leader.index();
        c.restart(leader.0);
        let n = &c.nodes[l];
        assert_eq!(n.configuration().0, at, "the configuration survives");
        assert_eq!(n.status().config.learners, set(&[3]));
        assert_eq!(n.snapshot_index(), LogIndex(4));
        // The cluster moves on; the joiner gets the snapshot with its configuration.
        let leader = c.elect();
        c.start(103);
        c.cut = NodeSet::EMPTY;
        c.run_until(20, |c| c.applied[3].len() == 2);
        let joiner = &c.applied[3];
        assert!(
            matches!(
                &joiner[0],
                ApplyMsg::Snapshot { index: LogIndex(3), data, .. } if data == b"s3"
            ),
            "{joiner:?}"
        );
        assert!(
            matches!(
                joiner[1],
                ApplyMsg::Command {
                    index: LogIndex(4),
                    command: 103,
                    ..
                }
            ),
            "{joiner:?}"
        );
        assert_eq!(c.nodes[3].configuration().0, at);
        assert_eq!(
            c.nodes[3].status().config,
            c.nodes[leader.index()].status().config
        );
        // Snapshot refusals speak in command indices too.
        let l = leader.index();
        assert!(matches!(
            c.nodes[l].snapshot(LogIndex(9), Vec::new()),
            Err(crate::Error::SnapshotBeyondApplied {
                applied: LogIndex(4),
                ..
            })
        ));
    }

    fn vote(term: u64) -> Message<u64> {
        Message::RequestVote(RequestVote {
            term: Term(term),
            last_log_index: LogIndex(9),
            last_log_term: Term(9),
        })
    }

    fn append_config(term: u64, prev: u64, prev_term: u64, config: Configuration) -> Message<u64> {
        Message::AppendEntries(AppendEntries {
            term: Term(term),
            prev_log_index: LogIndex(prev),
            prev_log_term: Term(prev_term),
            entries: vec![crate::Entry::config(Term(term), config)],
            leader_commit: LogIndex(0),
        })
    }

    #[test]
    fn membership_vote_request_is_ignored_while_the_leader_is_heard_once_config_is_logged() {
        let mut plain = fresh_with(1, 3, Config::default());
        let heartbeat = Message::AppendEntries(AppendEntries {
            term: Term(1),
            prev_log_index: LogIndex(0),
            prev_log_term: Term(0),
            entries: Vec::new(),
            leader_commit: LogIndex(0),
        });
        plain.step(NodeId(0), heartbeat, ms(10));
        assert!(
            !RaftNode::discards(&plain, &vote(2), ms(20)),
            "a fixed cluster keeps Figure 2's rule"
        );
        let mut f = fresh_with(1, 3, Config::default());
        f.step(
            NodeId(0),
            append_config(1, 0, 0, Configuration::voters(set(&[0, 1]))),
            ms(10),
        );
        f.ready();
        assert_eq!(f.status().config_index, LogIndex(1));
        // n2, removed, times out and asks: ignored while n0 is heard.
        assert!(RaftNode::discards(&f, &vote(2), ms(20)));
        f.step(NodeId(2), vote(2), ms(20));
        assert_eq!(f.term(), Term(1), "term not adopted");
        assert!(f.ready().messages.is_empty(), "no answer");
        assert!(
            !RaftNode::discards(&f, &vote(2), ms(310)),
            "leader silent: heard"
        );
    }

    #[test]
    fn membership_truncated_config_entry_reverts_the_configuration() {
        let mut f = fresh_with(1, 3, Config::default());
        let two = Configuration::voters(set(&[0, 1]));
        f.step(NodeId(0), append_config(1, 0, 0, two), ms(10));
        assert_eq!(
            (f.status().config, f.status().config_index),
            (two, LogIndex(1))
        );
        // A leader of term 2 that never had it overwrites the uncommitted entry.
        let m = Message::AppendEntries(AppendEntries {
            term: Term(2),
            prev_log_index: LogIndex(0),
            prev_log_term: Term(0),
            entries: entries(1, &[2]),
            leader_commit: LogIndex(0),
        });
        f.step(NodeId(2), m, ms(20));
        let s = f.status();
        assert_eq!(
            (s.config, s.config_index),
            (Configuration::all(3), LogIndex(0))
        );
        assert_eq!(s.last_index, LogIndex(1));
    }

    #[test]
    fn membership_boot_configuration_outside_the_cluster_is_refused() {
        let boot = |peers: usize, config: Configuration| {
            let config = Config {
                boot_configuration: Some(config),
                ..Config::default()
            };
            crate::Raft::<u64>::new(
                NodeId(0),
                peers,
                raft_contract::Persisted::default(),
                config,
                0,
                ms(0),
            )
        };
        let joint = Configuration {
            outgoing: set(&[0]),
            ..Configuration::all(2)
        };
        let both = Configuration {
            learners: set(&[1]),
            ..Configuration::all(2)
        };
        let table = [
            ("a slot beyond the cluster", 3, Configuration::all(4)),
            ("joint", 3, joint),
            ("a voter that learns", 3, both),
            ("more slots than a NodeSet", 65, Configuration::all(3)),
        ];
        for (name, peers, config) in table {
            let r = boot(peers, config);
            assert!(matches!(r, Err(crate::Error::Config(_))), "{name}: {r:?}");
        }
        assert!(boot(3, Configuration::default()).is_ok(), "a joiner boots");
    }

    #[cfg(feature = "planted-bugs")]
    #[test]
    fn membership_planted_change_before_term_commit_accepts_a_fresh_leaders_change() {
        let mut c = Cluster::new(5, Configuration::voters(set(&[0, 1, 2])));
        let leader = c.elect();
        assert_eq!(
            c.change(ConfChange::AddLearner(NodeId(3))),
            Err(ChangeRefused::TermNotCommitted)
        );
        c.nodes[leader.index()].config.bug = Some(crate::bug::Bug::ChangeBeforeTermCommit);
        assert!(c.change(ConfChange::AddLearner(NodeId(3))).is_ok());
    }

    #[cfg(feature = "planted-bugs")]
    #[test]
    fn membership_planted_two_changes_at_once_accepts_a_second_change_in_flight() {
        let (mut c, leader) = three_of_five();
        c.cut = set(&[1, 2, 0]).difference(set(&[leader.0]));
        let first = c
            .change(ConfChange::AddLearner(NodeId(3)))
            .expect("accepted");
        assert_eq!(
            c.change(ConfChange::AddLearner(NodeId(4))),
            Err(ChangeRefused::InFlight(first))
        );
        c.nodes[leader.index()].config.bug = Some(crate::bug::Bug::TwoChangesAtOnce);
        let second = c
            .change(ConfChange::AddLearner(NodeId(4)))
            .expect("the bug");
        assert!(second > first && c.nodes[leader.index()].commit_index() < first);
    }

    #[cfg(feature = "planted-bugs")]
    #[test]
    fn membership_planted_config_at_commit_waits_for_the_commit() {
        let (mut c, leader) = three_of_five();
        let l = leader.index();
        c.nodes[l].config.bug = Some(crate::bug::Bug::ConfigAtCommit);
        let old = c.nodes[l].status().config;
        c.cut = set(&[1, 2, 0]).difference(set(&[leader.0]));
        let at = c
            .change(ConfChange::AddLearner(NodeId(3)))
            .expect("accepted");
        let s = c.nodes[l].status();
        assert_eq!(s.last_index, at, "appended");
        assert_eq!(
            (s.config, s.config_index),
            (old, LogIndex(0)),
            "not in effect"
        );
        c.cut = NodeSet::EMPTY;
        c.run_until(10, |c| c.nodes[l].commit_index() >= at);
        assert_eq!(
            c.nodes[l].status().config_index,
            at,
            "in effect once committed"
        );
    }
}
