//! `raftsim merge FILE...`: the shards' `--json` files of one sweep (or swarm) back into
//! the whole sweep's report, as `sweep` prints it: failures with their replay commands,
//! the summary, the verdict line and the exit code.
//!
//! [`shard_file`] reads each file (its header names the sweep and the shard);
//! [`coverage`] checks that the files are every shard of one sweep, each once, and that
//! every planned run is there once, and puts the records in the sweep's order; the
//! report is [`crate::cli::batch::report`]'s. Only wall time is not the whole sweep's:
//! the shards ran apart, so the summary divides by the runs' wall times summed.

pub mod coverage;
pub mod shard_file;

use crate::cli::batch::header::Header;
use crate::cli::batch::json_lines::JsonLines;
use crate::cli::batch::report::{self, Tally};
use crate::cli::batch::summary::Clock;
use crate::cli::shared::claims::Claims;
use crate::cli::shared::error::Result;
use crate::cli::shared::output;
use crate::cli::sweep::shard::Shard;
use clap::Args;
use shard_file::ShardFile;
use std::path::PathBuf;

/// Arguments of `raftsim merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The `--json` files of every shard of one sweep or swarm, in any order.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Also write the merged lines to OUT: the `--json` file of the whole sweep.
    #[arg(long, value_name = "OUT")]
    pub json: Option<PathBuf>,
    /// Print every run's verdict line, not only the failures.
    #[arg(long, short)]
    pub verbose: bool,
}

/// Runs `raftsim merge` and returns the exit code: the whole sweep's (0, 1, 70, 74).
///
/// # Errors
/// `Usage` when `--json` would overwrite an input; `NoInput` for a file that cannot be
/// read; `Data` for files that are malformed or do not cover one sweep exactly (see
/// [`coverage::merge`]); `Output` when `--json` cannot be created or stdout cannot be
/// written; `Closed`.
pub fn run(args: &MergeArgs) -> Result<u8> {
    assert!(!args.files.is_empty(), "clap requires a file");
    let mut claims = Claims::default();
    for path in &args.files {
        claims.input(path, "the shard file");
    }
    if let Some(path) = &args.json {
        claims.output(path, "--json")?;
    }
    let files = args
        .files
        .iter()
        .map(|p| ShardFile::read(p))
        .collect::<Result<Vec<_>>>()?;
    let shards = files.len() as u64;
    let (sweep, records) = coverage::merge(files)?;
    let label = sweep.command.label();
    output::line(format_args!(
        "merge: {shards} shard file(s) of {label}: {} scenario(s) of raft={} x seeds {} = {} run(s)",
        sweep.scenarios.len(),
        sweep.raft,
        sweep.seeds,
        records.len()
    ))?;
    let json_error = match &args.json {
        None => None,
        Some(path) => {
            let whole = Header::Sweep {
                sweep,
                shard: Shard::ALL,
            };
            let json = JsonLines::create(path, &whole)?;
            for (i, record) in records.iter().enumerate() {
                if let Some(err) = json.add(i, record) {
                    output::warn(format_args!(
                        "cannot write {err}; the merge goes on without it"
                    ));
                }
            }
            json.finish()
        }
    };
    let tally = Tally {
        label,
        records: &records,
        planned: records.len(),
        interrupted: None,
        clock: Clock::Merged { shards },
    };
    report::print_tally(&tally, args.verbose, json_error)
}
