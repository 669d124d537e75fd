//! `raftsim merge`: the shards' `--json` files of one sweep back into the whole sweep's
//! report, and every refusal of files that do not cover one sweep exactly.
//!
//! Failures come from the self-test scenarios (see `cli_harness`), so the merged report
//! has failures and replay commands to compare.

mod cli_harness;

use cli_harness::*;
use regex::Regex;
use std::path::{Path, PathBuf};

/// A passing, a failing, a panicking and an overflowing (internal error) scenario, over
/// 3 seeds: 12 runs, 9 failed, 3 of them internal errors.
const FILTER: &str = "^PingFaults$|^SelfTestFail$|^SelfTestPanic$|^SelfTestOverflow$";
const SEEDS: &str = "0..3";

/// `sweep` over [`FILTER`] x [`SEEDS`] (sharded if `shard`), writing `--json` to `json`.
fn sweep(json: &Path, shard: Option<&str>) -> Run {
    let json = json.to_string_lossy().into_owned();
    let mut args = vec![
        "sweep", "--filter", FILTER, "--seeds", SEEDS, "--json", &json,
    ];
    if let Some(s) = shard {
        args.extend(["--shard", s]);
    }
    selftest(&args)
}

/// The lines of a report that do not depend on wall time or threads, in order.
///
/// Left out: the first line (`sweep:`'s banner names the shard and the threads,
/// `merge:`'s the shard files); each verdict line's `wall=`; the summary's `mean wall`
/// column; and the overall lines whose figures divide by wall time (`wall time`,
/// `speedup`, `throughput`, `one seed of each scenario`), of which `events` keeps its
/// count. Shards ran apart, so the merged report cannot know the whole sweep's elapsed
/// time, and no two sweeps take the same wall time anyway.
fn deterministic(stdout: &str) -> Vec<String> {
    let wall = Regex::new(r"wall=\d+\.\d+s").unwrap_or_else(|e| panic!("{e}"));
    let row = Regex::new(r"^(\S+\s+\S+\s+\d+\s+\d+\s+\d+\.\d+s)\s+\d+\.\d+s$")
        .unwrap_or_else(|e| panic!("{e}"));
    let timed = [
        "  wall time ",
        "  speedup ",
        "  throughput ",
        "  one seed of each",
    ];
    stdout
        .lines()
        .skip(1)
        .filter(|l| !timed.iter().any(|t| l.starts_with(t)))
        .map(|l| {
            let l = wall.replace_all(l, "wall=").into_owned();
            let l = row.replace(&l, "$1").into_owned();
            match l.split_once(" (") {
                Some((events, _)) if l.starts_with("  events ") => events.to_string(),
                _ => l,
            }
        })
        .collect()
}

#[test]
fn merge_of_4_shards_reproduces_the_whole_sweep_report() {
    let dir = scratch("merge_4_shards");
    let whole_json = dir.join("whole.json");
    let whole = sweep(&whole_json, None);
    assert_eq!(whole.code, 70, "{whole:#?}");
    assert_eq!(
        whole.last_line(),
        "FAIL sweep: 9 of 12 run(s) failed, 3 of them internal error(s)"
    );
    let shards: Vec<PathBuf> = (0..4)
        .map(|i| {
            let path = dir.join(format!("shard-{i}.json"));
            let out = sweep(&path, Some(&format!("{i}/4")));
            // Shard 0/4 (runs 0, 4 and 8) holds no internal error.
            let code = if i == 0 { 1 } else { 70 };
            assert_eq!(out.code, code, "shard {i}: {out:#?}");
            path
        })
        .collect();
    // In any order: the headers say which shard each file is.
    let merged_json = dir.join("merged.json");
    let mut args: Vec<String> = shards
        .iter()
        .rev()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    args.extend(["--json".into(), merged_json.to_string_lossy().into_owned()]);
    let mut argv = vec!["merge"];
    argv.extend(args.iter().map(String::as_str));
    let merged = raftsim(&argv);
    assert_eq!(merged.code, whole.code, "{merged:#?}");
    assert!(
        merged.stdout.starts_with(
            "merge: 4 shard file(s) of sweep: 4 scenario(s) of raft=ours x seeds 0..3 = 12 run(s)\n"
        ),
        "{merged:#?}"
    );
    let want = deterministic(&whole.stdout);
    assert_eq!(deterministic(&merged.stdout), want);
    // What the comparison covers: failures, replay commands, counts, the verdict.
    for line in [
        "failures (9):",
        "  replay: cargo run --release -- run SelfTestPanic --seed 2",
        "  replay: cargo run --release -- run SelfTestOverflow --seed 1",
        "  runs          12 (9 failed)",
        "FAIL sweep: 9 of 12 run(s) failed, 3 of them internal error(s)",
    ] {
        assert!(want.iter().any(|l| l == line), "no {line:?} in {want:#?}");
    }
    assert!(
        want.iter()
            .any(|l| l.starts_with("SelfTestFail ") && l.contains("3       3")),
        "{want:#?}"
    );
    assert!(
        want.iter()
            .any(|l| l.starts_with("ERROR SelfTestOverflow seed=0 ")),
        "{want:#?}"
    );
    assert!(
        merged.stdout.contains("not known (merged from 4 shard(s))"),
        "{merged:#?}"
    );
    // The merged --json is the whole sweep's, header included, wall times aside.
    assert_eq!(json_header(&merged_json), json_header(&whole_json));
    assert_eq!(
        json_without_wall(&merged_json),
        json_without_wall(&whole_json)
    );
    // And it merges again, as the one shard of the whole sweep.
    let again = raftsim(&["merge", &merged_json.to_string_lossy()]);
    assert_eq!(again.code, 70, "{again:#?}");
    assert_eq!(deterministic(&again.stdout), want);
}

#[test]
fn merge_of_a_passing_swarm_in_shipped_knobs_exits_0_and_names_swarm() {
    let dir = scratch("merge_swarm");
    let run = |path: &Path, shard: &str| {
        raftsim(&[
            "swarm",
            "--workload",
            "raft",
            "--seeds",
            "0..2",
            "--knobs",
            "shipped",
            "--shard",
            shard,
            "--json",
            &path.to_string_lossy(),
        ])
    };
    let (a, b) = (dir.join("a.json"), dir.join("b.json"));
    for (path, shard) in [(&a, "0/2"), (&b, "1/2")] {
        let out = run(path, shard);
        assert_eq!(out.code, 0, "{out:#?}");
    }
    let header = json_header(&a);
    assert_eq!(header["command"], "swarm");
    assert_eq!(header["sweep"]["knobs"], "shipped");
    assert_eq!(header["sweep"]["workload"], "raft");
    let out = raftsim(&["merge", &a.to_string_lossy(), &b.to_string_lossy()]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(
        out.last_line(),
        "PASS swarm: 2 run(s), 0 failed",
        "{out:#?}"
    );
}

/// A file's lines.
fn lines(path: &Path) -> Vec<String> {
    read(path).lines().map(str::to_string).collect()
}

/// Writes `lines` (each ending in a newline) to `dir/name` and returns its path.
fn file(dir: &Path, name: &str, lines: &[String]) -> String {
    let path = dir.join(name);
    let text: String = lines.iter().map(|l| format!("{l}\n")).collect();
    write(&path, text);
    path.to_string_lossy().into_owned()
}

#[test]
fn merge_bad_inputs_are_one_line_errors_naming_file_and_line() {
    let dir = scratch("merge_bad");
    // PingFaults over seeds 0..4 in 2 shards: shard 0/2 holds seeds 0 and 2 (lines 2
    // and 3), shard 1/2 seeds 1 and 3.
    let shard = |i: u32| {
        let path = dir.join(format!("s{i}.json"));
        let out = raftsim(&[
            "sweep",
            "--filter",
            "PingFaults",
            "--seeds",
            "0..4",
            "--shard",
            &format!("{i}/2"),
            "--json",
            &path.to_string_lossy(),
        ]);
        assert_eq!(out.code, 0, "{out:#?}");
        lines(&path)
    };
    let (s0, s1) = (shard(0), shard(1));
    assert_eq!((s0.len(), s1.len()), (3, 3), "{s0:?} {s1:?}");
    let good1 = file(&dir, "good1.json", &s1);
    let edit = |lines: &[String], i: usize, from: &str, to: &str| {
        let mut out = lines.to_vec();
        assert!(out[i].contains(from), "{from:?} not in {}", out[i]);
        out[i] = out[i].replace(from, to);
        out
    };
    let with = |lines: &[String], extra: &str| {
        let mut out = lines.to_vec();
        out.push(extra.to_string());
        out
    };
    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        ("not_json", with(&s0, "not json"), "not_json.json:4: not a run's line"),
        ("no_header", s0[1..].to_vec(), "no_header.json:1: not a header line"),
        ("empty", Vec::new(), "empty.json: empty"),
        (
            "other_sweep",
            edit(&s0, 0, r#""filter":"PingFaults""#, r#""filter":"Ping""#),
            r#"good1.json:1's: its filter is "Ping", not "PingFaults""#,
        ),
        (
            "out_of_range",
            edit(&s0, 0, r#""shard":"0/2""#, r#""shard":"2/2""#),
            r#"out_of_range.json:1: bad shard "2/2""#,
        ),
        (
            "other_split",
            edit(&s0, 0, r#""shard":"0/2""#, r#""shard":"0/3""#),
            "good1.json:1 is shard 1/2: another split of the sweep",
        ),
        (
            "repeated_run",
            with(&s0, &s0[2]),
            "repeated_run.json:4: PingFaults seed 2 again (first at ",
        ),
        (
            "other_shards_run",
            with(&s0[..2], &s1[1]),
            "other_shards_run.json:3: PingFaults seed 1 is run 1 of the sweep, shard 1/2's, not this file's 0/2",
        ),
        (
            "stranger",
            with(&s0[..2], &s0[2].replace(r#""seed":2"#, r#""seed":9"#)),
            "stranger.json:3: PingFaults seed 9 is not a run of the sweep (1 scenario(s) x seeds 0..4)",
        ),
        (
            "interrupted",
            s0[..2].to_vec(),
            "missing 1 run(s) of the sweep: 1 of shard 0/2 (",
        ),
        (
            "bad_verdict",
            edit(&s0, 1, r#""verdict":"pass""#, r#""verdict":"fail""#),
            "bad_verdict.json:2: verdict \"fail\" does not go with reason None",
        ),
    ];
    for (name, text, want) in cases {
        let path = file(&dir, &format!("{name}.json"), &text);
        // The broken file second, so that "another sweep" is named against good1.
        let out = raftsim(&["merge", &good1, &path]);
        out.assert_error(DATA, want);
        assert!(out.stderr.contains(&format!("{name}.json")), "{out:#?}");
        assert_eq!(out.stdout, "", "a report of bad input: {out:#?}");
    }
    let good0 = file(&dir, "good0.json", &s0);
    let ok = raftsim(&["merge", &good0, &good1]);
    assert_eq!(ok.code, 0, "{ok:#?}");
    assert_eq!(ok.last_line(), "PASS sweep: 4 run(s), 0 failed", "{ok:#?}");
    raftsim(&["merge", &good0]).assert_error(DATA, "missing 1 of 2 shard(s): 1/2;");
    raftsim(&["merge", &good0, &good1, &good0])
        .assert_error(DATA, "good0.json:1: shard 0/2 again (also ");
    raftsim(&["merge", &good0, &dir.join("nope.json").to_string_lossy()])
        .assert_error(NO_INPUT, "cannot read ");
    raftsim(&["merge", &good0, &good1, "--json", &good1])
        .assert_error(USAGE, "would overwrite the shard file");
    assert_eq!(raftsim(&["merge"]).code, USAGE);
    let replay = dir.join("replay.json");
    let out = raftsim(&["replay", "--json", &replay.to_string_lossy()]);
    assert_eq!(out.code, 0, "{out:#?}");
    assert_eq!(json_header(&replay)["command"], "replay");
    raftsim(&["merge", &replay.to_string_lossy()])
        .assert_error(DATA, "replay.json:1: a replay's --json file");
}
