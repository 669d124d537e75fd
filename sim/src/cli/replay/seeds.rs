//! The `seeds/` corpus: runs that once failed (or illustrate the format), replayed by
//! `raftsim replay` and by `sim/tests/seeds.rs` forever after.
//!
//! Format: plain text, one entry per line,
//!
//! ```text
//! # comment lines and blank lines are ignored
//! SCENARIO SEED  # why this seed is here (the bug it found, the fix)
//! SCENARIO SEED raft=NAME  # the same, for another Raft implementation
//! SCENARIO SEED knobs=shipped  # a swarm run in the implementation's shipped configuration
//! ```
//!
//! `SCENARIO` is a name from `raftsim list`; `SEED` a decimal `u64`; `raft=NAME` names
//! the implementation (`raftsim list --raft NAME`), else the one `replay --raft` gives
//! (by default `ours`); `knobs=shipped` replays a swarm run without drawn knobs (as
//! every swarm run ran before the knobs existed), `knobs=drawn` (the default) with
//! them; the `#` note is required, so that every seed says why it is kept. Every `*.txt` file in the directory
//! is read, in name order. Files are UTF-8 (a leading byte-order mark is skipped); lines
//! end in `\n` or `\r\n` (a lone `\r` is an error). An entry may appear once in a whole
//! selection: a repeat, in the same file or another, is an error naming both places;
//! `raft=ours` and no `raft=` under `replay --raft ours` are the same entry. A selection with no entry at
//! all is an error too: it would otherwise "pass" by running nothing.
//!
//! ```
//! use sim::cli::replay::seeds::parse;
//! let entries = parse("example.txt", "PingFaults 7  # format example\n").unwrap();
//! assert_eq!((entries[0].scenario.as_str(), entries[0].seed), ("PingFaults", 7));
//! ```

use crate::cli::shared::error::{Error, Result};
use crate::outcome::Knobs;
use crate::registry;
use crate::scenario::Scenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One line of a seeds file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The scenario's name.
    pub scenario: String,
    /// The seed to replay.
    pub seed: u64,
    /// The Raft implementation it names, if any.
    pub raft: Option<String>,
    /// Whether the run draws the implementation's knobs (`knobs=`).
    pub knobs: Knobs,
    /// Why it is in the corpus.
    pub note: String,
    /// Where it was read: `file:line`.
    pub origin: String,
}

/// The entries of one or more seeds files, and the files they came from.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    entries: Vec<Entry>,
    files: Vec<PathBuf>,
    /// The index in `entries` of each (scenario, seed, implementation): repeats are
    /// found in O(log n), so a file of 40,000 entries parses in milliseconds.
    seen: BTreeMap<(String, u64, Option<String>, Knobs), usize>,
}

impl Corpus {
    /// Adds the entries of one file's bytes; `file` names it in errors.
    ///
    /// # Errors
    /// `Data` naming `file:line` and what was wrong: bytes that are not UTF-8, a missing
    /// note, a missing or extra word, a seed that is not a `u64`, or an entry that
    /// repeats one read before (from any file).
    pub fn add_text(&mut self, file: &str, bytes: &[u8]) -> Result<()> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            let good = &bytes[..e.valid_up_to()];
            let line = good.iter().filter(|&&b| b == b'\n').count() + 1;
            Error::Data(format!(
                "{file}:{line}: not valid UTF-8 (at byte {} of the file); seeds files are UTF-8 text",
                e.valid_up_to()
            ))
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, raw) in text.lines().enumerate() {
            let origin = format!("{file}:{}", i + 1);
            if let Some(at) = raw.trim_end_matches('\r').find('\r') {
                // A lone CR (old Mac line ends) would merge two entries into one note.
                return Err(Error::Data(format!(
                    "{origin}: a carriage return alone at column {}; seeds files end lines in \\n or \\r\\n",
                    at + 1
                )));
            }
            let Some(line) =
                parse_line(raw).map_err(|why| Error::Data(format!("{origin}: {why}")))?
            else {
                continue;
            };
            let raft = line.raft.map(str::to_string);
            let key = (
                line.scenario.to_string(),
                line.seed,
                raft.clone(),
                line.knobs,
            );
            if let Some(&first) = self.seen.get(&key) {
                return Err(Error::Data(format!(
                    "{origin}: {} {} repeats the entry at {}",
                    line.scenario, line.seed, self.entries[first].origin
                )));
            }
            self.seen.insert(key, self.entries.len());
            self.entries.push(Entry {
                scenario: line.scenario.to_string(),
                seed: line.seed,
                raft,
                knobs: line.knobs,
                note: line.note.to_string(),
                origin,
            });
        }
        assert_eq!(
            self.seen.len(),
            self.entries.len(),
            "{file}: index lost entries"
        );
        Ok(())
    }

    /// Adds a seeds file, or every `*.txt` file of a directory in name order.
    ///
    /// # Errors
    /// `NoInput` when the path is missing or unreadable; `Data` as for
    /// [`Corpus::add_text`].
    pub fn add_path(&mut self, path: &Path) -> Result<()> {
        for file in files(path)? {
            let bytes = std::fs::read(&file).map_err(|e| Error::reading(&file, &e))?;
            self.add_text(&file.display().to_string(), &bytes)?;
            self.files.push(file);
        }
        Ok(())
    }

    /// The entries, in the order read.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The files read, in order.
    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }
}

/// Parses the text of one seeds file; `file` names it in errors.
///
/// # Errors
/// As for [`Corpus::add_text`].
pub fn parse(file: &str, text: impl AsRef<[u8]>) -> Result<Vec<Entry>> {
    let mut corpus = Corpus::default();
    corpus.add_text(file, text.as_ref())?;
    Ok(corpus.entries)
}

/// The parts of one entry line.
struct Line<'a> {
    scenario: &'a str,
    seed: u64,
    raft: Option<&'a str>,
    knobs: Knobs,
    note: &'a str,
}

/// One line: `None` for a blank or comment line, else its parts; the error says what is
/// wrong, without the place.
fn parse_line(raw: &str) -> std::result::Result<Option<Line<'_>>, String> {
    let line = raw.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let (body, note) = match line.split_once('#') {
        Some((body, note)) if !note.trim().is_empty() => (body, note.trim()),
        _ => {
            return Err(format!(
                "entry {line:?} has no `# note` saying why the seed is kept"
            ))
        }
    };
    let words: Vec<&str> = body.split_whitespace().collect();
    let (scenario, seed, options) = match words[..] {
        [scenario, seed, ref options @ ..] if options.len() <= 2 => (scenario, seed, options),
        _ => {
            return Err(format!(
                "expected `SCENARIO SEED [raft=NAME] [knobs=shipped|drawn] # note`, found {} word(s) before `#`: {:?}",
                words.len(),
                body.trim()
            ))
        }
    };
    let (mut raft, mut knobs) = (None, None);
    for option in options {
        match option.split_once('=') {
            Some(("raft", name)) if !name.is_empty() && raft.is_none() => raft = Some(name),
            Some(("knobs", "shipped")) if knobs.is_none() => knobs = Some(Knobs::Shipped),
            Some(("knobs", "drawn")) if knobs.is_none() => knobs = Some(Knobs::Drawn),
            _ => {
                return Err(format!(
                    "after the seed, expected `raft=NAME` or `knobs=shipped|drawn` (each once), found {option:?}"
                ))
            }
        }
    }
    let knobs = knobs.unwrap_or_default();
    let seed: u64 = seed
        .parse()
        .map_err(|_| format!("seed {seed:?} is not a non-negative integer"))?;
    Ok(Some(Line {
        scenario,
        seed,
        raft,
        knobs,
        note,
    }))
}

/// Reads every path (a seeds file, or a directory of them) into one corpus.
///
/// # Errors
/// `NoInput` when a path is missing or unreadable; `Data` as for [`Corpus::add_text`]
/// (a repeat across files included), or when the whole selection holds no entry.
pub fn load(paths: &[PathBuf]) -> Result<Corpus> {
    let mut corpus = Corpus::default();
    for path in paths {
        corpus.add_path(path)?;
    }
    if corpus.entries.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Data(format!(
            "no seeds in {} ({} file(s) read): give at least one `SCENARIO SEED  # note` line",
            shown.join(", "),
            corpus.files.len()
        )));
    }
    Ok(corpus)
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

/// The scenario, seed and knobs of each entry, in order: the scenario of the
/// implementation the entry names, else of `default_raft`.
///
/// # Errors
/// `Data` naming `file:line` for an entry whose implementation or scenario does not
/// exist (or whose implementation does not support the scenario).
pub fn resolve(entries: &[Entry], default_raft: &str) -> Result<Vec<(Scenario, u64, Knobs)>> {
    let mut lists: BTreeMap<&str, BTreeMap<&'static str, Scenario>> = BTreeMap::new();
    // Each run once: an entry that names the default implementation and one that names
    // none are the same run.
    let mut seen: BTreeMap<(&'static str, &'static str, u64, Knobs), &str> = BTreeMap::new();
    entries
        .iter()
        .map(|e| {
            let raft = e.raft.as_deref().unwrap_or(default_raft);
            if !lists.contains_key(raft) {
                let implementation = registry::implementation(raft)
                    .map_err(|why| Error::Data(format!("{}: {why}", e.origin)))?;
                let by_name = implementation
                    .scenarios()
                    .into_iter()
                    .map(|s| (s.name, s))
                    .collect();
                lists.insert(raft, by_name);
            }
            let Some(s) = lists[raft].get(e.scenario.as_str()).copied() else {
                return Err(Error::Data(format!(
                    "{}: unknown scenario {:?} for raft={raft} (`raftsim list --raft {raft}` shows its scenarios)",
                    e.origin, e.scenario
                )));
            };
            let run = (s.implementation, s.name, e.seed, e.knobs);
            if let Some(first) = seen.insert(run, &e.origin) {
                return Err(Error::Data(format!(
                    "{}: {} {} on raft={raft} repeats the entry at {first}",
                    e.origin, e.scenario, e.seed
                )));
            }
            Ok((s, e.seed, e.knobs))
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
                raft: None,
                knobs: Knobs::Drawn,
                note: "example".into(),
                origin: "s.txt:3".into()
            }
        );
        assert_eq!((got[1].seed, got[1].note.as_str()), (u64::MAX, "bug 12"));
        assert_eq!(got[1].origin, "s.txt:4");
    }

    #[test]
    fn parse_entry_may_name_its_raft_and_repeats_count_per_raft() {
        let text = "Count2B 3 # ours\nCount2B 3 raft=raft-rs # theirs\n";
        let got = parse("s.txt", text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got[0].raft, None);
        assert_eq!(got[1].raft.as_deref(), Some("raft-rs"));
        let resolved = resolve(&got[..1], registry::DEFAULT_RAFT).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(resolved[0].0.implementation, "ours");
        let unknown = parse("s.txt", "Count2B 3 raft=nope # ?\n").unwrap_or_else(|e| panic!("{e}"));
        match resolve(&unknown, registry::DEFAULT_RAFT) {
            Err(Error::Data(msg)) => assert!(msg.contains("unknown Raft implementation"), "{msg}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parse_malformed_lines_name_file_line_and_problem() {
        let table = [
            ("PingFaults 3\n", "s.txt:1", "no `# note`"),
            ("PingFaults 3 #\n", "s.txt:1", "no `# note`"),
            ("# c\nPingFaults # why\n", "s.txt:2", "found 1 word"),
            (
                "PingFaults 3 4 # why\n",
                "s.txt:1",
                "expected `raft=NAME` or `knobs=",
            ),
            ("PingFaults 3 raft= # why\n", "s.txt:1", "found \"raft=\""),
            ("PingFaults 3 raft=a b # why\n", "s.txt:1", "found \"b\""),
            ("PingFaults 3 raft=a raft=b # why\n", "s.txt:1", "each once"),
            (
                "PingFaults 3 knobs=maybe # why\n",
                "s.txt:1",
                "knobs=shipped|drawn",
            ),
            (
                "PingFaults 3 raft=a knobs=drawn c # why\n",
                "s.txt:1",
                "found 5 word",
            ),
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
    fn parse_entry_may_keep_the_shipped_knobs_and_counts_as_another_run() {
        let text = "SwarmRaft 3 # drawn\nSwarmRaft 3 knobs=shipped raft=ours # shipped\n";
        let got = parse("s.txt", text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got[0].knobs, Knobs::Drawn);
        assert_eq!(got[1].knobs, Knobs::Shipped);
        let runs = resolve(&got, registry::DEFAULT_RAFT).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((runs[0].2, runs[1].2), (Knobs::Drawn, Knobs::Shipped));
    }

    #[test]
    fn parse_byte_order_mark_and_crlf_are_accepted() {
        let text = "\u{feff}# header\r\nPingFaults 3 # why\r\n";
        let got = parse("s.txt", text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(got.len(), 1);
        assert_eq!(
            (got[0].scenario.as_str(), got[0].note.as_str()),
            ("PingFaults", "why")
        );
        let first =
            parse("s.txt", "\u{feff}PingFaults 4 # why\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first[0].scenario, "PingFaults");
    }

    #[test]
    fn parse_lone_carriage_returns_are_refused_not_merged() {
        match parse("s.txt", "PingFaults 1 # a\rPingFaults 2 # b\r") {
            Err(Error::Data(msg)) => {
                assert!(
                    msg.starts_with("s.txt:1: a carriage return alone at column 17"),
                    "{msg}"
                )
            }
            other => panic!("parsed: {other:?}"),
        }
    }

    #[test]
    fn resolve_default_raft_named_and_unnamed_is_a_repeat() {
        let text = "PingFaults 1 # a\nPingFaults 1 raft=ours # b\n";
        let entries = parse("s.txt", text).unwrap_or_else(|e| panic!("{e}"));
        match resolve(&entries, registry::DEFAULT_RAFT) {
            Err(Error::Data(msg)) => assert_eq!(
                msg,
                "s.txt:2: PingFaults 1 on raft=ours repeats the entry at s.txt:1"
            ),
            other => panic!("resolved: {other:?}"),
        }
    }

    #[test]
    fn parse_invalid_utf8_names_its_line() {
        let bytes = b"# ok\nPingFaults 1 # fine\nPingFaults 2 # caf\xe9\nPingFaults 3 # x\n";
        match parse("s.txt", bytes) {
            Err(Error::Data(msg)) => {
                assert!(msg.starts_with("s.txt:3: not valid UTF-8"), "{msg}")
            }
            other => panic!("parsed: {other:?}"),
        }
    }

    #[test]
    fn corpus_repeat_across_files_names_both_places() {
        let mut corpus = Corpus::default();
        corpus
            .add_text("a.txt", b"PingFaults 1 # a\nPingFaults 2 # a\n")
            .unwrap_or_else(|e| panic!("{e}"));
        match corpus.add_text("b.txt", b"# b\nPingFaults 2 # again\n") {
            Err(Error::Data(msg)) => {
                assert_eq!(msg, "b.txt:2: PingFaults 2 repeats the entry at a.txt:2")
            }
            other => panic!("accepted: {other:?}"),
        }
    }

    #[test]
    fn parse_many_entries_finds_a_late_repeat() {
        let mut text: String = (0..40_000)
            .map(|seed| format!("PingFaults {seed} # n\n"))
            .collect();
        text.push_str("PingFaults 17 # again\n");
        match parse("big.txt", &text) {
            Err(Error::Data(msg)) => {
                assert_eq!(
                    msg,
                    "big.txt:40001: PingFaults 17 repeats the entry at big.txt:18"
                )
            }
            other => panic!("accepted: {:?}", other.map(|e| e.len())),
        }
    }

    #[test]
    fn load_empty_selection_is_data_error() {
        let dir = std::env::temp_dir().join(format!("raftsim-seeds-empty-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let file = dir.join("only-comments.txt");
        std::fs::write(&file, "# nothing here\n\n").unwrap_or_else(|e| panic!("{e}"));
        for paths in [vec![file.clone()], vec![dir.clone()], vec![dir.join("sub")]] {
            let _ = std::fs::create_dir_all(dir.join("sub"));
            match load(&paths) {
                Err(Error::Data(msg)) => assert!(msg.starts_with("no seeds in "), "{msg}"),
                other => panic!("{paths:?}: {other:?}"),
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn resolve_unknown_scenario_is_data_error() {
        let entries = parse("s.txt", "NoSuchScenario 1 # why\n").unwrap_or_else(|e| panic!("{e}"));
        match resolve(&entries, registry::DEFAULT_RAFT) {
            Err(Error::Data(msg)) => assert!(msg.starts_with("s.txt:1: unknown scenario"), "{msg}"),
            other => panic!("resolved: {other:?}"),
        }
    }
}
