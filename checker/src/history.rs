//! Histories: operations with call and return times, and ordered call/return events.
//!
//! Intervals are closed: an operation that returns at time `t` is concurrent with one that
//! another client calls at `t` (on equal times a call sorts before a return). A client's
//! operations never overlap: one that the same client calls at `t` comes after it (how
//! histories recorded with a client's next call at its previous return are read). An
//! operation that never returned is [`Outcome::Pending`]: it stays open until after every
//! other event and the model sees its output as unknown.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A client (process) id. A client has at most one outstanding operation at a time, and
/// the checker orders its operations: one called at the instant the client's previous one
/// returned comes after it. (Where a client's operations overlap anyway, which the history
/// readers reject, those are ordered by real time alone, like two clients' operations.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ClientId(pub u64);

/// A point in time, in any unit the history's producer chooses (e.g. virtual nanoseconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Time(pub u64);

/// How an operation ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome<O> {
    /// It returned `output` at time `at`.
    Returned {
        /// The output the client observed.
        output: O,
        /// The return time (at or after the call time).
        at: Time,
    },
    /// It returned at time `at` but its output is unknown (e.g. a read that timed out).
    Unknown {
        /// The return time (at or after the call time).
        at: Time,
    },
    /// It never returned (the client crashed or timed out): it is open until after every
    /// other event, and its output is unknown. It may or may not have taken effect.
    Pending,
}

impl<O> Outcome<O> {
    /// The output, if it is known.
    pub fn output(&self) -> Option<&O> {
        match self {
            Outcome::Returned { output, .. } => Some(output),
            Outcome::Unknown { .. } | Outcome::Pending => None,
        }
    }

    /// The return time, or `None` for a pending operation.
    pub fn return_time(&self) -> Option<Time> {
        match self {
            Outcome::Returned { at, .. } | Outcome::Unknown { at } => Some(*at),
            Outcome::Pending => None,
        }
    }
}

/// One operation of a history: who called what, when, and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation<I, O> {
    /// The client that issued it.
    pub client: ClientId,
    /// The model input (the request).
    pub input: I,
    /// The call (invocation) time.
    pub call: Time,
    /// How and when it returned, if it did.
    pub outcome: Outcome<O>,
}

impl<I, O> Operation<I, O> {
    /// The output, if it is known.
    pub fn output(&self) -> Option<&O> {
        self.outcome.output()
    }

    /// Whether the return time is at or after the call time (pending is always valid).
    pub fn is_well_formed(&self) -> bool {
        match self.outcome.return_time() {
            Some(at) => at >= self.call,
            None => true,
        }
    }
}

/// A history as a list of operations (in any order).
pub type History<I, O> = Vec<Operation<I, O>>;

/// Two operations of one client that overlap in time, found by [`client_overlap`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientOverlap {
    /// The client.
    pub client: ClientId,
    /// Index of the operation that was still outstanding (returned later, or never).
    pub first: usize,
    /// Index of the operation called while `first` was outstanding.
    pub second: usize,
}

/// Finds two operations of one client that overlap, if any: a client has at most one
/// outstanding operation, so each of its calls must come at or after its previous return.
///
/// A call at the same instant as the same client's previous return counts as after it
/// (the client saw the reply, then called). A pending operation is outstanding to the end
/// of the history, so no later call by its client is allowed. Among several overlaps the
/// one whose second operation is called first (then has the lowest index) is reported, so
/// the answer depends only on the history.
pub fn client_overlap<I, O>(ops: &[Operation<I, O>]) -> Option<ClientOverlap> {
    // (client, call, return or "never", index): sorted, each client's operations are
    // adjacent and in call order, a zero-length operation before a longer one at its call.
    let mut keys: Vec<(ClientId, Time, Option<Time>, usize)> = ops
        .iter()
        .enumerate()
        .map(|(k, op)| (op.client, op.call, op.outcome.return_time(), k))
        .collect();
    keys.sort_unstable_by_key(|&(client, call, ret, k)| (client, call, ret.is_none(), ret, k));
    let mut found: Option<ClientOverlap> = None;
    for pair in keys.windows(2) {
        let ((client, _, ret, first), (next_client, call, _, second)) = (pair[0], pair[1]);
        if client != next_client {
            continue;
        }
        // With each call at or after the previous return, the client's operations form
        // a chain, so checking neighbours in call order finds any overlap.
        let overlaps = ret.is_none_or(|ret| call < ret);
        if !overlaps {
            continue;
        }
        let earlier = found.is_none_or(|f| (call, second) < (ops[f.second].call, f.second));
        if earlier {
            found = Some(ClientOverlap {
                client,
                first,
                second,
            });
        }
    }
    found
}

/// An operation id that pairs a call event with its return event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct OpId(pub u64);

/// What an event is: a call with its input, or a return with its output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EventKind<I, O> {
    /// The operation was invoked with this input.
    Call(I),
    /// The operation returned; `None` means it returned with an unknown output.
    Return(Option<O>),
}

/// One event of an ordered event list: the list order is the real-time order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event<I, O> {
    /// The client that issued the operation.
    pub client: ClientId,
    /// Pairs this event with the other event of the same operation.
    pub id: OpId,
    /// Call or return.
    pub kind: EventKind<I, O>,
}

/// Why an ordered event list cannot be turned into operations
/// ([`crate::operations_from_events`]). `index` is the 0-based position of the offending
/// event in the list.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// A call reuses the id of an earlier call.
    #[error("event {index}: second call with id {}", id.0)]
    SecondCall {
        /// Position of the event.
        index: usize,
        /// The reused id.
        id: OpId,
    },
    /// A client calls while one of its operations is outstanding.
    #[error("event {index}: client {} calls while operation {} is still outstanding", client.0, open.0)]
    ClientBusy {
        /// Position of the event.
        index: usize,
        /// The client.
        client: ClientId,
        /// Its outstanding operation.
        open: OpId,
    },
    /// A return names no earlier call.
    #[error("event {index}: return without call (id {})", id.0)]
    ReturnWithoutCall {
        /// Position of the event.
        index: usize,
        /// The id returned.
        id: OpId,
    },
    /// A second return for one call.
    #[error("event {index}: second return for id {}", id.0)]
    SecondReturn {
        /// Position of the event.
        index: usize,
        /// The id returned twice.
        id: OpId,
    },
    /// A return by another client than the caller.
    #[error("event {index}: return by client {} for id {} called by client {}", client.0, id.0, caller.0)]
    WrongClient {
        /// Position of the event.
        index: usize,
        /// The client that returned.
        client: ClientId,
        /// The operation.
        id: OpId,
        /// The client that called it.
        caller: ClientId,
    },
}

/// Converts an ordered event list into operations, one per call, in call order.
///
/// The `k`th event gets time `k`. A call without a return becomes [`Outcome::Pending`].
///
/// # Errors
/// [`EventError`] for a return without a call, a second call or return with the same
/// id, or a second outstanding call by the same client.
pub fn operations_from_events<I, O>(
    events: Vec<Event<I, O>>,
) -> Result<Vec<Operation<I, O>>, EventError> {
    let mut ops: Vec<Operation<I, O>> = Vec::new();
    // OpId -> (index into ops, returned yet?)
    let mut by_id: BTreeMap<OpId, (usize, bool)> = BTreeMap::new();
    let mut open_by_client: BTreeMap<ClientId, OpId> = BTreeMap::new();
    for (index, event) in events.into_iter().enumerate() {
        let time = Time(index as u64);
        match event.kind {
            EventKind::Call(input) => {
                if by_id.contains_key(&event.id) {
                    return Err(EventError::SecondCall {
                        index,
                        id: event.id,
                    });
                }
                if let Some(open) = open_by_client.insert(event.client, event.id) {
                    return Err(EventError::ClientBusy {
                        index,
                        client: event.client,
                        open,
                    });
                }
                by_id.insert(event.id, (ops.len(), false));
                ops.push(Operation {
                    client: event.client,
                    input,
                    call: time,
                    outcome: Outcome::Pending,
                });
            }
            EventKind::Return(output) => {
                let Some((op_index, returned)) = by_id.get_mut(&event.id) else {
                    return Err(EventError::ReturnWithoutCall {
                        index,
                        id: event.id,
                    });
                };
                if *returned {
                    return Err(EventError::SecondReturn {
                        index,
                        id: event.id,
                    });
                }
                *returned = true;
                let op = &mut ops[*op_index];
                if op.client != event.client {
                    return Err(EventError::WrongClient {
                        index,
                        client: event.client,
                        id: event.id,
                        caller: op.client,
                    });
                }
                open_by_client.remove(&event.client);
                op.outcome = match output {
                    Some(output) => Outcome::Returned { output, at: time },
                    None => Outcome::Unknown { at: time },
                };
            }
        }
    }
    Ok(ops)
}

/// Converts operations into an ordered event list (calls before returns at equal times;
/// pending operations get no return event). Operation `k` gets [`OpId`] `k`.
pub fn events_from_operations<I: Clone, O: Clone>(ops: &[Operation<I, O>]) -> Vec<Event<I, O>> {
    // (time, 0 = call / 1 = return, op index) sorts calls first at equal times.
    let mut keys: Vec<(Time, u8, usize)> = Vec::with_capacity(ops.len() * 2);
    for (k, op) in ops.iter().enumerate() {
        keys.push((op.call, 0, k));
        if let Some(at) = op.outcome.return_time() {
            keys.push((at, 1, k));
        }
    }
    keys.sort_unstable();
    keys.into_iter()
        .map(|(_, kind, k)| {
            let op = &ops[k];
            let kind = if kind == 0 {
                EventKind::Call(op.input.clone())
            } else {
                EventKind::Return(op.output().cloned())
            };
            Event {
                client: op.client,
                id: OpId(k as u64),
                kind,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(client: u64, id: u64, input: u8) -> Event<u8, u8> {
        Event {
            client: ClientId(client),
            id: OpId(id),
            kind: EventKind::Call(input),
        }
    }
    fn ret(client: u64, id: u64, output: Option<u8>) -> Event<u8, u8> {
        Event {
            client: ClientId(client),
            id: OpId(id),
            kind: EventKind::Return(output),
        }
    }

    #[test]
    fn events_unmatched_call_becomes_pending() {
        let ops = operations_from_events(vec![call(0, 0, 1), call(1, 1, 2), ret(1, 1, Some(3))])
            .expect("valid events");
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0].outcome, Outcome::Pending);
        assert_eq!(
            ops[1].outcome,
            Outcome::Returned {
                output: 3,
                at: Time(2)
            }
        );
    }

    #[test]
    fn events_return_without_call_is_error() {
        let err = operations_from_events(vec![ret(0, 7, None)]).expect_err("must fail");
        assert!(err.to_string().contains("return without call"), "{err}");
    }

    #[test]
    fn events_second_outstanding_call_is_error() {
        let err =
            operations_from_events(vec![call(0, 0, 1), call(0, 1, 1)]).expect_err("must fail");
        assert!(err.to_string().contains("outstanding"), "{err}");
    }

    /// (client, call, return or pending).
    type Span = (u64, u64, Option<u64>);

    /// Operations with these spans.
    fn spans(spans: &[Span]) -> Vec<Operation<u8, u8>> {
        spans
            .iter()
            .map(|&(client, call, ret)| Operation {
                client: ClientId(client),
                input: 0,
                call: Time(call),
                outcome: ret.map_or(Outcome::Pending, |at| Outcome::Returned {
                    output: 0,
                    at: Time(at),
                }),
            })
            .collect()
    }

    #[test]
    fn client_overlap_finds_the_first_overlapping_pair() {
        let overlap = |client, first, second| {
            Some(ClientOverlap {
                client: ClientId(client),
                first,
                second,
            })
        };
        let cases: [(&[Span], Option<ClientOverlap>); 8] = [
            (&[], None),
            // Touching is not overlapping; other clients may overlap freely.
            (
                &[
                    (0, 0, Some(10)),
                    (0, 10, Some(20)),
                    (1, 5, Some(15)),
                    (1, 15, None),
                ],
                None,
            ),
            (&[(0, 3, Some(3)), (0, 3, Some(3)), (0, 3, Some(4))], None),
            (&[(0, 0, Some(10)), (0, 9, Some(20))], overlap(0, 0, 1)),
            // Given out of order, and nested.
            (&[(0, 5, Some(6)), (0, 0, Some(10))], overlap(0, 1, 0)),
            // A pending operation is outstanding to the end.
            (&[(2, 0, None), (2, 100, Some(200))], overlap(2, 0, 1)),
            (&[(2, 7, None), (2, 7, None)], overlap(2, 0, 1)),
            // The overlap whose second call is earliest, whatever the client.
            (
                &[
                    (1, 0, Some(50)),
                    (1, 40, Some(60)),
                    (0, 0, Some(30)),
                    (0, 20, Some(25)),
                ],
                overlap(0, 2, 3),
            ),
        ];
        for (shape, expected) in cases {
            assert_eq!(client_overlap(&spans(shape)), expected, "{shape:?}");
        }
    }

    #[test]
    fn events_round_trip_keeps_order() {
        let events = vec![
            call(0, 0, 1),
            call(1, 1, 2),
            ret(0, 0, Some(5)),
            ret(1, 1, None),
        ];
        let ops = operations_from_events(events.clone()).expect("valid");
        assert_eq!(events_from_operations(&ops), events);
    }
}
