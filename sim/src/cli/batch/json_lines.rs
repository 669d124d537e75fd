//! `--json FILE`: a [`Header`] line, then one line per run, written as runs finish, in
//! the sweep's order.
//!
//! Runs finish out of order on several threads; a finished run whose predecessors are
//! still running waits in a buffer, and is written as soon as they are. Each line is
//! written with one `write` call as it becomes due, so a sweep that is interrupted (or
//! killed) leaves every line it could already write. [`JsonLines::finish`] writes the
//! rest in order, skipping runs that never ran.
//!
//! A write error (the header's included) does not stop the sweep: its verdicts still
//! reach stdout. The first error is returned once (for the caller to announce) and kept
//! for the report; later lines are not attempted.

use crate::cli::batch::header::Header;
use crate::cli::shared::error::{Error, Result};
use crate::cli::shared::record::Record;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The `--json` file of a sweep, shared by its workers.
#[derive(Debug)]
pub struct JsonLines {
    path: PathBuf,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// `None` once a write failed.
    file: Option<File>,
    /// The index of the next run to write.
    next: usize,
    /// Finished runs waiting for an earlier one, by index.
    waiting: BTreeMap<usize, String>,
    /// `PATH: why` of the first failed write.
    error: Option<String>,
    /// Whether [`JsonLines::add`] has returned `error` already.
    announced: bool,
}

impl JsonLines {
    /// Creates (or empties) the file and writes `header`, before the first run. A
    /// header that cannot be written is an error like a run's line that cannot be: the
    /// first [`JsonLines::add`] announces it.
    ///
    /// # Errors
    /// `Output` when it cannot be created.
    pub fn create(path: &Path, header: &Header) -> Result<JsonLines> {
        let file = File::create(path).map_err(|e| Error::writing(path, &e))?;
        let mut state = State {
            file: Some(file),
            next: 0,
            waiting: BTreeMap::new(),
            error: None,
            announced: false,
        };
        state.write(path, &header.json());
        Ok(JsonLines {
            path: path.to_path_buf(),
            state: Mutex::new(state),
        })
    }

    /// Adds run number `index`'s line and writes every line now due. Returns the
    /// message of a write error the first time one happens.
    pub fn add(&self, index: usize, record: &Record) -> Option<String> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        assert!(
            index >= state.next,
            "{}: run {index} added twice",
            self.path.display()
        );
        let fresh = state.waiting.insert(index, record.json());
        assert!(
            fresh.is_none(),
            "{}: run {index} added twice",
            self.path.display()
        );
        loop {
            let next = state.next;
            let Some(line) = state.waiting.remove(&next) else {
                break;
            };
            state.next += 1;
            state.write(&self.path, &line);
        }
        let untold = state.error.is_some() && !state.announced;
        state.announced |= untold;
        untold.then(|| state.error.clone()).flatten()
    }

    /// Writes the lines still waiting, in order, past runs that never ran. Returns
    /// `PATH: why` if any write failed.
    pub fn finish(self) -> Option<String> {
        let mut state = self.state.into_inner().unwrap_or_else(|p| p.into_inner());
        for line in std::mem::take(&mut state.waiting).into_values() {
            state.write(&self.path, &line);
        }
        state.error
    }
}

impl State {
    /// Writes `line` and a newline in one call, unless an earlier write failed.
    fn write(&mut self, path: &Path, line: &str) {
        let Some(file) = &mut self.file else { return };
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        if let Err(e) = file.write_all(&bytes) {
            self.error = Some(format!("{}: {e}", path.display()));
            self.file = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Instant;
    use crate::scenario::Part;
    use std::time::Duration;

    fn record(seed: u64) -> Record {
        Record {
            scenario: "PingFaults".into(),
            implementation: String::new(),
            part: Part::Demo,
            seed,
            failure: None,
            trace_hash: seed,
            virtual_time: Instant(1),
            events: 1,
            wall: Duration::ZERO,
            artifacts: Vec::new(),
            unwritten: Vec::new(),
            profile: None,
            knobs: crate::outcome::Knobs::Drawn,
            schedule: None,
            replay_flags: Vec::new(),
            usage: crate::engine::Usage::default(),
        }
    }

    fn seeds(path: &Path) -> Vec<u64> {
        std::fs::read_to_string(path)
            .unwrap_or_else(|e| panic!("{e}"))
            .lines()
            .skip(1)
            .map(|l| {
                let v: serde_json::Value =
                    serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}"));
                v["seed"].as_u64().unwrap_or_else(|| panic!("{l}"))
            })
            .collect()
    }

    #[test]
    fn add_out_of_order_writes_in_order_as_soon_as_due() {
        let path =
            std::env::temp_dir().join(format!("raftsim-json-lines-{}.json", std::process::id()));
        let header = Header::Replay { runs: 4 };
        let lines = JsonLines::create(&path, &header).unwrap_or_else(|e| panic!("{e}"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(text, header.json() + "\n", "no header before the first run");
        assert_eq!(lines.add(1, &record(11)), None);
        assert_eq!(
            seeds(&path),
            Vec::<u64>::new(),
            "run 1 written before run 0"
        );
        lines.add(0, &record(10));
        assert_eq!(seeds(&path), [10, 11], "not written once due");
        lines.add(3, &record(13));
        // Run 2 never ran (the sweep was interrupted): finish writes run 3 after it.
        assert_eq!(lines.finish(), None);
        assert_eq!(seeds(&path), [10, 11, 13]);
        let _ = std::fs::remove_file(&path);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn add_to_full_device_reports_the_error_once() {
        let header = Header::Replay { runs: 2 };
        let lines =
            JsonLines::create(Path::new("/dev/full"), &header).unwrap_or_else(|e| panic!("{e}"));
        let first = lines.add(0, &record(0));
        assert!(
            first
                .as_deref()
                .is_some_and(|e| e.starts_with("/dev/full: ")),
            "{first:?}"
        );
        assert_eq!(lines.add(1, &record(1)), None, "reported twice");
        assert_eq!(lines.finish(), first);
    }
}
