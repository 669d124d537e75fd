//! The classic Raft bugs that raftsim's suite of broken Rafts plants in this crate: the
//! names and descriptions only. A [`crate::Config`] names the bug a node runs with;
//! `planted` boots such nodes. Kept apart so that the configuration names a bug without
//! importing the nodes that plant it.

use std::fmt;

/// A classic Raft bug. Each names where it comes from and the safety property that
/// should catch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Bug {
    /// votedFor is not persisted: a restarted node has forgotten whom it voted for in
    /// its current term and may vote again (Figure 2, "Persistent state on all
    /// servers"; lab 2C; vesoft-inc/nebula#3415, a candidacy not saved). raftsim's issue
    /// 14: it passed 16,000 lab runs before the monitors. Caught by Durability.
    ForgetVote,
    /// currentTerm is not persisted: a restarted node takes the term of its last log
    /// entry, forgetting later terms it joined and the vote it cast (Figure 2,
    /// persistent state). Caught by Durability.
    ForgetTerm,
    /// Answers before saving: the state is saved only at the next tick, so a crash in
    /// between loses a vote or entries already acknowledged (Figure 2, "respond to RPCs
    /// after updating stable storage"; etcd-raft's `Ready` contract: persist, then
    /// send). A wrapper around the reference Raft. Caught by Durability (or Leader
    /// Completeness, when the lost entries were committed).
    AckBeforePersist,
    /// Grants its vote to any candidate of its term with an up-to-date log, whoever it
    /// voted for already, candidates and leaders included (Figure 2, RequestVote
    /// receiver 2: "if votedFor is null or candidateId"; etcd-io/etcd#2461 and
    /// camunda/camunda#5368, a vote reset within its term). Caught by Election Safety,
    /// or by Durability when a candidate's own vote is replaced on its disk.
    VoteTwice,
    /// Grants votes without the election restriction: a candidate whose log is behind
    /// wins and lacks committed entries (§5.4.1). Caught by Leader Completeness.
    VoteWithoutLogCheck,
    /// Counts a granted vote from an older term's election, which the voter may have
    /// given in place of a vote in this term (Students' Guide to Raft, "term
    /// confusion": drop replies from older terms; andreev-io/little-raft#44,
    /// eatonphil/raft-rs#3). Caught by Vote Quorum: in the lab scenarios the rival
    /// leader that Election Safety needs never showed up.
    CountStaleVote,
    /// A leader that hears of a higher term in a reply adopts it but keeps leading
    /// (Figure 2, "Rules for Servers": "set currentTerm = T, convert to follower";
    /// the Students' Guide's term confusion). Caught by the Term Rule.
    KeepLeadingOnHigherTerm,
    /// Commits an entry of an earlier term by counting its replicas (§5.4.2 and
    /// Figure 8: only entries of the leader's own term commit by counting;
    /// logcabin/logcabin#44, goraft/raft#27, async-raft/async-raft#108). Caught by the
    /// Commit Rule; Leader Completeness sees it only when a later leader lacks the
    /// entry, which needs Figure 8's schedule.
    CommitPreviousTerm,
    /// Quorum off by one: the leader commits an entry stored on `n / 2` servers, a
    /// minority (§5.3: "replicated on a majority"). Caught by the Commit Rule, and
    /// later by Leader Completeness or State Machine Safety.
    CommitMinority,
    /// A follower advances its commit index to min(leaderCommit, its own last index),
    /// not bounded by the last entry the message vouched for, and commits a stale tail
    /// that differs from the leader's (Figure 2, AppendEntries receiver 5; the
    /// Students' Guide: "the index of the last new entry"; atomix/copycat#265).
    /// Caught by State Machine Safety.
    CommitBeyondLastNew,
    /// A follower checks only that it has an entry at prevLogIndex, not its term, and
    /// appends the leader's entries after a different prefix (Figure 2, AppendEntries
    /// receiver 2). Planted where the entry there is of an older term than the
    /// leader's (a newer one would make the appended terms decrease, which the crate's
    /// `Log` refuses). Caught by Log Matching, or by State Machine Safety when a
    /// heartbeat commits the mismatched entry first.
    SkipPrevTermCheck,
    /// A follower deletes everything after prevLogIndex on every AppendEntries, even
    /// when the entries match, so a delayed one deletes entries it already acknowledged
    /// (Figure 2, AppendEntries receiver 3: only "if an existing entry conflicts"; the
    /// Students' Guide: "the if here is crucial"). Caught by Acknowledged Entries when
    /// the delayed append arrives; before that monitor, by State Machine Safety or
    /// Leader Completeness once the lost entries mattered.
    TruncateOnEveryAppend,
    /// Accepts AppendEntries from a leader of an older term, so a deposed leader
    /// overwrites newer entries (Figure 2, AppendEntries receiver 1: "reply false if
    /// term < currentTerm"). Caught by State Machine Safety or Leader Append-Only (a
    /// leader taking a deposed leader's entries).
    AcceptStaleAppend,
    /// Installs a snapshot older than its commit index, checking it only against its
    /// own snapshot, so its commit index and its service go back (Figure 13;
    /// etcd-io/etcd#1715: etcd-raft ignores snapshots at or below the commit index).
    /// Caught by Apply Order.
    InstallStaleSnapshot,
    /// A follower that installs a snapshot discards its whole log, even the entries
    /// that follow a matching snapshot point, which it may have acknowledged to the
    /// leader of its term already (Figure 13, InstallSnapshot receiver 6: "if existing
    /// log entry has same index and term as snapshot's last included entry, retain log
    /// entries following it"). The leader's matchIndex still counts the follower for
    /// them. Caught by Acknowledged Entries (issue 22: before that monitor, such a
    /// follower at most stalled the cluster).
    DiscardLogOnSnapshot,
    /// A node that learns a higher term from a message adopts it without saving it
    /// (Figure 2: currentTerm is persistent, "updated on stable storage before
    /// responding to RPCs"): the reply it sends carries a term its disk does not have,
    /// and a crash before its next save takes the term back. Saved only by the next
    /// change that is saved. Caught by Durability, mostly through a trap set on state
    /// changes (issue 22: an ordinary crash falls in that window about once in 600
    /// runs).
    AdoptTermUnsaved,
    /// A leader answers every AppendEntries reply, stale and duplicate ones included,
    /// with an AppendEntries to every follower: each reply begets `n - 1` requests, so
    /// the traffic multiplies with every round trip (raftsim's issue 23: a user's leader
    /// that answered stale replies with new appends sent 128 million messages in 12 s
    /// and passed). Breaks no safety property; caught by the run budget's send-rate
    /// bound, which names the storm (`sim/tests/budget.rs`).
    AppendOnEveryReply,
    /// A ReadIndex read is confirmed at once, without the round of heartbeats a majority
    /// must answer (thesis §6.4 step 3): a leader deposed without knowing it answers
    /// from its stale state. Breaks no property of the log; caught by the checker, as a
    /// stale read in the KV history (ReadIndexPartitioned).
    ReadWithoutConfirm,
    /// A lease lasts the whole shortest election timeout from its round, without the
    /// margin for clock drift (thesis §6.4.1: "the leader's lease … should account for
    /// clock drift"): under clocks that drift, another leader can be elected while the
    /// lease holds. Caught by Lease Safety (LeaseClockDrift).
    LeaseWithoutMargin,
    /// A leader accepts a configuration change before an entry of its own term has
    /// committed: the single-server change bug Ongaro reported on raft-dev in 2015
    /// ("bug in single-server membership changes"). A new leader may hold an older
    /// configuration than one an earlier leader had begun to use; changing from it
    /// yields a configuration whose majorities need not meet the other's, and two
    /// leaders of one term. The fix: wait for an entry of the term to commit (with the
    /// lab's no no-op rule, a client command of the term). For the membership monitors.
    ChangeBeforeTermCommit,
    /// A leader accepts a configuration change while the previous one's entry has not
    /// committed (thesis §4.1: "a leader does not begin a new change until the previous
    /// change's entry has committed"): two single-server changes in flight add up to a
    /// two-server change, whose old and new majorities need not overlap. For the
    /// membership monitors.
    TwoChangesAtOnce,
    /// A configuration takes effect at a server only when its entry commits, not as soon
    /// as it is appended (thesis §4.1: "a server always uses the latest configuration in
    /// its log, regardless of whether the entry is committed"). A leader then counts a
    /// change's commit by the old configuration, and servers disagree about which
    /// configuration is in effect. For the membership monitors (Configuration Safety,
    /// which holds a server to `TakesEffect::OnAppend`).
    ConfigAtCommit,
}

impl Bug {
    /// Every bug, in the order of the suite.
    pub const ALL: [Bug; 16] = [
        Bug::ForgetVote,
        Bug::ForgetTerm,
        Bug::AckBeforePersist,
        Bug::VoteTwice,
        Bug::VoteWithoutLogCheck,
        Bug::CountStaleVote,
        Bug::KeepLeadingOnHigherTerm,
        Bug::CommitPreviousTerm,
        Bug::CommitMinority,
        Bug::CommitBeyondLastNew,
        Bug::SkipPrevTermCheck,
        Bug::TruncateOnEveryAppend,
        Bug::AcceptStaleAppend,
        Bug::InstallStaleSnapshot,
        Bug::DiscardLogOnSnapshot,
        Bug::AdoptTermUnsaved,
    ];

    /// Bugs that break no safety property but flood the network, for the run budget
    /// rather than the monitors to catch.
    pub const AMPLIFIERS: [Bug; 1] = [Bug::AppendOnEveryReply];

    /// Bugs of reads without the log: they break no property of the log, so only runs
    /// that read by ReadIndex or lease show them (`sim/tests/read_bugs.rs`).
    pub const READS: [Bug; 2] = [Bug::ReadWithoutConfirm, Bug::LeaseWithoutMargin];

    /// Bugs of membership changes: only runs that change the configuration show them
    /// (the family declares `MEMBERSHIP`; their monitors are the membership ones).
    pub const MEMBERSHIP: [Bug; 3] = [
        Bug::ChangeBeforeTermCommit,
        Bug::TwoChangesAtOnce,
        Bug::ConfigAtCommit,
    ];

    /// The bug's name as an implementation (`bug-forget-vote`).
    pub const fn name(self) -> &'static str {
        match self {
            Bug::ForgetVote => "bug-forget-vote",
            Bug::ForgetTerm => "bug-forget-term",
            Bug::AckBeforePersist => "bug-ack-before-persist",
            Bug::VoteTwice => "bug-vote-twice",
            Bug::VoteWithoutLogCheck => "bug-vote-without-log-check",
            Bug::CountStaleVote => "bug-count-stale-vote",
            Bug::KeepLeadingOnHigherTerm => "bug-keep-leading-on-higher-term",
            Bug::CommitPreviousTerm => "bug-commit-previous-term",
            Bug::CommitMinority => "bug-commit-minority",
            Bug::CommitBeyondLastNew => "bug-commit-beyond-last-new",
            Bug::SkipPrevTermCheck => "bug-skip-prev-term-check",
            Bug::TruncateOnEveryAppend => "bug-truncate-on-every-append",
            Bug::AcceptStaleAppend => "bug-accept-stale-append",
            Bug::InstallStaleSnapshot => "bug-install-stale-snapshot",
            Bug::DiscardLogOnSnapshot => "bug-discard-log-on-snapshot",
            Bug::AdoptTermUnsaved => "bug-adopt-term-unsaved",
            Bug::AppendOnEveryReply => "bug-append-on-every-reply",
            Bug::ReadWithoutConfirm => "bug-read-without-confirm",
            Bug::LeaseWithoutMargin => "bug-lease-without-margin",
            Bug::ChangeBeforeTermCommit => "bug-change-before-term-commit",
            Bug::TwoChangesAtOnce => "bug-two-changes-at-once",
            Bug::ConfigAtCommit => "bug-config-at-commit",
        }
    }

    /// One line saying what the node does wrong.
    pub const fn description(self) -> &'static str {
        match self {
            Bug::ForgetVote => "votedFor not persisted: a restart forgets the vote",
            Bug::ForgetTerm => "currentTerm not persisted: a restart takes the last entry's term",
            Bug::AckBeforePersist => "answers first, saves at the next tick",
            Bug::VoteTwice => "votes for every up-to-date candidate of its term",
            Bug::VoteWithoutLogCheck => "votes without the election restriction (§5.4.1)",
            Bug::CountStaleVote => "counts granted votes from older terms",
            Bug::KeepLeadingOnHigherTerm => "adopts a higher term from a reply but keeps leading",
            Bug::CommitPreviousTerm => "commits earlier terms' entries by counting (Figure 8)",
            Bug::CommitMinority => "commits on n/2 servers (quorum off by one)",
            Bug::CommitBeyondLastNew => "follower commits past the last entry the leader sent",
            Bug::SkipPrevTermCheck => "follower ignores prevLogTerm",
            Bug::TruncateOnEveryAppend => "follower truncates after prevLogIndex on every append",
            Bug::AcceptStaleAppend => "follower accepts appends from older terms",
            Bug::InstallStaleSnapshot => "installs snapshots older than its commit index",
            Bug::DiscardLogOnSnapshot => {
                "follower discards its whole log on InstallSnapshot, acknowledged entries too"
            }
            Bug::AdoptTermUnsaved => "adopts a higher term from a message without saving it",
            Bug::AppendOnEveryReply => {
                "leader answers every append reply with appends to every follower"
            }
            Bug::ReadWithoutConfirm => "confirms ReadIndex reads without a heartbeat round",
            Bug::LeaseWithoutMargin => "leases last a whole election timeout, no drift margin",
            Bug::ChangeBeforeTermCommit => {
                "accepts a configuration change before an entry of its term commits"
            }
            Bug::TwoChangesAtOnce => {
                "accepts a configuration change while the previous one is uncommitted"
            }
            Bug::ConfigAtCommit => "a configuration takes effect at commit, not when appended",
        }
    }
}

impl fmt::Display for Bug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
