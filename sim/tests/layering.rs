//! sim's modules form no import cycle: the shared vocabulary (`scenario`, `engine`,
//! `timeline`) never imports what uses it, and the registry is the only module that
//! knows every scenario. The graph is read from the sources: a top-level module depends
//! on another when its code (comments aside) names `crate::<other>`. The engine names
//! none of the workspace's crates but the Raft contract, whose ids and time it shares.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every top-level module of `src` and the top-level modules its code names.
fn graph(src: &Path) -> Graph {
    let mut g = Graph::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = path.strip_prefix(src).expect("under src");
            let first = rel.components().next().expect("a component");
            let top = first
                .as_os_str()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
            let deps = g.entry(top.clone()).or_default();
            for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
                for (at, _) in line.match_indices("crate::") {
                    let name: String = line[at + 7..]
                        .chars()
                        .take_while(|c| c.is_alphanumeric() || *c == '_')
                        .collect();
                    // Macros exported at the crate root (`crate::fail!`) are not modules.
                    let is_macro = line[at + 7 + name.len()..].starts_with('!');
                    if !name.is_empty() && name != top && !is_macro {
                        deps.insert(name);
                    }
                }
            }
        }
    }
    g
}

/// One cycle of `g`, if there is any, as the modules along it.
fn cycle(g: &Graph) -> Option<Vec<String>> {
    fn visit(
        g: &Graph,
        n: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|p| p == n) {
            let mut c = path[at..].to_vec();
            c.push(n.to_string());
            return Some(c);
        }
        if done.contains(n) {
            return None;
        }
        path.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            if let Some(c) = visit(g, d, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    g.keys()
        .find_map(|n| visit(g, n, &mut Vec::new(), &mut done))
}

#[test]
fn layering_cycle_finder_finds_a_planted_cycle() {
    let mut g = Graph::new();
    let edge = |g: &mut Graph, a: &str, b: &str| {
        g.entry(a.into()).or_default().insert(b.into());
    };
    edge(&mut g, "cli", "registry");
    edge(&mut g, "registry", "scenarios");
    edge(&mut g, "scenarios", "scenario");
    assert_eq!(cycle(&g), None);
    edge(&mut g, "scenario", "registry");
    assert_eq!(
        cycle(&g),
        Some(vec![
            "registry".into(),
            "scenarios".into(),
            "scenario".into(),
            "registry".into()
        ])
    );
}

#[test]
fn layering_sim_modules_form_no_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    assert!(
        g.contains_key("registry") && g.contains_key("scenario"),
        "{g:?}"
    );
    // The vocabulary: `scenario` names the engine's types and the timeline's data (an
    // outcome carries its timeline), and the timeline names only the engine's.
    assert!(
        g["scenario"]
            .iter()
            .all(|d| d == "engine" || d == "timeline"),
        "scenario imports {:?}",
        g["scenario"]
    );
    assert!(
        g["timeline"].iter().all(|d| d == "engine"),
        "timeline imports {:?}",
        g["timeline"]
    );
    if let Some(c) = cycle(&g) {
        panic!("import cycle: {}", c.join(" -> "));
    }
}

/// The crates of the workspace that `text` (comments aside) names by path, out of
/// `crates`.
fn named_crates(text: &str, crates: &[&str]) -> BTreeSet<String> {
    let mut named = BTreeSet::new();
    for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
        for name in crates {
            let path = format!("{name}::");
            for (at, _) in line.match_indices(&path) {
                let before = line[..at].chars().next_back();
                if before.is_none_or(|c| !(c.is_alphanumeric() || c == '_')) {
                    named.insert(name.to_string());
                }
            }
        }
    }
    named
}

/// The workspace crates the engine must not name: it is generic over a node trait and
/// shares only the contract's vocabulary (node ids and virtual time).
const NOT_FOR_THE_ENGINE: [&str; 4] = ["raft", "kvraft", "checker", "raftrs_adapter"];

#[test]
fn layering_crate_finder_finds_a_planted_import() {
    let text = "use raft_contract::NodeId;\n// raft::Raft in a comment\nuse kvraft::Clerk;";
    assert_eq!(
        named_crates(text, &NOT_FOR_THE_ENGINE),
        BTreeSet::from(["kvraft".to_string()]),
        "raft_contract and kvraft are not raft; comments do not count"
    );
    assert!(named_crates("let x = raft::Raft::new();", &NOT_FOR_THE_ENGINE).contains("raft"));
}

#[test]
fn layering_engine_imports_only_the_contract() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    assert!(g["engine"].is_empty(), "engine imports {:?}", g["engine"]);
    let dir = src.join("engine");
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut files = 0;
    for entry in entries {
        let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{e}"));
        let named = named_crates(&text, &NOT_FOR_THE_ENGINE);
        assert!(named.is_empty(), "{} names {named:?}", path.display());
        files += 1;
    }
    assert!(files >= 5, "read {files} engine files");
}
