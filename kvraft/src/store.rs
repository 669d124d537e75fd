//! The replicated state machine proper: an ordered string-to-string map.

use crate::command::Op;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The key/value map every replica builds by applying the same commands in log order.
/// A `BTreeMap` so that its encoding (the snapshot) is the same on every replica.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Store {
    map: BTreeMap<String, String>,
}

impl Store {
    /// Executes `op`: Put and Append write, Get changes nothing.
    pub fn apply(&mut self, op: &Op) {
        match op {
            Op::Get { .. } => {}
            Op::Put { key, value } => {
                self.map.insert(key.clone(), value.clone());
            }
            Op::Append { key, value } => {
                self.map.entry(key.clone()).or_default().push_str(value);
            }
        }
    }

    /// The answer to `op` in the current state: the value read for a Get ("" for a
    /// missing key), "" for Put and Append. Only a replica that answers a clerk asks,
    /// so the others never copy a value.
    pub fn reply(&self, op: &Op) -> String {
        match op {
            Op::Get { key } => self.get(key).unwrap_or_default().to_string(),
            Op::Put { .. } | Op::Append { .. } => String::new(),
        }
    }

    /// The value of `key`, if it was ever written.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.map.get(key).map(String::as_str)
    }

    /// The number of keys.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// True when no key was ever written.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_execute_follows_the_kv_model() {
        let get = |k: &str| Op::Get { key: k.into() };
        let put = |k: &str, v: &str| Op::Put {
            key: k.into(),
            value: v.into(),
        };
        let append = |k: &str, v: &str| Op::Append {
            key: k.into(),
            value: v.into(),
        };
        // (op, result) in order, as models/kv.go steps them.
        let script = [
            (get("a"), ""),
            (append("a", "x"), ""),
            (get("a"), "x"),
            (append("a", "y"), ""),
            (get("a"), "xy"),
            (put("a", "z"), ""),
            (get("a"), "z"),
            (get("b"), ""),
        ];
        let mut s = Store::default();
        for (i, (op, want)) in script.iter().enumerate() {
            s.apply(op);
            assert_eq!(s.reply(op), *want, "step {i}: {op}");
        }
        assert_eq!(s.get("a"), Some("z"));
        assert_eq!(s.get("b"), None);
        assert_eq!(s.len(), 1);
    }
}
