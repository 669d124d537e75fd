//! A configuration: which replica group serves which shard, and the servers of each
//! group (the lab's `Config`), with the ids it is made of.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// The number of shards (the lab's `NShards`).
pub const NSHARDS: usize = 10;

/// A replica group's id (the lab's gid). Gid 0 is no group: the owner of every shard in
/// configuration 0, and of every shard while no group is joined.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Gid(pub u64);

impl Gid {
    /// No group.
    pub const NONE: Gid = Gid(0);
}

impl fmt::Display for Gid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gid {}", self.0)
    }
}

/// A shard, `0..NSHARDS`.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Shard(pub usize);

impl Shard {
    /// Every shard, in order.
    pub fn all() -> impl Iterator<Item = Shard> {
        (0..NSHARDS).map(Shard)
    }

    /// The shard `key` belongs to: its first byte modulo [`NSHARDS`], 0 for the empty
    /// key (the lab's `key2shard`). Keys "0".."9" land on shards 8, 9, 0, ..., 7.
    pub fn of_key(key: &str) -> Shard {
        Shard(
            key.as_bytes()
                .first()
                .map_or(0, |&b| usize::from(b) % NSHARDS),
        )
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shard {}", self.0)
    }
}

/// A configuration's number: 0 for the initial one, one more for every Join, Leave and
/// Move.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct ConfigNum(pub u64);

impl ConfigNum {
    /// The next number.
    pub fn next(self) -> ConfigNum {
        ConfigNum(self.0.checked_add(1).expect("config number overflow"))
    }
}

impl fmt::Display for ConfigNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "config {}", self.0)
    }
}

/// Which group serves which shard, and the servers of every group (by name, as the
/// lab's `make_end` takes them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Config {
    /// Its number.
    pub num: ConfigNum,
    /// The group of each shard ([`Gid::NONE`]: none).
    pub shards: [Gid; NSHARDS],
    /// The servers of each joined group, in the order they were given.
    pub groups: BTreeMap<Gid, Vec<String>>,
}

impl Config {
    /// The group that serves `shard`.
    pub fn owner(&self, shard: Shard) -> Gid {
        self.shards[shard.0]
    }

    /// The servers of group `gid` (empty if it is not joined).
    pub fn servers(&self, gid: Gid) -> &[String] {
        self.groups.get(&gid).map_or(&[], Vec::as_slice)
    }

    /// How many shards each joined group serves.
    pub fn counts(&self) -> BTreeMap<Gid, usize> {
        let mut counts: BTreeMap<Gid, usize> = self.groups.keys().map(|&g| (g, 0)).collect();
        for gid in self.shards {
            if let Some(c) = counts.get_mut(&gid) {
                *c += 1;
            }
        }
        counts
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shards: Vec<String> = self.shards.iter().map(|g| g.0.to_string()).collect();
        let groups: Vec<String> = self.groups.keys().map(|g| g.0.to_string()).collect();
        write!(
            f,
            "{}: shards [{}], groups [{}]",
            self.num,
            shards.join(" "),
            groups.join(" ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_of_key_is_the_labs_key2shard() {
        let cases = [
            ("", 0),
            ("0", 8),
            ("1", 9),
            ("2", 0),
            ("9", 7),
            ("a", 7),
            ("10", 9),
        ];
        for (key, shard) in cases {
            assert_eq!(Shard::of_key(key), Shard(shard), "{key:?}");
        }
        let all: Vec<Shard> = (0..10).map(|i| Shard::of_key(&i.to_string())).collect();
        let mut sorted = all.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), NSHARDS, "keys 0..9 land on distinct shards");
    }

    #[test]
    fn config_counts_cover_joined_groups_only() {
        let mut c = Config::default();
        c.groups.insert(Gid(1), vec!["a".into()]);
        c.groups.insert(Gid(2), vec!["b".into()]);
        c.shards = [Gid(1); NSHARDS];
        c.shards[9] = Gid(7);
        let counts = c.counts();
        assert_eq!(counts.get(&Gid(1)), Some(&9));
        assert_eq!(counts.get(&Gid(2)), Some(&0));
        assert_eq!(counts.get(&Gid(7)), None, "not joined");
        assert_eq!(c.servers(Gid(1)), ["a".to_string()]);
        assert!(c.servers(Gid(3)).is_empty());
        assert_eq!(c.owner(Shard(9)), Gid(7));
    }
}
