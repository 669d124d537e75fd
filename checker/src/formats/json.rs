//! raftsim's own history file: JSON, one operation per line.
//!
//! ```text
//! {"format": "raftsim-history", "version": 1, "model": "kv", "ops": [
//! {"client": 0, "call": 100, "return": 250, "status": "ok", "input": {...}, "output": {...}},
//! {"client": 1, "call": 120, "return": 300, "status": "unknown", "input": {...}},
//! {"client": 2, "call": 130, "status": "pending", "input": {...}}
//! ]}
//! ```
//! `status` is the explicit marker of how an operation ended: `ok` (returned `output` at
//! `return`), `unknown` (returned at `return`, output unknown) or `pending` (never
//! returned: no `return`, no `output`). Times are unsigned integers in any unit (raftsim
//! writes virtual nanoseconds); `return >= call`. A client has at most one operation
//! outstanding: each of its calls comes at or after its previous return (at the same
//! instant counts as after), and a pending operation is its client's last. Inputs and
//! outputs are the model's (see [`crate::KvInput`], [`crate::RegisterInput`] and their
//! outputs). A history needs at least one operation.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use super::error::{Error, Result};
use super::format::Format;
use crate::history::{client_overlap, ClientId, Operation, Outcome, Time};

/// The value of the `format` field.
pub const JSON_FORMAT: &str = "raftsim-history";
/// The version this crate reads and writes.
pub const JSON_VERSION: u32 = 1;

/// A history read from a raftsim JSON file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonHistory<I, O> {
    /// The model the history is meant for (`kv`, `register`, ...).
    pub model: String,
    /// The operations, in file order.
    pub ops: Vec<Operation<I, O>>,
}

#[derive(Deserialize)]
struct Header {
    format: String,
    version: u32,
    model: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHistory<I, O> {
    format: String,
    version: u32,
    model: String,
    ops: Vec<RawOp<I, O>>,
}

#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "snake_case")]
enum Status {
    Ok,
    Unknown,
    Pending,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOp<I, O> {
    client: u64,
    call: u64,
    #[serde(rename = "return", default, skip_serializing_if = "Option::is_none")]
    ret: Option<u64>,
    status: Status,
    input: I,
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    output: Option<O>,
}

fn none<O>() -> Option<O> {
    None
}

impl<I, O> RawOp<I, O> {
    fn into_operation(self) -> std::result::Result<Operation<I, O>, String> {
        let outcome = match (self.status, self.ret, self.output) {
            (Status::Ok, Some(at), Some(output)) => Outcome::Returned {
                output,
                at: Time(at),
            },
            (Status::Ok, None, _) => return Err("a `return` time for status ok".into()),
            (Status::Ok, _, None) => return Err("an `output` for status ok".into()),
            (Status::Unknown, Some(at), None) => Outcome::Unknown { at: Time(at) },
            (Status::Unknown, None, _) => return Err("a `return` time for status unknown".into()),
            (Status::Unknown, _, Some(_)) => return Err("no `output` for status unknown".into()),
            (Status::Pending, None, None) => Outcome::Pending,
            (Status::Pending, _, _) => {
                return Err("neither `return` nor `output` for status pending".into())
            }
        };
        let op = Operation {
            client: ClientId(self.client),
            input: self.input,
            call: Time(self.call),
            outcome,
        };
        if !op.is_well_formed() {
            return Err(format!(
                "a `return` time at or after the call time {}",
                self.call
            ));
        }
        Ok(op)
    }
}

/// Reads only the `model` named in a raftsim JSON history (to choose a model).
///
/// # Errors
/// [`Error::Syntax`] if the text is not a raftsim JSON history.
pub fn json_model(text: &str, file: &str) -> Result<String> {
    let header: Header = serde_json::from_str(text).map_err(|e| json_error(&e, file))?;
    check_header(&header.format, header.version, file)?;
    Ok(header.model)
}

/// Reads a raftsim JSON history.
///
/// # Errors
/// [`Error::Syntax`] with line and column for invalid JSON, a wrong `format` or `version`,
/// an input or output the model does not know, or an inconsistent operation (e.g. status
/// `ok` without `return`, or `return` before `call`); [`Error::Overlap`] if two
/// operations of one client overlap; [`Error::Empty`] if `ops` is empty.
pub fn parse_json<I: DeserializeOwned, O: DeserializeOwned>(
    text: &str,
    file: &str,
) -> Result<JsonHistory<I, O>> {
    json_model(text, file)?;
    let raw: RawHistory<I, O> = serde_json::from_str(text).map_err(|e| json_error(&e, file))?;
    check_header(&raw.format, raw.version, file)?;
    let mut ops = Vec::with_capacity(raw.ops.len());
    for (k, op) in raw.ops.into_iter().enumerate() {
        let op = op.into_operation().map_err(|expected| {
            let (line, column) = op_position(text, k);
            Error::Syntax {
                file: file.to_string(),
                line,
                column,
                expected,
                found: format!("operation {k}"),
            }
        })?;
        ops.push(op);
    }
    if ops.is_empty() {
        return Err(Error::Empty {
            file: file.to_string(),
            format: Format::Json,
            dropped: 0,
        });
    }
    if let Some(overlap) = client_overlap(&ops) {
        let describe = |k: usize| {
            let op: &Operation<I, O> = &ops[k];
            let line = op_position(text, k).0;
            match op.outcome.return_time() {
                Some(at) => format!(
                    "operation {k} (line {line}: called at {}, returned at {})",
                    op.call.0, at.0
                ),
                None => format!(
                    "operation {k} (line {line}: called at {}, never returned)",
                    op.call.0
                ),
            }
        };
        return Err(Error::Overlap {
            file: file.to_string(),
            line: op_position(text, overlap.second).0,
            client: overlap.client.0,
            first: describe(overlap.first),
            second: describe(overlap.second),
        });
    }
    Ok(JsonHistory {
        model: raw.model,
        ops,
    })
}

/// Writes a raftsim JSON history (one operation per line) for `model`.
///
/// # Errors
/// Only if serialising an input or output fails (never for the built-in models).
pub fn to_json<I: Serialize + Clone, O: Serialize + Clone>(
    model: &str,
    ops: &[Operation<I, O>],
) -> serde_json::Result<String> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{{\"format\": {}, \"version\": {JSON_VERSION}, \"model\": {}, \"ops\": [",
        serde_json::to_string(JSON_FORMAT)?,
        serde_json::to_string(model)?
    );
    for (k, op) in ops.iter().enumerate() {
        let (status, ret, output) = match &op.outcome {
            Outcome::Returned { output, at } => (Status::Ok, Some(at.0), Some(output.clone())),
            Outcome::Unknown { at } => (Status::Unknown, Some(at.0), None),
            Outcome::Pending => (Status::Pending, None, None),
        };
        let raw = RawOp {
            client: op.client.0,
            call: op.call.0,
            ret,
            status,
            input: op.input.clone(),
            output,
        };
        let sep = if k + 1 < ops.len() { "," } else { "" };
        let _ = writeln!(out, "{}{sep}", serde_json::to_string(&raw)?);
    }
    out.push_str("]}\n");
    Ok(out)
}

fn check_header(format: &str, version: u32, file: &str) -> Result<()> {
    if format != JSON_FORMAT {
        return Err(Error::Syntax {
            file: file.into(),
            line: 1,
            column: 1,
            expected: format!("\"format\": \"{JSON_FORMAT}\""),
            found: format!("{format:?}"),
        });
    }
    if version != JSON_VERSION {
        return Err(Error::Syntax {
            file: file.into(),
            line: 1,
            column: 1,
            expected: format!("\"version\": {JSON_VERSION}"),
            found: version.to_string(),
        });
    }
    Ok(())
}

fn json_error(error: &serde_json::Error, file: &str) -> Error {
    let message = error.to_string();
    // serde_json appends " at line L column C"; keep only what was expected.
    let expected = match message.rfind(" at line ") {
        Some(at) => message[..at].to_string(),
        None => message,
    };
    Error::Syntax {
        file: file.into(),
        line: error.line().max(1),
        column: error.column().max(1),
        expected: "valid raftsim history JSON".into(),
        found: expected,
    }
}

/// Where operation `k` starts, assuming the writer's one-operation-per-line layout (falls
/// back to the line of the `ops` array otherwise).
fn op_position(text: &str, k: usize) -> (usize, usize) {
    let ops_line = text
        .lines()
        .position(|l| l.contains("\"ops\""))
        .unwrap_or(0);
    let mut seen = 0;
    for (number, line) in text.lines().enumerate().skip(ops_line + 1) {
        if line.trim_start().starts_with('{') {
            if seen == k {
                return (number + 1, line.len() - line.trim_start().len() + 1);
            }
            seen += 1;
        }
    }
    (ops_line + 1, 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kv::{KvInput, KvOp, KvOutput};

    fn kv_ops() -> Vec<Operation<KvInput, KvOutput>> {
        let input = |op, key: &str, value: &str| KvInput {
            op,
            key: key.into(),
            value: value.into(),
        };
        vec![
            Operation {
                client: ClientId(0),
                input: input(KvOp::Put, "a", "1"),
                call: Time(0),
                outcome: Outcome::Returned {
                    output: KvOutput {
                        value: String::new(),
                    },
                    at: Time(5),
                },
            },
            Operation {
                client: ClientId(1),
                input: input(KvOp::Get, "a", ""),
                call: Time(3),
                outcome: Outcome::Unknown { at: Time(9) },
            },
            Operation {
                client: ClientId(2),
                input: input(KvOp::Append, "b", "x\"y"),
                call: Time(4),
                outcome: Outcome::Pending,
            },
        ]
    }

    #[test]
    fn json_round_trip_is_exact() {
        let ops = kv_ops();
        let text = to_json("kv", &ops).expect("serialises");
        assert_eq!(json_model(&text, "h.json").expect("header"), "kv");
        let back: JsonHistory<KvInput, KvOutput> = parse_json(&text, "h.json").expect("parses");
        assert_eq!(back.model, "kv");
        assert_eq!(back.ops, ops);
        assert!(text.contains("\"status\":\"pending\""), "{text}");
    }

    /// (call, return or pending).
    type Span = (u64, Option<u64>);

    /// A history of client 0 with the given spans, one operation per line.
    fn intervals(spans: &[Span]) -> String {
        let ops: Vec<String> = spans
            .iter()
            .map(|&(call, ret)| match ret {
                Some(ret) => format!("{{\"client\":0,\"call\":{call},\"return\":{ret},\"status\":\"ok\",\"input\":{{\"op\":\"get\",\"key\":\"k\"}},\"output\":{{\"value\":\"\"}}}}"),
                None => format!("{{\"client\":0,\"call\":{call},\"status\":\"pending\",\"input\":{{\"op\":\"get\",\"key\":\"k\"}}}}"),
            })
            .collect();
        format!(
            "{{\"format\": \"raftsim-history\", \"version\": 1, \"model\": \"kv\", \"ops\": [\n{}\n]}}\n",
            ops.join(",\n")
        )
    }

    #[test]
    fn json_client_operations_may_touch_but_not_overlap() {
        let ok: [&[Span]; 3] = [
            &[(0, Some(10)), (10, Some(20))],
            &[(10, Some(20)), (0, Some(10)), (20, None)],
            &[(5, Some(5)), (5, Some(7))],
        ];
        for spans in ok {
            parse_json::<KvInput, KvOutput>(&intervals(spans), "h.json")
                .unwrap_or_else(|e| panic!("{spans:?}: {e}"));
        }
        let bad: [(&[Span], &str); 3] = [
            (
                &[(0, Some(10)), (9, Some(20))],
                "h.json:3: client 0's operations overlap: operation 1 (line 3: called at 9, \
                 returned at 20) begins before operation 0 (line 2: called at 0, returned at 10) ended",
            ),
            (
                &[(0, None), (30, Some(40))],
                "h.json:3: client 0's operations overlap: operation 1 (line 3: called at 30, \
                 returned at 40) begins before operation 0 (line 2: called at 0, never returned) ended",
            ),
            (
                &[(50, Some(60)), (0, Some(100))],
                "h.json:2: client 0's operations overlap: operation 0 (line 2: called at 50, \
                 returned at 60) begins before operation 1 (line 3: called at 0, returned at 100) ended",
            ),
        ];
        for (spans, expected) in bad {
            let err =
                parse_json::<KvInput, KvOutput>(&intervals(spans), "h.json").expect_err(expected);
            assert_eq!(err.to_string(), expected);
        }
    }

    #[test]
    fn json_without_operations_is_an_error() {
        let text = to_json::<KvInput, KvOutput>("kv", &[]).expect("serialises");
        let err = parse_json::<KvInput, KvOutput>(&text, "e.json").expect_err("empty");
        assert_eq!(
            err.to_string(),
            "e.json: no operations read as a raftsim JSON history"
        );
    }

    #[test]
    fn json_malformed_gives_positions() {
        let good = to_json("kv", &kv_ops()).expect("serialises");
        let cases = [
            (good.replace("\"put\"", "\"putx\""), "h.json:2:"),
            (
                good.replace("\"return\":9,", ""),
                "h.json:3:1: expected a `return` time for status unknown",
            ),
            (
                good.replace("\"call\":3", "\"call\":30"),
                "h.json:3:1: expected a `return` time at or after",
            ),
            (
                good.replace("raftsim-history", "other"),
                "expected \"format\"",
            ),
            (good[..good.len() / 2].to_string(), "h.json:"),
            (good.replace("\"client\":0", "\"client\":-1"), "h.json:2:"),
        ];
        for (text, expected) in cases {
            let err = parse_json::<KvInput, KvOutput>(&text, "h.json")
                .expect_err(&text)
                .to_string();
            assert!(err.contains(expected), "{err}\n{text}");
        }
    }
}
