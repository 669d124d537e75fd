//! The readers and writers: round trips over the corpus, and mangled input that must give
//! errors with positions, never panics.

use checker::*;

#[path = "support/corpus.rs"]
mod support;
use support::corpus;

fn read(dir: &std::path::Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("corpus file readable")
}

#[test]
fn formats_kv_corpus_round_trips_through_json_and_edn() {
    let Some(dir) = corpus() else { return };
    for name in ["kv/c01-bad.txt", "kv/c10-ok.txt", "kv/c50-bad.txt"] {
        let ops = parse_kv_edn(&read(&dir, name), name).expect("parses");
        let json = to_json("kv", &ops).expect("serialises");
        let back: JsonHistory<KvInput, KvOutput> =
            parse_json(&json, "round.json").expect("reparses");
        assert_eq!(back.ops, ops, "{name}: JSON round trip is exact");
        let edn = to_kv_edn(&ops);
        let again = parse_kv_edn(&edn, "round.txt").expect("reparses");
        assert_eq!(again.len(), ops.len(), "{name}");
        for (a, b) in ops.iter().zip(&again) {
            assert_eq!(
                (&a.client, &a.input, a.output()),
                (&b.client, &b.input, b.output()),
                "{name}"
            );
        }
        let options = CheckOptions::default();
        assert_eq!(
            check_operations(&KvModel::new(), &again, &options).verdict,
            check_operations(&KvModel::new(), &ops, &options).verdict,
            "{name}: same verdict after EDN round trip"
        );
    }
}

#[test]
fn formats_jepsen_corpus_round_trips_through_json() {
    let Some(dir) = corpus() else { return };
    for name in [
        "jepsen/etcd_000.log",
        "jepsen/etcd_002.log",
        "jepsen/etcd_100.log",
    ] {
        let ops = parse_jepsen_log(&read(&dir, name), name).expect("parses");
        let json = to_json("register", &ops).expect("serialises");
        assert_eq!(json_model(&json, "r.json").expect("header"), "register");
        let back: JsonHistory<RegisterInput, RegisterOutput> =
            parse_json(&json, "r.json").expect("reparses");
        assert_eq!(back.ops, ops, "{name}");
    }
}

/// Deterministic mutations of a text: truncations, deleted, duplicated and replaced bytes.
fn mutations(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut seed: u64 = 0x1234_5678;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) as usize
    };
    let junk = [
        b'"', b'{', b'}', b'[', b']', b':', b' ', b'\t', b'\n', b'x', b'9', b'-', b'\\', b',', 0xC3,
    ];
    for _ in 0..400 {
        let at = next() % bytes.len().max(1);
        let mut m = bytes.to_vec();
        match next() % 4 {
            0 => m.truncate(at),
            1 => {
                m.remove(at.min(m.len().saturating_sub(1)));
            }
            2 => m.insert(at, junk[next() % junk.len()]),
            _ => {
                let last = m.len() - 1;
                m[at.min(last)] = junk[next() % junk.len()];
            }
        }
        out.push(String::from_utf8_lossy(&m).into_owned());
    }
    out
}

#[test]
fn formats_mangled_input_gives_errors_never_panics() {
    let edn = "{:process 0, :type :invoke, :f :append, :key \"0\", :value \"x 0 0 y\"}\n\
               {:process 1, :type :invoke, :f :get, :key \"0\", :value nil}\n\
               {:process 0, :type :ok, :f :append, :key \"0\", :value \"x 0 0 y\"}\n\
               {:process 1, :type :ok, :f :get, :key \"0\", :value \"x 0 0 y\"}\n";
    let jepsen = "INFO  jepsen.util - 2\t:invoke\t:cas\t[3 0]\nINFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
                  INFO  jepsen.util - 1\t:ok\t:read\t3\nINFO  jepsen.util - 2\t:fail\t:cas\t[3 0]\n\
                  INFO  jepsen.util - 3\t:invoke\t:write\t4\nINFO  jepsen.util - 3\t:info\t:write\t:timed-out\n";
    let kv_ops = parse_kv_edn(edn, "seed.txt").expect("seed parses");
    let json = to_json("kv", &kv_ops).expect("serialises");
    let (mut errors, mut parsed) = (0, 0);
    for text in mutations(edn) {
        match parse_kv_edn(&text, "m.txt") {
            Ok(ops) => {
                parsed += 1;
                check_operations(&KvModel::new(), &ops, &CheckOptions::default());
            }
            Err(error) => {
                errors += 1;
                assert!(error.to_string().starts_with("m.txt:"), "{error}");
            }
        }
    }
    for text in mutations(jepsen) {
        match parse_jepsen_log(&text, "m.log") {
            Ok(ops) => {
                parsed += 1;
                check_operations(&RegisterModel, &ops, &CheckOptions::default());
            }
            Err(error) => {
                errors += 1;
                assert!(error.to_string().starts_with("m.log:"), "{error}");
            }
        }
    }
    for text in mutations(&json) {
        match parse_json::<KvInput, KvOutput>(&text, "m.json") {
            Ok(history) => {
                parsed += 1;
                check_operations(&KvModel::new(), &history.ops, &CheckOptions::default());
            }
            Err(error) => {
                errors += 1;
                assert!(error.to_string().starts_with("m.json:"), "{error}");
            }
        }
    }
    assert!(
        errors > 300 && parsed > 50,
        "{errors} errors, {parsed} parsed"
    );
}

#[test]
fn formats_error_messages_name_file_line_column_and_expectation() {
    let cases: Vec<(Result<()>, &str)> = vec![
        (parse_kv_edn("{:process 0, :type :invoke, :f :get, :key \"0\"}\n{:process 0, :type :ok, :f :get, :key \"0\", :value 12x}", "a.txt").map(drop), "a.txt:2:51: expected a value for :value, found `12x}`"),
        (parse_jepsen_log("INFO  jepsen.util - 1\t:invoke\t:cas\t[1 x]", "b.log").map(drop), "b.log:1:39: expected a pair `[from to]` of integers, found `x]`"),
        (parse_jepsen_log("INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:invoke\t:read\tnil", "c.log").map(drop), "c.log:2: client 1's operations overlap: the :read invoked on line 2 begins before the :read invoked on line 1 ended"),
        (parse_json::<KvInput, KvOutput>("{\"format\": \"raftsim-history\", \"version\": 1, \"model\": \"kv\", \"ops\": [\n{\"client\": 0, \"call\": 1, \"status\": \"ok\", \"input\": {\"op\": \"get\", \"key\": \"k\"}}]}", "d.json").map(drop), "d.json:2:1: expected a `return` time for status ok"),
        (parse_json::<KvInput, KvOutput>("{\"format\": \"raftsim-history\", \"version\": 2, \"model\": \"kv\", \"ops\": []}", "e.json").map(drop), "e.json:1:1: expected \"version\": 1, found 2"),
    ];
    for (result, expected) in cases {
        let message = result.expect_err(expected).to_string();
        assert!(
            message.starts_with(expected),
            "got {message}\nwant {expected}"
        );
    }
}
