//! Small hand-made histories with known verdicts and, for illegal ones, the expected
//! longest linearizable prefix and the operations that could not come next.

use checker::*;

/// A register operation: `ret` is `None` for a pending call; `out` is `None` for an
/// unknown output.
fn reg(
    client: u64,
    call: u64,
    ret: Option<u64>,
    input: RegisterInput,
    out: Option<RegisterOutput>,
) -> Operation<RegisterInput, RegisterOutput> {
    let outcome = match (ret, out) {
        (Some(at), Some(output)) => Outcome::Returned {
            output,
            at: Time(at),
        },
        (Some(at), None) => Outcome::Unknown { at: Time(at) },
        (None, _) => Outcome::Pending,
    };
    Operation {
        client: ClientId(client),
        input,
        call: Time(call),
        outcome,
    }
}

fn write(v: i64) -> RegisterInput {
    RegisterInput::Write { value: v }
}
fn wrote() -> Option<RegisterOutput> {
    Some(RegisterOutput::Write)
}
fn read(v: Option<i64>) -> Option<RegisterOutput> {
    Some(RegisterOutput::Read { value: v })
}

struct Case {
    name: &'static str,
    history: Vec<Operation<RegisterInput, RegisterOutput>>,
    verdict: Verdict,
    /// For illegal cases: the expected longest prefix and the ops that cannot come next.
    prefix: &'static [usize],
    rejected: &'static [usize],
}

fn register_cases() -> Vec<Case> {
    use RegisterInput::Read;
    vec![
        Case {
            name: "touching intervals are concurrent: a read at the write's return may precede it",
            history: vec![
                reg(0, 0, Some(10), write(1), wrote()),
                reg(1, 10, Some(20), Read, read(None)),
            ],
            verdict: Verdict::Ok,
            prefix: &[],
            rejected: &[],
        },
        Case {
            name: "a read strictly after a write must see it",
            history: vec![
                reg(0, 0, Some(10), write(1), wrote()),
                reg(1, 11, Some(20), Read, read(None)),
            ],
            verdict: Verdict::Illegal,
            prefix: &[0],
            rejected: &[1],
        },
        Case {
            name: "zero-length operations at the same instant are concurrent",
            history: vec![
                reg(0, 5, Some(5), write(1), wrote()),
                reg(1, 5, Some(5), Read, read(None)),
                reg(2, 5, Some(5), Read, read(Some(1))),
            ],
            verdict: Verdict::Ok,
            prefix: &[],
            rejected: &[],
        },
        Case {
            name: "zero-length operations at different instants are ordered",
            history: vec![
                reg(0, 5, Some(5), write(1), wrote()),
                reg(1, 6, Some(6), Read, read(None)),
            ],
            verdict: Verdict::Illegal,
            prefix: &[0],
            rejected: &[1],
        },
        Case {
            name: "a pending write may take effect later",
            history: vec![
                reg(0, 0, None, write(1), None),
                reg(1, 10, Some(20), Read, read(None)),
                reg(1, 30, Some(40), Read, read(Some(1))),
            ],
            verdict: Verdict::Ok,
            prefix: &[],
            rejected: &[],
        },
        Case {
            name: "a pending write, once seen, cannot be unseen",
            history: vec![
                reg(0, 0, None, write(1), None),
                reg(1, 10, Some(20), Read, read(Some(1))),
                reg(1, 30, Some(40), Read, read(None)),
            ],
            verdict: Verdict::Illegal,
            prefix: &[0, 1],
            rejected: &[2],
        },
        Case {
            name: "a read that returned with an unknown output accepts any value",
            history: vec![
                reg(0, 0, Some(10), write(1), wrote()),
                reg(1, 20, Some(30), Read, None),
            ],
            verdict: Verdict::Ok,
            prefix: &[],
            rejected: &[],
        },
        Case {
            name: "the only linearization puts the long write late",
            history: vec![
                reg(0, 0, Some(100), write(1), wrote()),
                reg(1, 10, Some(20), write(2), wrote()),
                reg(2, 21, Some(25), Read, read(Some(2))),
                reg(2, 30, Some(40), Read, read(Some(1))),
            ],
            verdict: Verdict::Ok,
            prefix: &[],
            rejected: &[],
        },
        Case {
            name: "after the late write returns, its value cannot be lost",
            history: vec![
                reg(0, 0, Some(100), write(1), wrote()),
                reg(1, 10, Some(20), write(2), wrote()),
                reg(2, 21, Some(25), Read, read(Some(2))),
                reg(2, 30, Some(40), Read, read(Some(1))),
                reg(2, 110, Some(120), Read, read(Some(2))),
            ],
            verdict: Verdict::Illegal,
            prefix: &[1, 2, 0, 3],
            rejected: &[4],
        },
        Case {
            name: "a failed cas is legal only if the compare fails",
            history: vec![
                reg(0, 0, Some(10), write(3), wrote()),
                reg(
                    1,
                    20,
                    Some(30),
                    RegisterInput::Cas { from: 3, to: 4 },
                    Some(RegisterOutput::Cas { ok: false }),
                ),
            ],
            verdict: Verdict::Illegal,
            prefix: &[0],
            rejected: &[1],
        },
        Case {
            name: "the empty history is linearizable",
            history: vec![],
            verdict: Verdict::Ok,
            prefix: &[],
            rejected: &[],
        },
    ]
}

#[test]
fn handmade_register_histories_give_expected_verdicts_and_prefixes() {
    for case in register_cases() {
        for parallel in [false, true] {
            let options = CheckOptions {
                parallel,
                ..CheckOptions::default()
            };
            let result = check_operations(&RegisterModel, &case.history, &options);
            assert_eq!(result.verdict, case.verdict, "{}", case.name);
            let explanations = result.explain(&RegisterModel, &case.history);
            if case.verdict == Verdict::Ok {
                assert!(
                    explanations.iter().all(|e| e.rejected.is_empty()),
                    "{}",
                    case.name
                );
                let linearized: usize = explanations.iter().map(|e| e.prefix.len()).sum();
                assert_eq!(
                    linearized,
                    case.history.len(),
                    "{}: full linearization",
                    case.name
                );
                continue;
            }
            let why = result
                .explain_first_failure(&RegisterModel, &case.history)
                .expect("a failing partition");
            let prefix: Vec<usize> = why.prefix.iter().map(|s| s.op).collect();
            let rejected: Vec<usize> = why.rejected.iter().map(|r| r.op).collect();
            assert_eq!(prefix, case.prefix, "{}: prefix", case.name);
            assert_eq!(rejected, case.rejected, "{}: rejected", case.name);
            assert!(
                why.to_string().contains("none of these can come next"),
                "{}",
                case.name
            );
        }
    }
}

/// A register whose CAS with an unknown outcome may or may not have taken effect: a
/// nondeterministic model (the built-in one decides it from the state).
struct MaybeCasRegister;

impl Model for MaybeCasRegister {
    type State = i64;
    type Input = RegisterInput;
    type Output = RegisterOutput;

    fn init(&self) -> i64 {
        0
    }

    fn step(
        &self,
        state: &i64,
        input: &RegisterInput,
        output: Option<&RegisterOutput>,
    ) -> Next<i64> {
        match (input, output) {
            (RegisterInput::Cas { from, to }, None) if from == state => {
                Next::Many(vec![*to, *state])
            }
            (RegisterInput::Cas { .. }, None) => Next::Same,
            (RegisterInput::Read, Some(RegisterOutput::Read { value }))
                if *value != Some(*state) =>
            {
                Next::Illegal
            }
            (RegisterInput::Read, _) => Next::Same,
            (RegisterInput::Write { value }, _) => Next::One(*value),
            (RegisterInput::Cas { from, to }, Some(RegisterOutput::Cas { ok: true }))
                if from == state =>
            {
                Next::One(*to)
            }
            (RegisterInput::Cas { from, .. }, Some(RegisterOutput::Cas { ok: false }))
                if from != state =>
            {
                Next::Same
            }
            _ => Next::Illegal,
        }
    }
}

#[test]
fn handmade_nondeterministic_cas_explores_both_outcomes() {
    use RegisterInput::{Cas, Read};
    // The CAS returned (unknown outcome) before the read started; the read saw 0, so the
    // CAS must not have taken effect: only the second of the model's next states works.
    let history = vec![
        reg(0, 0, Some(10), Cas { from: 0, to: 1 }, None),
        reg(1, 20, Some(30), Read, read(Some(0))),
    ];
    let result = check_operations(&MaybeCasRegister, &history, &CheckOptions::default());
    assert_eq!(result.verdict, Verdict::Ok);
    assert_eq!(result.partitions[0].linearization, vec![0, 1]);
    assert_eq!(
        result.partitions[0].choices,
        vec![1, 0],
        "the CAS took its second outcome"
    );
    let why = result.explain(&MaybeCasRegister, &history);
    assert_eq!(why[0].prefix[0].state_after, "0");
    // Seeing 1 needs the first outcome; seeing 2 needs neither.
    let saw = |v| {
        vec![
            history[0].clone(),
            reg(1, 20, Some(30), Read, read(Some(v))),
        ]
    };
    assert_eq!(
        check_operations(&MaybeCasRegister, &saw(1), &CheckOptions::default()).verdict,
        Verdict::Ok
    );
    let bad = check_operations(&MaybeCasRegister, &saw(2), &CheckOptions::default());
    assert_eq!(bad.verdict, Verdict::Illegal);
    let why = bad
        .explain_first_failure(&MaybeCasRegister, &saw(2))
        .expect("failure");
    assert_eq!(why.rejected.len(), 1);
    assert_eq!(why.rejected[0].op, 1);
}

fn kv(
    client: u64,
    call: u64,
    ret: u64,
    op: KvOp,
    key: &str,
    value: &str,
    out: &str,
) -> Operation<KvInput, KvOutput> {
    Operation {
        client: ClientId(client),
        input: KvInput {
            op,
            key: key.into(),
            value: value.into(),
        },
        call: Time(call),
        outcome: Outcome::Returned {
            output: KvOutput { value: out.into() },
            at: Time(ret),
        },
    }
}

#[test]
fn handmade_kv_partitions_by_key_and_explains_the_failing_key() {
    let history = vec![
        kv(0, 0, 10, KvOp::Put, "a", "1", ""),
        kv(1, 0, 10, KvOp::Append, "b", "x", ""),
        kv(2, 5, 15, KvOp::Append, "b", "y", ""),
        kv(0, 20, 30, KvOp::Get, "a", "", "1"),
        kv(1, 20, 30, KvOp::Get, "b", "", "yx"),
        kv(2, 31, 40, KvOp::AppendReturningPrevious, "b", "z", "xy"),
    ];
    let result = check_operations(&KvModel::new(), &history, &CheckOptions::default());
    assert_eq!(result.verdict, Verdict::Illegal);
    assert_eq!(result.partitions.len(), 2);
    assert_eq!(result.partitions[0].verdict, PartitionVerdict::Ok);
    assert_eq!(result.first_failure(), Some(1));
    let why = result
        .explain_first_failure(&KvModel::new(), &history)
        .expect("key b fails");
    let prefix: Vec<usize> = why.prefix.iter().map(|s| s.op).collect();
    assert_eq!(prefix, vec![2, 1, 4]);
    assert_eq!(
        why.rejected.iter().map(|r| r.op).collect::<Vec<_>>(),
        vec![5]
    );
    assert_eq!(why.rejected[0].state_before, "\"yx\"");
    // Reading "yx" back is fine.
    let mut fixed = history.clone();
    fixed[5] = kv(2, 31, 40, KvOp::AppendReturningPrevious, "b", "z", "yx");
    assert_eq!(
        check_operations(&KvModel::new(), &fixed, &CheckOptions::default()).verdict,
        Verdict::Ok
    );
    assert_eq!(
        check_operations(&KvModel::unpartitioned(), &fixed, &CheckOptions::default()).verdict,
        Verdict::Ok
    );
}

#[test]
fn handmade_events_with_unmatched_call_are_pending_not_mischecked() {
    use RegisterInput::Read;
    let event = |client, id, kind| Event {
        client: ClientId(client),
        id: OpId(id),
        kind,
    };
    // The write never returns; a later read sees it: linearizable only because the write
    // is pending to the end rather than dropped.
    let events = vec![
        event(0, 0, EventKind::Call(write(7))),
        event(1, 1, EventKind::Call(Read)),
        event(1, 1, EventKind::Return(read(Some(7)))),
    ];
    let CheckedEvents { ops, result } =
        check_events(&RegisterModel, events, &CheckOptions::default()).expect("valid events");
    assert_eq!(ops[0].outcome, Outcome::Pending);
    assert_eq!(result.verdict, Verdict::Ok);
    let orphan = vec![event(1, 9, EventKind::Return(read(None)))];
    assert!(check_events(&RegisterModel, orphan, &CheckOptions::default()).is_err());
}

#[test]
fn handmade_cache_limit_turns_into_unknown() {
    // Many concurrent writes and a successful compare-and-set that no order allows (no
    // read to prune with): exhaustive search is needed, and a tiny memo budget stops it
    // first.
    let mut history: Vec<_> = (0..12)
        .map(|k| reg(k, 0, Some(100), write(k as i64), wrote()))
        .collect();
    history.push(reg(
        99,
        200,
        Some(210),
        RegisterInput::Cas { from: 42, to: 0 },
        Some(RegisterOutput::Cas { ok: true }),
    ));
    let tight = CheckOptions {
        cache_limit: Some(64),
        ..CheckOptions::default()
    };
    let result = check_operations(&RegisterModel, &history, &tight);
    assert_eq!(result.verdict, Verdict::Unknown);
    assert_eq!(
        result.partitions[0].verdict,
        PartitionVerdict::Unknown(Limit::CacheLimit)
    );
    assert_eq!(
        check_operations(&RegisterModel, &history, &CheckOptions::default()).verdict,
        Verdict::Illegal
    );
}

#[test]
fn handmade_kv_client_call_at_its_previous_return_comes_after_it() {
    // Client 0 puts, then gets at the very instant the put returned, and misses its own
    // put. Closed intervals alone made the two concurrent (Ok); client order makes the
    // get come after the put (Illegal).
    let history = vec![
        kv(0, 0, 10, KvOp::Put, "k", "1", ""),
        kv(0, 10, 20, KvOp::Get, "k", "", ""),
    ];
    let result = check_operations(&KvModel::new(), &history, &CheckOptions::default());
    assert_eq!(result.verdict, Verdict::Illegal);
    let why = result
        .explain_first_failure(&KvModel::new(), &history)
        .expect("a failing partition");
    assert_eq!(why.prefix.iter().map(|s| s.op).collect::<Vec<_>>(), vec![0]);
    assert_eq!(
        why.rejected.iter().map(|r| r.op).collect::<Vec<_>>(),
        vec![1]
    );
    // The same get by another client touches the put: concurrent, as in Porcupine.
    let mut other = history.clone();
    other[1].client = ClientId(1);
    assert_eq!(
        check_operations(&KvModel::new(), &other, &CheckOptions::default()).verdict,
        Verdict::Ok
    );
    // And an append missed the same way.
    let appended = vec![
        kv(0, 0, 10, KvOp::Append, "k", "x", ""),
        kv(0, 10, 20, KvOp::Append, "k", "y", ""),
        kv(1, 30, 40, KvOp::Get, "k", "", "yx"),
    ];
    assert_eq!(
        check_operations(&KvModel::new(), &appended, &CheckOptions::default()).verdict,
        Verdict::Illegal
    );
}

#[test]
fn handmade_kv_overlapping_ops_of_one_client_are_ordered_by_real_time_only() {
    // A malformed history (the readers reject it): client 0's get starts before its put
    // returns. Through the library it is checked without a panic, the two operations
    // ordered by real time alone: the get may come first.
    let history = vec![
        kv(0, 0, 10, KvOp::Put, "k", "1", ""),
        kv(0, 5, 20, KvOp::Get, "k", "", ""),
        kv(0, 20, 30, KvOp::Get, "k", "", "1"),
    ];
    let result = check_operations(&KvModel::new(), &history, &CheckOptions::default());
    assert_eq!(result.verdict, Verdict::Ok);
    assert_eq!(result.partitions[0].linearization, vec![1, 0, 2]);
}

#[test]
fn handmade_register_equal_writes_are_not_swapped_across_client_order() {
    use RegisterInput::Read;
    // Writes 1 and 2 (ops 1 and 2) are equal and overlap; op 1 follows client 0's write
    // of 1, which returns at the instant both are called. The only linearization puts op
    // 2 first (the zero-length read at 10 sees 2 before the read at 11 sees 1), so op 1
    // must not be forced before op 2 as twins would be.
    let history = vec![
        reg(0, 0, Some(10), write(1), wrote()),
        reg(0, 10, Some(20), write(2), wrote()),
        reg(1, 10, Some(30), write(2), wrote()),
        reg(2, 10, Some(10), Read, read(Some(2))),
        reg(3, 11, Some(15), Read, read(Some(1))),
        reg(4, 40, Some(50), Read, read(Some(2))),
    ];
    let result = check_operations(&RegisterModel, &history, &CheckOptions::default());
    assert_eq!(result.verdict, Verdict::Ok);
    assert_eq!(result.partitions[0].linearization, vec![2, 3, 0, 4, 1, 5]);
}

#[test]
fn handmade_kv_cross_key_cycle_at_one_instant_is_seen_whole_not_per_key() {
    // Clients 0 and 1 each write one key and, at the instant the write returns, read the
    // other key and miss the other's write. Per key each read may precede the other
    // client's write (touching across clients), but client order closes a cycle: w0 <
    // r0 < w1 < r1 < w0. With client order, precedence is no interval order, so checking
    // per key (P-compositionality) can accept what the whole history refutes. Only
    // histories with a client's call at its previous return are affected.
    let history = vec![
        kv(0, 0, 10, KvOp::Put, "x", "1", ""),
        kv(0, 10, 20, KvOp::Get, "y", "", ""),
        kv(1, 0, 10, KvOp::Put, "y", "1", ""),
        kv(1, 10, 20, KvOp::Get, "x", "", ""),
    ];
    let options = CheckOptions::default();
    assert_eq!(
        check_operations(&KvModel::new(), &history, &options).verdict,
        Verdict::Ok
    );
    assert_eq!(
        check_operations(&KvModel::unpartitioned(), &history, &options).verdict,
        Verdict::Illegal
    );
    // A gap after each client's write restores locality: both say Illegal.
    let mut gapped = history.clone();
    gapped[1].call = Time(11);
    gapped[3].call = Time(11);
    for model in [KvModel::new(), KvModel::unpartitioned()] {
        assert_eq!(
            check_operations(&model, &gapped, &options).verdict,
            Verdict::Illegal
        );
    }
}
