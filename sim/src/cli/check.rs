//! `raftsim check`: judge history files with the linearizability checker.
//!
//! ```text
//! raftsim check FILE... [--model kv|register] [--format auto|jepsen|porcupine-kv|json]
//!               [--timeout SECS] [--cache-limit N] [--html OUT.html] [--explain]
//! ```
//! Prints one verdict line per file and a summary. Exit codes: 0 all linearizable, 1 some
//! history is not linearizable, 2 some verdict is unknown (timeout or cache limit) and
//! none is illegal, 65 some file is malformed (the error says where), 66 some file cannot
//! be read, 64 bad usage (from clap, or a model that does not fit the format). The most
//! severe wins in the order 66, 65, 1, 2.

use std::path::{Path, PathBuf};
use std::time::Duration;

use checker::{
    check_operations, json_model, parse_jepsen_log, parse_json, parse_kv_edn, to_html,
    CheckOptions, CheckResult, KvInput, KvModel, KvOutput, Model, Operation, RegisterInput,
    RegisterModel, RegisterOutput, Verdict,
};
use clap::{Args, ValueEnum};

/// Exit code: every history is linearizable.
pub const EXIT_OK: u8 = 0;
/// Exit code: some history is not linearizable.
pub const EXIT_ILLEGAL: u8 = 1;
/// Exit code: some verdict is unknown and none is illegal.
pub const EXIT_UNKNOWN: u8 = 2;
/// Exit code: bad usage (sysexits' EX_USAGE).
pub const EXIT_USAGE: u8 = 64;
/// Exit code: malformed input (sysexits' EX_DATAERR).
pub const EXIT_MALFORMED: u8 = 65;
/// Exit code: a file cannot be read (sysexits' EX_NOINPUT).
pub const EXIT_NO_INPUT: u8 = 66;

/// Arguments of `raftsim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// History files to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// The model to check against (default: the format's, or the JSON file's `model`).
    #[arg(long, value_enum)]
    pub model: Option<ModelName>,
    /// The file format; `auto` looks at the extension and the first line.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// Give up after SECS seconds of wall time per file (verdict Unknown).
    #[arg(long, value_name = "SECS", value_parser = parse_seconds)]
    pub timeout: Option<Duration>,
    /// Memo entries one partition may hold before its verdict is Unknown (bounds memory).
    #[arg(long, value_name = "N")]
    pub cache_limit: Option<usize>,
    /// Write the HTML view here (with several files: OUT-<file stem>.html beside it).
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Explain a failure: the longest linearizable prefix of the first failing partition
    /// and the operations that could not come next.
    #[arg(long)]
    pub explain: bool,
}

/// A built-in model.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ModelName {
    /// MIT 6.5840 key/value store (get, put, append), partitioned by key.
    Kv,
    /// Register with read, write and compare-and-set (Jepsen's etcd tests).
    Register,
}

/// A history file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Decide from the extension and the first line.
    Auto,
    /// Jepsen etcd log (`INFO  jepsen.util - 2 :invoke :cas [3 0]`).
    Jepsen,
    /// Porcupine KV EDN log (`{:process 0, :type :invoke, :f :get, ...}`).
    PorcupineKv,
    /// raftsim JSON history.
    Json,
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    match text.parse::<f64>() {
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs < 1e9 => {
            Ok(Duration::from_secs_f64(secs))
        }
        _ => Err(format!(
            "expected a positive number of seconds, found `{text}`"
        )),
    }
}

/// What happened to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileOutcome {
    Judged(Verdict),
    Malformed,
    Unreadable,
    Usage,
}

/// Runs `raftsim check` and returns the process exit code.
pub fn run(args: &CheckArgs) -> u8 {
    let mut outcomes = Vec::with_capacity(args.files.len());
    for (index, path) in args.files.iter().enumerate() {
        let html = args
            .html
            .as_ref()
            .map(|out| html_path(out, path, args.files.len(), index));
        outcomes.push(check_file(path, args, html.as_deref()));
    }
    let count = |wanted: FileOutcome| outcomes.iter().filter(|o| **o == wanted).count();
    let (ok, illegal, unknown) = (
        count(FileOutcome::Judged(Verdict::Ok)),
        count(FileOutcome::Judged(Verdict::Illegal)),
        count(FileOutcome::Judged(Verdict::Unknown)),
    );
    let (malformed, unreadable, usage) = (
        count(FileOutcome::Malformed),
        count(FileOutcome::Unreadable),
        count(FileOutcome::Usage),
    );
    println!(
        "checked {} files: {ok} ok, {illegal} illegal, {unknown} unknown, {malformed} malformed, {unreadable} unreadable",
        outcomes.len()
    );
    if usage > 0 {
        EXIT_USAGE
    } else if unreadable > 0 {
        EXIT_NO_INPUT
    } else if malformed > 0 {
        EXIT_MALFORMED
    } else if illegal > 0 {
        EXIT_ILLEGAL
    } else if unknown > 0 {
        EXIT_UNKNOWN
    } else {
        EXIT_OK
    }
}

/// Where the HTML view of file `index` of `count` goes.
fn html_path(out: &Path, file: &Path, count: usize, index: usize) -> PathBuf {
    if count == 1 {
        return out.to_path_buf();
    }
    let stem = out
        .file_stem()
        .map_or_else(|| "check".into(), |s| s.to_string_lossy().into_owned());
    let file_stem = file
        .file_stem()
        .map_or_else(|| format!("{index}"), |s| s.to_string_lossy().into_owned());
    out.with_file_name(format!("{stem}-{file_stem}.html"))
}

fn check_file(path: &Path, args: &CheckArgs, html: Option<&Path>) -> FileOutcome {
    let name = path.display().to_string();
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(error) => {
            eprintln!("{name}: cannot read: {error}");
            println!("{name}: unreadable");
            return FileOutcome::Unreadable;
        }
    };
    let format = match args.format {
        Format::Auto => detect_format(path, &text),
        Format::Jepsen => Some(Concrete::Jepsen),
        Format::PorcupineKv => Some(Concrete::PorcupineKv),
        Format::Json => Some(Concrete::Json),
    };
    let Some(format) = format else {
        eprintln!("{name}: cannot tell the format (use --format jepsen|porcupine-kv|json)");
        println!("{name}: malformed");
        return FileOutcome::Malformed;
    };
    let model = match (format, args.model) {
        (Concrete::Json, Some(model)) => model,
        (Concrete::Json, None) => match json_model(&text, &name) {
            Ok(model) if model == "kv" => ModelName::Kv,
            Ok(model) if model == "register" => ModelName::Register,
            Ok(model) => {
                eprintln!("{name}: unknown model `{model}` (this build knows kv and register)");
                println!("{name}: malformed");
                return FileOutcome::Malformed;
            }
            Err(error) => return malformed(&name, &error),
        },
        (Concrete::Jepsen, None | Some(ModelName::Register)) => ModelName::Register,
        (Concrete::PorcupineKv, None | Some(ModelName::Kv)) => ModelName::Kv,
        (format, Some(model)) => {
            let (model, format) = (
                format!("{model:?}").to_lowercase(),
                format!("{format:?}").to_lowercase(),
            );
            eprintln!("raftsim check: --model {model} does not fit the {format} format of {name}");
            return FileOutcome::Usage;
        }
    };
    let options = CheckOptions {
        timeout: args.timeout,
        cache_limit: args.cache_limit.or(CheckOptions::default().cache_limit),
        ..CheckOptions::default()
    };
    let judge = Judge {
        name: &name,
        options,
        explain: args.explain,
        html,
    };
    match (model, format) {
        (ModelName::Kv, Concrete::Json) => match parse_json::<KvInput, KvOutput>(&text, &name) {
            Ok(history) => judge.run(&KvModel::new(), &history.ops),
            Err(error) => malformed(&name, &error),
        },
        (ModelName::Kv, _) => match parse_kv_edn(&text, &name) {
            Ok(ops) => judge.run(&KvModel::new(), &ops),
            Err(error) => malformed(&name, &error),
        },
        (ModelName::Register, Concrete::Json) => {
            match parse_json::<RegisterInput, RegisterOutput>(&text, &name) {
                Ok(history) => judge.run(&RegisterModel, &history.ops),
                Err(error) => malformed(&name, &error),
            }
        }
        (ModelName::Register, _) => match parse_jepsen_log(&text, &name) {
            Ok(ops) => judge.run(&RegisterModel, &ops),
            Err(error) => malformed(&name, &error),
        },
    }
}

fn malformed(name: &str, error: &checker::Error) -> FileOutcome {
    eprintln!("{error}");
    println!("{name}: malformed");
    FileOutcome::Malformed
}

/// A format once `auto` is resolved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Concrete {
    Jepsen,
    PorcupineKv,
    Json,
}

/// Guesses a file's format from its extension and first non-blank line.
fn detect_format(path: &Path, text: &str) -> Option<Concrete> {
    if path.extension().is_some_and(|e| e == "json") {
        return Some(Concrete::Json);
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        Some(line) if line.starts_with("{\"") || line == "{" => Some(Concrete::Json),
        Some(line) if line.starts_with("{:") => Some(Concrete::PorcupineKv),
        Some(line) if line.contains("jepsen.util") => Some(Concrete::Jepsen),
        // An empty log (Jepsen runs that never started) has no events: judge it as one.
        None if path.extension().is_some_and(|e| e == "log") => Some(Concrete::Jepsen),
        _ => None,
    }
}

/// Checks one parsed history and reports on it.
struct Judge<'a> {
    name: &'a str,
    options: CheckOptions,
    explain: bool,
    html: Option<&'a Path>,
}

impl Judge<'_> {
    fn run<M: Model>(&self, model: &M, ops: &[Operation<M::Input, M::Output>]) -> FileOutcome {
        // Wall-clock time is reported only; the verdict never depends on it.
        #[allow(clippy::disallowed_methods)]
        let start = std::time::Instant::now();
        let result = check_operations(model, ops, &self.options);
        let elapsed = start.elapsed();
        println!(
            "{}: {} ({} ops, {} partitions, {:.1} ms)",
            self.name,
            result.verdict,
            ops.len(),
            result.partitions.len(),
            elapsed.as_secs_f64() * 1e3
        );
        if self.explain {
            self.print_explanation(model, ops, &result);
        }
        if let Some(out) = self.html {
            let page = to_html(model, ops, &result, self.name);
            match std::fs::write(out, page) {
                Ok(()) => println!("{}: wrote {}", self.name, out.display()),
                Err(error) => {
                    eprintln!("{}: cannot write {}: {error}", self.name, out.display());
                    return FileOutcome::Unreadable;
                }
            }
        }
        FileOutcome::Judged(result.verdict)
    }

    fn print_explanation<M: Model>(
        &self,
        model: &M,
        ops: &[Operation<M::Input, M::Output>],
        result: &CheckResult,
    ) {
        match result.explain_first_failure(model, ops) {
            Some(explanation) => print!("{explanation}"),
            None if result.verdict == Verdict::Unknown => {
                println!("  no failure found before the search stopped; try a larger --timeout or --cache-limit")
            }
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_detects_formats_from_first_line() {
        let cases = [
            (
                "a.txt",
                "{:process 0, :type :invoke}",
                Some(Concrete::PorcupineKv),
            ),
            (
                "a.txt",
                "INFO  jepsen.util - 1\t:invoke\t:read\tnil",
                Some(Concrete::Jepsen),
            ),
            (
                "a.txt",
                "{\"format\": \"raftsim-history\"",
                Some(Concrete::Json),
            ),
            ("a.json", "garbage", Some(Concrete::Json)),
            ("a.log", "", Some(Concrete::Jepsen)),
            ("a.txt", "hello", None),
        ];
        for (path, text, expected) in cases {
            assert_eq!(
                detect_format(Path::new(path), text),
                expected,
                "{path}: {text}"
            );
        }
    }

    #[test]
    fn check_html_paths_for_several_files() {
        let out = Path::new("/tmp/view.html");
        assert_eq!(
            html_path(out, Path::new("a/c10-ok.txt"), 1, 0),
            PathBuf::from("/tmp/view.html")
        );
        assert_eq!(
            html_path(out, Path::new("a/c10-ok.txt"), 2, 0),
            PathBuf::from("/tmp/view-c10-ok.html")
        );
    }

    #[test]
    fn check_timeout_must_be_positive() {
        assert!(parse_seconds("0.5").is_ok());
        for bad in ["0", "-1", "nan", "x", "inf"] {
            assert!(parse_seconds(bad).is_err(), "{bad}");
        }
    }
}
