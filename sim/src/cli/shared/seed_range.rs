//! `--seeds A..B`: a range of seeds, half-open as in Rust (`0..20` is 20 seeds); also
//! `A..=B` and a single seed `N`.

use crate::cli::shared::error::{Error, Result};
use std::fmt;

/// A non-empty range of seeds, stored by its first and last seed so that it can hold
/// every `u64` seed, the last one included (`A..=18446744073709551615`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    start: u64,
    last: u64,
}

/// The seeds of the main job and of `sweep` without `--seeds`.
///
/// Ten seeds of every scenario: with ~50 scenarios of 0.05–2 s each (about 0.5 s on
/// average) that is ~250 s of one core's time, about two minutes on two cores, and well
/// under a minute once the target (one seed of every scenario in under 3 s of one
/// core) is met. Wider sweeps are one `--seeds` away.
pub const DEFAULT_SEEDS: SeedRange = SeedRange { start: 0, last: 9 };

impl SeedRange {
    /// The range `start..=last`.
    ///
    /// # Errors
    /// `Usage` when `last < start`; `typed` is how the user wrote the range.
    fn inclusive(start: u64, last: u64, typed: &str) -> Result<SeedRange> {
        if last < start {
            return Err(empty(typed));
        }
        Ok(SeedRange { start, last })
    }

    /// Parses `A..B` (half-open), `A..=B` (inclusive) or a single seed `N`.
    ///
    /// # Errors
    /// `Usage`, naming the part that is wrong.
    pub fn parse(text: &str) -> Result<SeedRange> {
        let bad = |why: &str| Error::Usage(format!("bad seed range {text:?}: {why}"));
        let number = |part: &str, which: &str| {
            part.trim()
                .parse::<u64>()
                .map_err(|_| bad(&format!("{which} {part:?} is not a non-negative integer")))
        };
        let typed = text.trim();
        if let Some((a, b)) = text.split_once("..=") {
            return SeedRange::inclusive(number(a, "start")?, number(b, "end")?, typed);
        }
        if let Some((a, b)) = text.split_once("..") {
            let (start, end) = (number(a, "start")?, number(b, "end")?);
            return match end.checked_sub(1) {
                Some(last) if start < end => SeedRange::inclusive(start, last, typed),
                _ => Err(empty(typed)),
            };
        }
        let seed = number(text, "seed")
            .map_err(|_| bad("expected A..B (half-open, e.g. 0..20), A..=B or one seed N"))?;
        SeedRange::inclusive(seed, seed, typed)
    }

    /// The first seed.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// The last seed (included).
    pub fn last(&self) -> u64 {
        self.last
    }

    /// How many seeds: up to 2^64, hence `u128`.
    pub fn len(&self) -> u128 {
        u128::from(self.last - self.start) + 1
    }

    /// Never true: a `SeedRange` holds at least one seed.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The `i`-th seed (0-based).
    ///
    /// # Panics
    /// When `i` is not below [`Self::len`].
    pub fn nth(&self, i: u128) -> u64 {
        assert!(i < self.len(), "seed {i} of a range of {}", self.len());
        let offset = u64::try_from(i).unwrap_or_else(|_| unreachable!("below 2^64"));
        self.start + offset
    }

    /// The seeds in order.
    pub fn seeds(&self) -> std::ops::RangeInclusive<u64> {
        self.start..=self.last
    }
}

/// The error for a range with no seed, named as the user typed it.
fn empty(typed: &str) -> Error {
    Error::Usage(format!(
        "empty seed range {typed}: A..B is half-open and needs A < B, A..=B needs A <= B (e.g. 0..20)"
    ))
}

/// Half-open `A..B` as users type it, or `A..=B` when B would pass the largest seed.
impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.last.checked_add(1) {
            Some(end) => write!(f, "{}..{end}", self.start),
            None => write!(f, "{}..={}", self.start, self.last),
        }
    }
}

/// Parses a single seed (`run --seed N`).
///
/// # Errors
/// `Usage` when `text` is not a decimal `u64`.
pub fn parse_seed(text: &str) -> Result<u64> {
    text.trim().parse::<u64>().map_err(|_| {
        Error::Usage(format!(
            "bad seed {text:?}: expected a non-negative integer below 2^64"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_valid_forms_give_half_open_ranges() {
        let table = [
            ("0..20", 0, 20),
            ("5..6", 5, 6),
            ("3..=5", 3, 6),
            ("7", 7, 8),
            (" 1 .. 4 ", 1, 4),
        ];
        for (text, start, end) in table {
            let r = SeedRange::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((r.start(), r.last() + 1), (start, end), "{text}");
            assert_eq!(r.len(), u128::from(end - start), "{text}");
            assert_eq!(r.to_string(), format!("{start}..{end}"), "{text}");
        }
    }

    #[test]
    fn parse_invalid_forms_are_usage_errors() {
        for text in [
            "5..2", "5..5", "x..3", "1..y", "", "..", "-1..3", "1...3", "5..=4", "3..0",
        ] {
            match SeedRange::parse(text) {
                Err(Error::Usage(msg)) => assert!(msg.contains("seed"), "{text}: {msg}"),
                other => panic!("{text:?} parsed as {other:?}"),
            }
        }
    }

    #[test]
    fn parse_largest_seed_alone_or_as_last_of_a_range() {
        let max = u64::MAX;
        let alone = SeedRange::parse("18446744073709551615").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((alone.start(), alone.last(), alone.len()), (max, max, 1));
        assert_eq!(alone.seeds().collect::<Vec<_>>(), [max]);
        assert_eq!(
            alone.to_string(),
            "18446744073709551615..=18446744073709551615"
        );
        let all = SeedRange::parse("0..=18446744073709551615").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 1 << 64);
        assert_eq!(all.nth((1 << 64) - 1), max);
        let open = SeedRange::parse("0..18446744073709551615").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(open.len(), (1 << 64) - 1);
    }

    #[test]
    fn parse_empty_ranges_are_named_as_typed() {
        for (text, shown) in [("5..=4", "5..=4"), ("5..5", "5..5"), (" 7..2 ", "7..2")] {
            match SeedRange::parse(text) {
                Err(Error::Usage(msg)) => {
                    assert!(
                        msg.starts_with(&format!("empty seed range {shown}:")),
                        "{msg}"
                    )
                }
                other => panic!("{text:?} parsed as {other:?}"),
            }
        }
    }

    #[test]
    fn parse_seed_rejects_non_numbers() {
        assert_eq!(parse_seed("42").ok(), Some(42));
        assert!(parse_seed("x").is_err());
        assert!(parse_seed("-3").is_err());
    }
}
