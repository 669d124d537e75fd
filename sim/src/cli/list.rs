//! `raftsim list [--filter PAT] [--raft NAME]`: each scenario an implementation supports,
//! with its part and description.

use crate::cli::shared::error::{Result, EXIT_PASS};
use crate::cli::shared::filter::{self, Filter};
use crate::cli::shared::output;
use crate::cli::shared::raft_arg::RaftArg;
use clap::Args;

/// Arguments of `raftsim list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only scenarios whose name matches this regular expression, or whose part is PAT.
    #[arg(long, value_name = "PAT")]
    pub filter: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub raft: RaftArg,
}

/// Runs `raftsim list` and returns the exit code.
///
/// # Errors
/// `Usage` for an unknown `--raft`, a bad filter or one that matches nothing; `Output` or
/// `Closed` when stdout cannot be written.
pub fn run(args: &ListArgs) -> Result<u8> {
    let implementation = args.raft.implementation()?;
    let filter = filter::parse_optional(args.filter.as_deref())?;
    let chosen = Filter::select(filter.as_ref(), &implementation.scenarios())?;
    let name_width = chosen.iter().map(|s| s.name.len()).max().unwrap_or(0);
    let part_width = chosen
        .iter()
        .map(|s| s.part.label().len())
        .max()
        .unwrap_or(0);
    for s in &chosen {
        output::line(format_args!(
            "{:<name_width$}  {:<part_width$}  {}",
            s.name, s.part, s.description
        ))?;
    }
    Ok(EXIT_PASS)
}
