//! Exported histories read back: raftsim's EDN export (`to_kv_edn`) read by raftsim's
//! reader and by a reader that does what Porcupine's KV log reader does (its test suite's
//! `parseKvLog`: a 4,096-byte line buffer, one pattern per line kind, `:info` lines
//! ignored, a call left without a return given one at the end with an empty output) gives
//! the verdict raftsim gives the operations.

use checker::*;

#[path = "support/corpus.rs"]
mod support;
use support::corpus;

#[path = "support/synthetic.rs"]
mod synthetic;
use synthetic::{corrupt_read, kv_op, one_key_mixed, Corruption};

fn single_core() -> CheckOptions {
    CheckOptions {
        parallel: false,
        ..CheckOptions::default()
    }
}

fn verdict(ops: &[Operation<KvInput, KvOutput>]) -> Verdict {
    check_operations(&KvModel::new(), ops, &single_core()).verdict
}

/// The part of `line` between `prefix` and the last `suffix` (Go's greedy `(.*)`).
fn between<'a>(line: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(prefix)?;
    let end = rest.rfind(suffix)?;
    (end + suffix.len() == rest.len()).then(|| &rest[..end])
}

/// What Porcupine's KV log reader makes of `text`, as events, or why it panics.
fn porcupine_read(text: &str) -> Result<Vec<Event<KvInput, KvOutput>>, String> {
    let mut events = Vec::new();
    let mut open: std::collections::BTreeMap<u64, (OpId, KvOp)> = Default::default();
    let mut next_id = 0;
    for (number, line) in text.lines().enumerate() {
        if line.len() > PORCUPINE_LINE_BYTES_MAX {
            return Err(format!("line {}: can't handle isPrefix", number + 1));
        }
        let Some(rest) = line.strip_prefix("{:process ") else {
            continue;
        };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        let Ok(process) = digits.parse::<u64>() else {
            continue;
        };
        let rest = &rest[digits.len()..];
        let call = |f: &str| format!(", :type :invoke, :f :{f}, :key \"");
        let returned = |f: &str| format!(", :type :ok, :f :{f}, :key \"");
        let client = ClientId(process);
        let mut invoke = |op: KvOp, key: &str, value: &str| {
            let id = OpId(next_id);
            next_id += 1;
            open.insert(process, (id, op));
            let input = KvInput {
                op,
                key: key.into(),
                value: value.into(),
            };
            events.push(Event {
                client,
                id,
                kind: EventKind::Call(input),
            });
        };
        if let Some(key) = between(rest, &call("get"), "\", :value nil}") {
            invoke(KvOp::Get, key, "");
        } else if let Some(kv) = between(rest, &call("put"), "\"}") {
            let (key, value) = kv.split_once("\", :value \"").ok_or("put")?;
            invoke(KvOp::Put, key, value);
        } else if let Some(kv) = between(rest, &call("append"), "\"}") {
            let (key, value) = kv.split_once("\", :value \"").ok_or("append")?;
            invoke(KvOp::Append, key, value);
        } else {
            for f in ["get", "put", "append"] {
                let Some(kv) = between(rest, &returned(f), "\"}") else {
                    continue;
                };
                let (_, value) = kv.split_once("\", :value \"").ok_or("return")?;
                // Go's map gives id 0 to a process with no call open.
                let (id, _) = open.remove(&process).unwrap_or((OpId(0), KvOp::Get));
                let output = KvOutput {
                    value: if f == "get" {
                        value.into()
                    } else {
                        String::new()
                    },
                };
                events.push(Event {
                    client,
                    id,
                    kind: EventKind::Return(Some(output)),
                });
            }
        }
    }
    for (process, (id, _)) in open {
        let output = KvOutput {
            value: String::new(),
        };
        events.push(Event {
            client: ClientId(process),
            id,
            kind: EventKind::Return(Some(output)),
        });
    }
    Ok(events)
}

/// Both readers' verdicts on `ops` exported, beside raftsim's on `ops` itself.
fn round_trip(ops: &[Operation<KvInput, KvOutput>]) -> (Verdict, Verdict, Verdict) {
    let edn = to_kv_edn(ops);
    let ours = parse_kv_edn(&edn, "export.txt").unwrap_or_else(|e| panic!("{e}\n{edn}"));
    let events = porcupine_read(&edn).unwrap_or_else(|e| panic!("{e}"));
    let theirs = check_events(&KvModel::new(), events, &single_core()).expect("events");
    (verdict(ops), verdict(&ours), theirs.result.verdict)
}

fn pending(mut op: Operation<KvInput, KvOutput>) -> Operation<KvInput, KvOutput> {
    op.outcome = Outcome::Pending;
    op
}

fn unknown(mut op: Operation<KvInput, KvOutput>) -> Operation<KvInput, KvOutput> {
    let at = op.outcome.return_time().expect("returned");
    op.outcome = Outcome::Unknown { at };
    op
}

#[test]
fn export_pending_get_is_left_out_not_read_as_empty() {
    // A put, then a get that never returned: linearizable. Written as a call left open,
    // Porcupine's reader would give it a return reading "" after the put: a false alarm.
    let ops = vec![
        kv_op(0, (0, 10), KvOp::Put, "v", ""),
        pending(kv_op(1, (20, 30), KvOp::Get, "", "")),
        unknown(kv_op(2, (20, 30), KvOp::Get, "", "")),
    ];
    assert_eq!(round_trip(&ops), (Verdict::Ok, Verdict::Ok, Verdict::Ok));
    let edn = to_kv_edn(&ops);
    assert!(!edn.contains(":f :get"), "{edn}");
}

#[test]
fn export_unknown_write_then_more_calls_by_its_client_reads_back() {
    // Client 0's put returns without an outcome; its later get runs as a fresh process
    // (a call left open by :info would overlap it).
    let ops = vec![
        unknown(kv_op(0, (0, 10), KvOp::Put, "a", "")),
        kv_op(0, (20, 30), KvOp::Get, "", "a"),
        pending(kv_op(1, (25, 40), KvOp::Append, "b", "")),
    ];
    assert_eq!(round_trip(&ops), (Verdict::Ok, Verdict::Ok, Verdict::Ok));
    let edn = to_kv_edn(&ops);
    assert!(edn.contains("{:process 2, :type :invoke, :f :get"), "{edn}");
    // The same with a get that cannot be: Illegal everywhere.
    let mut bad = ops.clone();
    bad[1] = kv_op(0, (20, 30), KvOp::Get, "", "ab?");
    assert_eq!(
        round_trip(&bad),
        (Verdict::Illegal, Verdict::Illegal, Verdict::Illegal)
    );
}

#[test]
fn export_generated_single_key_histories_keep_their_verdict() {
    let base = one_key_mixed(5, 20, 7);
    let (byte, _) = corrupt_read(base.clone(), Corruption::Byte);
    let (lost, _) = corrupt_read(base.clone(), Corruption::Lost);
    // Leave the last operation of some clients pending and one unknown.
    let mut open = base.clone();
    let last = open.len() - 1;
    open[last] = pending(open[last].clone());
    open[last - 1] = unknown(open[last - 1].clone());
    for (name, ops, expected) in [
        ("ok", base, Verdict::Ok),
        ("byte", byte, Verdict::Illegal),
        ("lost", lost, Verdict::Illegal),
        ("open", open, Verdict::Ok),
    ] {
        assert_eq!(round_trip(&ops), (expected, expected, expected), "{name}");
        let edn = to_kv_edn(&ops);
        let longest = edn.lines().map(str::len).max().unwrap_or(0);
        assert!(
            longest <= PORCUPINE_LINE_BYTES_MAX,
            "{name}: a line of {longest} bytes"
        );
    }
}

#[test]
fn export_lines_past_porcupines_buffer_only_for_long_values() {
    let long = "x".repeat(PORCUPINE_LINE_BYTES_MAX);
    let ops = vec![
        kv_op(0, (0, 10), KvOp::Put, &long, ""),
        kv_op(1, (20, 30), KvOp::Get, "", &long),
    ];
    let edn = to_kv_edn(&ops);
    assert!(
        porcupine_read(&edn).is_err(),
        "documented: such a line needs a larger buffer"
    );
    assert_eq!(
        verdict(&parse_kv_edn(&edn, "long.txt").expect("ours reads it")),
        Verdict::Ok
    );
}

#[test]
fn export_corpus_kv_logs_keep_their_verdict() {
    let Some(dir) = corpus() else { return };
    for (name, expected) in [
        ("c01-ok", Verdict::Ok),
        ("c01-bad", Verdict::Illegal),
        ("c10-ok", Verdict::Ok),
        ("c10-bad", Verdict::Illegal),
    ] {
        let text = std::fs::read_to_string(dir.join(format!("kv/{name}.txt"))).expect("corpus");
        let ops = parse_kv_edn(&text, name).expect("parses");
        assert_eq!(round_trip(&ops), (expected, expected, expected), "{name}");
    }
}
