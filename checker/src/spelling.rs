//! Which values a key's writes can spell: the KV model's check, before any search, that
//! every value read could have been written.
//!
//! # Why it is sound
//! Under the KV model a key's value is, at any point of any sequence of operations, either
//! "" (the initial value, or after `put(k, "")`) or the value `p` of some put followed by
//! the values of appends made after it, or the values of appends alone (from ""): always
//! a concatenation `w0 w1 ... wn` where `w0` is a put's value or "" and each `wi` (i > 0)
//! is an append's value, every write being of that key. A linearization uses each
//! operation once and in an order the history allows; this check drops both constraints
//! (any write, any number of times, any order), so the set of values it can spell
//! contains every value a linearization can produce. A read (a get, or the previous
//! value an append-returning-previous reports) whose value it cannot spell is therefore
//! illegal in every linearization: the verdict Illegal it leads to is never a false alarm.
//! A pending or unknown write may or may not take effect; it counts as a write, which
//! again only enlarges the set.
//!
//! # Cost
//! Spelling is a forward pass over the value's bytes: position `i` is reachable when the
//! bytes before it are spelled; from a reachable position, one lookup per distinct append
//! length. Whether position `i` is reachable depends on the bytes before `i` only, so the
//! distinct reads of a key are spelled in sorted order, each reusing the positions it
//! shares with the previous (a key's reads are usually prefixes of one another), and the
//! whole check costs about the total length of the distinct reads' new bytes times the
//! number of distinct append lengths.

use std::collections::{BTreeMap, BTreeSet};

/// What one operation does to its key, as far as spelling is concerned: the value it
/// puts or appends (written whatever its outcome), and the value it reports having read,
/// if it reads one with a known output (a get, an append-returning-previous).
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Access<'a> {
    /// The key.
    pub(crate) key: &'a str,
    /// The value put.
    pub(crate) put: Option<&'a [u8]>,
    /// The value appended.
    pub(crate) append: Option<&'a [u8]>,
    /// The value read.
    pub(crate) read: Option<&'a [u8]>,
}

/// The writes of one key, by value, grouped by length so that a position looks up each
/// length once.
#[derive(Default)]
struct Writes<'a> {
    puts: BTreeSet<&'a [u8]>,
    put_lengths: BTreeSet<usize>,
    appends: BTreeSet<&'a [u8]>,
    append_lengths: BTreeSet<usize>,
}

impl<'a> Writes<'a> {
    fn add(&mut self, access: &Access<'a>) {
        if let Some(value) = access.put {
            self.puts.insert(value);
            self.put_lengths.insert(value.len());
        }
        // An empty append changes nothing, and a zero-length step would not advance.
        if let Some(value) = access.append.filter(|v| !v.is_empty()) {
            self.appends.insert(value);
            self.append_lengths.insert(value.len());
        }
    }
}

/// The first access (by position in `accesses`) that reads a value its key's writes in
/// `accesses` cannot spell, or `None`.
pub(crate) fn unspellable_read(accesses: &[Access<'_>]) -> Option<usize> {
    let mut writes: BTreeMap<&str, Writes<'_>> = BTreeMap::new();
    // Per key, the distinct values read and the first access that read each.
    let mut reads: BTreeMap<&str, BTreeMap<&[u8], usize>> = BTreeMap::new();
    for (k, access) in accesses.iter().enumerate() {
        writes.entry(access.key).or_default().add(access);
        if let Some(value) = access.read {
            reads
                .entry(access.key)
                .or_default()
                .entry(value)
                .or_insert(k);
        }
    }
    let mut first_bad: Option<usize> = None;
    for (key, values) in &reads {
        let writes = &writes[key];
        let mut speller = Speller::default();
        for (value, &k) in values {
            if !speller.spells(value, writes) {
                first_bad = Some(first_bad.map_or(k, |b| b.min(k)));
            }
        }
    }
    first_bad
}

/// The reachable positions of the last value spelled, reused for the next.
#[derive(Default)]
struct Speller {
    previous: Vec<u8>,
    reachable: Vec<bool>,
}

impl Speller {
    /// Whether `value` is "" or a put's value (or "") followed by appends' values.
    fn spells(&mut self, value: &[u8], writes: &Writes<'_>) -> bool {
        let common = value
            .iter()
            .zip(&self.previous)
            .take_while(|(a, b)| a == b)
            .count();
        // Positions up to `common` were reached through the shared bytes only.
        self.reachable.truncate(common + 1);
        self.reachable.resize(value.len() + 1, false);
        self.reachable[0] = true;
        for length in between(&writes.put_lengths, common + 1, value.len()) {
            if writes.puts.contains(&value[..length]) {
                self.reachable[length] = true;
            }
        }
        let longest = writes.append_lengths.last().copied().unwrap_or(0);
        for from in common.saturating_sub(longest)..value.len() {
            if !self.reachable[from] {
                continue;
            }
            // Steps landing at or before `common` were taken for the previous value.
            let shortest = (common + 1).saturating_sub(from).max(1);
            for length in between(&writes.append_lengths, shortest, value.len() - from) {
                if writes.appends.contains(&value[from..from + length]) {
                    self.reachable[from + length] = true;
                }
            }
        }
        self.previous.clear();
        self.previous.extend_from_slice(value);
        assert_eq!(
            self.reachable.len(),
            value.len() + 1,
            "one flag per position"
        );
        self.reachable[value.len()]
    }
}

/// The lengths in `set` from `low` to `high`, both included (none if `low > high`).
fn between(set: &BTreeSet<usize>, low: usize, high: usize) -> impl Iterator<Item = usize> + '_ {
    let range = (low <= high).then(|| set.range(low..=high));
    range.into_iter().flatten().copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug)]
    enum KvOp {
        Get,
        Put,
        Append,
        AppendReturningPrevious,
    }

    /// The access of an operation `op` with `value` that returned `output` (`None`: no
    /// known output).
    fn op(
        op: KvOp,
        key: &'static str,
        value: &'static str,
        output: Option<&'static str>,
    ) -> Access<'static> {
        let value = Some(value.as_bytes());
        let read = output.map(str::as_bytes);
        let access = Access {
            key,
            ..Access::default()
        };
        match op {
            KvOp::Get => Access { read, ..access },
            KvOp::Put => Access {
                put: value,
                ..access
            },
            KvOp::Append => Access {
                append: value,
                ..access
            },
            KvOp::AppendReturningPrevious => Access {
                append: value,
                read,
                ..access
            },
        }
    }

    fn check(history: &[Access<'static>]) -> Option<usize> {
        unspellable_read(history)
    }

    #[test]
    fn spelling_table() {
        use KvOp::*;
        // (writes, reads, index of the first unspellable read among all ops or None)
        type Case = (Vec<(KvOp, &'static str)>, Vec<&'static str>, Option<usize>);
        let cases: Vec<Case> = vec![
            (vec![], vec![""], None),
            (vec![], vec!["a"], Some(0)),
            (vec![(Put, "ab")], vec!["ab", ""], None),
            (vec![(Put, "ab")], vec!["a"], Some(1)),
            (
                vec![(Append, "a"), (Append, "b")],
                vec!["ab", "ba", "aab", "b"],
                None,
            ),
            (vec![(Append, "a"), (Append, "b")], vec!["abc"], Some(2)),
            (
                vec![(Put, "p"), (Append, "xy")],
                vec!["pxy", "xyxy", "pxyxy", "p"],
                None,
            ),
            (vec![(Put, "p"), (Append, "xy")], vec!["px"], Some(2)),
            (vec![(Put, "p"), (Append, "xy")], vec!["xyp"], Some(2)),
            (vec![(AppendReturningPrevious, "q")], vec!["qq"], None),
            (
                vec![(Append, "x 0 0 y"), (Append, "x 1 0 y")],
                vec!["x 0 0 y", "x 0 0 yx 1 0 y", "x 0 0 yx 1 1 y", "x 1 0 y"],
                Some(4),
            ),
        ];
        for (writes, reads, expected) in cases {
            let mut history: Vec<_> = writes
                .iter()
                .map(|&(o, v)| op(o, "k", v, Some("")))
                .collect();
            history.extend(reads.iter().map(|&r| op(Get, "k", "", Some(r))));
            assert_eq!(check(&history), expected, "{writes:?} {reads:?}");
        }
    }

    #[test]
    fn spelling_keys_pending_and_previous_values() {
        use KvOp::*;
        // Writes of another key do not spell this key's reads.
        let history = vec![op(Put, "a", "v", Some("")), op(Get, "b", "", Some("v"))];
        assert_eq!(check(&history), Some(1));
        // A pending put may take effect; a pending get reads nothing.
        let history = vec![
            op(Put, "a", "v", None),
            op(Get, "a", "", Some("v")),
            op(Get, "a", "", None),
        ];
        assert_eq!(check(&history), None);
        // The previous value an append reports is a read.
        let history = vec![op(AppendReturningPrevious, "a", "v", Some("w"))];
        assert_eq!(check(&history), Some(0));
    }

    #[test]
    fn spelling_reuses_positions_across_sorted_reads() {
        // Reads sharing prefixes, then one that diverges early: every read is judged on
        // its own bytes, whatever came before.
        let mut history = vec![
            op(KvOp::Append, "k", "ab", Some("")),
            op(KvOp::Append, "k", "c", Some("")),
        ];
        for read in ["ab", "abab", "ababc", "abc", "abcab", "ac", "c", "cab"] {
            history.push(op(KvOp::Get, "k", "", Some(read)));
        }
        assert_eq!(check(&history), Some(7));
        history.remove(7);
        assert_eq!(check(&history), None);
    }
}
