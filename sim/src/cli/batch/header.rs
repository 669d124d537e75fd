//! The first line of every `--json` file: which batch its run lines belong to.
//!
//! A `sweep` or `swarm` file names its whole sweep (command, implementation, the
//! scenarios selected, seeds, knobs, whether each run ran twice) and its shard, so that
//! `raftsim merge` can rebuild the sweep's plan and check that a set of shard files
//! covers it exactly once. A `replay` file says only that it is one, and how many runs
//! it planned: a corpus has no shards to merge.
//!
//! ```text
//! {"format":"raftsim-runs","version":1,"command":"sweep","sweep":{"raft":"ours","filter":"PingFaults","workload":null,"scenarios":["PingFaults"],"seeds":"0..8","knobs":"drawn","check_determinism":false,"runs":8},"shard":"1/4","runs":2}
//! ```
//!
//! `sweep.runs` counts the whole sweep's runs, the outer `runs` this file's (its
//! shard's) planned runs; both are checked against the plan when the line is read.

use crate::cli::shared::seed_range::SeedRange;
use crate::cli::sweep::shard::Shard;
use crate::outcome::Knobs;
use serde::{Deserialize, Serialize};

/// The `format` of the header line.
pub const FORMAT: &str = "raftsim-runs";
/// The `version` this build writes and reads.
pub const VERSION: u32 = 1;

/// The command that ran a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SweepCommand {
    /// `raftsim sweep` (and the main job).
    Sweep,
    /// `raftsim swarm`.
    Swarm,
}

impl SweepCommand {
    /// Its name, as the command line, the verdict line and the header spell it.
    pub fn label(self) -> &'static str {
        match self {
            SweepCommand::Sweep => "sweep",
            SweepCommand::Swarm => "swarm",
        }
    }
}

/// What identifies a sweep: two shard files belong to one sweep when these are equal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sweep {
    /// The command that ran it.
    pub command: SweepCommand,
    /// The implementation (`--raft`).
    pub raft: String,
    /// `sweep --filter`, as typed (for the reader: `scenarios` is what it selected).
    pub filter: Option<String>,
    /// `swarm --workload`, as typed.
    pub workload: Option<String>,
    /// The scenarios selected, in the sweep's order.
    pub scenarios: Vec<String>,
    /// The seeds.
    pub seeds: SeedRange,
    /// `--knobs`.
    pub knobs: Knobs,
    /// The knobs `--set` fixed (empty without it).
    pub settings: raft_contract::Settings,
    /// `--reads`.
    pub reads: raft_contract::ReadMode,
    /// `--check-determinism`.
    pub check_determinism: bool,
}

impl Sweep {
    /// The runs of the whole sweep.
    pub fn runs(&self) -> u128 {
        self.scenarios.len() as u128 * self.seeds.len()
    }
}

/// The first line of a `--json` file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Header {
    /// A `sweep`'s or `swarm`'s file: its sweep and its shard (`0/1` for the whole).
    Sweep {
        /// The sweep.
        sweep: Sweep,
        /// The slice this file holds.
        shard: Shard,
    },
    /// A `replay`'s file, of `runs` planned runs.
    Replay {
        /// The runs planned.
        runs: u64,
    },
}

/// The header as written: plain strings and numbers.
#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    format: String,
    version: u32,
    command: String,
    sweep: Option<WireSweep>,
    shard: Option<String>,
    runs: u128,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct WireSweep {
    raft: String,
    filter: Option<String>,
    workload: Option<String>,
    scenarios: Vec<String>,
    seeds: String,
    knobs: String,
    /// `--set`, as a map of knob to value; absent when empty (and in files written
    /// before `--set` existed).
    #[serde(default, skip_serializing_if = "raft_contract::Settings::is_empty")]
    set: raft_contract::Settings,
    /// `--reads`; absent for reads through the log (and in files written before it).
    #[serde(default, skip_serializing_if = "is_log")]
    reads: raft_contract::ReadMode,
    check_determinism: bool,
    runs: u128,
}

/// True for reads through the log, which a header leaves out.
fn is_log(reads: &raft_contract::ReadMode) -> bool {
    *reads == raft_contract::ReadMode::Log
}

impl Header {
    /// The command's name (`sweep`, `swarm`, `replay`): the report's label.
    pub fn label(&self) -> &'static str {
        match self {
            Header::Sweep { sweep, .. } => sweep.command.label(),
            Header::Replay { .. } => "replay",
        }
    }

    /// The header line (no trailing newline).
    pub fn json(&self) -> String {
        let wire = match self {
            Header::Sweep { sweep, shard } => Wire {
                format: FORMAT.into(),
                version: VERSION,
                command: sweep.command.label().into(),
                sweep: Some(WireSweep {
                    raft: sweep.raft.clone(),
                    filter: sweep.filter.clone(),
                    workload: sweep.workload.clone(),
                    scenarios: sweep.scenarios.clone(),
                    seeds: sweep.seeds.to_string(),
                    knobs: sweep.knobs.name().into(),
                    set: sweep.settings.clone(),
                    reads: sweep.reads,
                    check_determinism: sweep.check_determinism,
                    runs: sweep.runs(),
                }),
                shard: Some(shard.to_string()),
                runs: shard.share(sweep.runs()),
            },
            Header::Replay { runs } => Wire {
                format: FORMAT.into(),
                version: VERSION,
                command: "replay".into(),
                sweep: None,
                shard: None,
                runs: u128::from(*runs),
            },
        };
        // Strings and numbers only: serialising cannot fail.
        serde_json::to_string(&wire).expect("a header serialises to JSON")
    }

    /// Parses a header line, checking its counts against its plan.
    ///
    /// # Errors
    /// What is wrong, without the place: not JSON of the header's shape, another format
    /// or version, an unknown command, knobs, seed range or shard, or counts that do
    /// not match the plan.
    pub fn parse(line: &str) -> Result<Header, String> {
        let wire: Wire = serde_json::from_str(line).map_err(|e| {
            format!("not a header line ({e}); a --json file begins with one, written by raftsim sweep or swarm")
        })?;
        if wire.format != FORMAT || wire.version != VERSION {
            return Err(format!(
                "format {:?} version {}, expected {FORMAT:?} version {VERSION}",
                wire.format, wire.version
            ));
        }
        let command = match wire.command.as_str() {
            "sweep" => SweepCommand::Sweep,
            "swarm" => SweepCommand::Swarm,
            "replay" if wire.sweep.is_none() && wire.shard.is_none() => {
                let runs = u64::try_from(wire.runs).map_err(|_| "runs past 2^64".to_string())?;
                return Ok(Header::Replay { runs });
            }
            other => {
                return Err(format!(
                    "command {other:?} with sweep {} and shard {}: expected sweep or swarm with both, or replay with neither",
                    if wire.sweep.is_some() { "given" } else { "null" },
                    if wire.shard.is_some() { "given" } else { "null" },
                ))
            }
        };
        let (Some(w), Some(shard)) = (wire.sweep, wire.shard) else {
            return Err(format!(
                "a {} header without its sweep or shard",
                command.label()
            ));
        };
        let shard = Shard::parse(&shard).map_err(|e| e.to_string())?;
        let seeds = SeedRange::parse(&w.seeds).map_err(|e| e.to_string())?;
        let knobs = match w.knobs.as_str() {
            "drawn" => Knobs::Drawn,
            "shipped" => Knobs::Shipped,
            other => return Err(format!("knobs {other:?}, expected drawn or shipped")),
        };
        if w.scenarios.is_empty() {
            return Err("a sweep of no scenario".into());
        }
        let mut names: Vec<&String> = w.scenarios.iter().collect();
        names.sort();
        if let Some(twice) = names.windows(2).find(|p| p[0] == p[1]) {
            return Err(format!("scenario {:?} listed twice", twice[0]));
        }
        let sweep = Sweep {
            command,
            raft: w.raft,
            filter: w.filter,
            workload: w.workload,
            scenarios: w.scenarios,
            seeds,
            knobs,
            settings: w.set,
            reads: w.reads,
            check_determinism: w.check_determinism,
        };
        if w.runs != sweep.runs() {
            return Err(format!(
                "sweep.runs is {}, but {} scenario(s) x seeds {seeds} is {}",
                w.runs,
                sweep.scenarios.len(),
                sweep.runs()
            ));
        }
        if wire.runs != shard.share(sweep.runs()) {
            return Err(format!(
                "runs is {}, but shard {shard} of {} run(s) holds {}",
                wire.runs,
                sweep.runs(),
                shard.share(sweep.runs())
            ));
        }
        Ok(Header::Sweep { sweep, shard })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sweep() -> Sweep {
        Sweep {
            command: SweepCommand::Swarm,
            raft: "ours".into(),
            filter: None,
            workload: Some("raft".into()),
            scenarios: vec!["SwarmRaft".into(), "SwarmKv".into()],
            seeds: SeedRange::parse("0..10").unwrap_or_else(|e| panic!("{e}")),
            knobs: Knobs::Shipped,
            settings: raft_contract::Settings::defaults(),
            reads: raft_contract::ReadMode::Log,
            check_determinism: true,
        }
    }

    #[test]
    fn parse_of_json_round_trips() {
        let shard = Shard::parse("2/3").unwrap_or_else(|e| panic!("{e}"));
        for header in [
            Header::Sweep {
                sweep: sweep(),
                shard,
            },
            Header::Replay { runs: 7 },
        ] {
            let line = header.json();
            assert_eq!(Header::parse(&line), Ok(header), "{line}");
        }
        let line = Header::Sweep {
            sweep: sweep(),
            shard,
        }
        .json();
        assert!(
            line.contains(r#""runs":20},"shard":"2/3","runs":6}"#),
            "{line}"
        );
    }

    #[test]
    fn parse_inconsistent_headers_say_what_is_wrong() {
        let good = Header::Sweep {
            sweep: sweep(),
            shard: Shard::ALL,
        }
        .json();
        let table = [
            (
                good.replace(r#""runs":20}"#, r#""runs":21}"#),
                "sweep.runs is 21",
            ),
            (
                good.replace(r#""runs":20}"#, r#""runs":20,"x":1}"#),
                "unknown field",
            ),
            (
                good.replace(r#""shard":"0/1""#, r#""shard":"4/4""#),
                "bad shard",
            ),
            (good.replace(r#""0..10""#, r#""9..2""#), "empty seed range"),
            (
                good.replace(r#""SwarmKv""#, r#""SwarmRaft""#),
                "scenario \"SwarmRaft\" listed twice",
            ),
            (good.replace(r#""shipped""#, r#""some""#), "knobs \"some\""),
            (
                good.replace(r#""version":1"#, r#""version":2"#),
                "version 2",
            ),
            (
                good.replace(r#""swarm""#, r#""replay""#),
                "command \"replay\"",
            ),
            (
                good.replace(r#""runs":20}"#, r#""runs":20},"#),
                "not a header line",
            ),
            (
                r#"{"scenario":"PingFaults"}"#.to_string(),
                "not a header line",
            ),
        ];
        for (line, want) in table {
            match Header::parse(&line) {
                Err(why) => assert!(why.contains(want), "{line}: {why}"),
                Ok(h) => panic!("{line} parsed as {h:?}"),
            }
        }
    }
}
