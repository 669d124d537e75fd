//! Standard output and error of a command, written so that a closed or full stdout never
//! panics and never hides the command's verdict.
//!
//! `println!` panics when stdout fails (exit 101): `raftsim check ... | head -1` closes the
//! pipe after one line, `> /dev/full` fails every write. A [`Console`] writes each line
//! itself, classifies a failure as every command does ([`crate::cli::output`]), and
//! remembers it, so that `check` can finish its verdicts and let the most severe exit
//! code win:
//! * the reader went away (broken pipe): later lines are dropped, `check` stops, and it
//!   exits with [`crate::cli::output::EXIT_CLOSED`] (141), quietly, as every command
//!   does;
//! * any other failure (a full disk): said once on stderr, later lines are dropped, and
//!   [`Console::finish`] reports [`Delivery::Failed`], which `check` turns into exit 74
//!   unless its verdict is more severe.

use crate::cli::error::Error;
use crate::cli::output;
use std::fmt;
use std::io::{self, Write};

/// How the output reached its reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Delivery {
    /// Every line was written.
    Complete,
    /// The reader closed the pipe; the lines after that were dropped.
    ReaderGone,
    /// A write failed for another reason (e.g. no space); the lines after it were dropped.
    Failed,
}

/// A command's standard output (or any writer, for tests), and its standard error.
pub struct Console<W: Write = io::Stdout> {
    out: W,
    delivery: Delivery,
}

impl Console {
    /// The process's standard output.
    pub fn stdout() -> Console {
        Console::new(io::stdout())
    }
}

impl<W: Write> Console<W> {
    /// A console writing to `out`.
    pub fn new(out: W) -> Console<W> {
        Console {
            out,
            delivery: Delivery::Complete,
        }
    }

    /// Writes one line (a newline is added).
    pub fn line(&mut self, args: fmt::Arguments<'_>) {
        self.write(|out| writeln!(out, "{args}"));
    }

    /// Writes text as it is (e.g. a block of lines that ends with a newline).
    pub fn text(&mut self, text: &str) {
        self.write(|out| out.write_all(text.as_bytes()));
    }

    /// Writes one line to standard error. A failure there is ignored: there is nowhere
    /// left to report it, and it must not end the command.
    pub fn warn(&mut self, args: fmt::Arguments<'_>) {
        output::note(args);
    }

    /// True once the reader of the output has gone away.
    pub fn reader_gone(&self) -> bool {
        self.delivery == Delivery::ReaderGone
    }

    /// Flushes the output and says how it was delivered.
    pub fn finish(mut self) -> Delivery {
        self.write(Write::flush);
        self.delivery
    }

    fn write(&mut self, write: impl FnOnce(&mut W) -> io::Result<()>) {
        if self.delivery != Delivery::Complete {
            return;
        }
        let Err(error) = write(&mut self.out) else {
            return;
        };
        match output::stdout_error(error) {
            Error::Closed => self.delivery = Delivery::ReaderGone,
            other => {
                self.delivery = Delivery::Failed;
                output::warn(other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that accepts `room` bytes, then fails every write with `kind`.
    struct Limited {
        written: Vec<u8>,
        room: usize,
        kind: io::ErrorKind,
    }

    impl Write for Limited {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if self.written.len() + buf.len() > self.room {
                return Err(io::Error::from(self.kind));
            }
            self.written.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn console(room: usize, kind: io::ErrorKind) -> Console<Limited> {
        Console::new(Limited {
            written: Vec::new(),
            room,
            kind,
        })
    }

    #[test]
    fn console_delivery_table() {
        let cases = [
            (
                100,
                io::ErrorKind::BrokenPipe,
                Delivery::Complete,
                "a\nbc\n",
            ),
            (3, io::ErrorKind::BrokenPipe, Delivery::ReaderGone, "a\n"),
            (3, io::ErrorKind::StorageFull, Delivery::Failed, "a\n"),
            (0, io::ErrorKind::PermissionDenied, Delivery::Failed, ""),
        ];
        for (room, kind, delivery, written) in cases {
            let mut c = console(room, kind);
            c.line(format_args!("a"));
            c.text("bc\n");
            // Nothing is written after the first failure, even what would fit.
            c.line(format_args!(""));
            let out = String::from_utf8(c.out.written.clone()).expect("text");
            let expected = if delivery == Delivery::Complete {
                format!("{written}\n")
            } else {
                written.to_string()
            };
            assert_eq!(out, expected, "{room} {kind:?}");
            assert_eq!(c.finish(), delivery, "{room} {kind:?}");
        }
    }
}
