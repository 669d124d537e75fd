//! Membership changes (Raft thesis chapter 4): servers added, removed and replaced, some
//! under faults. Listed for implementations that declare `RaftFamily::MEMBERSHIP`.
//!
//! Every change goes through the tester's operator loop ([`RaftTester::reconfigure`]),
//! one server at a time, a learner first for a server that joins (§4.2.1). Each
//! scenario asserts what the change must achieve, in virtual time:
//! - [`add_server`]: a learner catches up, then votes: with it and an old follower gone,
//!   the two left of four voters commit nothing;
//! - [`remove_follower`]: a removed follower gets no more entries and no longer counts;
//! - [`remove_leader`]: a leader removes itself; the rest elect a leader among
//!   themselves within the lab's 5 s and commit without it;
//! - [`replace_all`]: grow from 3 to 5 voters, then shrink to 3 disjoint from the first
//!   (never more than 5), and serve with the first three gone;
//! - [`change_under_partition`]: a leader cut off appends a change that never commits;
//!   the majority elects, makes another change, and when the old leader returns it drops
//!   its uncommitted configuration and takes the majority's;
//! - [`removed_server_disrupts`]: a follower removed while cut off never learns it; when
//!   it returns it campaigns at ever higher terms, and the leader must keep its office
//!   (§4.2.3).
//!
//! The safety monitors watch every event (Configuration Safety among them), and the
//! tester's appliers check that every server applies the same command at each index.

use super::run_raft;
use crate::cluster::Cmd;
use crate::engine::Duration;
use crate::implementation::Implementation;
use crate::outcome::{Outcome, Verdict};
use crate::scenario::{Part, RunConfig, Scenario};
use crate::tester::{RaftSetup, RaftTester, Retry};
use crate::{ensure, fail};
use raft_contract::{ChangeRefused, ConfChange, Configuration, NodeId, NodeSet};

/// The membership scenarios of implementation `I` (none without the capability).
pub fn scenarios<I: Implementation>() -> Vec<Scenario> {
    if I::MEMBERSHIP.is_none() {
        return Vec::new();
    }
    let all: [(&'static str, &'static str, fn(&RunConfig) -> Outcome); 6] = [
        (
            "AddServer",
            "a learner catches up, then votes: with it and an old follower gone, 2 of 4 voters commit nothing",
            |c| run::<I>("AddServer", 4, 3, c, add_server::<I>),
        ),
        (
            "RemoveFollower",
            "a removed follower gets no more entries and no longer counts toward a majority",
            |c| run::<I>("RemoveFollower", 5, 5, c, remove_follower::<I>),
        ),
        (
            "RemoveLeader",
            "a leader removes itself; the other four elect a leader within 5 s and commit without it",
            |c| run::<I>("RemoveLeader", 5, 5, c, remove_leader::<I>),
        ),
        (
            "ReplaceAll",
            "grow from 3 to 5 voters, then shrink to 3 disjoint from the first, one server at a time; serve without the first three",
            |c| run::<I>("ReplaceAll", 6, 3, c, replace_all::<I>),
        ),
        (
            "ChangeUnderPartition",
            "a leader cut off appends a change that never commits; on return it takes the majority's configuration",
            |c| run::<I>("ChangeUnderPartition", 6, 5, c, change_under_partition::<I>),
        ),
        (
            "RemovedServerDisrupts",
            "a follower removed while cut off returns and campaigns; the leader keeps its office and commits",
            |c| run::<I>("RemovedServerDisrupts", 5, 5, c, removed_server_disrupts::<I>),
        ),
    ];
    all.into_iter()
        .map(|(name, description, run)| Scenario {
            name,
            part: Part::Membership,
            implementation: I::NAME,
            description,
            run,
        })
        .collect()
}

/// Runs `body` on `servers` slots of which the first `members` are the first
/// configuration, on a reliable network.
fn run<I: Implementation>(
    name: &str,
    servers: usize,
    members: usize,
    config: &RunConfig,
    body: fn(&mut RaftTester<I>) -> Verdict,
) -> Outcome {
    let setup = RaftSetup {
        servers,
        unreliable: false,
        snapshot: false,
        members: Some(members),
    };
    run_raft::<I>(name, config, setup, body)
}

/// How long one change may take, learner catch-up and elections included.
const CHANGE_WITHIN: Duration = Duration::from_secs(10);

/// The lab's bound for electing a new leader after a failure.
const ELECT_WITHIN: Duration = Duration::from_secs(5);

/// How long servers may take to learn a committed configuration.
const LEARN_WITHIN: Duration = Duration::from_secs(3);

/// How long a scenario waits to see that nothing commits.
const NOTHING_WITHIN: Duration = Duration::from_secs(2);

fn set(ids: &[usize]) -> NodeSet {
    ids.iter().map(|&i| id(i)).collect()
}

fn id(i: usize) -> NodeId {
    NodeId(u32::try_from(i).expect("a small cluster"))
}

fn indices(set: NodeSet) -> Vec<usize> {
    set.iter().map(NodeId::index).collect()
}

/// Submits `cmd` at the current leader and checks that in `NOTHING_WITHIN` no server
/// applies it: the servers still connected are no majority.
fn nothing_commits<I: Implementation>(t: &mut RaftTester<I>, cmd: Cmd, why: &str) -> Verdict {
    let Some(leader) = t.leader_now() else {
        fail!("no leader to submit {cmd} to ({why})")
    };
    let Some((index, _)) = t.start(leader, cmd.clone())? else {
        fail!("leader {leader} refused {cmd} ({why})")
    };
    t.sleep(NOTHING_WITHIN)?;
    let (n, _) = t.n_committed(index)?;
    ensure!(
        n == 0,
        "{n} servers applied {cmd} at index {index}, but {why}"
    );
    Ok(())
}

/// AddServer: three voters and a fourth slot, empty. The fourth joins as a learner,
/// catches up (it applies what the three agreed on), becomes a voter, and then counts:
/// with it and one old follower cut off, the two servers left of four voters commit
/// nothing; back together, all four commit.
fn add_server<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.check_one_leader()?;
    t.one(Cmd::Int(101), 3, Retry::Resubmit)?;
    // A server that is not there is refused, not added.
    let nowhere = id(t.n() + 5);
    let Some(leader) = t.leader_now() else {
        fail!("no leader after a command committed")
    };
    if let Some(answer) = t.change(leader, &[ConfChange::AddLearner(nowhere)])? {
        ensure!(
            answer == Err(ChangeRefused::UnknownServer(nowhere)),
            "add-learner {nowhere} answered {answer:?}"
        );
    }
    let (_, config) = t.reconfigure(&[ConfChange::AddLearner(id(3))], CHANGE_WITHIN)?;
    ensure!(
        config.learners.contains(id(3)) && !config.is_voter(id(3)),
        "after add-learner n3 the leader uses {config}"
    );
    // The learner receives the log: it applies the next command with the three voters.
    t.one(Cmd::Int(102), 4, Retry::Resubmit)?;
    let (_, config) = t.reconfigure(&[ConfChange::AddVoter(id(3))], CHANGE_WITHIN)?;
    ensure!(
        config == Configuration::voters(set(&[0, 1, 2, 3])),
        "after add-voter n3 the leader uses {config}"
    );
    t.await_config(&[0, 1, 2, 3], config, LEARN_WITHIN)?;
    t.one(Cmd::Int(103), 4, Retry::Resubmit)?;
    // Cut off the new voter (or, if it leads, an old follower) and one old follower:
    // two of four voters are no majority.
    let Some(leader) = t.leader_now() else {
        fail!("no leader after n3 joined")
    };
    let gone: Vec<usize> = [3, 0, 1, 2]
        .into_iter()
        .filter(|&i| i != leader)
        .take(2)
        .collect();
    for &i in &gone {
        t.disconnect(i);
    }
    nothing_commits(t, Cmd::Int(104), "two of four voters are no majority")?;
    for &i in &gone {
        t.connect(i);
    }
    t.one(Cmd::Int(105), 4, Retry::Resubmit)?;
    Ok(())
}

/// RemoveFollower: five voters; one follower is removed. The others take the new
/// configuration; the removed server applies nothing committed after its removal; and
/// it no longer counts: with two of the four remaining cut off, the leader and the one
/// left commit nothing although the removed server still hears them.
fn remove_follower<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let leader = t.check_one_leader()?;
    t.one(Cmd::Int(101), 5, Retry::Resubmit)?;
    let removed = (leader + 1) % 5;
    let (_, config) = t.reconfigure(&[ConfChange::Remove(id(removed))], CHANGE_WITHIN)?;
    ensure!(
        !config.members().contains(id(removed)),
        "after remove n{removed} the leader uses {config}"
    );
    let rest = indices(config.voters);
    t.await_config(&rest, config, LEARN_WITHIN)?;
    let index = t.one(Cmd::Int(102), 4, Retry::Resubmit)?;
    t.sleep(Duration::from_secs(1))?;
    ensure!(
        t.applied_at(removed, index).is_none(),
        "removed server {removed} applied index {index}"
    );
    let Some(leader) = t.leader_now() else {
        fail!("no leader after n{removed} left")
    };
    let gone: Vec<usize> = rest
        .iter()
        .copied()
        .filter(|&i| i != leader)
        .take(2)
        .collect();
    for &i in &gone {
        t.disconnect(i);
    }
    nothing_commits(
        t,
        Cmd::Int(103),
        "two of four voters are no majority (the removed server does not count)",
    )?;
    for &i in &gone {
        t.connect(i);
    }
    t.one(Cmd::Int(104), 4, Retry::Resubmit)?;
    Ok(())
}

/// RemoveLeader: five voters; the leader removes itself. Once the removal commits the
/// old leader must stop leading, and the other four elect one of themselves within the
/// lab's 5 s and commit without it.
fn remove_leader<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.check_one_leader()?;
    t.one(Cmd::Int(101), 5, Retry::Resubmit)?;
    let Some(old) = t.leader_now() else {
        fail!("no leader to remove")
    };
    let (_, config) = t.reconfigure(&[ConfChange::Remove(id(old))], CHANGE_WITHIN)?;
    ensure!(
        !config.members().contains(id(old)),
        "after remove n{old} the leader uses {config}"
    );
    let deadline = t.now() + ELECT_WITHIN;
    let new = loop {
        match t.leader_now() {
            Some(l) if l != old => break l,
            _ => {}
        }
        ensure!(
            t.now() < deadline,
            "no leader among the other four within {ELECT_WITHIN} of n{old}'s removal (leader now {:?})",
            t.leader_now()
        );
        t.sleep(Duration::from_millis(20))?;
    };
    ensure!(
        t.config_of(new)
            .is_some_and(|c| !c.members().contains(id(old))),
        "new leader {new} uses {:?}",
        t.config_of(new)
    );
    let index = t.one(Cmd::Int(102), 4, Retry::Resubmit)?;
    ensure!(
        t.applied_at(old, index).is_none(),
        "removed leader {old} applied index {index}"
    );
    ensure!(
        !matches!(t.state(old), Some((_, true))),
        "removed server {old} still believes it leads after the others committed without it"
    );
    Ok(())
}

/// ReplaceAll: voters {0,1,2} become {3,4,5}, one server at a time and never more than
/// five voters: add 3, add 4, remove 0, add 5, remove 1, remove 2 (each newcomer a
/// learner first). Every step commits a command on every member. Then the first three
/// crash for good, and the new three serve alone.
fn replace_all<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    use ConfChange::{AddLearner, AddVoter, Remove};
    t.check_one_leader()?;
    t.one(Cmd::Int(100), 3, Retry::Resubmit)?;
    let steps = [
        AddLearner(id(3)),
        AddVoter(id(3)),
        AddLearner(id(4)),
        AddVoter(id(4)),
        Remove(id(0)),
        AddLearner(id(5)),
        AddVoter(id(5)),
        Remove(id(1)),
        Remove(id(2)),
    ];
    for (k, step) in steps.into_iter().enumerate() {
        let (_, config) = t.reconfigure(&[step], CHANGE_WITHIN)?;
        ensure!(
            step.applied_to(config) == config,
            "after {step} the leader uses {config}"
        );
        ensure!(
            config.all_voters().len() <= 5,
            "more than five voters: {config}"
        );
        let members = config.members().len();
        t.one(Cmd::Int(101 + k as u64), members, Retry::Resubmit)?;
    }
    let last = Configuration::voters(set(&[3, 4, 5]));
    t.await_config(&[3, 4, 5], last, LEARN_WITHIN)?;
    for i in 0..3 {
        t.crash1(i);
    }
    t.one(Cmd::Int(200), 3, Retry::Resubmit)?;
    Ok(())
}

/// ChangeUnderPartition: five voters and a spare slot. The leader is cut off, then
/// appends a change (add the spare as a learner) that can reach no one. The other four
/// elect a leader and remove one of themselves. When the old leader returns, it must
/// drop its uncommitted configuration and take the majority's; all agree and commit.
fn change_under_partition<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    t.check_one_leader()?;
    t.one(Cmd::Int(101), 5, Retry::Resubmit)?;
    let Some(old) = t.leader_now() else {
        fail!("no leader to cut off")
    };
    t.disconnect(old);
    match t.change(old, &[ConfChange::AddLearner(id(5))])? {
        Some(Ok(_)) => {}
        other => fail!("cut-off leader {old} did not take add-learner n5: {other:?}"),
    }
    // One change at a time: a second one while the first is in flight is refused.
    let other = (old + 1) % 5;
    match t.change(old, &[ConfChange::Remove(id(other))])? {
        Some(Err(ChangeRefused::InFlight(_))) => {}
        answer => fail!(
            "cut-off leader {old} answered {answer:?} to a second change while add-learner n5 is in flight"
        ),
    }
    let deadline = t.now() + ELECT_WITHIN;
    let new = loop {
        if let Some(l) = t.leader_now() {
            break l;
        }
        ensure!(
            t.now() < deadline,
            "the four did not elect a leader within {ELECT_WITHIN}"
        );
        t.sleep(Duration::from_millis(20))?;
    };
    let removed = (0..5)
        .find(|&i| i != old && i != new)
        .expect("five servers");
    let (_, config) = t.reconfigure(&[ConfChange::Remove(id(removed))], CHANGE_WITHIN)?;
    ensure!(
        !config.members().contains(id(5)),
        "the majority's configuration {config} holds the cut-off leader's change"
    );
    t.connect(old);
    let members = indices(config.members());
    t.await_config(&members, config, ELECT_WITHIN)?;
    t.one(Cmd::Int(102), members.len(), Retry::Resubmit)?;
    Ok(())
}

/// RemovedServerDisrupts: five voters; a follower is cut off, then removed (the other
/// four commit its removal). It never hears of it: it times out again and again. When it
/// returns it asks for votes, at a term above everyone's; the leader must keep its
/// office (same leader, same term) for 5 s and commit a command within 1 s (§4.2.3:
/// servers that hear from a leader ignore vote requests).
fn removed_server_disrupts<I: Implementation>(t: &mut RaftTester<I>) -> Verdict {
    let leader = t.check_one_leader()?;
    t.one(Cmd::Int(101), 5, Retry::Resubmit)?;
    let removed = (leader + 1) % 5;
    t.disconnect(removed);
    let (_, config) = t.reconfigure(&[ConfChange::Remove(id(removed))], CHANGE_WITHIN)?;
    t.await_config(&indices(config.voters), config, LEARN_WITHIN)?;
    // Let the removed server time out several times.
    t.sleep(Duration::from_secs(3))?;
    let Some(leader) = t.leader_now() else {
        fail!("no leader after n{removed} was removed")
    };
    let term = t.node_status(leader).map(|s| s.term);
    t.connect(removed);
    let until = t.now() + Duration::from_secs(5);
    while t.now() < until {
        t.sleep(Duration::from_millis(50))?;
        let now = t.node_status(leader).map(|s| (s.term, s.role));
        ensure!(
            t.leader_now() == Some(leader) && now.map(|(term, _)| term) == term,
            "the leader n{leader} of {term:?} lost its office after removed server n{removed} returned (now {now:?}, leader {:?})",
            t.leader_now()
        );
    }
    let start = t.now();
    t.one(Cmd::Int(102), 4, Retry::Never)?;
    let took = t.now().saturating_since(start);
    ensure!(
        took <= Duration::from_secs(1),
        "a command took {took} to commit with a removed server campaigning"
    );
    Ok(())
}
