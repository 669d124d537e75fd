//! The readers' error type: malformed input with its position.

use super::format::Format;

/// Everything that can go wrong reading a history file. Never a panic.
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
    /// Two operations of one client overlap in time: a client has at most one operation
    /// outstanding, so a history where it has two is malformed.
    #[error(
        "{file}:{line}: client {client}'s operations overlap: {second} begins before {first} ended"
    )]
    Overlap {
        /// The file name.
        file: String,
        /// 1-based line of the second operation.
        line: usize,
        /// The client (a Jepsen or Porcupine process).
        client: u64,
        /// The operation that was still outstanding, with its line (and times).
        first: String,
        /// The operation that began while it was, with its line (and times).
        second: String,
    },
    /// The input holds no operation in the format it was read as: a check of it would
    /// say nothing, so it is an error rather than a vacuous `Ok`.
    #[error("{file}: no operations read as {format}{}", dropped_note(*.dropped))]
    Empty {
        /// The file name.
        file: String,
        /// The format it was read as.
        format: Format,
        /// Operations read but dropped because they did not happen (`:fail`).
        dropped: usize,
    },
}

fn dropped_note(dropped: usize) -> String {
    match dropped {
        0 => String::new(),
        n => format!(" ({n} read, all :fail, which did not happen)"),
    }
}

/// The readers' result type.
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
