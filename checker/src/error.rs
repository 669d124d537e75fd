//! The crate's error type: malformed input with its position, and I/O failures.

use std::path::PathBuf;

/// Everything that can go wrong reading or converting a history. Never a panic.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input does not follow its format.
    #[error("{file}:{line}:{column}: expected {expected}, found {found}")]
    Syntax {
        /// The file name (or `<input>` for text that did not come from a file).
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (in characters).
        column: usize,
        /// What the parser expected at that position.
        expected: String,
        /// What it found instead.
        found: String,
    },
    /// An ordered event list is inconsistent (e.g. a return without a call).
    #[error("event {index}: {message}")]
    Event {
        /// 0-based position in the event list.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A position in a text, for building [`Error::Syntax`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: usize,
    /// 1-based column in characters.
    pub column: usize,
}

impl Position {
    /// The position of byte offset `offset` within `line_text`, on 1-based line `line`.
    pub fn in_line(line: usize, line_text: &str, offset: usize) -> Position {
        let offset = offset.min(line_text.len());
        let prefix = line_text.get(..offset).unwrap_or(line_text);
        Position {
            line,
            column: prefix.chars().count() + 1,
        }
    }

    /// Builds a syntax error at this position.
    pub fn error(self, file: &str, expected: impl Into<String>, found: impl Into<String>) -> Error {
        Error::Syntax {
            file: file.to_string(),
            line: self.line,
            column: self.column,
            expected: expected.into(),
            found: found.into(),
        }
    }
}

/// Shortens `text` for an error message: at most 40 characters, with `...` if cut.
pub(crate) fn excerpt(text: &str) -> String {
    if text.is_empty() {
        return "end of line".to_string();
    }
    let mut out: String = text.chars().take(40).collect();
    if out.len() < text.len() {
        out.push_str("...");
    }
    format!("`{out}`")
}
