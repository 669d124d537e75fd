//! Log replication (§5.3, §5.4): the leader's sending and commit rule, the follower's
//! consistency check, and the fast log backup of the lab (conflict term / index hints).

use crate::message::{AppendEntries, AppendEntriesReply, Message};
use crate::node::{Command, Raft, Role};
use crate::types::{Instant, LogIndex, NodeId};

impl<C: Command> Raft<C> {
    /// Leader: sends what each replicating follower has not been sent yet (called by
    /// `start`, so a new command leaves at once rather than at the next heartbeat).
    /// Probing followers wait for their probe's answer, so a backlog is not re-sent.
    pub(crate) fn replicate_new_entries(&mut self, now: Instant) {
        for peer in self.others() {
            let pr = &self.progress[peer.index()];
            if !pr.probing && pr.next_index <= self.log.last_index() {
                self.send_append(peer, now);
            }
        }
    }

    /// Leader: the periodic round (every `heartbeat_interval`, at most 10/s). Each
    /// follower gets exactly one of: a probe (if probing and none was sent in the last
    /// interval), its backlog, a retransmission (in-flight entries unacknowledged for a
    /// whole interval: the request or its reply was lost), or an empty heartbeat.
    pub(crate) fn broadcast_heartbeat(&mut self, now: Instant) {
        assert_eq!(
            self.role,
            Role::Leader,
            "{}: heartbeat while not leader",
            self.id
        );
        let interval = self.config.heartbeat_interval;
        for peer in self.others() {
            let pr = &self.progress[peer.index()];
            let quiet = pr
                .last_send
                .map_or(true, |t| now.saturating_since(t) >= interval);
            if pr.probing {
                if quiet {
                    self.send_append(peer, now);
                }
            } else if pr.next_index <= self.log.last_index() {
                self.send_append(peer, now);
            } else if pr.has_in_flight() && quiet {
                let from = pr.match_index.next();
                self.progress[peer.index()].probe_from(from);
                self.send_append(peer, now);
            } else {
                self.send_heartbeat(peer);
            }
        }
        self.heartbeat_deadline = now + interval;
    }

    /// Leader: sends entries from the follower's `next_index` (or the snapshot, if they
    /// were compacted away). When replicating, `next_index` moves past them at once.
    pub(crate) fn send_append(&mut self, peer: NodeId, now: Instant) {
        let next = self.progress[peer.index()].next_index;
        let prev = next.prev();
        // §7: entries before the snapshot point are gone; send the snapshot instead.
        let Some(prev_term) = self.log.term_at(prev) else {
            assert!(
                prev < self.log.snapshot_index(),
                "{}: no term for {prev} (last {})",
                self.id,
                self.log.last_index()
            );
            self.send_snapshot(peer, now);
            return;
        };
        let entries = self
            .log
            .slice_from(next, self.config.entries_per_message_max);
        let pr = &mut self.progress[peer.index()];
        if !pr.probing {
            pr.next_index = prev.plus(entries.len() as u64 + 1);
        }
        pr.last_send = Some(now);
        let m = AppendEntries {
            term: self.current_term,
            prev_log_index: prev,
            prev_log_term: prev_term,
            entries,
            leader_commit: self.commit_index,
        };
        self.send(peer, Message::AppendEntries(m));
    }

    /// Leader: an empty AppendEntries anchored at the follower's known match, so it is
    /// accepted even while entries are in flight (a heartbeat anchored at `next_index`
    /// would be rejected whenever it overtakes them, and trigger a needless re-send).
    fn send_heartbeat(&mut self, peer: NodeId) {
        let pr = &self.progress[peer.index()];
        // Below the snapshot point the term is unknown; the snapshot point itself is
        // committed, so anchoring there is safe (a follower lacking it asks for more).
        let prev = pr.match_index.max(self.log.snapshot_index());
        let prev_log_term = self.log.term_at(prev).unwrap_or_else(|| {
            panic!(
                "{}: heartbeat to {peer} anchored at unknown {prev}",
                self.id
            )
        });
        let m = AppendEntries {
            term: self.current_term,
            prev_log_index: prev,
            prev_log_term,
            entries: Vec::new(),
            leader_commit: self.commit_index,
        };
        self.send(peer, Message::AppendEntries(m));
    }

    /// Follower side of AppendEntries (Figure 2, receiver implementation 1-5).
    pub(crate) fn handle_append_entries(
        &mut self,
        from: NodeId,
        m: AppendEntries<C>,
        now: Instant,
    ) {
        let mut reply = AppendEntriesReply {
            term: self.current_term,
            success: false,
            prev_log_index: m.prev_log_index,
            entries_len: m.entries.len() as u64,
            conflict_index: LogIndex(0),
            conflict_term: None,
        };
        // 1. Reply false if term < currentTerm; our term in the reply deposes the sender.
        if m.term < self.current_term {
            self.send(from, Message::AppendEntriesReply(reply));
            return;
        }
        self.accept_leader(from, now);
        let last_new = m.prev_log_index.plus(reply.entries_len);
        match self.check_prev(&m) {
            Err((conflict_index, conflict_term)) => {
                reply.conflict_index = conflict_index;
                reply.conflict_term = conflict_term;
            }
            Ok(skip) => {
                self.append_new_entries(m.prev_log_index.plus(skip as u64), m.entries, skip);
                // 5. Only entries known to match the leader's may be committed, hence the
                // bound by the last entry this message vouched for.
                let commit = m.leader_commit.min(last_new);
                if commit > self.commit_index {
                    self.commit_index = commit;
                }
                reply.success = true;
            }
        }
        self.send(from, Message::AppendEntriesReply(reply));
    }

    /// Recognises `from` as the leader of the current term (§5.2: a candidate that hears
    /// from a current leader steps down) and defers our own election.
    pub(crate) fn accept_leader(&mut self, from: NodeId, now: Instant) {
        assert_ne!(
            self.role,
            Role::Leader,
            "{}: two leaders in term {}: {} and {from}",
            self.id,
            self.current_term,
            self.id
        );
        if self.role == Role::Candidate {
            self.become_follower(self.current_term, now);
        }
        assert!(
            self.leader.map_or(true, |l| l == from),
            "{}: two leaders in term {}: {:?} and {from}",
            self.id,
            self.current_term,
            self.leader
        );
        self.leader = Some(from);
        self.reset_election_deadline(now);
    }

    /// Step 2, the consistency check. `Ok(skip)` when the log matches at
    /// `prev_log_index`, with `skip` = the number of leading entries already covered by
    /// our snapshot; `Err((conflict_index, conflict_term))` otherwise: the fast-backup
    /// hints.
    fn check_prev(&self, m: &AppendEntries<C>) -> Result<usize, (LogIndex, Option<crate::Term>)> {
        let snapshot_index = self.log.snapshot_index();
        if m.prev_log_index < snapshot_index {
            // Entries through our snapshot are committed, hence identical to the leader's
            // (§5.4.3): skip those, continue at the snapshot point.
            let skip = snapshot_index.0 - m.prev_log_index.0;
            return Ok(usize::try_from(skip)
                .unwrap_or(usize::MAX)
                .min(m.entries.len()));
        }
        match self.log.term_at(m.prev_log_index) {
            None => Err((self.log.last_index().next(), None)),
            Some(t) if t != m.prev_log_term => {
                assert!(
                    m.prev_log_index > self.commit_index,
                    "{}: leader's {} term {} conflicts with committed term {t}",
                    self.id,
                    m.prev_log_index,
                    m.prev_log_term
                );
                let first = self.log.first_index_of_term_run(m.prev_log_index, t);
                Err((first, Some(t)))
            }
            Some(_) => Ok(0),
        }
    }

    /// Steps 3-4: appends `entries[skip..]`, the first at `prev + 1`, truncating at the first
    /// conflicting entry only. Entries that match are left alone, so a stale or duplicate
    /// AppendEntries never removes entries a newer one appended.
    fn append_new_entries(
        &mut self,
        prev: LogIndex,
        entries: Vec<crate::log::Entry<C>>,
        skip: usize,
    ) {
        let mut index = prev;
        for entry in entries.into_iter().skip(skip) {
            index = index.next();
            match self.log.term_at(index) {
                Some(t) if t == entry.term => continue,
                Some(t) => {
                    assert!(
                        index > self.commit_index,
                        "{}: truncating committed entry {index} (term {t}, commit {})",
                        self.id,
                        self.commit_index
                    );
                    self.log.truncate_from(index);
                }
                None => {}
            }
            assert_eq!(
                self.log.last_index().next(),
                index,
                "{}: append gap",
                self.id
            );
            self.log.append(entry);
            self.persist_pending = true;
        }
    }

    /// Leader side of an AppendEntries reply.
    pub(crate) fn handle_append_entries_reply(
        &mut self,
        from: NodeId,
        m: AppendEntriesReply,
        now: Instant,
    ) {
        // Replies to an earlier term's requests say nothing about this term's log.
        if self.role != Role::Leader || m.term != self.current_term {
            return;
        }
        if m.success {
            let matched = m.prev_log_index.plus(m.entries_len);
            assert!(
                matched <= self.log.last_index(),
                "{}: {from} acknowledged {matched} beyond last {}",
                self.id,
                self.log.last_index()
            );
            self.on_match(from, matched, now);
        } else {
            self.on_reject(from, &m, now);
        }
    }

    /// The follower's log matches ours through `matched`: record it, send what follows,
    /// and see whether the commit index can move.
    pub(crate) fn on_match(&mut self, peer: NodeId, matched: LogIndex, now: Instant) {
        let pr = &mut self.progress[peer.index()];
        pr.record_match(matched);
        if pr.next_index <= self.log.last_index() {
            self.send_append(peer, now);
        }
        self.advance_commit();
    }

    /// A rejected AppendEntries: unless stale, back `next_index` up using the hints (one
    /// round trip per conflicting term rather than per entry) and probe again at once.
    fn on_reject(&mut self, peer: NodeId, m: &AppendEntriesReply, now: Instant) {
        let pr = &self.progress[peer.index()];
        // A reject at or below the known match, or for a probe we no longer wait for,
        // answers a superseded request (reordered or duplicated): ignore it.
        if m.prev_log_index <= pr.match_index {
            return;
        }
        if pr.probing && m.prev_log_index != pr.next_index.prev() {
            return;
        }
        let hint = match m.conflict_term {
            Some(t) => self
                .log
                .last_index_of_term(t)
                .map_or(m.conflict_index, |i| i.next()),
            None => m.conflict_index,
        };
        // Always move strictly back from the rejected point, never to or below the match.
        let next = hint.min(m.prev_log_index).max(pr.match_index.next());
        self.progress[peer.index()].probe_from(next);
        self.send_append(peer, now);
    }

    /// Leader: commit the highest index stored on a majority, but only if it is from the
    /// current term (§5.4.2, Figure 8); earlier entries then commit with it.
    pub(crate) fn advance_commit(&mut self) {
        if self.role != Role::Leader {
            return;
        }
        let mut matched: Vec<LogIndex> = self
            .others()
            .map(|p| self.progress[p.index()].match_index)
            .collect();
        matched.push(self.log.last_index());
        matched.sort_unstable_by(|a, b| b.cmp(a));
        let candidate = matched[self.quorum() - 1];
        if candidate > self.commit_index && self.log.term_at(candidate) == Some(self.current_term) {
            self.commit_index = candidate;
        }
        assert!(
            self.commit_index <= self.log.last_index(),
            "{}: commit {} beyond last {}",
            self.id,
            self.commit_index,
            self.log.last_index()
        );
    }
}
