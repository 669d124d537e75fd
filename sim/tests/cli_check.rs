//! `raftsim check` end to end: verdicts, exit codes and outputs of the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

#[path = "../../checker/tests/support/corpus.rs"]
mod support;
use support::corpus;
#[path = "../../checker/tests/support/fuzz.rs"]
mod fuzz;

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
    // Every next operation is an append after which a read still to come can never be
    // legal: the explanation names that read (op 332 or 443 of the file).
    assert!(
        stdout.contains("after which op 332 get(\"1\")") && stdout.contains("can never be legal"),
        "{stdout}"
    );
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

/// Asserts the exit code, that stdout holds `stdout_has` and stderr `stderr_has` (either
/// may be empty), and that nothing panicked; shows both streams otherwise.
fn expect(out: &Output, exit: i32, stdout_has: &str, stderr_has: &str) {
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    let shown = format!(
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status.code()
    );
    assert_eq!(code(out), exit, "{shown}");
    assert!(
        stdout.contains(stdout_has),
        "want {stdout_has:?} on stdout\n{shown}"
    );
    assert!(
        stderr.contains(stderr_has),
        "want {stderr_has:?} on stderr\n{shown}"
    );
    assert!(!stderr.contains("panicked"), "{shown}");
}

/// A raftsim JSON KV history of the given operations (one JSON object per line).
fn json_history(ops: &[String]) -> String {
    format!(
        "{{\"format\": \"raftsim-history\", \"version\": 1, \"model\": \"kv\", \"ops\": [\n{}\n]}}\n",
        ops.join(",\n")
    )
}

/// A put by `client` of `value` to key "k" over [call, ret].
fn put(client: u64, call: u64, ret: u64, value: &str) -> String {
    format!("{{\"client\":{client},\"call\":{call},\"return\":{ret},\"status\":\"ok\",\"input\":{{\"op\":\"put\",\"key\":\"k\",\"value\":\"{value}\"}},\"output\":{{\"value\":\"\"}}}}")
}

/// A get by `client` of key "k" over [call, ret] that read `value`.
fn get(client: u64, call: u64, ret: u64, value: &str) -> String {
    format!("{{\"client\":{client},\"call\":{call},\"return\":{ret},\"status\":\"ok\",\"input\":{{\"op\":\"get\",\"key\":\"k\"}},\"output\":{{\"value\":\"{value}\"}}}}")
}

/// An illegal JSON history: a get reads "z" after the put of "a" returned.
fn illegal_history() -> String {
    json_history(&[put(0, 0, 10, "a"), get(1, 20, 30, "z")])
}

fn legal_history() -> String {
    json_history(&[put(0, 0, 10, "a"), get(1, 20, 30, "a")])
}

/// Starts raftsim with standard input and output piped.
fn spawn(args: &[&str]) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_raftsim"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("raftsim starts")
}

/// Runs raftsim with `stdin` as standard input.
fn raftsim_with_stdin(args: &[&str], stdin: &str) -> Output {
    use std::io::Write as _;
    let mut child = spawn(args);
    let mut input = child.stdin.take().expect("stdin piped");
    // raftsim may end without reading (bad usage): a closed pipe here is no failure.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().expect("raftsim runs")
}

#[test]
fn cli_check_overlapping_client_operations_exit_65_naming_both() {
    let dir = scratch("overlap");
    // Client 0 calls again at 9, before its put returned at 10.
    let overlap = json_history(&[put(0, 0, 10, "a"), get(0, 9, 20, "a")]);
    expect(
        &raftsim(&["check", &write(&dir, "overlap.json", &overlap)]),
        65,
        "overlap.json: malformed",
        "overlap.json:3: client 0's operations overlap: operation 1 (line 3: called at 9, \
         returned at 20) begins before operation 0 (line 2: called at 0, returned at 10) ended",
    );
    // A call at the instant of the same client's previous return is after it.
    let touching = json_history(&[put(0, 0, 10, "a"), get(0, 10, 20, "a")]);
    let out = raftsim(&["check", &write(&dir, "touching.json", &touching)]);
    expect(&out, 0, "touching.json: Ok (2 ops", "");
    // Porcupine KV EDN: a second :invoke while the process's call is outstanding.
    let edn = "{:process 3, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n\
               {:process 3, :type :invoke, :f :get, :key \"k\", :value nil}\n";
    expect(
        &raftsim(&["check", &write(&dir, "overlap.txt", edn)]),
        65,
        "overlap.txt: malformed",
        "overlap.txt:2: client 3's operations overlap: the :get of key \"k\" invoked on line 2 \
         begins before the :put of key \"k\" invoked on line 1 ended",
    );
}

/// Jepsen's own layout (unilog): timestamp, level, thread, logger; set-up lines and the
/// nemesis's lines between the operations.
fn unilog(events: &[&str]) -> String {
    let mut log = String::from(
        "2017-03-30 14:11:50,001{GMT}\tINFO\t[jepsen test runner] jepsen.core: Running test\n",
    );
    for (k, event) in events.iter().enumerate() {
        let thread = if event.starts_with(":nemesis") {
            "jepsen nemesis".to_string()
        } else {
            format!("jepsen worker {k}")
        };
        log.push_str(&format!(
            "2017-03-30 14:11:51,{k:03}{{GMT}}\tINFO\t[{thread}] jepsen.util: {event}\n"
        ));
    }
    log.push_str(
        "2017-03-30 14:11:59,999{GMT}\tINFO\t[jepsen test runner] jepsen.core: Run complete\n",
    );
    log
}

#[test]
fn cli_check_timestamped_jepsen_logs_are_judged() {
    let dir = scratch("timestamped");
    // Reads 2 after the write of 1 returned, with no other write: illegal.
    let events = [
        "0\t:invoke\t:write\t1",
        ":nemesis\t:info\t:start\tnil",
        "0\t:ok\t:write\t1",
        "1\t:invoke\t:read\tnil",
        ":nemesis\t:info\t:stop\t:network-healed",
        "1\t:ok\t:read\t2",
    ];
    let bad = write(&dir, "unilog-bad.log", &unilog(&events));
    expect(
        &raftsim(&["check", &bad]),
        1,
        "unilog-bad.log: Illegal (2 ops",
        "",
    );
    // Detected without the `.log` extension too.
    let good = unilog(&events).replace(":read\t2", ":read\t1");
    let good = write(&dir, "unilog-ok.txt", &good);
    expect(
        &raftsim(&["check", &good]),
        0,
        "unilog-ok.txt: Ok (2 ops",
        "",
    );
    // The log4j layout of older Jepsen: timestamp, then `INFO  jepsen.util - `.
    let log4j: String = events
        .iter()
        .map(|e| format!("2014-06-30 17:32:51,343 INFO  jepsen.util - {e}\n"))
        .collect();
    let log4j = write(&dir, "log4j.log", &log4j);
    expect(
        &raftsim(&["check", &log4j]),
        1,
        "log4j.log: Illegal (2 ops",
        "",
    );
}

#[test]
fn cli_check_zero_operations_exit_65_naming_the_format() {
    let dir = scratch("zero");
    let kv_log = "{:process 0, :type :invoke, :f :get, :key \"0\", :value nil}\n\
                  {:process 0, :type :ok, :f :get, :key \"0\", :value \"\"}\n";
    let failed = "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n\
                  {:process 0, :type :fail, :f :put, :key \"k\", :value \"a\"}\n";
    let no_ops = json_history(&[]).replace("[\n\n]", "[]");
    let cases = [
        (
            "empty.log",
            "",
            "",
            "no operations read as a Jepsen etcd log",
        ),
        (
            "kv.txt",
            kv_log,
            "jepsen",
            "kv.txt: no operations read as a Jepsen etcd log",
        ),
        (
            "setup-only.log",
            "INFO  jepsen.core - Worker 0 starting\n",
            "",
            "read as a Jepsen",
        ),
        (
            "none.json",
            &no_ops,
            "",
            "none.json: no operations read as a raftsim JSON history",
        ),
        (
            "failed.txt",
            failed,
            "",
            "no operations read as a Porcupine KV EDN log (1 read, all :fail",
        ),
    ];
    for (name, contents, format, message) in cases {
        let path = write(&dir, name, contents);
        let mut args = vec!["check", path.as_str()];
        if !format.is_empty() {
            args.extend(["--format", format]);
        }
        let out = raftsim(&args);
        expect(&out, 65, &format!("{name}: malformed"), message);
        assert!(
            !text(&out.stdout).contains("Ok"),
            "{name}: {}",
            text(&out.stdout)
        );
    }
    let Some(corpus) = corpus() else { return };
    let empty = corpus.join("jepsen/etcd_095.log").display().to_string();
    let out = raftsim(&["check", &empty]);
    expect(
        &out,
        65,
        "etcd_095.log: malformed",
        "etcd_095.log: no operations read as a Jepsen etcd log",
    );
}

#[test]
fn cli_check_ill_formed_jepsen_pairs_and_bad_bytes_exit_65() {
    let dir = scratch("pairs");
    let cases: [(&str, &[u8], &str); 4] = [
        (
            "pair.log",
            b"INFO  jepsen.util - 1\t:invoke\t:write\t1\nINFO  jepsen.util - 1\t:ok\t:write\t2\n",
            "pair.log:2:34: expected `:write 1` as invoked on line 1, found `2`",
        ),
        (
            "latin1.log",
            b"INFO  jepsen.util - 1\t:invoke\t:write\t1\nINFO  jepsen.util - 1\t:ok\t:write\t1 \xe9\n",
            "latin1.log:2:36: expected UTF-8 text, found byte(s) 0xE9",
        ),
        (
            "latin1.txt",
            b"{:process 0, :type :invoke, :f :put, :key \"k\", :value \"caf\xe9\"}\n",
            "latin1.txt:1:59: expected UTF-8 text",
        ),
        (
            "latin1.json",
            b"{\"format\": \"raftsim-history\", \"version\": 1, \"model\": \"kv\", \"ops\": [\n\xff]}",
            "latin1.json:2:1: expected UTF-8 text",
        ),
    ];
    for (name, bytes, message) in cases {
        let path = dir.join(name);
        std::fs::write(&path, bytes).expect("scratch file");
        let out = raftsim(&["check", &path.display().to_string()]);
        expect(&out, 65, &format!("{name}: malformed"), message);
    }
}

#[test]
fn cli_check_reads_edn_unicode_escapes() {
    let dir = scratch("escapes");
    // The escaped put of "café 😀", and a get that read it, written without escapes.
    let log =
        "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"caf\\u00e9 \\ud83d\\ude00\"}\n\
               {:process 0, :type :ok, :f :put, :key \"k\", :value \"caf\\u00E9 \\uD83D\\uDE00\"}\n\
               {:process 1, :type :invoke, :f :get, :key \"k\", :value nil}\n\
               {:process 1, :type :ok, :f :get, :key \"k\", :value \"café 😀\"}\n";
    let out = raftsim(&["check", &write(&dir, "escaped.txt", log)]);
    expect(&out, 0, "escaped.txt: Ok (2 ops", "");
}

#[test]
fn cli_check_dash_reads_standard_input() {
    let log = "INFO  jepsen.util - 1\t:invoke\t:write\t1\nINFO  jepsen.util - 1\t:ok\t:write\t1\n\
               INFO  jepsen.util - 2\t:invoke\t:read\tnil\nINFO  jepsen.util - 2\t:ok\t:read\t3\n";
    let out = raftsim_with_stdin(&["check", "-"], log);
    expect(&out, 1, "<stdin>: Illegal (2 ops", "");
    let out = raftsim_with_stdin(&["check", "-", "--format", "porcupine-kv"], log);
    expect(&out, 65, "<stdin>: malformed", "<stdin>:1:1: expected `{`");
    let out = raftsim_with_stdin(&["check", "-", "-"], log);
    expect(
        &out,
        64,
        "",
        "standard input (`-`) can be checked only once",
    );
    let out = raftsim_with_stdin(&["check", "-"], "");
    expect(
        &out,
        65,
        "<stdin>: malformed",
        "<stdin>: cannot tell the format",
    );
}

#[test]
fn cli_check_unwritable_html_keeps_the_verdict() {
    if !Path::new("/dev/full").exists() {
        return eprintln!("skipped: no /dev/full");
    }
    let dir = scratch("devfull");
    let bad = write(&dir, "bad.json", &illegal_history());
    let out = raftsim(&["check", &bad, "--html", "/dev/full"]);
    // An Illegal verdict is never hidden by an output that could not be written.
    expect(
        &out,
        1,
        "bad.json: Illegal (2 ops",
        "cannot write /dev/full",
    );
    assert!(
        text(&out.stdout).contains("1 output not written"),
        "{}",
        text(&out.stdout)
    );
    let ok = write(&dir, "ok.json", &legal_history());
    let out = raftsim(&["check", &ok, "--html", "/dev/full"]);
    expect(&out, 74, "ok.json: Ok (2 ops", "cannot write /dev/full");
    assert!(
        text(&out.stdout).contains("1 output not written"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn cli_check_never_overwrites_an_input() {
    let dir = scratch("clobber");
    let history = illegal_history();
    let input = write(&dir, "h.json", &history);
    // The same file by another spelling, and through a symbolic link.
    let dotted = dir.join(".").join("h.json").display().to_string();
    let link = dir.join("link.html");
    std::os::unix::fs::symlink(&input, &link).expect("symlink");
    let link = link.display().to_string();
    for html in [&input, &dotted, &link] {
        let out = raftsim(&["check", &input, "--html", html]);
        expect(&out, 64, "", "would overwrite the input");
        // Refused before any check: no verdict printed.
        assert!(
            !text(&out.stdout).contains("Illegal"),
            "{html}: {}",
            text(&out.stdout)
        );
        assert_eq!(
            std::fs::read_to_string(&input).expect("input kept"),
            history,
            "{html}"
        );
    }
    // Several inputs: a derived name may not be an input either.
    let other = write(&dir, "g.json", &legal_history());
    let view_g = write(&dir, "view-g.html", &legal_history());
    let view = dir.join("view.html").display().to_string();
    let out = raftsim(&["check", &other, &view_g, "--html", &view]);
    expect(&out, 64, "", "would overwrite the input");
    assert_eq!(
        std::fs::read_to_string(&view_g).expect("kept"),
        legal_history()
    );
}

#[test]
fn cli_check_equal_stems_get_distinct_html_files() {
    let dir = scratch("stems");
    for sub in ["a", "b", "o"] {
        std::fs::create_dir_all(dir.join(sub)).expect("scratch dir");
    }
    let a = write(&dir, "a/h.json", &illegal_history());
    let b = write(&dir, "b/h.json", &legal_history());
    let c = write(&dir, "b/other.json", &legal_history());
    let out_path = dir.join("o/out.html").display().to_string();
    let out = raftsim(&["check", &a, &b, &c, "--html", &out_path]);
    expect(&out, 1, "checked 3 files: 2 ok, 1 illegal", "");
    let mut written: Vec<String> = std::fs::read_dir(dir.join("o"))
        .expect("o/ listed")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    assert_eq!(written, ["out-h-1.html", "out-h-2.html", "out-other.html"]);
    let first = std::fs::read_to_string(dir.join("o/out-h-1.html")).expect("view");
    let second = std::fs::read_to_string(dir.join("o/out-h-2.html")).expect("view");
    assert!(
        first.contains("a/h.json") && second.contains("b/h.json"),
        "each view names its input"
    );
}

#[test]
fn cli_check_closed_stdout_ends_quietly_with_exit_141() {
    use std::io::Write as _;
    // The history comes on standard input, so raftsim cannot print before the reader of
    // its standard output is gone: every write meets a closed pipe.
    let mut child = spawn(&["check", "-", "--explain"]);
    drop(child.stdout.take());
    let mut input = child.stdin.take().expect("stdin piped");
    input
        .write_all(illegal_history().as_bytes())
        .expect("stdin written");
    drop(input);
    let out = child.wait_with_output().expect("raftsim runs");
    // As every command: a reader that went away ends it quietly, as SIGPIPE would.
    expect(&out, 141, "", "");
    assert_eq!(text(&out.stderr), "", "quiet");
}

#[test]
fn cli_check_full_stdout_exits_74_unless_illegal() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        return eprintln!("skipped: no /dev/full");
    };
    let dir = scratch("fullstdout");
    for (name, history, exit) in [
        ("ok.json", legal_history(), 74),
        ("bad.json", illegal_history(), 1),
    ] {
        let path = write(&dir, name, &history);
        let out = Command::new(env!("CARGO_BIN_EXE_raftsim"))
            .args(["check", &path])
            .stdout(full.try_clone().expect("dup /dev/full"))
            .output()
            .expect("raftsim runs");
        expect(&out, exit, "", "cannot write to stdout");
    }
}

/// A few of the readers' fuzz inputs (`checker/tests/fuzz.rs` runs thousands through the
/// library) through the binary: a verdict or a documented error, never a panic, never an
/// `Ok` on nothing.
#[test]
fn cli_check_fuzzed_inputs_exit_with_documented_codes() {
    let dir = scratch("fuzz");
    let mut codes = std::collections::BTreeSet::new();
    for seed in 0..36u64 {
        let mut rng = fuzz::Rng(seed);
        let shape = fuzz::Shape::ALL[seed as usize % fuzz::Shape::ALL.len()];
        let bytes = fuzz::generated(&mut rng, shape);
        let path = dir.join(format!("{seed}-{}", shape.file_name()));
        std::fs::write(&path, &bytes).expect("scratch file");
        let out = raftsim(&["check", &path.display().to_string(), "--explain"]);
        let shown = format!(
            "seed {seed}: {}\n{}{}",
            fuzz::shown(&bytes),
            text(&out.stdout),
            text(&out.stderr)
        );
        assert!([0, 1, 2, 65].contains(&code(&out)), "{shown}");
        assert!(!text(&out.stderr).contains("panicked"), "{shown}");
        assert!(!text(&out.stdout).contains("Ok (0 ops"), "{shown}");
        if code(&out) == 65 {
            assert!(
                text(&out.stderr).contains(&format!("{seed}-")),
                "the error names the file: {shown}"
            );
        }
        codes.insert(code(&out));
    }
    assert!(
        codes.contains(&0) && codes.contains(&1) && codes.contains(&65),
        "{codes:?}"
    );
}

/// The threads of process `pid` (Linux), or `None` where `/proc` does not list them.
fn threads_of(pid: u32) -> Option<usize> {
    Some(std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.count())
}

/// Issue 26 §6: `check --jobs 1` uses one thread. raftsim judges a history of four keys
/// (four partitions, which a pool would search in parallel), then waits on standard
/// input (`-`); while it waits, its threads are counted. With `--jobs 1` there is the
/// main thread alone: no pool was built and rayon's global pool was never started. With
/// `--jobs 2` the count sees the pool's two threads, so a pool would not go unnoticed.
#[test]
fn cli_check_one_job_runs_on_one_thread() {
    use std::io::{BufRead, Write as _};
    if threads_of(std::process::id()).is_none() {
        return;
    }
    let keyed = |op: String, key: &str| op.replace("\"key\":\"k\"", &format!("\"key\":\"{key}\""));
    let ops: Vec<String> = ["a", "b", "c", "d"]
        .iter()
        .enumerate()
        .flat_map(|(k, key)| {
            let t = 100 * k as u64;
            [
                keyed(put(0, t, t + 10, key), key),
                keyed(get(1, t + 20, t + 30, key), key),
            ]
        })
        .collect();
    let dir = scratch("threads");
    let file = write(&dir, "keys.json", &json_history(&ops));
    for (jobs, threads_expected) in [("1", 1..=1), ("2", 3..=usize::MAX)] {
        let mut child = spawn(&["check", "--jobs", jobs, &file, "-"]);
        let stdout = child.stdout.take().expect("stdout piped");
        let mut lines = std::io::BufReader::new(stdout).lines();
        let first = lines.next().and_then(Result::ok).unwrap_or_default();
        assert!(
            first.contains("keys.json: Ok (8 ops, 4 partitions"),
            "{first}"
        );
        // The first file is judged; raftsim now reads standard input.
        let threads = threads_of(child.id()).expect("/proc lists the child's threads");
        let mut input = child.stdin.take().expect("stdin piped");
        input
            .write_all(legal_history().as_bytes())
            .expect("raftsim reads standard input");
        drop(input);
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let status = child.wait().expect("raftsim ends");
        assert_eq!(status.code(), Some(0), "--jobs {jobs}: {rest:?}");
        assert!(
            threads_expected.contains(&threads),
            "--jobs {jobs}: {threads} threads while waiting on standard input"
        );
    }
}
