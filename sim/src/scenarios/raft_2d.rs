//! Lab 2D (2024: 3D): log compaction with snapshots and InstallSnapshot.

use super::raft_2b::rand_cmd;
use super::raft_scenarios;
use crate::ensure;
use crate::implementation::Implementation;
use crate::outcome::Verdict;
use crate::scenario::Part;
use crate::tester::raft::SNAPSHOT_INTERVAL;
use crate::tester::{RaftTester, Retry};

raft_scenarios! {
    SnapshotBasic2D {
        part: Part::Raft2D,
        servers: 3,
        unreliable: false,
        snapshot: true,
        about: "30 rounds of snapshots with every follower caught up",
        body: snapshot_basic,
    }
    SnapshotInstall2D {
        part: Part::Raft2D,
        servers: 3,
        unreliable: false,
        snapshot: true,
        about: "a disconnected follower catches up through InstallSnapshot",
        body: snapshot_install,
    }
    SnapshotInstallUnreliable2D {
        part: Part::Raft2D,
        servers: 3,
        unreliable: true,
        snapshot: true,
        about: "InstallSnapshot catch-up on an unreliable network",
        body: snapshot_install_unreliable,
    }
    SnapshotInstallCrash2D {
        part: Part::Raft2D,
        servers: 3,
        unreliable: false,
        snapshot: true,
        about: "a crashed follower restarts from its snapshot and catches up",
        body: snapshot_install_crash,
    }
    SnapshotInstallUnCrash2D {
        part: Part::Raft2D,
        servers: 3,
        unreliable: true,
        snapshot: true,
        about: "crash and snapshot catch-up on an unreliable network",
        body: snapshot_install_uncrash,
    }
    SnapshotAllCrash2D {
        part: Part::Raft2D,
        servers: 3,
        unreliable: false,
        snapshot: true,
        about: "crash and restart all servers: indices never go back",
        body: snapshot_all_crash,
    }
    SnapshotInit2D {
        part: Part::Raft2D,
        servers: 3,
        unreliable: false,
        snapshot: true,
        about: "a restarted server keeps its snapshot in later saves",
        body: snapshot_init,
    }
}

/// The lab's `MAXLOGSIZE`: the encoded Raft state must stay below 2000 bytes.
const LOG_SIZE_MAX: usize = 2000;

/// The lab's `snapcommon(name, disconnect, reliable, crash)` (reliability is set up by
/// the scenario's declaration).
fn snap_common<I: Implementation>(t: &mut RaftTester<I>, disconnect: bool, crash: bool) -> Verdict {
    let servers = t.n();
    let c = rand_cmd(&mut t.rng);
    t.one(c, servers, Retry::Resubmit)?;
    let mut leader1 = t.check_one_leader()?;
    for i in 0..30 {
        let (mut victim, mut sender) = ((leader1 + 1) % servers, leader1);
        if i % 3 == 1 {
            sender = (leader1 + 1) % servers;
            victim = leader1;
        }
        if disconnect {
            t.disconnect(victim);
            let c = rand_cmd(&mut t.rng);
            t.one(c, servers - 1, Retry::Resubmit)?;
        }
        if crash {
            t.crash1(victim);
            let c = rand_cmd(&mut t.rng);
            t.one(c, servers - 1, Retry::Resubmit)?;
        }
        // Perhaps send enough to get a snapshot (fire and forget: sender may not lead).
        let nn = SNAPSHOT_INTERVAL / 2 + t.rng.below(SNAPSHOT_INTERVAL);
        for _ in 0..nn {
            let c = rand_cmd(&mut t.rng);
            t.start(sender, c)?;
        }
        // Let applier threads catch up with the Start()s.
        let c = rand_cmd(&mut t.rng);
        if !disconnect && !crash {
            // Make sure all followers have caught up, so that an InstallSnapshot RPC
            // isn't required for SnapshotBasic.
            t.one(c, servers, Retry::Resubmit)?;
        } else {
            t.one(c, servers - 1, Retry::Resubmit)?;
        }
        let size = t.log_size();
        ensure!(size < LOG_SIZE_MAX, "Log size too large: {size} bytes");
        if disconnect {
            // Reconnect a follower, who may be behind and need a snapshot to catch up.
            t.connect(victim);
            let c = rand_cmd(&mut t.rng);
            t.one(c, servers, Retry::Resubmit)?;
            leader1 = t.check_one_leader()?;
        }
        if crash {
            t.start1(victim)?;
            t.connect(victim);
            let c = rand_cmd(&mut t.rng);
            t.one(c, servers, Retry::Resubmit)?;
            leader1 = t.check_one_leader()?;
        }
    }
    Ok(())
}

/// TestSnapshotBasic.
fn snapshot_basic<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    snap_common(t, false, false)
}

/// TestSnapshotInstall.
fn snapshot_install<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    snap_common(t, true, false)
}

/// TestSnapshotInstallUnreliable.
fn snapshot_install_unreliable<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    snap_common(t, true, false)
}

/// TestSnapshotInstallCrash.
fn snapshot_install_crash<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    snap_common(t, false, true)
}

/// TestSnapshotInstallUnCrash.
fn snapshot_install_uncrash<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    snap_common(t, false, true)
}

fn crash_and_restart_all<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    for i in 0..t.n() {
        t.crash1(i);
    }
    for i in 0..t.n() {
        t.start1(i)?;
        t.connect(i);
    }
    Ok(())
}

/// TestSnapshotAllCrash: crash and restart all servers; the log index never decreases.
fn snapshot_all_crash<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let servers = t.n();
    let c = rand_cmd(&mut t.rng);
    t.one(c, servers, Retry::Resubmit)?;
    for _ in 0..5 {
        // Perhaps enough to get a snapshot.
        let nn = SNAPSHOT_INTERVAL / 2 + t.rng.below(SNAPSHOT_INTERVAL);
        for _ in 0..nn {
            let c = rand_cmd(&mut t.rng);
            t.one(c, servers, Retry::Resubmit)?;
        }
        let c = rand_cmd(&mut t.rng);
        let index1 = t.one(c, servers, Retry::Resubmit)?;
        crash_and_restart_all(t)?;
        let c = rand_cmd(&mut t.rng);
        let index2 = t.one(c, servers, Retry::Resubmit)?;
        ensure!(index2 > index1, "index decreased from {index1} to {index2}");
    }
    Ok(())
}

/// TestSnapshotInit: a server that forgets its snapshot after a restart and then saves
/// `Save(state, nil)` loses it at the next restart.
fn snapshot_init<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let servers = t.n();
    let c = rand_cmd(&mut t.rng);
    t.one(c, servers, Retry::Resubmit)?;
    // Enough ops to make a snapshot.
    for _ in 0..=SNAPSHOT_INTERVAL {
        let c = rand_cmd(&mut t.rng);
        t.one(c, servers, Retry::Resubmit)?;
    }
    crash_and_restart_all(t)?;
    // A single op, to get something to be written back to persistent storage.
    let c = rand_cmd(&mut t.rng);
    t.one(c, servers, Retry::Resubmit)?;
    crash_and_restart_all(t)?;
    // Do another op to trigger potential bug.
    let c = rand_cmd(&mut t.rng);
    t.one(c, servers, Retry::Resubmit)?;
    Ok(())
}
