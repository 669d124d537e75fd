//! The checker's files form no import cycle, and the core (histories, models, the
//! search, the views) never imports the readers and writers of `formats/`: a file depends
//! on another when its code (comments aside) names `crate::<module>` or, inside a folder,
//! `super::<module>`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The `.rs` files under `dir`, as paths relative to `src` without the extension
/// (`formats/edn`; a folder's `mod.rs` is the folder's own name).
fn files(src: &Path) -> Vec<(String, PathBuf)> {
    let mut out = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap_or_else(|e| panic!("{e}")).path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == "rs") {
                let rel = path
                    .strip_prefix(src)
                    .expect("under src")
                    .with_extension("");
                let name = rel.to_string_lossy().replace('\\', "/");
                let name = name.trim_end_matches("/mod").to_string();
                out.push((name, path));
            }
        }
    }
    out.sort();
    out
}

/// The module a path `crate::a::b...` (as `a`, `b`, ...) names: the longest prefix that
/// is a file, or `None` for an item re-exported at the crate root.
fn resolve(known: &BTreeSet<String>, parts: &[&str]) -> Option<String> {
    (1..=parts.len())
        .rev()
        .map(|n| parts[..n].join("/"))
        .find(|name| known.contains(name))
}

/// Every file and the files its code names.
fn graph(src: &Path) -> Graph {
    let files = files(src);
    let known: BTreeSet<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let mut g = Graph::new();
    for (name, path) in &files {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{e}"));
        let parent: Vec<&str> = name.split('/').collect();
        let folder = &parent[..parent.len() - 1];
        let deps = g.entry(name.clone()).or_default();
        for line in text.lines().filter(|l| !l.trim_start().starts_with("//")) {
            for (prefix, base) in [("crate::", &[][..]), ("super::", folder)] {
                for (at, _) in line.match_indices(prefix) {
                    let rest: Vec<&str> = line[at + prefix.len()..]
                        .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                        .next()
                        .unwrap_or("")
                        .split("::")
                        .filter(|p| !p.is_empty())
                        .collect();
                    let parts: Vec<&str> = base.iter().copied().chain(rest).collect();
                    if let Some(dep) = resolve(&known, &parts) {
                        if &dep != name && dep != "lib" {
                            deps.insert(dep);
                        }
                    }
                }
            }
        }
    }
    g
}

/// One cycle of `g`, if there is any, as the files along it.
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
    edge(&mut g, "formats/edn", "history");
    edge(&mut g, "history", "error");
    assert_eq!(cycle(&g), None);
    edge(&mut g, "error", "formats/edn");
    assert_eq!(
        cycle(&g),
        Some(vec![
            "error".into(),
            "formats/edn".into(),
            "history".into(),
            "error".into()
        ])
    );
}

#[test]
fn layering_checker_files_form_no_cycle() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(
        g.contains_key("formats/edn") && g.contains_key("search"),
        "{g:?}"
    );
    assert!(g["formats/edn"].contains("history"), "{g:?}");
    if let Some(c) = cycle(&g) {
        panic!("import cycle: {}", c.join(" -> "));
    }
}

#[test]
fn layering_core_never_imports_formats() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    for (file, deps) in g.iter().filter(|(f, _)| !f.starts_with("formats")) {
        let bad: Vec<&String> = deps.iter().filter(|d| d.starts_with("formats")).collect();
        assert!(bad.is_empty(), "core file {file} imports {bad:?}");
    }
}
