//! Schedule files (`run --schedule`, `shrink --schedule`, an artifact folder's
//! `schedule.json`): read with a size bound, checked whole before anything runs.

use crate::cli::shared::error::{Error, Result};
use crate::registry::Registered;
use crate::swarm::schedule::limits::FILE_BYTES_MAX;
use crate::swarm::Plan;
use std::io::Read;
use std::path::Path;

/// A schedule file's plan and its text.
///
/// # Errors
/// `NoInput` when it cannot be read; `Data` (exit 65) naming the file when it is larger
/// than [`FILE_BYTES_MAX`], not UTF-8, or not a valid schedule (the message names the
/// field and its allowed range).
pub fn read(path: &Path) -> Result<(Plan, String)> {
    let shown = path.display();
    let file = std::fs::File::open(path).map_err(|e| Error::reading(path, &e))?;
    let mut bytes = Vec::new();
    file.take(FILE_BYTES_MAX + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| Error::reading(path, &e))?;
    if bytes.len() as u64 > FILE_BYTES_MAX {
        return Err(Error::Data(format!(
            "{shown}: larger than {FILE_BYTES_MAX} bytes, the most a schedule file may hold"
        )));
    }
    let json = String::from_utf8(bytes).map_err(|e| {
        Error::Data(format!(
            "{shown}: not UTF-8 (at byte {})",
            e.utf8_error().valid_up_to()
        ))
    })?;
    let plan = Plan::from_json(&json).map_err(|why| Error::Data(format!("{shown}: {why}")))?;
    Ok((plan, json))
}

/// Checks the schedule's knobs (`profile.knobs`) against those of the implementation
/// that will run it (the file's, or `--raft`'s).
///
/// # Errors
/// `Data` (exit 65) naming the file, the knob and its bounds, or the knobs the
/// implementation has.
pub fn check_knobs(plan: &Plan, implementation: &Registered, path: &Path) -> Result<()> {
    plan.validate_knobs(implementation.knobs)
        .map_err(|why| Error::Data(format!("{}: {why}", path.display())))
}
