//! checker: a linearizability checker in the style of Porcupine, faster, with explanations.
//!
//! A history is a list of [`Operation`]s (client, input, call time, and how it ended) or an
//! ordered list of call/return [`Event`]s. [`check_operations`] judges it against a
//! [`Model`] (a sequential specification) and returns a [`CheckResult`]: a [`Verdict`]
//! (`Ok`, `Illegal`, or `Unknown` when a timeout or cache limit stopped it) and, per
//! partition, the longest linearizable prefix, from which [`CheckResult::explain`] builds a
//! human explanation and [`to_html`] a self-contained visual report.
//!
//! The search is Lowe's just-in-time linearization over Wing & Gong's algorithm with a
//! memo cache of (linearized set, state) in space linear in the history, iterative, per
//! partition (P-compositionality), deterministic, greedy for reads (see
//! [`Model::is_read_only`]), and it abandons a configuration as soon as one of the next
//! reads can never become legal (see [`Model::can_become_legal`]). Intervals are closed
//! across clients; each client's operations are in sequence (see [`ClientId`]).
//!
//! Built-in models: [`KvModel`] (MIT 6.5840 get/put/append, partitioned by key) and
//! [`RegisterModel`] (read/write/CAS, the etcd model of the Jepsen logs). Readers and
//! writers: raftsim JSON ([`parse_json`], [`to_json`]), Porcupine KV EDN ([`parse_kv_edn`],
//! [`to_kv_edn`]) and Jepsen etcd logs ([`parse_jepsen_log`]); [`decode_utf8`] and
//! [`Format::detect`] take a file's bytes to one of them. Every reader rejects a history in
//! which a client's operations overlap ([`client_overlap`]) or that holds no operation.
//!
//! ```
//! use checker::*;
//! let put = KvInput { op: KvOp::Put, key: "k".into(), value: "v".into() };
//! let get = KvInput { op: KvOp::Get, key: "k".into(), value: String::new() };
//! let returned = |value: &str, at| Outcome::Returned { output: KvOutput { value: value.into() }, at: Time(at) };
//! let history = vec![
//!     Operation { client: ClientId(0), input: put, call: Time(0), outcome: returned("", 10) },
//!     // Reads "" although it starts after the put returned: not linearizable.
//!     Operation { client: ClientId(1), input: get, call: Time(20), outcome: returned("", 30) },
//! ];
//! let result = check_operations(&KvModel::new(), &history, &CheckOptions::default());
//! assert_eq!(result.verdict, Verdict::Illegal);
//! let why = result.explain_first_failure(&KvModel::new(), &history).expect("a failing partition");
//! assert_eq!(why.prefix.len(), 1); // put
//! assert_eq!(why.rejected[0].op, 1); // the get cannot come next
//! let html = to_html(&KvModel::new(), &history, &result, "example");
//! assert!(html.contains("<svg"));
//! ```
#![deny(missing_docs)]

mod api;
mod bitset;
mod explain;
mod formats;
mod history;
mod html;
mod kv;
mod links;
mod memo;
mod model;
mod register;
mod search;
mod spelling;
mod table;
mod timeline;

pub use api::{
    check_events, check_operations, CheckOptions, CheckResult, CheckedEvents, PartitionResult,
    PartitionVerdict, Scope, Verdict, DEFAULT_CACHE_LIMIT,
};
pub use explain::{ExplainedStep, ImpossibleOp, PartitionExplanation, RejectedOp};
pub use formats::{
    decode_utf8, json_model, parse_jepsen_log, parse_json, parse_kv_edn, to_json, to_kv_edn, Error,
    Format, JsonHistory, Position, Result, JSON_FORMAT, JSON_VERSION, PORCUPINE_LINE_BYTES_MAX,
};
pub use history::{
    client_overlap, events_from_operations, operations_from_events, ClientId, ClientOverlap, Event,
    EventError, EventKind, History, OpId, Operation, Outcome, Time,
};
pub use html::to_html;
pub use kv::{KvInput, KvModel, KvOp, KvOutput, KvState};
pub use model::{Model, Next};
pub use register::{RegisterInput, RegisterModel, RegisterOutput};
pub use search::Limit;
