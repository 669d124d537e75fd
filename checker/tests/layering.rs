//! The checker's core (histories, models, the search, the views) never imports the
//! readers and writers of `formats/`: a file depends on another when its code (comments
//! aside) names `crate::<module>` or, inside a folder, `super::<module>`. That no crate of
//! the workspace has an import cycle, this one included, is `sim/tests/layering.rs`.

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

/// Every core file that imports a file of `formats/`, with what it imports.
fn core_imports_of_formats(g: &Graph) -> Vec<(String, Vec<String>)> {
    g.iter()
        .filter(|(f, _)| !f.starts_with("formats"))
        .filter_map(|(file, deps)| {
            let bad: Vec<String> = deps
                .iter()
                .filter(|d| d.starts_with("formats"))
                .cloned()
                .collect();
            (!bad.is_empty()).then(|| (file.clone(), bad))
        })
        .collect()
}

#[test]
fn layering_formats_rule_finds_a_planted_import() {
    let mut g = Graph::new();
    g.entry("search".into())
        .or_default()
        .insert("history".into());
    g.entry("formats::json".into())
        .or_default()
        .insert("history".into());
    assert!(core_imports_of_formats(&g).is_empty());
    g.entry("history".into())
        .or_default()
        .insert("formats::json".into());
    assert_eq!(
        core_imports_of_formats(&g),
        [("history".to_string(), vec!["formats::json".to_string()])]
    );
}

#[test]
fn layering_core_never_imports_formats() {
    let g = graph(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(g.keys().any(|f| f.starts_with("formats")), "{g:?}");
    let bad = core_imports_of_formats(&g);
    assert!(bad.is_empty(), "core files import formats/: {bad:?}");
}
