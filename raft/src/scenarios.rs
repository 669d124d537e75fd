//! End-to-end tests on the in-crate [`crate::cluster::Cluster`] harness: the lab's
//! scenarios in miniature (names in the doc lines), and randomized fault runs over many
//! seeds checking safety (one leader per term, agreeing applied streams) and liveness
//! after healing.

use crate::cluster::{Cluster, Faults};
use crate::types::{Duration, LogIndex};

const SEEDS: u64 = 10;

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

/// Lab TestInitialElection2A plus TestCount2B's election budget (<= 30 requests).
#[test]
fn cluster_initial_election_elects_one_leader_cheaply() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(3, seed);
        let l = c.check_one_leader();
        assert!(
            c.stats.requests_delivered <= 30,
            "seed {seed}: {} requests to elect",
            c.stats.requests_delivered
        );
        let term = c.nodes[l].as_ref().map(|n| n.term());
        c.run_for(secs(2));
        assert_eq!(
            c.leader(),
            Some(l),
            "seed {seed}: leader changed without failures"
        );
        assert_eq!(c.nodes[l].as_ref().map(|n| n.term()), term, "seed {seed}");
    }
}

/// Lab TestReElection2A.
#[test]
fn cluster_leader_disconnect_reelects_and_old_leader_rejoins() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(3, seed);
        let l1 = c.check_one_leader();
        c.disconnect(l1);
        let l2 = c.check_one_leader();
        assert_ne!(l1, l2, "seed {seed}");
        c.connect(l1);
        let l2 = c.check_one_leader();
        c.disconnect(l2);
        c.disconnect((l2 + 1) % 3);
        c.run_for(secs(2));
        assert_eq!(c.leader(), None, "seed {seed}: a lone node must not lead");
        c.connect((l2 + 1) % 3);
        c.check_one_leader();
        c.connect(l2);
        c.check_one_leader();
    }
}

/// Lab TestManyElections2A: 7 nodes, repeatedly lose up to 3.
#[test]
fn cluster_many_elections_with_minority_down() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(7, seed);
        c.check_one_leader();
        for round in 0..5u64 {
            let cut = [
                (seed + round) % 7,
                (seed * 3 + round) % 7,
                (round * 5 + 1) % 7,
            ];
            for i in cut {
                c.disconnect(i as usize);
            }
            c.check_one_leader();
            for i in cut {
                c.connect(i as usize);
            }
        }
        c.check_one_leader();
    }
}

/// Lab TestBasicAgree2B: commands land at consecutive indices from 1.
#[test]
fn cluster_basic_agreement_at_consecutive_indices() {
    let mut c = Cluster::new(3, 1);
    for i in 1..=3u64 {
        assert_eq!(c.n_committed(LogIndex(i)).0, 0);
        let index = c.one(&format!("{}", i * 100), 3, false);
        assert_eq!(index, LogIndex(i));
    }
}

/// Lab TestRPCBytes2B: each command crosses to each follower about once.
#[test]
fn cluster_rpc_bytes_each_command_sent_once() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(3, seed);
        c.one("99", 3, false);
        let bytes0 = c.stats.bytes;
        let mut sent = 0u64;
        for i in 2..12u64 {
            let cmd: String = (0..5000)
                .map(|k| (b'a' + ((k * 7 + i) % 26) as u8) as char)
                .collect();
            sent += cmd.len() as u64;
            assert_eq!(c.one(&cmd, 3, false), LogIndex(i), "seed {seed}");
        }
        let got = c.stats.bytes - bytes0;
        assert!(
            got <= 3 * sent + 50_000,
            "seed {seed}: {got} bytes for {sent} payload"
        );
    }
}

/// Lab TestCount2B: 10 agreements in <= 42 requests, an idle second in <= 60.
#[test]
fn cluster_request_counts_stay_within_lab_budget() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(3, seed);
        let l = c.check_one_leader();
        assert!(c.stats.requests_delivered <= 30, "seed {seed}");
        let before = c.stats.requests_delivered;
        let (start, _) = c.start(l, "first").expect("leader accepts");
        for k in 1..=11u64 {
            let (index, _) = c.start(l, &format!("x{k}")).expect("leader accepts");
            assert_eq!(index, start.plus(k), "seed {seed}");
        }
        while c.n_committed(start.plus(10)).0 < 3 {
            c.run_for(Duration::from_millis(10));
        }
        let used = c.stats.requests_delivered - before;
        assert!(used <= 42, "seed {seed}: {used} requests for 10 agreements");
        let idle0 = c.stats.requests_delivered;
        c.run_for(secs(1));
        let idle = c.stats.requests_delivered - idle0;
        assert!(idle <= 60, "seed {seed}: {idle} requests in an idle second");
    }
}

/// Lab TestFailAgree2B and TestFailNoAgree2B.
#[test]
fn cluster_minority_failure_agrees_majority_failure_does_not() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(5, seed);
        c.one("10", 5, false);
        let l = c.check_one_leader();
        for k in 1..=3 {
            c.disconnect((l + k) % 5);
        }
        let (index, _) = c.start(l, "20").expect("still believes it leads");
        assert_eq!(index, LogIndex(2));
        c.run_for(secs(2));
        assert_eq!(
            c.n_committed(index).0,
            0,
            "seed {seed}: committed without majority"
        );
        for k in 1..=3 {
            c.connect((l + k) % 5);
        }
        c.check_one_leader();
        c.one("1000", 5, true);
    }
}

/// Lab TestBackup2B: two 50-entry divergences repaired within `one`'s 10 s budget.
#[test]
fn cluster_backup_repairs_long_divergent_logs() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(5, seed);
        c.one("start", 5, false);
        let l1 = c.check_one_leader();
        for k in 2..=4 {
            c.disconnect((l1 + k) % 5);
        }
        for k in 0..50 {
            let _ = c.start(l1, &format!("lost-a{k}"));
        }
        c.run_for(Duration::from_millis(500));
        c.disconnect(l1);
        c.disconnect((l1 + 1) % 5);
        for k in 2..=4 {
            c.connect((l1 + k) % 5);
        }
        for k in 0..50 {
            c.one(&format!("b{k}"), 3, true);
        }
        let l2 = c.check_one_leader();
        let other = if (l1 + 2) % 5 == l2 {
            (l2 + 1) % 5
        } else {
            (l1 + 2) % 5
        };
        c.disconnect(other);
        for k in 0..50 {
            let _ = c.start(l2, &format!("lost-c{k}"));
        }
        c.run_for(Duration::from_millis(500));
        for i in 0..5 {
            c.disconnect(i);
        }
        c.connect(l1);
        c.connect((l1 + 1) % 5);
        c.connect(other);
        for k in 0..50 {
            c.one(&format!("d{k}"), 3, true);
        }
        for i in 0..5 {
            c.connect(i);
        }
        c.one("end", 5, true);
    }
}

/// Lab TestPersist12C / TestSnapshotAllCrash2D: everyone crashes and restarts, twice,
/// and no index is reused.
#[test]
fn cluster_crash_all_restart_keeps_log() {
    for snapshots in [false, true] {
        for seed in 0..SEEDS {
            let mut c = Cluster::new(3, seed);
            c.snapshots = snapshots;
            let mut last = c.one("a", 3, false);
            for round in 0..3 {
                for k in 0..12 {
                    c.one(&format!("r{round}-{k}"), 3, true);
                }
                let before = c.one(&format!("r{round}"), 3, true);
                for i in 0..3 {
                    c.crash(i);
                }
                for i in 0..3 {
                    c.restart(i);
                }
                let after = c.one(&format!("r{round}-after"), 3, true);
                assert!(
                    after > before && before > last,
                    "seed {seed}: index decreased"
                );
                last = after;
            }
        }
    }
}

/// Lab TestSnapshotInstall2D / TestSnapshotInit2D: a follower cut off while the others
/// compact catches up by InstallSnapshot; the raft state stays small; a node restarted
/// twice still has its snapshot.
#[test]
fn cluster_snapshot_install_brings_lagging_follower_up() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(3, seed);
        c.snapshots = true;
        c.one("x", 3, false);
        for round in 0..10 {
            let l = c.check_one_leader();
            let victim = if round % 3 == 1 { l } else { (l + 1) % 3 };
            c.disconnect(victim);
            c.one(&format!("v{round}"), 2, true);
            for k in 0..12 {
                c.one(&format!("v{round}-{k}"), 2, true);
            }
            let size = c.nodes.iter().flatten().map(|n| n.raft_state_size()).max();
            assert!(size < Some(2000), "seed {seed}: raft state {size:?} bytes");
            c.connect(victim);
            c.one(&format!("v{round}-all"), 3, true);
        }
        for i in 0..3 {
            c.crash(i);
            c.restart(i);
        }
        c.one("after-restart", 3, true);
        for i in 0..3 {
            c.crash(i);
            c.restart(i);
        }
        c.one("after-second-restart", 3, true);
        assert!(c
            .nodes
            .iter()
            .flatten()
            .all(|n| n.snapshot_index() > LogIndex(0)));
    }
}

/// Randomized faults (lab TestFigure8Unreliable2C / TestUnreliableChurn2C in spirit):
/// partitions, crashes, drops, duplicates, delays and long reordering, with and without
/// snapshots; then heal and require progress on every node.
#[test]
fn cluster_random_faults_stay_safe_and_recover() {
    for seed in 0..300u64 {
        let n = if seed % 2 == 0 { 5 } else { 3 };
        let mut c = Cluster::new(n, seed);
        c.snapshots = seed % 3 != 0;
        c.faults = Faults::unreliable();
        c.faults.long_reorder_per_mille = if seed % 4 == 0 { 300 } else { 0 };
        let mut rng = crate::rng::Rng::new(seed);
        for step in 0..300 {
            for i in 0..n {
                let _ = c.start(i, &format!("s{seed}-{step}-{i}"));
            }
            c.run_for(Duration::from_millis(rng.range(0, 120)));
            let victim = rng.range(0, n as u64) as usize;
            match rng.range(0, 20) {
                0 => c.disconnect(victim),
                1 if c.nodes[victim].is_some() => c.crash(victim),
                2..=5 => c.connect(victim),
                6..=9 if c.nodes[victim].is_none() => c.restart(victim),
                _ => {}
            }
        }
        c.faults = Faults::default();
        for i in 0..n {
            if c.nodes[i].is_none() {
                c.restart(i);
            }
            c.connect(i);
        }
        let last = c.one(&format!("final-{seed}"), n, true);
        assert!(last >= c.max_committed(), "seed {seed}");
    }
}

/// Lab TestFigure82C: the leader crashes right after proposals, over and over, so logs
/// fill with uncommitted entries of many terms; safety must hold and, once everyone is
/// back, the cluster must commit on all five nodes.
#[test]
fn cluster_figure8_leader_crashes_stay_safe() {
    for seed in 0..SEEDS {
        let mut c = Cluster::new(5, seed);
        c.one("first", 1, true);
        let mut rng = crate::rng::Rng::new(seed ^ 8);
        let mut up = 5;
        for iter in 0..300 {
            let mut leader = None;
            for i in 0..5 {
                if c.start(i, &format!("f{iter}-{i}")).is_ok() {
                    leader = Some(i);
                }
            }
            let pause = if rng.range(0, 10) == 0 {
                rng.range(0, 500)
            } else {
                rng.range(0, 13)
            };
            c.run_for(Duration::from_millis(pause));
            if let Some(l) = leader {
                c.crash(l);
                up -= 1;
            }
            if up < 3 {
                let s = rng.range(0, 5) as usize;
                if c.nodes[s].is_none() {
                    c.restart(s);
                    up += 1;
                }
            }
        }
        for i in 0..5 {
            if c.nodes[i].is_none() {
                c.restart(i);
            }
        }
        c.one("last", 5, true);
    }
}

/// The same seed gives the same run: same disks, same counters, same trace.
#[test]
fn cluster_same_seed_same_run() {
    let run = |seed: u64| {
        let mut c = Cluster::new(5, seed);
        c.faults = Faults::unreliable();
        c.snapshots = true;
        c.trace = Some(Vec::new());
        for k in 0..25 {
            c.one(&format!("c{k}"), 3, true);
        }
        (c.disks.clone(), c.stats, c.trace.take().unwrap_or_default())
    };
    let (a, b) = (run(11), run(11));
    assert_eq!(a, b);
    assert_ne!(a.2, run(12).2, "a different seed gives a different trace");
}

/// Trace-as-test: a three-node election and one command, as delivered messages.
#[test]
fn cluster_election_and_one_command_trace() {
    let mut c = Cluster::new(3, 7);
    c.trace = Some(Vec::new());
    let l = c.check_one_leader();
    c.trace = Some(Vec::new());
    c.start(l, "hello").expect("leader");
    c.run_for(Duration::from_millis(250));
    let mut lines = Vec::new();
    lines.push(format!("leader n{l}"));
    lines.extend(c.trace.take().unwrap_or_default());
    insta::assert_snapshot!(lines.join("\n"));
}
