//! `--knobs drawn|shipped`: whether swarm runs vary the implementation's configuration;
//! `--set KNOB=VALUE`: one knob fixed by hand for every run.

use crate::cli::shared::error::{Error, Result};
use crate::outcome::Knobs;
use clap::{Args, ValueEnum};
use raft_contract::{Knob, ReadMode, Settings};

/// The `--knobs` flag of `run`, `sweep` and `swarm`.
#[derive(Debug, Default, Args)]
pub struct KnobsArg {
    /// Swarm runs: `drawn` draws the implementation's knobs (message sizes, timings,
    /// pre-vote...) from each seed; `shipped` keeps its shipped configuration, as swarm
    /// runs did before knobs existed. Lab scenarios always run the shipped one
    /// [default: drawn].
    #[arg(long = "knobs", value_name = "MODE", value_enum)]
    pub knobs: Option<KnobsMode>,
    /// Sets one of the implementation's knobs for every run, lab and swarm alike, over
    /// its shipped or drawn value: `--set pre_vote=0` runs a scenario with PreVote off
    /// (`shrink` writes it into the schedule's knobs). Repeatable.
    #[arg(long = "set", value_name = "KNOB=VALUE")]
    pub set: Vec<String>,
    /// How KV servers serve Gets: `log` (through the Raft log, the lab's way), `index`
    /// (ReadIndex, Raft thesis §6.4) or `lease` (§6.4.1). Raft and shardkv runs ignore
    /// it [default: log].
    #[arg(long = "reads", value_name = "MODE")]
    pub reads: Option<String>,
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
    /// The knobs `--set` fixes, checked against the implementation's `knobs`.
    ///
    /// # Errors
    /// `Usage` (exit 64) naming the flag's text, for one that is not `KNOB=VALUE`, an
    /// unknown knob or a value outside the knob's range.
    pub fn settings(&self, knobs: &[Knob]) -> Result<Settings> {
        let mut settings = Settings::defaults();
        for text in &self.set {
            let parsed = text
                .split_once('=')
                .and_then(|(name, value)| Some((name.trim(), value.trim().parse::<u64>().ok()?)));
            let Some((name, value)) = parsed.filter(|(name, _)| !name.is_empty()) else {
                return Err(Error::Usage(format!(
                    "bad --set {text:?}: expected KNOB=VALUE, a knob's name and a whole number"
                )));
            };
            settings.set(name, value);
        }
        match settings.refusal(knobs) {
            Some(refusal) => Err(Error::Usage(format!("bad --set: {refusal}"))),
            None => Ok(settings),
        }
    }

    /// The read mode `--reads` asks for, checked against the modes the implementation
    /// supports.
    ///
    /// # Errors
    /// `Usage` (exit 64) for an unknown mode, or one the implementation does not support.
    pub fn reads(&self, implementation: &str, supported: &[ReadMode]) -> Result<ReadMode> {
        let Some(text) = &self.reads else {
            return Ok(ReadMode::Log);
        };
        let Some(mode) = ReadMode::parse(text.trim()) else {
            return Err(Error::Usage(format!(
                "bad --reads {text:?}: expected log, index or lease"
            )));
        };
        if !supported.contains(&mode) {
            let names: Vec<&str> = supported.iter().map(|m| m.name()).collect();
            return Err(Error::Usage(format!(
                "bad --reads {mode}: {implementation} reads only by {}",
                names.join(", ")
            )));
        }
        Ok(mode)
    }

    /// The mode asked for, or the default.
    pub fn knobs(&self) -> Knobs {
        match self.knobs {
            None | Some(KnobsMode::Drawn) => Knobs::Drawn,
            Some(KnobsMode::Shipped) => Knobs::Shipped,
        }
    }
}
