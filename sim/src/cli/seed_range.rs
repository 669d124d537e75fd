//! `--seeds A..B`: a half-open range of seeds, as in Rust (`0..20` is 20 seeds).

use super::error::{Error, Result};
use std::fmt;

/// A non-empty, half-open range of seeds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedRange {
    start: u64,
    end: u64,
}

/// The seeds of the main job and of `sweep` without `--seeds`.
///
/// Ten seeds of every scenario: with ~50 scenarios of 0.05–2 s each (about 0.5 s on
/// average) that is ~250 s of one core's time, about two minutes on two cores, and well
/// under a minute once the target (one seed of every scenario in under 3 s of one
/// core) is met. Wider sweeps are one `--seeds` away.
pub const DEFAULT_SEEDS: SeedRange = SeedRange { start: 0, end: 10 };

impl SeedRange {
    /// The range `start..end`.
    ///
    /// # Errors
    /// `Usage` when the range is empty.
    pub fn new(start: u64, end: u64) -> Result<SeedRange> {
        if end <= start {
            return Err(Error::Usage(format!(
                "empty seed range {start}..{end}: A..B is half-open and needs A < B (e.g. 0..20)"
            )));
        }
        Ok(SeedRange { start, end })
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
        if let Some((a, b)) = text.split_once("..=") {
            let (start, last) = (number(a, "start")?, number(b, "end")?);
            let end = last
                .checked_add(1)
                .ok_or_else(|| bad("end is past the largest seed"))?;
            return SeedRange::new(start, end);
        }
        if let Some((a, b)) = text.split_once("..") {
            return SeedRange::new(number(a, "start")?, number(b, "end")?);
        }
        let seed = number(text, "seed")
            .map_err(|_| bad("expected A..B (half-open, e.g. 0..20), A..=B or one seed N"))?;
        let end = seed
            .checked_add(1)
            .ok_or_else(|| bad("seed is the largest u64, write it as a range"))?;
        SeedRange::new(seed, end)
    }

    /// The first seed.
    pub fn start(&self) -> u64 {
        self.start
    }

    /// One past the last seed.
    pub fn end(&self) -> u64 {
        self.end
    }

    /// How many seeds.
    pub fn len(&self) -> u64 {
        self.end - self.start
    }

    /// Never true: a `SeedRange` holds at least one seed.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The seeds in order.
    pub fn seeds(&self) -> std::ops::Range<u64> {
        self.start..self.end
    }
}

impl fmt::Display for SeedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start, self.end)
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
            assert_eq!((r.start(), r.end()), (start, end), "{text}");
            assert_eq!(r.len(), end - start, "{text}");
        }
    }

    #[test]
    fn parse_invalid_forms_are_usage_errors() {
        for text in [
            "5..2",
            "5..5",
            "x..3",
            "1..y",
            "",
            "..",
            "-1..3",
            "1...3",
            "18446744073709551615",
        ] {
            match SeedRange::parse(text) {
                Err(Error::Usage(msg)) => assert!(msg.contains("seed"), "{text}: {msg}"),
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
