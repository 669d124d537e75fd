//! `raftsim run SCENARIO --seed N`: one run, reported in full.
//!
//! The last line is the verdict line (see [`Record`]'s `Display`). On failure, the lines
//! before it give the reason, the replay command and the files written under
//! `--artifacts DIR` (default [`artifacts::default_root`]).

use super::artifacts;
use super::catalog;
use super::error::{Result, EXIT_FAIL, EXIT_PASS};
use super::panics;
use super::record::Record;
use super::seed_range::parse_seed;
use super::stopwatch::Stopwatch;
use crate::scenario::{Outcome, RunConfig, Scenario};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `raftsim run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// The scenario's name (see `raftsim list`).
    pub scenario: String,
    /// The seed.
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    pub seed: String,
    /// Write the rendered trace to FILE.
    #[arg(long, value_name = "FILE")]
    pub trace: Option<PathBuf>,
    /// Write the client history (JSON) to FILE (KV scenarios).
    #[arg(long, value_name = "FILE")]
    pub history: Option<PathBuf>,
    /// Write the checker's HTML view to FILE (KV scenarios whose history was checked).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Where to write a failure's files [default: $CARGO_TARGET_DIR or target/, then
    /// raftsim-failures/].
    #[arg(long, value_name = "DIR")]
    pub artifacts: Option<PathBuf>,
}

/// Runs `raftsim run` and returns the exit code.
///
/// # Errors
/// `Usage` for an unknown scenario or a bad seed; `Output` when a file cannot be written.
pub fn run(args: &RunArgs) -> Result<u8> {
    let scenario = catalog::find(&args.scenario)?;
    let seed = parse_seed(&args.seed)?;
    let config = RunConfig {
        seed,
        keep_trace: args.trace.is_some(),
        keep_history: args.history.is_some(),
    };
    // One run: let the panic, if any, print in full with its backtrace.
    panics::install(false);
    let watch = Stopwatch::start();
    let outcome = panics::run(&scenario, &config);
    let wall = watch.elapsed();
    assert_eq!(
        outcome.seed, seed,
        "{}: outcome of another seed",
        scenario.name
    );
    write_requested(args, &scenario, &outcome)?;
    for (name, value) in &outcome.metrics {
        println!("metric {name} = {value}");
    }
    let mut record = Record::new(scenario.part, outcome.clone(), wall);
    record.scenario = scenario.name.to_string();
    if !record.passed() {
        report_failure(args, &scenario, outcome, &mut record)?;
    }
    println!("{record}");
    Ok(if record.passed() {
        EXIT_PASS
    } else {
        EXIT_FAIL
    })
}

/// Writes the files named by `--trace`, `--history` and `--html`.
fn write_requested(args: &RunArgs, scenario: &Scenario, outcome: &Outcome) -> Result<()> {
    let files = [
        (&args.trace, outcome.trace.as_deref(), "trace"),
        (
            &args.history,
            outcome.history_json.as_deref(),
            "client history",
        ),
        (&args.html, outcome.history_html.as_deref(), "HTML view"),
    ];
    for (path, contents, what) in files {
        let Some(path) = path else { continue };
        match contents {
            Some(text) => {
                artifacts::write_file(path, text)?;
                println!("{what}: {}", path.display());
            }
            None => eprintln!(
                "raftsim: {} seed={} produced no {what}; {} not written",
                scenario.name,
                outcome.seed,
                path.display()
            ),
        }
    }
    Ok(())
}

/// Prints the reason and replay command and writes the failure's files.
fn report_failure(
    args: &RunArgs,
    scenario: &Scenario,
    outcome: Outcome,
    record: &mut Record,
) -> Result<()> {
    let traced = if outcome.trace.is_some() {
        outcome
    } else {
        // The rerun repeats the run exactly: its panic, if any, was shown already.
        panics::install(true);
        let (traced, drift) = artifacts::rerun_with_trace(scenario, record.seed, record.trace_hash);
        if let Some(why) = drift {
            let first = record.failure.take().unwrap_or_default();
            record.failure = Some(format!("{first}; also {why}"));
        }
        traced
    };
    let reason = record.failure.clone().unwrap_or_default();
    println!("failure: {} seed={}", scenario.name, record.seed);
    for (i, line) in reason.lines().enumerate() {
        println!("  {} {line}", if i == 0 { "reason:" } else { "       " });
    }
    println!("  replay: {}", record.replay_command());
    let root = args
        .artifacts
        .clone()
        .unwrap_or_else(artifacts::default_root);
    let dir = artifacts::folder(&root, scenario.name, record.seed);
    for path in artifacts::write(&dir, &traced, &reason)? {
        println!("  artifact: {}", path.display());
    }
    Ok(())
}
