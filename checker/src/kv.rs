//! The MIT 6.5840 key/value model: get, put, append, append-returning-previous.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

use crate::history::Operation;
use crate::model::{Model, Next};

/// A key/value operation kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KvOp {
    /// Read a key; the output is its value ("" if never written).
    Get,
    /// Replace a key's value.
    Put,
    /// Append to a key's value (the output is ignored).
    Append,
    /// Append to a key's value; the output is the value before the append (6.5840, 2024).
    AppendReturningPrevious,
}

/// A key/value request.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KvInput {
    /// What to do.
    pub op: KvOp,
    /// Which key.
    pub key: String,
    /// The argument of put and append; ignored (conventionally "") for get.
    #[serde(default)]
    pub value: String,
}

/// A key/value response.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KvOutput {
    /// The value read (get, append-returning-previous); "" otherwise.
    #[serde(default)]
    pub value: String,
}

/// The state of the KV model: the non-empty values, sorted by key. Values are shared
/// (`Arc`) so that cloning a state is cheap.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct KvState {
    entries: Vec<(Arc<str>, Arc<str>)>,
}

impl KvState {
    /// The value of `key` ("" if never written).
    pub fn get(&self, key: &str) -> &str {
        match self.entries.binary_search_by(|(k, _)| (**k).cmp(key)) {
            Ok(at) => &self.entries[at].1,
            Err(_) => "",
        }
    }

    fn with(&self, key: &str, value: String) -> KvState {
        let mut entries = self.entries.clone();
        match entries.binary_search_by(|(k, _)| (**k).cmp(key)) {
            Ok(at) if value.is_empty() => {
                entries.remove(at);
            }
            Ok(at) => entries[at].1 = Arc::from(value),
            Err(_) if value.is_empty() => {}
            Err(at) => entries.insert(at, (Arc::from(key), Arc::from(value))),
        }
        KvState { entries }
    }
}

/// The 6.5840 KV model. [`KvModel::new`] partitions by key (keys are independent);
/// [`KvModel::unpartitioned`] checks the whole map at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KvModel {
    partitioned: bool,
}

impl KvModel {
    /// The model, partitioned by key.
    pub fn new() -> KvModel {
        KvModel { partitioned: true }
    }

    /// The model without partitioning (much slower; for comparison).
    pub fn unpartitioned() -> KvModel {
        KvModel { partitioned: false }
    }
}

impl Default for KvModel {
    fn default() -> Self {
        KvModel::new()
    }
}

impl Model for KvModel {
    type State = KvState;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> KvState {
        KvState::default()
    }

    fn step(&self, state: &KvState, input: &KvInput, output: Option<&KvOutput>) -> Next<KvState> {
        let current = state.get(&input.key);
        // An unknown output (a call that never returned) matches any value read.
        let reads_current = output.is_none_or_value(current);
        match input.op {
            KvOp::Get if reads_current => Next::One(state.clone()),
            KvOp::Get => Next::Illegal,
            KvOp::Put => Next::One(state.with(&input.key, input.value.clone())),
            KvOp::Append => Next::One(state.with(&input.key, format!("{current}{}", input.value))),
            KvOp::AppendReturningPrevious if reads_current => {
                Next::One(state.with(&input.key, format!("{current}{}", input.value)))
            }
            KvOp::AppendReturningPrevious => Next::Illegal,
        }
    }

    fn is_read_only(&self, input: &KvInput, _output: Option<&KvOutput>) -> bool {
        input.op == KvOp::Get
    }

    fn partition(&self, ops: &[Operation<KvInput, KvOutput>]) -> Vec<Vec<usize>> {
        if !self.partitioned {
            return vec![(0..ops.len()).collect()];
        }
        let mut by_key: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (k, op) in ops.iter().enumerate() {
            by_key.entry(op.input.key.as_str()).or_default().push(k);
        }
        by_key.into_values().collect()
    }

    fn describe_operation(&self, input: &KvInput, output: Option<&KvOutput>) -> String {
        let out = |o: Option<&KvOutput>| match o {
            Some(o) => format!("{:?}", o.value),
            None => "?".to_string(),
        };
        match input.op {
            KvOp::Get => format!("get({:?}) -> {}", input.key, out(output)),
            KvOp::Put => format!("put({:?}, {:?})", input.key, input.value),
            KvOp::Append => format!("append({:?}, {:?})", input.key, input.value),
            KvOp::AppendReturningPrevious => {
                format!("append_prev({:?}, {:?}) -> {}", input.key, input.value, out(output))
            }
        }
    }

    fn describe_state(&self, state: &KvState) -> String {
        if self.partitioned && state.entries.len() <= 1 {
            return match state.entries.first() {
                Some((_, value)) => format!("{value:?}"),
                None => "\"\"".to_string(),
            };
        }
        let parts: Vec<String> =
            state.entries.iter().map(|(k, v)| format!("{k:?}: {v:?}")).collect();
        format!("{{{}}}", parts.join(", "))
    }
}

trait OutputMatch {
    fn is_none_or_value(&self, value: &str) -> bool;
}

impl OutputMatch for Option<&KvOutput> {
    fn is_none_or_value(&self, value: &str) -> bool {
        match self {
            Some(output) => output.value == value,
            None => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(op: KvOp, key: &str, value: &str) -> KvInput {
        KvInput { op, key: key.into(), value: value.into() }
    }
    fn out(value: &str) -> KvOutput {
        KvOutput { value: value.into() }
    }

    #[test]
    fn kv_step_table() {
        let model = KvModel::new();
        let s0 = model.init();
        let s1 = match model.step(&s0, &input(KvOp::Put, "k", "a"), Some(&out(""))) {
            Next::One(s) => s,
            other => panic!("put: {other:?}"),
        };
        assert_eq!(s1.get("k"), "a");
        let cases: Vec<(KvOp, &str, Option<&str>, Option<&str>)> = vec![
            (KvOp::Get, "", Some("a"), Some("a")),
            (KvOp::Get, "", Some("b"), None),
            (KvOp::Get, "", None, Some("a")),
            (KvOp::Append, "b", Some(""), Some("ab")),
            (KvOp::AppendReturningPrevious, "b", Some("a"), Some("ab")),
            (KvOp::AppendReturningPrevious, "b", Some("x"), None),
            (KvOp::AppendReturningPrevious, "b", None, Some("ab")),
            (KvOp::Put, "", Some(""), Some("")),
        ];
        for (op, value, output, expected) in cases {
            let output = output.map(out);
            let got = model.step(&s1, &input(op, "k", value), output.as_ref());
            match (got, expected) {
                (Next::One(s), Some(v)) => assert_eq!(s.get("k"), v, "{op:?} {value}"),
                (Next::Illegal, None) => {}
                (got, expected) => panic!("{op:?} {value}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn kv_empty_value_equals_missing_key() {
        let model = KvModel::unpartitioned();
        let s = match model.step(&model.init(), &input(KvOp::Put, "k", ""), None) {
            Next::One(s) => s,
            other => panic!("put: {other:?}"),
        };
        assert_eq!(s, model.init());
    }
}
