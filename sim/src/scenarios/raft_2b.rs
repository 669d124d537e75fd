//! Lab 2B (2024: 3B): log replication.

use super::raft_scenarios;
use crate::cluster::{Cmd, ELECTION_TIMEOUT};
use crate::engine::{Duration, SimRng};
use crate::implementation::Implementation;
use crate::outcome::Verdict;
use crate::scenario::Part;
use crate::tester::{RaftTester, Retry};
use crate::{ensure, fail};

raft_scenarios! {
    BasicAgree2B {
        part: Part::Raft2B,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "three commands agreed at indices 1, 2, 3, none committed before Start",
        body: basic_agree,
    }
    RPCBytes2B {
        part: Part::Raft2B,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "each 5000-byte command is sent to each peer about once (<= 3 x payload + 50 kB)",
        body: rpc_bytes,
    }
    FollowerFailure2B {
        part: Part::Raft2B,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "progress with one follower gone; nothing commits with both gone",
        body: follower_failure,
    }
    LeaderFailure2B {
        part: Part::Raft2B,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "progress after the leader is gone; nothing commits with two leaders gone",
        body: leader_failure,
    }
    FailAgree2B {
        part: Part::Raft2B,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "agreement after a disconnected follower reconnects",
        body: fail_agree,
    }
    FailNoAgree2B {
        part: Part::Raft2B,
        servers: 5,
        unreliable: false,
        snapshot: false,
        about: "no agreement without a majority; recovery after the majority returns",
        body: fail_no_agree,
    }
    ConcurrentStarts2B {
        part: Part::Raft2B,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "five concurrent Start()s all commit",
        body: concurrent_starts,
    }
    Rejoin2B {
        part: Part::Raft2B,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "a partitioned leader with uncommitted entries rejoins",
        body: rejoin,
    }
    Backup2B {
        part: Part::Raft2B,
        servers: 5,
        unreliable: false,
        snapshot: false,
        about: "a leader backs up quickly over 50-entry divergent follower logs",
        body: backup,
    }
    Count2B {
        part: Part::Raft2B,
        servers: 3,
        unreliable: false,
        snapshot: false,
        about: "RPC counts: <= 30 to elect, <= 42 for 10 entries, <= 60 per idle second",
        body: count,
    }
}

/// A random command, like the lab's `rand.Int()`.
pub(crate) fn rand_cmd(rng: &mut SimRng) -> Cmd {
    Cmd::Int(rng.next_u64() >> 1)
}

/// TestBasicAgree.
fn basic_agree<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    for index in 1..=3u64 {
        let (nd, _) = t.n_committed(index)?;
        ensure!(nd == 0, "some have committed before Start()");
        let xindex = t.one(Cmd::Int(index * 100), 3, Retry::Never)?;
        ensure!(xindex == index, "got index {xindex} but expected {index}");
    }
    Ok(())
}

/// A random 5000-character string, like the lab's `randstring(5000)`.
fn rand_string(rng: &mut SimRng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..len)
        .map(|_| ALPHABET[rng.below(ALPHABET.len() as u64) as usize] as char)
        .collect()
}

/// TestRPCBytes: total bytes at most 3 x payload + 50,000 (encoded sizes).
fn rpc_bytes<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.one(Cmd::Int(99), 3, Retry::Never)?;
    let bytes0 = t.bytes_total();
    let mut sent = 0u64;
    for index in 2..12u64 {
        let cmd = rand_string(&mut t.rng, 5000);
        sent += cmd.len() as u64;
        let xindex = t.one(Cmd::Text(cmd), 3, Retry::Never)?;
        ensure!(xindex == index, "got index {xindex} but expected {index}");
    }
    let got = t.bytes_total() - bytes0;
    let expected = 3 * sent;
    ensure!(
        got <= expected + 50_000,
        "too many RPC bytes; got {got}, expected {expected}"
    );
    Ok(())
}

/// TestFollowerFailure.
fn follower_failure<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.one(Cmd::Int(101), 3, Retry::Never)?;
    let leader1 = t.check_one_leader()?;
    t.disconnect((leader1 + 1) % 3);
    // The leader and remaining follower should be able to agree despite the disconnection.
    t.one(Cmd::Int(102), 2, Retry::Never)?;
    t.sleep(ELECTION_TIMEOUT)?;
    t.one(Cmd::Int(103), 2, Retry::Never)?;
    let leader2 = t.check_one_leader()?;
    t.disconnect((leader2 + 1) % 3);
    t.disconnect((leader2 + 2) % 3);
    let Some((index, _)) = t.start(leader2, Cmd::Int(104))? else {
        fail!("leader rejected Start()");
    };
    ensure!(index == 4, "expected index 4, got {index}");
    t.sleep(ELECTION_TIMEOUT * 2)?;
    let (nd, _) = t.n_committed(index)?;
    ensure!(nd == 0, "{nd} committed but no majority");
    Ok(())
}

/// TestLeaderFailure.
fn leader_failure<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.one(Cmd::Int(101), 3, Retry::Never)?;
    let leader1 = t.check_one_leader()?;
    t.disconnect(leader1);
    t.one(Cmd::Int(102), 2, Retry::Never)?;
    t.sleep(ELECTION_TIMEOUT)?;
    t.one(Cmd::Int(103), 2, Retry::Never)?;
    let leader2 = t.check_one_leader()?;
    t.disconnect(leader2);
    for i in 0..3 {
        t.start(i, Cmd::Int(104))?;
    }
    t.sleep(ELECTION_TIMEOUT * 2)?;
    let (nd, _) = t.n_committed(4)?;
    ensure!(nd == 0, "{nd} committed but no majority");
    Ok(())
}

/// TestFailAgree: agreement after a follower reconnects.
fn fail_agree<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.one(Cmd::Int(101), 3, Retry::Never)?;
    let leader = t.check_one_leader()?;
    t.disconnect((leader + 1) % 3);
    t.one(Cmd::Int(102), 2, Retry::Never)?;
    t.one(Cmd::Int(103), 2, Retry::Never)?;
    t.sleep(ELECTION_TIMEOUT)?;
    t.one(Cmd::Int(104), 2, Retry::Never)?;
    t.one(Cmd::Int(105), 2, Retry::Never)?;
    t.connect((leader + 1) % 3);
    t.one(Cmd::Int(106), 3, Retry::Resubmit)?;
    t.sleep(ELECTION_TIMEOUT)?;
    t.one(Cmd::Int(107), 3, Retry::Resubmit)?;
    Ok(())
}

/// TestFailNoAgree: no agreement if too many followers disconnect.
fn fail_no_agree<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.one(Cmd::Int(10), 5, Retry::Never)?;
    let leader = t.check_one_leader()?;
    for k in 1..=3 {
        t.disconnect((leader + k) % 5);
    }
    let Some((index, _)) = t.start(leader, Cmd::Int(20))? else {
        fail!("leader rejected Start()");
    };
    ensure!(index == 2, "expected index 2, got {index}");
    t.sleep(ELECTION_TIMEOUT * 2)?;
    let (nd, _) = t.n_committed(index)?;
    ensure!(nd == 0, "{nd} committed but no majority");
    for k in 1..=3 {
        t.connect((leader + k) % 5);
    }
    // The disconnected majority may have chosen a leader from among their own ranks,
    // forgetting index 2.
    let leader2 = t.check_one_leader()?;
    let Some((index2, _)) = t.start(leader2, Cmd::Int(30))? else {
        fail!("leader2 rejected Start()");
    };
    ensure!((2..=3).contains(&index2), "unexpected index {index2}");
    t.one(Cmd::Int(1000), 5, Retry::Resubmit)?;
    Ok(())
}

/// TestConcurrentStarts: five Start()s at the same instant all commit.
fn concurrent_starts<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    'attempt: for attempt in 0..5 {
        if attempt > 0 {
            // Give the solution some time to settle.
            t.sleep(Duration::from_secs(3))?;
        }
        let leader = t.check_one_leader()?;
        let Some((_, term)) = t.start(leader, Cmd::Int(1))? else {
            // Leader moved on really quickly.
            continue;
        };
        let mut indices = Vec::new();
        for i in 0..5u64 {
            if let Some((index, term1)) = t.start(leader, Cmd::Int(100 + i))? {
                if term1 == term {
                    indices.push(index);
                }
            }
        }
        for j in 0..3 {
            if matches!(t.state(j), Some((term1, _)) if term1 != term) {
                // Term changed: can't expect low RPC counts.
                continue 'attempt;
            }
        }
        let mut cmds = Vec::new();
        for index in indices {
            match t.wait(index, 3, Some(term))? {
                Some(Cmd::Int(x)) => cmds.push(x),
                Some(other) => fail!("value {other} is not an int"),
                // Peers have moved on to later terms, so we can't expect all Start()s to
                // have succeeded.
                None => continue 'attempt,
            }
        }
        for x in 100..105u64 {
            ensure!(cmds.contains(&x), "cmd {x} missing in {cmds:?}");
        }
        return Ok(());
    }
    fail!("term changed too often")
}

/// TestRejoin: a partitioned leader's uncommitted entries are overwritten on rejoin.
fn rejoin<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.one(Cmd::Int(101), 3, Retry::Resubmit)?;
    let leader1 = t.check_one_leader()?;
    t.disconnect(leader1);
    // Make the old leader try to agree on some entries.
    for x in 102..=104 {
        t.start(leader1, Cmd::Int(x))?;
    }
    // The new leader commits, also for index 2.
    t.one(Cmd::Int(103), 2, Retry::Resubmit)?;
    let leader2 = t.check_one_leader()?;
    t.disconnect(leader2);
    t.connect(leader1);
    t.one(Cmd::Int(104), 2, Retry::Resubmit)?;
    t.connect(leader2);
    t.one(Cmd::Int(105), 3, Retry::Resubmit)?;
    Ok(())
}

/// TestBackup: a leader backs up quickly over incorrect follower logs.
fn backup<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let c = rand_cmd(&mut t.rng);
    t.one(c, 5, Retry::Resubmit)?;
    // Put the leader and one follower in a partition.
    let leader1 = t.check_one_leader()?;
    for k in 2..=4 {
        t.disconnect((leader1 + k) % 5);
    }
    // Submit lots of commands that won't commit.
    for _ in 0..50 {
        let c = rand_cmd(&mut t.rng);
        t.start(leader1, c)?;
    }
    t.sleep(ELECTION_TIMEOUT / 2)?;
    t.disconnect(leader1 % 5);
    t.disconnect((leader1 + 1) % 5);
    // Allow the other partition to recover.
    for k in 2..=4 {
        t.connect((leader1 + k) % 5);
    }
    // Lots of successful commands to the new group.
    for _ in 0..50 {
        let c = rand_cmd(&mut t.rng);
        t.one(c, 3, Retry::Resubmit)?;
    }
    // Now another partitioned leader and one follower.
    let leader2 = t.check_one_leader()?;
    let mut other = (leader1 + 2) % 5;
    if leader2 == other {
        other = (leader2 + 1) % 5;
    }
    t.disconnect(other);
    // Lots more commands that won't commit.
    for _ in 0..50 {
        let c = rand_cmd(&mut t.rng);
        t.start(leader2, c)?;
    }
    t.sleep(ELECTION_TIMEOUT / 2)?;
    // Bring the original leader back to life.
    for i in 0..5 {
        t.disconnect(i);
    }
    t.connect(leader1 % 5);
    t.connect((leader1 + 1) % 5);
    t.connect(other);
    // Lots of successful commands to the new group.
    for _ in 0..50 {
        let c = rand_cmd(&mut t.rng);
        t.one(c, 3, Retry::Resubmit)?;
    }
    // Now everyone.
    for i in 0..5 {
        t.connect(i);
    }
    let c = rand_cmd(&mut t.rng);
    t.one(c, 5, Retry::Resubmit)?;
    Ok(())
}

/// TestCount: RPC counts are not too high.
fn count<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let servers = 3u64;
    t.check_one_leader()?;
    let total1 = t.rpc_total();
    ensure!(
        (1..=30).contains(&total1),
        "too many or few RPCs ({total1}) to elect initial leader"
    );
    let mut total2 = 0;
    let mut success = false;
    'attempt: for attempt in 0..5 {
        if attempt > 0 {
            // Give the solution some time to settle.
            t.sleep(Duration::from_secs(3))?;
        }
        let leader = t.check_one_leader()?;
        let total1 = t.rpc_total();
        let iters = 10u64;
        let Some((starti, term)) = t.start(leader, Cmd::Int(1))? else {
            // Leader moved on really quickly.
            continue;
        };
        let mut cmds = Vec::new();
        for i in 1..iters + 2 {
            let x = rand_cmd(&mut t.rng);
            cmds.push(x.clone());
            let Some((index1, term1)) = t.start(leader, x)? else {
                // No longer the leader, so the term has changed.
                continue 'attempt;
            };
            if term1 != term {
                continue 'attempt;
            }
            ensure!(starti + i == index1, "Start() failed");
        }
        for i in 1..=iters {
            match t.wait(starti + i, servers as usize, Some(term))? {
                None => continue 'attempt,
                Some(cmd) => ensure!(
                    cmd == cmds[(i - 1) as usize],
                    "wrong value {cmd} committed for index {}; expected {}",
                    starti + i,
                    cmds[(i - 1) as usize]
                ),
            }
        }
        for j in 0..3 {
            if matches!(t.state(j), Some((term1, _)) if term1 != term) {
                // Term changed: can't expect low RPC counts.
                continue 'attempt;
            }
        }
        total2 = t.rpc_total();
        ensure!(
            total2 - total1 <= (iters + 1 + 3) * servers,
            "too many RPCs ({}) for {iters} entries",
            total2 - total1
        );
        success = true;
        break;
    }
    ensure!(success, "term changed too often");
    t.sleep(ELECTION_TIMEOUT)?;
    let total3 = t.rpc_total();
    ensure!(
        total3 - total2 <= 3 * 20,
        "too many RPCs ({}) for 1 second of idleness",
        total3 - total2
    );
    Ok(())
}
