//! Schedule files as inputs: no output overwrites one, every field is range-checked
//! (exit 65 naming the field and the allowed range), `shrink` reads what it is given and
//! checks `--out` first, a server's clock in `clocks` applies to its run, a limit of the
//! simulator is an internal error (70), never a failure of the Raft under test; and a
//! fuzzer of mutated schedules finds no panic and no false failure.

mod cli_harness;

use cli_harness::*;
use sim::engine::SimRng;
use sim::panics;
use sim::registry::{find, registry};
use sim::scenario::{RunConfig, Schedule};
use sim::swarm::server_clock::{ClockJump, ServerClock};
use sim::swarm::{scenario_name, Plan, Workload};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Exit code of an internal error: a limit of the simulator (EX_SOFTWARE).
const INTERNAL: i32 = 70;

/// A valid schedule of the raft workload, written to `dir/name`.
fn schedule(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    write(
        &path,
        Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 3).to_json(),
    );
    path
}

fn text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

#[test]
fn run_schedule_outputs_over_the_schedule_are_refused() {
    let dir = scratch("schedule_outputs");
    let s = schedule(&dir, "s.json");
    let before = read(&s);
    for flag in ["--trace", "--timeline", "--history", "--html"] {
        raftsim(&["run", "--schedule", &text(&s), flag, &text(&s)])
            .assert_error(USAGE, "would overwrite the schedule file");
        // The same file through a link, and through `..`.
        let link = dir.join("link.json");
        let _ = std::fs::remove_file(&link);
        std::os::unix::fs::symlink(&s, &link).unwrap_or_else(|e| panic!("{e}"));
        raftsim(&["run", "--schedule", &text(&s), flag, &text(&link)])
            .assert_error(USAGE, "would overwrite the schedule file");
        let round = dir.join("sub/../s.json");
        std::fs::create_dir_all(dir.join("sub")).unwrap_or_else(|e| panic!("{e}"));
        raftsim(&["run", "--schedule", &text(&s), flag, &text(&round)])
            .assert_error(USAGE, "would overwrite the schedule file");
    }
    raftsim(&["run", "--schedule", &text(&s), "--artifacts", &text(&s)])
        .assert_error(USAGE, "would overwrite the schedule file");
    assert_eq!(read(&s), before, "the schedule was changed");
}

#[test]
fn run_outputs_through_a_dangling_link_or_over_artifacts_are_refused() {
    let dir = scratch("schedule_dangling");
    let trace = dir.join("t.txt");
    let link = dir.join("dangling.html");
    std::os::unix::fs::symlink("t.txt", &link).unwrap_or_else(|e| panic!("{e}"));
    raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "1",
        "--trace",
        &text(&trace),
        "--timeline",
        &text(&link),
    ])
    .assert_error(USAGE, "--timeline");
    let z = dir.join("z");
    raftsim(&[
        "run",
        "PingFaults",
        "--seed",
        "1",
        "--trace",
        &text(&z),
        "--artifacts",
        &text(&z),
    ])
    .assert_error(USAGE, "--artifacts");
    assert!(!z.exists(), "an output was made before the refusal");
}

/// The plan's text with `from` replaced by `to` (once), which must change it.
fn edited(plan: &Plan, from: &str, to: &str) -> String {
    let json = plan.to_json();
    assert!(json.contains(from), "{from:?} not in {json}");
    json.replacen(from, to, 1)
}

#[test]
fn run_schedule_out_of_range_fields_are_data_errors_naming_field_and_range() {
    let dir = scratch("schedule_ranges");
    let mut plan = Plan::generate(Workload::Kv, "ours", raft::config::KNOBS, 3);
    plan.profile.knobs = raft_contract::Settings::defaults();
    plan.profile.knobs.set("election_timeout_min_ms", 400);
    plan.faults.truncate(1);
    plan.faults[0].at_ms = 500;
    plan.faults[0].fault = sim::swarm::schedule::Fault::Flap {
        a: 0,
        b: 1,
        period_ms: 50,
        times: 3,
    };
    let cases = [
        // A flap repeated 2^32 - 1 times aborted on memory.
        (
            edited(&plan, "\"times\": 3", "\"times\": 4294967295"),
            "faults[0].fault.flap.times is 4294967295; allowed: 1 to 1000",
        ),
        // Clerk counts panicked (capacity overflow) or ran for minutes.
        (
            edited(
                &plan,
                &format!("\"clients\": {}", plan.profile.clients),
                "\"clients\": 18446744073709551615",
            ),
            "profile.clients is 18446744073709551615; allowed: 1 to 5",
        ),
        (
            edited(
                &plan,
                &format!("\"keys\": {}", plan.profile.keys),
                "\"keys\": 1000000",
            ),
            "profile.keys is 1000000; allowed: 0 to 20",
        ),
        // Durations near the limit overflowed virtual time, reported as a FAIL.
        (
            edited(
                &plan,
                "\"period_ms\": 50",
                "\"period_ms\": 18446744073709551",
            ),
            "faults[0].fault.flap.period_ms is 18446744073709551; allowed: 1 to 60000",
        ),
        // at_ms past 2^64 ns wrapped silently.
        (
            edited(&plan, "\"at_ms\": 500", "\"at_ms\": 18446744073710"),
            "faults[0].at_ms is 18446744073710; allowed: 0 to",
        ),
        // A fault phase over 119 s tripped the lab's 120 s.
        (
            edited(
                &plan,
                &format!("\"span_ms\": {}", plan.profile.span_ms),
                "\"span_ms\": 119500",
            ),
            "profile.span_ms is 119500; allowed: 0 to 30000",
        ),
        // Typos were accepted silently.
        (
            edited(&plan, "\"clients\"", "\"clinets\": 3, \"clients\""),
            "unknown field profile.clinets",
        ),
        (
            edited(&plan, "\"period_ms\"", "\"periode_ms\": 3, \"period_ms\""),
            "unknown field faults[0].fault.flap.periode_ms",
        ),
        (
            edited(&plan, "\"times\": 3", "\"times\": 3, \"times\": 4"),
            "duplicate field `times`",
        ),
        (
            edited(&plan, "\"at_ms\"", "\"at\""),
            "missing field `at_ms`",
        ),
        // Knobs are checked against the implementation that runs the schedule.
        (
            edited(&plan, "\"knobs\": {", "\"knobs\": {\"heartbeat_ms\": 20, "),
            "profile.knobs.heartbeat_ms is 20; allowed: 100 to 150",
        ),
        (
            edited(
                &plan,
                "\"knobs\": {",
                "\"knobs\": {\"max_inflight_msgs\": 4, ",
            ),
            "unknown knob \"max_inflight_msgs\"",
        ),
        ("{".repeat(2 << 20), "larger than 1048576 bytes"),
    ];
    for (k, (json, why)) in cases.iter().enumerate() {
        let path = dir.join(format!("bad{k}.json"));
        write(&path, json);
        raftsim(&["run", "--schedule", &text(&path)]).assert_error(DATA, why);
        raftsim(&[
            "shrink",
            "--schedule",
            &text(&path),
            "--out",
            &text(&dir.join("o.json")),
        ])
        .assert_error(DATA, why);
    }
}

/// Bad usage that the argument parser refuses (its message spans several lines).
fn refused_by_clap(args: &[&str]) {
    let run = raftsim(args);
    assert_eq!(run.code, USAGE, "{run:#?}");
    assert!(run.stderr.contains("cannot be used with"), "{run:#?}");
    assert!(run.stderr.contains("--workload"), "{run:#?}");
}

#[test]
fn shrink_schedule_refuses_workload_and_honours_raft() {
    let dir = scratch("shrink_flags");
    let s = schedule(&dir, "s.json");
    let out = text(&dir.join("out.json"));
    refused_by_clap(&[
        "shrink",
        "--schedule",
        &text(&s),
        "--workload",
        "kv",
        "--out",
        &out,
    ]);
    // The schedule passes on raft-rs too: the refusal names the implementation it ran.
    raftsim(&[
        "shrink",
        "--schedule",
        &text(&s),
        "--raft",
        "raft-rs",
        "--out",
        &out,
    ])
    .assert_error(USAGE, "raft=raft-rs passes: nothing to shrink");
    raftsim(&[
        "shrink",
        "--schedule",
        &text(&s),
        "--raft",
        "nope",
        "--out",
        &out,
    ])
    .assert_error(USAGE, "unknown Raft implementation");
}

#[test]
fn shrink_out_unwritable_is_refused_before_any_run() {
    let dir = scratch("shrink_out");
    let s = schedule(&dir, "s.json");
    let out = dir.join("missing/folder/out.json");
    // The schedule passes, so a check after the first run would say "nothing to shrink".
    raftsim(&["shrink", "--schedule", &text(&s), "--out", &text(&out)])
        .assert_error(OUTPUT, "missing/folder/out.json");
    raftsim(&["shrink", "--schedule", &text(&s), "--out", &text(&s)])
        .assert_error(USAGE, "would overwrite the schedule being shrunk");
}

#[test]
fn shrink_artifact_folder_uses_its_schedule_not_the_seeds_plan() {
    let dir = scratch("shrink_folder");
    let folder = dir.join("SwarmRaft-seed3");
    std::fs::create_dir_all(&folder).unwrap_or_else(|e| panic!("{e}"));
    write(
        &folder.join("failure.txt"),
        "scenario: SwarmRaft\nraft: ours\nseed: 3\nreason: x\nreplay: x\n",
    );
    // A schedule that is not the seed's own plan: no faults, a short phase. It passes,
    // and the refusal's sizes show which plan ran.
    let mut plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 3);
    plan.faults.clear();
    plan.profile.span_ms = 1_000;
    write(&folder.join("schedule.json"), plan.to_json());
    let out = text(&dir.join("out.json"));
    let run = raftsim(&["shrink", &text(&folder), "--out", &out]);
    run.assert_error(USAGE, "passes: nothing to shrink");
    // An invalid schedule in the folder is a data error: proof that it was read.
    write(&folder.join("schedule.json"), "{}");
    raftsim(&["shrink", &text(&folder), "--out", &out]).assert_error(DATA, "schedule.json");
    refused_by_clap(&["shrink", &text(&folder), "--workload", "kv", "--out", &out]);
}

/// A plan of three servers whose leader goes deaf one second in and stays so through a
/// 12 s fault phase, checking liveness during faults: it fails with `check_quorum=0`
/// (nothing commits) and passes shipped.
fn deaf_leader_plan(seed: u64) -> Plan {
    use sim::swarm::schedule::{Fault, Scheduled};
    let mut plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, seed);
    let p = &mut plan.profile;
    (p.servers, p.loss, p.duplicate, p.delay_ms_max) = (3, 0.0, 0.0, 0);
    (p.long_reordering, p.span_ms, p.clients, p.faults) = (false, 12_000, 200, 1);
    p.knobs = raft_contract::Settings::defaults();
    p.live_during_faults = true;
    plan.clocks.clear();
    plan.faults = vec![Scheduled {
        at_ms: 1_000,
        fault: Fault::DeafLeader { unheard: 0 },
    }];
    plan
}

/// A failure's folder records the knobs set by hand (`set:` in `failure.txt`), and
/// `shrink` of the folder runs with them: without them the run passes and there is
/// nothing to shrink. A malformed or refused `set:` line is a data error naming it.
#[test]
fn shrink_artifact_folder_runs_with_the_knobs_its_failure_txt_sets() {
    let dir = scratch("shrink_set");
    let s = dir.join("deaf.json");
    write(&s, deaf_leader_plan(1).to_json());
    let artifacts = dir.join("failures");
    let failed = raftsim(&[
        "run",
        "--schedule",
        &text(&s),
        "--set",
        "check_quorum=0",
        "--artifacts",
        &text(&artifacts),
    ]);
    assert_eq!(failed.code, 1, "{failed:#?}");
    let folder = artifacts.join("SwarmRaft-seed1");
    let failure = read(&folder.join("failure.txt"));
    assert!(
        failure.lines().any(|l| l == "set: check_quorum=0"),
        "{failure}"
    );
    let out = dir.join("out.json");
    let shrunk = raftsim(&["shrink", &text(&folder), "--out", &text(&out)]);
    assert_eq!(shrunk.code, 0, "{shrunk:#?}");
    let plan = Plan::from_json(&read(&out)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        plan.profile.knobs.get("check_quorum"),
        Some(0),
        "kept in the schedule"
    );
    let without: String = failure
        .lines()
        .filter(|l| !l.starts_with("set: "))
        .map(|l| format!("{l}\n"))
        .collect();
    write(&folder.join("failure.txt"), &without);
    raftsim(&["shrink", &text(&folder), "--out", &text(&out)])
        .assert_error(USAGE, "passes: nothing to shrink");
    for (line, why) in [
        (
            "set: check_quorum",
            "`set:` lists \"check_quorum\", not KNOB=VALUE",
        ),
        ("set: check_quorum=7", "`set:` line: knob check_quorum is 7"),
    ] {
        write(&folder.join("failure.txt"), format!("{without}{line}\n"));
        raftsim(&["shrink", &text(&folder), "--out", &text(&out)]).assert_error(DATA, why);
    }
}

#[test]
fn run_simulator_overflow_is_internal_error_not_fail() {
    let dir = scratch("schedule_internal");
    let out = raftsim_with(
        &[
            "run",
            "SelfTestOverflow",
            "--seed",
            "1",
            "--artifacts",
            &text(&dir),
        ],
        true,
        None,
    );
    assert_eq!(out.code, INTERNAL, "{out:#?}");
    assert!(
        out.last_line()
            .starts_with("ERROR SelfTestOverflow seed=1 "),
        "{out:#?}"
    );
    assert!(out.last_line().contains("internal error"), "{out:#?}");
    let sweep = raftsim_with(
        &["sweep", "--filter", "SelfTestOverflow", "--seeds", "0..2"],
        true,
        None,
    );
    assert_eq!(sweep.code, INTERNAL, "{sweep:#?}");
    assert!(
        sweep.last_line().contains("2 of them internal error(s)"),
        "{sweep:#?}"
    );
}

/// One mutation of a schedule's JSON: a number to an extreme, a field removed,
/// duplicated or renamed.
fn mutate(json: &serde_json::Value, rng: &mut SimRng) -> String {
    let mut value = json.clone();
    let mut paths = Vec::new();
    leaves(&value, &mut Vec::new(), &mut paths);
    let path = &paths[rng.below(paths.len() as u64) as usize];
    let extremes = [
        "0",
        "1",
        "-1",
        "4294967295",
        "4294967296",
        "18446744073709551615",
        "9007199254740993",
        "1e300",
        "0.5",
        "30000",
        "60000",
        "\"x\"",
        "null",
        "[]",
    ];
    let kind = rng.below(4);
    let (parent, key) = path.split_at(path.len() - 1);
    let key = &key[0];
    let holder = parent.iter().fold(&mut value, |v, k| match v {
        serde_json::Value::Array(a) => &mut a[k.parse::<usize>().unwrap_or(0)],
        other => &mut other[k.as_str()],
    });
    match (kind, holder) {
        (0, serde_json::Value::Object(map)) => {
            map.remove(key);
        }
        (1, serde_json::Value::Object(map)) => {
            if let Some(v) = map.remove(key) {
                map.insert(format!("{key}x"), v);
            }
        }
        (2, serde_json::Value::Object(map)) => {
            // A duplicate key cannot live in a map: write it into the text.
            let text = serde_json::to_string(map).unwrap_or_default();
            let dup = format!("{{\"{key}\": 1, {}", &text[1..]);
            *map = serde_json::Map::new();
            return value.to_string().replacen("{}", &dup, 1);
        }
        (_, holder) => {
            let extreme = extremes[rng.below(extremes.len() as u64) as usize];
            let new: serde_json::Value =
                serde_json::from_str(extreme).unwrap_or(serde_json::Value::Null);
            match holder {
                serde_json::Value::Array(a) => {
                    if let Ok(i) = key.parse::<usize>() {
                        a[i] = new;
                    }
                }
                other => other[key.as_str()] = new,
            }
        }
    }
    value.to_string()
}

/// Every path to a field or array element of `v`.
fn leaves(v: &serde_json::Value, at: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    let children: Vec<(String, &serde_json::Value)> = match v {
        serde_json::Value::Object(m) => m.iter().map(|(k, v)| (k.clone(), v)).collect(),
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, v)| (i.to_string(), v))
            .collect(),
        _ => Vec::new(),
    };
    for (key, child) in children {
        at.push(key);
        out.push(at.clone());
        leaves(child, at, out);
        at.pop();
    }
}

/// The fuzzer: mutated schedules of every workload are refused as data or run to a
/// verdict; none panics outside a run, none is an internal error, none fails our Raft.
#[test]
fn schedule_fuzzer_mutations_are_refused_or_run_cleanly() {
    panics::install(true);
    let mut rng = SimRng::new(2026);
    let (mut refused, mut ran) = (0, 0);
    let all = registry();
    for round in 0..2_000u64 {
        let workload = Workload::ALL[(round % 3) as usize];
        let mut plan = Plan::generate(workload, "ours", raft::config::KNOBS, round % 7);
        // Short phases keep the runs of accepted mutations cheap in a debug build.
        plan.profile.span_ms = plan.profile.span_ms.min(2_000);
        plan.faults.retain(|s| s.at_ms <= 2_000);
        if round % 2 == 1 {
            // A server's clock too, so that mutations reach the clock's fields.
            let jump = ClockJump {
                at_ms: 1_000,
                by_ms: 100,
            };
            plan.clocks = vec![ServerClock {
                server: 0,
                offset_ms: 5,
                ppm: -700,
                jumps: vec![jump],
            }];
        }
        let json: serde_json::Value =
            serde_json::from_str(&plan.to_json()).unwrap_or_else(|e| panic!("{e}"));
        let text = mutate(&json, &mut rng);
        // What `run --schedule` refuses as data: the file, then its knobs against ours.
        let read = Plan::from_json(&text);
        let checked = read.and_then(|p| p.validate_knobs(raft::config::KNOBS).map(|()| p));
        let Ok(mutated) = checked else {
            refused += 1;
            continue;
        };
        if mutated == plan || ran >= 80 || mutated.profile.span_ms > 2_000 {
            continue;
        }
        ran += 1;
        let scenario =
            find(&all, scenario_name(mutated.profile.workload)).unwrap_or_else(|e| panic!("{e}"));
        let config = RunConfig {
            seed: mutated.seed,
            schedule: Some(Arc::new(Schedule {
                path: String::new(),
                json: text.clone(),
            })),
            ..RunConfig::default()
        };
        let outcome = sim::registry::run(&scenario, &config);
        let reason = outcome.failure.unwrap_or_default();
        assert!(!panics::is_internal(&reason), "{text}\n{reason}");
        assert!(reason.is_empty(), "a false failure:\n{text}\n{reason}");
    }
    println!("fuzzer: {refused} refused, {ran} ran");
    assert!(refused > 100 && ran > 5, "refused {refused}, ran {ran}");
}

/// A schedule's `budget` bounds apply to its run (a storm past a bound of 5 messages per
/// node-second, with the bound in the replay command), the flags override them, and
/// out-of-range or unknown budget fields are refused with 65.
#[test]
fn run_schedule_budget_bounds_apply_and_flags_override_them() {
    let dir = scratch("schedule_budget");
    let plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 3);
    let with = |budget: &str| {
        let json = plan.to_json().replacen("\"budget\": {}", budget, 1);
        assert_ne!(json, plan.to_json(), "a generated plan has an empty budget");
        json
    };
    let tight = dir.join("tight.json");
    write(&tight, with("\"budget\": {\"sends_per_second_max\": 5}"));
    let out = raftsim(&["run", "--schedule", &text(&tight)]);
    assert_eq!(out.code, 1, "{out:#?}");
    assert!(
        out.stdout.contains("reason: message storm: ")
            && out
                .stdout
                .contains("more than the bound of 5 (--sends-per-second-max)"),
        "{out:#?}"
    );
    assert!(
        out.stdout.contains(&format!(
            "replay: cargo run --release -- run --schedule {} --sends-per-second-max 5",
            text(&tight)
        )),
        "{out:#?}"
    );
    let loose = raftsim(&[
        "run",
        "--schedule",
        &text(&tight),
        "--sends-per-second-max",
        "1000000",
    ]);
    assert_eq!(loose.code, 0, "the flag overrides the file: {loose:#?}");
    for (budget, why) in [
        (
            "\"budget\": {\"events_max\": 0}",
            "budget.events_max is 0; allowed: 1 to 1000000000",
        ),
        (
            "\"budget\": {\"events\": 5}",
            "unknown field budget.events: not part of a raftsim schedule",
        ),
    ] {
        let bad = dir.join("bad.json");
        write(&bad, with(budget));
        raftsim(&["run", "--schedule", &text(&bad)]).assert_error(DATA, why);
    }
}

/// A schedule's `clocks` apply to its run (the trace shows the server's local time, and
/// only that server's), and out-of-range, misplaced or unknown clock fields are refused
/// with 65, naming the field and the value.
#[test]
fn run_schedule_clocks_apply_and_bad_clocks_are_refused() {
    let dir = scratch("schedule_clocks");
    // Seed 3's plan, on true time (the seed may draw clocks of its own).
    let mut plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 3);
    plan.clocks.clear();
    let servers = plan.profile.servers;
    let with = |clocks: &str| {
        let json = plan.to_json().replacen("\"clocks\": []", clocks, 1);
        assert_ne!(json, plan.to_json(), "the plan has no clocks");
        json
    };
    let drift = dir.join("drift.json");
    write(
        &drift,
        with("\"clocks\": [{\"server\": 1, \"offset_ms\": 250, \"ppm\": -1500, \"jumps\": [{\"at_ms\": 900, \"by_ms\": 300}]}]"),
    );
    let trace = dir.join("trace.txt");
    let out = raftsim(&["run", "--schedule", &text(&drift), "--trace", &text(&trace)]);
    assert_eq!(out.code, 0, "{out:#?}");
    let kept = read(&trace);
    assert!(kept.contains(" local="), "no local time in the trace");
    for line in kept.lines().filter(|l| l.contains(" local=")) {
        assert!(
            line.contains(" n1 "),
            "local time on a line not about n1: {line}"
        );
    }
    let plain_file = dir.join("plain.json");
    write(&plain_file, plan.to_json());
    let plain = raftsim(&["run", "--schedule", &text(&plain_file)]);
    let hash = |stdout: &str| {
        let at = stdout.find("trace=").unwrap_or(0);
        stdout[at..]
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    assert_ne!(
        hash(&out.stdout),
        hash(&plain.stdout),
        "the clock changed nothing"
    );
    let last = servers - 1;
    for (clocks, why) in [
        (
            "\"clocks\": [{\"server\": 1, \"ppm\": 200000}]".to_string(),
            "clocks[0].ppm is 200000; allowed: -100000 to 100000".to_string(),
        ),
        (
            "\"clocks\": [{\"server\": 0, \"jumps\": [{\"at_ms\": 100, \"by_ms\": -50}]}]".into(),
            "clocks[0].jumps[0].by_ms is -50; allowed: 1 to 86400000 (a clock only jumps forward)"
                .into(),
        ),
        (
            "\"clocks\": [{\"server\": 0, \"offset_ms\": -1}]".into(),
            "clocks[0].offset_ms is -1; allowed: 0 to 31536000000".into(),
        ),
        (
            format!("\"clocks\": [{{\"server\": {servers}}}]"),
            format!("clocks[0].server is {servers}; allowed: 0 to {last} (profile.servers is {servers})"),
        ),
        (
            "\"clocks\": [{\"server\": 0}, {\"server\": 0, \"ppm\": 5}]".into(),
            "clocks[1].server is 0, whose clock an entry above gives".into(),
        ),
        (
            "\"clocks\": [{\"server\": 0, \"jumps\": [{\"at_ms\": 900, \"by_ms\": 1}, {\"at_ms\": 800, \"by_ms\": 1}]}]".into(),
            "clocks[0].jumps[1].at_ms is 800 ms, before the jump above at 900 ms".into(),
        ),
        (
            "\"clocks\": [{\"server\": 0, \"skew\": 5}]".into(),
            "unknown field clocks[0].skew: not part of a raftsim schedule".into(),
        ),
        (
            "\"clocks\": [{\"server\": 0, \"ppm\": 99999999999999999999}]".into(),
            "not a raftsim schedule".into(),
        ),
    ] {
        let bad = dir.join("bad.json");
        write(&bad, with(&clocks));
        raftsim(&["run", "--schedule", &text(&bad)]).assert_error(DATA, &why);
    }
}
