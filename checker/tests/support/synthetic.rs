//! Synthetic KV histories for the checker's tests and bench (included with `#[path]`):
//! concurrent appends to one key with a final read, as in the lab's TestUnreliableOneKey,
//! and long sequential histories.

#![allow(dead_code)] // Each includer uses some of these.

use checker::{ClientId, KvInput, KvOp, KvOutput, Operation, Outcome, Time};

/// A KV operation that returned `out` at `ret`.
pub fn kv_op(
    client: u64,
    (call, ret): (u64, u64),
    op: KvOp,
    value: &str,
    out: &str,
) -> Operation<KvInput, KvOutput> {
    Operation {
        client: ClientId(client),
        input: KvInput {
            op,
            key: "k".into(),
            value: value.into(),
        },
        call: Time(call),
        outcome: Outcome::Returned {
            output: KvOutput { value: out.into() },
            at: Time(ret),
        },
    }
}

/// SplitMix64, so each history is a function of its seed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        (z ^ (z >> 31)) % n
    }
}

/// TestUnreliableOneKey's shape: client 0 puts "" on the key; then `clients` clients each
/// append `per_client` distinct values ("x c j y"), each append called at the instant the
/// client's previous one returned (the first ones at the put's return), with random
/// latencies; then client 0 reads the key. Each append takes effect at a random instant
/// within its interval (as a server applies it before the reply arrives), and the read
/// shows the appends in that order, which is not the order of their returns: the history
/// is linearizable. Returns the history and the order the appends took effect in
/// (history indices).
pub fn one_key_appends(
    clients: u64,
    per_client: u64,
    seed: u64,
) -> (Vec<Operation<KvInput, KvOutput>>, Vec<usize>) {
    let mut rng = Rng(seed);
    let put_return = 1000;
    let mut history = vec![kv_op(0, (0, put_return), KvOp::Put, "", "")];
    // The appends as (effect time, history index).
    let mut effects: Vec<(u64, usize)> = Vec::new();
    let mut pieces: Vec<String> = vec![String::new()];
    for client in 1..=clients {
        let mut call = put_return;
        for j in 0..per_client {
            let ret = call + 50 + rng.below(200);
            let effect = call + 1 + rng.below(ret - call);
            let piece = format!("x {} {j} y", client - 1);
            effects.push((effect, history.len()));
            history.push(kv_op(client, (call, ret), KvOp::Append, &piece, ""));
            pieces.push(piece);
            call = ret;
        }
    }
    effects.sort_unstable();
    let value: String = effects.iter().map(|&(_, k)| pieces[k].as_str()).collect();
    let end = history.iter().filter_map(|o| o.outcome.return_time()).max();
    let after = end.map_or(0, |t| t.0 + 10);
    history.push(kv_op(0, (after, after + 100), KvOp::Get, "", &value));
    (history, effects.into_iter().map(|(_, k)| k).collect())
}

/// `n` appends of distinct values by `n` clients, all called at 0 and returning at 100,
/// then a read at 200 of every value in the order `order` gives (a permutation of
/// `0..n`): Porcupine's hard case, `n!` orders and one right.
pub fn concurrent_appends(n: usize, order: &[usize]) -> Vec<Operation<KvInput, KvOutput>> {
    let piece = |k: usize| format!("x {k} 0 y");
    let mut history: Vec<_> = (0..n)
        .map(|k| kv_op(k as u64, (0, 100), KvOp::Append, &piece(k), ""))
        .collect();
    let value: String = order.iter().map(|&k| piece(k)).collect();
    history.push(kv_op(n as u64, (200, 300), KvOp::Get, "", &value));
    history
}

/// `n` gets of the empty key by one client, each called at the instant the previous one
/// returned.
pub fn sequential_gets(n: usize) -> Vec<Operation<KvInput, KvOutput>> {
    (0..n as u64)
        .map(|k| kv_op(0, (10 * k, 10 * k + 10), KvOp::Get, "", ""))
        .collect()
}

/// `n` operations of one client in sequence, cycling through put, get, append, get (so
/// values stay short: "v7", then "v7a").
pub fn sequential_mix(n: usize) -> Vec<Operation<KvInput, KvOutput>> {
    let mut history = Vec::with_capacity(n);
    let mut value = String::new();
    for k in 0..n as u64 {
        let at = (10 * k, 10 * k + 10);
        let op = match k % 4 {
            0 => {
                value = format!("v{k}");
                kv_op(0, at, KvOp::Put, &value, "")
            }
            2 => {
                value.push('a');
                kv_op(0, at, KvOp::Append, "a", "")
            }
            _ => kv_op(0, at, KvOp::Get, "", &value),
        };
        history.push(op);
    }
    history
}

/// A single-key history of `clients` clients doing `per_client` operations each, in
/// sequence per client (each called when its previous returned, random latencies):
/// appends of distinct values ("x c j y") and gets, half and half, after a put of "".
/// Each operation takes effect at a random instant within its interval and each get reads
/// the value at its instant, so the history is linearizable. The lab's one-key tests, and
/// raftsim's single-key histories, have this shape.
pub fn one_key_mixed(
    clients: u64,
    per_client: u64,
    seed: u64,
) -> Vec<Operation<KvInput, KvOutput>> {
    let mut rng = Rng(seed);
    let put_return = 1000;
    let mut history = vec![kv_op(0, (0, put_return), KvOp::Put, "", "")];
    // (effect time, history index)
    let mut effects: Vec<(u64, usize)> = Vec::new();
    for client in 1..=clients {
        let mut call = put_return;
        for j in 0..per_client {
            let ret = call + 50 + rng.below(200);
            effects.push((call + 1 + rng.below(ret - call), history.len()));
            let op = if rng.below(2) == 0 {
                kv_op(
                    client,
                    (call, ret),
                    KvOp::Append,
                    &format!("x {} {j} y", client - 1),
                    "",
                )
            } else {
                kv_op(client, (call, ret), KvOp::Get, "", "")
            };
            history.push(op);
            call = ret;
        }
    }
    effects.sort_unstable();
    let mut value = String::new();
    for (_, k) in effects {
        let op = &mut history[k];
        match op.input.op {
            KvOp::Append => value.push_str(&op.input.value),
            _ => {
                let at = op.outcome.return_time().expect("returned");
                op.outcome = Outcome::Returned {
                    output: KvOutput {
                        value: value.clone(),
                    },
                    at,
                };
            }
        }
    }
    history
}

/// How [`corrupt_read`] damages a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    /// One byte in the middle of the value changes: a value no operation wrote.
    Byte,
    /// The value loses the last piece appended by an append that returned before the
    /// read was called, as a lost update would: still a concatenation of appended values,
    /// so only the search can refute it.
    Lost,
}

/// The history with the get nearest the middle whose value is long enough changed as
/// `how` says; returns it and the index of that get. Every other read is untouched, so
/// only that read is wrong.
pub fn corrupt_read(
    mut history: Vec<Operation<KvInput, KvOutput>>,
    how: Corruption,
) -> (Vec<Operation<KvInput, KvOutput>>, usize) {
    let returns: std::collections::BTreeMap<String, u64> = history
        .iter()
        .filter(|op| op.input.op == KvOp::Append)
        .filter_map(|op| Some((op.input.value.clone(), op.outcome.return_time()?.0)))
        .collect();
    // The byte range of the last piece of `value` appended before `call`.
    let lost = |value: &str, call: u64| {
        let starts: Vec<usize> = value.match_indices('x').map(|(at, _)| at).collect();
        let ends = starts.iter().skip(1).copied().chain([value.len()]);
        let pieces: Vec<(usize, usize)> = starts.iter().copied().zip(ends).collect();
        pieces
            .into_iter()
            .rev()
            .find(|&(a, b)| returns.get(&value[a..b]).is_some_and(|&r| r < call))
    };
    let middle = history.len() / 2;
    let k = (middle..history.len())
        .chain((0..middle).rev())
        .find(|&k| {
            let op = &history[k];
            let Some(output) = op.output().filter(|_| op.input.op == KvOp::Get) else {
                return false;
            };
            output.value.len() >= 14
                && (how == Corruption::Byte || lost(&output.value, op.call.0).is_some())
        })
        .expect("a get that read at least two appends");
    let call = history[k].call.0;
    let Outcome::Returned { output, .. } = &mut history[k].outcome else {
        unreachable!("the get returned")
    };
    match how {
        Corruption::Byte => {
            let at = output.value.len() / 2;
            let new = if output.value.as_bytes()[at] == b'#' {
                "%"
            } else {
                "#"
            };
            output.value.replace_range(at..at + 1, new);
        }
        Corruption::Lost => {
            let (a, b) = lost(&output.value, call).expect("checked above");
            output.value.replace_range(a..b, "");
        }
    }
    (history, k)
}
