//! One openraft node as a contract [`RaftNode`]: its runtime, its `Raft` handle and the
//! state its parts share.

use crate::command;
use crate::disk::{Disk, SnapshotPoint};
use crate::log_store::LogStore;
use crate::message::{Reply, Wire};
use crate::network::Factory;
use crate::shared::{Applied, Shared};
use crate::state_machine::StateMachine;
use crate::tuning;
use crate::types::{term_of, Raft, Snapshot, TypeConfig};
use openraft::async_runtime::WatchReceiver;
use openraft::raft::AppendEntriesResponse;
use openraft::type_config::async_runtime::oneshot::OneshotSender;
use openraft::vote::RaftLeaderId;
use openraft::{EntryPayload, RaftMetrics, ServerState};
use raft_contract::{
    ApplyMsg, Boot, ChangeRefused, Command, ConfChange, Error, Instant, LogIndex, NodeId, RaftNode,
    Ready, Role, Status, Term,
};
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::rc::Rc;
use std::sync::Arc;
use virtual_runtime::Runtime;

/// An openraft node driven through raftsim's contract, for commands of type `C`.
pub struct OpenraftNode<C> {
    id: NodeId,
    /// The cluster's server slots ([`Boot::peers`]): the only ids a change may name.
    peers: usize,
    rt: Runtime,
    raft: Raft,
    shared: Rc<Shared>,
    _command: PhantomData<C>,
}

impl<C> OpenraftNode<C> {
    /// openraft's latest metrics.
    fn metrics(&self) -> RaftMetrics<TypeConfig> {
        self.raft.metrics().borrow_watched().clone()
    }
}

impl<C> fmt::Debug for OpenraftNode<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.metrics();
        write!(
            f,
            "OpenraftNode({} term {} {:?} vote {} last {:?} applied commands {})",
            self.id,
            m.current_term,
            m.state,
            m.vote,
            m.last_log_index,
            self.shared.applied_commands.get()
        )
    }
}

/// A virtual-runtime instant of a contract instant.
fn rt_instant(now: Instant) -> virtual_runtime::Instant {
    virtual_runtime::Instant::from_nanos(now.as_nanos())
}

impl<C: Command> OpenraftNode<C> {
    /// Runs the node until nothing more can happen at `now`. A panic in one of
    /// openraft's tasks is resumed here, so that it fails the run like any other
    /// implementation's panic, with the run's seed.
    fn enter(&self, now: Instant) {
        if let Err(panic) = self.rt.enter(rt_instant(now)) {
            panic.resume();
        }
    }

    /// Spawns `work` on the node and runs it at `now`.
    fn run(&self, now: Instant, work: impl Future<Output = ()> + 'static) {
        let _handle = self.rt.spawn_root(work);
        self.enter(now);
    }

    /// Queues `reply` to `to` from inside a task.
    fn reply_with(shared: &Rc<Shared>, to: NodeId, wire: Wire) {
        shared.outbox.borrow_mut().push((to, wire));
    }
}

impl<C: Command> RaftNode<C> for OpenraftNode<C> {
    type Message = Wire;

    /// Rebuilds the disk, starts a runtime seeded from the boot seed, and starts
    /// openraft on them (`Raft::new`, which reads the storage and spawns openraft's
    /// tasks; it completes at the boot instant).
    fn boot(boot: Boot) -> Result<Self, Error> {
        let disk = Disk::decode(&boot.persisted, &boot.config)
            .map_err(|e| Error::Boot(format!("{}: {e}", boot.id)))?;
        let shared = Rc::new(Shared::new(disk, boot.now));
        let rt = Runtime::with_seed(boot.seed, rt_instant(boot.now));
        let config = Arc::new(tuning::config(&boot.settings));
        let id = u64::from(boot.id.0);
        let network = Factory {
            shared: shared.clone(),
        };
        let log = LogStore {
            shared: shared.clone(),
        };
        let sm = StateMachine {
            shared: shared.clone(),
        };
        let mut handle = rt.spawn_root(Raft::new(id, config, network, log, sm));
        if let Err(panic) = rt.enter(rt_instant(boot.now)) {
            panic.resume();
        }
        let raft = handle
            .try_join()
            .ok_or_else(|| Error::Boot(format!("{}: openraft did not start at once", boot.id)))?
            .map_err(|e| Error::Boot(format!("{}: openraft's start task failed: {e}", boot.id)))?
            .map_err(|e| Error::Boot(format!("{}: openraft: {e}", boot.id)))?;
        Ok(OpenraftNode {
            id: boot.id,
            peers: boot.peers,
            rt,
            raft,
            shared,
            _command: PhantomData,
        })
    }

    /// Submits the command without waiting for it to apply (`client_write_ff`), and
    /// reads its position from the entry openraft appended. `None` if this node does
    /// not lead, or if openraft refused the write (its leader lease has expired, say).
    fn start(&mut self, command: C, now: Instant) -> Option<(LogIndex, Term)> {
        self.enter(now);
        if self.metrics().state != ServerState::Leader {
            return None;
        }
        let before = self.last_log_index();
        let data = command::encode(&command);
        let raft = self.raft.clone();
        let payload = data.clone();
        self.run(now, async move {
            let _ = raft
                .client_write_ff(crate::types::CommandBytes(payload), None)
                .await;
        });
        let disk = self.shared.disk.borrow();
        let stored = disk
            .range(before + 1, u64::MAX)
            .iter()
            .find(|s| matches!(&s.entry.payload, EntryPayload::Normal(d) if d.0 == data))?;
        Some((
            LogIndex(stored.commands),
            Term(term_of(&stored.entry.log_id)),
        ))
    }

    /// Proposes the changes through `append_membership` or `change_membership` (see
    /// [`crate::membership`]) and reads the index from the membership entry openraft
    /// appended, or the refusal from openraft's answer: openraft answers a refusal at
    /// once, and appends an accepted change at once, within this call.
    ///
    /// # Panics
    /// If openraft does neither: the adapter's reading of openraft is then wrong.
    #[cfg(not(feature = "openraft-alpha-24"))]
    fn change(&mut self, changes: &[ConfChange], now: Instant) -> Result<LogIndex, ChangeRefused> {
        self.enter(now);
        let m = self.metrics();
        if m.state != ServerState::Leader {
            return Err(ChangeRefused::NotLeader);
        }
        let current = crate::membership::configuration(&m.membership_config);
        let observed = *m.membership_config.log_id();
        let proposal = crate::membership::proposal(current, observed, changes, self.peers)?;
        let before = self.last_log_index();
        let answer: Rc<std::cell::Cell<Option<ChangeRefused>>> = Rc::default();
        let (raft, slot) = (self.raft.clone(), answer.clone());
        self.run(now, async move {
            slot.set(proposal.run(raft).await);
        });
        let disk = self.shared.disk.borrow();
        let appended = disk
            .range(before + 1, u64::MAX)
            .iter()
            .find(|s| matches!(&s.entry.payload, EntryPayload::Membership(_)))
            .map(|s| LogIndex(s.entry.log_id.index));
        match (appended, answer.get()) {
            (Some(index), _) => Ok(index),
            (None, Some(refused)) => Err(refused),
            (None, None) => panic!(
                "{self:?}: openraft neither appended nor refused membership change {changes:?}"
            ),
        }
    }

    fn state(&self) -> (Term, bool) {
        let m = self.metrics();
        (Term(m.current_term), m.state == ServerState::Leader)
    }

    /// Records the service's snapshot on the disk at the entry of command `index`, then
    /// asks openraft to take it (its builder returns this snapshot) and to purge the log
    /// through it.
    fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<(), Error> {
        let refuse = |why: String| Err(Error::SnapshotRefused(why));
        let applied = self.shared.applied_commands.get();
        if index.0 > applied {
            return refuse(format!(
                "command {index} is not applied yet (applied {applied})"
            ));
        }
        let point = {
            let disk = self.shared.disk.borrow();
            let current = disk.snapshot.as_ref().map_or(0, |p| p.commands);
            if index.0 <= current {
                return refuse(format!(
                    "command {index} is not after the snapshot at command {current}"
                ));
            }
            let at = disk.entries.partition_point(|s| s.commands < index.0);
            let Some(stored) = disk.entries.get(at).filter(|s| {
                s.commands == index.0 && matches!(s.entry.payload, EntryPayload::Normal(_))
            }) else {
                return refuse(format!("command {index}'s entry is no longer in the log"));
            };
            let last_log_id = stored.entry.log_id;
            let membership = disk
                .membership_at(last_log_id.index)
                .expect("the membership entry 0 or a snapshot's membership precedes every entry");
            SnapshotPoint {
                last_log_id,
                membership,
                commands: index.0,
            }
        };
        self.shared.write_disk(|d| {
            d.snapshot = Some(point);
            d.snapshot_data = data;
        });
        let raft = self.raft.clone();
        self.run(self.rt_now(), async move {
            let _ = raft.trigger().snapshot().await;
        });
        Ok(())
    }

    fn step(&mut self, from: NodeId, msg: Wire, now: Instant) {
        self.enter(now);
        let raft = self.raft.clone();
        let shared = self.shared.clone();
        match msg {
            Wire::Vote { id, pre_vote, req } => self.run(now, async move {
                let resp = if pre_vote {
                    raft.pre_vote(req).await
                } else {
                    raft.vote(req).await
                };
                if let Ok(resp) = resp {
                    Self::reply_with(&shared, from, Wire::VoteReply { id, pre_vote, resp });
                }
            }),
            Wire::Append { id, req } => {
                let leader_term = req.vote.is_committed().then(|| req.vote.leader_id().term());
                // No entry and no previous one (a server added later, with an empty
                // log): a success vouches for nothing.
                let last = req
                    .entries
                    .last()
                    .map(|e| e.log_id.index)
                    .or(req.prev_log_id.map(|p| p.index));
                self.run(now, async move {
                    let Ok(resp) = raft.append_entries(req).await else {
                        return;
                    };
                    let matched = match &resp {
                        AppendEntriesResponse::Success => last,
                        AppendEntriesResponse::PartialSuccess(upto) => upto.map(|u| u.index),
                        _ => None,
                    };
                    let acked = leader_term.zip(matched);
                    Self::reply_with(&shared, from, Wire::AppendReply { id, acked, resp });
                });
            }
            Wire::Snapshot {
                id,
                vote,
                meta,
                data,
            } => self.run(now, async move {
                let snapshot = Snapshot {
                    meta,
                    snapshot: data,
                };
                if let Ok(resp) = raft.install_full_snapshot(vote, snapshot).await {
                    Self::reply_with(&shared, from, Wire::SnapshotReply { id, resp });
                }
            }),
            Wire::VoteReply { id, resp, .. } => self.complete(id, Reply::Vote(resp), now),
            Wire::AppendReply { id, resp, .. } => self.complete(id, Reply::Append(resp), now),
            Wire::SnapshotReply { id, resp } => self.complete(id, Reply::Snapshot(resp), now),
        }
    }

    /// True for an answer openraft will not read: its call has ended (timed out, or
    /// dropped with a closed replication stream), or the node no longer holds the vote
    /// it asked with. openraft's core reads a vote answer only as the candidate that
    /// asked (`core/raft_core.rs`, `Notification::VoteResponse`: `does_vote_match`
    /// against the candidate's vote) and a higher vote from a follower only as the
    /// leader that asked (`Notification::HigherVote`, the same check against the
    /// leader's committed vote); a delayed answer from an election or a leadership
    /// that is over is dropped, and its term is not adopted. Requests and Pre-Vote
    /// answers (which carry no term to adopt) are always read.
    fn discards(&self, msg: &Wire, _now: Instant) -> bool {
        let (id, as_role) = match msg {
            Wire::VoteReply {
                id,
                pre_vote: false,
                ..
            } => (id, ServerState::Candidate),
            Wire::AppendReply { id, .. } | Wire::SnapshotReply { id, .. } => {
                (id, ServerState::Leader)
            }
            _ => return false,
        };
        let pending = self.shared.pending.borrow();
        let Some(call) = pending.get(id) else {
            return true;
        };
        let m = self.metrics();
        !(m.state == as_role && m.vote == call.asked)
    }

    fn tick(&mut self, now: Instant) {
        self.enter(now);
    }

    /// openraft's next timer (its tick, a heartbeat, an RPC's deadline, the 1 µs pause
    /// after each flush).
    fn next_deadline(&self) -> Instant {
        match self.rt.next_deadline() {
            Some(at) => Instant(at.as_nanos()),
            // openraft's ticker always has a timer; an hour on is "nothing to do".
            None => Instant(self.rt.now().as_nanos()) + raft_contract::Duration::from_secs(3600),
        }
    }

    fn ready(&mut self) -> Ready<C, Wire> {
        let persist = self
            .shared
            .dirty
            .replace(false)
            .then(|| self.shared.disk.borrow_mut().encode());
        let applied: Vec<Applied> = std::mem::take(&mut *self.shared.applied.borrow_mut());
        Ready {
            persist,
            messages: std::mem::take(&mut *self.shared.outbox.borrow_mut()),
            apply: applied
                .into_iter()
                .map(|a| match a {
                    ApplyMsg::Command {
                        index,
                        term,
                        command,
                    } => ApplyMsg::Command {
                        index,
                        term,
                        command: command::decode(&command),
                    },
                    ApplyMsg::Snapshot { index, term, data } => {
                        ApplyMsg::Snapshot { index, term, data }
                    }
                })
                .collect(),
            reads: Vec::new(),
        }
    }

    /// Term, role and vote from openraft's metrics (current after every call: openraft
    /// publishes them at every turn of its core loop, and a call runs the node until it
    /// is idle); the log and snapshot from the disk, which `log_term` reads too.
    fn status(&self) -> Status {
        let m = self.metrics();
        let disk = self.shared.disk.borrow();
        let snapshot = disk.snapshot.as_ref();
        let snapshot_index = snapshot.map_or(0, |p| p.last_log_id.index);
        let last_index = disk
            .last_log_id()
            .map_or(0, |id| id.index)
            .max(snapshot_index);
        let mut term = m.current_term;
        let mut role = match m.state {
            ServerState::Leader => Role::Leader,
            ServerState::Candidate => Role::Candidate,
            ServerState::Follower | ServerState::Learner | ServerState::Shutdown => Role::Follower,
        };
        let mut vote = &m.vote;
        // openraft publishes its metrics at the top of its core loop. alpha.24 can end a
        // call with a vote adopted and saved but not yet published: its loop waits for
        // the flush's completion (a microsecond on) first. The saved vote is then the
        // node's: a newer vote that is not its own makes it a follower.
        if let Some(saved) = disk.vote.as_ref().filter(|v| v.leader_id().term() > term) {
            term = saved.leader_id().term();
            let own = crate::release::voted_for(saved) == Some(u64::from(self.id.0));
            role = if own && !saved.is_committed() {
                Role::Candidate
            } else {
                Role::Follower
            };
            vote = saved;
        }
        Status {
            term: Term(term),
            role,
            voted_for: (vote.leader_id().term() == term)
                .then(|| crate::release::voted_for(vote))
                .flatten()
                .map(|n| NodeId(n as u32)),
            commit_index: LogIndex(m.local_committed.map_or(0, |c| c.index)),
            snapshot: snapshot.map(|p| raft_contract::SnapshotPoint {
                index: LogIndex(p.last_log_id.index),
                term: Term(term_of(&p.last_log_id)),
            }),
            last_index: LogIndex(last_index),
            config: crate::membership::configuration(&m.membership_config),
            config_index: LogIndex(
                m.membership_config
                    .log_id()
                    .as_ref()
                    .map_or(0, |id| id.index),
            ),
        }
    }

    fn log_term(&self, index: LogIndex) -> Option<Term> {
        let disk = self.shared.disk.borrow();
        let snapshot_index = disk.snapshot.as_ref().map_or(0, |p| p.last_log_id.index);
        if index.0 < snapshot_index {
            return None;
        }
        disk.term_at(index.0).map(Term)
    }
}

impl<C: Command> OpenraftNode<C> {
    /// Completes the call waiting for RPC `id`, if it still waits.
    fn complete(&mut self, id: crate::message::RpcId, reply: Reply, now: Instant) {
        let waiting = self.shared.pending.borrow_mut().remove(&id);
        if let Some(pending) = waiting {
            let _ = pending.reply_to.send(reply);
            self.enter(now);
        }
    }

    /// The index of the last entry on the disk, 0 for none: what a call compares with
    /// to find the entry it made openraft append.
    fn last_log_index(&self) -> u64 {
        self.shared
            .disk
            .borrow()
            .last_log_id()
            .map_or(0, |id| id.index)
    }

    fn rt_now(&self) -> Instant {
        Instant(self.rt.now().as_nanos())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::{Persisted, Settings};

    fn boot(peers: usize, persisted: Persisted, seed: u64, now: Instant) -> OpenraftNode<u64> {
        let boot = Boot {
            id: NodeId(0),
            peers,
            config: raft_contract::Configuration::all(peers),
            persisted,
            seed,
            now,
            settings: Settings::defaults(),
            reads: raft_contract::ReadMode::Log,
        };
        OpenraftNode::boot(boot).expect("boots")
    }

    /// Runs a node at its deadlines until `done`; returns what it applied meanwhile.
    fn run_until(
        node: &mut OpenraftNode<u64>,
        done: impl Fn(&OpenraftNode<u64>) -> bool,
    ) -> Vec<ApplyMsg<u64>> {
        let mut applied = node.ready().apply;
        for _ in 0..10_000 {
            if done(node) {
                return applied;
            }
            let now = node.next_deadline();
            node.tick(now);
            applied.extend(node.ready().apply);
        }
        panic!("{node:?} never got there");
    }

    fn commands(applied: &[ApplyMsg<u64>]) -> Vec<(u64, u64)> {
        applied
            .iter()
            .map(|a| match a {
                ApplyMsg::Command { index, command, .. } => (index.0, *command),
                ApplyMsg::Snapshot { index, .. } => (index.0, u64::MAX),
            })
            .collect()
    }

    /// Starts `c` at the node's next deadline, retrying while its lease refuses.
    fn start(node: &mut OpenraftNode<u64>, c: u64) -> (LogIndex, Term) {
        for _ in 0..1000 {
            let now = node.next_deadline();
            if let Some(at) = node.start(c, now) {
                return at;
            }
            node.tick(now);
            node.ready();
        }
        panic!("{node:?} never took {c}");
    }

    #[test]
    fn node_numbers_commands_across_blank_entries_snapshots_and_restarts() {
        let mut node = boot(1, Persisted::default(), 3, Instant(0));
        run_until(&mut node, |n| n.state().1);
        for c in [10, 20, 30] {
            start(&mut node, c);
        }
        let applied = run_until(&mut node, |n| n.shared.applied_commands.get() == 3);
        assert_eq!(commands(&applied), [(1, 10), (2, 20), (3, 30)]);
        assert_eq!(
            node.status().last_index,
            LogIndex(4),
            "membership at 0, the leader's blank entry at 1"
        );
        assert!(node.snapshot(LogIndex(4), vec![]).is_err(), "not applied");
        node.snapshot(LogIndex(2), b"through 2".to_vec())
            .expect("applied");
        assert!(node.snapshot(LogIndex(2), vec![]).is_err(), "not newer");
        let saved = node.ready().persist.expect("the snapshot is saved");
        assert_eq!(saved.snapshot, b"through 2".to_vec());
        assert_eq!(
            node.status().snapshot_index(),
            LogIndex(3),
            "command 2's entry"
        );
        assert_eq!(node.log_term(LogIndex(2)), None, "before the snapshot");

        // A restart resumes after the snapshot: command 3 again, and the next command is
        // 4. Leader restore (on by default) keeps the leader in term 1.
        let mut again = boot(1, saved, 4, Instant::from_millis(5_000));
        let applied = run_until(&mut again, |n| {
            n.state().1 && n.shared.applied_commands.get() == 3
        });
        assert_eq!(commands(&applied), [(3, 30)]);
        let (index, term) = start(&mut again, 40);
        assert_eq!((index, term), (LogIndex(4), Term(1)));
        let applied = run_until(&mut again, |n| n.shared.applied_commands.get() == 4);
        assert_eq!(commands(&applied), [(4, 40)]);
        assert_eq!(
            again.status().last_index,
            LogIndex(5),
            "one blank entry, four commands"
        );
    }

    #[test]
    fn node_reads_a_vote_answer_only_while_its_call_waits_as_the_candidate_that_asked() {
        let mut node = boot(3, Persisted::default(), 5, Instant(0));
        let sent = until_vote_requests(&mut node);
        let mut asks = sent.into_iter().filter(|(_, m)| {
            matches!(
                m,
                Wire::Vote {
                    pre_vote: false,
                    ..
                }
            )
        });
        let (to, ask) = asks.next().expect("a vote request");
        let (other, other_ask) = asks.next().expect("a vote request to each peer");
        let Wire::Vote { id, req, .. } = ask else {
            unreachable!()
        };
        let higher = crate::types::Vote::new(req.vote.leader_id().term() + 5, 2);
        let refusal = Wire::VoteReply {
            id,
            pre_vote: false,
            resp: openraft::raft::VoteResponse::new(higher, None, false),
        };
        assert!(
            !node.discards(&refusal, Instant(0)),
            "the candidate's call to {to} still waits"
        );
        drop(refusal);
        let stale = Wire::VoteReply {
            id: crate::message::RpcId { boot: 0, seq: 999 },
            pre_vote: false,
            resp: openraft::raft::VoteResponse::new(higher, None, false),
        };
        assert!(node.discards(&stale, Instant(0)), "no call waits for it");
        let now = Instant(node.rt.now().as_nanos());

        // The candidate hears from its term's leader and follows it; its call to the
        // other peer still waits, but openraft no longer reads vote answers, so a
        // higher term in one is not adopted (the Term Rule would fail it, were the
        // answer not declared discarded).
        let term = req.vote.leader_id().term();
        let leader = if to == NodeId(1) { other } else { to };
        let append = openraft::raft::AppendEntriesRequest {
            vote: crate::types::Vote::new_committed(term, u64::from(leader.0)),
            prev_log_id: None,
            entries: Vec::new(),
            leader_commit: None,
        };
        let append_id = crate::message::RpcId { boot: 0, seq: 0 };
        node.step(
            leader,
            Wire::Append {
                id: append_id,
                req: append,
            },
            now,
        );
        assert_eq!(node.status().role, Role::Follower);
        let Wire::Vote { id: other_id, .. } = other_ask else {
            unreachable!()
        };
        let late = Wire::VoteReply {
            id: other_id,
            pre_vote: false,
            resp: openraft::raft::VoteResponse::new(higher, None, false),
        };
        let waiting = self_waits(&node, other_id);
        assert!(waiting, "the call to {other} waits until its deadline");
        assert!(
            node.discards(&late, Instant(0)),
            "no candidate reads it any more"
        );
        node.step(other, late, now);
        assert_eq!(
            node.status().term,
            Term(term),
            "openraft dropped the answer unread"
        );

        // An answer the candidate does read: a later election's refusal with a higher
        // term is adopted.
        let sent = until_vote_requests(&mut node);
        let (to, ask) = sent
            .into_iter()
            .find(|(_, m)| {
                matches!(
                    m,
                    Wire::Vote {
                        pre_vote: false,
                        ..
                    }
                )
            })
            .expect("a vote request");
        let Wire::Vote { id, req, .. } = ask else {
            unreachable!()
        };
        let higher = crate::types::Vote::new(req.vote.leader_id().term() + 5, 2);
        let refusal = Wire::VoteReply {
            id,
            pre_vote: false,
            resp: openraft::raft::VoteResponse::new(higher, None, false),
        };
        assert!(
            !node.discards(&refusal, Instant(0)),
            "the candidate's call to {to} waits"
        );
        let now = Instant(node.rt.now().as_nanos());
        node.step(to, refusal, now);
        assert_eq!(
            node.status().term,
            Term(req.vote.leader_id().term() + 5),
            "adopted"
        );
    }

    /// Runs the node at its deadlines until it asks for votes; what it sent meanwhile.
    fn until_vote_requests(node: &mut OpenraftNode<u64>) -> Vec<(NodeId, Wire)> {
        let mut sent = Vec::new();
        while !sent.iter().any(|(_, m)| {
            matches!(
                m,
                Wire::Vote {
                    pre_vote: false,
                    ..
                }
            )
        }) {
            let now = node.next_deadline();
            node.tick(now);
            sent.extend(node.ready().messages);
        }
        sent
    }

    fn self_waits(node: &OpenraftNode<u64>, id: crate::message::RpcId) -> bool {
        node.shared.pending.borrow().contains_key(&id)
    }
}
