//! Seeded inputs for the readers' fuzz tests (`checker/tests/fuzz.rs`, and a few through
//! the binary in `sim/tests/cli_check.rs`): event logs in each format that mostly follow
//! the protocol (so that many parse and reach the checker), then damaged at the byte level,
//! and windows of real corpus files, damaged the same way. Every input comes from a seed,
//! so a failure replays from the seed it prints.
#![allow(dead_code)] // Each test binary uses part of it.

use std::path::Path;

/// SplitMix64: a tiny deterministic generator.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// The formats the generator writes, with a file name whose extension fits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Jepsen,
    Edn,
    Json,
}

impl Shape {
    pub const ALL: [Shape; 3] = [Shape::Jepsen, Shape::Edn, Shape::Json];

    pub fn file_name(self) -> &'static str {
        match self {
            Shape::Jepsen => "fuzz.log",
            Shape::Edn => "fuzz.txt",
            Shape::Json => "fuzz.json",
        }
    }
}

/// One event of a log: process, type, function, value (the format renders them).
struct Event {
    process: usize,
    kind: &'static str,
    f: &'static str,
    value: String,
}

/// A sequence of events that mostly follows the protocol: each process completes its
/// call before the next, with the call's function and value, and a few do not.
fn events(rng: &mut Rng, shape: Shape, count: usize) -> Vec<Event> {
    let functions: &[&str] = match shape {
        Shape::Jepsen => &[":read", ":write", ":cas"],
        _ => &[":get", ":put", ":append"],
    };
    // Four threads; like Jepsen, a thread whose call was indeterminate (`:info`) goes on
    // as a new process, except now and then.
    let mut ids: Vec<usize> = (0..4).collect();
    let mut open: Vec<Option<(&'static str, String)>> = vec![None; 4];
    let mut out = Vec::new();
    for _ in 0..count {
        let thread = rng.below(open.len());
        let process = ids[thread];
        let call = match open[thread].take() {
            Some(call) if !rng.one_in(12) => call,
            _ => {
                let f = *rng.pick(functions);
                let value = value(rng, shape, f);
                open[thread] = Some((f, value.clone()));
                out.push(Event {
                    process,
                    kind: ":invoke",
                    f,
                    value,
                });
                continue;
            }
        };
        let kind = *rng.pick(&[":ok", ":ok", ":ok", ":fail", ":info"]);
        let (f, mut value) = call;
        if matches!(f, ":read" | ":get") && kind == ":ok" {
            value = self::value(rng, shape, ":write");
        } else if rng.one_in(15) {
            value = self::value(rng, shape, f);
        }
        if kind == ":info" && !rng.one_in(10) {
            ids[thread] += ids.len();
        }
        out.push(Event {
            process,
            kind,
            f,
            value,
        });
    }
    out
}

/// A value for an event of function `f`.
fn value(rng: &mut Rng, shape: Shape, f: &str) -> String {
    let small = rng.below(4) as i64 - 1;
    match (shape, f) {
        (Shape::Jepsen, ":read") => "nil".into(),
        (Shape::Jepsen, ":cas") => format!("[{small} {}]", rng.below(3)),
        (Shape::Jepsen, _) => small.to_string(),
        (_, ":get") if shape == Shape::Edn => "nil".into(),
        _ => rng.pick(STRINGS).to_string(),
    }
}

/// String contents, as EDN writes them (escapes included).
const STRINGS: &[&str] = &[
    "",
    "x",
    "x 0 1 y",
    "caf\\u00e9",
    "\\ud83d\\ude00",
    "a\\\"b",
    "tab\\there",
    "\\u00",
    "é",
];

fn render(shape: Shape, events: &[Event], rng: &mut Rng) -> String {
    let mut out = String::new();
    if shape == Shape::Json {
        return json(events, rng);
    }
    for event in events {
        if rng.one_in(10) {
            out.push_str(&noise(shape, rng));
            out.push('\n');
        }
        let Event {
            process,
            kind,
            f,
            value,
        } = event;
        let line = match shape {
            Shape::Jepsen => {
                let prefix = *rng.pick(&[
                    "INFO  jepsen.util - ",
                    "2017-03-30 14:11:51,588 INFO  jepsen.util - ",
                    "2017-03-30 14:11:51,588{GMT}\tINFO\t[jepsen worker 1] jepsen.util: ",
                ]);
                format!("{prefix}{process}\t{kind}\t{f}\t{value}")
            }
            _ => {
                let value = if value == "nil" {
                    "nil".to_string()
                } else {
                    format!("\"{value}\"")
                };
                format!("{{:process {process}, :type {kind}, :f {f}, :key \"k\", :value {value}}}")
            }
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

fn noise(shape: Shape, rng: &mut Rng) -> String {
    let lines: &[&str] = match shape {
        Shape::Jepsen => &[
            "INFO  jepsen.core - Worker 0 starting",
            "INFO  jepsen.util - :nemesis\t:info\t:start\tnil",
            "2017-03-30 14:11:51,588{GMT}\tINFO\t[jepsen nemesis] jepsen.util: :nemesis\t:info\t:stop\t:network-healed",
            "",
        ],
        _ => &["", "{:process :nemesis, :type :info, :f :start, :value nil}"],
    };
    rng.pick(lines).to_string()
}

/// The events as a raftsim JSON KV history: each call with its completion, if any
/// (`:ok` returns, `:fail` and `:info` return with an unknown output). EDN's escapes in
/// the values are JSON's too, except the broken `\u00`.
fn json(events: &[Event], rng: &mut Rng) -> String {
    let mut ops: Vec<String> = Vec::new();
    let mut open: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for (time, event) in events.iter().enumerate() {
        let Event {
            process,
            kind,
            f,
            value,
        } = event;
        if *kind == ":invoke" {
            let input = format!(
                "{{\"op\":\"{}\",\"key\":\"k\",\"value\":\"{value}\"}}",
                &f[1..]
            );
            ops.push(format!(
                "{{\"client\":{process},\"call\":{time},\"status\":\"pending\",\"input\":{input}}}"
            ));
            open.insert(*process, ops.len() - 1);
            continue;
        }
        let Some(k) = open.remove(process) else {
            continue;
        };
        // Sometimes the return comes before the call, or clients share times.
        let time = if rng.one_in(20) {
            time.saturating_sub(3)
        } else {
            time
        };
        let (status, output) = match *kind {
            ":ok" => ("ok", format!(",\"output\":{{\"value\":\"{value}\"}}")),
            _ => ("unknown", String::new()),
        };
        let op = ops[k].replace(
            "\"status\":\"pending\"",
            &format!("\"return\":{time},\"status\":\"{status}\""),
        );
        ops[k] = format!("{}{output}}}", &op[..op.len() - 1]);
    }
    format!(
        "{{\"format\": \"raftsim-history\", \"version\": 1, \"model\": \"kv\", \"ops\": [\n{}\n]}}\n",
        ops.join(",\n")
    )
}

/// Bytes that damage text in interesting ways: structure, escapes, invalid UTF-8.
const JUNK: &[&[u8]] = &[
    b"\"",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b" ",
    b"\t",
    b"\n",
    b"x",
    b"9",
    b"-",
    b"\\",
    b",",
    b"\\u",
    b"nil",
    b":nemesis",
    b"\xff",
    b"\xc3",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\r\n",
    b"\0",
];

/// Damages `bytes` in place: a few insertions, deletions, replacements, a truncation, or
/// a line duplicated or moved.
pub fn damage(rng: &mut Rng, bytes: &mut Vec<u8>) {
    for _ in 0..1 + rng.below(3) {
        let at = rng.below(bytes.len() + 1);
        match rng.below(6) {
            0 => bytes.truncate(at),
            1 => {
                let end = (at + 1 + rng.below(8)).min(bytes.len());
                bytes.drain(at.min(end)..end);
            }
            2 | 3 => {
                let junk = rng.pick(JUNK);
                bytes.splice(at..at, junk.iter().copied());
            }
            4 => {
                let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
                let line = lines[rng.below(lines.len())].to_vec();
                let at = rng.below(lines.len());
                let mut out: Vec<u8> = Vec::new();
                for (k, l) in lines.iter().enumerate() {
                    if k == at {
                        out.extend_from_slice(&line);
                        out.push(b'\n');
                    }
                    out.extend_from_slice(l);
                    out.push(b'\n');
                }
                *bytes = out;
            }
            _ => {
                if let Some(b) = bytes.get_mut(at) {
                    *b = rng.pick(JUNK)[0];
                }
            }
        }
    }
}

/// A generated input of `shape`: up to 24 events, damaged in one case out of two.
pub fn generated(rng: &mut Rng, shape: Shape) -> Vec<u8> {
    let count = rng.below(25);
    let events = events(rng, shape, count);
    let mut bytes = render(shape, &events, rng).into_bytes();
    if rng.one_in(2) {
        damage(rng, &mut bytes);
    }
    bytes
}

/// A window of up to 30 lines of a real corpus file, damaged in two cases out of three;
/// the file name keeps the file's extension.
pub fn from_corpus(rng: &mut Rng, corpus: &Path) -> (String, Vec<u8>) {
    let files = [
        "jepsen/etcd_000.log",
        "jepsen/etcd_002.log",
        "jepsen/etcd_100.log",
        "kv/c01-ok.txt",
        "kv/c01-bad.txt",
        "kv/c10-ok.txt",
    ];
    let name = *rng.pick(&files);
    let text = std::fs::read_to_string(corpus.join(name)).expect("corpus file readable");
    let lines: Vec<&str> = text.lines().collect();
    // Half the windows start at the top, where calls come before their completions.
    let start = if rng.one_in(2) {
        0
    } else {
        rng.below(lines.len())
    };
    let end = (start + rng.below(30)).min(lines.len());
    let mut bytes = lines[start..end].join("\n").into_bytes();
    if !rng.one_in(3) {
        damage(rng, &mut bytes);
    }
    (name.to_string(), bytes)
}

/// Shows bytes for a failure report: text with escapes, so that it can be pasted back.
pub fn shown(bytes: &[u8]) -> String {
    bytes.escape_ascii().to_string()
}
