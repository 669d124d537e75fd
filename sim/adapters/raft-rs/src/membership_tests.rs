//! Membership changes on raft-rs nodes driven by hand (see `RaftNode::change` in
//! [`crate::node`] and [`crate::change`]), on the cluster of
//! [`crate::membership_cluster`]: kept apart so that neither imports the other's
//! tests.

use crate::membership_cluster::{assert_numbering, n, set, Cluster};
use raft_contract::{ChangeRefused, ConfChange, Configuration, LogIndex, NodeSet, RaftNode, Role};
use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

#[test]
fn membership_learner_catches_up_and_once_promoted_counts_for_commits() {
    let mut c = Cluster::boot(4, Configuration::all(3));
    let leader = c.elect();
    c.start(leader, 10);
    c.start(leader, 20);
    assert!(c.applied(3).is_empty(), "the joiner hears nothing yet");
    let added = c
        .change(leader, &[ConfChange::AddLearner(n(3))])
        .expect("accepted");
    let learner = Configuration {
        learners: set(&[3]),
        ..Configuration::all(3)
    };
    for i in 0..4 {
        let s = c.status(i);
        assert_eq!((s.config, s.config_index), (learner, added), "n{i}");
    }
    assert_eq!(c.applied(3), [(1, 10), (2, 20)], "the learner caught up");
    assert_eq!(c.status(3).role, Role::Follower);

    let promoted = c
        .change(leader, &[ConfChange::AddVoter(n(3))])
        .expect("accepted");
    assert!(promoted > added);
    for i in 0..4 {
        let s = c.status(i);
        assert_eq!(
            (s.config, s.config_index),
            (Configuration::all(4), promoted),
            "n{i}"
        );
    }
    // Four voters need three: with two others cut off the leader cannot commit, with
    // one it can.
    let others: Vec<u32> = (0..4).filter(|&i| i != leader as u32).collect();
    c.cut = set(&others[..2]);
    let before = c.status(leader).commit_index;
    c.start(leader, 30);
    assert_eq!(
        c.status(leader).commit_index,
        before,
        "two of four do not commit"
    );
    c.cut = set(&others[..1]);
    c.run(200);
    assert!(
        c.status(leader).commit_index > before,
        "three of four commit"
    );
    assert!(c.applied(3).contains(&(3, 30)), "the new voter applied it");
    for i in 0..4 {
        assert_numbering(&c, i);
    }
}

#[test]
fn membership_removed_follower_is_left_behind_and_two_voters_commit() {
    let mut c = Cluster::boot(3, Configuration::all(3));
    let leader = c.elect();
    let gone = (leader + 1) % 3;
    let index = c
        .change(leader, &[ConfChange::Remove(n(gone as u32))])
        .expect("accepted");
    let two = Configuration::voters(set(&[0, 1, 2]).difference(set(&[gone as u32])));
    let stay = 3 - leader - gone;
    for i in [leader, stay] {
        assert_eq!((c.status(i).config, c.status(i).config_index), (two, index));
    }
    c.start(leader, 10);
    assert_eq!(c.applied(stay), [(1, 10)]);
    assert!(c.applied(gone).is_empty(), "no longer replicated to");
    // The removed server may never learn its removal committed (the leader stops
    // talking to it at once); it campaigns, but pre-vote and check-quorum keep the
    // two from following it.
    let term = c.status(leader).term;
    c.run(3_000);
    assert_eq!((c.leader(), c.status(leader).term), (Some(leader), term));
    c.start(leader, 20);
    assert_eq!(c.applied(stay), [(1, 10), (2, 20)]);
}

/// raft-rs's behaviour, pinned: a leader that applies its own removal keeps leading
/// (raft.rs `post_conf_change`: "TODO(tbg): step down"), drops every proposal, and
/// check-quorum keeps it in office, as the other two answer its heartbeats. The
/// cluster takes no command until the removed leader stops (etcd's server transfers
/// leadership away before removing the leader, which this adapter does not do).
#[test]
fn membership_removed_leader_keeps_leading_and_takes_no_proposal() {
    let mut c = Cluster::boot(3, Configuration::all(3));
    let leader = c.elect();
    let index = c
        .change(leader, &[ConfChange::Remove(n(leader as u32))])
        .expect("accepted");
    let two = Configuration::voters(set(&[0, 1, 2]).difference(set(&[leader as u32])));
    for i in 0..3 {
        assert_eq!(
            (c.status(i).config, c.status(i).config_index),
            (two, index),
            "n{i}"
        );
    }
    let term = c.status(leader).term;
    c.run(3_000);
    assert_eq!(
        (c.leader(), c.status(leader).term),
        (Some(leader), term),
        "still leads"
    );
    let now = c.now;
    assert_eq!(c.node(leader).start(7, now), None, "proposals dropped");
    assert_eq!(
        c.node(leader)
            .change(&[ConfChange::AddVoter(n(leader as u32))], now),
        Err(ChangeRefused::NotLeader)
    );
    // Once it stops, the two elect one of them.
    c.crash(leader);
    let new = c.elect();
    assert_ne!(new, leader);
    c.start(new, 8);
    assert!(c.applied(3 - leader - new).contains(&(1, 8)));
}

#[test]
fn membership_joint_change_of_two_voters_leaves_the_joint_configuration_by_itself() {
    let mut c = Cluster::boot(5, Configuration::all(3));
    let leader = c.elect();
    let now = c.now;
    let joint = c
        .node(leader)
        .change(
            &[ConfChange::AddVoter(n(3)), ConfChange::AddVoter(n(4))],
            now,
        )
        .expect("accepted");
    assert_eq!(
        c.node(leader).change(&[ConfChange::Remove(n(0))], now),
        Err(ChangeRefused::InFlight(joint))
    );
    // Deliver until the leader applied the joint entry: raft-rs appends the entry that
    // leaves it at once.
    for _ in 0..100 {
        if c.status(leader).config.is_joint() {
            break;
        }
        let mut flight = Vec::new();
        for i in 0..5 {
            let rd = c.node(i).ready();
            c.applied[i].extend(rd.apply);
            flight.extend(rd.messages.into_iter().map(|(to, m)| (n(i as u32), to, m)));
        }
        for (from, to, m) in flight {
            c.step(from, to, m);
        }
    }
    let s = c.status(leader);
    let expected = Configuration {
        voters: NodeSet::first(5),
        outgoing: NodeSet::first(3),
        learners: NodeSet::EMPTY,
    };
    assert_eq!((s.config, s.config_index), (expected, joint));
    let leave = LogIndex(joint.0 + 1);
    assert_eq!(s.last_index, leave, "the leave entry follows");
    assert_eq!(
        c.node(leader).change(&[ConfChange::Remove(n(0))], now),
        Err(ChangeRefused::InFlight(leave))
    );
    // raft-rs appends the leave entry without sending it (raft.rs `commit_apply`
    // calls `append_entry`, not `bcast_append`): it goes out with the append that
    // answers the next heartbeat round.
    c.deliver();
    let follower = (leader + 1) % 5;
    assert!(c.status(follower).last_index < leave, "not sent at once");
    c.run(150);
    for i in 0..5 {
        let s = c.status(i);
        assert_eq!(
            (s.config, s.config_index),
            (Configuration::all(5), leave),
            "n{i}"
        );
    }
    c.start(leader, 10);
    assert!((0..5).all(|i| c.applied(i) == [(1, 10)]));
}

#[test]
fn membership_change_refusals_are_answers() {
    use ChangeRefused::*;
    let mut c = Cluster::boot(5, Configuration::all(3));
    // raft-rs lets a new leader that holds nothing unapplied change the configuration
    // before its no-op commits (see `RaftRsNode::change_refused`).
    let first = c.campaign(None);
    let now = c.now;
    let add = [ConfChange::AddLearner(n(3))];
    let s = c.status(first);
    assert!(
        s.commit_index < s.last_index,
        "the no-op is not committed yet"
    );
    let index = c.node(first).change(&add, now).expect("accepted");
    assert_eq!(index, LogIndex(s.last_index.0 + 1));
    c.deliver();
    // A new leader holding an entry of an earlier term, not yet applied: raft-rs waits
    // for its no-op's commit.
    let old = c.elect();
    let now = c.now;
    let (heir, other) = ((old + 1) % 3, (old + 2) % 3);
    c.node(old).start(7, now).expect("leads");
    let rd = c.node(old).ready();
    for (to, m) in rd.messages {
        if to.index() == heir {
            c.step(n(old as u32), to, m);
        }
    }
    c.cut = set(&[old as u32]);
    let heir_led = c.campaign(Some(heir));
    assert_eq!(heir_led, heir, "n{other} lacks the entry");
    let s = c.status(heir);
    assert!(
        s.commit_index < s.last_index,
        "the no-op is not committed yet"
    );
    let now = c.now;
    let remove = [ConfChange::Remove(n(3))];
    assert_eq!(c.node(heir).change(&remove, now), Err(TermNotCommitted));
    c.deliver();
    c.cut = NodeSet::EMPTY;
    c.deliver();
    let leader = c.elect();
    let now = c.now;
    let follower = (leader + 1) % 3;
    let table: [(&[ConfChange], ChangeRefused); 6] = [
        (&[], Unsupported),
        (&[ConfChange::AddVoter(n(5))], UnknownServer(n(5))),
        (&[ConfChange::Remove(n(4))], NotMember(n(4))),
        (&[ConfChange::AddVoter(n(0))], AlreadyMember(n(0))),
        (
            &[
                ConfChange::Remove(n(0)),
                ConfChange::Remove(n(1)),
                ConfChange::Remove(n(2)),
            ],
            NoVoterLeft,
        ),
        (
            &[ConfChange::AddLearner(n(4)), ConfChange::AddLearner(n(4))],
            AlreadyMember(n(4)),
        ),
    ];
    for (changes, refused) in table {
        assert_eq!(
            c.node(leader).change(changes, now),
            Err(refused),
            "{changes:?}"
        );
    }
    let add = [ConfChange::AddLearner(n(4))];
    assert_eq!(c.node(follower).change(&add, now), Err(NotLeader));
    let index = c.node(leader).change(&add, now).expect("accepted");
    assert_eq!(c.node(leader).change(&add, now), Err(InFlight(index)));
    c.deliver();
    assert_eq!(c.node(leader).change(&add, now), Err(AlreadyMember(n(4))));
    assert_eq!(c.status(leader).config_index, index);
    assert_eq!(c.status(leader).config.learners, set(&[3, 4]));
}

/// A joint configuration that raft-rs does not leave by itself (booted so: the
/// contract's joint configuration is raft-rs's with `auto_leave` off) refuses every
/// change, as raft-rs's leader would ("must transition out of joint config first").
#[test]
fn membership_joint_configuration_not_left_refuses_changes_as_in_flight() {
    let joint = Configuration {
        voters: set(&[0]),
        outgoing: set(&[0, 1]),
        learners: NodeSet::EMPTY,
    };
    let mut c = Cluster::boot(2, joint);
    let leader = c.elect();
    let now = c.now;
    assert_eq!(c.status(leader).config, joint);
    assert_eq!(
        c.node(leader).change(&[ConfChange::AddVoter(n(1))], now),
        Err(ChangeRefused::InFlight(LogIndex(0)))
    );
}

#[test]
fn membership_restart_keeps_the_configuration_and_its_index() {
    let mut c = Cluster::boot(4, Configuration::all(3));
    let leader = c.elect();
    c.start(leader, 10);
    let added = c
        .change(leader, &[ConfChange::AddLearner(n(3))])
        .expect("accepted");
    c.start(leader, 20);
    let expected = Configuration {
        learners: set(&[3]),
        ..Configuration::all(3)
    };
    for i in 0..4 {
        c.crash(i);
        c.applied[i].clear();
        c.restart(i);
        let s = c.status(i);
        assert_eq!(
            (s.config, s.config_index),
            (expected, added),
            "n{i} at boot"
        );
    }
    c.deliver();
    for i in 0..4 {
        let s = c.status(i);
        assert_eq!(
            (s.config, s.config_index),
            (expected, added),
            "n{i} replayed"
        );
        assert_eq!(
            c.applied(i),
            [(1, 10), (2, 20)],
            "n{i} replays commands only"
        );
    }
    let leader = c.elect();
    c.start(leader, 30);
    assert!(
        c.applied(3).contains(&(3, 30)),
        "the learner still receives the log"
    );
}

#[test]
fn membership_joiner_booted_without_configuration_never_campaigns() {
    let mut c = Cluster::boot(4, Configuration::all(3));
    c.cut = set(&[3]);
    let sent = c.run(5_000);
    assert_eq!(sent[3], 0, "the joiner sent nothing");
    let s = c.status(3);
    assert_eq!(
        (s.role, s.term.0, s.config),
        (Role::Follower, 0, Configuration::default())
    );
    assert!(c.leader().is_some(), "the three elected a leader");
}

/// The learner joins after the leader compacted its log: it catches up from a
/// snapshot taken after its addition (the snapshot's configuration names it), and
/// command numbers stay consecutive on every node across conf-change entries, no-ops
/// and the snapshot.
#[test]
fn membership_apply_numbering_stays_consecutive_across_changes_and_snapshots() {
    let mut c = Cluster::boot(4, Configuration::all(3));
    let leader = c.elect();
    c.start(leader, 10);
    c.cut = set(&[3]);
    c.change(leader, &[ConfChange::AddLearner(n(3))])
        .expect("accepted");
    c.start(leader, 20);
    c.start(leader, 30);
    c.node(leader)
        .snapshot(LogIndex(3), b"three".to_vec())
        .expect("applied");
    c.deliver();
    c.cut = NodeSet::EMPTY;
    c.run(200);
    assert_eq!(c.applied(3), [(3, u64::MAX)], "caught up from the snapshot");
    let from_snapshot = (c.status(3).config, c.status(3).config_index);
    assert_eq!(from_snapshot.0.learners, set(&[3]));
    assert_eq!(
        from_snapshot,
        (c.status(leader).config, c.status(leader).config_index)
    );
    c.crash(3);
    c.restart(3);
    assert_eq!(
        (c.status(3).config, c.status(3).config_index),
        from_snapshot,
        "restarted"
    );
    c.start(leader, 40);
    c.change(leader, &[ConfChange::AddVoter(n(3))])
        .expect("accepted");
    c.start(leader, 50);
    assert_eq!(c.applied(3), [(3, u64::MAX), (4, 40), (5, 50)]);
    for i in 0..4 {
        assert_numbering(&c, i);
        assert_eq!(c.status(i).config, Configuration::all(4), "n{i}");
    }
}

/// raft-rs's behaviour, pinned: a server refuses a snapshot whose configuration does
/// not name it (raft.rs `restore`: "attempted to restore snapshot but it is not in the
/// ConfState"). The adapter's snapshot is the service's last one, so a learner added
/// after the leader's snapshot point, once the entries it needs are compacted, waits
/// until the service snapshots again past its addition.
#[test]
fn membership_learner_refuses_a_snapshot_older_than_its_addition() {
    let mut c = Cluster::boot(4, Configuration::all(3));
    let leader = c.elect();
    c.start(leader, 10);
    c.start(leader, 20);
    c.node(leader)
        .snapshot(LogIndex(2), b"two".to_vec())
        .expect("applied");
    c.deliver();
    c.change(leader, &[ConfChange::AddLearner(n(3))])
        .expect("accepted");
    c.run(1_000);
    assert!(c.applied(3).is_empty(), "every snapshot refused");
    c.start(leader, 30);
    c.node(leader)
        .snapshot(LogIndex(3), b"three".to_vec())
        .expect("applied");
    c.run(500);
    assert_eq!(c.applied(3), [(3, u64::MAX)], "a snapshot that names it");
}

/// raft-rs's bug, pinned: a leader that demoted itself to learner keeps leading (as
/// after its removal); a joint change that then removes it takes it out of its own
/// progress tracker when applied, yet raft-rs's auto-leave (raft.rs `commit_apply`,
/// which checks only that the node leads) appends the entry that leaves the joint
/// configuration, and saving that entry unwraps the leader's missing progress
/// (raft.rs:1055, `on_persist_entries`). raft-rs accepts both changes; the adapter
/// does not refuse them (it translates, it does not fix).
#[test]
#[should_panic(expected = "called `Option::unwrap()` on a `None` value")]
fn membership_leader_demoted_then_removed_by_a_joint_change_panics_in_raft_rs() {
    let mut c = Cluster::boot(4, Configuration::all(3));
    let leader = c.elect();
    let me = n(leader as u32);
    c.change(leader, &[ConfChange::AddLearner(me)])
        .expect("accepted");
    assert_eq!(c.leader(), Some(leader), "a learner that leads");
    assert!(c.status(leader).config.learners.contains(me));
    let joint = [ConfChange::Remove(me), ConfChange::AddLearner(n(3))];
    c.change(leader, &joint).expect("accepted");
}

/// raft-rs's bug, pinned: a leader removed while a command it took after the removal
/// is in flight crashes. Applying its removal takes it out of its own progress tracker
/// but raft-rs keeps it leading (raft.rs `post_conf_change`: "TODO(tbg): step down"),
/// and saving the command's entry unwraps its missing progress (raft.rs:1055,
/// `on_persist_entries`; had the entry been saved first, the commit the followers'
/// answers bring would unwrap it in `maybe_commit`, raft.rs:943).
#[test]
#[should_panic(expected = "called `Option::unwrap()` on a `None` value")]
fn membership_leader_removed_with_a_command_in_flight_panics_in_raft_rs() {
    let mut c = Cluster::boot(3, Configuration::all(3));
    let leader = c.elect();
    let now = c.now;
    let me = n(leader as u32);
    c.node(leader)
        .change(&[ConfChange::Remove(me)], now)
        .expect("accepted");
    // The removal reaches the followers and their answers come back: it commits.
    let rd = c.node(leader).ready();
    for (to, m) in rd.messages {
        c.step(me, to, m);
    }
    for f in (0..3).filter(|&f| f != leader) {
        let rd = c.node(f).ready();
        for (to, m) in rd.messages {
            c.step(n(f as u32), to, m);
        }
    }
    assert!(c.status(leader).commit_index.0 >= c.status(leader).last_index.0);
    // A command taken before the removal is applied: raft-rs still counts the leader.
    c.node(leader).start(7, now).expect("still a member");
    c.deliver();
}

/// Random changes, commands, snapshots, crashes and message loss on five slots (three
/// initial voters, two joiners), a few seeds: whatever raft-rs accepts, no two nodes
/// apply different commands at one index or report different configurations from one
/// entry, and the adapter's own assertions hold (no panic).
#[test]
fn membership_random_changes_under_faults_keep_commands_and_configurations_agreed() {
    const SEEDS: u64 = 60;
    let mut totals = (0, 0, 0);
    let mut crashed = Vec::new();
    for seed in 0..SEEDS {
        // raft-rs's crash at a leader that applied its own removal (pinned above) ends
        // a run; whatever else panics fails the test.
        match std::panic::catch_unwind(|| random_run(seed)) {
            Ok((accepted, commands, configs)) => {
                totals.0 += accepted;
                totals.1 += commands;
                totals.2 += configs;
            }
            Err(payload) => {
                let raft_rs = payload
                    .downcast_ref::<&str>()
                    .is_some_and(|m| *m == "called `Option::unwrap()` on a `None` value");
                if !raft_rs {
                    std::panic::resume_unwind(payload);
                }
                crashed.push(seed);
            }
        }
    }
    println!(
        "{SEEDS} seeds: (changes accepted, commands, configurations) {totals:?}; \
         raft-rs crashed at a removed leader in {} seeds {crashed:?}",
        crashed.len()
    );
    // Progress is not the point (a cluster left with a crashed majority stalls), but
    // runs that did nothing would check nothing.
    assert!(totals.0 >= 3 * SEEDS as usize, "{totals:?}");
    assert!(totals.1 >= 30 * SEEDS as usize, "{totals:?}");
    assert!(crashed.len() < SEEDS as usize / 4, "{crashed:?}");
}

/// One run of the test above: (changes accepted, commands applied, configurations).
fn random_run(seed: u64) -> (usize, usize, usize) {
    {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let mut c = Cluster::boot(5, Configuration::all(3));
        c.loss = Some((ChaCha8Rng::seed_from_u64(seed + 100), 10));
        let mut commands: std::collections::BTreeMap<u64, u64> = Default::default();
        let mut configs: std::collections::BTreeMap<LogIndex, Configuration> = Default::default();
        let mut accepted = 0;
        let mut next_command = 1;
        for _step in 0..2_000 {
            c.run(10);
            let roll = rng.next_u32() % 100;
            let leader = c.leader();
            let now = c.now;
            match (roll, leader) {
                (0..5, Some(l)) => {
                    let pick = |rng: &mut ChaCha8Rng| {
                        let id = n(rng.next_u32() % 5);
                        match rng.next_u32() % 3 {
                            0 => ConfChange::AddLearner(id),
                            1 => ConfChange::AddVoter(id),
                            _ => ConfChange::Remove(id),
                        }
                    };
                    let mut changes = vec![pick(&mut rng)];
                    if rng.next_u32() % 4 == 0 {
                        changes.push(pick(&mut rng));
                    }
                    // raft-rs crashes when a leader out of its own configuration
                    // saves or commits an entry (pinned above): the leader neither
                    // demotes nor removes itself here.
                    let me = n(l as u32);
                    if changes.contains(&ConfChange::AddLearner(me))
                        || changes.contains(&ConfChange::Remove(me))
                    {
                        continue;
                    }
                    accepted += usize::from(c.node(l).change(&changes, now).is_ok());
                }
                (5..30, Some(l)) => {
                    let _ = c.node(l).start(next_command, now);
                    next_command += 1;
                }
                (30..33, Some(l)) => {
                    let last = c.applied(l).last().map_or(0, |a| a.0);
                    let _ = c.node(l).snapshot(LogIndex(last), vec![]);
                }
                (33..35, _) => {
                    let i = (rng.next_u32() % 5) as usize;
                    if c.nodes[i].is_some() {
                        c.crash(i);
                    } else {
                        c.restart(i);
                    }
                }
                _ => {}
            }
            for i in 0..5 {
                for (index, command) in c.applied(i) {
                    if command != u64::MAX {
                        let first = *commands.entry(index).or_insert(command);
                        assert_eq!(first, command, "seed {seed}: n{i} command {index}");
                    }
                }
                let Some(node) = c.nodes[i].as_ref() else {
                    continue;
                };
                let s = node.status();
                if s.config_index > LogIndex(0) {
                    let first = *configs.entry(s.config_index).or_insert(s.config);
                    assert_eq!(
                        first, s.config,
                        "seed {seed}: n{i} config of {}",
                        s.config_index
                    );
                }
            }
        }
        (accepted, commands.len(), configs.len())
    }
}
