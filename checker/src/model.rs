//! The model trait: a sequential specification the history is checked against.

use std::fmt::Debug;
use std::hash::Hash;

use crate::history::Operation;

/// The result of applying one operation to a state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next<S> {
    /// The operation cannot produce its output in this state.
    Illegal,
    /// The operation is legal and leaves the state unchanged (cheaper than `One` with a
    /// clone of the state, e.g. for reads).
    Same,
    /// The operation is legal and leads to exactly this state.
    One(S),
    /// The operation is legal and may lead to any of these states (a nondeterministic
    /// model). An empty list means illegal. Order matters only for which linearization is
    /// reported, never for the verdict.
    Many(Vec<S>),
}

/// A sequential specification: states, and how each operation moves between them.
///
/// The checker calls `step` many millions of times on hard histories: keep it cheap, and
/// keep states small to clone, hash and compare. States must be equal (and hash equally)
/// exactly when the model cannot tell them apart; the checker's cache relies on it.
///
/// # Example
/// ```
/// use checker::{Model, Next};
/// /// A counter that can only be incremented; the output is the new value.
/// struct Counter;
/// impl Model for Counter {
///     type State = u64;
///     type Input = ();
///     type Output = u64;
///     fn init(&self) -> u64 { 0 }
///     fn step(&self, state: &u64, _input: &(), output: Option<&u64>) -> Next<u64> {
///         match output {
///             Some(seen) if *seen != state + 1 => Next::Illegal,
///             _ => Next::One(state + 1),
///         }
///     }
/// }
/// ```
pub trait Model: Sync {
    /// A model state. Equality and hashing must agree.
    type State: Clone + Eq + Hash + Debug + Send;
    /// An operation's input (request). Equal inputs must mean equal effects.
    type Input: Debug + PartialEq + Sync;
    /// An operation's output (response).
    type Output: Debug + PartialEq + Sync;

    /// The initial state.
    fn init(&self) -> Self::State;

    /// Applies an operation with input `input` that returned `output` (`None`: unknown, e.g.
    /// the call never returned) to `state`.
    fn step(
        &self,
        state: &Self::State,
        input: &Self::Input,
        output: Option<&Self::Output>,
    ) -> Next<Self::State>;

    /// Whether this operation never changes the state in any state where it is legal (a
    /// read). The checker then linearizes it as soon as it is legal and may come next,
    /// without exploring alternatives; this loses no linearization. Answering `false` is
    /// always safe; answering `true` for an operation that can change the state is a bug
    /// that makes verdicts wrong.
    fn is_read_only(&self, _input: &Self::Input, _output: Option<&Self::Output>) -> bool {
        false
    }

    /// A pruning hint for a read-only operation with a known output that is illegal in
    /// `state`: return `false` if no sequence of operations that do not [`Model::resets`]
    /// it can make it legal (for the KV model: the value read does not extend the current
    /// value, and only appends would follow). The search then abandons a configuration
    /// early: when the read may come next, and also when it is one of the next reads ahead
    /// (by return time) of a configuration that branches, which lets a final read of a key
    /// that many clients appended to decide the order of the appends. Returning `true` is
    /// always safe.
    fn can_become_legal(
        &self,
        _state: &Self::State,
        _input: &Self::Input,
        _output: Option<&Self::Output>,
    ) -> bool {
        true
    }

    /// Whether operation `input` may undo what makes the read (`read`, `read_output`)
    /// hopeless (for the KV model: a put of the same key whose value is a prefix of the
    /// value read; for the register: a store of the value read). Only consulted after
    /// `can_become_legal` said `false`; returning `true` is always safe, and the more
    /// operations it rules out, the sooner a read that is hopeless is seen to be.
    fn resets(
        &self,
        _input: &Self::Input,
        _read: &Self::Input,
        _read_output: Option<&Self::Output>,
    ) -> bool {
        true
    }

    /// A check before the search: an operation of `ops` (one partition) whose output no
    /// sequence of `ops` can produce, by its position in `ops` (for the KV model: a read
    /// of a value that no put and appends of its key spell). The partition is then
    /// Illegal at once, and its explanation names the operation. Returning `None` is
    /// always safe; returning an operation that some linearization makes legal is a bug
    /// that makes verdicts wrong. Keep it far cheaper than the search: it runs on every
    /// partition.
    fn impossible_output(&self, _ops: &[&Operation<Self::Input, Self::Output>]) -> Option<usize> {
        None
    }

    /// Splits a history into independent parts (P-compositionality): a history is
    /// linearizable iff each part is. Returns lists of operation indices; together they
    /// must contain every index exactly once. The default keeps one part.
    fn partition(&self, ops: &[Operation<Self::Input, Self::Output>]) -> Vec<Vec<usize>> {
        vec![(0..ops.len()).collect()]
    }

    /// A short human description of an operation, e.g. `put("k", "v")`.
    fn describe_operation(&self, input: &Self::Input, output: Option<&Self::Output>) -> String {
        match output {
            Some(output) => format!("{input:?} -> {output:?}"),
            None => format!("{input:?} -> ?"),
        }
    }

    /// A short human description of a state.
    fn describe_state(&self, state: &Self::State) -> String {
        format!("{state:?}")
    }
}
