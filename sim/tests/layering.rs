//! The workspace's layering, read from the sources:
//! - no import cycle between the files of any crate of the workspace (a file depends on
//!   another when its code, comments aside, names it through `crate::` or `super::`);
//! - sim's shared vocabulary (`outcome`, `scenario`, `timeline`, `engine`) never imports
//!   what uses it, and the registry is the only module that knows every scenario;
//! - the engine names none of the workspace's crates but the Raft contract, whose ids
//!   and time it shares.
//!
//! A file's module is its path (`cli/error.rs` is `cli::error`, a `mod.rs` or `lib.rs`
//! is its folder's module). A name resolves to the longest module path it starts with.
//! A module naming one of its ancestors is left out: an ancestor is a facade that
//! declares and re-exports its children, not a layer of its own.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// Every crate of the workspace: its name and its source folder, from the repository root.
const CRATES: [(&str, &str); 7] = [
    ("checker", "checker/src"),
    ("raft", "raft/src"),
    ("kvraft", "kvraft/src"),
    ("raft-contract", "sim/contract/src"),
    ("raftrs-adapter", "sim/adapters/raft-rs/src"),
    ("virtual-runtime", "sim/adapters/virtual-runtime/src"),
    ("sim", "sim/src"),
];

/// The repository root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("sim is in the workspace")
        .to_path_buf()
}

/// Every `.rs` file under `src` with its module path (`["cli", "error"]`).
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut out = BTreeMap::new();
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
            let mut module: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().to_string())
                .collect();
            let file = module.pop().expect("a file name");
            match file.as_str() {
                "lib.rs" | "main.rs" | "mod.rs" => {}
                name => module.push(name.trim_end_matches(".rs").to_string()),
            }
            out.insert(module, path);
        }
    }
    out
}

/// The words of a path that starts at `at` in `line` (`a::b::{c, d}` gives `[a, b]` and
/// the names in braces).
fn path_at(line: &str, at: usize) -> (Vec<String>, Vec<String>) {
    let mut words = Vec::new();
    let mut rest = &line[at..];
    loop {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        if word.is_empty() {
            break;
        }
        rest = &rest[word.len()..];
        words.push(word);
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => return (words, Vec::new()),
        }
    }
    let braced = match rest.strip_prefix('{') {
        Some(r) => r
            .split(['}', '{'])
            .next()
            .unwrap_or_default()
            .split(',')
            .filter_map(|n| {
                let n = n.trim().split("::").next().unwrap_or_default().trim();
                (!n.is_empty() && n != "self").then(|| n.to_string())
            })
            .collect(),
        None => Vec::new(),
    };
    (words, braced)
}

/// The longest known module that `words` starts with.
fn resolve(known: &BTreeMap<Vec<String>, PathBuf>, words: &[String]) -> Option<Vec<String>> {
    (1..=words.len())
        .rev()
        .map(|k| words[..k].to_vec())
        .find(|m| known.contains_key(m))
}

/// The file graph of one crate: module -> the modules it names.
fn graph(src: &Path) -> Graph {
    let known = modules(src);
    let mut g = Graph::new();
    for (module, path) in &known {
        let name = module.join("::");
        let deps = g.entry(name.clone()).or_default();
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut targets: Vec<Vec<String>> = Vec::new();
            for (at, _) in line.match_indices("crate::") {
                // `$crate::` in a macro is the crate too.
                let (words, braced) = path_at(line, at + "crate::".len());
                targets.push(words.clone());
                targets.extend(
                    braced
                        .into_iter()
                        .map(|b| [words.clone(), vec![b]].concat()),
                );
            }
            for (at, _) in line.match_indices("super::") {
                if line[..at].ends_with("super::") {
                    continue; // counted at the first `super::` of a chain
                }
                let mut base = module.clone();
                let mut from = at;
                while line[from..].starts_with("super::") {
                    base.pop();
                    from += "super::".len();
                }
                let (words, braced) = path_at(line, from);
                let prefix = [base.clone(), words].concat();
                targets.push(prefix.clone());
                targets.extend(
                    braced
                        .into_iter()
                        .map(|b| [prefix.clone(), vec![b]].concat()),
                );
            }
            for t in targets {
                let Some(dep) = resolve(&known, &t) else {
                    continue;
                };
                let is_ancestor = dep.len() <= module.len() && module[..dep.len()] == dep[..];
                if !is_ancestor {
                    deps.insert(dep.join("::"));
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

/// The graph of sim's top-level modules, folded from its file graph.
fn top_level(g: &Graph) -> Graph {
    let top = |m: &str| m.split("::").next().unwrap_or_default().to_string();
    let mut out = Graph::new();
    for (m, deps) in g {
        let entry = out.entry(top(m)).or_default();
        for d in deps {
            if top(d) != top(m) && !top(m).is_empty() && !top(d).is_empty() {
                entry.insert(top(d));
            }
        }
    }
    out
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
fn layering_graph_reads_crate_super_and_braced_imports() {
    let dir = std::env::temp_dir().join(format!("raftsim-layering-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a")).expect("temp dir");
    let write = |p: &str, text: &str| std::fs::write(dir.join(p), text).expect("write");
    write("lib.rs", "pub mod a;\npub mod b;\npub mod c;\n");
    write("a/mod.rs", "pub mod x;\npub mod y;\npub use x::X;\n");
    write(
        "a/x.rs",
        "use super::{y::Y, X};\n// use crate::c; (a comment)\n",
    );
    write("a/y.rs", "use crate::b::B;\n");
    write("b.rs", "pub fn f() { crate::a::x::g(); }\n");
    write("c.rs", "");
    let g = graph(&dir);
    std::fs::remove_dir_all(&dir).expect("clean up");
    let deps = |m: &str| g[m].iter().cloned().collect::<Vec<_>>();
    assert_eq!(deps("a::x"), ["a::y"], "the facade `a` is left out");
    assert_eq!(deps("a::y"), ["b"]);
    assert_eq!(deps("b"), ["a::x"]);
    assert_eq!(
        cycle(&g),
        Some(vec![
            "a::x".into(),
            "a::y".into(),
            "b".into(),
            "a::x".into()
        ])
    );
}

#[test]
fn layering_no_crate_of_the_workspace_has_an_import_cycle() {
    let root = root();
    let mut found = Vec::new();
    for (name, src) in CRATES {
        let g = graph(&root.join(src));
        assert!(g.len() > 1, "{name}: no files read under {src}");
        if let Some(c) = cycle(&g) {
            found.push(format!("{name}: {}", c.join(" -> ")));
        }
    }
    assert!(found.is_empty(), "import cycles:\n{}", found.join("\n"));
}

#[test]
fn layering_sim_vocabulary_imports_nothing_that_uses_it() {
    let g = top_level(&graph(&root().join("sim/src")));
    for m in [
        "outcome", "scenario", "timeline", "engine", "registry", "tester",
    ] {
        assert!(g.contains_key(m), "no module {m}: {g:?}");
    }
    // An outcome carries its timeline and names the engine's types; a scenario names
    // its outcome and the engine's run budget; the timeline names only the engine's;
    // the engine names nothing.
    let allowed: [(&str, &[&str]); 4] = [
        ("outcome", &["engine", "timeline"]),
        ("scenario", &["outcome", "engine"]),
        ("timeline", &["engine"]),
        ("engine", &[]),
    ];
    for (m, may) in allowed {
        let extra: Vec<&String> = g[m].iter().filter(|d| !may.contains(&d.as_str())).collect();
        assert!(extra.is_empty(), "{m} imports {extra:?}");
    }
    // Only the registry knows every scenario module and every implementation; the two
    // front ends (the command line, the test API) reach runs through it.
    for (m, deps) in &g {
        if !["registry", "cli", "testing"].contains(&m.as_str()) {
            assert!(!deps.contains("registry"), "{m} imports the registry");
        }
    }
    if let Some(c) = cycle(&g) {
        panic!("import cycle between sim's modules: {}", c.join(" -> "));
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
    let g = top_level(&graph(&src));
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
