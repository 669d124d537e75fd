//! The tutorial (README.md) shows this crate as it is: each Rust block marked
//! `<!-- file: PATH -->` appears verbatim in PATH, and every shell block is marked
//! `<!-- ci -->`, which `.ci/tutorial` runs.

use std::path::Path;

/// The fenced blocks of `text` with the marker line before each (if any) and its
/// language.
fn blocks(text: &str) -> Vec<(Option<&str>, &str, String)> {
    let mut found = Vec::new();
    let mut lines = text.lines().peekable();
    let mut marker = None;
    while let Some(line) = lines.next() {
        if let Some(lang) = line.strip_prefix("```") {
            let mut body = String::new();
            for inner in lines.by_ref() {
                if inner == "```" {
                    break;
                }
                body.push_str(inner);
                body.push('\n');
            }
            found.push((marker.take(), lang, body));
        } else if line.starts_with("<!--") {
            marker = Some(line);
        } else if !line.is_empty() {
            marker = None;
        }
    }
    found
}

#[test]
fn tutorial_blocks_are_the_crate_s_files_and_ci_s_commands() {
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tutorial = std::fs::read_to_string(here.join("README.md")).expect("README.md");
    let mut files = 0;
    for (marker, lang, body) in blocks(&tutorial) {
        match lang {
            "rust" | "toml" => {
                let path = marker
                    .and_then(|m| m.strip_prefix("<!-- file: "))
                    .and_then(|m| m.strip_suffix(" -->"))
                    .unwrap_or_else(|| {
                        panic!("a {lang} block without <!-- file: PATH -->:\n{body}")
                    });
                let file = std::fs::read_to_string(here.join(path))
                    .unwrap_or_else(|e| panic!("{path}: {e}"));
                assert!(file.contains(&body), "{path} does not contain:\n{body}");
                files += 1;
            }
            "sh" => assert_eq!(marker, Some("<!-- ci -->"), "unchecked commands:\n{body}"),
            _ => {}
        }
    }
    assert!(files >= 4, "only {files} checked blocks");
}
