//! The record of every clerk operation a KV tester starts: its virtual call and return
//! times, as the linearizability checker reads them, and the results waiting for the
//! task that started each one. The KV tester and the sharded KV tester both keep one.

use crate::engine::{Instant, NodeId};
use checker::{KvInput, KvOp, KvOutput, Operation, Time};
use kvraft::Op;
use std::collections::BTreeMap;

/// A history of KV operations as the checker reads them.
pub type KvHistory = Vec<Operation<KvInput, KvOutput>>;

/// Every operation of every clerk, in call order.
#[derive(Debug, Default)]
pub struct Recorder {
    /// Each clerk's history client id.
    clerk_ids: BTreeMap<NodeId, u64>,
    history: KvHistory,
    /// The history entry of each clerk's operation in flight.
    open: BTreeMap<NodeId, usize>,
    /// Results of returned operations not yet taken by whoever waits for them.
    completed: BTreeMap<NodeId, String>,
    /// When each clerk's last operation returned: its next call comes strictly later.
    last_return: BTreeMap<NodeId, Instant>,
    ops: u64,
}

impl Recorder {
    /// Records that engine node `clerk` is the history's client `client`.
    pub fn add_clerk(&mut self, clerk: NodeId, client: u64) {
        let old = self.clerk_ids.insert(clerk, client);
        assert!(old.is_none(), "{clerk} registered twice");
    }

    /// Every clerk, with its client id in the history, in engine-id order.
    pub fn clerks(&self) -> Vec<(NodeId, u64)> {
        self.clerk_ids.iter().map(|(&n, &c)| (n, c)).collect()
    }

    /// When `clerk`'s last operation returned, if it had one.
    pub fn last_return(&self, clerk: NodeId) -> Option<Instant> {
        self.last_return.get(&clerk).copied()
    }

    /// True while `clerk` has an operation in flight.
    pub fn is_open(&self, clerk: NodeId) -> bool {
        self.open.contains_key(&clerk)
    }

    /// Records the call of `op` by `clerk` at `now`.
    ///
    /// # Panics
    /// If `clerk` is unknown, has an operation in flight, or `now` is not strictly
    /// after its previous return (the caller moves the clock on first).
    pub fn call(&mut self, clerk: NodeId, op: &Op, now: Instant) {
        assert!(!self.is_open(clerk), "{clerk} has an operation in flight");
        assert!(
            self.last_return(clerk).is_none_or(|r| r < now),
            "{clerk}: call at {now} not after its previous return"
        );
        let input = match op {
            Op::Get { key } => KvInput {
                op: KvOp::Get,
                key: key.clone(),
                value: String::new(),
            },
            Op::Put { key, value } => KvInput {
                op: KvOp::Put,
                key: key.clone(),
                value: value.clone(),
            },
            Op::Append { key, value } => KvInput {
                op: KvOp::Append,
                key: key.clone(),
                value: value.clone(),
            },
        };
        let client = checker::ClientId(self.clerk_ids[&clerk]);
        self.open.insert(clerk, self.history.len());
        self.history.push(Operation {
            client,
            input,
            call: Time(now.as_nanos()),
            outcome: checker::Outcome::Pending,
        });
    }

    /// Records the return of `clerk`'s operation at `at` with `value` ("" for Put and
    /// Append), and keeps the value for whoever waits for it.
    ///
    /// # Panics
    /// If `clerk` has nothing in flight or returns before its call.
    pub fn returned(&mut self, clerk: NodeId, value: String, at: Instant) {
        let index = self
            .open
            .remove(&clerk)
            .unwrap_or_else(|| panic!("{clerk} returned with nothing in flight"));
        let op = &mut self.history[index];
        let output = if op.input.op == KvOp::Get {
            value.clone()
        } else {
            String::new()
        };
        assert!(
            at.as_nanos() >= op.call.0,
            "{clerk}: returned at {at} before its call"
        );
        op.outcome = checker::Outcome::Returned {
            output: KvOutput { value: output },
            at: Time(at.as_nanos()),
        };
        self.last_return.insert(clerk, at);
        self.ops += 1;
        self.completed.insert(clerk, value);
    }

    /// True when `clerk`'s operation returned and its result was not taken yet.
    pub fn has_result(&self, clerk: NodeId) -> bool {
        self.completed.contains_key(&clerk)
    }

    /// The result of `clerk`'s operation, if it returned and nobody took it yet.
    pub fn take_result(&mut self, clerk: NodeId) -> Option<String> {
        self.completed.remove(&clerk)
    }

    /// Operations completed so far.
    pub fn ops(&self) -> u64 {
        self.ops
    }

    /// The recorded history.
    pub fn history(&self) -> &KvHistory {
        &self.history
    }

    /// The recorded history, to corrupt on purpose in tests of the checking path.
    #[cfg(test)]
    pub(crate) fn history_mut(&mut self) -> &mut KvHistory {
        &mut self.history
    }
}
