//! The Porcupine corpus: every file gives the verdict listed in `expected_verdicts.tsv`,
//! except the one empty file (etcd_095, whose Jepsen run never started): the manifest says
//! `Ok` there, as Porcupine would, but a file with no operations is refused here
//! ([`Error::Empty`]): an `Ok` on nothing would say nothing.

use checker::*;

#[path = "support/corpus.rs"]
mod support;
use support::corpus;

struct Row {
    file: String,
    model: String,
    verdict: Verdict,
    /// The manifest's operation count.
    ops: usize,
}

fn rows(dir: &std::path::Path) -> Vec<Row> {
    let tsv =
        std::fs::read_to_string(dir.join("expected_verdicts.tsv")).expect("manifest readable");
    tsv.lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split('\t').collect();
            // Column 6 is Porcupine's test assertion ("none" for the empty etcd_095, which
            // has no Go test); column 7 is the verdict observed, equal wherever both exist.
            assert!(
                cols[6] == cols[7] || cols[6] == "none",
                "manifest row {line}"
            );
            let verdict = match cols[7] {
                "Ok" => Verdict::Ok,
                "Illegal" => Verdict::Illegal,
                other => panic!("manifest verdict {other}"),
            };
            Row {
                file: cols[0].to_string(),
                model: cols[2].to_string(),
                verdict,
                ops: cols[3].parse().expect("manifest op count"),
            }
        })
        .collect()
}

fn check_row(dir: &std::path::Path, row: &Row) -> Result<(Verdict, usize, std::time::Duration)> {
    let text = std::fs::read_to_string(dir.join(&row.file)).expect("corpus file readable");
    #[allow(clippy::disallowed_methods)] // Reporting only.
    let start = std::time::Instant::now();
    let options = CheckOptions {
        parallel: false,
        ..CheckOptions::default()
    };
    let (verdict, ops) = match row.model.as_str() {
        "etcd" => {
            let ops = parse_jepsen_log(&text, &row.file)?;
            (
                check_operations(&RegisterModel, &ops, &options).verdict,
                ops.len(),
            )
        }
        "kv" | "kv-nopart" => {
            let ops = parse_kv_edn(&text, &row.file)?;
            let model = if row.model == "kv" {
                KvModel::new()
            } else {
                KvModel::unpartitioned()
            };
            (check_operations(&model, &ops, &options).verdict, ops.len())
        }
        other => panic!("unknown model {other}"),
    };
    Ok((verdict, ops, start.elapsed()))
}

#[test]
fn corpus_every_file_matches_expected_verdict() {
    let Some(dir) = corpus() else { return };
    let rows = rows(&dir);
    assert_eq!(
        rows.iter().filter(|r| r.model == "etcd").count(),
        103,
        "manifest lists 103 Jepsen logs"
    );
    let mut failures = Vec::new();
    let mut empty = 0;
    for row in &rows {
        let result = check_row(&dir, row);
        if row.ops == 0 {
            empty += 1;
            match result {
                Err(Error::Empty { .. }) => continue,
                other => panic!("{}: no operations, must be refused: {other:?}", row.file),
            }
        }
        let (verdict, ops, elapsed) = result.unwrap_or_else(|e| panic!("{e}"));
        eprintln!(
            "{:<24} {:<9} {:>5} ops {:?} in {:?}",
            row.file, row.model, ops, verdict, elapsed
        );
        if verdict != row.verdict {
            failures.push(format!(
                "{} ({}): got {verdict:?}, expected {:?}",
                row.file, row.model, row.verdict
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(empty, 1, "the manifest lists one empty file (etcd_095)");
}
