//! A register with read, write and compare-and-set: the etcd model behind the Jepsen logs.

use serde::{Deserialize, Serialize};

use crate::model::{Model, Next};

/// A register request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum RegisterInput {
    /// Read the value.
    Read,
    /// Write `value`.
    Write {
        /// The value written.
        value: i64,
    },
    /// If the value is `from`, set it to `to`.
    Cas {
        /// The expected value.
        from: i64,
        /// The new value.
        to: i64,
    },
}

/// A register response.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum RegisterOutput {
    /// A read saw this value (`None`: never written, Jepsen's `nil`).
    Read {
        /// The value read.
        value: Option<i64>,
    },
    /// A CAS reported whether the compare succeeded (`false` is Jepsen's `:fail`).
    Cas {
        /// Whether it took effect.
        ok: bool,
    },
    /// A write completed.
    Write,
}

/// The register model. The state is the value, `None` until the first write.
///
/// Unknown outputs (Jepsen's `:info`, a timed-out read): a read is accepted, a write takes
/// effect, a CAS takes effect iff its compare holds. This is complete because such an
/// operation may be linearized at the very end, where its effect no longer matters.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegisterModel;

impl Model for RegisterModel {
    type State = Option<i64>;
    type Input = RegisterInput;
    type Output = RegisterOutput;

    fn init(&self) -> Option<i64> {
        None
    }

    fn step(
        &self,
        state: &Option<i64>,
        input: &RegisterInput,
        output: Option<&RegisterOutput>,
    ) -> Next<Option<i64>> {
        match (*input, output) {
            (RegisterInput::Read, None) => Next::Same,
            (RegisterInput::Read, Some(RegisterOutput::Read { value })) if value == state => {
                Next::Same
            }
            (RegisterInput::Read, _) => Next::Illegal,
            (RegisterInput::Write { value }, None | Some(RegisterOutput::Write)) => {
                Next::One(Some(value))
            }
            (RegisterInput::Write { .. }, _) => Next::Illegal,
            (RegisterInput::Cas { from, to }, None) => Next::One(if *state == Some(from) {
                Some(to)
            } else {
                *state
            }),
            (RegisterInput::Cas { from, to }, Some(RegisterOutput::Cas { ok: true })) => {
                if *state == Some(from) {
                    Next::One(Some(to))
                } else {
                    Next::Illegal
                }
            }
            (RegisterInput::Cas { from, .. }, Some(RegisterOutput::Cas { ok: false })) => {
                if *state == Some(from) {
                    Next::Illegal
                } else {
                    Next::Same
                }
            }
            (RegisterInput::Cas { .. }, _) => Next::Illegal,
        }
    }

    fn is_read_only(&self, input: &RegisterInput, output: Option<&RegisterOutput>) -> bool {
        match input {
            RegisterInput::Read => true,
            RegisterInput::Write { .. } => false,
            RegisterInput::Cas { .. } => output == Some(&RegisterOutput::Cas { ok: false }),
        }
    }

    fn impossible_output(
        &self,
        ops: &[&crate::history::Operation<RegisterInput, RegisterOutput>],
    ) -> Option<usize> {
        // The register holds `None` until the first store, then only values some write or
        // CAS of the partition stores (whether or not it took effect): a read of any other
        // value is illegal in every order of the operations.
        let stored: std::collections::BTreeSet<i64> = ops
            .iter()
            .filter_map(|op| match op.input {
                RegisterInput::Write { value } => Some(value),
                RegisterInput::Cas { to, .. } => Some(to),
                RegisterInput::Read => None,
            })
            .collect();
        ops.iter().position(|op| {
            matches!(
                (op.input, op.output()),
                (RegisterInput::Read, Some(RegisterOutput::Read { value: Some(v) }))
                    if !stored.contains(v)
            )
        })
    }

    fn can_become_legal(
        &self,
        _state: &Option<i64>,
        input: &RegisterInput,
        output: Option<&RegisterOutput>,
    ) -> bool {
        // Called only for a read-only operation that is illegal now. A read of v becomes
        // legal only through an operation that stores v; a failed CAS from v only through
        // one that stores something else: see `resets`.
        !matches!(
            (input, output),
            (RegisterInput::Read, Some(RegisterOutput::Read { .. }))
                | (
                    RegisterInput::Cas { .. },
                    Some(RegisterOutput::Cas { ok: false })
                )
        )
    }

    fn resets(
        &self,
        input: &RegisterInput,
        read: &RegisterInput,
        read_output: Option<&RegisterOutput>,
    ) -> bool {
        let stored = match *input {
            RegisterInput::Read => return false,
            RegisterInput::Write { value } => value,
            RegisterInput::Cas { to, .. } => to,
        };
        match (*read, read_output) {
            (RegisterInput::Read, Some(RegisterOutput::Read { value })) => *value == Some(stored),
            (RegisterInput::Cas { from, .. }, Some(RegisterOutput::Cas { ok: false })) => {
                stored != from
            }
            _ => true,
        }
    }

    fn describe_operation(&self, input: &RegisterInput, output: Option<&RegisterOutput>) -> String {
        let value = |v: &Option<i64>| v.map_or("nil".to_string(), |v| v.to_string());
        match (input, output) {
            (RegisterInput::Read, Some(RegisterOutput::Read { value: v })) => {
                format!("read -> {}", value(v))
            }
            (RegisterInput::Read, _) => "read -> ?".to_string(),
            (RegisterInput::Write { value: v }, None) => format!("write({v}) -> ?"),
            (RegisterInput::Write { value: v }, _) => format!("write({v})"),
            (RegisterInput::Cas { from, to }, Some(RegisterOutput::Cas { ok })) => {
                format!("cas({from}, {to}) -> {}", if *ok { "ok" } else { "fail" })
            }
            (RegisterInput::Cas { from, to }, _) => format!("cas({from}, {to}) -> ?"),
        }
    }

    fn describe_state(&self, state: &Option<i64>) -> String {
        state.map_or("nil".to_string(), |v| v.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn register_pruning_hints() {
        use RegisterInput::*;
        let m = RegisterModel;
        let read = |v: Option<i64>| Some(RegisterOutput::Read { value: v });
        let failed = Some(RegisterOutput::Cas { ok: false });
        assert!(!m.can_become_legal(&Some(1), &Read, read(Some(2)).as_ref()));
        assert!(!m.can_become_legal(&Some(1), &Cas { from: 1, to: 2 }, failed.as_ref()));
        assert!(m.can_become_legal(&Some(1), &Read, None));
        assert!(m.resets(&Write { value: 2 }, &Read, read(Some(2)).as_ref()));
        assert!(m.resets(&Cas { from: 0, to: 2 }, &Read, read(Some(2)).as_ref()));
        assert!(!m.resets(&Write { value: 3 }, &Read, read(Some(2)).as_ref()));
        assert!(!m.resets(&Write { value: 3 }, &Read, read(None).as_ref()));
        assert!(!m.resets(&Read, &Read, read(Some(2)).as_ref()));
        assert!(m.resets(
            &Write { value: 3 },
            &Cas { from: 1, to: 2 },
            failed.as_ref()
        ));
        assert!(!m.resets(
            &Write { value: 1 },
            &Cas { from: 1, to: 2 },
            failed.as_ref()
        ));
    }

    #[test]
    fn register_step_table() {
        use RegisterInput::*;
        let m = RegisterModel;
        let read = |v: Option<i64>| Some(RegisterOutput::Read { value: v });
        let cas = |ok| Some(RegisterOutput::Cas { ok });
        type Case = (
            Option<i64>,
            RegisterInput,
            Option<RegisterOutput>,
            Next<Option<i64>>,
        );
        let cases: Vec<Case> = vec![
            (None, Read, read(None), Next::Same),
            (None, Read, read(Some(1)), Next::Illegal),
            (Some(1), Read, None, Next::Same),
            (
                None,
                Write { value: 2 },
                Some(RegisterOutput::Write),
                Next::One(Some(2)),
            ),
            (None, Write { value: 2 }, None, Next::One(Some(2))),
            (
                Some(1),
                Cas { from: 1, to: 3 },
                cas(true),
                Next::One(Some(3)),
            ),
            (Some(2), Cas { from: 1, to: 3 }, cas(true), Next::Illegal),
            (Some(2), Cas { from: 1, to: 3 }, cas(false), Next::Same),
            (Some(1), Cas { from: 1, to: 3 }, cas(false), Next::Illegal),
            (Some(1), Cas { from: 1, to: 3 }, None, Next::One(Some(3))),
            (Some(2), Cas { from: 1, to: 3 }, None, Next::One(Some(2))),
            (Some(2), Write { value: 1 }, cas(true), Next::Illegal),
        ];
        for (state, input, output, expected) in cases {
            assert_eq!(
                m.step(&state, &input, output.as_ref()),
                expected,
                "{state:?} {input:?} {output:?}"
            );
        }
    }
}
