#![allow(dead_code)] // each test binary that includes this file uses part of it
//! A real headless browser for the HTML tests (the checker's view, and raftsim's
//! timeline, which includes this file): Debian's chromium, which `.ci/run` installs.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Where Debian installs chromium.
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// True under CI, where the browser must be there.
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// True when the browser can run; outside CI a missing browser skips the test with a
/// note (in CI it fails it).
pub fn available() -> bool {
    if Path::new(CHROMIUM).exists() {
        return true;
    }
    assert!(!in_ci(), "{CHROMIUM} missing in CI: .ci/run installs it");
    eprintln!("skipped: {CHROMIUM} not installed (apt-get install chromium)");
    false
}

/// Runs chromium headless on `page` with `extra` flags and a fresh profile, and returns
/// its stdout. A browser that hangs fails the test after 120 s rather than stall CI.
/// Its stdout goes to a file in the profile: a DOM larger than a pipe's buffer would
/// block a browser writing into a pipe nobody reads yet.
pub fn chromium(page: &Path, profile: &Path, extra: &[&str]) -> String {
    std::fs::create_dir_all(profile).expect("profile folder");
    let out = profile.join("stdout.txt");
    let file = std::fs::File::create(&out).expect("stdout file");
    let mut child = Command::new(CHROMIUM)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::from(file))
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    for _ in 0..1200 {
        if child.try_wait().expect("chromium status").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    if child.try_wait().expect("chromium status").is_none() {
        let _ = child.kill();
        panic!("chromium did not finish within 120 s");
    }
    let bytes = std::fs::read(&out).expect("chromium output");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The DOM of `page` after its scripts ran.
pub fn dump_dom(page: &Path, profile: &Path) -> String {
    chromium(page, profile, &["--dump-dom"])
}

/// The value of the first attribute `name` in `dom`.
pub fn attribute(dom: &str, name: &str) -> Option<String> {
    let at = dom.find(&format!("{name}=\""))? + name.len() + 2;
    let end = dom[at..].find('"')? + at;
    Some(dom[at..end].to_string())
}
