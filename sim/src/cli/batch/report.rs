//! The report that ends `sweep`, `swarm`, `replay` and `merge` (stdout, in the batch's
//! order): every failure with its replay command and files, the summary, then one
//! verdict line; and the exit code that goes with it.
//!
//! The verdict line and the exit code come first: a file that could not be written is
//! listed beside its run (`not written: PATH: why`) and counted on the verdict line,
//! never in place of it.

use crate::cli::batch::interrupt::Signal;
use crate::cli::batch::runner::Batch;
use crate::cli::batch::summary::{self, Clock};
use crate::cli::shared::error::{Result, EXIT_FAIL, EXIT_INTERNAL, EXIT_OUTPUT, EXIT_PASS};
use crate::cli::shared::output;
use crate::cli::shared::record::Record;

/// What a report covers.
#[derive(Debug)]
pub struct Tally<'a> {
    /// `sweep`, `swarm`, `replay`: the verdict line's word.
    pub label: &'a str,
    /// The records of the runs that ran, in the batch's order.
    pub records: &'a [Record],
    /// How many runs were planned.
    pub planned: usize,
    /// The signal that stopped the batch before every run ran.
    pub interrupted: Option<Signal>,
    /// How its wall time is known.
    pub clock: Clock,
}

/// Prints the report of `batch`; `json_error` is `PATH: why` when `--json` could not be
/// written. Returns the exit code as [`print_tally`] does.
///
/// # Errors
/// `Output` or `Closed` when stdout cannot be written.
pub fn print(label: &str, batch: &Batch, verbose: bool, json_error: Option<String>) -> Result<u8> {
    let tally = Tally {
        label,
        records: &batch.records,
        planned: batch.planned,
        interrupted: batch.interrupted,
        clock: Clock::Measured {
            elapsed: batch.elapsed,
            threads: batch.threads,
        },
    };
    print_tally(&tally, verbose, json_error)
}

/// Prints the report of `tally`; `json_error` is `PATH: why` when `--json` could not be
/// written. Returns the exit code: 128 + the signal when interrupted, else 70 when a
/// limit of the simulator stopped a run (an internal error, counted among the failures),
/// else 1 when a run failed, else 74 when an output could not be written, else 0.
///
/// # Errors
/// `Output` or `Closed` when stdout cannot be written.
pub fn print_tally(tally: &Tally, verbose: bool, json_error: Option<String>) -> Result<u8> {
    let records = tally.records;
    if verbose {
        for r in records {
            output::line(r)?;
        }
    }
    let failed: Vec<&Record> = records.iter().filter(|r| !r.passed()).collect();
    if !failed.is_empty() {
        output::line(format_args!("failures ({}):", failed.len()))?;
    }
    for r in &failed {
        failure(r)?;
    }
    output::text(&summary::render(records, tally.clock))?;
    let mut unwritten: Vec<&str> = records
        .iter()
        .flat_map(|r| r.unwritten.iter().map(String::as_str))
        .collect();
    if let Some(err) = &json_error {
        output::line(format_args!("not written: {err}"))?;
        unwritten.push(err);
    }
    let (line, code) = verdict(tally, failed.len(), unwritten.len());
    output::line(&line)?;
    if let Some(first) = unwritten.first() {
        output::warn(format_args!(
            "{} output(s) could not be written, the first: {first}",
            unwritten.len()
        ));
    }
    Ok(code)
}

/// One failure: its verdict line, replay command and files.
fn failure(r: &Record) -> Result<()> {
    output::line(r)?;
    if let Some(profile) = &r.profile {
        output::line(format_args!("  profile: {profile}"))?;
    }
    output::line(format_args!("  replay: {}", r.replay_command()))?;
    if r.failure
        .as_deref()
        .is_some_and(|f| f.contains("nondeterministic"))
    {
        let raft = crate::outcome::raft_flag(&r.implementation);
        output::line(format_args!(
            "  recheck: cargo run --release -- sweep --filter '^{}$' --seeds {}{raft} --check-determinism",
            r.scenario, r.seed
        ))?;
    }
    for path in &r.artifacts {
        output::line(format_args!("  artifact: {}", path.display()))?;
    }
    for why in &r.unwritten {
        output::line(format_args!("  not written: {why}"))?;
    }
    Ok(())
}

/// The last line and the exit code.
fn verdict(tally: &Tally, failed: usize, unwritten: usize) -> (String, u8) {
    let label = tally.label;
    let ran = tally.records.len();
    assert!(failed <= ran, "{label}: {failed} failures in {ran} runs");
    let lost = if unwritten > 0 {
        format!("; {unwritten} output(s) not written")
    } else {
        String::new()
    };
    if let Some(signal) = tally.interrupted {
        let line = format!(
            "FAIL {label}: interrupted by {} after {ran} of {} run(s), {failed} failed{lost}",
            signal.name(),
            tally.planned
        );
        return (line, signal.exit_code());
    }
    assert_eq!(ran, tally.planned, "{label}: runs lost without a signal");
    let internal = tally.records.iter().filter(|r| r.internal()).count();
    if internal > 0 {
        (
            format!("FAIL {label}: {failed} of {ran} run(s) failed, {internal} of them internal error(s){lost}"),
            EXIT_INTERNAL,
        )
    } else if failed > 0 {
        (
            format!("FAIL {label}: {failed} of {ran} run(s) failed{lost}"),
            EXIT_FAIL,
        )
    } else if unwritten > 0 {
        (
            format!("PASS {label}: {ran} run(s), 0 failed{lost}"),
            EXIT_OUTPUT,
        )
    } else {
        (format!("PASS {label}: {ran} run(s), 0 failed"), EXIT_PASS)
    }
}
