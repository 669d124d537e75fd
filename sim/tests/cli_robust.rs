//! The `raftsim` binary never loses a verdict, a result or an input: stdout closed or
//! full, outputs that cannot be written or that name an input or each other, sweeps
//! interrupted by a signal, huge seed ranges and thread counts, odd seeds files.

mod cli_harness;

use cli_harness::*;
use regex::Regex;
use std::fs::File;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Exit code when stdout was closed by its reader (what shells show for SIGPIPE).
const CLOSED: i32 = 141;

/// How often a test looks at a running binary, and how many times before it gives up
/// (about two minutes): a hang is a failure, never a figure; nothing here times
/// anything, and the count keeps the wall clock out of the tests.
const POLL: Duration = Duration::from_millis(10);
const POLLS_MAX: u32 = 12_000;

/// A pipe whose reader has already exited: every write to it fails with EPIPE.
fn closed_pipe() -> Stdio {
    let mut reader = {
        // No other child may be forked while this process holds the read end.
        let _alone = SPAWN.write().unwrap_or_else(|p| p.into_inner());
        Command::new("true")
            .stdin(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start true: {e}"))
    };
    let writer = reader
        .stdin
        .take()
        .unwrap_or_else(|| panic!("no stdin pipe"));
    reader.wait().unwrap_or_else(|e| panic!("{e}"));
    Stdio::from(writer)
}

/// `/dev/full`: every write fails with ENOSPC.
fn full_device() -> Stdio {
    let file = File::options()
        .write(true)
        .open("/dev/full")
        .unwrap_or_else(|e| panic!("/dev/full: {e}"));
    Stdio::from(file)
}

/// Runs `cmd` with stdout and stderr in files under `dir`, killing it after
/// [`POLLS_MAX`] polls (and failing) if it has not ended.
fn finish_within(cmd: &mut Command, dir: &Path) -> Run {
    let (out, err) = (dir.join("stdout"), dir.join("stderr"));
    let file = |p: &Path| File::create(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut child = spawn(cmd.stdout(file(&out)).stderr(file(&err)));
    let status = wait_within(&mut child);
    Run {
        code: status.code().unwrap_or(-1),
        stdout: read(&out),
        stderr: read(&err),
    }
}

fn wait_within(child: &mut Child) -> std::process::ExitStatus {
    for _ in 0..POLLS_MAX {
        if let Some(status) = child.try_wait().unwrap_or_else(|e| panic!("{e}")) {
            return status;
        }
        std::thread::sleep(POLL);
    }
    let _ = child.kill();
    panic!("raftsim still running after {POLLS_MAX} polls of {POLL:?}");
}

/// One invocation of each command (and of `--help`), with the self-test scenarios.
fn every_command(dir: &Path) -> Vec<Vec<String>> {
    let seeds = dir.join("s.txt");
    write(&seeds, "PingFaults 1 # passes\n");
    let words = |s: &str| s.split(' ').map(str::to_string).collect::<Vec<_>>();
    let mut replay = words("replay");
    replay.push(seeds.display().to_string());
    vec![
        words("list"),
        words("--help"),
        words("run --help"),
        words("run PingFaults --seed 1"),
        words("run SelfTestFail --seed 1"),
        words("sweep --filter PingFaults --seeds 0..2"),
        replay,
    ]
}

/// Runs every command of [`every_command`] with `stdout` as its stdout.
fn every_command_into(name: &str, stdout: fn() -> Stdio) -> Vec<(Vec<String>, Run)> {
    let dir = scratch(name);
    every_command(&dir)
        .into_iter()
        .map(|args| {
            let words: Vec<&str> = args.iter().map(String::as_str).collect();
            let mut cmd = command(&words, true);
            cmd.current_dir(&dir).stdout(stdout());
            let out = finish(&mut cmd);
            (args, out)
        })
        .collect()
}

#[test]
fn every_command_stdout_closed_stops_quietly_with_141() {
    for (args, out) in every_command_into("robust_closed", closed_pipe) {
        assert_eq!(out.code, CLOSED, "{args:?}: {out:#?}");
        assert_eq!(out.stderr, "", "{args:?}: not quiet");
    }
}

#[test]
fn every_command_stdout_full_exits_74_with_one_line() {
    for (args, out) in every_command_into("robust_full", full_device) {
        // stderr may carry a run's own notes before the failed write; the last line is ours.
        assert_eq!(out.code, OUTPUT, "{args:?}: {out:#?}");
        let last = out.stderr.lines().last().unwrap_or("");
        assert!(
            last.starts_with("raftsim: cannot write to stdout: No space left on device"),
            "{args:?}: {out:#?}"
        );
        assert!(!out.stderr.contains("panicked"), "{args:?}: {out:#?}");
    }
}

#[test]
fn run_fail_with_unwritable_trace_keeps_verdict_replay_and_exit_1() {
    let art = scratch("robust_run_trace_full");
    let out = selftest(&[
        "run",
        "SelfTestFail",
        "--seed",
        "391",
        "--trace",
        "/dev/full",
        "--artifacts",
        &art.to_string_lossy(),
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.last_line().starts_with("FAIL SelfTestFail seed=391 ")
            && out.last_line().contains("reason: deliberate failure"),
        "{out:#?}"
    );
    assert!(out
        .stdout
        .contains("replay: cargo run --release -- run SelfTestFail --seed 391"));
    assert!(
        out.stdout.contains("not written: /dev/full: No space left"),
        "{out:#?}"
    );
    assert!(
        out.stderr
            .contains("raftsim: cannot write /dev/full: No space left"),
        "{out:#?}"
    );
    // A run that passes with a file it could not write: the verdict, then 74.
    let pass = raftsim(&["run", "PingFaults", "--seed", "3", "--trace", "/dev/full"]);
    assert_eq!(pass.code, OUTPUT, "{pass:#?}");
    assert!(
        pass.last_line().starts_with("PASS PingFaults seed=3 "),
        "{pass:#?}"
    );
}

#[test]
fn run_fail_where_default_artifacts_cannot_be_made_keeps_verdict() {
    // The default artifacts folder is relative to the working directory; a file named
    // `target` there stops it from being created, as a read-only directory would (the
    // tests may run as root, whom permissions do not stop).
    let dir = scratch("robust_readonly_cwd");
    write(&dir.join("target"), "not a directory\n");
    let mut cmd = command(&["run", "SelfTestFail", "--seed", "4"], true);
    cmd.current_dir(&dir).env_remove("CARGO_TARGET_DIR");
    let out = finish(&mut cmd);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.last_line().starts_with("FAIL SelfTestFail seed=4 "),
        "{out:#?}"
    );
    assert!(out
        .stdout
        .contains("replay: cargo run --release -- run SelfTestFail --seed 4"));
    assert!(
        out.stdout
            .contains("not written: target/raftsim-failures/SelfTestFail-seed4: "),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains("raftsim: cannot write target/"),
        "{out:#?}"
    );
}

#[test]
fn sweep_artifacts_unwritable_exits_74_before_the_first_run() {
    let dir = scratch("robust_sweep_artifacts_full");
    let json = dir.join("out.json");
    let out = selftest(&[
        "sweep",
        "--filter",
        "^SelfTestFail$",
        "--seeds",
        "0..2",
        "--artifacts",
        "/dev/full",
        "--json",
        &json.to_string_lossy(),
    ]);
    out.assert_error(OUTPUT, "cannot write /dev/full");
    assert_eq!(out.stdout, "", "a run happened: {out:#?}");
    assert!(!json.exists(), "--json created before the check");
}

#[test]
fn sweep_artifact_folder_unwritable_mid_sweep_is_reported_beside_its_verdict() {
    let dir = scratch("robust_sweep_artifact_blocked");
    let (art, json) = (dir.join("art"), dir.join("out.json"));
    std::fs::create_dir_all(&art).unwrap_or_else(|e| panic!("{e}"));
    // A file where seed 1's folder would go: only that run's files cannot be written.
    write(&art.join("SelfTestFail-seed1"), "in the way\n");
    let out = selftest(&[
        "sweep",
        "--filter",
        "^SelfTestFail$",
        "--seeds",
        "0..3",
        "--artifacts",
        &art.to_string_lossy(),
        "--json",
        &json.to_string_lossy(),
    ]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert_eq!(
        out.last_line(),
        "FAIL sweep: 3 of 3 run(s) failed; 1 output(s) not written",
        "{out:#?}"
    );
    for seed in 0..3 {
        let replay = format!("replay: cargo run --release -- run SelfTestFail --seed {seed}");
        assert!(out.stdout.contains(&replay), "no {replay:?}: {out:#?}");
    }
    let blocked = format!(
        "  not written: {}: ",
        art.join("SelfTestFail-seed1").display()
    );
    assert!(out.stdout.contains(&blocked), "{out:#?}");
    assert!(
        art.join("SelfTestFail-seed2/trace.txt").is_file(),
        "later runs lost their files"
    );
    assert_eq!(json_seeds(&json), [0, 1, 2], "--json lost runs");
    let lines = json_without_wall(&json);
    assert!(lines[1]["unwritten"][0].is_string(), "{}", lines[1]);
}

#[test]
fn sweep_json_unwritable_midway_keeps_the_report_and_exits_74() {
    let out = raftsim(&[
        "sweep",
        "--filter",
        "PingFaults",
        "--seeds",
        "0..3",
        "--json",
        "/dev/full",
    ]);
    assert_eq!(out.code, OUTPUT, "{out:#?}");
    assert!(
        out.stdout.contains("runs          3 (0 failed)"),
        "{out:#?}"
    );
    assert!(
        out.stdout.contains("not written: /dev/full: No space left"),
        "{out:#?}"
    );
    assert_eq!(
        out.last_line(),
        "PASS sweep: 3 run(s), 0 failed; 1 output(s) not written"
    );
    assert!(
        out.stderr.contains("raftsim: cannot write /dev/full"),
        "{out:#?}"
    );
}

/// Starts a long sweep writing `--json`, waits until a line is there while it still
/// runs, sends `signal`, and checks what it left.
fn sweep_interrupted_by(signal: &str, code: i32) {
    let dir = scratch(&format!("robust_interrupt_{signal}"));
    let json = dir.join("out.json");
    let planned = 200_000;
    let mut child = spawn(
        command(
            &[
                "sweep",
                "--filter",
                "PingFaults",
                "--seeds",
                &format!("0..{planned}"),
                "--jobs",
                "2",
                "--json",
                &json.to_string_lossy(),
            ],
            false,
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped()),
    );
    let mut polls = 0;
    // The header is the first line; a run's line is the second.
    while std::fs::read_to_string(&json).map_or(true, |t| t.matches('\n').count() < 2) {
        let ended = child.try_wait().unwrap_or_else(|e| panic!("{e}"));
        assert!(
            ended.is_none(),
            "the sweep ended before any --json line was written"
        );
        polls += 1;
        assert!(polls < POLLS_MAX, "no --json line after {polls} polls");
        std::thread::sleep(POLL);
    }
    let sent = spawn(Command::new("kill").args([format!("-{signal}"), child.id().to_string()]))
        .wait()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(sent.success(), "kill -{signal} failed");
    let out: Run = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{e}"))
        .into();
    assert_eq!(out.code, code, "{out:#?}");
    let verdict = Regex::new(&format!(
        r"^FAIL sweep: interrupted by SIG{signal} after (\d+) of {planned} run\(s\), 0 failed$"
    ))
    .unwrap_or_else(|e| panic!("{e}"));
    let caps = verdict
        .captures(out.last_line())
        .unwrap_or_else(|| panic!("bad verdict line: {out:#?}"));
    let ran: u64 = caps[1].parse().unwrap_or_else(|e| panic!("{e}"));
    assert!(ran > 0 && ran < planned, "{out:#?}");
    assert!(
        out.stdout
            .contains(&format!("runs          {ran} (0 failed)")),
        "{out:#?}"
    );
    assert!(
        out.stderr.contains("stopping the runs in progress"),
        "{out:#?}"
    );
    // Every run that finished is in the file, in the sweep's order; a run the signal
    // cancelled is not (it has no verdict), so the seeds may skip one in progress.
    let seeds = json_seeds(&json);
    assert_eq!(seeds.len() as u64, ran, "{seeds:?}");
    assert!(seeds.windows(2).all(|w| w[0] < w[1]), "{seeds:?}");
}

#[test]
fn sweep_sigint_writes_json_as_runs_finish_and_reports_what_finished_130() {
    sweep_interrupted_by("INT", 130);
}

#[test]
fn sweep_sigterm_reports_what_finished_143() {
    sweep_interrupted_by("TERM", 143);
}

#[test]
fn outputs_that_name_an_input_or_each_other_are_refused_with_64() {
    let dir = scratch("robust_collisions");
    let seeds = dir.join("s.txt");
    let text = "PingFaults 1 # kept\n";
    write(&seeds, text);
    let s = seeds.to_string_lossy().into_owned();
    raftsim(&["replay", &s, "--json", &s]).assert_error(USAGE, "would overwrite the seeds file");
    let other_way = dir.join("sub/../s.txt");
    std::fs::create_dir_all(dir.join("sub")).unwrap_or_else(|e| panic!("{e}"));
    raftsim(&[
        "replay",
        &dir.to_string_lossy(),
        "--json",
        &other_way.to_string_lossy(),
    ])
    .assert_error(USAGE, "would overwrite the seeds file");
    assert_eq!(read(&seeds), text, "input overwritten");
    let x = dir.join("x.txt").to_string_lossy().into_owned();
    raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "1",
        "--trace",
        &x,
        "--history",
        &x,
    ])
    .assert_error(USAGE, "--history");
    assert!(!Path::new(&x).exists(), "an output written after all");
    raftsim(&["sweep", "--seeds", "0..1", "--json", &x, "--artifacts", &x])
        .assert_error(USAGE, "--artifacts");
    let art = dir.join("art");
    let clash = art.join("SelfTestFail-seed2/trace.txt");
    selftest(&[
        "run",
        "SelfTestFail",
        "--seed",
        "2",
        "--artifacts",
        &art.to_string_lossy(),
        "--history",
        &clash.to_string_lossy(),
    ])
    .assert_error(USAGE, "where a failure's trace.txt goes");
    // Devices may take several outputs: nothing is destroyed.
    let devnull = raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "1",
        "--trace",
        "/dev/null",
        "--html",
        "/dev/null",
    ]);
    assert_eq!(devnull.code, 0, "{devnull:#?}");
}

#[test]
fn sweep_huge_range_thin_shard_is_computed_at_once() {
    let dir = scratch("robust_huge_range");
    let json = dir.join("out.json");
    let out = finish_within(
        &mut command(
            &[
                "sweep",
                "--filter",
                "PingFaults",
                "--seeds",
                "0..18446744073709551615",
                "--shard",
                "1/4611686018427387904",
                "--json",
                &json.to_string_lossy(),
            ],
            false,
        ),
        &dir,
    );
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        json_seeds(&json),
        [1, 1 + (1 << 62), 1 + (1 << 63), 1 + 3 * (1 << 62)]
    );
}

#[test]
fn sweep_largest_seed_runs_as_run_does() {
    let dir = scratch("robust_largest_seed");
    let json = dir.join("out.json");
    let max = "18446744073709551615";
    let out = raftsim(&[
        "sweep",
        "--filter",
        "PingFaults",
        "--seeds",
        max,
        "--json",
        &json.to_string_lossy(),
    ]);
    assert_eq!(out.code, 0, "{out:#?}");
    let lines = json_without_wall(&json);
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["seed"].as_u64(), Some(u64::MAX));
    let run = raftsim(&["run", "PingFaults", "--seed", max]);
    assert_eq!(run.code, 0, "{run:#?}");
    let hash = run.last_line().split_whitespace().nth(3).unwrap_or("");
    assert_eq!(lines[0]["trace_hash"], hash.trim_start_matches("trace="));
}

#[test]
fn sweep_jobs_far_past_the_cores_is_capped_with_a_message() {
    let dir = scratch("robust_jobs");
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let out = finish_within(
        &mut command(
            &[
                "sweep",
                "--filter",
                "PingFaults",
                "--seeds",
                "0..40",
                "--jobs",
                "100000",
            ],
            false,
        ),
        &dir,
    );
    assert_eq!(out.code, 0, "{out:#?}");
    assert!(
        out.stderr
            .contains("--jobs 100000 is more than 4 threads per core; using"),
        "{out:#?}"
    );
    let threads = (4 * cores).min(40);
    assert!(
        out.stdout
            .contains(&format!("= 40 run(s) on {threads} thread(s)")),
        "{out:#?}"
    );
    assert_eq!(out.last_line(), "PASS sweep: 40 run(s), 0 failed");
}

#[test]
fn replay_seeds_files_bom_utf8_empty_and_repeats() {
    let dir = scratch("robust_seeds_files");
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    write(
        &dir.join("bom.txt"),
        "\u{feff}PingFaults 1 # saved by an editor that adds a BOM\n",
    );
    let bom = raftsim(&["replay", &path("bom.txt")]);
    assert_eq!(bom.code, 0, "{bom:#?}");
    assert_eq!(bom.last_line(), "PASS replay: 1 run(s), 0 failed");
    write(
        &dir.join("latin1.txt"),
        b"PingFaults 1 # ok\nPingFaults 2 # caf\xe9\n",
    );
    raftsim(&["replay", &path("latin1.txt")]).assert_error(DATA, "latin1.txt:2: not valid UTF-8");
    write(&dir.join("comments.txt"), "# nothing yet\n\n");
    raftsim(&["replay", &path("comments.txt")]).assert_error(DATA, "no seeds in");
    let empty = dir.join("empty");
    std::fs::create_dir_all(&empty).unwrap_or_else(|e| panic!("{e}"));
    raftsim(&["replay", &empty.to_string_lossy()]).assert_error(DATA, "no seeds in");
    write(
        &dir.join("again.txt"),
        "# the same run\nPingFaults 1 # again\n",
    );
    raftsim(&["replay", &path("bom.txt"), &path("again.txt")])
        .assert_error(DATA, "again.txt:2: PingFaults 1 repeats the entry at");
}

/// A run that never ends (SelfTestSpin pings forever) fails on its event budget, with
/// the bound and the busiest sender named, and its replay command repeats the bound.
#[test]
fn run_without_end_fails_on_its_event_budget_with_the_bound_in_its_replay() {
    let dir = scratch("robust_events_max");
    let out = finish_within(
        &mut command(
            &[
                "run",
                "SelfTestSpin",
                "--seed",
                "3",
                "--events-max",
                "100000",
            ],
            true,
        ),
        &dir,
    );
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.stdout
            .contains("reason: run budget: more than 100000 events (--events-max) by virtual time")
            && out.stdout.contains("the busiest sender of virtual second"),
        "{out:#?}"
    );
    assert!(
        out.stdout.contains(
            "replay: cargo run --release -- run SelfTestSpin --seed 3 --events-max 100000"
        ),
        "{out:#?}"
    );
    raftsim(&["run", "PingFaults", "--seed", "1", "--events-max", "0"])
        .assert_error(USAGE, "bad --events-max \"0\": expected a positive integer");
    raftsim(&["sweep", "--filter", "PingFaults", "--memory-max", "12T"])
        .assert_error(USAGE, "bad --memory-max \"12T\"");
}

/// The memory bound: `raftsim` meters its allocations per thread, and a run whose
/// kept trace grows past `--memory-max` fails naming the bound.
#[test]
fn run_past_its_memory_bound_fails_naming_it() {
    let dir = scratch("robust_memory_max");
    let trace = dir.join("trace.txt");
    let out = finish_within(
        &mut command(
            &[
                "run",
                "SelfTestSpin",
                "--seed",
                "1",
                "--memory-max",
                "2M",
                "--trace",
                &trace.to_string_lossy(),
            ],
            true,
        ),
        &dir,
    );
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.stdout.contains("reason: run budget: the run holds ")
            && out.stdout.contains("more than 2097152 (--memory-max)"),
        "{out:#?}"
    );
}

/// SIGINT cancels runs in progress, even runs that would never end: the sweep stops
/// within its poll limit, with its report, and exits 130.
#[test]
fn sweep_sigint_cancels_runs_that_never_end_and_reports_130() {
    let dir = scratch("robust_cancel");
    let (out_path, err_path) = (dir.join("stdout"), dir.join("stderr"));
    let file = |p: &Path| File::create(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut child = spawn(
        command(
            &[
                "sweep",
                "--filter",
                "SelfTestSpin",
                "--seeds",
                "0..4",
                "--jobs",
                "2",
                "--events-max",
                "1000000000",
            ],
            true,
        )
        .stdout(file(&out_path))
        .stderr(file(&err_path)),
    );
    // Let both workers get well into their runs.
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        child.try_wait().unwrap_or_else(|e| panic!("{e}")).is_none(),
        "the sweep ended on its own"
    );
    let sent = spawn(Command::new("kill").args(["-INT", &child.id().to_string()]))
        .wait()
        .unwrap_or_else(|e| panic!("kill: {e}"));
    assert!(sent.success(), "kill -INT failed");
    let status = wait_within(&mut child);
    let out = Run {
        code: status.code().unwrap_or(-1),
        stdout: read(&out_path),
        stderr: read(&err_path),
    };
    assert_eq!(out.code, 130, "{out:#?}");
    assert_eq!(
        out.last_line(),
        "FAIL sweep: interrupted by SIGINT after 0 of 4 run(s), 0 failed",
        "{out:#?}"
    );
    assert!(
        out.stderr.contains("stopping the runs in progress"),
        "{out:#?}"
    );
}
