//! The operations of an event log, collected call by call.

use std::collections::BTreeMap;

use super::error::{Error, Result};
use super::format::Format;
use crate::history::{ClientId, Operation, Outcome, Time};

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
