//! Reader and writer for Porcupine's KV logs: one EDN map per line, e.g.
//! `{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}`.
//!
//! Recognised keys: `:process` (integer), `:type` (`:invoke`, `:ok`, `:info`, `:fail`), `:f`
//! (`:get`, `:put`, `:append`, and raftsim's `:append-returning-previous`), `:key` (string)
//! and `:value` (string or `nil`); other keys with scalar values are ignored. Strings take
//! EDN's escapes (`\"`, `\\`, `\n`, `\t`, `\r`, `\b`, `\f`, `\uXXXX`). `:info` leaves the
//! call pending; `:fail` means the operation did not happen and drops it. A completion
//! repeats its call's `:f` and `:key`, and a put's or append's `:ok` its `:value`. A process
//! has at most one call outstanding. Lines of the nemesis (`:process :nemesis`) are not
//! operations and are skipped. Line `k` happens at time `k`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::calls::Calls;
use super::error::{excerpt, Error, Position, Result};
use super::format::Format;
use crate::history::{events_from_operations, EventKind, Operation, Outcome, Time};
use crate::kv::{KvInput, KvOp, KvOutput};

/// One EDN scalar.
#[derive(Clone, Debug, PartialEq)]
enum Scalar {
    Keyword(String),
    Str(String),
    Int(i64),
    Nil,
    Bool(bool),
}

/// One parsed line: its fields with their byte offsets, and the offset of the closing `}`.
struct Line {
    fields: BTreeMap<String, (usize, Scalar)>,
    end: usize,
}

/// One line of the log with what is needed to report errors in it.
struct Entry<'a> {
    file: &'a str,
    number: usize,
    text: &'a str,
    map: Line,
}

impl Entry<'_> {
    fn pos(&self, offset: usize) -> Position {
        Position::in_line(self.number, self.text, offset)
    }

    fn field(&self, name: &str) -> Option<&(usize, Scalar)> {
        self.map.fields.get(name)
    }

    /// An error at the field's position (or at the closing `}` if it is missing).
    fn error(&self, name: &str, expected: impl Into<String>, found: impl Into<String>) -> Error {
        let at = self.field(name).map_or(self.map.end, |f| f.0);
        self.pos(at).error(self.file, expected, found)
    }

    fn missing(&self, name: &str) -> Error {
        self.error(name, format!("a `{name}` entry"), "`}`")
    }

    fn keyword(&self, name: &str) -> Result<&str> {
        match self.field(name) {
            Some((_, Scalar::Keyword(k))) => Ok(k.as_str()),
            Some((_, other)) => {
                Err(self.error(name, format!("a keyword {name}"), format!("{other:?}")))
            }
            None => Err(self.missing(name)),
        }
    }

    /// The `:value`: `None` for `nil` or no entry.
    fn value(&self) -> Result<Option<&str>> {
        match self.field(":value") {
            Some((_, Scalar::Str(v))) => Ok(Some(v.as_str())),
            Some((_, Scalar::Nil)) | None => Ok(None),
            Some((_, other)) => {
                Err(self.error(":value", "a string or nil :value", format!("{other:?}")))
            }
        }
    }
}

/// Reads a Porcupine KV EDN log into KV operations, in call order.
///
/// # Errors
/// [`Error::Syntax`] with line and column for malformed EDN, missing or mistyped
/// keys, unknown `:f` or `:type`, a completion without a call, or one that does not repeat
/// its call; [`Error::Overlap`] for a second call while the process's call is
/// outstanding; [`Error::Empty`] if no operation remains.
pub fn parse_kv_edn(text: &str, file: &str) -> Result<Vec<Operation<KvInput, KvOutput>>> {
    let mut log = Log {
        calls: Calls::new(),
    };
    for (number, text_line) in text.lines().enumerate() {
        if text_line.trim().is_empty() {
            continue;
        }
        let entry = Entry {
            file,
            number: number + 1,
            text: text_line,
            map: parse_map(text_line, number + 1, file)?,
        };
        log.read(&entry, Time(number as u64))?;
    }
    log.calls.finish(file, Format::PorcupineKv)
}

/// The operations read so far.
struct Log {
    calls: Calls<KvInput, KvOutput>,
}

impl Log {
    fn read(&mut self, entry: &Entry<'_>, now: Time) -> Result<()> {
        let process = match entry.field(":process") {
            // The nemesis's own events (partitions, crashes) are not operations.
            Some((_, Scalar::Keyword(k))) if k == ":nemesis" => return Ok(()),
            Some((_, Scalar::Int(p))) => u64::try_from(*p)
                .map_err(|_| entry.error(":process", "a non-negative :process", p.to_string()))?,
            Some((_, other)) => {
                return Err(entry.error(":process", "an integer :process", format!("{other:?}")))
            }
            None => return Err(entry.missing(":process")),
        };
        let kind = entry.keyword(":type")?;
        let op = match entry.keyword(":f")? {
            ":get" => KvOp::Get,
            ":put" => KvOp::Put,
            ":append" => KvOp::Append,
            ":append-returning-previous" => KvOp::AppendReturningPrevious,
            other => {
                let expected = "one of :get :put :append :append-returning-previous";
                return Err(entry.error(":f", expected, excerpt(other)));
            }
        };
        let key = match entry.field(":key") {
            Some((_, Scalar::Str(k))) => k.clone(),
            Some((_, other)) => {
                return Err(entry.error(":key", "a string :key", format!("{other:?}")))
            }
            None => return Err(entry.missing(":key")),
        };
        let value = entry.value()?;
        match kind {
            ":invoke" => self.invoke(entry, process, invoked(op, key, value), now),
            ":ok" | ":info" | ":fail" => self.complete(entry, process, kind, (op, key), now),
            _ => Err(entry.error(":type", "one of :invoke :ok :info :fail", excerpt(kind))),
        }
    }

    fn invoke(&mut self, entry: &Entry<'_>, process: u64, input: KvInput, now: Time) -> Result<()> {
        let place = (entry.file, entry.number);
        self.calls.invoke(place, process, input, now, describe)
    }

    fn complete(
        &mut self,
        entry: &Entry<'_>,
        process: u64,
        kind: &str,
        (op, key): (KvOp, String),
        now: Time,
    ) -> Result<()> {
        let Some((slot, line)) = self.calls.complete(process, entry.number, kind == ":info") else {
            let expected = format!(
                "an :invoke by process {process} before this completion (return without call)"
            );
            return Err(entry.error(":type", expected, excerpt(kind)));
        };
        let Some(call) = slot.as_mut() else {
            return Err(entry.error(":type", "an open call", "a dropped call"));
        };
        if call.input.op != op || call.input.key != key {
            let expected = format!(
                "{} as invoked by process {process} on line {line}",
                describe(&call.input)
            );
            return Err(entry.error(":f", expected, excerpt(entry.text)));
        }
        let value = entry.value()?;
        let writes = matches!(op, KvOp::Put | KvOp::Append);
        // A write's completion repeats what it wrote (`:info` and `:fail` may say `nil`).
        if writes && value != Some(call.input.value.as_str()) && (kind == ":ok" || value.is_some())
        {
            let expected = format!(
                "the :value {:?} as invoked on line {line}",
                call.input.value
            );
            let found = value.map_or_else(|| "nil".to_string(), |v| format!("{v:?}"));
            return Err(entry.error(":value", expected, found));
        }
        match kind {
            ":ok" => {
                let value = if writes {
                    ""
                } else {
                    value.unwrap_or_default()
                };
                call.outcome = Outcome::Returned {
                    output: KvOutput {
                        value: value.to_string(),
                    },
                    at: now,
                };
            }
            ":fail" => *slot = None,
            _ => {} // :info: indeterminate, stays pending.
        }
        Ok(())
    }
}

/// The input of an `:invoke` line: a get's `:value` is ignored (it is `nil`).
fn invoked(op: KvOp, key: String, value: Option<&str>) -> KvInput {
    let value = match op {
        KvOp::Get => String::new(),
        _ => value.unwrap_or_default().to_string(),
    };
    KvInput { op, key, value }
}

/// An input as the log writes it, for error messages: `:append of key "0"`.
fn describe(input: &KvInput) -> String {
    format!("{} of key {}", function(input.op), quote(&input.key))
}

fn function(op: KvOp) -> &'static str {
    match op {
        KvOp::Get => ":get",
        KvOp::Put => ":put",
        KvOp::Append => ":append",
        KvOp::AppendReturningPrevious => ":append-returning-previous",
    }
}

/// Parses one line holding one EDN map of scalars.
fn parse_map(text: &str, line: usize, file: &str) -> Result<Line> {
    let bytes = text.as_bytes();
    let pos = |offset: usize| Position::in_line(line, text, offset);
    let rest = |offset: usize| excerpt(text.get(offset..).unwrap_or(""));
    let skip = |mut at: usize| {
        while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b',') {
            at += 1;
        }
        at
    };
    let mut at = skip(0);
    if bytes.get(at) != Some(&b'{') {
        return Err(pos(at).error(file, "`{` opening an EDN map", rest(at)));
    }
    at += 1;
    let mut fields = BTreeMap::new();
    loop {
        at = skip(at);
        match bytes.get(at) {
            Some(b'}') => break,
            None => return Err(pos(at).error(file, "a key or `}`", rest(at))),
            _ => {}
        }
        let key_at = at;
        let (key, after) =
            parse_scalar(text, at).ok_or_else(|| pos(at).error(file, "a keyword key", rest(at)))?;
        let Scalar::Keyword(key) = key else {
            return Err(pos(key_at).error(file, "a keyword key", rest(key_at)));
        };
        at = skip(after);
        let value_at = at;
        let (value, after) = parse_scalar(text, at)
            .ok_or_else(|| pos(at).error(file, format!("a value for {key}"), rest(at)))?;
        fields.insert(key, (value_at, value));
        at = after;
    }
    let end = at;
    if !text[at + 1..].trim().is_empty() {
        return Err(pos(at + 1).error(file, "end of line after the map", rest(at + 1)));
    }
    Ok(Line { fields, end })
}

/// Parses a scalar starting at byte `at`; returns it and the offset after it.
fn parse_scalar(text: &str, at: usize) -> Option<(Scalar, usize)> {
    let bytes = text.as_bytes();
    if bytes.get(at) == Some(&b'"') {
        return parse_string(text, at);
    }
    let end = text[at..]
        .find(|c: char| c.is_whitespace() || c == ',' || c == '}' || c == '{')
        .map_or(text.len(), |k| at + k);
    let word = &text[at..end];
    let scalar = match word {
        "" => return None,
        "nil" => Scalar::Nil,
        "true" => Scalar::Bool(true),
        "false" => Scalar::Bool(false),
        w if w.starts_with(':') && w.len() > 1 => Scalar::Keyword(w.to_string()),
        w => Scalar::Int(w.parse().ok()?),
    };
    Some((scalar, end))
}

/// Parses a string literal whose opening quote is at byte `at`, with EDN's escapes;
/// returns it and the offset after the closing quote.
fn parse_string(text: &str, at: usize) -> Option<(Scalar, usize)> {
    let mut out = String::new();
    let mut chars = text.get(at + 1..)?.char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '"' => return Some((Scalar::Str(out), at + 1 + k + 1)),
            '\\' => out.push(match chars.next()?.1 {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'b' => '\u{8}',
                'f' => '\u{c}',
                'u' => unicode_escape(&mut chars)?,
                c @ ('"' | '\\') => c,
                _ => return None,
            }),
            c => out.push(c),
        }
    }
    None
}

/// Reads the four hex digits after `\u` (and, for a UTF-16 high surrogate, the `\uXXXX`
/// of its low surrogate, as Clojure writes characters outside the basic plane).
fn unicode_escape(chars: &mut std::str::CharIndices<'_>) -> Option<char> {
    let hex4 = |chars: &mut std::str::CharIndices<'_>| -> Option<u32> {
        let mut unit = 0;
        for _ in 0..4 {
            unit = unit * 16 + chars.next()?.1.to_digit(16)?;
        }
        Some(unit)
    };
    let unit = hex4(chars)?;
    if !(0xD800..0xDC00).contains(&unit) {
        // A lone low surrogate is not a character: `from_u32` refuses it.
        return char::from_u32(unit);
    }
    if chars.next()?.1 != '\\' || chars.next()?.1 != 'u' {
        return None;
    }
    let low = hex4(chars)?;
    if !(0xDC00..0xE000).contains(&low) {
        return None;
    }
    char::from_u32(0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00))
}

/// The longest line, in bytes without its line end, that Porcupine's KV log reader reads:
/// it reads lines with a `bufio.Reader` of the default 4,096 bytes and refuses a line that
/// does not fit with its `\n` (`ReadLine`'s `isPrefix`): `parseKvLog` in Porcupine
/// v1.3.0's `porcupine_test.go` opens the log with `bufio.NewReader(file)` (Go's
/// `defaultBufSize` is 4096) and panics with `can't handle isPrefix`; its `:info` lines
/// match none of its six patterns and are skipped. [`to_kv_edn`] writes longer lines
/// only for values that are longer themselves (a get of a long appended value): see its
/// docs for how to read those.
pub const PORCUPINE_LINE_BYTES_MAX: usize = 4095;

/// Writes KV operations as a Porcupine KV EDN log (one event per line, calls before
/// returns at equal times) that raftsim's reader and Porcupine's KV log reader both read
/// with the verdict raftsim gives the operations.
///
/// - A get (or an append-returning-previous) whose output is unknown (it never returned,
///   or returned without one) is left out: it is legal anywhere, so the verdict is the
///   same without it, whereas Porcupine's reader would take a call left without a return
///   as a read of "" (a false alarm).
/// - A put or append whose output is unknown is written as its `:invoke`, then an `:info`
///   line at its return time (or at the end if it never returned), which both readers
///   leave open to the end of the history: it may take effect at any point after its
///   call, or (linearized last) not at all. What is lost is its return time, when one was
///   known: the exported history allows it to take effect later than it could have, so a
///   violation that needed that bound is no longer seen (never a false alarm). The
///   client's later operations get a fresh `:process` number (past every client's), as
///   Jepsen does after an `:info`, since a process has one call outstanding.
/// - Lines are at most [`PORCUPINE_LINE_BYTES_MAX`] bytes unless a value (or key) is
///   longer than about 4,000 bytes. Porcupine's own reader cannot read such a line
///   (`can't handle isPrefix`); to read the file with it, give its `bufio.NewReader` a
///   larger buffer (`bufio.NewReaderSize(file, 1<<24)`).
pub fn to_kv_edn(ops: &[Operation<KvInput, KvOutput>]) -> String {
    let unknown = |op: &Operation<KvInput, KvOutput>| op.output().is_none();
    let reads = |op: &Operation<KvInput, KvOutput>| {
        matches!(op.input.op, KvOp::Get | KvOp::AppendReturningPrevious)
    };
    let kept: Vec<&Operation<KvInput, KvOutput>> = ops
        .iter()
        .filter(|op| !(unknown(op) && reads(op)))
        .collect();
    let processes = processes(&kept);
    let owned: Vec<Operation<KvInput, KvOutput>> = kept.iter().map(|&op| op.clone()).collect();
    let mut out = String::new();
    for event in events_from_operations(&owned) {
        let k = event.id.0 as usize;
        let op = &owned[k];
        let (kind, value) = match &event.kind {
            EventKind::Call(input) if input.op == KvOp::Get => (":invoke", None),
            EventKind::Call(input) => (":invoke", Some(input.value.as_str())),
            EventKind::Return(None) => (":info", None),
            EventKind::Return(Some(output)) => match op.input.op {
                KvOp::Get | KvOp::AppendReturningPrevious => (":ok", Some(output.value.as_str())),
                KvOp::Put | KvOp::Append => (":ok", Some(op.input.value.as_str())),
            },
        };
        write_line(&mut out, op, processes[k], kind, value);
    }
    for (k, op) in owned.iter().enumerate() {
        if op.outcome == Outcome::Pending {
            write_line(&mut out, op, processes[k], ":info", None);
        }
    }
    out
}

/// The `:process` of each operation: its client's, until an operation of that client is
/// left open by an `:info` or the client calls at the instant its previous operation
/// returned; from then on a fresh number. Lines put calls before returns at equal times
/// (intervals are closed across clients), so such a call comes before that return: under
/// one process number it would overlap it. The fresh number drops the order of those two
/// operations of one client, which only allows more (no false alarm).
fn processes(ops: &[&Operation<KvInput, KvOutput>]) -> Vec<u64> {
    let mut next = ops
        .iter()
        .map(|op| op.client.0.saturating_add(1))
        .max()
        .unwrap_or(0);
    // Per client: its current process number and when its last operation returned.
    let mut current: BTreeMap<u64, (u64, Option<Time>)> = BTreeMap::new();
    let mut order: Vec<usize> = (0..ops.len()).collect();
    order.sort_by_key(|&k| ops[k].call);
    let mut out = vec![0; ops.len()];
    for k in order {
        let op = ops[k];
        let client = op.client.0;
        let (mut process, last_return) = current.get(&client).copied().unwrap_or((client, None));
        if last_return == Some(op.call) {
            process = next;
            next = next.saturating_add(1);
        }
        out[k] = process;
        let returned = match op.outcome {
            Outcome::Returned { at, .. } => Some(at),
            // Left open to the end by `:info`: the client's later calls need a new number.
            Outcome::Unknown { .. } | Outcome::Pending => {
                process = next;
                next = next.saturating_add(1);
                None
            }
        };
        current.insert(client, (process, returned));
    }
    out
}

fn write_line(
    out: &mut String,
    op: &Operation<KvInput, KvOutput>,
    process: u64,
    kind: &str,
    value: Option<&str>,
) {
    let f = function(op.input.op);
    let value = value.map_or("nil".to_string(), quote);
    let _ = writeln!(
        out,
        "{{:process {}, :type {kind}, :f {f}, :key {}, :value {value}}}",
        process,
        quote(&op.input.key)
    );
}

fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            // Other control characters as `\uXXXX`, so that every entry stays on one line.
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::ClientId;

    #[test]
    fn edn_round_trip_keeps_operations() {
        let log = "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x \\\"q\\\" y\"}\n\
                   {:process 1, :type :invoke, :f :get, :key \"0\", :value nil}\n\
                   {:process 0, :type :ok, :f :append, :key \"0\", :value \"x \\\"q\\\" y\"}\n\
                   {:process 1, :type :ok, :f :get, :key \"0\", :value \"\"}\n\
                   {:process 2, :type :invoke, :f :put, :key \"1\", :value \"z\"}\n";
        let ops = parse_kv_edn(log, "t.txt").expect("parses");
        assert_eq!(ops.len(), 3);
        assert_eq!(ops[0].input.value, "x \"q\" y");
        assert_eq!(ops[2].outcome, Outcome::Pending);
        let written = to_kv_edn(&ops);
        let again = parse_kv_edn(&written, "w.txt").expect("reparses");
        assert_eq!(again.len(), 3);
        for (a, b) in ops.iter().zip(&again) {
            assert_eq!(a.input, b.input);
            assert_eq!(a.output(), b.output());
            assert_eq!(a.client, b.client);
        }
        assert!(written.contains(":type :info"), "{written}");
    }

    #[test]
    fn edn_unicode_escapes_are_read() {
        let line = |value: &str| {
            format!("{{:process 0, :type :invoke, :f :put, :key \"k\", :value \"{value}\"}}\n")
        };
        let cases = [
            (r"caf\u00e9", "café"),
            (r"\u00E9\u0041", "éA"),
            (r"\ud83d\ude00!", "😀!"),
            (r"a\bb\fc", "a\u{8}b\u{c}c"),
            (r"\u0000", "\u{0}"),
        ];
        for (escaped, expected) in cases {
            let ops = parse_kv_edn(&line(escaped), "u.txt").expect(escaped);
            assert_eq!(ops[0].input.value, expected, "{escaped}");
        }
        for bad in [
            r"\u00e",
            r"\u00eg",
            r"\ud83d",
            r"\ud83d\u0041",
            r"\ude00",
            r"\x41",
        ] {
            let err = parse_kv_edn(&line(bad), "u.txt")
                .expect_err(bad)
                .to_string();
            assert!(
                err.starts_with("u.txt:1:55: expected a value for :value"),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn edn_writer_escapes_round_trip_any_string() {
        let value = "a\"b\\c\nd\te\rf\u{0}g\u{1b}h\u{7f}i\u{85}jé😀";
        let ops = vec![Operation {
            client: ClientId(3),
            input: KvInput {
                op: KvOp::Put,
                key: value.into(),
                value: value.into(),
            },
            call: Time(0),
            outcome: Outcome::Returned {
                output: KvOutput {
                    value: String::new(),
                },
                at: Time(1),
            },
        }];
        let text = to_kv_edn(&ops);
        assert_eq!(text.lines().count(), 2, "{text}");
        let back = parse_kv_edn(&text, "w.txt").expect(&text);
        assert_eq!(back[0].input, ops[0].input);
    }

    #[test]
    fn edn_completion_must_repeat_its_call() {
        let log = |complete: &str| {
            format!(
                "{{:process 1, :type :invoke, :f :put, :key \"k\", :value \"a\"}}\n{complete}\n"
            )
        };
        let bad = [
            (
                "{:process 1, :type :ok, :f :put, :key \"k\", :value \"b\"}",
                "t.txt:2:51: expected the :value \"a\" as invoked on line 1, found \"b\"",
            ),
            (
                "{:process 1, :type :ok, :f :put, :key \"k\", :value nil}",
                "found nil",
            ),
            (
                "{:process 1, :type :info, :f :put, :key \"k\", :value \"b\"}",
                "expected the :value \"a\"",
            ),
            (
                "{:process 1, :type :ok, :f :put, :key \"j\", :value \"a\"}",
                "expected :put of key \"k\" as invoked by process 1 on line 1",
            ),
            (
                "{:process 1, :type :ok, :f :append, :key \"k\", :value \"a\"}",
                "expected :put of key \"k\" as invoked",
            ),
        ];
        for (complete, expected) in bad {
            let err = parse_kv_edn(&log(complete), "t.txt")
                .expect_err(complete)
                .to_string();
            assert!(
                err.starts_with(expected) || err.contains(expected),
                "{complete}: {err}"
            );
        }
        for good in [
            "{:process 1, :type :ok, :f :put, :key \"k\", :value \"a\"}",
            "{:process 1, :type :info, :f :put, :key \"k\", :value nil}",
            "{:process 1, :type :info, :f :put, :key \"k\"}",
        ] {
            parse_kv_edn(&log(good), "t.txt").expect(good);
        }
    }

    #[test]
    fn edn_overlap_names_process_and_both_lines() {
        let log = "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x\"}\n\
                   {:process :nemesis, :type :info, :f :start, :value nil}\n\
                   {:process 0, :type :invoke, :f :get, :key \"1\", :value nil}\n";
        let err = parse_kv_edn(log, "o.txt").expect_err("overlap").to_string();
        assert_eq!(
            err,
            "o.txt:3: client 0's operations overlap: the :get of key \"1\" invoked on line 3 \
             begins before the :append of key \"0\" invoked on line 1 ended"
        );
    }

    #[test]
    fn edn_call_after_info_by_the_same_process_overlaps() {
        let log = "{:process 2, :type :invoke, :f :append, :key \"0\", :value \"x\"}\n\
                   {:process 2, :type :info, :f :append, :key \"0\", :value nil}\n\
                   {:process 2, :type :invoke, :f :get, :key \"0\", :value nil}\n";
        let err = parse_kv_edn(log, "i.txt").expect_err("overlap").to_string();
        assert!(
            err.starts_with("i.txt:3: client 2's operations overlap: the :get of key \"0\""),
            "{err}"
        );
        assert!(
            err.contains("left open to the end by its :info on line 2"),
            "{err}"
        );
    }

    #[test]
    fn edn_without_operations_is_an_error_naming_the_format() {
        let cases = [
            ("", "e.txt: no operations read as a Porcupine KV EDN log"),
            (
                "\n  \n",
                "e.txt: no operations read as a Porcupine KV EDN log",
            ),
            (
                "{:process :nemesis, :type :info, :f :start, :value nil}",
                "no operations",
            ),
            (
                "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n\
                 {:process 0, :type :fail, :f :put, :key \"k\", :value \"a\"}",
                "e.txt: no operations read as a Porcupine KV EDN log (1 read, all :fail",
            ),
        ];
        for (log, expected) in cases {
            let err = parse_kv_edn(log, "e.txt").expect_err(log);
            assert!(matches!(err, Error::Empty { .. }), "{err:?}");
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn edn_malformed_lines_give_positions() {
        let cases = [
            (
                "{:process 0, :type :invoke, :f :get, :key \"0\"",
                "1:46: expected a key or `}`",
            ),
            (
                "{:process x, :type :invoke}",
                "1:11: expected a value for :process",
            ),
            (
                "{:process 0, :type :invoke, :f :frob, :key \"0\"}",
                "1:32: expected one of :get",
            ),
            (
                "{:process 0, :type :ok, :f :get, :key \"0\", :value \"\"}",
                "return without call",
            ),
            (
                "{:process 0, :type :invoke, :f :get}",
                "1:36: expected a `:key` entry",
            ),
            (
                "{:process 0, :type :invoke, :f :get, :key \"0}",
                "expected a value for :key",
            ),
            ("[1 2]", "1:1: expected `{`"),
            (
                "{:process 0, :type :bogus, :f :get, :key \"0\"}",
                "expected one of :invoke :ok",
            ),
            (
                "{:process 99999999999999999999999, :type :invoke}",
                "expected a value for :process",
            ),
        ];
        for (log, expected) in cases {
            let err = parse_kv_edn(log, "t.txt").expect_err(log).to_string();
            assert!(err.contains(expected), "{log:?}: {err}");
        }
    }
}
