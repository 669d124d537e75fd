//! One shard's `--json` file as `merge` reads it: its header (which sweep, which shard)
//! and its runs' records, each with the line it came from.

use crate::cli::batch::header::{Header, Sweep};
use crate::cli::shared::error::{Error, Result};
use crate::cli::shared::record::Record;
use crate::cli::sweep::shard::Shard;
use std::path::{Path, PathBuf};

/// A shard file, read and parsed.
#[derive(Debug)]
pub struct ShardFile {
    /// The path as given.
    pub path: PathBuf,
    /// The sweep its header names.
    pub sweep: Sweep,
    /// Its shard.
    pub shard: Shard,
    /// Its runs, with their line numbers (1-based; the header is line 1), until
    /// [`super::coverage::merge`] takes them.
    pub runs: Vec<(usize, Record)>,
}

impl ShardFile {
    /// Reads and parses `path`.
    ///
    /// # Errors
    /// `NoInput` when it cannot be read; `Data` naming `path:line` for bytes that are
    /// not UTF-8, an empty file, a first line that is not a sweep's or swarm's header, a
    /// later line that is not a run's record, or a run of another implementation.
    pub fn read(path: &Path) -> Result<ShardFile> {
        let bytes = std::fs::read(path).map_err(|e| Error::reading(path, &e))?;
        let file = path.display();
        let text = std::str::from_utf8(&bytes).map_err(|e| {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            Error::Data(format!("{file}:{line}: not valid UTF-8"))
        })?;
        let mut lines = text.lines();
        let first = lines.next().ok_or_else(|| {
            Error::Data(format!(
                "{file}: empty; a --json file of raftsim sweep or swarm begins with a header line"
            ))
        })?;
        let (sweep, shard) = match Header::parse(first) {
            Ok(Header::Sweep { sweep, shard }) => (sweep, shard),
            Ok(Header::Replay { .. }) => {
                return Err(Error::Data(format!(
                    "{file}:1: a replay's --json file: only sweep and swarm files (the shards of one sweep) merge"
                )))
            }
            Err(why) => return Err(Error::Data(format!("{file}:1: {why}"))),
        };
        let mut runs = Vec::new();
        for (i, line) in lines.enumerate() {
            let number = i + 2;
            let record = Record::from_json(line, sweep.knobs)
                .map_err(|why| Error::Data(format!("{file}:{number}: {why}")))?;
            if !record.implementation.is_empty() && record.implementation != sweep.raft {
                return Err(Error::Data(format!(
                    "{file}:{number}: a run of raft={}, in a sweep of raft={}",
                    record.implementation, sweep.raft
                )));
            }
            runs.push((number, record));
        }
        assert!(
            runs.windows(2).all(|w| w[0].0 < w[1].0),
            "{file}: line numbers out of order"
        );
        Ok(ShardFile {
            path: path.to_path_buf(),
            sweep,
            shard,
            runs,
        })
    }

    /// `path:line`, for messages.
    pub fn at(&self, line: usize) -> String {
        format!("{}:{line}", self.path.display())
    }
}
