//! `--knobs drawn|shipped`: whether swarm runs vary the implementation's configuration.

use crate::outcome::Knobs;
use clap::{Args, ValueEnum};

/// The `--knobs` flag of `run`, `sweep` and `swarm`.
#[derive(Debug, Default, Args)]
pub struct KnobsArg {
    /// Swarm runs: `drawn` draws the implementation's knobs (message sizes, timings,
    /// pre-vote...) from each seed; `shipped` keeps its shipped configuration, as swarm
    /// runs did before knobs existed. Lab scenarios always run the shipped one
    /// [default: drawn].
    #[arg(long = "knobs", value_name = "MODE", value_enum)]
    pub knobs: Option<KnobsMode>,
}

/// The values `--knobs` takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KnobsMode {
    /// Draw the knobs from the seed.
    Drawn,
    /// Keep the shipped configuration.
    Shipped,
}

impl KnobsArg {
    /// The mode asked for, or the default.
    pub fn knobs(&self) -> Knobs {
        match self.knobs {
            None | Some(KnobsMode::Drawn) => Knobs::Drawn,
            Some(KnobsMode::Shipped) => Knobs::Shipped,
        }
    }
}
