//! Lab 2A (2024: 3A): leader election.

use super::raft_scenarios;
use crate::cluster::ELECTION_TIMEOUT;
use crate::ensure;
use crate::implementation::Implementation;
use crate::outcome::Verdict;
use crate::scenario::Part;
use crate::tester::RaftTester;

raft_scenarios! {
    InitialElection2A {
        part: Part::Raft2A,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "a leader is elected, terms agree, and stay put without failures",
        body: initial_election,
    }
    ReElection2A {
        part: Part::Raft2A,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "a new leader after the leader is cut off; none without a majority",
        body: re_election,
    }
    ManyElections2A {
        part: Part::Raft2A,
        servers: 7,
        unreliable: false,
        snapshot: false,
        about: "7 servers, 9 rounds of cutting off 3 random ones: always one leader",
        body: many_elections,
    }
}

/// TestInitialElection: one leader, every server on the same term (>= 1), and no term
/// change without failures.
fn initial_election<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.check_one_leader()?;
    // Sleep a bit to avoid racing with followers learning of the election.
    t.sleep(crate::engine::Duration::from_millis(50))?;
    let term1 = t.check_terms()?;
    ensure!(term1 >= 1, "term is {term1}, but should be at least 1");
    t.sleep(ELECTION_TIMEOUT * 2)?;
    let term2 = t.check_terms()?;
    if term1 != term2 {
        // The lab prints a warning here, not a failure.
        t.sim
            .note(|| format!("warning: term changed from {term1} to {term2} without failures"));
    }
    t.check_one_leader()?;
    Ok(())
}

/// TestReElection: a new leader when the old one is disconnected; the old leader's
/// return does not disturb it; no leader without a quorum.
fn re_election<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let leader1 = t.check_one_leader()?;
    t.disconnect(leader1);
    t.check_one_leader()?;
    t.connect(leader1);
    let leader2 = t.check_one_leader()?;
    t.disconnect(leader2);
    t.disconnect((leader2 + 1) % 3);
    t.sleep(ELECTION_TIMEOUT * 2)?;
    t.check_no_leader()?;
    t.connect((leader2 + 1) % 3);
    t.check_one_leader()?;
    t.connect(leader2);
    t.check_one_leader()?;
    Ok(())
}

/// TestManyElections: 9 rounds of disconnecting three random servers of seven.
fn many_elections<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let n = t.n();
    t.check_one_leader()?;
    for _ in 0..9 {
        let victims: Vec<usize> = (0..3).map(|_| t.rng.below(n as u64) as usize).collect();
        for &v in &victims {
            t.disconnect(v);
        }
        // Either the current leader should still be alive, or the remaining four should
        // elect a new one.
        t.check_one_leader()?;
        for &v in &victims {
            t.connect(v);
        }
    }
    t.check_one_leader()?;
    Ok(())
}
