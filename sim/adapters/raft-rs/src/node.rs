//! One raft-rs `RawNode` as a contract [`RaftNode`].

use crate::clock::{ElectionTimeouts, Ticks};
use crate::conf::{self, configuration, node_id, raft_id, Conf};
use crate::entry;
use crate::lease;
use crate::message::Wire;
use crate::persist::{self, EncodedLog};
use crate::read;
use crate::storage::{self, SimStorage};
use crate::tuning::Tuning;
use raft_contract::{
    ApplyMsg, Boot, ChangeRefused, Command, ConfChange, Configuration, Error, Instant, LogIndex,
    NodeId, RaftNode, ReadState, Ready, Role, SharedBytes, SnapshotPoint, Status, Term,
};
use raftrs::eraftpb::{ConfChangeV2, Entry, Message, MessageType};
use raftrs::{Config, RawNode, ReadOnlyOption, SnapshotStatus, StateRole};
use std::fmt;
use std::marker::PhantomData;

/// The raft-rs configuration of node `id` with `tuning`, `applied` the raft-rs index
/// its service's state reflects (its snapshot point), and `read_only` the mode of the
/// reads it serves without the log, if any (see [`crate::read`]; raft-rs's default,
/// `Safe`, when none).
///
/// Shipped ([`crate::tuning::KNOBS`]' defaults): pre-vote is on. raft-rs resets a
/// follower's election timer whenever a message with a higher term makes it step down,
/// even a vote request it rejects; without pre-vote, candidates whose logs are too old
/// to win keep resetting the one node that could, and ManyElections2A seed 49 finds no
/// leader within the lab's 5 s (see the README). Pre-vote is raft-rs's remedy for such
/// disruptive candidates (thesis §9.6): a candidate bumps its term only once a majority
/// would vote for it. Check-quorum is on, as TiKV runs raft-rs (see [`crate::tuning::KNOBS`]). `skip_bcast_commit` is
/// off, raft-rs's default: a leader tells followers about a new commit index at once
/// with an empty append.
pub fn config(
    id: NodeId,
    applied: u64,
    tuning: &Tuning,
    read_only: Option<ReadOnlyOption>,
) -> Config {
    let timeouts = tuning.election_timeouts();
    Config {
        id: raft_id(id),
        election_tick: tuning.election_tick,
        heartbeat_tick: tuning.heartbeat_tick,
        min_election_tick: timeouts.start,
        max_election_tick: timeouts.end,
        applied,
        max_size_per_msg: tuning.max_size_per_msg,
        max_inflight_msgs: tuning.max_inflight_msgs,
        check_quorum: tuning.check_quorum,
        pre_vote: tuning.pre_vote,
        skip_bcast_commit: false,
        read_only_option: read_only.unwrap_or_default(),
        ..Config::default()
    }
}

/// A raft-rs node driven through raftsim's contract, for commands of type `C`.
pub struct RaftRsNode<C> {
    raw: RawNode<SimStorage>,
    ticks: Ticks,
    timeouts: ElectionTimeouts,
    encoded: EncodedLog,
    /// The last command index handed to the service (the contract's numbering).
    applied_commands: u64,
    /// The storage changed since the last [`RaftNode::ready`].
    dirty: bool,
    messages: Vec<(NodeId, Wire)>,
    apply: Vec<ApplyMsg<C>>,
    /// The cluster's server slots ([`Boot::peers`]).
    peers: usize,
    /// raft-rs's mode for reads without the log, if the node serves them.
    read_only: Option<ReadOnlyOption>,
    /// Reads raft-rs confirmed since the last [`RaftNode::ready`].
    reads: Vec<ReadState>,
    _command: PhantomData<C>,
}

impl<C> fmt::Debug for RaftRsNode<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let raft = &self.raw.raft;
        write!(
            f,
            "RaftRsNode(id {} term {} {:?} commit {} last {} applied commands {})",
            raft.id,
            raft.term,
            raft.state,
            raft.raft_log.committed,
            raft.raft_log.last_index(),
            self.applied_commands
        )
    }
}

impl<C: Command> RaftRsNode<C> {
    /// Hands raft-rs every tick that fell since the last call, one by one.
    fn catch_up(&mut self, now: Instant) {
        for _ in 0..self.ticks.due(now) {
            self.raw.tick();
            self.ticks.give();
            self.redraw();
        }
    }

    /// Replaces raft-rs's election timeout with a seeded one if raft-rs reset its timer
    /// (see [`ElectionTimeouts`]). Called after every call into raft-rs that can reset.
    fn redraw(&mut self) {
        let raft = &mut self.raw.raft;
        if let Some(ticks) = self.timeouts.after(raft.term, raft.state) {
            raft.set_randomized_election_timeout(ticks);
        }
    }

    /// How many command entries the log holds through raft-rs index `index` (stable
    /// entries from the storage, the rest from raft-rs's unstable tail).
    fn commands_through(&self, index: u64) -> u64 {
        let unstable = self.raw.raft.raft_log.unstable_entries();
        let store = self.raw.store();
        let (base, tail) = match unstable.first() {
            Some(first) if index >= first.index => (first.index - 1, unstable),
            _ => (index, &[][..]),
        };
        let stable = store.commands_through(base).unwrap_or_else(|| {
            panic!(
                "{self:?}: index {base} is neither the snapshot point nor retained ({}..={})",
                store.first(),
                store.last()
            )
        });
        let fresh = tail
            .iter()
            .take_while(|e| e.index <= index)
            .filter(|e| entry::is_command(e))
            .count();
        stable + fresh as u64
    }

    /// The contract's index of a read raft-rs confirmed at raft-rs index `index`: the
    /// number of commands through it, or through the snapshot point if the service
    /// compacted past `index` meanwhile (a later index, so still at least every
    /// command committed at `index`).
    fn read_index(&self, index: u64) -> LogIndex {
        let point = self.raw.store().point();
        let commands = if index < point.index {
            point.commands
        } else {
            self.commands_through(index)
        };
        assert!(
            index <= self.raw.raft.raft_log.committed,
            "{self:?}: read index {index} beyond commit"
        );
        assert!(
            commands <= self.commands_through(self.raw.raft.raft_log.committed),
            "{self:?}: read index {index} maps to command {commands}, beyond commit"
        );
        LogIndex(commands)
    }

    /// Queues the reads raft-rs confirmed, in the contract's numbering.
    fn confirm_reads(&mut self, states: Vec<raftrs::ReadState>) {
        for rs in states {
            let ctx = read::decode_ctx(&rs.request_ctx);
            let index = self.read_index(rs.index);
            // raft-rs's lease-based reads keep no lease interval to report.
            self.reads.push(ReadState {
                ctx,
                index,
                lease: None,
            });
        }
    }

    /// Hands committed entries to the service: commands get the next command index,
    /// no-ops are skipped, configuration changes go to raft-rs.
    fn apply_entries(&mut self, entries: Vec<Entry>) {
        for e in entries {
            if let Some(cc) = entry::conf_change(&e) {
                self.apply_conf_change(e.index, &cc);
                continue;
            }
            if !entry::is_command(&e) {
                continue;
            }
            self.applied_commands += 1;
            assert_eq!(
                self.commands_through(e.index),
                self.applied_commands,
                "{self:?}: entry {} applied out of numbering",
                e.index
            );
            self.apply.push(ApplyMsg::Command {
                index: LogIndex(self.applied_commands),
                term: Term(e.term),
                command: entry::decode(&e),
            });
        }
    }

    /// Switches raft-rs to the configuration of the committed entry `index`, as raft-rs
    /// asks of its application (`RawNode::apply_conf_change`: the configuration takes
    /// effect when applied), and stores it. After a restart, raft-rs starts from the
    /// last configuration stored and the node re-applies the entries after its snapshot
    /// point: the configurations of entries up to the stored one are in force already.
    ///
    /// # Panics
    /// If raft-rs cannot apply a committed change: the leader's checks (raft-rs's and
    /// [`Configuration::after`]) let through only changes that apply, so this is a bug.
    fn apply_conf_change(&mut self, index: u64, cc: &ConfChangeV2) {
        let (in_force, known) = self.raw.store().confs().current();
        if index <= in_force {
            return;
        }
        if known.is_unknown() {
            let before = Conf::decode(&cc.context)
                .unwrap_or_else(|e| panic!("{self:?}: conf change {index} context: {e}"));
            self.bootstrap(index, &before);
        }
        let cs = self
            .raw
            .apply_conf_change(cc)
            .unwrap_or_else(|e| panic!("{self:?}: applying conf change {index} {cc:?}: {e}"));
        self.raw.mut_store().record_conf(index, Conf::from(&cs));
        self.dirty = true;
    }

    /// Rebuilds, at a server that knows no configuration, the configuration `before`
    /// that the conf change at `index` applies to (see [`crate::conf`]).
    ///
    /// # Panics
    /// If raft-rs refuses a step or ends at another configuration.
    fn bootstrap(&mut self, index: u64, before: &Conf) {
        for cc in before.bootstrap() {
            self.raw.apply_conf_change(&cc).unwrap_or_else(|e| {
                panic!("{self:?}: rebuilding {before:?} before entry {index}: {cc:?}: {e}")
            });
        }
        let rebuilt = Conf::from(&self.raw.raft.prs().conf().to_conf_state());
        assert_eq!(
            rebuilt.sorted(),
            before.clone().sorted(),
            "{self:?}: configuration rebuilt before entry {index}"
        );
    }

    /// The index of the entry the configuration in use comes from: that of a snapshot
    /// raft-rs restored but the node has not stored yet (raft-rs switches to its
    /// configuration at once), or else of the last configuration stored.
    fn config_index(&self) -> u64 {
        if let Some(snapshot) = &self.raw.raft.raft_log.unstable.snapshot {
            let received = storage::wire_parts(snapshot)
                .unwrap_or_else(|e| panic!("{self:?}: a restored snapshot: {e}"));
            return received.conf_index;
        }
        self.raw.store().confs().current().0
    }

    /// Why raft-rs's leader would not take a configuration change now, if it would
    /// not: the checks of raft.rs's `MsgPropose`, made before proposing so that raft-rs
    /// never turns a change the adapter accepted into an empty entry.
    fn change_refused(&self) -> Option<ChangeRefused> {
        let raft = &self.raw.raft;
        // A leader removed from its configuration keeps leading but drops every
        // proposal (raft.rs, `MsgPropose`); no leadership transfer is ever started.
        if raft.state != StateRole::Leader
            || raft.prs().get(raft.id).is_none()
            || raft.lead_transferee.is_some()
        {
            return Some(ChangeRefused::NotLeader);
        }
        // raft-rs's guard (raft.rs `become_leader`): a new leader sets
        // `pending_conf_index` to its last index before its no-op, so it takes no change
        // until the entries of earlier terms it holds are applied, which its no-op's
        // commit brings about. A leader that holds none pending takes a change at once,
        // before its no-op commits: a configuration takes effect only once applied, so
        // the one it counts with is committed (thesis §4.1's bug needs one in use
        // uncommitted).
        if raft.has_pending_conf() {
            let index = raft.pending_conf_index;
            let term = raft.raft_log.term(index).unwrap_or(0);
            return Some(if term < raft.term {
                ChangeRefused::TermNotCommitted
            } else {
                ChangeRefused::InFlight(LogIndex(index))
            });
        }
        if !raft.prs().conf().to_conf_state().voters_outgoing.is_empty() {
            return Some(ChangeRefused::InFlight(LogIndex(self.config_index())));
        }
        None
    }

    /// Queues messages, and reports every snapshot sent as finished: the simulated
    /// network has no delivery report, and handing a message to it is what a transport's
    /// "sent" means. If it is lost, the follower's next answer shows raft-rs that it
    /// still lags, and raft-rs sends the snapshot again.
    fn send(&mut self, messages: Vec<Message>) {
        for m in messages {
            let to = node_id(m.to);
            if m.get_msg_type() == MessageType::MsgSnapshot {
                self.raw.report_snapshot(m.to, SnapshotStatus::Finish);
            }
            self.messages.push((to, Wire(m)));
        }
    }

    /// Carries out one raft-rs `Ready`: save the snapshot, entries and hard state to the
    /// storage, queue messages and committed entries, and advance.
    fn handle_ready(&mut self) {
        let mut rd = self.raw.ready();
        if !rd.snapshot().is_empty() {
            let received = storage::wire_parts(rd.snapshot())
                .unwrap_or_else(|e| panic!("{self:?}: installing a snapshot: {e}"));
            let point = received.point;
            assert!(
                point.commands >= self.applied_commands,
                "{self:?}: snapshot through command {} behind applied",
                point.commands
            );
            let data = received.data.to_vec();
            // raft-rs switched to the snapshot's configuration when it restored it.
            let conf = Conf::from(rd.snapshot().get_metadata().get_conf_state());
            self.raw.mut_store().install(received, conf);
            self.applied_commands = point.commands;
            self.apply.push(ApplyMsg::Snapshot {
                index: LogIndex(point.commands),
                term: Term(point.term),
                data,
            });
            self.dirty = true;
        }
        if !rd.entries().is_empty() {
            self.raw.mut_store().append(rd.entries());
            self.dirty = true;
        }
        if let Some(hs) = rd.hs() {
            self.raw.mut_store().set_hard_state(hs.clone());
            self.dirty = true;
        }
        let messages = rd.take_messages();
        self.send(messages);
        let persisted = rd.take_persisted_messages();
        self.send(persisted);
        self.apply_entries(rd.take_committed_entries());
        self.confirm_reads(rd.take_read_states());
        let mut light = self.raw.advance(rd);
        if let Some(commit) = light.commit_index() {
            self.raw.mut_store().set_commit(commit);
            self.dirty = true;
        }
        self.send(light.take_messages());
        self.apply_entries(light.take_committed_entries());
        self.raw.advance_apply();
    }
}

impl<C: Command> RaftNode<C> for RaftRsNode<C> {
    type Message = Wire;

    /// Rebuilds the raft-rs storage from the disk alone and starts a `RawNode` on it,
    /// applying from the snapshot point on.
    fn boot(boot: Boot) -> Result<Self, Error> {
        let storage = persist::decode(&boot.persisted, boot.peers, Conf::from(&boot.config))
            .map_err(|e| Error::Boot(format!("{}: {e}", boot.id)))?;
        let point = storage.point();
        let tuning = Tuning::from_settings(&boot.settings);
        let read_only = read::read_only_option(boot.reads, tuning.check_quorum);
        let config = config(boot.id, point.index, &tuning, read_only);
        let logger = slog::Logger::root(slog::Discard, slog::o!());
        let raw = RawNode::new(&config, storage, &logger)
            .map_err(|e| Error::Boot(format!("{}: raft-rs: {e}", boot.id)))?;
        let mut node = RaftRsNode {
            raw,
            ticks: Ticks::new(boot.now),
            timeouts: ElectionTimeouts::new(boot.seed, tuning.election_timeouts()),
            encoded: EncodedLog::default(),
            applied_commands: point.commands,
            dirty: false,
            peers: boot.peers,
            messages: Vec::new(),
            apply: Vec::new(),
            read_only,
            reads: Vec::new(),
            _command: PhantomData,
        };
        node.redraw();
        Ok(node)
    }

    /// Proposes the command; its index is the number of commands in the leader's log
    /// with it, which is the index it has if it commits (no-ops are not counted).
    fn start(&mut self, command: C, now: Instant) -> Option<(LogIndex, Term)> {
        self.catch_up(now);
        if self.raw.raft.state != StateRole::Leader {
            return None;
        }
        let index = self.commands_through(self.raw.raft.raft_log.last_index()) + 1;
        // raft-rs drops a proposal during a leadership transfer or over its size limit;
        // neither is configured, but a drop is "not appended" either way.
        self.raw.propose(Vec::new(), entry::encode(&command)).ok()?;
        let last = self.raw.raft.raft_log.last_index();
        assert_eq!(
            self.commands_through(last),
            index,
            "{self:?}: proposal not at the end of the log"
        );
        Some((LogIndex(index), Term(self.raw.raft.term)))
    }

    fn state(&self) -> (Term, bool) {
        let raft = &self.raw.raft;
        (Term(raft.term), raft.state == StateRole::Leader)
    }

    /// Compacts the storage through the entry of command `index`, which becomes the
    /// snapshot point with `data` as the snapshot raft-rs sends to lagging followers.
    fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<(), Error> {
        let point = self.raw.store().point();
        if index.0 <= point.commands {
            return Err(Error::SnapshotRefused(format!(
                "command {index} is not after the snapshot at command {}",
                point.commands
            )));
        }
        if index.0 > self.applied_commands {
            return Err(Error::SnapshotRefused(format!(
                "command {index} is not applied yet (applied {})",
                self.applied_commands
            )));
        }
        let at = self
            .raw
            .mut_store()
            .compact(index.0, SharedBytes::from(data))
            .map_err(Error::SnapshotRefused)?;
        assert!(
            at <= self.raw.raft.raft_log.applied,
            "{self:?}: snapshot at {at} beyond applied"
        );
        self.dirty = true;
        Ok(())
    }

    fn step(&mut self, from: NodeId, msg: Wire, now: Instant) {
        let predicted = self.discards(&msg, now);
        self.catch_up(now);
        let m = msg.0;
        let dropped = lease::is_higher_vote_request(&self.raw.raft, &m)
            && lease::in_lease_after(&self.raw.raft, 0);
        assert_eq!(
            predicted,
            dropped,
            "{self:?}: the adapter predicted wrongly whether raft-rs drops {:?} under its lease",
            m.get_msg_type()
        );
        assert_eq!(
            m.from,
            raft_id(from),
            "{self:?}: message from {from} claims {}",
            m.from
        );
        assert_eq!(m.to, self.raw.raft.id, "{self:?}: message for {}", m.to);
        // raft-rs refuses local message types and replies from peers it does not know;
        // neither comes from this network, and refusing is dropping.
        let _ = self.raw.step(m);
        self.redraw();
    }

    /// A vote request of a higher term that raft-rs's lease will drop (see
    /// [`crate::lease`]); raft-rs reads every other message.
    fn discards(&self, msg: &Wire, now: Instant) -> bool {
        let raft = &self.raw.raft;
        lease::is_higher_vote_request(raft, &msg.0)
            && lease::in_lease_after(raft, self.ticks.due(now))
    }

    /// Hands the read to raft-rs (`RawNode::read_index`) where raft-rs answers it or
    /// resets its requests with a change of role or term (see [`crate::read`]): at a
    /// leader with an entry of its term committed, booted for reads raft-rs serves.
    fn read(&mut self, ctx: u64, now: Instant) -> bool {
        self.catch_up(now);
        let raft = &self.raw.raft;
        if self.read_only.is_none()
            || raft.state != StateRole::Leader
            || !raft.commit_to_current_term()
        {
            return false;
        }
        let taken = raft.pending_read_count() + raft.ready_read_count();
        let term = raft.term;
        self.raw.read_index(read::encode_ctx(ctx));
        self.redraw();
        let raft = &self.raw.raft;
        assert_eq!(
            (raft.term, raft.state),
            (term, StateRole::Leader),
            "{self:?}: a read moved the term or role"
        );
        assert_eq!(
            raft.pending_read_count() + raft.ready_read_count(),
            taken + 1,
            "{self:?}: raft-rs dropped read {ctx} unanswered"
        );
        true
    }

    /// Proposes the changes as one raft-rs `ConfChangeV2` (see the crate docs,
    /// "Membership changes"), after the checks raft-rs's leader makes and those its
    /// `Changer` makes when applying, so that every refusal is an answer.
    ///
    /// raft-rs itself refuses little, and silently: a leader with a change pending, or
    /// in a joint configuration not yet left, turns the proposal into an empty normal
    /// entry (raft.rs, `MsgPropose`), and `Changer` errors only when the entry is
    /// *applied* (no voter left, a simple change of two voters, entering a joint state
    /// twice). So the node asks raft-rs's leader state first (`change_refused`), then
    /// checks the changes against the configuration in use with the contract's
    /// [`Configuration::after`], one after the other as `Changer` applies them: changes
    /// that `Changer` would carry out as no-ops (removing a stranger, adding a voter
    /// twice) are refused as such, and a change leaving no voter is refused before
    /// raft-rs would fail to apply it.
    fn change(&mut self, changes: &[ConfChange], now: Instant) -> Result<LogIndex, ChangeRefused> {
        self.catch_up(now);
        if let Some(c) = changes.iter().find(|c| c.server().index() >= self.peers) {
            return Err(ChangeRefused::UnknownServer(c.server()));
        }
        if let Some(refused) = self.change_refused() {
            return Err(refused);
        }
        let before = self.raw.raft.prs().conf().to_conf_state();
        // `change_refused` answered for a joint configuration: `after` reads a plain one.
        Configuration::after(&configuration(&before), changes, self.peers)?;
        let (term, index) = (self.raw.raft.term, self.raw.raft.raft_log.last_index() + 1);
        let cc = conf::conf_change_v2(changes, &Conf::from(&before));
        let proposed = self.raw.propose_conf_change(Vec::new(), cc);
        self.redraw();
        let raft = &self.raw.raft;
        assert!(
            proposed.is_ok(),
            "{self:?}: raft-rs dropped conf change {changes:?}: {proposed:?}"
        );
        assert_eq!(
            (raft.term, raft.raft_log.last_index()),
            (term, index),
            "{self:?}: conf change {changes:?} not appended at the end of the log"
        );
        // raft-rs replaces a change it refuses with an empty normal entry and leaves
        // `pending_conf_index` alone.
        assert_eq!(
            raft.pending_conf_index, index,
            "{self:?}: raft-rs turned conf change {changes:?} into an empty entry"
        );
        Ok(LogIndex(index))
    }

    fn tick(&mut self, now: Instant) {
        self.catch_up(now);
    }

    /// The tick at which raft-rs acts next: a leader's next heartbeat, or a follower's
    /// or candidate's election timeout.
    fn next_deadline(&self) -> Instant {
        let raft = &self.raw.raft;
        let ahead = if raft.state == StateRole::Leader {
            raft.heartbeat_timeout()
                .saturating_sub(raft.heartbeat_elapsed())
        } else {
            raft.randomized_election_timeout()
                .saturating_sub(raft.election_elapsed)
        };
        self.ticks.at(ahead.max(1) as u64)
    }

    fn ready(&mut self) -> Ready<C, Wire> {
        while self.raw.has_ready() {
            self.handle_ready();
        }
        // Nothing in a ready resets raft-rs's timer; this only keeps the rule simple:
        // every call into raft-rs is followed by a look.
        self.redraw();
        let persist =
            std::mem::take(&mut self.dirty).then(|| self.encoded.encode(self.raw.store()));
        Ready {
            persist,
            messages: std::mem::take(&mut self.messages),
            apply: std::mem::take(&mut self.apply),
            reads: std::mem::take(&mut self.reads),
        }
    }

    /// raft-rs's own view, in its own log positions (no-ops included).
    fn status(&self) -> Status {
        let raft = &self.raw.raft;
        let log = &raft.raft_log;
        let snapshot_index = log.first_index() - 1;
        Status {
            term: Term(raft.term),
            role: match raft.state {
                StateRole::Leader => Role::Leader,
                StateRole::Candidate | StateRole::PreCandidate => Role::Candidate,
                StateRole::Follower => Role::Follower,
            },
            voted_for: (raft.vote != 0).then(|| node_id(raft.vote)),
            commit_index: LogIndex(log.committed),
            snapshot: Some(SnapshotPoint {
                index: LogIndex(snapshot_index),
                term: Term(log.term(snapshot_index).unwrap_or(0)),
            }),
            last_index: LogIndex(log.last_index()),
            config: configuration(&self.raw.raft.prs().conf().to_conf_state()),
            config_index: LogIndex(self.config_index()),
        }
    }

    fn log_term(&self, index: LogIndex) -> Option<Term> {
        let log = &self.raw.raft.raft_log;
        if index.0 + 1 < log.first_index() || index.0 > log.last_index() {
            return None;
        }
        log.term(index.0).ok().map(Term)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::{Persisted, Settings};

    fn boot(peers: usize, persisted: Persisted, seed: u64, now: Instant) -> RaftRsNode<u64> {
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
        RaftRsNode::boot(boot).expect("boots")
    }

    /// Ticks a one-node cluster until it leads; returns what it applied meanwhile.
    fn elect(node: &mut RaftRsNode<u64>) -> Vec<ApplyMsg<u64>> {
        let mut applied = node.ready().apply;
        for _ in 0..10 {
            if node.state().1 {
                return applied;
            }
            let now = node.next_deadline();
            node.tick(now);
            applied.extend(node.ready().apply);
        }
        panic!("{node:?} did not elect itself");
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

    #[test]
    fn node_numbers_commands_across_no_ops_snapshots_and_restarts() {
        let mut node = boot(1, Persisted::default(), 3, Instant(0));
        elect(&mut node);
        for c in [10, 20, 30] {
            let now = node.next_deadline();
            node.start(c, now).expect("leader");
        }
        let rd = node.ready();
        assert_eq!(commands(&rd.apply), [(1, 10), (2, 20), (3, 30)]);
        assert_eq!(node.status().last_index, LogIndex(4), "the no-op is at 1");
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
        assert_eq!(node.log_term(LogIndex(2)), None, "compacted");

        // A restart resumes after the snapshot: command 3 again, then a new term's no-op,
        // and the next command is 4.
        let mut again = boot(1, saved, 4, Instant::from_millis(5_000));
        let applied = elect(&mut again);
        assert_eq!(commands(&applied), [(3, 30)]);
        let now = again.next_deadline();
        let (index, term) = again.start(40, now).expect("leader");
        assert_eq!((index, term), (LogIndex(4), Term(2)));
        assert_eq!(commands(&again.ready().apply), [(4, 40)]);
        assert_eq!(
            again.status().last_index,
            LogIndex(6),
            "two no-ops, four commands"
        );
    }

    #[test]
    fn node_election_timeout_is_drawn_from_the_seed_at_every_reset() {
        let mut node = boot(3, Persisted::default(), 11, Instant(0));
        let mut expected = ElectionTimeouts::new(11, crate::clock::ELECTION_TIMEOUT_TICKS);
        let timeout = |n: &RaftRsNode<u64>| n.raw.raft.randomized_election_timeout();
        let follower = StateRole::Follower;
        assert_eq!(Some(timeout(&node)), expected.after(0, follower), "at boot");
        let now = node.next_deadline();
        node.tick(now);
        let rd = node.ready();
        assert_eq!(rd.messages.len(), 2, "pre-votes requested");
        assert_eq!(node.raw.raft.state, StateRole::PreCandidate);
        assert_eq!(expected.after(0, StateRole::PreCandidate), None);
        let mut grant = Message {
            from: 2,
            to: 1,
            term: 1,
            ..Message::default()
        };
        grant.set_msg_type(MessageType::MsgRequestPreVoteResponse);
        node.step(NodeId(1), Wire(grant), now);
        assert_eq!(node.ready().messages.len(), 2, "votes requested");
        let candidate = StateRole::Candidate;
        assert_eq!(
            Some(timeout(&node)),
            expected.after(1, candidate),
            "as candidate"
        );
        let mut m = Message {
            from: 2,
            to: 1,
            term: 5,
            ..Message::default()
        };
        m.set_msg_type(MessageType::MsgHeartbeat);
        node.step(NodeId(1), Wire(m), now);
        assert_eq!(node.state(), (Term(5), false));
        assert_eq!(
            Some(timeout(&node)),
            expected.after(5, follower),
            "as follower"
        );
        let deadline = node.next_deadline();
        let ticks = timeout(&node) as u64;
        assert_eq!(deadline, now + crate::clock::TICK * ticks);
    }

    #[test]
    fn every_combination_of_choices_is_accepted_by_raft_rs_and_keeps_the_lab_limits() {
        let combos = Settings::every_combination(crate::tuning::KNOBS);
        assert_eq!(combos.len(), 4 * 3 * 2 * 2 * 3 * 2);
        for settings in combos {
            let t = Tuning::from_settings(&settings);
            let lease =
                crate::read::read_only_option(raft_contract::ReadMode::Lease, t.check_quorum);
            let config = config(NodeId(0), 0, &t, lease);
            assert!(config.validate().is_ok(), "{settings}");
            assert!(
                crate::clock::TICK * t.heartbeat_tick as u64 >= crate::clock::TICK * 10,
                "{settings}"
            );
            assert!(
                crate::clock::TICK * (t.election_timeouts().end as u64) <= crate::clock::TICK * 100,
                "{settings}"
            );
        }
    }
}
