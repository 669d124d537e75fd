//! Trace-as-test: short scripted Raft runs whose rendered traces are insta snapshots.
//!
//! Each test also asserts the property the trace illustrates, so a snapshot can only be
//! accepted for a run that still does the right thing. The scripts are generic over the
//! implementation; each runs on raftsim's Raft and on raft-rs (snapshots `*_raft_rs`),
//! except Figure 8's, whose "not committed by counting replicas" step assumes a leader
//! that does not commit a no-op entry of its own term at once (raft-rs does, which
//! commits the old entry with it: correct, but another trace). Update with `cargo insta
//! review` (or `INSTA_UPDATE=always cargo test --test raft_traces`) after reading the diff.

use sim::cluster::Cmd;
use sim::engine::Duration;
use sim::implementation::Implementation;
use sim::tester::{RaftSetup, RaftTester, Retry};

/// raftsim's own Raft.
type Ours = raft::Family;

/// tikv's raft-rs, through its adapter.
type RaftRs = raftrs_adapter::Family;

fn tester<I: Implementation>(servers: usize, snapshot: bool, seed: u64) -> RaftTester<I> {
    let setup = RaftSetup {
        servers,
        unreliable: false,
        snapshot,
        members: None,
    };
    RaftTester::new(seed, true, setup)
}

/// The trace written since `mark` (a byte offset taken from an earlier `trace_len`).
fn trace_since<I: Implementation>(t: &RaftTester<I>, mark: usize) -> String {
    t.sim.trace().text().expect("trace kept")[mark..].to_string()
}

fn trace_len<I: Implementation>(t: &RaftTester<I>) -> usize {
    t.sim.trace().text().expect("trace kept").len()
}

fn leader<I: Implementation>(t: &RaftTester<I>) -> Option<usize> {
    (0..t.n()).find(|&i| t.is_connected(i) && matches!(t.state(i), Some((_, true))))
}

/// Three servers elect a leader: timeouts, votes, and the first heartbeats.
#[test]
fn raft_trace_election() {
    insta::assert_snapshot!(election::<Ours>());
}

#[test]
fn raft_trace_election_raft_rs() {
    insta::assert_snapshot!(election::<RaftRs>());
}

fn election<I: Implementation>() -> String {
    let mut t = tester::<I>(3, false, 1);
    let deadline = t.now() + Duration::from_secs(2);
    let elected = t
        .run_until(deadline, |t| leader(t).is_some())
        .expect("no failure");
    assert!(elected, "no leader within 2 s");
    t.sleep(Duration::from_millis(120)).expect("no failure");
    let l = leader(&t).expect("still a leader");
    let (term, _) = t.state(l).expect("alive");
    for i in 0..3 {
        assert_eq!(
            t.state(i).map(|s| s.0),
            Some(term),
            "server {i} on another term"
        );
    }
    trace_since(&t, 0)
}

/// The leader is cut off; the other two elect a new one in a higher term.
#[test]
fn raft_trace_re_election() {
    insta::assert_snapshot!(re_election::<Ours>());
}

#[test]
fn raft_trace_re_election_raft_rs() {
    insta::assert_snapshot!(re_election::<RaftRs>());
}

fn re_election<I: Implementation>() -> String {
    let mut t = tester::<I>(3, false, 2);
    let old = t.check_one_leader().expect("a leader");
    let (old_term, _) = t.state(old).expect("alive");
    let mark = trace_len(&t);
    t.disconnect(old);
    let deadline = t.now() + Duration::from_secs(5);
    let elected = t
        .run_until(deadline, |t| leader(t).is_some_and(|l| l != old))
        .expect("no failure");
    assert!(elected, "no new leader within 5 s");
    let new = leader(&t).expect("new leader");
    assert!(t.state(new).expect("alive").0 > old_term);
    trace_since(&t, mark)
}

/// A partitioned leader appends entries nobody else has; after it rejoins, the new
/// leader's AppendEntries are rejected with a conflict hint and the log is repaired.
#[test]
fn raft_trace_conflicting_log_repaired() {
    insta::assert_snapshot!(conflicting_log_repaired::<Ours>());
}

#[test]
fn raft_trace_conflicting_log_repaired_raft_rs() {
    insta::assert_snapshot!(conflicting_log_repaired::<RaftRs>());
}

fn conflicting_log_repaired<I: Implementation>() -> String {
    let mut t = tester::<I>(3, false, 3);
    t.one(Cmd::Int(101), 3, Retry::Never).expect("agreement");
    let old = t.check_one_leader().expect("a leader");
    t.disconnect(old);
    for x in 102..=104 {
        assert!(
            t.start(old, Cmd::Int(x)).expect("no failure").is_some(),
            "isolated leader accepts"
        );
    }
    t.one(Cmd::Int(201), 2, Retry::Resubmit)
        .expect("majority agrees");
    t.one(Cmd::Int(202), 2, Retry::Resubmit)
        .expect("majority agrees");
    let mark = trace_len(&t);
    t.connect(old);
    let deadline = t.now() + Duration::from_secs(2);
    let repaired = t
        .run_until(deadline, |t| {
            t.n_committed(3)
                .is_ok_and(|(n, c)| n == 3 && c == Some(Cmd::Int(202)))
        })
        .expect("no failure");
    assert!(repaired, "old leader's log not repaired within 2 s");
    trace_since(&t, mark)
}

/// The paper's Figure 8: an old leader returns in a new term with an entry of its old
/// term on a majority. Counting replicas must not commit it (§5.4.2); it commits only
/// together with an entry of the current term.
#[test]
fn raft_trace_figure8() {
    let mut t = tester::<Ours>(5, false, 4);
    t.one(Cmd::Int(1), 5, Retry::Never).expect("agreement");
    let s1 = t.check_one_leader().expect("a leader");
    let s2 = (s1 + 1) % 5;
    let (s3, s4, s5) = ((s1 + 2) % 5, (s1 + 3) % 5, (s1 + 4) % 5);
    // (a) S1 replicates index 2 to S2 only.
    for i in [s3, s4, s5] {
        t.disconnect(i);
    }
    let (index, old_term) = t
        .start(s1, Cmd::Int(2))
        .expect("no failure")
        .expect("S1 leads");
    assert_eq!(index, 2);
    t.sleep(Duration::from_millis(50)).expect("no failure");
    // (b) S5 wins a later term with S3 and S4, appends its own index 2, and is cut off
    // before sending it.
    t.disconnect(s1);
    t.disconnect(s2);
    for i in [s3, s4, s5] {
        t.connect(i);
    }
    let deadline = t.now() + Duration::from_secs(5);
    let s5_leads = t
        .run_until(deadline, |t| leader(t).is_some())
        .expect("no failure");
    assert!(s5_leads, "no leader among S3-S5");
    let l2 = leader(&t).expect("leader");
    for i in [s3, s4, s5] {
        if i != l2 {
            t.disconnect(i);
        }
    }
    assert!(t.start(l2, Cmd::Int(3)).expect("no failure").is_some());
    t.disconnect(l2);
    // (c) S1 and S2 return with the other two; one of S1/S2 wins (their logs are more
    // up to date) and brings index 2 of the old term to a majority.
    let mark = trace_len(&t);
    for i in 0..5 {
        if i != l2 {
            t.connect(i);
        }
    }
    let deadline = t.now() + Duration::from_secs(5);
    let back = t
        .run_until(deadline, |t| leader(t).is_some_and(|l| l == s1 || l == s2))
        .expect("no failure");
    assert!(back, "S1 or S2 should lead again");
    t.sleep(Duration::from_millis(300)).expect("no failure");
    let (committed, _) = t.n_committed(2).expect("consistent");
    assert_eq!(
        committed, 0,
        "index 2 of term {old_term} committed by counting replicas (Figure 8)"
    );
    // (d) An entry of the current term commits, and index 2 with it. (S3 or S4 may have
    // timed out meanwhile and forced a new election: without PreVote that is allowed.)
    let deadline = t.now() + Duration::from_secs(5);
    let led = t
        .run_until(deadline, |t| leader(t).is_some())
        .expect("no failure");
    assert!(led, "no leader among the four");
    let l3 = leader(&t).expect("leader");
    let (i4, _) = t
        .start(l3, Cmd::Int(4))
        .expect("no failure")
        .expect("leads");
    assert_eq!(i4, 3);
    let deadline = t.now() + Duration::from_secs(2);
    t.run_until(deadline, |t| t.n_committed(3).is_ok_and(|(n, _)| n >= 3))
        .expect("no failure");
    let (committed, cmd) = t.n_committed(2).expect("consistent");
    assert!(
        committed >= 3,
        "index 2 not committed after a current-term entry"
    );
    assert_eq!(cmd, Some(Cmd::Int(2)));
    insta::assert_snapshot!(trace_since(&t, mark));
}

/// A follower misses 25 entries while the others snapshot; on return it is brought up
/// to date by the leader's snapshot and the entries after it.
#[test]
fn raft_trace_install_snapshot() {
    insta::assert_snapshot!(install_snapshot::<Ours>());
}

#[test]
fn raft_trace_install_snapshot_raft_rs() {
    insta::assert_snapshot!(install_snapshot::<RaftRs>());
}

fn install_snapshot<I: Implementation>() -> String {
    let mut t = tester::<I>(3, true, 5);
    t.one(Cmd::Int(1), 3, Retry::Never).expect("agreement");
    let l = t.check_one_leader().expect("a leader");
    let lagging = (l + 1) % 3;
    t.disconnect(lagging);
    for x in 2..=26 {
        t.one(Cmd::Int(x), 2, Retry::Resubmit)
            .expect("majority agrees");
    }
    let mark = trace_len(&t);
    t.connect(lagging);
    let deadline = t.now() + Duration::from_secs(2);
    let caught_up = t
        .run_until(deadline, |t| t.n_committed(26).is_ok_and(|(n, _)| n == 3))
        .expect("no failure");
    assert!(caught_up, "lagging follower did not catch up within 2 s");
    let status = t.node_status(lagging).expect("alive");
    assert!(
        status.snapshot_index().0 > 0,
        "caught up without installing a snapshot: {status}"
    );
    trace_since(&t, mark)
}
