//! Where `check --html OUT` writes each file's HTML view, decided before the first check.
//!
//! One input: `OUT` itself. Several: `OUT-<input stem>.html` beside `OUT`; inputs whose
//! stems are equal (`a/h.json b/h.json`) get their position on the command line too
//! (`OUT-h-1.html`, `OUT-h-2.html`), so that no view overwrites another. A view that would
//! be written over an input (the same path, another spelling of it, a link to it) or over
//! another view is refused: a check must never destroy what it reads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The name standard input has in messages and view names.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether a command-line input means standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == "-"
}

/// The path of each input's view, in input order.
///
/// # Errors
/// A message (for exit 64) if a view would overwrite an input or another view.
pub fn plan(out: &Path, inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let views = names(out, inputs);
    let mut seen: BTreeMap<&Path, usize> = BTreeMap::new();
    for (k, view) in views.iter().enumerate() {
        if let Some(j) = seen.insert(view, k) {
            return Err(format!(
                "--html: the views of {} and {} would both be written to {}; rename one of them",
                shown(&inputs[j]),
                shown(&inputs[k]),
                view.display()
            ));
        }
        if let Some(input) = inputs
            .iter()
            .find(|input| !is_stdin(input) && same_file(view, input))
        {
            return Err(format!(
                "--html: writing {} would overwrite the input {}",
                view.display(),
                input.display()
            ));
        }
    }
    Ok(views)
}

fn names(out: &Path, inputs: &[PathBuf]) -> Vec<PathBuf> {
    if inputs.len() == 1 {
        return vec![out.to_path_buf()];
    }
    let prefix = out
        .file_stem()
        .map_or_else(|| "check".into(), |s| s.to_string_lossy().into_owned());
    let stems: Vec<String> = inputs.iter().map(|input| stem(input)).collect();
    let mut uses: BTreeMap<&str, usize> = BTreeMap::new();
    for stem in &stems {
        *uses.entry(stem).or_default() += 1;
    }
    stems
        .iter()
        .enumerate()
        .map(|(k, stem)| {
            let name = if uses[stem.as_str()] > 1 {
                format!("{prefix}-{stem}-{}.html", k + 1)
            } else {
                format!("{prefix}-{stem}.html")
            };
            out.with_file_name(name)
        })
        .collect()
}

fn stem(input: &Path) -> String {
    if is_stdin(input) {
        return "stdin".to_string();
    }
    input
        .file_stem()
        .map_or_else(|| "input".into(), |s| s.to_string_lossy().into_owned())
}

fn shown(input: &Path) -> String {
    if is_stdin(input) {
        STDIN_NAME.to_string()
    } else {
        input.display().to_string()
    }
}

/// Whether writing `a` would write `b`: the same file (through links too), or, where one
/// does not exist yet, the same resolved path.
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return (x.dev(), x.ino()) == (y.dev(), y.ino());
        }
    }
    match (resolved(a), resolved(b)) {
        (Some(x), Some(y)) => x == y,
        _ => a == b,
    }
}

/// `path` made absolute with links resolved, through its directory if it does not exist.
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(path) = path.canonicalize() {
        return Some(path);
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    Some(parent.canonicalize().ok()?.join(path.file_name()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(names: &[&str]) -> Vec<PathBuf> {
        names.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn views_names_table() {
        let cases: [(&[&str], &[&str]); 4] = [
            (&["a/c10-ok.txt"], &["/o/view.html"]),
            (
                &["a/c10-ok.txt", "b.log"],
                &["/o/view-c10-ok.html", "/o/view-b.html"],
            ),
            (
                &["a/h.json", "b/h.json", "c/g.log"],
                &["/o/view-h-1.html", "/o/view-h-2.html", "/o/view-g.html"],
            ),
            (
                &["-", "x/stdin.log"],
                &["/o/view-stdin-1.html", "/o/view-stdin-2.html"],
            ),
        ];
        for (inputs, expected) in cases {
            assert_eq!(
                names(Path::new("/o/view.html"), &paths(inputs)),
                paths(expected),
                "{inputs:?}"
            );
        }
    }

    #[test]
    fn views_that_collide_are_refused() {
        // `h-2.log`'s own view is the one derived for the second `h`.
        let err = plan(
            Path::new("/nonexistent/view.html"),
            &paths(&["a/h.json", "b/h.json", "view-h-2.txt", "h-2.log"]),
        )
        .expect_err("collision");
        assert!(err.contains("would both be written to"), "{err}");
        let err = plan(Path::new("a.log"), &paths(&["a.log"])).expect_err("overwrite");
        assert!(err.contains("would overwrite the input a.log"), "{err}");
        assert!(plan(Path::new("out.html"), &paths(&["-"])).is_ok());
    }
}
