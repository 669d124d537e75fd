//! What the `raftsim` binary's test files share: running it as a user does, and reading
//! what it printed and wrote.
//!
//! Failure paths use the self-test scenarios (`RAFTSIM_SELFTEST=1`, see
//! `sim/src/selftest.rs`), which always fail, panic or differ between two runs.

#![allow(dead_code)] // each test file uses its own part

use regex::Regex;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::RwLock;

pub const USAGE: i32 = 64;
pub const DATA: i32 = 65;
pub const NO_INPUT: i32 = 66;
pub const OUTPUT: i32 = 74;

/// What one invocation printed and returned.
#[derive(Debug)]
pub struct Run {
    /// The exit code; -1 when a signal ended the process.
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn last_line(&self) -> &str {
        self.stdout.lines().last().unwrap_or("")
    }

    /// Asserts a one-line error on stderr containing `what`, with exit code `code`.
    pub fn assert_error(&self, code: i32, what: &str) {
        assert_eq!(self.code, code, "{self:#?}");
        assert_eq!(self.stderr.lines().count(), 1, "not one line: {self:#?}");
        assert!(self.stderr.starts_with("raftsim: "), "{self:#?}");
        assert!(self.stderr.contains(what), "no {what:?} in {self:#?}");
        assert!(!self.stderr.contains("panicked"), "{self:#?}");
    }
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

/// The command `raftsim ARGS`, with the self-test scenarios if `selftest`.
pub fn command(args: &[&str], selftest: bool) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_raftsim"));
    cmd.args(args).env_remove("RAFTSIM_SELFTEST");
    if selftest {
        cmd.env("RAFTSIM_SELFTEST", "1");
    }
    cmd
}

/// Taken for reading by every process this test binary starts, and for writing by a
/// test that makes a pipe whose reader must be gone (`cli_robust.rs`): a child forked
/// by another thread gets a copy of every open file until it execs, the pipe's read end
/// included, and a write into a pipe that still has a reader succeeds.
pub static SPAWN: RwLock<()> = RwLock::new(());

/// Starts `cmd` (see [`SPAWN`]).
pub fn spawn(cmd: &mut Command) -> Child {
    let _shared = SPAWN.read().unwrap_or_else(|p| p.into_inner());
    cmd.spawn()
        .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}"))
}

/// Runs `cmd` to the end, capturing what it printed (see [`SPAWN`]: the lock is held
/// until the end because `output` starts and waits in one call).
pub fn finish(cmd: &mut Command) -> Run {
    let _shared = SPAWN.read().unwrap_or_else(|p| p.into_inner());
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot start raftsim: {e}"))
        .into()
}

pub fn raftsim_with(args: &[&str], selftest: bool, target: Option<&Path>) -> Run {
    let mut cmd = command(args, selftest);
    if let Some(dir) = target {
        cmd.env("CARGO_TARGET_DIR", dir);
    }
    finish(&mut cmd)
}

pub fn raftsim(args: &[&str]) -> Run {
    raftsim_with(args, false, None)
}

pub fn selftest(args: &[&str]) -> Run {
    raftsim_with(args, true, None)
}

/// A fresh, empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("cli")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    dir
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

pub fn write(path: &Path, contents: impl AsRef<[u8]>) {
    std::fs::write(path, contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

pub fn verdict_line() -> Regex {
    Regex::new(
        r"^(PASS|FAIL) (\S+) seed=(\d+)(?: raft=\S+)? trace=([0-9a-f]{16}) virtual=\d+\.\d+s events=\d+ wall=\d+\.\d+s( reason: .+)?$",
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

/// The header of a `--json` file: its first line, checked to be one.
pub fn json_header(path: &Path) -> serde_json::Value {
    let text = read(path);
    let first = text.lines().next().unwrap_or("");
    let v: serde_json::Value =
        serde_json::from_str(first).unwrap_or_else(|e| panic!("{}: {first}: {e}", path.display()));
    assert_eq!(v["format"], "raftsim-runs", "not a header: {first}");
    v
}

/// The run lines of a `--json` file (after its header) without their wall times (the
/// one field that differs between two runs of the same sweep).
pub fn json_without_wall(path: &Path) -> Vec<serde_json::Value> {
    json_header(path);
    read(path)
        .lines()
        .skip(1)
        .map(|line| {
            let mut v: serde_json::Value =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            let wall = v.as_object_mut().and_then(|o| o.remove("wall_s"));
            assert!(wall.is_some_and(|w| w.is_f64()), "no wall_s in {line}");
            v
        })
        .collect()
}

/// The seeds of a sweep's `--json` lines, in the file's order.
pub fn json_seeds(path: &Path) -> Vec<u64> {
    json_without_wall(path)
        .iter()
        .map(|v| {
            v["seed"]
                .as_u64()
                .unwrap_or_else(|| panic!("no seed in {v}"))
        })
        .collect()
}
