//! A bounded fuzz test of the readers, through the pipeline `raftsim check` runs: bytes,
//! UTF-8, format (detected, or each one forced), parse, check, explanation and HTML view.
//!
//! The property: every input gives a verdict or a documented error ([`Error::Syntax`],
//! [`Error::Overlap`], [`Error::Empty`]) that names the file, never a panic, and a history
//! that is read is one a check can trust: at least one operation, every return at or after
//! its call, no client with two operations at once. So no file from which zero operations
//! were read is ever judged `Ok`.
//!
//! Inputs come from a seeded generator (`support/fuzz.rs`): protocol-following logs in each
//! format, damaged or not, and windows of the Porcupine corpus, damaged or not. About 3,000
//! cases, a second or two. A failure prints the seed and the input.

use std::panic::{catch_unwind, AssertUnwindSafe};

use checker::*;

#[path = "support/corpus.rs"]
mod corpus_support;
#[path = "support/fuzz.rs"]
mod fuzz;
use fuzz::{Rng, Shape};

/// Per-partition memo budget: enough for these small histories, and a bound on time.
const CACHE_LIMIT: usize = 20_000;

/// What one input came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Judged(Verdict),
    Syntax,
    Overlap,
    Empty,
    UnknownModel,
}

/// Asserts what every read history must be, then checks, explains and draws it.
fn judge<M: Model>(model: &M, ops: &[Operation<M::Input, M::Output>]) -> Outcome {
    assert!(!ops.is_empty(), "a history with no operations was read");
    assert!(
        ops.iter().all(Operation::is_well_formed),
        "a return before its call was read"
    );
    assert_eq!(
        client_overlap(ops),
        None,
        "overlapping operations of a client were read"
    );
    let options = CheckOptions {
        cache_limit: Some(CACHE_LIMIT),
        parallel: false,
        ..CheckOptions::default()
    };
    let result = check_operations(model, ops, &options);
    if let Some(explanation) = result.explain_first_failure(model, ops) {
        assert!(!explanation.to_string().is_empty());
    }
    assert!(to_html(model, ops, &result, "fuzz").contains("<svg"));
    Outcome::Judged(result.verdict)
}

/// The pipeline of `raftsim check` on one input; `forced` is `--format`.
fn pipeline(bytes: &[u8], file: &str, forced: Option<Format>) -> Outcome {
    let read = decode_utf8(bytes, file).and_then(|text| {
        let Some(format) = forced.or_else(|| Format::detect(file, text)) else {
            return Ok(Outcome::Syntax); // "cannot tell the format": malformed, exit 65.
        };
        match format {
            Format::Jepsen => parse_jepsen_log(text, file).map(|ops| judge(&RegisterModel, &ops)),
            Format::PorcupineKv => parse_kv_edn(text, file).map(|ops| judge(&KvModel::new(), &ops)),
            Format::Json => match json_model(text, file)?.as_str() {
                "kv" => parse_json(text, file).map(|h| judge(&KvModel::new(), &h.ops)),
                "register" => parse_json(text, file).map(|h| judge(&RegisterModel, &h.ops)),
                _ => Ok(Outcome::UnknownModel),
            },
        }
    });
    match read {
        Ok(outcome) => outcome,
        Err(error) => {
            let message = error.to_string();
            assert!(
                message.starts_with(file),
                "the error names the file: {message}"
            );
            match error {
                Error::Syntax { .. } => Outcome::Syntax,
                Error::Overlap { .. } => Outcome::Overlap,
                Error::Empty { .. } => Outcome::Empty,
            }
        }
    }
}

/// Runs one case, turning a panic into a report with the seed and the input.
fn case(seed: u64, bytes: &[u8], file: &str, forced: Option<Format>) -> Outcome {
    let run = catch_unwind(AssertUnwindSafe(|| pipeline(bytes, file, forced)));
    run.unwrap_or_else(|_| {
        panic!(
            "seed {seed}, file {file}, format {forced:?}: the pipeline panicked on\n{}",
            fuzz::shown(bytes)
        )
    })
}

/// Every outcome seen, with counts.
#[derive(Default)]
struct Seen(std::collections::BTreeMap<Outcome, usize>);

impl Seen {
    fn add(&mut self, outcome: Outcome) {
        *self.0.entry(outcome).or_default() += 1;
    }
    fn count(&self, outcome: Outcome) -> usize {
        self.0.get(&outcome).copied().unwrap_or(0)
    }
}

#[test]
fn fuzz_generated_inputs_give_verdicts_or_documented_errors() {
    let mut seen = Seen::default();
    for seed in 0..6_000u64 {
        let mut rng = Rng(seed);
        let shape = Shape::ALL[seed as usize % Shape::ALL.len()];
        let bytes = fuzz::generated(&mut rng, shape);
        seen.add(case(seed, &bytes, shape.file_name(), None));
        // The same bytes read as another format now and then (`--format`).
        if seed % 8 == 0 {
            let forced = *rng.pick(&[Format::Jepsen, Format::PorcupineKv, Format::Json]);
            seen.add(case(seed, &bytes, "forced.txt", Some(forced)));
        }
    }
    eprintln!("outcomes: {:?}", seen.0);
    // The generator reaches every outcome, so the property is tested where it matters.
    for outcome in [
        Outcome::Judged(Verdict::Ok),
        Outcome::Judged(Verdict::Illegal),
        Outcome::Syntax,
        Outcome::Overlap,
        Outcome::Empty,
    ] {
        assert!(
            seen.count(outcome) >= 20,
            "{outcome:?} seen {} times: {:?}",
            seen.count(outcome),
            seen.0
        );
    }
}

#[test]
fn fuzz_corpus_windows_give_verdicts_or_documented_errors() {
    let Some(corpus) = corpus_support::corpus() else {
        return;
    };
    let mut seen = Seen::default();
    for seed in 1_000_000..1_001_500u64 {
        let mut rng = Rng(seed);
        let (name, bytes) = fuzz::from_corpus(&mut rng, &corpus);
        seen.add(case(seed, &bytes, &name, None));
    }
    eprintln!("outcomes: {:?}", seen.0);
    let judged =
        seen.count(Outcome::Judged(Verdict::Ok)) + seen.count(Outcome::Judged(Verdict::Illegal));
    assert!(
        judged >= 100 && seen.count(Outcome::Syntax) >= 100,
        "{:?}",
        seen.0
    );
}
