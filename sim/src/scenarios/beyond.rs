//! Faults beyond the lab: servers that reach some of their peers but not others.
//!
//! The lab's faults are all or nothing: a server is connected to every other or to
//! none. Production networks fail in between, and plain Raft can then lose its leader
//! over and over, or never elect one, although a majority of servers still reach each
//! other. Howard and Abraham ("Raft does not guarantee liveness in the face of network
//! faults", 2020) and Jensen, Howard and Mortier ("Examining Raft's behaviour during
//! partial network failures", 2021) describe these cases; the November 2020 outage of
//! Cloudflare's etcd is one of them. PreVote and CheckQuorum are the usual fixes.
//!
//! Each scenario here states its property and asserts it, on a reliable network, so
//! that every failure is the protocol's:
//! - a leader that a majority hears must keep its office: no election, and every
//!   command committed within a second ([`hold_office`]), which PreVote gives;
//! - a majority that reaches itself must elect a leader and commit, and a leader cut
//!   off from it must stop leading, which CheckQuorum gives.
//!
//! Each fails when its fix is off (`--set pre_vote=0`, `--set check_quorum=0`) and
//! passes on our Raft's shipped configuration; `sim/tests/beyond.rs` shows both.

use super::raft_scenarios;
use crate::cluster::Cmd;
use crate::engine::Duration;
use crate::implementation::Implementation;
use crate::outcome::Verdict;
use crate::scenario::Part;
use crate::tester::{RaftTester, Retry};
use crate::{ensure, fail};

raft_scenarios! {
    QuorumLoss {
        part: Part::Beyond,
        servers: 5,
        unreliable: false,
        snapshot: false,
        about: "the leader hears no one but two followers still hear it; the other four elect and commit within 5 s",
        body: quorum_loss,
    }
    ConstrainedElection {
        part: Part::Beyond,
        servers: 5,
        unreliable: false,
        snapshot: false,
        about: "the two servers able to win cannot reach each other; the one elected keeps office",
        body: constrained_election,
    }
    ChainedPartition {
        part: Part::Beyond,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "A-B-C with no A-C link: leader A keeps office although C cannot hear it",
        body: chained_partition,
    }
    FlappingLink {
        part: Part::Beyond,
        servers: 5,
        unreliable: false,
        snapshot: false,
        about: "the leader's link to one follower fails and returns every second; the leader keeps office",
        body: flapping_link,
    }
}

/// How long a scenario watches a leader that should keep its office.
const WATCH: Duration = Duration::from_secs(10);

/// How long a command may take to commit on a majority while the leader keeps office.
const COMMIT_WITHIN: Duration = Duration::from_secs(1);

/// The lab's bound for electing a new leader after a failure.
const ELECT_WITHIN: Duration = Duration::from_secs(5);

/// QuorumLoss: the leader can still send to two followers, but nothing reaches it and
/// it reaches neither of the other two. The two that still get its heartbeats never time
/// out, and under PreVote they refuse every other candidate; only the leader's stepping
/// down (CheckQuorum) lets the four elect among themselves. Asserts that within 5 s a
/// new leader commits a command on a majority.
fn quorum_loss<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let old = t.check_one_leader()?;
    t.one(Cmd::Int(101), 5, Retry::Never)?;
    let others: Vec<usize> = (1..5).map(|k| (old + k) % 5).collect();
    let (heard, unheard) = others.split_at(2);
    for &i in &others {
        link(t, i, old, false);
    }
    for &i in unheard {
        link(t, old, i, false);
    }
    t.sim.note(|| {
        format!("quorum loss: {old} reaches only {heard:?}, one way; nothing reaches {old}")
    });
    let cut = t.now();
    let mut pending: Option<(usize, u64)> = None;
    loop {
        ensure!(
            t.now() < cut + ELECT_WITHIN,
            "no new leader committed within {ELECT_WITHIN} of server {old} losing its quorum ({})",
            describe_all(t)
        );
        if let Some((_, index)) = pending {
            if t.n_committed(index)?.0 >= 3 {
                break;
            }
        }
        match (pending, leader_among(t, &others)) {
            (Some((by, _)), Some((now, _))) if by == now => {}
            (_, Some((leader, _))) => {
                pending = t
                    .start(leader, Cmd::Int(102))?
                    .map(|(index, _)| (leader, index));
            }
            (_, None) => pending = None,
        }
        t.sleep(Duration::from_millis(20))?;
    }
    // Without CheckQuorum the old leader still claims to lead here; the lab's checks,
    // and this one, only ask that the majority move on.
    heal(t);
    t.one(Cmd::Int(103), 5, Retry::Resubmit)?;
    Ok(())
}

/// ConstrainedElection: two servers miss the latest entries, then the leader crashes.
/// Only the two up-to-date servers can win, and they cannot reach each other: each
/// reaches the other three only through the two that lag. Whichever wins, the other
/// hears no leader. Asserts that a leader is elected and keeps office for 10 s, every
/// command committed within a second.
fn constrained_election<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let crashed = t.check_one_leader()?;
    t.one(Cmd::Int(201), 5, Retry::Never)?;
    let [a, b, d, e] = [1, 2, 3, 4].map(|k| (crashed + k) % 5);
    t.disconnect(d);
    t.disconnect(e);
    for k in 0..3 {
        t.one(Cmd::Int(202 + k), 3, Retry::Never)?;
    }
    t.crash1(crashed);
    t.connect(d);
    t.connect(e);
    link_both(t, a, b, false);
    t.sim.note(|| {
        format!(
            "constrained election: {crashed} crashed; {a} and {b} can win but not reach each other"
        )
    });
    let leader = t.check_one_leader()?;
    let term = t.state(leader).map_or(0, |(term, _)| term);
    hold_office(t, leader, term, |_, _| {})?;
    t.start1(crashed)?;
    heal(t);
    t.one(Cmd::Int(299), 5, Retry::Resubmit)?;
    Ok(())
}

/// ChainedPartition: A-B-C with the A-C link down, A the leader. C hears no leader,
/// but a majority (A and B) does. Asserts that A keeps office for 10 s, every command
/// committed within a second: C must not depose it through B.
fn chained_partition<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let a = t.check_one_leader()?;
    t.one(Cmd::Int(301), 3, Retry::Never)?;
    let (b, c) = ((a + 1) % 3, (a + 2) % 3);
    link_both(t, a, c, false);
    t.sim
        .note(|| format!("chained partition: {a}-{b}-{c}, no link {a}-{c}"));
    let term = t.state(a).map_or(0, |(term, _)| term);
    hold_office(t, a, term, |_, _| {})?;
    heal(t);
    t.one(Cmd::Int(399), 3, Retry::Resubmit)?;
    Ok(())
}

/// FlappingLink, the Cloudflare case: the link between the leader and one follower goes
/// down for a second, up for a second, and so on. The follower loses its leader each
/// time while the other three do not. Asserts that the leader keeps office for 10 s,
/// every command committed within a second.
fn flapping_link<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let leader = t.check_one_leader()?;
    t.one(Cmd::Int(401), 5, Retry::Never)?;
    let follower = (leader + 1) % 5;
    let term = t.state(leader).map_or(0, |(term, _)| term);
    t.sim
        .note(|| format!("flapping link: {leader}-{follower} down and up every second"));
    hold_office(t, leader, term, |t, elapsed| {
        let down = (elapsed.as_millis() / 1000) % 2 == 0;
        link_both(t, leader, follower, !down);
    })?;
    heal(t);
    t.one(Cmd::Int(499), 5, Retry::Resubmit)?;
    Ok(())
}

/// Asserts that `leader` keeps office in `term` for [`WATCH`], at every step of 250 ms:
/// it still leads `term`, and every running server it reaches both ways is in `term`
/// (no election disturbed its majority). In the first
/// half the cluster is idle, so a lagging server's log is no worse than anyone's and
/// only the rule against disturbing a heard leader keeps it quiet; in the second half
/// the leader accepts a command each step, which a majority must apply within
/// [`COMMIT_WITHIN`]. `each_step` changes the network as time passes (it gets the time
/// since the watch began).
fn hold_office<I: Implementation>(
    t: &mut RaftTester<I>,
    leader: usize,
    term: u64,
    mut each_step: impl FnMut(&mut RaftTester<I>, Duration),
) -> Verdict {
    let majority = t.n() / 2 + 1;
    let begin = t.now();
    let mut command = 1000;
    while t.now() < begin + WATCH {
        let elapsed = t.now().saturating_since(begin);
        each_step(t, elapsed);
        ensure!(
            t.state(leader) == Some((term, true)),
            "server {leader} lost office in term {term} after {elapsed}, though a majority hears it ({})",
            describe_all(t)
        );
        for i in 0..t.n() {
            if !reaches(t, leader, i) {
                // One the leader cannot reach may be behind its term, or, without
                // PreVote, ahead of it: that disturbs no one until the link returns.
                continue;
            }
            if let Some((at, _)) = t.state(i) {
                ensure!(
                    at == term,
                    "server {i}, which {leader} reaches, moved to term {at} after {elapsed} while {leader} led term {term}: a needless election ({})",
                    describe_all(t)
                );
            }
        }
        let step_end = t.now() + Duration::from_millis(250);
        if elapsed >= WATCH / 2 {
            command += 1;
            let Some((index, _)) = t.start(leader, Cmd::Int(command))? else {
                fail!("server {leader} refused a command in term {term} after {elapsed}");
            };
            let submitted = t.now();
            while t.n_committed(index)?.0 < majority {
                ensure!(
                    t.now() < submitted + COMMIT_WITHIN,
                    "command {command} at index {index} not committed within {COMMIT_WITHIN} ({})",
                    describe_all(t)
                );
                t.sleep(Duration::from_millis(10))?;
            }
        }
        t.sleep(step_end.saturating_since(t.now()))?;
    }
    Ok(())
}

/// The highest-term server among `among` that claims to lead, and its term.
fn leader_among<I: Implementation>(t: &RaftTester<I>, among: &[usize]) -> Option<(usize, u64)> {
    among
        .iter()
        .filter_map(|&i| match t.state(i) {
            Some((term, true)) => Some((i, term)),
            _ => None,
        })
        .max_by_key(|(_, term)| *term)
}

/// Are the links between servers `a` and `b` up both ways?
fn reaches<I: Implementation>(t: &RaftTester<I>, a: usize, b: usize) -> bool {
    let (a, b) = (t.server_id(a), t.server_id(b));
    t.sim.net().link(a, b) && t.sim.net().link(b, a)
}

/// Sets the one-way link from server `from` to server `to`.
fn link<I: Implementation>(t: &mut RaftTester<I>, from: usize, to: usize, up: bool) {
    let (from, to) = (t.server_id(from), t.server_id(to));
    t.sim.set_link(from, to, up);
}

/// Sets the links between servers `a` and `b`, both ways.
fn link_both<I: Implementation>(t: &mut RaftTester<I>, a: usize, b: usize, up: bool) {
    link(t, a, b, up);
    link(t, b, a, up);
}

/// Reconnects every running server to every other.
fn heal<I: Implementation>(t: &mut RaftTester<I>) {
    for i in 0..t.n() {
        if t.is_alive(i) {
            t.connect(i);
        }
    }
}

/// Every server's term and role, for failure messages.
fn describe_all<I: Implementation>(t: &RaftTester<I>) -> String {
    (0..t.n())
        .map(|i| match t.state(i) {
            Some((term, true)) => format!("{i}: leader t{term}"),
            Some((term, false)) => format!("{i}: t{term}"),
            None => format!("{i}: down"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}
