//! The `seeds/` corpus: runs that once failed (or illustrate the format), replayed by
//! `raftsim replay` and by `sim/tests/seeds.rs` forever after.
//!
//! Format: plain text, one entry per line,
//!
//! ```text
//! # comment lines and blank lines are ignored
//! SCENARIO SEED  # why this seed is here (the bug it found, the fix)
//! ```
//!
//! `SCENARIO` is a name from `raftsim list`; `SEED` a decimal `u64`; the `#` note is
//! required, so that every seed says why it is kept. Every `*.txt` file in the directory
//! is read, in name order.
//!
//! ```
//! use sim::cli::seeds::parse;
//! let entries = parse("example.txt", "PingFaults 7  # format example\n").unwrap();
//! assert_eq!((entries[0].scenario.as_str(), entries[0].seed), ("PingFaults", 7));
//! ```

use super::error::{Error, Result};
use crate::scenario::Scenario;
use std::path::{Path, PathBuf};

/// One line of a seeds file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The scenario's name.
    pub scenario: String,
    /// The seed to replay.
    pub seed: u64,
    /// Why it is in the corpus.
    pub note: String,
    /// Where it was read: `file:line`.
    pub origin: String,
}

/// Parses the text of one seeds file; `file` names it in errors.
///
/// # Errors
/// `Data` naming `file:line` and what was wrong: a missing note, a missing or extra
/// word, a seed that is not a `u64`, or an entry that repeats an earlier one.
pub fn parse(file: &str, text: &str) -> Result<Vec<Entry>> {
    let mut entries: Vec<Entry> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let origin = format!("{file}:{}", i + 1);
        let bad = |why: String| Error::Data(format!("{origin}: {why}"));
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (body, note) = match line.split_once('#') {
            Some((body, note)) if !note.trim().is_empty() => (body, note.trim()),
            _ => {
                return Err(bad(format!(
                    "entry {line:?} has no `# note` saying why the seed is kept"
                )))
            }
        };
        let words: Vec<&str> = body.split_whitespace().collect();
        let [scenario, seed] = words[..] else {
            return Err(bad(format!(
                "expected `SCENARIO SEED # note`, found {} word(s) before `#`: {:?}",
                words.len(),
                body.trim()
            )));
        };
        let seed: u64 = seed
            .parse()
            .map_err(|_| bad(format!("seed {seed:?} is not a non-negative integer")))?;
        if let Some(first) = entries
            .iter()
            .find(|e| e.scenario == scenario && e.seed == seed)
        {
            return Err(bad(format!(
                "{scenario} {seed} repeats the entry at {}",
                first.origin
            )));
        }
        entries.push(Entry {
            scenario: scenario.to_string(),
            seed,
            note: note.to_string(),
            origin,
        });
    }
    Ok(entries)
}

/// Reads a seeds file, or every `*.txt` file of a directory in name order.
///
/// # Errors
/// `NoInput` when the path is missing or unreadable; `Data` as for [`parse`].
pub fn load(path: &Path) -> Result<Vec<Entry>> {
    let mut entries = Vec::new();
    for file in files(path)? {
        let text = std::fs::read_to_string(&file).map_err(|e| Error::reading(&file, &e))?;
        entries.extend(parse(&file.display().to_string(), &text)?);
    }
    Ok(entries)
}

/// The seeds files at `path`: itself if a file, else its `*.txt` files in name order.
fn files(path: &Path) -> Result<Vec<PathBuf>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::reading(path, &e))?;
    if !meta.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let listing = std::fs::read_dir(path).map_err(|e| Error::reading(path, &e))?;
    let mut files = Vec::new();
    for item in listing {
        let item = item.map_err(|e| Error::reading(path, &e))?;
        let file = item.path();
        if file.extension().is_some_and(|x| x == "txt") && file.is_file() {
            files.push(file);
        }
    }
    files.sort();
    Ok(files)
}

/// The scenario of each entry, in order.
///
/// # Errors
/// `Data` naming `file:line` for an entry whose scenario does not exist.
pub fn resolve(entries: &[Entry], all: &[Scenario]) -> Result<Vec<(Scenario, u64)>> {
    entries
        .iter()
        .map(|e| match all.iter().find(|s| s.name == e.scenario) {
            Some(s) => Ok((*s, e.seed)),
            None => Err(Error::Data(format!(
                "{}: unknown scenario {:?} (`raftsim list` shows every scenario)",
                e.origin, e.scenario
            ))),
        })
        .collect()
}

/// The corpus directory: `./seeds` when run from the repository root, else the
/// checkout this binary was built from.
pub fn default_dir() -> PathBuf {
    let here = PathBuf::from("seeds");
    if here.is_dir() {
        return here;
    }
    let built = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("seeds");
    std::fs::canonicalize(&built).unwrap_or(built)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_entries_skips_comments_and_blanks() {
        let text = "# header\n\nPingFaults 3 # example\n  Foo2B 18446744073709551615  #  bug 12 \n";
        let got = parse("s.txt", text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0],
            Entry {
                scenario: "PingFaults".into(),
                seed: 3,
                note: "example".into(),
                origin: "s.txt:3".into()
            }
        );
        assert_eq!((got[1].seed, got[1].note.as_str()), (u64::MAX, "bug 12"));
        assert_eq!(got[1].origin, "s.txt:4");
    }

    #[test]
    fn parse_malformed_lines_name_file_line_and_problem() {
        let table = [
            ("PingFaults 3\n", "s.txt:1", "no `# note`"),
            ("PingFaults 3 #\n", "s.txt:1", "no `# note`"),
            ("# c\nPingFaults # why\n", "s.txt:2", "found 1 word"),
            ("PingFaults 3 4 # why\n", "s.txt:1", "found 3 word"),
            ("PingFaults x # why\n", "s.txt:1", "seed \"x\""),
            ("PingFaults -1 # why\n", "s.txt:1", "seed \"-1\""),
            (
                "A 1 # a\nA 1 # b\n",
                "s.txt:2",
                "repeats the entry at s.txt:1",
            ),
        ];
        for (text, origin, why) in table {
            match parse("s.txt", text) {
                Err(Error::Data(msg)) => {
                    assert!(msg.starts_with(origin), "{text:?}: {msg}");
                    assert!(msg.contains(why), "{text:?}: {msg}");
                }
                other => panic!("{text:?} parsed as {other:?}"),
            }
        }
    }

    #[test]
    fn resolve_unknown_scenario_is_data_error() {
        let entries = parse("s.txt", "NoSuchScenario 1 # why\n").unwrap_or_else(|e| panic!("{e}"));
        match resolve(&entries, &crate::scenario::registry()) {
            Err(Error::Data(msg)) => assert!(msg.starts_with("s.txt:1: unknown scenario"), "{msg}"),
            other => panic!("resolved: {other:?}"),
        }
    }
}
