//! The HTML view: size bounds, and a real headless browser that must load it without
//! script errors and draw one box per operation.

use checker::*;

#[path = "support/browser.rs"]
mod browser;
use browser::{attribute, dump_dom};

#[path = "support/corpus.rs"]
mod support;
use support::corpus;

/// A failing KV history over several clients and keys, with a pending call and a string
/// that would end a script element if it were not escaped.
fn failing_kv_history() -> Vec<Operation<KvInput, KvOutput>> {
    let mut ops = Vec::new();
    for k in 0..30u64 {
        let key = format!("k{}", k % 3);
        let (op, value, out) = match k % 3 {
            0 => (KvOp::Append, format!("<{k}></script>"), String::new()),
            1 => (KvOp::Put, format!("v{k}"), String::new()),
            _ => (
                KvOp::Get,
                String::new(),
                if k == 20 {
                    "never written".to_string()
                } else {
                    String::new()
                },
            ),
        };
        let outcome = if k == 29 {
            Outcome::Pending
        } else {
            Outcome::Returned {
                output: KvOutput { value: out },
                at: Time(k * 10 + 15),
            }
        };
        ops.push(Operation {
            client: ClientId(k % 4),
            input: KvInput { op, key, value },
            call: Time(k * 10),
            outcome,
        });
    }
    ops
}

#[test]
fn html_is_self_contained_and_escapes_data() {
    let ops = failing_kv_history();
    let result = check_operations(&KvModel::new(), &ops, &CheckOptions::default());
    assert_eq!(result.verdict, Verdict::Illegal);
    let page = to_html(&KvModel::new(), &ops, &result, "t <1>");
    assert!(
        !page.contains("src=\"http") && !page.contains("href=\"http"),
        "no network resources"
    );
    assert_eq!(
        page.matches("</script>").count(),
        2,
        "data cannot close a script element"
    );
    assert!(page.contains("<title>t &lt;1&gt;</title>"));
}

#[test]
fn html_stays_under_2kb_per_operation_on_the_corpus() {
    let Some(dir) = corpus() else { return };
    for (name, scope) in [
        ("kv/c50-bad.txt", Scope::AllPartitions),
        ("kv/c50-ok.txt", Scope::FirstFailure),
        ("kv/c10-bad.txt", Scope::FirstFailure),
    ] {
        let text = std::fs::read_to_string(dir.join(name)).expect("corpus file");
        let ops = parse_kv_edn(&text, name).expect("parses");
        let options = CheckOptions {
            scope,
            cache_limit: Some(200_000),
            ..CheckOptions::default()
        };
        let result = check_operations(&KvModel::new(), &ops, &options);
        let page = to_html(&KvModel::new(), &ops, &result, name);
        let per_op = page.len() / ops.len();
        assert!(per_op < 2048, "{name}: {per_op} bytes per operation");
    }
}

#[test]
fn html_loads_in_headless_chromium_and_draws_every_box() {
    if !browser::available() {
        return;
    }
    let dir = std::env::temp_dir().join(format!("checker-html-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let mut pages: Vec<(String, usize, bool)> = Vec::new();
    let ops = failing_kv_history();
    let result = check_operations(&KvModel::new(), &ops, &CheckOptions::default());
    pages.push((
        to_html(&KvModel::new(), &ops, &result, "handmade"),
        ops.len(),
        true,
    ));
    let empty: Vec<Operation<RegisterInput, RegisterOutput>> = Vec::new();
    let result = check_operations(&RegisterModel, &empty, &CheckOptions::default());
    pages.push((to_html(&RegisterModel, &empty, &result, "empty"), 0, false));
    if let Some(corpus) = corpus() {
        let text =
            std::fs::read_to_string(corpus.join("jepsen/etcd_000.log")).expect("corpus file");
        let ops = parse_jepsen_log(&text, "etcd_000.log").expect("parses");
        let result = check_operations(&RegisterModel, &ops, &CheckOptions::default());
        pages.push((
            to_html(&RegisterModel, &ops, &result, "etcd_000"),
            ops.len(),
            true,
        ));
    }
    for (k, (page, boxes, has_error)) in pages.iter().enumerate() {
        let path = dir.join(format!("page{k}.html"));
        std::fs::write(&path, page).expect("page written");
        let profile = dir.join(format!("profile{k}"));
        let dom = dump_dom(&path, &profile);
        assert!(
            dom.contains("id=\"report\""),
            "page {k}: no report element in\n{}",
            &dom[..dom.len().min(2000)]
        );
        assert!(
            dom.contains("<pre id=\"errors\"></pre>"),
            "page {k}: script errors: {}",
            dom.split("<pre id=\"errors\">").nth(1).unwrap_or("")
        );
        assert_eq!(
            attribute(&dom, "data-boxes"),
            Some(boxes.to_string()),
            "page {k}: one box per operation"
        );
        let first_error = attribute(&dom, "data-first-error").expect("first error marker");
        assert_eq!(
            first_error != "-1",
            *has_error,
            "page {k}: first error {first_error}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}
