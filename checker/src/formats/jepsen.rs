//! Reader for Jepsen etcd register logs, one event per `jepsen.util` log line, fields
//! separated by tabs or runs of spaces. The layouts Jepsen writes are all read (tabs shown
//! as two spaces):
//!
//! ```text
//! INFO  jepsen.util - 2  :invoke  :cas  [3 0]
//! 2017-03-30 14:11:51,588 INFO  jepsen.util - 2  :invoke  :cas  [3 0]
//! 2017-03-30 14:11:51,588{GMT}  INFO  [jepsen worker 2] jepsen.util: 2  :invoke  :cas  [3 0]
//! ```
//! that is, an optional timestamp (tokens starting with a digit), the level `INFO`, an
//! optional `[thread]`, the logger `jepsen.util -` or `jepsen.util:`, then process, type,
//! function and value. Other lines (setup, other loggers) are not events and are ignored,
//! and so are the nemesis's events (`:nemesis :info :start nil`), as Porcupine does; an
//! event line that does not parse is an error.
//!
//! Semantics follow Porcupine's tests: `:ok` returns; `:fail :cas` returns with
//! `ok = false`; `:fail :read` returns with an unknown output; `:fail :write` did not
//! happen and is dropped; `:info` leaves the call open to the end (pending, output
//! unknown). A completion must repeat its call's function and value (`:fail` and `:info`
//! may instead give a reason such as `:timed-out`, or `nil`). A process has at most one
//! call outstanding. Event `k` of the file happens at time `k`.

use super::calls::Calls;
use super::error::{excerpt, Error, Position, Result};
use super::format::Format;
use crate::history::{Operation, Outcome, Time};
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

/// The most leading tokens taken as a timestamp (`2017-03-30 14:11:51,588{GMT}` is two).
const TIMESTAMP_TOKENS_MAX: usize = 3;

/// Where the event fields of a `jepsen.util` log line start (the index of the process
/// token), or `None` if the line is not one.
pub(crate) fn event_start(toks: &[Token<'_>]) -> Option<usize> {
    let mut k = 0;
    while k < TIMESTAMP_TOKENS_MAX && toks.get(k)?.1.starts_with(|c: char| c.is_ascii_digit()) {
        k += 1;
    }
    if toks.get(k)?.1 != "INFO" {
        return None;
    }
    k += 1;
    // An optional thread name: `[jepsen worker 3]`, `[main]`.
    if toks.get(k)?.1.starts_with('[') {
        while !toks.get(k)?.1.ends_with(']') {
            k += 1;
        }
        k += 1;
    }
    match toks.get(k)?.1 {
        "jepsen.util:" => Some(k + 1),
        "jepsen.util" if toks.get(k + 1)?.1 == "-" => Some(k + 2),
        _ => None,
    }
}

/// The kind of an event line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Invoke,
    Ok,
    Fail,
    Info,
}

/// One event line: its number, text and the tokens from the process on.
struct EventLine<'a> {
    file: &'a str,
    number: usize,
    text: &'a str,
    fields: &'a [Token<'a>],
}

impl EventLine<'_> {
    /// The position of field `k` (0: process, 1: type, 2: function, 3...: value), or the
    /// end of the line if it is missing.
    fn at(&self, k: usize) -> Position {
        let offset = self.fields.get(k).map_or(self.text.len(), |t| t.0);
        Position::in_line(self.number, self.text, offset)
    }

    /// An error at field `k`: `expected`, and what the field holds.
    fn error(&self, k: usize, expected: impl Into<String>) -> Error {
        let found = self
            .fields
            .get(k)
            .map_or_else(|| excerpt(""), |t| excerpt(t.1));
        self.at(k).error(self.file, expected, found)
    }

    /// The value tokens (field 3 on).
    fn value(&self) -> &[Token<'_>] {
        &self.fields[3.min(self.fields.len())..]
    }
}

/// Reads a Jepsen etcd log into register operations, in call order.
///
/// # Errors
/// [`Error::Syntax`] with the line and column of a malformed event line, a completion
/// without an `:invoke`, or a completion whose function or value differs from its
/// `:invoke`; [`Error::Overlap`] for a second `:invoke` while the process's call is
/// outstanding; [`Error::Empty`] if no operation remains (no event lines, or only
/// `:fail`ed writes).
pub fn parse_jepsen_log(
    text: &str,
    file: &str,
) -> Result<Vec<Operation<RegisterInput, RegisterOutput>>> {
    let mut log = Log {
        calls: Calls::new(),
        time: 0,
    };
    for (number, line) in text.lines().enumerate() {
        let toks = tokens(line);
        let Some(start) = event_start(&toks) else {
            continue;
        };
        let event = EventLine {
            file,
            number: number + 1,
            text: line,
            fields: &toks[start..],
        };
        log.read(&event)?;
    }
    log.calls.finish(file, Format::Jepsen)
}

/// The operations read so far.
struct Log {
    calls: Calls<RegisterInput, RegisterOutput>,
    /// Events read (the time of the next one).
    time: u64,
}

impl Log {
    fn read(&mut self, event: &EventLine<'_>) -> Result<()> {
        let process = match event.fields.first().map(|t| t.1) {
            // The nemesis's own events (partitions, crashes) are not operations.
            Some(":nemesis") => return Ok(()),
            Some(p) => p.parse::<u64>().ok(),
            None => None,
        };
        let process = process.ok_or_else(|| event.error(0, "a process number"))?;
        let kind = match event.fields.get(1).map(|t| t.1) {
            Some(":invoke") => Kind::Invoke,
            Some(":ok") => Kind::Ok,
            Some(":fail") => Kind::Fail,
            Some(":info") => Kind::Info,
            _ => return Err(event.error(1, "one of :invoke :ok :fail :info")),
        };
        let f = match event.fields.get(2).map(|t| t.1) {
            Some(f @ (":read" | ":write" | ":cas")) => f,
            _ => return Err(event.error(2, "one of :read :write :cas")),
        };
        self.time += 1;
        let now = Time(self.time);
        if kind == Kind::Invoke {
            self.invoke(event, process, f, now)
        } else {
            self.complete(event, process, kind, f, now)
        }
    }

    fn invoke(&mut self, event: &EventLine<'_>, process: u64, f: &str, now: Time) -> Result<()> {
        let input = parse_input(f, event)?;
        let place = (event.file, event.number);
        self.calls
            .invoke(place, process, input, now, |input| describe(*input))
    }

    fn complete(
        &mut self,
        event: &EventLine<'_>,
        process: u64,
        kind: Kind,
        f: &str,
        now: Time,
    ) -> Result<()> {
        let Some((slot, line)) = self
            .calls
            .complete(process, event.number, kind == Kind::Info)
        else {
            return Err(event.error(
                1,
                format!(
                    "an :invoke by process {process} before this completion (return without call)"
                ),
            ));
        };
        let Some(op) = slot.as_mut() else {
            return Err(event.error(1, "an open call"));
        };
        let invoked = op.input;
        if function(invoked) != f {
            let expected = format!(
                "`{}` as invoked by process {process} on line {line}",
                function(invoked)
            );
            return Err(event.error(2, expected));
        }
        check_echo(event, kind, invoked, line)?;
        op.outcome = match (kind, invoked) {
            (Kind::Info, _) => Outcome::Pending, // Indeterminate: stays open to the end.
            (Kind::Ok, RegisterInput::Read) => Outcome::Returned {
                output: RegisterOutput::Read {
                    value: parse_read_value(event)?,
                },
                at: now,
            },
            (Kind::Ok, RegisterInput::Write { .. }) => Outcome::Returned {
                output: RegisterOutput::Write,
                at: now,
            },
            (Kind::Ok | Kind::Fail, RegisterInput::Cas { .. }) => Outcome::Returned {
                output: RegisterOutput::Cas {
                    ok: kind == Kind::Ok,
                },
                at: now,
            },
            (Kind::Fail, RegisterInput::Read) => Outcome::Unknown { at: now },
            (Kind::Fail, RegisterInput::Write { .. }) => {
                // A failed write did not happen.
                *slot = None;
                return Ok(());
            }
            (Kind::Invoke, _) => return Err(event.error(1, "a completion")),
        };
        Ok(())
    }
}

/// The function keyword of an input.
fn function(input: RegisterInput) -> &'static str {
    match input {
        RegisterInput::Read => ":read",
        RegisterInput::Write { .. } => ":write",
        RegisterInput::Cas { .. } => ":cas",
    }
}

/// An input as the log writes it: `:read`, `:write 3`, `:cas [1 2]`.
fn describe(input: RegisterInput) -> String {
    match input {
        RegisterInput::Read => ":read".to_string(),
        RegisterInput::Write { value } => format!(":write {value}"),
        RegisterInput::Cas { from, to } => format!(":cas [{from} {to}]"),
    }
}

/// Checks that a completion of a write or CAS repeats its call's value: a `:ok` must, a
/// `:fail` or `:info` may give a reason (`:timed-out`) or `nil` instead.
fn check_echo(
    event: &EventLine<'_>,
    kind: Kind,
    invoked: RegisterInput,
    line: usize,
) -> Result<()> {
    let value = event.value();
    let reason = matches!(value, [(_, v)] if *v == "nil" || v.starts_with(':'));
    if kind != Kind::Ok && reason {
        return Ok(());
    }
    let echoed = match invoked {
        // A read's completion carries what it read (checked when it is parsed).
        RegisterInput::Read => true,
        RegisterInput::Write { value: v } => matches!(value, [(_, w)] if parse_int(w) == Some(v)),
        RegisterInput::Cas { from, to } => parse_pair(value) == Ok((from, to)),
    };
    if echoed {
        return Ok(());
    }
    let mut expected = format!("`{}` as invoked on line {line}", describe(invoked));
    if kind != Kind::Ok {
        expected.push_str(", or a reason such as `:timed-out`");
    }
    Err(event.error(3, expected))
}

fn parse_input(f: &str, event: &EventLine<'_>) -> Result<RegisterInput> {
    let value = event.value();
    let input = match f {
        ":read" => match value {
            [(_, "nil")] => RegisterInput::Read,
            _ => return Err(event.error(3, "`nil` as the argument of an :invoke :read")),
        },
        ":write" => match value {
            [(_, v)] => RegisterInput::Write {
                value: parse_int(v).ok_or_else(|| event.error(3, "an integer"))?,
            },
            _ => return Err(event.error(3, "one integer to write")),
        },
        _ => {
            let (from, to) = parse_pair(value)
                .map_err(|k| event.error(3 + k, "a pair `[from to]` of integers"))?;
            RegisterInput::Cas { from, to }
        }
    };
    Ok(input)
}

fn parse_read_value(event: &EventLine<'_>) -> Result<Option<i64>> {
    match event.value() {
        [(_, "nil")] => Ok(None),
        [(_, v)] => parse_int(v)
            .map(Some)
            .ok_or_else(|| event.error(3, "an integer or `nil` read")),
        _ => Err(event.error(3, "one value read")),
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

    /// The same events in the three layouts Jepsen writes give the same operations.
    #[test]
    fn jepsen_timestamped_layouts_read_like_plain_ones() {
        let events = [
            "0\t:invoke\t:write\t1",
            "0\t:ok\t:write\t1",
            "1\t:invoke\t:read\tnil",
            "1\t:ok\t:read\t2",
        ];
        let plain: String = events
            .iter()
            .map(|e| format!("INFO  jepsen.util - {e}\n"))
            .collect();
        let log4j: String = events
            .iter()
            .map(|e| format!("2017-03-30 14:11:51,588 INFO  jepsen.util - {e}\n"))
            .collect();
        let unilog: String = events
            .iter()
            .enumerate()
            .map(|(k, e)| {
                format!("2017-03-30 14:11:51,{k:03}{{GMT}}\tINFO\t[jepsen worker {k}] jepsen.util: {e}\n")
            })
            .collect();
        let expected = parse_jepsen_log(&plain, "p.log").expect("plain parses");
        assert_eq!(expected.len(), 2);
        for log in [log4j, unilog] {
            let noisy = format!(
                "2017-03-30 14:11:50,001{{GMT}}\tINFO\t[jepsen test runner] jepsen.core: Running test\n{log}"
            );
            assert_eq!(
                parse_jepsen_log(&noisy, "t.log").expect(&noisy),
                expected,
                "{noisy}"
            );
        }
    }

    #[test]
    fn jepsen_nemesis_lines_are_skipped() {
        let log = "INFO  jepsen.util - 0\t:invoke\t:write\t1\n\
                   INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n\
                   INFO  jepsen.util - :nemesis\t:info\t:start\t\"Cut off {:n1 #{:n2}}\"\n\
                   2017-03-30 14:11:51,588{GMT}\tINFO\t[jepsen nemesis] jepsen.util: :nemesis\t:info\t:stop\t:network-healed\n\
                   INFO  jepsen.util - 0\t:ok\t:write\t1\n";
        let ops = parse_jepsen_log(log, "n.log").expect("nemesis lines are skipped");
        assert_eq!(ops.len(), 1);
        assert_eq!(ops[0].outcome.return_time(), Some(Time(2)));
    }

    #[test]
    fn jepsen_completion_must_repeat_its_call() {
        let pair = |invoke: &str, complete: &str| {
            format!("INFO  jepsen.util - 1\t:invoke\t{invoke}\nINFO  jepsen.util - 1\t{complete}\n")
        };
        let bad = [
            (
                pair(":write\t1", ":ok\t:write\t2"),
                "t.log:2:34: expected `:write 1` as invoked on line 1, found `2`",
            ),
            (
                pair(":cas\t[1 2]", ":ok\t:cas\t[1 3]"),
                "expected `:cas [1 2]` as invoked on line 1",
            ),
            (
                pair(":cas\t[1 2]", ":fail\t:cas\t[2 1]"),
                "or a reason such as `:timed-out`",
            ),
            (
                pair(":write\t1", ":info\t:write\t3"),
                "expected `:write 1` as invoked on line 1",
            ),
            (
                pair(":write\t1", ":ok\t:write\t:timed-out"),
                "expected `:write 1`",
            ),
            (pair(":write\t1", ":ok\t:write"), "expected `:write 1`"),
        ];
        for (log, expected) in bad {
            let err = parse_jepsen_log(&log, "t.log").expect_err(&log).to_string();
            assert!(err.contains(expected), "{log:?}: {err}");
        }
        let good = [
            pair(":write\t1", ":ok\t:write\t1"),
            pair(":cas\t[1 2]", ":fail\t:cas\t[1 2]"),
            pair(":cas\t[1 2]", ":info\t:cas\t:timed-out"),
            pair(":write\t1", ":info\t:write\tnil"),
            pair(":read\tnil", ":fail\t:read\t:timed-out"),
        ];
        for log in good {
            parse_jepsen_log(&log, "t.log").expect(&log);
        }
    }

    #[test]
    fn jepsen_overlapping_calls_name_process_and_both_lines() {
        let log = "INFO  jepsen.util - 4\t:invoke\t:write\t3\nnoise\nINFO  jepsen.util - 4\t:invoke\t:read\tnil\n";
        let err = parse_jepsen_log(log, "o.log")
            .expect_err("overlap")
            .to_string();
        assert_eq!(
            err,
            "o.log:3: client 4's operations overlap: the :read invoked on line 3 begins \
             before the :write 3 invoked on line 1 ended"
        );
    }

    /// Jepsen gives a thread a new process id after an `:info`: the old id calling again
    /// would overlap the indeterminate call, which stays open to the end.
    #[test]
    fn jepsen_call_after_info_by_the_same_process_overlaps() {
        let log = "INFO  jepsen.util - 0\t:invoke\t:cas\t[2 2]\nINFO  jepsen.util - 0\t:info\t:cas\t:timed-out\n\
                   INFO  jepsen.util - 0\t:invoke\t:write\t1\n";
        let err = parse_jepsen_log(log, "i.log")
            .expect_err("overlap")
            .to_string();
        assert_eq!(
            err,
            "i.log:3: client 0's operations overlap: the :write 1 invoked on line 3 begins before \
             the :cas [2 2] invoked on line 1 (left open to the end by its :info on line 2) ended"
        );
        let again = "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:info\t:read\t:timed-out\n\
                     INFO  jepsen.util - 0\t:ok\t:read\tnil\n";
        let err = parse_jepsen_log(again, "i.log")
            .expect_err("second completion")
            .to_string();
        assert!(err.contains("return without call"), "{err}");
        // The same thread as a new process (Jepsen's way) is fine.
        let renamed = log.replace("- 0\t:invoke\t:write", "- 5\t:invoke\t:write");
        let ops = parse_jepsen_log(&renamed, "i.log").expect("a new process");
        assert_eq!(ops[0].outcome, Outcome::Pending);
    }

    #[test]
    fn jepsen_without_operations_is_an_error_naming_the_format() {
        let cases = [
            ("", "e.log: no operations read as a Jepsen etcd log"),
            ("{:process 0, :type :invoke, :f :get, :key \"0\", :value nil}\n", "read as a Jepsen etcd log"),
            ("INFO  jepsen.util - :nemesis\t:info\t:start\tnil\n", "read as a Jepsen etcd log"),
            (
                "INFO  jepsen.util - 1\t:invoke\t:write\t3\nINFO  jepsen.util - 1\t:fail\t:write\t3\n",
                "e.log: no operations read as a Jepsen etcd log (1 read, all :fail",
            ),
        ];
        for (log, expected) in cases {
            let err = parse_jepsen_log(log, "e.log").expect_err(log);
            assert!(matches!(err, Error::Empty { .. }), "{err:?}");
            assert!(err.to_string().contains(expected), "{err}");
        }
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
