//! `--raft NAME`: which Raft implementation the scenarios run on.

use crate::cli::shared::error::{Error, Result};
use crate::registry::{self, Registered};
use clap::Args;

/// The `--raft` flag of `list`, `sweep`, `swarm`, `shrink` and `replay`.
#[derive(Debug, Default, Args)]
pub struct RaftArg {
    /// The Raft implementation under test [default: the program's]. The help shown
    /// replaces this with the registered names and the default (`command::definition`).
    #[arg(long = "raft", value_name = "NAME")]
    pub raft: Option<String>,
}

impl RaftArg {
    /// The implementation's name, as given or the default.
    pub fn name(&self) -> &str {
        self.raft.as_deref().unwrap_or(registry::default_raft())
    }

    /// The implementation it names.
    ///
    /// # Errors
    /// `Usage` (exit 64) for a name no implementation has, listing the known ones.
    pub fn implementation(&self) -> Result<Registered> {
        registry::implementation(self.name()).map_err(|e| Error::Usage(e.to_string()))
    }
}
