//! `raftsim check` end to end: verdicts, exit codes and outputs of the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../checker/tests/support/corpus.rs"]
mod support;
use support::corpus;

fn raftsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_raftsim"))
        .args(args)
        .output()
        .expect("raftsim runs")
}

fn code(output: &Output) -> i32 {
    output.status.code().expect("raftsim exits with a code")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh scratch directory for one test.
fn scratch(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("raftsim-cli-check-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write(dir: &Path, name: &str, contents: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("scratch file");
    path.display().to_string()
}

#[test]
fn cli_check_corpus_files_give_expected_exit_codes() {
    let Some(dir) = corpus() else { return };
    let file = |name: &str| dir.join(name).display().to_string();
    let ok = raftsim(&[
        "check",
        &file("kv/c10-ok.txt"),
        &file("jepsen/etcd_002.log"),
    ]);
    assert_eq!(code(&ok), 0, "{}{}", text(&ok.stdout), text(&ok.stderr));
    let stdout = text(&ok.stdout);
    assert!(
        stdout.contains("c10-ok.txt: Ok (337 ops, 10 partitions"),
        "{stdout}"
    );
    assert!(
        stdout.contains("checked 2 files: 2 ok, 0 illegal"),
        "{stdout}"
    );
    let bad = raftsim(&[
        "check",
        &file("kv/c10-ok.txt"),
        &file("kv/c50-bad.txt"),
        "--explain",
    ]);
    assert_eq!(code(&bad), 1, "{}", text(&bad.stderr));
    let stdout = text(&bad.stdout);
    assert!(stdout.contains("c50-bad.txt: Illegal"), "{stdout}");
    assert!(stdout.contains("longest linearizable prefix"), "{stdout}");
    assert!(stdout.contains("illegal in this state"), "{stdout}");
}

#[test]
fn cli_check_cache_limit_gives_unknown_exit_2() {
    let Some(dir) = corpus() else { return };
    let file = dir.join("kv/c50-bad.txt").display().to_string();
    let out = raftsim(&["check", &file, "--cache-limit", "50"]);
    assert_eq!(code(&out), 2, "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("Unknown"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn cli_check_json_history_round_trip() {
    let dir = scratch("json");
    let history = concat!(
        "{\"format\": \"raftsim-history\", \"version\": 1, \"model\": \"kv\", \"ops\": [\n",
        "{\"client\":0,\"call\":0,\"return\":10,\"status\":\"ok\",\"input\":{\"op\":\"put\",\"key\":\"k\",\"value\":\"a\"},\"output\":{\"value\":\"\"}},\n",
        "{\"client\":1,\"call\":20,\"return\":30,\"status\":\"ok\",\"input\":{\"op\":\"get\",\"key\":\"k\"},\"output\":{\"value\":\"a\"}},\n",
        "{\"client\":2,\"call\":25,\"status\":\"pending\",\"input\":{\"op\":\"append\",\"key\":\"k\",\"value\":\"b\"}}\n",
        "]}\n"
    );
    let ok = write(&dir, "ok.json", history);
    let out = raftsim(&["check", &ok]);
    assert_eq!(code(&out), 0, "{}{}", text(&out.stdout), text(&out.stderr));
    let bad = write(
        &dir,
        "bad.json",
        &history.replace("\"value\":\"a\"}}", "\"value\":\"z\"}}"),
    );
    let out = raftsim(&["check", &bad, "--explain"]);
    assert_eq!(code(&out), 1, "{}{}", text(&out.stdout), text(&out.stderr));
    let register = write(&dir, "reg.json", &history.replace("\"kv\"", "\"register\""));
    let out = raftsim(&["check", &register]);
    assert_eq!(
        code(&out),
        65,
        "a kv history read as a register history is malformed"
    );
    assert!(
        text(&out.stderr).contains("reg.json:2:"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn cli_check_malformed_inputs_exit_65_with_position() {
    let dir = scratch("malformed");
    let cases = [
        ("trunc.txt", "{:process 0, :type :invoke, :f :get, :key \"0\"", "trunc.txt:1:"),
        ("num.log", "INFO  jepsen.util - 1\t:invoke\t:write\tfour\n", "num.log:1:"),
        ("op.txt", "{:process 0, :type :invoke, :f :frob, :key \"0\"}\n", "expected one of :get"),
        ("nocall.log", "INFO  jepsen.util - 1\t:ok\t:read\t3\n", "return without call"),
        ("what.txt", "hello\n", "cannot tell the format"),
        ("bad.json", "{\"format\": \"raftsim-history\", \"version\": 1, \"model\": \"kv\", \"ops\": [\n{\"client\": -1}]}", "bad.json:2:"),
    ];
    for (name, contents, expected) in cases {
        let path = write(&dir, name, contents);
        let out = raftsim(&["check", &path]);
        assert_eq!(
            code(&out),
            65,
            "{name}: {}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!(
            text(&out.stderr).contains(expected),
            "{name}: {}",
            text(&out.stderr)
        );
        assert!(
            !text(&out.stderr).contains("panicked"),
            "{name}: {}",
            text(&out.stderr)
        );
    }
}

#[test]
fn cli_check_bad_usage_exits_64() {
    let dir = scratch("usage");
    let log = write(
        &dir,
        "a.log",
        "INFO  jepsen.util - 1\t:invoke\t:read\tnil\n",
    );
    for args in [
        vec!["check"],
        vec!["check", log.as_str(), "--model", "frob"],
        vec!["check", log.as_str(), "--format", "xml"],
        vec!["check", log.as_str(), "--timeout", "-3"],
        vec!["check", log.as_str(), "--model", "kv"],
    ] {
        let out = raftsim(&args);
        assert_eq!(code(&out), 64, "{args:?}: {}", text(&out.stderr));
    }
    let out = raftsim(&["check", &dir.join("missing.log").display().to_string()]);
    assert_eq!(code(&out), 66, "{}", text(&out.stderr));
}

#[test]
fn cli_check_writes_html_per_file() {
    let dir = scratch("html");
    let a = write(
        &dir,
        "a.log",
        "INFO  jepsen.util - 1\t:invoke\t:write\t1\nINFO  jepsen.util - 1\t:ok\t:write\t1\n",
    );
    let b = write(
        &dir,
        "b.log",
        "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\t5\n",
    );
    let out_path = dir.join("view.html").display().to_string();
    let out = raftsim(&["check", &a, &b, "--html", &out_path]);
    assert_eq!(code(&out), 1, "{}{}", text(&out.stdout), text(&out.stderr));
    for name in ["view-a.html", "view-b.html"] {
        let page = std::fs::read_to_string(dir.join(name)).expect("html written");
        assert!(
            page.starts_with("<!DOCTYPE html>") && page.contains("jump to first error"),
            "{name}"
        );
    }
}
