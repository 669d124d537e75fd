//! Histories recorded by raftsim runs that the checker once could not decide, kept under
//! `tests/data/` with their verdict in the name. Each is decided within a small cache
//! limit (a deterministic bound, not a time), and an `Ok` is confirmed by replaying the
//! linearization the checker reports, so it does not rest on the search's pruning.

use checker::*;

type KvOperation = Operation<KvInput, KvOutput>;

fn recorded(name: &str) -> Vec<KvOperation> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/");
    let text =
        std::fs::read_to_string(format!("{path}{name}")).unwrap_or_else(|e| panic!("{name}: {e}"));
    parse_json(&text, name)
        .unwrap_or_else(|e| panic!("{e}"))
        .ops
}

/// Far below the 4M default: the search that gave up used all of it.
fn bounded() -> CheckOptions {
    CheckOptions {
        parallel: false,
        cache_limit: Some(100_000),
        ..CheckOptions::default()
    }
}

/// Panics unless `order` is a linearization of `history`: every operation once, each
/// after every operation that returned before it was called and after its client's
/// earlier ones, each legal in the state the ones before it leave.
fn assert_linearization(model: &KvModel, history: &[KvOperation], order: &[usize]) {
    let mut sorted = order.to_vec();
    sorted.sort_unstable();
    assert!(
        sorted.iter().copied().eq(0..history.len()),
        "every operation once"
    );
    let returned = |k: usize| history[k].outcome.return_time();
    for (at, &k) in order.iter().enumerate() {
        for &later in &order[at + 1..] {
            let (first, then) = (&history[k], &history[later]);
            assert!(
                returned(later).is_none_or(|r| r >= first.call),
                "op {later} returned before op {k} was called, yet comes after it"
            );
            assert!(
                first.client != then.client || first.call <= then.call,
                "client {:?}: op {later} comes after op {k}, called later",
                first.client
            );
        }
    }
    let mut state = model.init();
    for &k in order {
        let op = &history[k];
        state = match model.step(&state, &op.input, op.output()) {
            Next::Same => state,
            Next::One(next) => next,
            other => panic!("op {k} ({:?}) in {state:?}: {other:?}", op.input),
        };
    }
}

#[test]
fn recorded_swarmkv_seed_7388_is_linearizable() {
    // SwarmKv, seed 7388, on the reference Raft (`raftsim run SwarmKv --seed 7388
    // --history FILE`): 395 operations on one key by 6 clients, 168 appends, 137 gets and
    // 90 puts. The check gave up at the cache limit: a put no read shows (`c1.57`), open
    // across a get of 14 appends made concurrently by 5 clients, counted as a way to make
    // that get legal, so the get was never seen to rule out the wrong orders.
    let history = recorded("swarmkv-7388-ok.json");
    assert_eq!(history.len(), 395);
    let model = KvModel::new();
    let result = check_operations(&model, &history, &bounded());
    assert_eq!(result.verdict, Verdict::Ok);
    assert_eq!(result.partitions.len(), 1, "one key");
    assert_linearization(&model, &history, &result.partitions[0].linearization);
}

#[test]
fn recorded_swarmkv_seed_7388_with_two_appends_read_out_of_order_is_illegal() {
    // The get of 14 appends, reading `c3.75` and `c3.77` swapped: client 3's append of
    // c3.75 returned before its append of c3.77 was called, so no order reads c3.77
    // first (the value starts with the put c4.60, so both come after it).
    let mut history = recorded("swarmkv-7388-ok.json");
    let read =
        "c4.60 c3.75 c2.92 c4.61 c0.83 c3.76 c1.54 c4.62 c2.93 c1.55 c3.77 c4.63 c1.56 c3.78 ";
    let swapped = read
        .replace("c3.75", "#")
        .replace("c3.77", "c3.75")
        .replace('#', "c3.77");
    let get = history
        .iter()
        .position(|op| op.output().is_some_and(|o| o.value == read))
        .expect("the get of 14 appends");
    let Outcome::Returned { at, .. } = history[get].outcome else {
        panic!("the get returned");
    };
    history[get].outcome = Outcome::Returned {
        output: KvOutput { value: swapped },
        at,
    };
    let result = check_operations(&KvModel::new(), &history, &bounded());
    assert_eq!(result.verdict, Verdict::Illegal);
    assert_eq!(
        result.partitions[0].impossible, None,
        "refuted by the search: every piece read was written"
    );
}

#[test]
fn recorded_linearization_replay_fails_on_a_wrong_order() {
    // The replay above is the evidence for `Ok`: it must reject an order that breaks real
    // time or the model (here the found order with its first two writes swapped).
    let history = recorded("swarmkv-7388-ok.json");
    let model = KvModel::new();
    let result = check_operations(&model, &history, &bounded());
    let mut order = result.partitions[0].linearization.clone();
    let writes: Vec<usize> = (0..order.len())
        .filter(|&at| history[order[at]].input.op != KvOp::Get)
        .take(2)
        .collect();
    order.swap(writes[0], writes[1]);
    let replayed = std::panic::catch_unwind(|| assert_linearization(&model, &history, &order));
    assert!(replayed.is_err(), "a wrong order passed the replay");
}
