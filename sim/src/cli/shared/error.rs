//! What can go wrong before or around the runs themselves, with the exit code for each.
//!
//! A failed scenario is not an [`Error`]: it is a verdict (exit 1). An `Error` means the
//! command could not do its job at all; its message is one line naming what was wrong
//! and where.

use std::path::Path;

pub use super::exit::{
    EXIT_CLOSED, EXIT_DATA, EXIT_FAIL, EXIT_INTERNAL, EXIT_NO_INPUT, EXIT_OUTPUT, EXIT_PASS,
    EXIT_USAGE,
};

/// Why a command could not do its job.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The arguments do not make sense.
    #[error("{0}")]
    Usage(String),
    /// An input file is malformed (the message names file and line).
    #[error("{0}")]
    Data(String),
    /// An input file is missing or unreadable.
    #[error("{0}")]
    NoInput(String),
    /// An output file, or stdout, could not be written.
    #[error("{0}")]
    Output(String),
    /// A limit of the simulator itself stopped the command's work.
    #[error("{0}")]
    Internal(String),
    /// Stdout was closed by its reader (`| head`): the command stops quietly.
    #[error("stdout was closed by its reader")]
    Closed,
}

impl Error {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Usage(_) => EXIT_USAGE,
            Error::Data(_) => EXIT_DATA,
            Error::NoInput(_) => EXIT_NO_INPUT,
            Error::Output(_) => EXIT_OUTPUT,
            Error::Internal(_) => EXIT_INTERNAL,
            Error::Closed => EXIT_CLOSED,
        }
    }

    /// The message on one line: a user reads it on a terminal, a script greps it.
    pub fn one_line(&self) -> String {
        one_line(&self.to_string())
    }

    /// An input file that could not be read.
    pub fn reading(path: &Path, err: &std::io::Error) -> Error {
        Error::NoInput(format!("cannot read {}: {err}", path.display()))
    }

    /// An output file that could not be written.
    pub fn writing(path: &Path, err: &std::io::Error) -> Error {
        Error::Output(format!("cannot write {}: {err}", path.display()))
    }
}

/// Joins the lines of a message with "; " so that it prints as one line.
pub fn one_line(text: &str) -> String {
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    parts.join("; ")
}

/// `Result` with the CLI's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_multiline_message_joins_lines() {
        assert_eq!(one_line("a\n  b\n\nc"), "a; b; c");
        assert_eq!(one_line("single"), "single");
    }

    #[test]
    fn exit_code_each_kind_distinct() {
        let codes = [
            Error::Usage(String::new()).exit_code(),
            Error::Data(String::new()).exit_code(),
            Error::NoInput(String::new()).exit_code(),
            Error::Output(String::new()).exit_code(),
            Error::Internal(String::new()).exit_code(),
            Error::Closed.exit_code(),
        ];
        for (i, a) in codes.iter().enumerate() {
            assert!(*a > EXIT_FAIL, "error code {a} collides with a verdict");
            for b in &codes[i + 1..] {
                assert_ne!(a, b, "two error kinds share exit code {a}");
            }
        }
    }
}
