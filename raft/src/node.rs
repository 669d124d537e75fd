//! The Raft node: its state, construction, the public entry points and the effects
//! buffer, and the configuration the node counts its quorums by. The protocol logic of
//! each concern lives in `election.rs`, `replication.rs`, `snapshot.rs` and
//! `membership.rs`.

use crate::config::Config;
use crate::error::{Error, Result};
use crate::log::{Entry, Log, Payload};
use crate::message::Message;
use crate::persist;
use crate::progress::Progress;
use crate::read_rounds::ReadOnly;
use crate::ready::Ready;
use crate::rng::Rng;
use raft_contract::Persisted;
use raft_contract::SharedBytes;
use raft_contract::{
    ApplyMsg, Command, Configuration, Instant, LogIndex, NodeId, NodeSet, Role, Status, Term,
};

/// One Raft peer, driven by its caller: no IO, no clock, no global randomness.
///
/// Every entry point takes the current virtual time; effects accumulate inside and come
/// out of [`Raft::ready`], which the driver calls after each entry point.
#[derive(Debug)]
pub struct Raft<C> {
    pub(crate) id: NodeId,
    pub(crate) peers: usize,
    pub(crate) config: Config,
    pub(crate) rng: Rng,
    // Persistent state (Figure 2, Figure 13).
    pub(crate) current_term: Term,
    pub(crate) voted_for: Option<NodeId>,
    pub(crate) log: Log<C>,
    pub(crate) snapshot_data: SharedBytes,
    // Volatile state.
    pub(crate) role: Role,
    pub(crate) leader: Option<NodeId>,
    pub(crate) commit_index: LogIndex,
    pub(crate) last_applied: LogIndex,
    pub(crate) election_deadline: Instant,
    pub(crate) heartbeat_deadline: Instant,
    /// Candidate only: the servers that granted their vote this term (itself included).
    pub(crate) votes: NodeSet,
    /// Pre-candidate only (a follower or candidate asking for pre-votes, see
    /// `pre_vote.rs`): the servers that would vote for it in the next term, itself
    /// included. Empty when no pre-vote is under way.
    pub(crate) pre_votes: NodeSet,
    /// When this node last heard from the leader of its term (an AppendEntries or
    /// InstallSnapshot it accepted), for the pre-vote rule of [`Config::pre_vote`].
    pub(crate) leader_heard_at: Option<Instant>,
    /// Leader with [`Config::check_quorum`] only: when it next counts the followers it
    /// heard from (`Progress::heard`) and steps down without a majority.
    pub(crate) quorum_check_deadline: Instant,
    /// Leader only: one entry per peer (the leader's own entry is unused).
    pub(crate) progress: Vec<Progress>,
    /// Leader only: confirmation rounds and reads without the log (`read_only.rs`).
    pub(crate) read_only: ReadOnly,
    // Effects not yet handed out by `ready`.
    pub(crate) persist_pending: bool,
    pub(crate) outbox: Vec<(NodeId, Message<C>)>,
    pub(crate) snapshot_apply_pending: bool,
    pub(crate) raft_state_size: usize,
    /// Encodings of the retained entries, reused from save to save.
    pub(crate) encoded_log: persist::EncodedLog,
}

impl<C: Command> Raft<C> {
    /// Creates node `id` of a cluster of `peers` nodes (`NodeId(0)..NodeId(peers-1)`) from
    /// its persisted state (both parts empty for a fresh node).
    ///
    /// A restarted node resumes from its snapshot: commit and applied indices start at the
    /// snapshot index and the first [`ApplyMsg`] is the entry right after it. The service
    /// restores its own state from `persisted.snapshot` (as the lab's tester does); the
    /// snapshot is not re-delivered through [`Ready::apply`].
    ///
    /// # Errors
    /// [`Error::NotAPeer`] if `id` is not below `peers`, [`Error::Config`] for an invalid
    /// config (a boot configuration naming slots beyond `peers`, or more than 64 slots),
    /// [`Error::Corrupt`] if `persisted.raft_state` does not decode or describes
    /// an impossible state, or if there is a snapshot without raft state.
    pub fn new(
        id: NodeId,
        peers: usize,
        persisted: Persisted,
        config: Config,
        rng_seed: u64,
        now: Instant,
    ) -> Result<Raft<C>> {
        if id.index() >= peers {
            return Err(Error::NotAPeer { id, peers });
        }
        config.validate()?;
        if peers > NodeSet::CAPACITY {
            return Err(Error::Config(format!(
                "{peers} peers: at most {} slots",
                NodeSet::CAPACITY
            )));
        }
        let boot = config
            .boot_configuration
            .unwrap_or_else(|| Configuration::all(peers));
        persist::check_config(&boot, peers).map_err(Error::Config)?;
        if persisted.raft_state.is_empty() && !persisted.snapshot.is_empty() {
            // Both parts are always saved together; a snapshot without state is damage.
            return Err(Error::Corrupt(format!(
                "{} snapshot bytes but no raft state",
                persisted.snapshot.len()
            )));
        }
        let state = persist::decode::<C>(&persisted.raft_state.contiguous(), peers, boot)?;
        let log = Log::new(state.snapshot, state.entries);
        let mut raft = Raft {
            id,
            peers,
            config,
            rng: Rng::new(rng_seed),
            current_term: state.current_term,
            voted_for: state.voted_for,
            commit_index: log.snapshot_index(),
            last_applied: log.snapshot_index(),
            log,
            snapshot_data: persisted.snapshot,
            role: Role::Follower,
            leader: None,
            election_deadline: now,
            heartbeat_deadline: now,
            votes: NodeSet::EMPTY,
            pre_votes: NodeSet::EMPTY,
            leader_heard_at: None,
            quorum_check_deadline: now,
            progress: Vec::new(),
            read_only: ReadOnly::default(),
            persist_pending: false,
            outbox: Vec::new(),
            snapshot_apply_pending: false,
            raft_state_size: persisted.raft_state.len(),
            encoded_log: persist::EncodedLog::default(),
        };
        raft.reset_election_deadline(now);
        Ok(raft)
    }

    /// Proposes `command` for the log (the lab's `Start`). The leader appends it and sends
    /// it to followers right away (not at the next heartbeat). There is no guarantee it
    /// will ever be committed: leadership may be lost first.
    ///
    /// Returns the command's index as the service will see it in [`ApplyMsg::Command`]
    /// (commands only, numbered from 1: configuration entries take no number), and the
    /// term.
    ///
    /// # Errors
    /// [`Error::NotLeader`] if this node is not the leader of its current term.
    pub fn start(&mut self, command: C, now: Instant) -> Result<(LogIndex, Term)> {
        if self.role != Role::Leader {
            return Err(Error::NotLeader);
        }
        let index = self.log.append(Entry::command(self.current_term, command));
        let number = self.log.last_commands();
        assert!(
            number <= index.0,
            "{}: command {number} at log index {index}",
            self.id
        );
        self.persist_pending = true;
        self.replicate_new_entries(now);
        // A single-node cluster commits on its own.
        self.advance_commit(now);
        Ok((LogIndex(number), self.current_term))
    }

    /// The lab's `GetState`: the current term and whether this node believes it leads it.
    pub fn state(&self) -> (Term, bool) {
        (self.current_term, self.role == Role::Leader)
    }

    /// Handles one message from peer `from`.
    ///
    /// # Panics
    /// If `from` is this node or not a peer (a driver bug). Messages themselves are never
    /// trusted to be fresh: stale, duplicated and reordered ones are handled.
    pub fn step(&mut self, from: NodeId, msg: Message<C>, now: Instant) {
        assert!(
            from.index() < self.peers,
            "{}: message from non-peer {from}",
            self.id
        );
        assert_ne!(from, self.id, "{}: message from itself", self.id);
        if self.ignores_vote_request(&msg, now) {
            return;
        }
        // §5.1: any message with a higher term makes us a follower of that term.
        if let Some(term) = msg.term().filter(|t| *t > self.current_term) {
            if planted!(self, KeepLeadingOnHigherTerm)
                && self.role == Role::Leader
                && !msg.is_request()
            {
                // The bug: the term is adopted, the lead is kept, the reply dropped.
                self.current_term = term;
                self.voted_for = None;
                self.persist_pending = true;
                return;
            }
            self.become_follower(term, now);
        }
        match msg {
            Message::RequestVote(m) => self.handle_request_vote(from, m, now),
            Message::RequestVoteReply(m) => self.handle_request_vote_reply(from, m, now),
            Message::PreVote(m) => self.handle_pre_vote(from, m, now),
            Message::PreVoteReply(m) => self.handle_pre_vote_reply(from, m, now),
            Message::AppendEntries(m) => self.handle_append_entries(from, m, now),
            Message::AppendEntriesReply(m) => self.handle_append_entries_reply(from, m, now),
            Message::InstallSnapshot(m) => self.handle_install_snapshot(from, m, now),
            Message::InstallSnapshotReply(m) => self.handle_install_snapshot_reply(from, m, now),
            Message::Confirm(m) => self.handle_confirm(from, m, now),
            Message::ConfirmReply(m) => self.handle_confirm_reply(from, m),
        }
        invariant!(
            self,
            self.commit_index <= self.log.last_index(),
            "{}: commit {} beyond last index {}",
            self.id,
            self.commit_index,
            self.log.last_index()
        );
    }

    /// Handles expired deadlines: a follower or candidate whose election timeout passed
    /// starts an election (§5.2), or first a pre-vote ([`Config::pre_vote`]); a leader
    /// checks that it still hears a majority ([`Config::check_quorum`]), then sends the
    /// heartbeats that are due. Calling it before [`Raft::next_deadline`] does nothing.
    pub fn tick(&mut self, now: Instant) {
        match self.role {
            Role::Leader => {
                if self.config.check_quorum && now >= self.quorum_check_deadline {
                    self.check_quorum(now);
                }
                if self.role == Role::Leader && now >= self.heartbeat_deadline {
                    self.broadcast_heartbeat(now);
                }
            }
            Role::Follower | Role::Candidate if now >= self.election_deadline => {
                if !self.is_voter() {
                    // A learner, a removed server or a joiner that has not heard of its
                    // configuration yet: it cannot win, and asking could only disrupt
                    // (§4.2.3). It waits on, for a leader to tell it more.
                    self.reset_election_deadline(now);
                } else if self.config.pre_vote {
                    self.start_pre_vote(now);
                } else {
                    self.start_election(now);
                }
            }
            Role::Follower | Role::Candidate => {}
        }
    }

    /// The earliest instant at which [`Raft::tick`] has work to do. Every entry point may
    /// move it (a granted vote or a leader's message postpones the election, winning one
    /// schedules heartbeats), so the driver re-reads it after each call and keeps a
    /// single timer for it. Firing late only delays the work; firing early is harmless.
    pub fn next_deadline(&self) -> Instant {
        match self.role {
            Role::Leader if self.config.check_quorum => {
                self.heartbeat_deadline.min(self.quorum_check_deadline)
            }
            Role::Leader => self.heartbeat_deadline,
            Role::Follower | Role::Candidate => self.election_deadline,
        }
    }

    /// Drains the effects accumulated since the last call. See [`Ready`] for the order in
    /// which the driver must carry them out (persist, then send, then apply).
    pub fn ready(&mut self) -> Ready<C> {
        let persist = self.persist_pending.then(|| {
            let raft_state = self
                .encoded_log
                .encode(self.current_term, self.voted_for, &self.log);
            self.raft_state_size = raft_state.len();
            Persisted {
                raft_state,
                snapshot: self.snapshot_data.clone(),
            }
        });
        self.persist_pending = false;
        Ready {
            persist,
            // Sized for a message to each peer, the usual batch, so sending does not
            // grow the vector one reallocation at a time.
            messages: std::mem::replace(&mut self.outbox, Vec::with_capacity(self.peers)),
            apply: self.take_committed(),
            reads: std::mem::take(&mut self.read_only.done),
        }
    }

    /// Committed items not yet handed out: a pending installed snapshot first, then the
    /// commands after it, in index order. Indices are command indices (the contract's):
    /// configuration entries are passed over, unseen by the service.
    fn take_committed(&mut self) -> Vec<ApplyMsg<C>> {
        let mut apply = Vec::new();
        if self.snapshot_apply_pending {
            self.snapshot_apply_pending = false;
            let index = self.log.snapshot_index();
            invariant!(
                self,
                index > self.last_applied,
                "{}: installed snapshot {index} not beyond applied {}",
                self.id,
                self.last_applied
            );
            apply.push(ApplyMsg::Snapshot {
                index: LogIndex(self.log.snapshot().commands),
                term: self.log.snapshot_term(),
                data: self.snapshot_data.to_vec(),
            });
            self.last_applied = index;
        }
        while self.last_applied < self.commit_index {
            let index = self.last_applied.next();
            let entry = self.log.entry(index).unwrap_or_else(|| {
                panic!(
                    "{}: committed entry {index} missing (snapshot at {})",
                    self.id,
                    self.log.snapshot_index()
                )
            });
            if let Payload::Command(command) = &entry.payload {
                let number = self.log.commands_through(index).expect("retained");
                apply.push(ApplyMsg::Command {
                    index: LogIndex(number),
                    term: entry.term,
                    command: command.clone(),
                });
            }
            self.last_applied = index;
        }
        apply
    }

    /// What this node is now (the contract's status view for testers and monitors).
    pub fn status(&self) -> Status {
        let (config_index, config) = self.configuration();
        Status {
            term: self.current_term,
            role: self.role,
            voted_for: self.voted_for,
            commit_index: self.commit_index,
            snapshot: Some(raft_contract::SnapshotPoint {
                index: self.log.snapshot_index(),
                term: self.log.snapshot_term(),
            }),
            last_index: self.log.last_index(),
            config,
            config_index,
        }
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The current term.
    pub fn term(&self) -> Term {
        self.current_term
    }

    /// The current role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The leader of the current term, if this node knows it.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }

    /// The highest index known to be committed.
    pub fn commit_index(&self) -> LogIndex {
        self.commit_index
    }

    /// The highest log index handed to the service through [`Ready::apply`] (a log
    /// position: configuration entries count here, unlike in the service's command
    /// indices).
    pub fn last_applied(&self) -> LogIndex {
        self.last_applied
    }

    /// The configuration this node uses now (§4.1: the last one in its log, committed or
    /// not), and the log index of its entry (0: the boot configuration).
    pub fn configuration(&self) -> (LogIndex, Configuration) {
        if planted!(self, ConfigAtCommit) {
            // The bug: a configuration counts only once its entry commits.
            return self.log.config_through(self.commit_index);
        }
        self.log.config()
    }

    /// The index of the last log entry.
    pub fn last_log_index(&self) -> LogIndex {
        self.log.last_index()
    }

    /// The index through which the log is compacted into the snapshot.
    pub fn snapshot_index(&self) -> LogIndex {
        self.log.snapshot_index()
    }

    /// The size in bytes of the service's current snapshot (0 before the first).
    pub fn snapshot_size(&self) -> usize {
        self.snapshot_data.len()
    }

    /// The size in bytes of the raft state as last handed out for persistence (the lab's
    /// `RaftStateSize`; excludes the snapshot).
    pub fn raft_state_size(&self) -> usize {
        self.raft_state_size
    }

    /// The retained log entry at `index`, if any (for testers and traces).
    pub fn entry(&self, index: LogIndex) -> Option<&Entry<C>> {
        self.log.entry(index)
    }

    /// Draws a fresh randomized election deadline (§5.2).
    pub(crate) fn reset_election_deadline(&mut self, now: Instant) {
        let min = self.config.election_timeout_min.0;
        let max = self.config.election_timeout_max.0;
        let timeout = raft_contract::Duration(self.rng.range(min, max));
        self.election_deadline = now + timeout;
    }

    /// Moves to `term` (if higher) as a follower (§5.1).
    pub(crate) fn become_follower(&mut self, term: Term, now: Instant) {
        assert!(
            term >= self.current_term,
            "{}: follower of older term {term} (current {})",
            self.id,
            self.current_term
        );
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
            self.leader = None;
            self.persist_pending = !planted!(self, AdoptTermUnsaved);
        }
        if self.role == Role::Leader {
            // A deposed leader's election deadline is long past; without a fresh one it
            // would start a disruptive election at once.
            self.reset_election_deadline(now);
        }
        self.role = Role::Follower;
        self.votes = NodeSet::EMPTY;
        self.pre_votes = NodeSet::EMPTY;
        self.progress.clear();
        // Waiting reads are dropped: their caller gives up when the term or role moves.
        self.reset_read_only();
    }

    /// Queues a message for the next `ready`.
    pub(crate) fn send(&mut self, to: NodeId, msg: Message<C>) {
        assert_ne!(to, self.id, "{}: message to itself: {msg}", self.id);
        assert!(
            to.index() < self.peers,
            "{}: message to non-peer {to}",
            self.id
        );
        self.outbox.push((to, msg));
    }

    /// The voters of this node's configuration but itself, in id order: whom it asks
    /// for votes and confirmations (every peer in a fixed cluster).
    pub(crate) fn other_voters(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        self.configuration()
            .1
            .voters
            .iter()
            .filter(move |p| *p != me)
    }

    /// The members of this node's configuration but itself, voters and learners, in id
    /// order: whom a leader replicates to. Servers outside get nothing from it.
    pub(crate) fn other_members(&self) -> impl Iterator<Item = NodeId> + 'static {
        let me = self.id;
        self.configuration()
            .1
            .members()
            .iter()
            .filter(move |p| *p != me)
    }

    /// True if this node votes in its own configuration: only a voter starts elections
    /// and counts itself in a quorum.
    pub(crate) fn is_voter(&self) -> bool {
        self.configuration().1.is_voter(self.id)
    }

    /// True if `set` holds a majority of the voters of this node's configuration.
    pub(crate) fn is_quorum(&self, set: NodeSet) -> bool {
        self.configuration().1.is_quorum(set)
    }

    /// This node alone if it votes, else no one: what it contributes to a quorum.
    pub(crate) fn me_if_voter(&self) -> NodeSet {
        if self.is_voter() {
            NodeSet::of([self.id])
        } else {
            NodeSet::EMPTY
        }
    }
}
