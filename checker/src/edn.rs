//! Reader and writer for Porcupine's KV logs: one EDN map per line, e.g.
//! `{:process 0, :type :invoke, :f :append, :key "0", :value "x 0 0 y"}`.
//!
//! Recognised keys: `:process` (integer), `:type` (`:invoke`, `:ok`, `:info`, `:fail`), `:f`
//! (`:get`, `:put`, `:append`, and raftsim's `:append-returning-previous`), `:key` (string)
//! and `:value` (string or `nil`); other keys with scalar values are ignored. `:info` leaves
//! the call pending; `:fail` means the operation did not happen and drops it. Line `k`
//! happens at time `k`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::error::{excerpt, Position, Result};
use crate::history::{events_from_operations, ClientId, EventKind, Operation, Outcome, Time};
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

/// Reads a Porcupine KV EDN log into KV operations, in call order.
///
/// # Errors
/// [`crate::Error::Syntax`] with line and column for malformed EDN, missing or mistyped
/// keys, unknown `:f` or `:type`, a completion without a call, or a second outstanding call.
pub fn parse_kv_edn(text: &str, file: &str) -> Result<Vec<Operation<KvInput, KvOutput>>> {
    let mut ops: Vec<Option<Operation<KvInput, KvOutput>>> = Vec::new();
    let mut open: BTreeMap<i64, usize> = BTreeMap::new();
    for (number, text_line) in text.lines().enumerate() {
        if text_line.trim().is_empty() {
            continue;
        }
        let pos = |offset: usize| Position::in_line(number + 1, text_line, offset);
        let line = parse_map(text_line, number + 1, file)?;
        let field = |name: &str| line.fields.get(name);
        let missing = |name: &str| pos(line.end).error(file, format!("a `{name}` entry"), "`}`");
        let process = match field(":process") {
            Some((_, Scalar::Int(p))) => *p,
            Some((at, other)) => {
                return Err(pos(*at).error(file, "an integer :process", format!("{other:?}")))
            }
            None => return Err(missing(":process")),
        };
        let keyword = |name: &str| match field(name) {
            Some((at, Scalar::Keyword(k))) => Ok((*at, k.as_str())),
            Some((at, other)) => {
                Err(pos(*at).error(file, format!("a keyword {name}"), format!("{other:?}")))
            }
            None => Err(missing(name)),
        };
        let (type_at, kind) = keyword(":type")?;
        let (f_at, f) = keyword(":f")?;
        let op = match f {
            ":get" => KvOp::Get,
            ":put" => KvOp::Put,
            ":append" => KvOp::Append,
            ":append-returning-previous" => KvOp::AppendReturningPrevious,
            other => {
                return Err(pos(f_at).error(
                    file,
                    "one of :get :put :append :append-returning-previous",
                    excerpt(other),
                ))
            }
        };
        let key = match field(":key") {
            Some((_, Scalar::Str(k))) => k.clone(),
            Some((at, other)) => {
                return Err(pos(*at).error(file, "a string :key", format!("{other:?}")))
            }
            None => return Err(missing(":key")),
        };
        let value = match field(":value") {
            Some((_, Scalar::Str(v))) => v.clone(),
            Some((_, Scalar::Nil)) | None => String::new(),
            Some((at, other)) => {
                return Err(pos(*at).error(file, "a string or nil :value", format!("{other:?}")))
            }
        };
        let now = Time(number as u64);
        if kind == ":invoke" {
            if open.contains_key(&process) {
                return Err(pos(type_at).error(
                    file,
                    format!("a completion of process {process}'s outstanding call"),
                    "`:invoke`",
                ));
            }
            let input = KvInput {
                op,
                value: if op == KvOp::Get {
                    String::new()
                } else {
                    value
                },
                key,
            };
            open.insert(process, ops.len());
            ops.push(Some(Operation {
                client: ClientId(process as u64),
                input,
                call: now,
                outcome: Outcome::Pending,
            }));
            continue;
        }
        if !matches!(kind, ":ok" | ":info" | ":fail") {
            return Err(pos(type_at).error(file, "one of :invoke :ok :info :fail", excerpt(kind)));
        }
        let Some(index) = open.remove(&process) else {
            return Err(pos(type_at).error(
                file,
                format!(
                    "an :invoke by process {process} before this completion (return without call)"
                ),
                excerpt(kind),
            ));
        };
        let Some(call) = ops[index].as_mut() else {
            return Err(pos(type_at).error(file, "an open call", "a dropped call"));
        };
        if call.input.op != op || call.input.key != key {
            return Err(pos(f_at).error(
                file,
                format!(
                    "{:?} of key {:?} as invoked by process {process}",
                    call.input.op, call.input.key
                ),
                excerpt(f),
            ));
        }
        match kind {
            ":ok" => {
                let value = if matches!(op, KvOp::Get | KvOp::AppendReturningPrevious) {
                    value
                } else {
                    String::new()
                };
                call.outcome = Outcome::Returned {
                    output: KvOutput { value },
                    at: now,
                };
            }
            ":fail" => ops[index] = None,
            _ => {} // :info: indeterminate, stays pending.
        }
    }
    Ok(ops.into_iter().flatten().collect())
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
        let mut out = String::new();
        let mut chars = text.get(at + 1..)?.char_indices();
        while let Some((k, c)) = chars.next() {
            match c {
                '"' => return Some((Scalar::Str(out), at + 1 + k + 1)),
                '\\' => out.push(match chars.next()?.1 {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    c @ ('"' | '\\') => c,
                    _ => return None,
                }),
                c => out.push(c),
            }
        }
        return None;
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

/// Writes KV operations as a Porcupine KV EDN log (one event per line, calls before
/// returns at equal times). An operation whose output is unknown gets an `:info` line at
/// its return time (or at the end if it never returned): readers leave it pending.
pub fn to_kv_edn(ops: &[Operation<KvInput, KvOutput>]) -> String {
    let mut out = String::new();
    for event in events_from_operations(ops) {
        let op = &ops[event.id.0 as usize];
        let (kind, value) = match &event.kind {
            EventKind::Call(input) if input.op == KvOp::Get => (":invoke", None),
            EventKind::Call(input) => (":invoke", Some(input.value.as_str())),
            EventKind::Return(None) => (":info", None),
            EventKind::Return(Some(output)) => match op.input.op {
                KvOp::Get | KvOp::AppendReturningPrevious => (":ok", Some(output.value.as_str())),
                KvOp::Put | KvOp::Append => (":ok", Some(op.input.value.as_str())),
            },
        };
        write_line(&mut out, op, kind, value);
    }
    for op in ops.iter().filter(|op| op.outcome == Outcome::Pending) {
        write_line(&mut out, op, ":info", None);
    }
    out
}

fn write_line(
    out: &mut String,
    op: &Operation<KvInput, KvOutput>,
    kind: &str,
    value: Option<&str>,
) {
    let f = match op.input.op {
        KvOp::Get => ":get",
        KvOp::Put => ":put",
        KvOp::Append => ":append",
        KvOp::AppendReturningPrevious => ":append-returning-previous",
    };
    let value = value.map_or("nil".to_string(), quote);
    let _ = writeln!(
        out,
        "{{:process {}, :type {kind}, :f {f}, :key {}, :value {value}}}",
        op.client.0,
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
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
