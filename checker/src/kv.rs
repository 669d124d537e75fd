//! The MIT 6.5840 key/value model: get, put, append, append-returning-previous.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::history::Operation;
use crate::model::{Model, Next};
use crate::spelling::{unspellable_read, Access};

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

/// The state of the KV model: the non-empty values, sorted by key.
///
/// Values are persistent ropes (a value is its predecessor plus an appended piece), so an
/// append costs O(piece), hashing a state O(keys) and comparing states O(keys) in the
/// common case where equal values share their nodes. A value built by appends that never
/// branched also has its whole text in one shared buffer, so comparing it with a read
/// value is one memcmp rather than one per appended piece.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct KvState {
    entries: Vec<(Arc<str>, Value)>,
}

/// A string value as a persistent rope: `prev` followed by `piece`.
#[derive(Clone)]
struct Value(Arc<Node>);

struct Node {
    prev: Option<Value>,
    piece: Box<str>,
    len: usize,
    hash: u64,
    /// The whole text as the first `len` bytes of a buffer shared along a chain of
    /// appends, or `None` past a branch. Appending to the value that ends its buffer
    /// (each state extending the last: the usual case in a recorded history) pushes the
    /// piece in place, which leaves the shorter values' prefixes as they were. A value
    /// appended to a second time (a search that came back and branches) gives its new
    /// child no buffer instead of copying the text; that child reads piece by piece.
    flat: Option<Arc<Mutex<String>>>,
}

/// The base of the polynomial rolling hash of values (odd, so multiplication is a bijection).
const BASE: u64 = 0x100_0000_01B3;

impl Value {
    fn new(prev: Option<Value>, piece: &str) -> Value {
        let (mut hash, mut len) = prev.as_ref().map_or((0, 0), |p| (p.0.hash, p.0.len));
        for byte in piece.bytes() {
            hash = hash.wrapping_mul(BASE).wrapping_add(u64::from(byte) + 1);
        }
        let flat = match &prev {
            None => Some(Arc::new(Mutex::new(piece.to_string()))),
            Some(p) => p.0.flat.as_ref().and_then(|buf| {
                let mut text = lock(buf);
                (text.len() == len).then(|| {
                    text.push_str(piece);
                    buf.clone()
                })
            }),
        };
        len += piece.len();
        Value(Arc::new(Node {
            prev,
            piece: piece.into(),
            len,
            hash,
            flat,
        }))
    }

    /// The pieces, last first.
    fn pieces(&self) -> impl Iterator<Item = &str> {
        let mut node = Some(self);
        std::iter::from_fn(move || {
            let current = node?;
            node = current.0.prev.as_ref();
            Some(&*current.0.piece)
        })
    }

    /// Whether the value's text is `text`: one comparison with the shared buffer if the
    /// value has one, else from the end, piece by piece.
    fn equals_bytes(&self, text: &[u8]) -> bool {
        if self.0.len != text.len() {
            return false;
        }
        if let Some(buf) = &self.0.flat {
            return lock(buf).as_bytes()[..self.0.len] == *text;
        }
        let mut rest = text;
        for piece in self.pieces() {
            match rest.strip_suffix(piece.as_bytes()) {
                Some(shorter) => rest = shorter,
                None => return false,
            }
        }
        rest.is_empty()
    }

    /// Whether the value equals `text`.
    fn equals_str(&self, text: &str) -> bool {
        self.equals_bytes(text.as_bytes())
    }

    /// Whether the value is a prefix of `text`.
    fn is_prefix_of(&self, text: &str) -> bool {
        match text.as_bytes().get(..self.0.len) {
            Some(head) => self.equals_bytes(head),
            None => false,
        }
    }

    fn to_text(&self) -> String {
        if let Some(buf) = &self.0.flat {
            return lock(buf)[..self.0.len].to_string();
        }
        let mut pieces: Vec<&str> = self.pieces().collect();
        pieces.reverse();
        pieces.concat()
    }
}

/// A value's shared buffer. Its first `len` bytes belong to the value; a panic elsewhere
/// cannot have left them half-written (pushes only add after them), so poisoning is
/// ignored.
fn lock(buf: &Mutex<String>) -> MutexGuard<'_, String> {
    buf.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Drops a long chain of predecessors one node at a time, not by recursion, which would
/// exhaust the stack on a key with a long history of appends.
impl Drop for Node {
    fn drop(&mut self) {
        let mut next = self.prev.take();
        while let Some(Value(node)) = next {
            next = match Arc::try_unwrap(node) {
                Ok(mut node) => node.prev.take(),
                Err(_) => None,
            };
        }
    }
}

/// Whether `value` (`None`: "") is a prefix of `text`.
fn none_or_prefix(value: Option<&Value>, text: &str) -> bool {
    match value {
        Some(value) => value.is_prefix_of(text),
        None => true,
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        if Arc::ptr_eq(&self.0, &other.0) {
            return true;
        }
        if self.0.len != other.0.len || self.0.hash != other.0.hash {
            return false;
        }
        // Same pieces on top of a shared node (the usual case), else compare the text.
        let (mut a, mut b) = (self, other);
        loop {
            if a.0.piece != b.0.piece {
                return self.to_text() == other.to_text();
            }
            match (&a.0.prev, &b.0.prev) {
                (Some(pa), Some(pb)) if Arc::ptr_eq(&pa.0, &pb.0) => return true,
                (Some(pa), Some(pb)) => (a, b) = (pa, pb),
                (None, None) => return true,
                _ => return self.to_text() == other.to_text(),
            }
        }
    }
}

impl Eq for Value {}

impl std::hash::Hash for Value {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.0.hash);
        state.write_usize(self.0.len);
    }
}

impl std::fmt::Debug for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.to_text())
    }
}

impl KvState {
    /// The value of `key` ("" if never written).
    pub fn get(&self, key: &str) -> String {
        self.value(key).map_or(String::new(), Value::to_text)
    }

    fn value(&self, key: &str) -> Option<&Value> {
        match self.entries.binary_search_by(|(k, _)| (**k).cmp(key)) {
            Ok(at) => Some(&self.entries[at].1),
            Err(_) => None,
        }
    }

    fn reads(&self, key: &str, text: &str) -> bool {
        match self.value(key) {
            Some(value) => value.equals_str(text),
            None => text.is_empty(),
        }
    }

    /// The state with `key` set to `prev` (kept if `append`) followed by `piece`.
    fn with(&self, key: &str, piece: &str, append: bool) -> KvState {
        let mut entries = self.entries.clone();
        let at = entries.binary_search_by(|(k, _)| (**k).cmp(key));
        let prev = match (append, at) {
            (true, Ok(at)) => Some(entries[at].1.clone()),
            _ => None,
        };
        if piece.is_empty() && (prev.is_none() || append) {
            // Appending "" changes nothing; putting "" removes the key.
            if !append {
                if let Ok(at) = at {
                    entries.remove(at);
                }
            }
            return KvState { entries };
        }
        let value = Value::new(prev, piece);
        match at {
            Ok(at) => entries[at].1 = value,
            Err(at) => entries.insert(at, (Arc::from(key), value)),
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
        // An unknown output (a call that never returned) matches any value read.
        let reads_current = match output {
            Some(output) => state.reads(&input.key, &output.value),
            None => true,
        };
        match input.op {
            KvOp::Get if reads_current => Next::Same,
            KvOp::Get => Next::Illegal,
            KvOp::Put => Next::One(state.with(&input.key, &input.value, false)),
            KvOp::Append => Next::One(state.with(&input.key, &input.value, true)),
            KvOp::AppendReturningPrevious if reads_current => {
                Next::One(state.with(&input.key, &input.value, true))
            }
            KvOp::AppendReturningPrevious => Next::Illegal,
        }
    }

    fn is_read_only(&self, input: &KvInput, _output: Option<&KvOutput>) -> bool {
        input.op == KvOp::Get
    }

    fn can_become_legal(
        &self,
        state: &KvState,
        input: &KvInput,
        output: Option<&KvOutput>,
    ) -> bool {
        // Appends only extend a value: without a put, a get can only ever read an extension
        // of the current value.
        match (input.op, output) {
            (KvOp::Get, Some(output)) => none_or_prefix(state.value(&input.key), &output.value),
            _ => true,
        }
    }

    fn resets(&self, input: &KvInput, read: &KvInput, read_output: Option<&KvOutput>) -> bool {
        // A read that does not extend the current value becomes legal only through a put,
        // and the last put before it leaves a value the read extends: the put's value is a
        // prefix of the value read. A put of anything else cannot be that last put (a value
        // read after it starts with what it wrote). Counting every put of the key let one
        // put no read ever shows, open across a read of many appends, keep that read from
        // being doomed, and the search tried every order of those appends.
        input.op == KvOp::Put
            && input.key == read.key
            && read_output.is_none_or(|o| o.value.starts_with(&input.value))
    }

    fn impossible_output(&self, ops: &[&Operation<KvInput, KvOutput>]) -> Option<usize> {
        let accesses: Vec<Access<'_>> = ops
            .iter()
            .map(|op| {
                let value = Some(op.input.value.as_bytes());
                let read = op.output().map(|o| o.value.as_bytes());
                let access = Access {
                    key: &op.input.key,
                    ..Access::default()
                };
                match op.input.op {
                    KvOp::Get => Access { read, ..access },
                    KvOp::Put => Access {
                        put: value,
                        ..access
                    },
                    KvOp::Append => Access {
                        append: value,
                        ..access
                    },
                    KvOp::AppendReturningPrevious => Access {
                        append: value,
                        read,
                        ..access
                    },
                }
            })
            .collect();
        unspellable_read(&accesses)
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
                format!(
                    "append_prev({:?}, {:?}) -> {}",
                    input.key,
                    input.value,
                    out(output)
                )
            }
        }
    }

    fn describe_state(&self, state: &KvState) -> String {
        if self.partitioned && state.entries.len() <= 1 {
            return match state.entries.first() {
                Some((_, value)) => format!("{:?}", value.to_text()),
                None => "\"\"".to_string(),
            };
        }
        let parts: Vec<String> = state
            .entries
            .iter()
            .map(|(k, v)| format!("{k:?}: {:?}", v.to_text()))
            .collect();
        format!("{{{}}}", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(op: KvOp, key: &str, value: &str) -> KvInput {
        KvInput {
            op,
            key: key.into(),
            value: value.into(),
        }
    }
    fn out(value: &str) -> KvOutput {
        KvOutput {
            value: value.into(),
        }
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
                (Next::Same, Some(v)) => assert_eq!(s1.get("k"), v, "{op:?} {value}"),
                (Next::Illegal, None) => {}
                (got, expected) => panic!("{op:?} {value}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn kv_values_branching_from_one_state_keep_their_own_text() {
        let model = KvModel::new();
        let append = |state: &KvState, value: &str| match model.step(
            state,
            &input(KvOp::Append, "k", value),
            None,
        ) {
            Next::One(s) => s,
            other => panic!("{other:?}"),
        };
        let ab = append(&append(&model.init(), "a"), "b");
        let abc = append(&ab, "c"); // extends the shared buffer in place
        let abd = append(&ab, "d"); // ab no longer ends the buffer: a branch, no buffer
        let abcx = append(&abc, "x");
        let abdy = append(&abd, "y");
        for (state, text) in [(&ab, "ab"), (&abc, "abc"), (&abd, "abd")] {
            assert!(state.reads("k", text), "{state:?} reads {text}");
            assert_eq!(state.get("k"), text);
        }
        assert_eq!(
            (abcx.get("k"), abdy.get("k")),
            ("abcx".into(), "abdy".into())
        );
        assert_ne!(abc, abd);
        assert_eq!(
            abd,
            append(&append(&ab, ""), "d"),
            "same text, other buffer"
        );
    }

    #[test]
    fn kv_value_with_a_long_history_compares_and_drops() {
        // 100,000 appends on one chain, then the same after a branch (no buffer): both
        // compare by content, and dropping either must not recurse 100,000 deep.
        let mut straight = Value::new(None, "");
        let mut branched = Value::new(None, "");
        let _taken = Value::new(Some(branched.clone()), "x");
        let mut text = String::new();
        for _ in 0..100_000 {
            straight = Value::new(Some(straight), "y");
            branched = Value::new(Some(branched), "y");
            text.push('y');
        }
        assert!(straight.0.flat.is_some() && branched.0.flat.is_none());
        for value in [&straight, &branched] {
            assert!(value.equals_str(&text) && !value.equals_str(&text[1..]));
            assert!(value.is_prefix_of(&format!("{text}z")));
            assert_eq!(value.to_text(), text);
        }
        assert!(straight == branched);
        drop((straight, branched));
    }

    #[test]
    fn kv_values_equal_by_content_whatever_their_pieces() {
        let model = KvModel::new();
        let apply = |state: &KvState, op, value: &str| match model.step(
            state,
            &input(op, "k", value),
            None,
        ) {
            Next::One(s) => s,
            other => panic!("{op:?}: {other:?}"),
        };
        let a = apply(&apply(&model.init(), KvOp::Put, "ab"), KvOp::Append, "cd");
        let b = apply(
            &apply(&apply(&model.init(), KvOp::Append, "a"), KvOp::Append, "bc"),
            KvOp::Append,
            "d",
        );
        let c = apply(&model.init(), KvOp::Put, "abce");
        assert_eq!(a, b);
        assert_eq!(crate::table::hash_of(&a), crate::table::hash_of(&b));
        assert_ne!(a, c);
        assert_eq!(a.get("k"), "abcd");
        assert!(a.reads("k", "abcd") && !a.reads("k", "abce") && !a.reads("k", "abc"));
        assert_eq!(apply(&a, KvOp::Append, ""), a);
        let get = |value: &str| (input(KvOp::Get, "k", ""), out(value));
        let (g, o) = get("abcdef");
        assert!(model.can_become_legal(&a, &g, Some(&o)));
        let (g, o) = get("abXdef");
        assert!(!model.can_become_legal(&a, &g, Some(&o)));
        let (g, o) = get("ab");
        assert!(!model.can_become_legal(&a, &g, Some(&o)));
        assert!(
            model.resets(&input(KvOp::Put, "k", ""), &g, Some(&o))
                && !model.resets(&input(KvOp::Put, "j", ""), &g, Some(&o))
        );
    }

    #[test]
    fn kv_only_a_put_of_a_prefix_of_the_value_read_resets_a_read() {
        let model = KvModel::new();
        let get = input(KvOp::Get, "k", "");
        let read = out("ab");
        let cases = [
            (input(KvOp::Put, "k", ""), Some(&read), true),
            (input(KvOp::Put, "k", "a"), Some(&read), true),
            (input(KvOp::Put, "k", "ab"), Some(&read), true),
            (input(KvOp::Put, "k", "b"), Some(&read), false),
            (input(KvOp::Put, "k", "abc"), Some(&read), false),
            (input(KvOp::Put, "j", "a"), Some(&read), false),
            (input(KvOp::Put, "k", "b"), None, true),
            (input(KvOp::Append, "k", "a"), Some(&read), false),
            (input(KvOp::AppendReturningPrevious, "k", ""), None, false),
            (input(KvOp::Get, "k", ""), Some(&read), false),
        ];
        for (write, output, expected) in cases {
            assert_eq!(
                model.resets(&write, &get, output),
                expected,
                "{write:?} for a read of {output:?}"
            );
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
