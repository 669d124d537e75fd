//! Readers and writers of history files: raftsim JSON, Porcupine KV EDN and Jepsen etcd
//! logs, and how a file's bytes become one of them.
//!
//! This module depends on the core (histories and the built-in models' inputs and
//! outputs); the core never depends on it, so a history built in memory never meets a
//! parser's error type.

mod calls;
mod detect;
mod edn;
mod error;
mod format;
mod jepsen;
mod json;
mod text;

pub use edn::{parse_kv_edn, to_kv_edn, PORCUPINE_LINE_BYTES_MAX};
pub use error::{Error, Position, Result};
pub use format::Format;
pub use jepsen::parse_jepsen_log;
pub use json::{json_model, parse_json, to_json, JsonHistory, JSON_FORMAT, JSON_VERSION};
pub use text::decode_utf8;
