//! Explanations: the longest linearizable prefix of a partition and what could not come
//! next, in words, rebuilt on demand from a [`CheckResult`] by replaying the model.

use std::fmt;

use crate::api::{CheckResult, PartitionResult, PartitionVerdict};
use crate::history::Operation;
use crate::model::{Model, Next};
use crate::timeline::{client_predecessors, NONE};

/// One linearized operation of the prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExplainedStep {
    /// Index of the operation in the history.
    pub op: usize,
    /// The operation, described by the model.
    pub description: String,
    /// The state before it.
    pub state_before: String,
    /// The state after it.
    pub state_after: String,
}

/// An operation that could not come next after the prefix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedOp {
    /// Index of the operation in the history.
    pub op: usize,
    /// The operation, described by the model.
    pub description: String,
    /// The state at the end of the prefix.
    pub state_before: String,
    /// `None` if the operation is illegal in that state; otherwise the state(s) it leads
    /// to (joined by ` | `), from which no linearization of the rest exists.
    pub state_after: Option<String>,
    /// A read still to come that the state after it makes hopeless (illegal, and no
    /// operation left can make it legal again: [`Model::can_become_legal`],
    /// [`Model::resets`]), as (op index, description): why the search gave it up.
    pub dooms: Option<(usize, String)>,
}

/// An operation whose output no sequence of its partition's operations can produce,
/// found before the search (see [`Model::impossible_output`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImpossibleOp {
    /// Index of the operation in the history.
    pub op: usize,
    /// The operation, described by the model.
    pub description: String,
}

/// The explanation of one partition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionExplanation {
    /// The partition's index in [`CheckResult::partitions`].
    pub partition: usize,
    /// Its verdict.
    pub verdict: PartitionVerdict,
    /// The longest linearizable prefix found (a full linearization if `Ok`).
    pub prefix: Vec<ExplainedStep>,
    /// The operations that may come next after the prefix (their call precedes every
    /// remaining return and their client's previous operation is in the prefix) but
    /// cannot: empty for an `Ok` partition.
    pub rejected: Vec<RejectedOp>,
    /// The operation that made the partition Illegal before any search, if one did:
    /// then `prefix` and `rejected` are empty.
    pub impossible: Option<ImpossibleOp>,
}

impl CheckResult {
    /// Explains every searched partition (skipped ones are left out).
    ///
    /// # Panics
    /// If `history` or `model` is not the one this result was computed from.
    pub fn explain<M: Model>(
        &self,
        model: &M,
        history: &[Operation<M::Input, M::Output>],
    ) -> Vec<PartitionExplanation> {
        (0..self.partitions.len())
            .filter(|&k| self.partitions[k].verdict != PartitionVerdict::Skipped)
            .map(|k| explain_partition(model, history, &self.partitions[k], k))
            .collect()
    }

    /// Explains only the first failing partition, if there is one.
    ///
    /// # Panics
    /// If `history` or `model` is not the one this result was computed from.
    pub fn explain_first_failure<M: Model>(
        &self,
        model: &M,
        history: &[Operation<M::Input, M::Output>],
    ) -> Option<PartitionExplanation> {
        let k = self.first_failure()?;
        Some(explain_partition(model, history, &self.partitions[k], k))
    }
}

/// Explains one partition result by replaying its prefix.
fn explain_partition<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    result: &PartitionResult,
    index: usize,
) -> PartitionExplanation {
    assert!(
        result.linearization.len() == result.choices.len(),
        "partition {index}: prefix and choices differ in length"
    );
    let mut state = model.init();
    let mut prefix = Vec::with_capacity(result.linearization.len());
    let mut done = vec![false; history.len()];
    for (&op, &choice) in result.linearization.iter().zip(&result.choices) {
        let operation = &history[op];
        let next = match model.step(&state, &operation.input, operation.output()) {
            Next::Same if choice == 0 => state.clone(),
            Next::One(next) if choice == 0 => next,
            Next::Many(mut nexts) if (choice as usize) < nexts.len() => {
                nexts.swap_remove(choice as usize)
            }
            other => {
                panic!("partition {index}: replay of op {op} (choice {choice}) gave {other:?}")
            }
        };
        prefix.push(ExplainedStep {
            op,
            description: model.describe_operation(&operation.input, operation.output()),
            state_before: model.describe_state(&state),
            state_after: model.describe_state(&next),
        });
        assert!(!done[op], "partition {index}: op {op} linearized twice");
        done[op] = true;
        state = next;
    }
    let remaining: Vec<usize> = result.ops.iter().copied().filter(|&k| !done[k]).collect();
    // An operation may come next iff it is called no later than the first remaining return
    // and its client predecessor (within the partition, as the search sees it) is done.
    let first_return = remaining
        .iter()
        .filter_map(|&k| history[k].outcome.return_time())
        .min();
    let part: Vec<&Operation<M::Input, M::Output>> =
        result.ops.iter().map(|&k| &history[k]).collect();
    let client_prev = client_predecessors(&part);
    let waits = |k: usize| {
        let at = result
            .ops
            .binary_search(&k)
            .expect("a remaining op of the partition");
        let prev = client_prev[at];
        prev != NONE && !done[result.ops[prev as usize]]
    };
    let rejected = remaining
        .iter()
        .filter(|&&k| first_return.is_none() || Some(history[k].call) <= first_return)
        .filter(|&&k| !waits(k))
        .map(|&k| {
            let operation = &history[k];
            let dooms = match model.step(&state, &operation.input, operation.output()) {
                Next::Same => doomed_read(model, history, &state, k, &remaining),
                Next::One(next) => doomed_read(model, history, &next, k, &remaining),
                _ => None,
            };
            let state_after = match model.step(&state, &operation.input, operation.output()) {
                Next::Illegal => None,
                Next::Same => Some(model.describe_state(&state)),
                Next::One(next) => Some(model.describe_state(&next)),
                Next::Many(nexts) if nexts.is_empty() => None,
                Next::Many(nexts) => Some(
                    nexts
                        .iter()
                        .map(|s| model.describe_state(s))
                        .collect::<Vec<_>>()
                        .join(" | "),
                ),
            };
            RejectedOp {
                op: k,
                description: model.describe_operation(&operation.input, operation.output()),
                state_before: model.describe_state(&state),
                state_after,
                dooms,
            }
        })
        .collect();
    let impossible = result.impossible.map(|op| ImpossibleOp {
        op,
        description: model.describe_operation(&history[op].input, history[op].output()),
    });
    PartitionExplanation {
        partition: index,
        verdict: result.verdict,
        prefix,
        rejected,
        impossible,
    }
}

/// The first read of `remaining` (other than `after`, the operation just taken) that is
/// illegal in `state` and that nothing left can make legal again: the search's own
/// reason for abandoning `state` (see `search.rs`, doomed reads).
fn doomed_read<M: Model>(
    model: &M,
    history: &[Operation<M::Input, M::Output>],
    state: &M::State,
    after: usize,
    remaining: &[usize],
) -> Option<(usize, String)> {
    let others = || remaining.iter().copied().filter(move |&k| k != after);
    others().find_map(|r| {
        let read = &history[r];
        let output = read.output()?;
        let hopeless = model.is_read_only(&read.input, Some(output))
            && matches!(model.step(state, &read.input, Some(output)), Next::Illegal)
            && !model.can_become_legal(state, &read.input, Some(output))
            && !others()
                .filter(|&k| k != r)
                .any(|k| model.resets(&history[k].input, &read.input, Some(output)));
        hopeless.then(|| (r, model.describe_operation(&read.input, Some(output))))
    })
}

impl fmt::Display for PartitionExplanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(impossible) = &self.impossible {
            return writeln!(
                f,
                "partition {} ({:?}): op {} {} reads a value that no order of the partition's \
                 writes can produce (decided before the search)",
                self.partition,
                self.verdict,
                impossible.op,
                clip(&impossible.description)
            );
        }
        writeln!(
            f,
            "partition {} ({:?}): longest linearizable prefix has {} operations",
            self.partition,
            self.verdict,
            self.prefix.len()
        )?;
        for (k, step) in self.prefix.iter().enumerate() {
            writeln!(
                f,
                "  {:>4}. op {:<5} {}   state: {} -> {}",
                k + 1,
                step.op,
                step.description,
                clip(&step.state_before),
                clip(&step.state_after)
            )?;
        }
        if !self.rejected.is_empty() {
            let state = self
                .rejected
                .first()
                .map_or("", |r| r.state_before.as_str());
            writeln!(f, "  none of these can come next (state {}):", clip(state))?;
        }
        for rejected in &self.rejected {
            match &rejected.state_after {
                None => writeln!(
                    f,
                    "        op {:<5} {}   illegal in this state",
                    rejected.op, rejected.description
                )?,
                Some(after) => match &rejected.dooms {
                    Some((read, description)) => writeln!(
                        f,
                        "        op {:<5} {}   -> {}, after which op {read} {} can never be legal",
                        rejected.op,
                        rejected.description,
                        clip(after),
                        clip(description)
                    )?,
                    None => writeln!(
                        f,
                        "        op {:<5} {}   -> {}, from which the rest cannot be linearized",
                        rejected.op,
                        rejected.description,
                        clip(after)
                    )?,
                },
            }
        }
        Ok(())
    }
}

/// Shortens a long state description for text output, keeping both ends.
pub(crate) fn clip(text: &str) -> String {
    const HEAD: usize = 40;
    const TAIL: usize = 80;
    let count = text.chars().count();
    if count <= HEAD + TAIL + 20 {
        return text.to_string();
    }
    let head: String = text.chars().take(HEAD).collect();
    let tail: String = text.chars().skip(count - TAIL).collect();
    format!("{head}...({} chars)...{tail}", count - HEAD - TAIL)
}
