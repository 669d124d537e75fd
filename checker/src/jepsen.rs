//! Reader for Jepsen etcd register logs (`INFO  jepsen.util - 2 :invoke :cas [3 0]`, fields
//! separated by tabs or runs of spaces).
//!
//! Lines that do not start with `INFO jepsen.util -` are not events and are ignored; an
//! event line that does not parse is an error. Semantics follow Porcupine's tests: `:ok`
//! returns; `:fail :cas` returns with `ok = false`; `:fail :read` returns with an unknown
//! output; `:fail :write` did not happen and is dropped; `:info` leaves the call open to
//! the end (pending, output unknown). Event `k` of the file happens at time `k`.

use std::collections::BTreeMap;

use crate::error::{excerpt, Position, Result};
use crate::history::{ClientId, Operation, Outcome, Time};
use crate::register::{RegisterInput, RegisterOutput};

/// A whitespace-separated token and its byte offset in the line.
pub(crate) type Token<'a> = (usize, &'a str);

/// Splits a line on runs of whitespace, keeping byte offsets.
pub(crate) fn tokens(line: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut start = None;
    for (at, c) in line.char_indices() {
        match (c.is_whitespace(), start) {
            (true, Some(s)) => {
                out.push((s, &line[s..at]));
                start = None;
            }
            (false, None) => start = Some(at),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, &line[s..]));
    }
    out
}

/// The kind of an event line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// Reads a Jepsen etcd log into register operations, in call order.
///
/// # Errors
/// [`Error::Syntax`] with the line and column of a malformed event line, a completion
/// without an `:invoke`, a second `:invoke` while one is outstanding, or a completion
/// whose function differs from its `:invoke`.
pub fn parse_jepsen_log(
    text: &str,
    file: &str,
) -> Result<Vec<Operation<RegisterInput, RegisterOutput>>> {
    let mut ops: Vec<Option<Operation<RegisterInput, RegisterOutput>>> = Vec::new();
    let mut open: BTreeMap<u64, usize> = BTreeMap::new();
    let mut time: u64 = 0;
    for (number, line) in text.lines().enumerate() {
        let toks = tokens(line);
        let is_event = toks.len() >= 3
            && toks[0].1 == "INFO"
            && toks[1].1 == "jepsen.util"
            && toks[2].1 == "-";
        if !is_event {
            continue;
        }
        let at = |k: usize| -> Position {
            let offset = toks.get(k).map_or(line.len(), |t| t.0);
            Position::in_line(number + 1, line, offset)
        };
        let found = |k: usize| toks.get(k).map_or_else(|| excerpt(""), |t| excerpt(t.1));
        let process: u64 = toks
            .get(3)
            .and_then(|t| t.1.parse().ok())
            .ok_or_else(|| at(3).error(file, "a process number", found(3)))?;
        let kind = match toks.get(4).map(|t| t.1) {
            Some(":invoke") => Kind::Invoke,
            Some(":ok") => Kind::Ok,
            Some(":fail") => Kind::Fail,
            Some(":info") => Kind::Info,
            _ => return Err(at(4).error(file, "one of :invoke :ok :fail :info", found(4))),
        };
        let f = match toks.get(5).map(|t| t.1) {
            Some(f @ (":read" | ":write" | ":cas")) => f,
            _ => return Err(at(5).error(file, "one of :read :write :cas", found(5))),
        };
        let value = &toks[6.min(toks.len())..];
        time += 1;
        let now = Time(time);
        if kind == Kind::Invoke {
            if open.contains_key(&process) {
                return Err(at(4).error(
                    file,
                    format!("a completion of process {process}'s outstanding call"),
                    "`:invoke`",
                ));
            }
            let input = parse_input(f, value, file, &at, &found)?;
            open.insert(process, ops.len());
            ops.push(Some(Operation {
                client: ClientId(process),
                input,
                call: now,
                outcome: Outcome::Pending,
            }));
            continue;
        }
        let Some(index) = open.remove(&process) else {
            return Err(at(4).error(
                file,
                format!(
                    "an :invoke by process {process} before this completion (return without call)"
                ),
                found(4),
            ));
        };
        let Some(op) = ops[index].as_mut() else {
            return Err(at(4).error(file, "an open call", "a dropped call"));
        };
        let invoked = match op.input {
            RegisterInput::Read => ":read",
            RegisterInput::Write { .. } => ":write",
            RegisterInput::Cas { .. } => ":cas",
        };
        if invoked != f {
            return Err(at(5).error(
                file,
                format!("`{invoked}` as invoked by process {process}"),
                found(5),
            ));
        }
        match (kind, op.input) {
            (Kind::Info, _) => {} // Indeterminate: stays pending to the end.
            (Kind::Ok, RegisterInput::Read) => {
                let value = parse_read_value(value, file, &at, &found)?;
                op.outcome = Outcome::Returned {
                    output: RegisterOutput::Read { value },
                    at: now,
                };
            }
            (Kind::Ok, RegisterInput::Write { .. }) => {
                op.outcome = Outcome::Returned {
                    output: RegisterOutput::Write,
                    at: now,
                };
            }
            (Kind::Ok | Kind::Fail, RegisterInput::Cas { .. }) => {
                let output = RegisterOutput::Cas {
                    ok: kind == Kind::Ok,
                };
                op.outcome = Outcome::Returned { output, at: now };
            }
            (Kind::Fail, RegisterInput::Read) => op.outcome = Outcome::Unknown { at: now },
            (Kind::Fail, RegisterInput::Write { .. }) => ops[index] = None,
            (Kind::Invoke, _) => unreachable!("invokes are handled above"),
        }
    }
    Ok(ops.into_iter().flatten().collect())
}

fn parse_input(
    f: &str,
    value: &[Token<'_>],
    file: &str,
    at: &dyn Fn(usize) -> Position,
    found: &dyn Fn(usize) -> String,
) -> Result<RegisterInput> {
    let input = match f {
        ":read" => match value.first().map(|t| t.1) {
            Some("nil") if value.len() == 1 => RegisterInput::Read,
            _ => {
                return Err(at(6).error(
                    file,
                    "`nil` as the argument of an :invoke :read",
                    found(6),
                ))
            }
        },
        ":write" => match value {
            [(_, v)] => RegisterInput::Write {
                value: parse_int(v).ok_or_else(|| at(6).error(file, "an integer", found(6)))?,
            },
            _ => return Err(at(6).error(file, "one integer to write", found(6))),
        },
        _ => {
            let (from, to) = parse_pair(value).map_err(|k| {
                at(6 + k).error(file, "a pair `[from to]` of integers", found(6 + k))
            })?;
            RegisterInput::Cas { from, to }
        }
    };
    Ok(input)
}

fn parse_read_value(
    value: &[Token<'_>],
    file: &str,
    at: &dyn Fn(usize) -> Position,
    found: &dyn Fn(usize) -> String,
) -> Result<Option<i64>> {
    match value {
        [(_, "nil")] => Ok(None),
        [(_, v)] => parse_int(v)
            .map(Some)
            .ok_or_else(|| at(6).error(file, "an integer or `nil` read", found(6))),
        _ => Err(at(6).error(file, "one value read", found(6))),
    }
}

fn parse_int(text: &str) -> Option<i64> {
    text.parse().ok()
}

/// Parses `[a b]` split into tokens `[a` and `b]`; on error, the index of the bad token.
fn parse_pair(value: &[Token<'_>]) -> std::result::Result<(i64, i64), usize> {
    let first = value
        .first()
        .ok_or(0usize)?
        .1
        .strip_prefix('[')
        .ok_or(0usize)?;
    let second = value
        .get(1)
        .ok_or(1usize)?
        .1
        .strip_suffix(']')
        .ok_or(1usize)?;
    if value.len() > 2 {
        return Err(2);
    }
    Ok((
        parse_int(first).ok_or(0usize)?,
        parse_int(second).ok_or(1usize)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jepsen_parses_all_event_kinds() {
        let log = "noise line\nINFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
                   INFO  jepsen.util - 1   :fail   :read   :timed-out\nINFO  jepsen.util - 2\t:info\t:cas\t:timed-out\n\
                   INFO  jepsen.util - 3\t:invoke\t:write\t4\nINFO  jepsen.util - 3\t:fail\t:write\t4\n";
        let ops = parse_jepsen_log(log, "t.log").expect("parses");
        assert_eq!(ops.len(), 2, "{ops:?}");
        assert_eq!(ops[0].input, RegisterInput::Cas { from: 3, to: 0 });
        assert_eq!(ops[0].outcome, Outcome::Pending);
        assert_eq!(ops[1].outcome, Outcome::Unknown { at: Time(3) });
    }

    #[test]
    fn jepsen_malformed_lines_give_positions() {
        let cases = [
            ("INFO  jepsen.util - x\t:invoke\t:read\tnil", "1:21: expected a process number"),
            ("INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\tabc", "2:33: expected an integer or `nil`"),
            ("INFO  jepsen.util - 1\t:invoke\t:frob\tnil", "1:31: expected one of :read"),
            ("INFO  jepsen.util - 1\t:ok\t:read\t3", "return without call"),
            ("INFO  jepsen.util - 1\t:invoke\t:cas\t[1", "expected a pair"),
            ("INFO  jepsen.util - 1\t:invoke\t:write\t99999999999999999999", "expected an integer"),
            ("INFO  jepsen.util - 1", "expected one of :invoke"),
            ("INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:write\t3", "as invoked by process 1"),
        ];
        for (log, expected) in cases {
            let err = parse_jepsen_log(log, "t.log").expect_err(log).to_string();
            assert!(err.contains(expected), "{log:?}: {err}");
            assert!(err.starts_with("t.log:"), "{err}");
        }
    }
}
