//! Property tests: on random small histories the checker agrees with a brute-force
//! enumeration of every order, and its reported prefix is always a valid linearization.

use checker::*;

/// SplitMix64: a tiny deterministic generator, so every failure replays from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Random intervals: `n` ops over `clients`, each client's ops sequential (often called
/// at the instant the previous one returned), some pending (only a client's last op), some
/// with unknown outputs.
fn intervals(rng: &mut Rng, n: usize, clients: u64) -> Vec<(u64, u64, Option<u64>, bool)> {
    let mut free_at = vec![0u64; clients as usize];
    let mut out = Vec::new();
    for _ in 0..n {
        let client = rng.below(clients);
        let call = free_at[client as usize] + rng.below(3) * rng.below(3);
        let ret = call + rng.below(6);
        free_at[client as usize] = ret;
        out.push((client, call, Some(ret), rng.below(6) == 0));
    }
    // Make some clients' last operation pending.
    for client in 0..clients {
        if rng.below(3) == 0 {
            if let Some(last) = out.iter_mut().rev().find(|o| o.0 == client) {
                last.2 = None;
            }
        }
    }
    out
}

fn operation<I, O>(shape: (u64, u64, Option<u64>, bool), input: I, output: O) -> Operation<I, O> {
    let (client, call, ret, unknown) = shape;
    let outcome = match ret {
        None => Outcome::Pending,
        Some(at) if unknown => Outcome::Unknown { at: Time(at) },
        Some(at) => Outcome::Returned {
            output,
            at: Time(at),
        },
    };
    Operation {
        client: ClientId(client),
        input,
        call: Time(call),
        outcome,
    }
}

/// Whether `j` must come before `k`: it returned before `k` was called, or it is an
/// earlier operation of the same client (by call time, then return time, then position)
/// that returned no later than `k` was called (a call at the instant of the client's
/// previous return comes after it).
fn precedes<I, O>(ops: &[Operation<I, O>], j: usize, k: usize) -> bool {
    let Some(returned) = ops[j].outcome.return_time() else {
        return false;
    };
    let key = |x: usize| {
        let ret = ops[x].outcome.return_time().map_or(u64::MAX, |t| t.0);
        (ops[x].call.0, ret, x)
    };
    returned < ops[k].call
        || (ops[j].client == ops[k].client && returned <= ops[k].call && key(j) < key(k))
}

/// Whether some order of all ops respects real time, client order and the model:
/// depth-first over every order, following every nondeterministic branch.
fn brute_force<M: Model>(model: &M, ops: &[Operation<M::Input, M::Output>]) -> bool {
    fn go<M: Model>(
        model: &M,
        ops: &[Operation<M::Input, M::Output>],
        used: &mut Vec<bool>,
        state: &M::State,
    ) -> bool {
        if used.iter().all(|u| *u) {
            return true;
        }
        for k in 0..ops.len() {
            if used[k] {
                continue;
            }
            // k may come next iff no unused op must precede it.
            let blocked = (0..ops.len()).any(|j| !used[j] && j != k && precedes(ops, j, k));
            if blocked {
                continue;
            }
            let nexts = match model.step(state, &ops[k].input, ops[k].output()) {
                Next::Illegal => vec![],
                Next::Same => vec![state.clone()],
                Next::One(s) => vec![s],
                Next::Many(v) => v,
            };
            for next in nexts {
                used[k] = true;
                let ok = go(model, ops, used, &next);
                used[k] = false;
                if ok {
                    return true;
                }
            }
        }
        false
    }
    go(model, ops, &mut vec![false; ops.len()], &model.init())
}

fn random_register(rng: &mut Rng) -> Vec<Operation<RegisterInput, RegisterOutput>> {
    let n = 1 + rng.below(7) as usize;
    intervals(rng, n, 3)
        .into_iter()
        .map(|shape| {
            let value = rng.below(3) as i64;
            match rng.below(3) {
                0 => {
                    let seen = if rng.below(4) == 0 {
                        None
                    } else {
                        Some(rng.below(3) as i64)
                    };
                    operation(
                        shape,
                        RegisterInput::Read,
                        RegisterOutput::Read { value: seen },
                    )
                }
                1 => operation(shape, RegisterInput::Write { value }, RegisterOutput::Write),
                _ => operation(
                    shape,
                    RegisterInput::Cas {
                        from: value,
                        to: rng.below(3) as i64,
                    },
                    RegisterOutput::Cas {
                        ok: rng.below(2) == 0,
                    },
                ),
            }
        })
        .collect()
}

fn random_kv(rng: &mut Rng) -> Vec<Operation<KvInput, KvOutput>> {
    let n = 1 + rng.below(7) as usize;
    let pieces = ["", "a", "b", "ab", "ba", "aa"];
    intervals(rng, n, 3)
        .into_iter()
        .map(|shape| {
            let key = if rng.below(3) == 0 { "k2" } else { "k1" };
            let op = [
                KvOp::Get,
                KvOp::Get,
                KvOp::Put,
                KvOp::Append,
                KvOp::Append,
                KvOp::AppendReturningPrevious,
            ][rng.below(6) as usize];
            let value = if op == KvOp::Get {
                ""
            } else {
                pieces[1 + rng.below(2) as usize]
            };
            let output = if matches!(op, KvOp::Get | KvOp::AppendReturningPrevious) {
                pieces[rng.below(6) as usize]
            } else {
                ""
            };
            operation(
                shape,
                KvInput {
                    op,
                    key: key.into(),
                    value: value.into(),
                },
                KvOutput {
                    value: output.into(),
                },
            )
        })
        .collect()
}

/// An append-heavy history on one key: appends of short pieces by up to 4 clients, some
/// gets reading a concatenation of pieces appended so far (in any order, so right or
/// wrong), and now and then a put.
fn random_appends(rng: &mut Rng, n: usize) -> Vec<Operation<KvInput, KvOutput>> {
    let pieces = ["a", "b", "c", "ab"];
    let mut appended: Vec<&str> = Vec::new();
    intervals(rng, n, 4)
        .into_iter()
        .map(|shape| {
            let op = match rng.below(10) {
                0..=5 => KvOp::Append,
                6..=8 => KvOp::Get,
                _ => KvOp::Put,
            };
            let value = pieces[rng.below(4) as usize];
            let mut output = String::new();
            if op == KvOp::Get {
                for _ in 0..rng.below(appended.len() as u64 + 1).min(4) {
                    output.push_str(appended[rng.below(appended.len() as u64) as usize]);
                }
            } else {
                appended.push(value);
            }
            operation(
                shape,
                KvInput {
                    op,
                    key: "k".into(),
                    value: if op == KvOp::Get { "" } else { value }.into(),
                },
                KvOutput { value: output },
            )
        })
        .collect()
}

fn agree<M: Model>(model: &M, ops: &[Operation<M::Input, M::Output>], seed: u64) -> Verdict {
    let expected = brute_force(model, ops);
    let result = check_operations(
        model,
        ops,
        &CheckOptions {
            parallel: false,
            ..CheckOptions::default()
        },
    );
    assert_eq!(
        result.verdict == Verdict::Ok,
        expected,
        "seed {seed}: checker says {:?}, brute force {expected}\n{ops:#?}",
        result.verdict
    );
    // Replaying every reported prefix must succeed (explain asserts it does).
    let explanations = result.explain(model, ops);
    for e in &explanations {
        if e.verdict == PartitionVerdict::Illegal {
            assert!(
                !e.rejected.is_empty() || e.prefix.len() < result.partitions[e.partition].ops.len(),
                "seed {seed}"
            );
        }
    }
    result.verdict
}

#[test]
fn property_register_checker_equals_brute_force() {
    let (mut ok, mut illegal) = (0, 0);
    for seed in 0..3000 {
        let mut rng = Rng(seed);
        let ops = random_register(&mut rng);
        match agree(&RegisterModel, &ops, seed) {
            Verdict::Ok => ok += 1,
            _ => illegal += 1,
        }
    }
    assert!(
        ok > 300 && illegal > 300,
        "both verdicts are exercised: {ok} ok, {illegal} illegal"
    );
}

#[test]
fn property_kv_checker_equals_brute_force_partitioned_or_not() {
    let (mut ok, mut illegal) = (0, 0);
    for seed in 0..3000 {
        let mut rng = Rng(seed ^ 0xABCD);
        let ops = random_kv(&mut rng);
        let verdict = agree(&KvModel::new(), &ops, seed);
        assert_eq!(
            agree(&KvModel::unpartitioned(), &ops, seed),
            verdict,
            "seed {seed}: partitioning changes nothing"
        );
        match verdict {
            Verdict::Ok => ok += 1,
            _ => illegal += 1,
        }
    }
    assert!(
        ok > 300 && illegal > 300,
        "both verdicts are exercised: {ok} ok, {illegal} illegal"
    );
}

#[test]
fn property_kv_appends_and_reads_checker_equals_brute_force() {
    let (mut ok, mut illegal) = (0, 0);
    for seed in 0..3000 {
        let mut rng = Rng(seed ^ 0xA99E);
        let n = 2 + rng.below(7) as usize;
        let ops = random_appends(&mut rng, n);
        match agree(&KvModel::new(), &ops, seed) {
            Verdict::Ok => ok += 1,
            _ => illegal += 1,
        }
    }
    assert!(
        ok > 300 && illegal > 300,
        "both verdicts are exercised: {ok} ok, {illegal} illegal"
    );
}

#[test]
fn property_results_do_not_depend_on_threads() {
    let mut histories = Vec::new();
    for seed in 0..200 {
        let mut rng = Rng(seed ^ 0x77);
        let mut ops = random_kv(&mut rng);
        // Spread over more keys so that several partitions run in parallel.
        for (k, op) in ops.iter_mut().enumerate() {
            op.input.key = format!("k{}", k % 4);
        }
        histories.push(ops);
    }
    let run = |threads: usize, parallel: bool| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("pool");
        pool.install(|| {
            histories
                .iter()
                .map(|ops| {
                    check_operations(
                        &KvModel::new(),
                        ops,
                        &CheckOptions {
                            parallel,
                            ..CheckOptions::default()
                        },
                    )
                })
                .collect::<Vec<_>>()
        })
    };
    let sequential = run(1, false);
    assert_eq!(run(1, true), sequential);
    assert_eq!(run(2, true), sequential);
    assert_eq!(run(4, true), sequential);
}

/// A model without pruning hints (no greedy reads, no doomed reads): a slower but simpler
/// oracle for histories too large to enumerate.
struct Plain<M>(M);

impl<M: Model> Model for Plain<M> {
    type State = M::State;
    type Input = M::Input;
    type Output = M::Output;

    fn init(&self) -> M::State {
        self.0.init()
    }

    fn step(
        &self,
        state: &M::State,
        input: &M::Input,
        output: Option<&M::Output>,
    ) -> Next<M::State> {
        self.0.step(state, input, output)
    }

    fn partition(&self, ops: &[Operation<M::Input, M::Output>]) -> Vec<Vec<usize>> {
        self.0.partition(ops)
    }
}

/// A larger random history: `n` ops over `clients`.
fn random_register_large(rng: &mut Rng, n: usize) -> Vec<Operation<RegisterInput, RegisterOutput>> {
    intervals(rng, n, 5)
        .into_iter()
        .map(|shape| match rng.below(3) {
            0 => operation(
                shape,
                RegisterInput::Read,
                RegisterOutput::Read {
                    value: Some(rng.below(3) as i64),
                },
            ),
            1 => operation(
                shape,
                RegisterInput::Write {
                    value: rng.below(3) as i64,
                },
                RegisterOutput::Write,
            ),
            _ => operation(
                shape,
                RegisterInput::Cas {
                    from: rng.below(3) as i64,
                    to: rng.below(3) as i64,
                },
                RegisterOutput::Cas {
                    ok: rng.below(2) == 0,
                },
            ),
        })
        .collect()
}

#[test]
fn property_pruning_hints_never_change_the_verdict() {
    let options = CheckOptions {
        parallel: false,
        ..CheckOptions::default()
    };
    let (mut ok, mut illegal) = (0, 0);
    let (mut appends_ok, mut appends_illegal) = (0, 0);
    for seed in 0..1500 {
        let mut rng = Rng(seed ^ 0x5555);
        let n = 8 + rng.below(10) as usize;
        let ops = random_register_large(&mut rng, n);
        let fast = check_operations(&RegisterModel, &ops, &options).verdict;
        let plain = check_operations(&Plain(RegisterModel), &ops, &options).verdict;
        assert_eq!(fast, plain, "register seed {seed}\n{ops:#?}");
        let mut rng = Rng(seed ^ 0x6666);
        let kv_ops: Vec<_> = (0..3).flat_map(|_| random_kv(&mut rng)).collect();
        let fast_kv = check_operations(&KvModel::unpartitioned(), &kv_ops, &options).verdict;
        assert_eq!(
            fast_kv,
            check_operations(&Plain(KvModel::unpartitioned()), &kv_ops, &options).verdict,
            "kv seed {seed}"
        );
        let mut rng = Rng(seed ^ 0x7777);
        let n = 10 + rng.below(8) as usize;
        let appends = random_appends(&mut rng, n);
        let fast_appends = check_operations(&KvModel::new(), &appends, &options).verdict;
        assert_eq!(
            fast_appends,
            check_operations(&Plain(KvModel::new()), &appends, &options).verdict,
            "appends seed {seed}\n{appends:#?}"
        );
        assert_ne!(fast_appends, Verdict::Unknown, "appends seed {seed}");
        match fast_appends {
            Verdict::Ok => appends_ok += 1,
            _ => appends_illegal += 1,
        }
        match fast {
            Verdict::Ok => ok += 1,
            _ => illegal += 1,
        }
    }
    assert!(
        ok > 100 && illegal > 100,
        "both verdicts are exercised: {ok} ok, {illegal} illegal"
    );
    assert!(
        appends_ok > 100 && appends_illegal > 100,
        "both verdicts are exercised on appends: {appends_ok} ok, {appends_illegal} illegal"
    );
}
