//! What a schedule file must say to be read (its format and version) and why one is
//! refused ([`ScheduleError`]), with the range checks that name the field and the
//! allowed range: shared by the schedule ([`super::schedule`]) and its servers' clocks
//! ([`super::server_clock`]), which the schedule imports.

/// The `format` field of a schedule file.
pub const SCHEDULE_FORMAT: &str = "raftsim-schedule";
/// The version of the schedule file format.
pub const SCHEDULE_VERSION: u32 = 1;

/// Why a schedule file's text is not a schedule this build can run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    /// Not JSON, or not the shape of a schedule (a missing, repeated or mistyped field).
    #[error("line {line}, column {column}: not a raftsim schedule: {message}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser found.
        message: String,
    },
    /// A field this build does not know (a typo would otherwise be ignored).
    #[error("unknown field {path}: not part of a raftsim schedule")]
    UnknownField {
        /// Where it is (`profile.clinets`).
        path: String,
    },
    /// The `format` field is not [`SCHEDULE_FORMAT`].
    #[error("format is {found:?}, not {SCHEDULE_FORMAT:?}")]
    Format {
        /// What the file says.
        found: String,
    },
    /// A version this build does not read.
    #[error("version {found} (this build reads {SCHEDULE_VERSION})")]
    Version {
        /// What the file says.
        found: u32,
    },
    /// A number outside what a run can honour.
    #[error("{field} is {value}; allowed: {allowed}")]
    OutOfRange {
        /// The field (`faults[3].fault.crash.down_ms`).
        field: String,
        /// Its value.
        value: String,
        /// The range it must be in.
        allowed: String,
    },
    /// A field whose value contradicts another.
    #[error("{field} {why}")]
    Invalid {
        /// The field.
        field: String,
        /// What is wrong with it.
        why: String,
    },
}

/// `value` within `lo..=hi`, else an error naming `field`; `what` follows the range.
/// Unsigned and signed fields alike (a clock's offset, rate error or jump is signed).
pub(super) fn within<T: PartialOrd + std::fmt::Display>(
    field: &str,
    value: T,
    lo: T,
    hi: T,
    what: &str,
) -> Result<(), ScheduleError> {
    if lo <= value && value <= hi {
        return Ok(());
    }
    Err(ScheduleError::OutOfRange {
        field: field.to_string(),
        value: value.to_string(),
        allowed: format!("{lo} to {hi}{what}"),
    })
}
