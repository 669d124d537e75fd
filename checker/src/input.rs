//! Reading a history file: its bytes as text, and which of the known formats it is in.
//!
//! ```
//! use checker::{decode_utf8, Format};
//! let bytes = b"INFO  jepsen.util - 0\t:invoke\t:read\tnil\n";
//! let text = decode_utf8(bytes, "h.log").expect("UTF-8");
//! assert_eq!(Format::detect("h.log", text), Some(Format::Jepsen));
//! let err = decode_utf8(b"ok\n\xff", "h.log").expect_err("not UTF-8");
//! assert!(err.to_string().starts_with("h.log:2:1: expected UTF-8 text"));
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use crate::error::{Error, Position, Result};
use crate::history::{ClientId, Operation, Outcome, Time};
use crate::jepsen::{event_start, tokens};

/// A history file format this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A Jepsen etcd register log ([`crate::parse_jepsen_log`]).
    Jepsen,
    /// A Porcupine KV EDN log ([`crate::parse_kv_edn`]).
    PorcupineKv,
    /// A raftsim JSON history ([`crate::parse_json`]).
    Json,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Jepsen => "a Jepsen etcd log",
            Format::PorcupineKv => "a Porcupine KV EDN log",
            Format::Json => "a raftsim JSON history",
        })
    }
}

impl Format {
    /// Guesses the format of `text`, read from the file named `file`.
    ///
    /// A `.json` file, or one whose first non-blank line opens a JSON object, is JSON; a
    /// first line opening an EDN map (`{:`) is Porcupine KV; any other `.log` file is a
    /// Jepsen log (even an empty one, so that its error names the format), and so is a
    /// text with a `jepsen.util` event line anywhere (real Jepsen logs open with many
    /// lines of set-up). Otherwise `None`.
    pub fn detect(file: &str, text: &str) -> Option<Format> {
        let extension = Path::new(file).extension();
        if extension.is_some_and(|e| e == "json") {
            return Some(Format::Json);
        }
        let first = text.lines().map(str::trim).find(|l| !l.is_empty());
        match first {
            Some(line) if line.starts_with("{\"") || line == "{" => return Some(Format::Json),
            Some(line) if line.starts_with("{:") => return Some(Format::PorcupineKv),
            _ if extension.is_some_and(|e| e == "log") => return Some(Format::Jepsen),
            _ => {}
        }
        let jepsen = text
            .lines()
            .any(|line| event_start(&tokens(line)).is_some());
        jepsen.then_some(Format::Jepsen)
    }
}

/// Reads `bytes` as UTF-8 text, without a leading byte-order mark.
///
/// # Errors
/// [`Error::Syntax`] at the line and column of the first byte that is not UTF-8.
pub fn decode_utf8<'a>(bytes: &'a [u8], file: &str) -> Result<&'a str> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = error.valid_up_to();
        // The prefix up to `valid` is UTF-8, so these slices cannot fail.
        let before = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
        let line_start = before.rfind('\n').map_or(0, |k| k + 1);
        let line = before.matches('\n').count() + 1;
        let position = Position::in_line(line, &before[line_start..], valid - line_start);
        let found = bytes[valid..]
            .iter()
            .take(error.error_len().unwrap_or(bytes.len() - valid).max(1))
            .map(|b| format!("0x{b:02X}"))
            .collect::<Vec<_>>()
            .join(" ");
        let found = match found.as_str() {
            "" => "the end of the input".to_string(),
            _ => format!("byte(s) {found}"),
        };
        position.error(file, "UTF-8 text", found)
    })
}

/// The operations of an event log (Jepsen, Porcupine KV: one call or completion per line)
/// as they are read: a process has at most one call outstanding, and a call that did not
/// happen (`:fail`) is dropped.
///
/// A call whose completion is indeterminate (`:info`) stays outstanding to the end of the
/// history: it may take effect at any later time. Jepsen gives such a process's thread a
/// new process id, so a later call by the same id overlaps it (Porcupine's reader would
/// forget the first call's id there and leave it without any return; here it is an
/// error).
pub(crate) struct Calls<I, O> {
    /// In call order; `None` once dropped.
    ops: Vec<Option<Operation<I, O>>>,
    /// Each process's outstanding call.
    open: BTreeMap<u64, Open>,
}

/// A call not yet completed, or completed indeterminately.
#[derive(Clone, Copy)]
struct Open {
    /// Index into `ops`.
    index: usize,
    /// The line of the call.
    line: usize,
    /// The line of its indeterminate completion, if it had one.
    info_line: Option<usize>,
}

impl<I, O> Calls<I, O> {
    pub(crate) fn new() -> Self {
        Calls {
            ops: Vec::new(),
            open: BTreeMap::new(),
        }
    }

    /// Records `process`'s call of `input` on line `line` of `file`, at `now`.
    ///
    /// # Errors
    /// [`Error::Overlap`] if the process has a call outstanding; `describe` names both
    /// inputs as the log writes them.
    pub(crate) fn invoke(
        &mut self,
        (file, line): (&str, usize),
        process: u64,
        input: I,
        now: Time,
        describe: impl Fn(&I) -> String,
    ) -> Result<()> {
        if let Some(open) = self.open.get(&process) {
            let first = self.ops[open.index].as_ref().map(|o| describe(&o.input));
            let mut first = format!(
                "the {} invoked on line {}",
                first.unwrap_or_default(),
                open.line
            );
            if let Some(info_line) = open.info_line {
                first.push_str(&format!(
                    " (left open to the end by its :info on line {info_line})"
                ));
            }
            return Err(Error::Overlap {
                file: file.to_string(),
                line,
                client: process,
                first,
                second: format!("the {} invoked on line {line}", describe(&input)),
            });
        }
        let open = Open {
            index: self.ops.len(),
            line,
            info_line: None,
        };
        self.open.insert(process, open);
        self.ops.push(Some(Operation {
            client: ClientId(process),
            input,
            call: now,
            outcome: Outcome::Pending,
        }));
        Ok(())
    }

    /// Takes `process`'s outstanding call, which completes on line `line` (`info`: with
    /// an indeterminate outcome, so the call stays outstanding to the end): its operation
    /// and the line of its call, or `None` if it has no call waiting for a completion.
    pub(crate) fn complete(
        &mut self,
        process: u64,
        line: usize,
        info: bool,
    ) -> Option<(&mut Option<Operation<I, O>>, usize)> {
        let open = self
            .open
            .get_mut(&process)
            .filter(|o| o.info_line.is_none())?;
        let Open {
            index,
            line: call_line,
            ..
        } = *open;
        if info {
            open.info_line = Some(line);
        } else {
            self.open.remove(&process);
        }
        Some((&mut self.ops[index], call_line))
    }

    /// The operations, less those dropped.
    ///
    /// # Errors
    /// [`Error::Empty`] if none is left: a check of nothing would be a vacuous `Ok`.
    pub(crate) fn finish(self, file: &str, format: Format) -> Result<Vec<Operation<I, O>>> {
        let read = self.ops.len();
        let kept: Vec<Operation<I, O>> = self.ops.into_iter().flatten().collect();
        if kept.is_empty() {
            return Err(Error::Empty {
                file: file.to_string(),
                format,
                dropped: read,
            });
        }
        Ok(kept)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_reads_extension_first_line_and_jepsen_lines() {
        let cases = [
            ("a.txt", "{:process 0, :type :invoke}", Some(Format::PorcupineKv)),
            ("a.txt", "INFO  jepsen.util - 1\t:invoke\t:read\tnil", Some(Format::Jepsen)),
            (
                "a.txt",
                "2017-03-30 14:11:51,588{GMT}\tINFO\t[jepsen test runner] jepsen.core: start\n\
                 2017-03-30 14:11:51,600{GMT}\tINFO\t[jepsen worker 0] jepsen.util: 0\t:invoke\t:read\tnil",
                Some(Format::Jepsen),
            ),
            ("a.txt", "{\"format\": \"raftsim-history\"", Some(Format::Json)),
            ("a.json", "garbage", Some(Format::Json)),
            ("a.log", "", Some(Format::Jepsen)),
            ("a.log", "\n  \n", Some(Format::Jepsen)),
            ("a.txt", "", None),
            ("a.txt", "hello", None),
            ("a.log", "INFO  jepsen.core - Worker 0 starting", Some(Format::Jepsen)),
            ("a.txt", "INFO  jepsen.core - Worker 0 starting", None),
            ("a.log", "{:process 0}", Some(Format::PorcupineKv)),
        ];
        for (file, text, expected) in cases {
            assert_eq!(Format::detect(file, text), expected, "{file}: {text}");
        }
    }

    #[test]
    fn decode_invalid_utf8_names_line_and_column() {
        let cases: [(&[u8], &str); 4] = [
            (
                b"ab\ncd\xffe",
                "f:2:3: expected UTF-8 text, found byte(s) 0xFF",
            ),
            (b"\xc3", "f:1:1: expected UTF-8 text, found byte(s) 0xC3"),
            (
                b"\xc3\xa9\xc3(",
                "f:1:2: expected UTF-8 text, found byte(s) 0xC3",
            ),
            (
                b"x\n\n\xed\xa0\x80",
                "f:3:1: expected UTF-8 text, found byte(s) 0xED",
            ),
        ];
        for (bytes, expected) in cases {
            let err = decode_utf8(bytes, "f").expect_err(expected).to_string();
            assert!(err.starts_with(expected), "{err}\nwant {expected}");
        }
        assert_eq!(decode_utf8(b"\xEF\xBB\xBFok", "f").expect("BOM"), "ok");
        assert_eq!(decode_utf8("é\n".as_bytes(), "f").expect("UTF-8"), "é\n");
    }
}
