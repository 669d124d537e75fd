//! The `raftsim` binary, run as a user runs it: every command, every exit code.
//!
//! Kept fast: sweeps use `--filter PingFaults` and a few seeds. Failure paths use the
//! self-test scenarios (see `cli_harness`). `cli_robust.rs` covers closed and full
//! stdout, unwritable and colliding outputs, interruption and hostile inputs.

mod cli_harness;

use cli_harness::*;
use std::collections::BTreeSet;

#[test]
fn help_and_version_exit_0_unknown_command_exits_64() {
    assert_eq!(raftsim(&["--help"]).code, 0);
    assert_eq!(raftsim(&["--version"]).code, 0);
    for cmd in ["list", "run", "sweep", "replay", "merge"] {
        let help = raftsim(&[cmd, "--help"]);
        assert_eq!(help.code, 0, "{cmd}: {help:#?}");
    }
    // Every `--raft` help names the registered implementations (the derived text is
    // replaced at startup, so a program's own Raft is listed too).
    for cmd in ["list", "run", "sweep", "swarm", "shrink", "replay"] {
        let help = raftsim(&[cmd, "--help"]);
        assert!(
            help.stdout
                .contains("The Raft implementation under test: ours, raft-rs, openraft"),
            "{cmd}: {}",
            help.stdout
        );
    }
    assert_eq!(raftsim(&["frobnicate"]).code, USAGE);
    assert_eq!(raftsim(&["sweep", "--no-such-flag"]).code, USAGE);
}

#[test]
fn list_all_prints_name_part_description() {
    let out = raftsim(&["list"]);
    assert_eq!(out.code, 0, "{out:#?}");
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with("PingFaults "))
        .unwrap_or_else(|| panic!("no PingFaults in {out:#?}"));
    let words: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(words[1], "demo", "{line}");
    assert!(words.len() > 3, "no description: {line}");
    assert!(!out.stdout.contains("SelfTest"), "{out:#?}");
}

#[test]
fn list_filter_part_or_regex_selects_and_no_match_exits_64() {
    for pattern in ["demo", "DEMO", "^Ping", "Faults$"] {
        let out = raftsim(&["list", "--filter", pattern]);
        assert_eq!(out.code, 0, "{pattern}: {out:#?}");
        assert!(out.stdout.starts_with("PingFaults "), "{pattern}: {out:#?}");
    }
    raftsim(&["list", "--filter", "NoSuchScenario"]).assert_error(USAGE, "no scenario matches");
    raftsim(&["list", "--filter", "("]).assert_error(USAGE, "bad filter");
}

#[test]
fn run_pass_prints_verdict_line_and_exits_0() {
    let out = raftsim(&["run", "PingFaults", "--seed", "3"]);
    assert_eq!(out.code, 0, "{out:#?}");
    let caps = verdict_line()
        .captures(out.last_line())
        .unwrap_or_else(|| panic!("bad verdict line: {out:#?}"));
    assert_eq!((&caps[1], &caps[2], &caps[3]), ("PASS", "PingFaults", "3"));
    assert!(caps.get(5).is_none(), "a reason on PASS: {out:#?}");
}

#[test]
fn run_trace_file_same_for_same_seed() {
    let dir = scratch("run_trace");
    let (a, b) = (dir.join("a.txt"), dir.join("b.txt"));
    let first = raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "5",
        "--trace",
        &a.to_string_lossy(),
    ]);
    let second = raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "5",
        "--trace",
        &b.to_string_lossy(),
    ]);
    let plain = raftsim(&["run", "PingFaults", "--seed", "5"]);
    for out in [&first, &second, &plain] {
        assert_eq!(out.code, 0, "{out:#?}");
    }
    let hash = |out: &Run| {
        out.last_line()
            .split_whitespace()
            .nth(3)
            .map(str::to_string)
    };
    assert_eq!(hash(&first), hash(&second));
    assert_eq!(
        hash(&first),
        hash(&plain),
        "keeping the trace changed the run"
    );
    assert!(read(&a).lines().count() > 10, "trace too short");
    assert_eq!(read(&a), read(&b));
}

/// `--trace -` is standard output, before the verdict, and no file named `-`; two
/// outputs on standard output are refused with 64 before anything runs.
#[test]
fn run_trace_dash_writes_standard_output() {
    let dir = scratch("run_trace_dash");
    let file = dir.join("t.txt");
    let to_file = raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "5",
        "--trace",
        &file.to_string_lossy(),
    ]);
    let out = cli_harness::finish(
        cli_harness::command(&["run", "PingFaults", "--seed", "5", "--trace", "-"], false)
            .current_dir(&dir),
    );
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(!dir.join("-").exists(), "a file named '-' was written");
    assert!(
        out.stdout.starts_with(&read(&file)),
        "the trace, then the verdict: {out:#?}"
    );
    let verdict = |run: &Run| {
        let line = run.last_line();
        line[..line.find(" wall=").unwrap_or(line.len())].to_string()
    };
    assert_eq!(verdict(&out), verdict(&to_file), "the same run");
    let both = cli_harness::finish(
        cli_harness::command(
            &[
                "run",
                "PingFaults",
                "--seed",
                "5",
                "--trace",
                "-",
                "--timeline",
                "-",
            ],
            false,
        )
        .current_dir(&dir),
    );
    both.assert_error(64, "would both write to standard output");
}

#[test]
fn run_history_and_html_absent_warn_but_pass() {
    let dir = scratch("run_history");
    let (h, v) = (dir.join("h.json"), dir.join("h.html"));
    let out = raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "1",
        "--history",
        &h.to_string_lossy(),
        "--html",
        &v.to_string_lossy(),
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(
        out.stderr.contains("produced no client history"),
        "{out:#?}"
    );
    assert!(out.stderr.contains("produced no HTML view"), "{out:#?}");
    assert!(!h.exists() && !v.exists());
}

#[test]
fn run_fail_prints_reason_replay_and_default_artifacts_exits_1() {
    let target = scratch("run_fail_target");
    let out = raftsim_with(&["run", "SelfTestFail", "--seed", "4"], true, Some(&target));
    assert_eq!(out.code, 1, "{out:#?}");
    let caps = verdict_line()
        .captures(out.last_line())
        .unwrap_or_else(|| panic!("bad verdict line: {out:#?}"));
    assert_eq!(
        (&caps[1], &caps[2], &caps[3]),
        ("FAIL", "SelfTestFail", "4")
    );
    assert!(
        out.last_line().contains("reason: deliberate failure"),
        "{out:#?}"
    );
    assert!(out
        .stdout
        .contains("replay: cargo run --release -- run SelfTestFail --seed 4"));
    let folder = target.join("raftsim-failures").join("SelfTestFail-seed4");
    let files = [
        "failure.txt",
        "trace.txt",
        "history.json",
        "history.html",
        "timeline.html",
    ];
    for file in files {
        let path = folder.join(file);
        assert!(path.is_file(), "{} missing: {out:#?}", path.display());
        assert!(
            out.stdout.contains(&path.display().to_string()),
            "{file} not printed"
        );
    }
    assert!(read(&folder.join("failure.txt")).contains("--seed 4"));
    assert!(!read(&folder.join("trace.txt")).is_empty());
    let page = read(&folder.join("timeline.html"));
    assert!(
        page.contains("deliberate failure after"),
        "the page names the failure"
    );
}

#[test]
fn run_timeline_and_summary_draw_the_run_and_leave_its_hash_alone() {
    let dir = scratch("run_timeline");
    let page = dir.join("t.html");
    let out = raftsim(&[
        "run",
        "InitialElection2A",
        "--seed",
        "3",
        "--timeline",
        &page.to_string_lossy(),
        "--summary",
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    let plain = raftsim(&["run", "InitialElection2A", "--seed", "3"]);
    let hash = |out: &Run| {
        out.last_line()
            .split_whitespace()
            .nth(3)
            .map(str::to_string)
    };
    assert_eq!(hash(&out), hash(&plain), "drawing the run changed it");
    assert!(
        out.stdout
            .contains(&format!("timeline: {}", page.display())),
        "{out:#?}"
    );
    let html = read(&page);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("InitialElection2A seed=3"));
    let table: Vec<&str> = out
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("leaders over virtual time"))
        .take_while(|l| !l.starts_with("timeline:"))
        .collect();
    assert!(table.len() >= 3, "{out:#?}");
    assert!(
        table.iter().skip(2).any(|l| l
            .split_whitespace()
            .nth(3)
            .is_some_and(|w| w.starts_with('n'))),
        "some row names a leader: {table:#?}"
    );
    let again = dir.join("u.html");
    let out = raftsim(&[
        "run",
        "InitialElection2A",
        "--seed",
        "3",
        "--timeline",
        &again.to_string_lossy(),
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(read(&again), html, "the same run, the same page");
}

#[test]
fn run_fail_with_requested_files_and_artifacts_dir() {
    let dir = scratch("run_fail_files");
    let history = dir.join("h.json");
    let html = dir.join("h.html");
    let trace = dir.join("t.txt");
    let out = selftest(&[
        "run",
        "SelfTestFail",
        "--seed",
        "2",
        "--trace",
        &trace.to_string_lossy(),
        "--history",
        &history.to_string_lossy(),
        "--html",
        &html.to_string_lossy(),
        "--artifacts",
        &dir.join("art").to_string_lossy(),
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(read(&history), "[]\n");
    assert!(read(&html).contains("<title>SelfTestFail</title>"));
    assert_eq!(
        read(&trace),
        read(&dir.join("art/SelfTestFail-seed2/trace.txt"))
    );
}

#[test]
fn run_panic_reports_message_and_location_exits_1() {
    let dir = scratch("run_panic");
    let out = selftest(&[
        "run",
        "SelfTestPanic",
        "--seed",
        "9",
        "--artifacts",
        &dir.to_string_lossy(),
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    let last = out.last_line();
    assert!(last.starts_with("FAIL SelfTestPanic seed=9 "), "{out:#?}");
    assert!(
        last.contains("panicked: deliberate panic at seed 9 (at sim/src/selftest.rs:"),
        "{last}"
    );
    assert!(out
        .stdout
        .contains("replay: cargo run --release -- run SelfTestPanic --seed 9"));
}

#[test]
fn run_bad_input_is_one_line_usage_error() {
    raftsim(&["run", "NoSuchScenario", "--seed", "1"]).assert_error(USAGE, "unknown scenario");
    raftsim(&["run", "pingfaults", "--seed", "1"]).assert_error(USAGE, "did you mean PingFaults");
    raftsim(&["run", "PingFaults", "--seed", "x"]).assert_error(USAGE, "bad seed");
    raftsim(&["run", "PingFaults", "--seed", "-1"]).assert_error(USAGE, "bad seed");
    raftsim(&["run", "SelfTestFail", "--seed", "1"]).assert_error(USAGE, "unknown scenario");
    assert_eq!(
        raftsim(&["run", "PingFaults"]).code,
        USAGE,
        "missing --seed"
    );
    let dir = scratch("run_unwritable");
    let trace = dir.join("no/such/dir/t.txt");
    raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "1",
        "--trace",
        &trace.to_string_lossy(),
    ])
    .assert_error(OUTPUT, "cannot write");
}

#[test]
fn sweep_pass_prints_summary_progress_and_exits_0() {
    let out = raftsim(&[
        "sweep",
        "--filter",
        "PingFaults",
        "--seeds",
        "0..4",
        "--jobs",
        "2",
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(
        out.stdout
            .starts_with("sweep: 1 scenario(s) of raft=ours x seeds 0..4"),
        "{out:#?}"
    );
    let row = out
        .stdout
        .lines()
        .find(|l| l.starts_with("PingFaults "))
        .unwrap_or_else(|| panic!("no summary row: {out:#?}"));
    let cols: Vec<&str> = row.split_whitespace().collect();
    assert_eq!(&cols[..4], ["PingFaults", "demo", "4", "0"], "{row}");
    for figure in [
        "runs          4 (0 failed)",
        "virtual time",
        "wall time",
        "events/s",
        "speedup",
        "runs per core-second",
    ] {
        assert!(out.stdout.contains(figure), "no {figure:?}: {out:#?}");
    }
    assert_eq!(out.last_line(), "PASS sweep: 4 run(s), 0 failed");
    // stderr is not a terminal here: plain progress lines, not a bar.
    assert!(out.stderr.contains("sweep: 4/4 runs, 0 failed"), "{out:#?}");
}

#[test]
fn sweep_verbose_prints_every_verdict_in_seed_order() {
    let out = raftsim(&["sweep", "--filter", "PingFaults", "--seeds", "3..=6", "-v"]);
    assert_eq!(out.code, 0, "{out:#?}");
    let re = verdict_line();
    let seeds: Vec<String> = out
        .stdout
        .lines()
        .filter_map(|l| re.captures(l).map(|c| c[3].to_string()))
        .collect();
    assert_eq!(seeds, ["3", "4", "5", "6"], "{out:#?}");
}

#[test]
fn sweep_json_same_for_jobs_1_and_2() {
    let dir = scratch("sweep_jobs");
    let (one, two) = (dir.join("one.json"), dir.join("two.json"));
    for (jobs, path) in [("1", &one), ("2", &two)] {
        let out = raftsim(&[
            "sweep",
            "--filter",
            "PingFaults",
            "--seeds",
            "0..6",
            "--jobs",
            jobs,
            "--json",
            &path.to_string_lossy(),
        ]);
        assert_eq!(out.code, 0, "--jobs {jobs}: {out:#?}");
    }
    let a = json_without_wall(&one);
    assert_eq!(a.len(), 6);
    assert_eq!(a, json_without_wall(&two));
    let seeds: Vec<u64> = a.iter().filter_map(|v| v["seed"].as_u64()).collect();
    assert_eq!(seeds, [0, 1, 2, 3, 4, 5], "not in seed order");
    for v in &a {
        assert_eq!(v["scenario"], "PingFaults");
        assert_eq!(v["verdict"], "pass");
        assert!(v["reason"].is_null());
        assert!(v["virtual_s"].as_f64().is_some_and(|t| t > 0.0), "{v}");
        assert!(v["events"].as_u64().is_some_and(|n| n > 0), "{v}");
        assert_eq!(v["trace_hash"].as_str().map(str::len), Some(16), "{v}");
    }
}

#[test]
fn sweep_shards_0_and_1_of_2_cover_the_unsharded_sweep() {
    let dir = scratch("sweep_shards");
    let sweep = |name: &str, shard: Option<&str>| {
        let path = dir.join(name);
        let path_text = path.to_string_lossy().into_owned();
        let mut args = vec![
            "sweep",
            "--filter",
            "PingFaults",
            "--seeds",
            "10..17",
            "--json",
            &path_text,
        ];
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let out = raftsim(&args);
        assert_eq!(out.code, 0, "{shard:?}: {out:#?}");
        json_without_wall(&path)
    };
    let whole = sweep("whole.json", None);
    let (s0, s1) = (sweep("s0.json", Some("0/2")), sweep("s1.json", Some("1/2")));
    assert_eq!((whole.len(), s0.len(), s1.len()), (7, 4, 3));
    let key = |v: &serde_json::Value| v.to_string();
    let union: BTreeSet<String> = s0.iter().chain(&s1).map(key).collect();
    let all: BTreeSet<String> = whole.iter().map(key).collect();
    assert_eq!(union.len(), 7, "shards overlap");
    assert_eq!(union, all);
}

#[test]
fn sweep_bad_input_is_one_line_usage_error() {
    let table: [(&[&str], &str); 12] = [
        (&["--seeds", "5..2"], "empty seed range 5..2:"),
        (&["--seeds", "5..5"], "empty seed range 5..5:"),
        (&["--seeds", "5..=4"], "empty seed range 5..=4:"),
        (&["--seeds", "x..3"], "bad seed range"),
        (&["--seeds", "three"], "bad seed range"),
        (&["--seeds", "-1..3"], "bad seed range"),
        (&["--shard", "3/2"], "bad shard"),
        (&["--shard", "0/0"], "bad shard"),
        (&["--shard", "half"], "bad shard"),
        (&["--jobs", "0"], "bad --jobs"),
        (&["--filter", "NoSuchScenario"], "no scenario matches"),
        (&["--filter", "[z-a]"], "bad filter"),
    ];
    for (extra, what) in table {
        let mut args = vec!["sweep"];
        args.extend_from_slice(extra);
        if !extra.contains(&"--seeds") {
            args.extend(["--seeds", "0..1"]);
        }
        raftsim(&args).assert_error(USAGE, what);
    }
}

#[test]
fn sweep_json_unwritable_exits_74() {
    let dir = scratch("sweep_unwritable");
    let path = dir.join("no/such/dir/out.json");
    raftsim(&[
        "sweep",
        "--filter",
        "PingFaults",
        "--seeds",
        "0..1",
        "--json",
        &path.to_string_lossy(),
    ])
    .assert_error(OUTPUT, "cannot write");
}

#[test]
fn sweep_failures_exit_1_with_replay_and_artifacts() {
    let dir = scratch("sweep_fail");
    let json = dir.join("out.json");
    let out = selftest(&[
        "sweep",
        "--filter",
        "^PingFaults$|^SelfTestFail$|^SelfTestPanic$",
        "--seeds",
        "0..2",
        "--artifacts",
        &dir.join("art").to_string_lossy(),
        "--json",
        &json.to_string_lossy(),
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(
        out.last_line(),
        "FAIL sweep: 4 of 6 run(s) failed",
        "{out:#?}"
    );
    for (name, seed) in [
        ("SelfTestFail", 0),
        ("SelfTestFail", 1),
        ("SelfTestPanic", 0),
        ("SelfTestPanic", 1),
    ] {
        let replay = format!("replay: cargo run --release -- run {name} --seed {seed}");
        assert!(out.stdout.contains(&replay), "no {replay:?}: {out:#?}");
        assert!(dir
            .join(format!("art/{name}-seed{seed}/failure.txt"))
            .is_file());
    }
    assert!(dir.join("art/SelfTestFail-seed1/history.html").is_file());
    assert!(
        !dir.join("art/PingFaults-seed0").exists(),
        "artifacts for a pass"
    );
    // A panic inside a sweep is reported, not printed with its backtrace.
    assert!(out.stdout.contains("(at sim/src/selftest.rs:"), "{out:#?}");
    assert!(!out.stderr.contains("stack backtrace"), "{out:#?}");
    let verdicts: Vec<String> = json_without_wall(&json)
        .iter()
        .map(|v| format!("{} {} {}", v["scenario"], v["seed"], v["verdict"]))
        .collect();
    assert_eq!(
        verdicts,
        [
            "\"PingFaults\" 0 \"pass\"",
            "\"PingFaults\" 1 \"pass\"",
            "\"SelfTestFail\" 0 \"fail\"",
            "\"SelfTestFail\" 1 \"fail\"",
            "\"SelfTestPanic\" 0 \"fail\"",
            "\"SelfTestPanic\" 1 \"fail\"",
        ]
    );
}

#[test]
fn sweep_check_determinism_passes_deterministic_scenario() {
    let out = raftsim(&[
        "sweep",
        "--filter",
        "PingFaults",
        "--seeds",
        "0..3",
        "--check-determinism",
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(out.stdout.contains("each run twice"), "{out:#?}");
}

#[test]
fn sweep_check_determinism_reports_first_divergence() {
    let out = selftest(&[
        "sweep",
        "--filter",
        "Nondeterministic",
        "--seeds",
        "7..8",
        "--check-determinism",
        "--jobs",
        "1",
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.stdout.contains("FAIL SelfTestNondeterministic seed=7 "),
        "{out:#?}"
    );
    assert!(
        out.stdout
            .contains("reason: nondeterministic: two runs gave trace="),
        "{out:#?}"
    );
    assert!(
        out.stdout.contains("first diverge at trace line "),
        "{out:#?}"
    );
    assert!(out
        .stdout
        .contains("replay: cargo run --release -- run SelfTestNondeterministic --seed 7"));
    assert!(
        out.stdout.contains("--check-determinism"),
        "no recheck command: {out:#?}"
    );
    // Without the check, the same scenario passes: the check is what catches it.
    let plain = selftest(&["sweep", "--filter", "Nondeterministic", "--seeds", "7..8"]);
    assert_eq!(plain.code, 0, "{plain:#?}");
}

#[test]
fn replay_default_corpus_passes() {
    let out = raftsim(&[
        "replay",
        "--json",
        &scratch("replay").join("r.json").to_string_lossy(),
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(out.stdout.starts_with("replay: "), "{out:#?}");
    assert!(
        out.stdout.lines().any(|l| l.starts_with("PingFaults ")),
        "{out:#?}"
    );
    assert!(out.last_line().starts_with("PASS replay: "), "{out:#?}");
}

#[test]
fn replay_failing_entry_exits_1() {
    let dir = scratch("replay_fail");
    let file = dir.join("s.txt");
    std::fs::write(
        &file,
        "PingFaults 2 # passes\nSelfTestFail 3 # fails on purpose\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let out = selftest(&["replay", &file.to_string_lossy()]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(out
        .stdout
        .contains("replay: cargo run --release -- run SelfTestFail --seed 3"));
    assert_eq!(out.last_line(), "FAIL replay: 1 of 2 run(s) failed");
}

#[test]
fn replay_bad_files_are_one_line_errors() {
    let dir = scratch("replay_bad");
    raftsim(&["replay", &dir.join("missing.txt").to_string_lossy()])
        .assert_error(NO_INPUT, "cannot read");
    let table = [
        ("no_note.txt", "PingFaults 1\n", ":1: entry"),
        (
            "bad_seed.txt",
            "# c\nPingFaults x1 # why\n",
            ":2: seed \"x1\"",
        ),
        (
            "unknown.txt",
            "NoSuchScenario 1 # why\n",
            ":1: unknown scenario",
        ),
    ];
    for (name, text, what) in table {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap_or_else(|e| panic!("{e}"));
        let out = raftsim(&["replay", &file.to_string_lossy()]);
        out.assert_error(DATA, &format!("{name}{what}"));
    }
}

/// The main job runs every registered scenario over the default seeds: minutes once the
/// Raft and KV scenarios exist. Run it with `cargo test -p sim --test cli -- --ignored`.
#[test]
#[ignore = "sweeps every scenario over the default seeds (minutes)"]
fn main_job_sweeps_every_scenario_over_default_seeds() {
    let out = raftsim(&[]);
    assert!(out.stdout.contains("x seeds 0..10"), "{out:#?}");
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(out.last_line().starts_with("PASS sweep: "), "{out:#?}");
}

#[test]
fn raft_flag_picks_an_implementation_and_unknown_names_exit_64() {
    let out = raftsim(&["list", "--raft", "ours", "--filter", "2A"]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(out.stdout.contains("InitialElection2A"), "{out:#?}");
    for cmd in [
        &["list", "--raft", "nope"][..],
        &["run", "InitialElection2A", "--seed", "1", "--raft", "nope"],
        &[
            "sweep",
            "--filter",
            "InitialElection2A",
            "--seeds",
            "1",
            "--raft",
            "nope",
        ],
        &["replay", "--raft", "nope"],
    ] {
        raftsim(cmd).assert_error(
            USAGE,
            "unknown Raft implementation \"nope\" (known: ours, raft-rs",
        );
    }
    let dir = scratch("raftflag");
    let json = dir.join("r.json");
    let json_path = json.to_string_lossy().into_owned();
    let out = raftsim(&[
        "sweep",
        "--filter",
        "^InitialElection2A$",
        "--seeds",
        "2",
        "--raft",
        "ours",
        "--json",
        &json_path,
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(out.stdout.contains("of raft=ours"), "{out:#?}");
    let lines = json_without_wall(&json);
    assert_eq!(lines[0]["raft"], "ours", "{lines:?}");
}

#[test]
fn replay_entry_naming_an_unknown_raft_exits_65_with_its_line() {
    let dir = scratch("replayraft");
    let file = dir.join("s.txt");
    write(
        &file,
        "InitialElection2A 1 raft=ours  # fine\nInitialElection2A 1 raft=nope  # no such\n",
    );
    let path = file.to_string_lossy().into_owned();
    raftsim(&["replay", &path]).assert_error(65, "s.txt:2: unknown Raft implementation");
    write(&file, "InitialElection2A 1 raft=ours  # fine\n");
    assert_eq!(raftsim(&["replay", &path]).code, 0);
}

#[test]
fn set_flag_runs_a_scenario_with_a_fix_off_and_refuses_bad_knobs() {
    let out = raftsim(&[
        "run",
        "ChainedPartition",
        "--seed",
        "2",
        "--set",
        "pre_vote=0",
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(out.stdout.contains("a needless election") || out.stdout.contains("lost office"));
    assert!(
        out.stdout
            .contains("run ChainedPartition --seed 2 --set pre_vote=0"),
        "the replay command repeats --set: {out:#?}"
    );
    let passes = raftsim(&["run", "ChainedPartition", "--seed", "2"]);
    assert_eq!(passes.code, 0, "{passes:#?}");
    raftsim(&[
        "run",
        "ChainedPartition",
        "--seed",
        "2",
        "--set",
        "pre_vote",
    ])
    .assert_error(USAGE, "expected KNOB=VALUE");
    raftsim(&[
        "run",
        "ChainedPartition",
        "--seed",
        "2",
        "--set",
        "prevote=0",
    ])
    .assert_error(USAGE, "unknown knob \"prevote\"");
    raftsim(&["sweep", "--filter", "beyond", "--set", "pre_vote=7"])
        .assert_error(USAGE, "knob pre_vote is 7; allowed: 0 to 1");
    raftsim(&["swarm", "--raft", "raft-rs", "--set", "pre_vote=x"])
        .assert_error(USAGE, "expected KNOB=VALUE");
}

#[test]
fn reads_flag_reads_by_read_index_or_lease_and_refuses_bad_modes() {
    let dir = scratch("run_reads");
    let trace = dir.join("trace.txt");
    let out = raftsim(&[
        "run",
        "Concurrent3A",
        "--seed",
        "1",
        "--reads",
        "lease",
        "--trace",
        trace.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    let text = std::fs::read_to_string(&trace).expect("a trace");
    assert!(text.contains("Confirm t"), "the leader's lease rounds");
    raftsim(&["run", "Concurrent3A", "--seed", "1", "--reads", "fast"])
        .assert_error(USAGE, "bad --reads \"fast\": expected log, index or lease");
    raftsim(&[
        "sweep", "--raft", "openraft", "--filter", "3A", "--reads", "index",
    ])
    .assert_error(USAGE, "openraft reads only by log");
    raftsim(&["shrink", "--seed", "1", "--reads", "fast"]).assert_error(USAGE, "bad --reads");
    // A swarm run takes the mode into its plan, and runs the same twice.
    let swarm = raftsim(&[
        "swarm",
        "--workload",
        "kv",
        "--seeds",
        "0..2",
        "--reads",
        "lease",
        "--check-determinism",
    ]);
    assert_eq!(swarm.code, 0, "{swarm:#?}");
    assert!(swarm.stdout.contains("each run twice"), "{swarm:#?}");
}
