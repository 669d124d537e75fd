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
//! writes virtual nanoseconds); `return >= call`. Inputs and outputs are the model's
//! (see [`crate::KvInput`], [`crate::RegisterInput`] and their outputs).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

use crate::error::{Error, Result};
use crate::history::{ClientId, Operation, Outcome, Time};

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
/// `ok` without `return`, or `return` before `call`).
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
