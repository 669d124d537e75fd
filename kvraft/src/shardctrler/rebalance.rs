//! Rebalancing: after a Join or a Leave, spread the shards over the joined groups as
//! evenly as possible (the largest and smallest counts differ by at most one), moving
//! as few shards as possible, the same way on every replica.
//!
//! With `n` groups, `NSHARDS % n` of them serve one shard more than the others. The
//! groups that serve the most shards now get those larger quotas (ties: the smaller
//! gid first), so the shards that stay put are as many as any even spread allows. Then
//! every group over its quota gives up its highest-numbered shards, and the shards
//! without a joined owner go, lowest first, to the groups under their quota in the same
//! order. Only shards that must move move; the result depends on nothing but the
//! assignment and the set of groups (both ordered), never on a map's iteration order.

use super::config::{Gid, Shard, NSHARDS};
use std::collections::BTreeSet;

/// Reassigns `shards` to the groups `groups` (see the module's doc). With no group,
/// every shard goes to [`Gid::NONE`].
///
/// # Panics
/// If `groups` holds [`Gid::NONE`] (gid 0 is no group).
pub fn rebalance(shards: &mut [Gid; NSHARDS], groups: &BTreeSet<Gid>) {
    assert!(
        !groups.contains(&Gid::NONE),
        "gid 0 cannot serve shards: {groups:?}"
    );
    if groups.is_empty() {
        *shards = [Gid::NONE; NSHARDS];
        return;
    }
    // Each group with the shards it keeps, in quota order: most shards first.
    let mut held: Vec<(Gid, Vec<Shard>)> = groups.iter().map(|&g| (g, Vec::new())).collect();
    let mut orphans: Vec<Shard> = Vec::new();
    for shard in Shard::all() {
        match held.iter_mut().find(|(g, _)| *g == shards[shard.0]) {
            Some((_, mine)) => mine.push(shard),
            None => orphans.push(shard),
        }
    }
    held.sort_by(|(ga, a), (gb, b)| b.len().cmp(&a.len()).then(ga.cmp(gb)));
    let n = held.len();
    let quota = |rank: usize| NSHARDS / n + usize::from(rank < NSHARDS % n);
    for (rank, (_, mine)) in held.iter_mut().enumerate() {
        while mine.len() > quota(rank) {
            orphans.push(mine.pop().expect("over quota, so not empty"));
        }
    }
    orphans.sort();
    let mut orphans = orphans.into_iter();
    for (rank, (gid, mine)) in held.iter_mut().enumerate() {
        while mine.len() < quota(rank) {
            let shard = orphans.next().expect("quotas add up to NSHARDS");
            shards[shard.0] = *gid;
            mine.push(shard);
        }
    }
    assert!(orphans.next().is_none(), "a shard left without a group");
    let counts: Vec<usize> = held.iter().map(|(_, m)| m.len()).collect();
    let (max, min) = (counts.iter().max(), counts.iter().min());
    assert!(
        max.zip(min).is_some_and(|(a, b)| a - b <= 1),
        "uneven spread {counts:?} over {groups:?}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(gids: &[u64]) -> BTreeSet<Gid> {
        gids.iter().map(|&g| Gid(g)).collect()
    }

    fn assignment(gids: [u64; NSHARDS]) -> [Gid; NSHARDS] {
        gids.map(Gid)
    }

    /// The fewest shards any even spread over `groups` must move from `before`: every
    /// shard except those that can stay, at most a quota per group, the larger quotas
    /// going to the groups that hold the most.
    fn fewest_moves(before: &[Gid; NSHARDS], groups: &BTreeSet<Gid>) -> usize {
        let mut counts: Vec<usize> = groups
            .iter()
            .map(|g| before.iter().filter(|b| *b == g).count())
            .collect();
        counts.sort_by(|a, b| b.cmp(a));
        let n = counts.len();
        let kept: usize = counts
            .iter()
            .enumerate()
            .map(|(rank, &c)| c.min(NSHARDS / n + usize::from(rank < NSHARDS % n)))
            .sum();
        NSHARDS - kept
    }

    fn moves(before: &[Gid; NSHARDS], after: &[Gid; NSHARDS]) -> usize {
        before.iter().zip(after).filter(|(a, b)| a != b).count()
    }

    fn check_even(shards: &[Gid; NSHARDS], groups: &BTreeSet<Gid>) {
        for (s, g) in shards.iter().enumerate() {
            assert!(groups.contains(g), "shard {s} on {g}, not in {groups:?}");
        }
        let counts: Vec<usize> = groups
            .iter()
            .map(|g| shards.iter().filter(|s| *s == g).count())
            .collect();
        let (max, min) = (counts.iter().max(), counts.iter().min());
        assert!(
            max.zip(min).is_some_and(|(a, b)| a - b <= 1),
            "counts {counts:?}"
        );
    }

    /// A fixed pseudo-random walk of joins and leaves over gids 1..=14.
    fn walk() -> Vec<BTreeSet<Gid>> {
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut groups = BTreeSet::new();
        let mut steps = Vec::new();
        for _ in 0..400 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let gid = Gid(1 + x % 14);
            if !groups.insert(gid) {
                groups.remove(&gid);
            }
            steps.push(groups.clone());
        }
        steps
    }

    #[test]
    fn rebalance_spreads_evenly_over_every_group_count() {
        for n in 1..=13u64 {
            let groups: BTreeSet<Gid> = (1..=n).map(Gid).collect();
            let mut shards = [Gid::NONE; NSHARDS];
            rebalance(&mut shards, &groups);
            check_even(&shards, &groups);
        }
        let mut shards = [Gid::NONE; NSHARDS];
        for groups in walk() {
            rebalance(&mut shards, &groups);
            if groups.is_empty() {
                assert_eq!(shards, [Gid::NONE; NSHARDS]);
            } else {
                check_even(&shards, &groups);
            }
        }
    }

    #[test]
    fn rebalance_moves_no_more_shards_than_it_must() {
        let mut shards = [Gid::NONE; NSHARDS];
        for groups in walk() {
            let before = shards;
            rebalance(&mut shards, &groups);
            if groups.is_empty() {
                continue;
            }
            assert_eq!(
                moves(&before, &shards),
                fewest_moves(&before, &groups),
                "{before:?} -> {shards:?} over {groups:?}"
            );
        }
        // TestMinimalAgain: join 3 to {1, 2}; then leave 1.
        let mut shards = [Gid::NONE; NSHARDS];
        rebalance(&mut shards, &set(&[1, 2]));
        let c1 = shards;
        rebalance(&mut shards, &set(&[1, 2, 3]));
        let c2 = shards;
        for s in 0..NSHARDS {
            if c2[s] != Gid(3) {
                assert_eq!(c1[s], c2[s], "shard {s} moved between old groups");
            }
        }
        assert!(moves(&c1, &c2) <= NSHARDS / 3 + 1);
        rebalance(&mut shards, &set(&[2, 3]));
        for s in 0..NSHARDS {
            if c2[s] != Gid(1) {
                assert_eq!(c2[s], shards[s], "shard {s} left a staying group");
            }
        }
        assert!(moves(&c2, &shards) <= NSHARDS / 3 + 1);
    }

    #[test]
    fn rebalance_is_deterministic_and_ties_break_by_gid() {
        let before = assignment([1, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
        let groups = set(&[1, 2, 3]);
        let mut a = before;
        let mut b = before;
        rebalance(&mut a, &groups);
        rebalance(&mut b, &groups);
        assert_eq!(a, b);
        // Groups 1 and 2 tie at 5: gid 1 keeps 4, gid 2 keeps 3, each giving up its
        // highest shards; gid 3 takes them, lowest first.
        assert_eq!(a, assignment([1, 1, 1, 1, 3, 2, 2, 2, 3, 3]));
        // Already even: nothing moves.
        let mut c = a;
        rebalance(&mut c, &groups);
        assert_eq!(c, a);
    }

    #[test]
    fn rebalance_rejoin_after_leave_gets_shards_back() {
        let mut shards = [Gid::NONE; NSHARDS];
        rebalance(&mut shards, &set(&[1, 2]));
        rebalance(&mut shards, &set(&[2]));
        assert_eq!(shards, [Gid(2); NSHARDS]);
        rebalance(&mut shards, &set(&[1, 2]));
        check_even(&shards, &set(&[1, 2]));
        assert_eq!(shards.iter().filter(|g| **g == Gid(1)).count(), 5);
    }

    #[test]
    fn rebalance_after_move_keeps_the_moved_shard_where_it_can() {
        // Move(0, 2) left {1: 4, 2: 6}; a Join of 3 takes from the fullest group first.
        let mut shards = assignment([2, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
        let before = shards;
        rebalance(&mut shards, &set(&[1, 2, 3]));
        check_even(&shards, &set(&[1, 2, 3]));
        assert_eq!(shards[0], Gid(2), "the moved shard stays");
        assert_eq!(
            moves(&before, &shards),
            fewest_moves(&before, &set(&[1, 2, 3]))
        );
        assert_eq!(shards, assignment([2, 1, 1, 1, 3, 2, 2, 2, 3, 3]));
    }

    #[test]
    fn rebalance_with_more_groups_than_shards_keeps_one_per_holder() {
        let ten: Vec<u64> = (1..=10).collect();
        let mut shards = [Gid::NONE; NSHARDS];
        rebalance(&mut shards, &set(&ten));
        let c1 = shards;
        let fifteen: Vec<u64> = (1..=15).collect();
        rebalance(&mut shards, &set(&fifteen));
        assert_eq!(shards, c1, "ten holders of one shard each keep theirs");
        rebalance(&mut shards, &set(&[]));
        assert_eq!(shards, [Gid::NONE; NSHARDS]);
    }

    #[test]
    #[should_panic(expected = "gid 0 cannot serve shards")]
    fn rebalance_refuses_gid_zero() {
        rebalance(&mut [Gid::NONE; NSHARDS], &set(&[0, 1]));
    }
}
