//! The commands' standard output and standard error, written so that a reader that goes
//! away or a full disk ends a command with a documented exit code, never a panic.
//!
//! `print!` and `println!` panic when stdout cannot be written, which ends the process
//! with exit 101 and loses everything after. Every line a command prints goes through
//! [`line()`] (or [`text`] for a block that already ends in newlines) instead, which
//! returns:
//!
//! * [`Error::Closed`] when the reader has closed the pipe (`raftsim list | head -1`).
//!   The command stops at once and quietly, with exit [`EXIT_CLOSED`] (141). Unix tools
//!   die of SIGPIPE there, which shells report as 128 + 13 = 141; Rust ignores SIGPIPE
//!   and re-raising it takes unsafe code, so `raftsim` exits normally with the code a
//!   shell would show for them. Under `set -o pipefail` that is a failure, as it is for
//!   `yes | head -1`: a sweep cut short must not look like one that passed.
//! * [`Error::Output`] for any other write error (ENOSPC on `/dev/full`, EIO): exit 74
//!   with one line on stderr.
//!
//! Messages for the user go to stderr through [`warn`] and [`note`], which ignore write
//! errors: a message that cannot be written to stderr has nowhere else to go, and it
//! must not turn a verdict into a panic.
//!
//! ```
//! use sim::cli::output;
//! fn report(verdicts: &[&str]) -> sim::cli::Result<()> {
//!     for v in verdicts {
//!         output::line(v)?; // a closed pipe or a full disk stops here, with its code
//!     }
//!     Ok(())
//! }
//! ```

use crate::cli::shared::error::{Error, Result};
use std::fmt::Display;
use std::io::{self, Write};

pub use super::exit::EXIT_CLOSED;

/// Prints `text` and a newline on stdout.
///
/// # Errors
/// `Closed` when the reader has gone away; `Output` for any other write error.
pub fn line(text: impl Display) -> Result<()> {
    write_line(&mut io::stdout().lock(), text)
}

/// Prints `block` on stdout as it is (it carries its own newlines).
///
/// # Errors
/// As for [`line()`].
pub fn text(block: &str) -> Result<()> {
    write_text(&mut io::stdout().lock(), block)
}

/// Writes `text` and a newline to `out` and flushes it, mapping errors as [`line()`] does.
///
/// # Errors
/// As for [`line()`].
pub fn write_line(out: &mut impl Write, text: impl Display) -> Result<()> {
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// Writes `block` to `out` and flushes it, mapping errors as [`line()`] does.
///
/// # Errors
/// As for [`line()`].
pub fn write_text(out: &mut impl Write, block: &str) -> Result<()> {
    out.write_all(block.as_bytes())
        .and_then(|()| out.flush())
        .map_err(stdout_error)
}

/// The [`Error`] for a failed write to stdout.
pub fn stdout_error(err: io::Error) -> Error {
    if err.kind() == io::ErrorKind::BrokenPipe {
        Error::Closed
    } else {
        Error::Output(format!("cannot write to stdout: {err}"))
    }
}

/// Prints `raftsim: <text>` on stderr, ignoring write errors.
pub fn warn(text: impl Display) {
    note(format_args!("raftsim: {text}"));
}

/// Prints `text` on stderr as it is, ignoring write errors (progress lines).
pub fn note(text: impl Display) {
    let _ = writeln!(io::stderr().lock(), "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer whose every write fails with `kind`.
    struct Failing(io::ErrorKind);

    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(self.0))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(self.0))
        }
    }

    #[test]
    fn write_line_broken_pipe_is_closed_other_errors_are_output() {
        let closed = write_line(&mut Failing(io::ErrorKind::BrokenPipe), "x");
        assert!(matches!(closed, Err(Error::Closed)), "{closed:?}");
        let full = write_text(&mut Failing(io::ErrorKind::StorageFull), "x\n");
        match full {
            Err(err @ Error::Output(_)) => {
                assert_eq!(err.exit_code(), 74);
                assert!(err.to_string().contains("cannot write to stdout"), "{err}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(Error::Closed.exit_code(), EXIT_CLOSED);
    }

    #[test]
    fn write_line_appends_newline() {
        let mut out = Vec::new();
        write_line(&mut out, format_args!("a {}", 1)).unwrap_or_else(|e| panic!("{e}"));
        write_text(&mut out, "b\nc\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out, b"a 1\nb\nc\n");
    }
}
