//! `raftsim check`: judge history files with the linearizability checker.
//!
//! ```text
//! raftsim check FILE... [--model kv|register] [--format auto|jepsen|porcupine-kv|json]
//!               [--timeout SECS] [--cache-limit N] [--html OUT.html] [--explain]
//!               [--jobs N] [--input-bytes-max BYTES]
//! ```
//! `FILE` may be `-` (standard input, once). Prints one verdict line per file and a
//! summary, always first: an output that cannot be written (`--html`, a full stdout) is
//! reported beside the verdicts, never instead of them, and a closed stdout (`| head -1`)
//! ends the report quietly. Before the first check, `--html` paths are planned: a view
//! that would overwrite an input or another view is refused (see [`views`]). Each input is
//! read up to a bound (see [`input`]): an endless one (`/dev/zero`) is refused as malformed.
//! `--jobs 1` checks on the calling thread alone, with no thread pool.
//!
//! Exit codes, the most severe winning in this order:
//! 64 bad usage (from clap, a model that does not fit the format, standard input twice, an
//! `--html` path that would overwrite an input); 66 some file cannot be read; 65 some file
//! is malformed (the error says where; also a file with no operations, not UTF-8, or
//! larger than `--input-bytes-max`);
//! 1 some history is not linearizable; 74 some output could not be written (an HTML view,
//! or stdout other than a closed pipe); 2 some verdict is unknown (timeout or cache
//! limit); 0 every history is linearizable. An unwritten output never hides an illegal
//! verdict (1 wins over 74), but it does make an otherwise clean run fail.

mod console;
pub mod input;
pub mod views;

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::time::Duration;

use checker::{
    check_operations, decode_utf8, json_model, parse_jepsen_log, parse_json, parse_kv_edn, to_html,
    CheckOptions, CheckResult, KvInput, KvModel, KvOutput, Model, Operation, RegisterInput,
    RegisterModel, RegisterOutput, Verdict,
};
use clap::{Args, ValueEnum};

pub use console::{Console, Delivery};

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
/// Exit code: an output cannot be written (sysexits' EX_IOERR).
pub const EXIT_OUTPUT: u8 = 74;

/// Arguments of `raftsim check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// History files to check (`-`: standard input).
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
    /// Memo entries one partition may hold before its verdict is Unknown (bounds memory;
    /// default: half the memory available, shared by the threads, at least 4 million).
    #[arg(long, value_name = "N")]
    pub cache_limit: Option<usize>,
    /// Write the HTML view here (with several files: OUT-<file stem>.html beside it;
    /// equal stems also get the file's position, OUT-<stem>-<k>.html).
    #[arg(long, value_name = "OUT.html")]
    pub html: Option<PathBuf>,
    /// Explain a failure: the longest linearizable prefix of the first failing partition
    /// and the operations that could not come next.
    #[arg(long)]
    pub explain: bool,
    /// Threads that search partitions (default: one per core); 1 checks on the calling
    /// thread alone.
    #[arg(long, value_name = "N")]
    pub jobs: Option<NonZeroUsize>,
    /// Refuse an input larger than this (exit 65), so that an endless one (`/dev/zero`)
    /// ends with an error.
    #[arg(long, value_name = "BYTES", default_value_t = input::INPUT_BYTES_MAX)]
    pub input_bytes_max: u64,
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
        Ok(secs) if secs.is_finite() && secs > 0.0 && secs <= TIMEOUT_SECS_MAX => {
            Ok(Duration::from_secs_f64(secs))
        }
        Ok(secs) if secs > TIMEOUT_SECS_MAX => Err(format!(
            "at most {TIMEOUT_SECS_MAX:e} seconds (about 31 years), found `{text}`"
        )),
        _ => Err(format!(
            "expected a positive number of seconds, found `{text}`"
        )),
    }
}

/// The longest `--timeout`: a billion seconds, well inside what a `Duration` holds.
const TIMEOUT_SECS_MAX: f64 = 1e9;

/// What happened to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FileOutcome {
    Judged(Verdict),
    Malformed,
    Unreadable,
    Usage,
}

/// The outcomes of all files, and whether every output was written.
#[derive(Default)]
struct Tally {
    outcomes: Vec<FileOutcome>,
    /// HTML views that could not be written.
    views_lost: usize,
}

impl Tally {
    fn count(&self, wanted: FileOutcome) -> usize {
        self.outcomes.iter().filter(|o| **o == wanted).count()
    }

    fn summary(&self) -> String {
        let mut line = format!(
            "checked {} files: {} ok, {} illegal, {} unknown, {} malformed, {} unreadable",
            self.outcomes.len(),
            self.count(FileOutcome::Judged(Verdict::Ok)),
            self.count(FileOutcome::Judged(Verdict::Illegal)),
            self.count(FileOutcome::Judged(Verdict::Unknown)),
            self.count(FileOutcome::Malformed),
            self.count(FileOutcome::Unreadable),
        );
        match self.views_lost {
            0 => {}
            1 => line.push_str(", 1 output not written"),
            n => line.push_str(&format!(", {n} outputs not written")),
        }
        line
    }

    /// The exit code: the most severe of the outcomes, in the order of the module docs.
    fn exit_code(&self, stdout: Delivery) -> u8 {
        if stdout == Delivery::ReaderGone {
            return crate::cli::output::EXIT_CLOSED;
        }
        let output_lost = self.views_lost > 0 || stdout == Delivery::Failed;
        let codes = [
            (self.count(FileOutcome::Usage) > 0, EXIT_USAGE),
            (self.count(FileOutcome::Unreadable) > 0, EXIT_NO_INPUT),
            (self.count(FileOutcome::Malformed) > 0, EXIT_MALFORMED),
            (
                self.count(FileOutcome::Judged(Verdict::Illegal)) > 0,
                EXIT_ILLEGAL,
            ),
            (output_lost, EXIT_OUTPUT),
            (
                self.count(FileOutcome::Judged(Verdict::Unknown)) > 0,
                EXIT_UNKNOWN,
            ),
        ];
        codes
            .into_iter()
            .find_map(|(any, code)| any.then_some(code))
            .unwrap_or(EXIT_OK)
    }
}

/// Runs `raftsim check` and returns the process exit code.
pub fn run(args: &CheckArgs) -> u8 {
    let mut console = Console::stdout();
    let html = match plan_outputs(args) {
        Ok(html) => html,
        Err(message) => {
            console.warn(format_args!("raftsim check: {message}"));
            return EXIT_USAGE;
        }
    };
    let threads = threads(args);
    let pool = pool(threads).unwrap_or_else(|error| {
        console.warn(format_args!(
            "raftsim check: cannot start {threads} threads ({error}); checking on one"
        ));
        None
    });
    let options = options(args, pool.is_some());
    let mut tally = Tally::default();
    for (index, path) in args.files.iter().enumerate() {
        let html = html.as_ref().map(|views| views[index].as_path());
        let mut check = || check_file(path, args, options, html, &mut console);
        let (outcome, view_written) = match &pool {
            Some(pool) => pool.install(check),
            None => check(),
        };
        tally.outcomes.push(outcome);
        if !view_written {
            tally.views_lost += 1;
        }
        if console.reader_gone() {
            break;
        }
    }
    console.line(format_args!("{}", tally.summary()));
    tally.exit_code(console.finish())
}

/// Checks the arguments that clap cannot, before any file is read: standard input at
/// most once, and `--html` views that overwrite nothing (see [`views::plan`]).
fn plan_outputs(args: &CheckArgs) -> Result<Option<Vec<PathBuf>>, String> {
    if args.files.iter().filter(|f| views::is_stdin(f)).count() > 1 {
        return Err("standard input (`-`) can be checked only once".into());
    }
    args.html
        .as_ref()
        .map(|out| views::plan(out, &args.files))
        .transpose()
}

/// The threads `--jobs` asks for, or one per core.
fn threads(args: &CheckArgs) -> usize {
    let cores = || std::thread::available_parallelism().map_or(1, usize::from);
    args.jobs.map_or_else(cores, usize::from)
}

/// The pool that searches partitions: none for one thread (the calling thread searches
/// alone).
fn pool(threads: usize) -> Result<Option<rayon::ThreadPool>, rayon::ThreadPoolBuildError> {
    match threads {
        0 | 1 => Ok(None),
        n => rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build()
            .map(Some),
    }
}

/// The checker's options for every file; `parallel` only on a pool of several threads.
fn options(args: &CheckArgs, parallel: bool) -> CheckOptions {
    let threads = if parallel { threads(args) } else { 1 };
    let default = || cache_limit_for(available_memory_bytes(), threads);
    CheckOptions {
        timeout: args.timeout,
        cache_limit: Some(args.cache_limit.unwrap_or_else(default)),
        parallel,
        ..CheckOptions::default()
    }
}

/// Bytes one memo entry takes on a hard KV partition, new states included, rounded up
/// (measured: 3.8 GB for 64 million entries on a 3,587-operation single-key history).
const BYTES_PER_ENTRY: u64 = 100;

/// The default `--cache-limit`: half the memory available, shared by the threads that may
/// each search a partition at once, and never below the library's default. On a machine
/// with 23 GB free and two threads, 57 million entries (about 5.7 GB) per partition.
fn cache_limit_for(available_bytes: Option<u64>, threads: usize) -> usize {
    let floor = checker::DEFAULT_CACHE_LIMIT;
    let Some(bytes) = available_bytes else {
        return floor;
    };
    let per_thread = bytes / 2 / (threads.max(1) as u64) / BYTES_PER_ENTRY;
    usize::try_from(per_thread).unwrap_or(usize::MAX).max(floor)
}

/// `MemAvailable` of `/proc/meminfo` in bytes, where there is one (Linux).
fn available_memory_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    kib.checked_mul(1024)
}

/// Checks one file and reports on it; the second value is false if its HTML view could
/// not be written.
fn check_file(
    path: &Path,
    args: &CheckArgs,
    options: CheckOptions,
    html: Option<&Path>,
    console: &mut Console,
) -> (FileOutcome, bool) {
    let (name, bytes) = input::read(path, args.input_bytes_max);
    let bytes = match bytes {
        Ok(bytes) => bytes,
        Err(error @ input::InputError::TooLarge { .. }) => {
            console.warn(format_args!("{name}: {error}"));
            console.line(format_args!("{name}: malformed"));
            return (FileOutcome::Malformed, true);
        }
        Err(error) => {
            console.warn(format_args!("{name}: {error}"));
            console.line(format_args!("{name}: unreadable"));
            return (FileOutcome::Unreadable, true);
        }
    };
    let text = match decode_utf8(&bytes, &name) {
        Ok(text) => text,
        Err(error) => return (malformed(&name, &error, console), true),
    };
    let format = match args.format {
        Format::Auto => checker::Format::detect(&name, text),
        Format::Jepsen => Some(checker::Format::Jepsen),
        Format::PorcupineKv => Some(checker::Format::PorcupineKv),
        Format::Json => Some(checker::Format::Json),
    };
    let Some(format) = format else {
        console.warn(format_args!(
            "{name}: cannot tell the format (use --format jepsen|porcupine-kv|json)"
        ));
        console.line(format_args!("{name}: malformed"));
        return (FileOutcome::Malformed, true);
    };
    let model = match choose_model(&name, text, format, args.model, console) {
        Ok(model) => model,
        Err(outcome) => return (outcome, true),
    };
    let mut judge = Judge {
        name: &name,
        options,
        explain: args.explain,
        html,
        console,
    };
    judge.parse_and_run(model, format, text)
}

/// The model for a file: `--model`, or the format's, or a JSON file's `model` field.
fn choose_model(
    name: &str,
    text: &str,
    format: checker::Format,
    model: Option<ModelName>,
    console: &mut Console,
) -> Result<ModelName, FileOutcome> {
    use checker::Format as F;
    match (format, model) {
        (F::Json, Some(model)) => Ok(model),
        (F::Json, None) => match json_model(text, name) {
            Ok(model) if model == "kv" => Ok(ModelName::Kv),
            Ok(model) if model == "register" => Ok(ModelName::Register),
            Ok(model) => {
                console.warn(format_args!(
                    "{name}: unknown model `{model}` (this build knows kv and register)"
                ));
                console.line(format_args!("{name}: malformed"));
                Err(FileOutcome::Malformed)
            }
            Err(error) => Err(malformed(name, &error, console)),
        },
        (F::Jepsen, None | Some(ModelName::Register)) => Ok(ModelName::Register),
        (F::PorcupineKv, None | Some(ModelName::Kv)) => Ok(ModelName::Kv),
        (format, Some(model)) => {
            let model = format!("{model:?}").to_lowercase();
            console.warn(format_args!(
                "raftsim check: --model {model} does not fit {format}, the format of {name}"
            ));
            Err(FileOutcome::Usage)
        }
    }
}

fn malformed(name: &str, error: &checker::Error, console: &mut Console) -> FileOutcome {
    console.warn(format_args!("{error}"));
    console.line(format_args!("{name}: malformed"));
    FileOutcome::Malformed
}

/// Checks one parsed history and reports on it.
struct Judge<'a> {
    name: &'a str,
    options: CheckOptions,
    explain: bool,
    html: Option<&'a Path>,
    console: &'a mut Console,
}

impl Judge<'_> {
    /// Parses `text` in `format` for `model`, then checks it.
    fn parse_and_run(
        &mut self,
        model: ModelName,
        format: checker::Format,
        text: &str,
    ) -> (FileOutcome, bool) {
        use checker::Format as F;
        let name = self.name;
        let parsed = match (model, format) {
            (ModelName::Kv, F::Json) => parse_json::<KvInput, KvOutput>(text, name)
                .map(|history| self.run(&KvModel::new(), &history.ops)),
            (ModelName::Kv, _) => {
                parse_kv_edn(text, name).map(|ops| self.run(&KvModel::new(), &ops))
            }
            (ModelName::Register, F::Json) => {
                parse_json::<RegisterInput, RegisterOutput>(text, name)
                    .map(|history| self.run(&RegisterModel, &history.ops))
            }
            (ModelName::Register, _) => {
                parse_jepsen_log(text, name).map(|ops| self.run(&RegisterModel, &ops))
            }
        };
        parsed.unwrap_or_else(|error| (malformed(name, &error, self.console), true))
    }

    /// Prints the verdict first, then the explanation, then writes the view.
    fn run<M: Model>(
        &mut self,
        model: &M,
        ops: &[Operation<M::Input, M::Output>],
    ) -> (FileOutcome, bool) {
        // Wall-clock time is reported only; the verdict never depends on it.
        #[allow(clippy::disallowed_methods)]
        let start = std::time::Instant::now();
        let result = check_operations(model, ops, &self.options);
        let elapsed = start.elapsed();
        self.console.line(format_args!(
            "{}: {} ({} ops, {} partitions, {:.1} ms)",
            self.name,
            result.verdict,
            ops.len(),
            result.partitions.len(),
            elapsed.as_secs_f64() * 1e3
        ));
        if self.explain {
            self.print_explanation(model, ops, &result);
        }
        let outcome = FileOutcome::Judged(result.verdict);
        let Some(out) = self.html else {
            return (outcome, true);
        };
        let page = to_html(model, ops, &result, self.name);
        match std::fs::write(out, page) {
            Ok(()) => {
                self.console
                    .line(format_args!("{}: wrote {}", self.name, out.display()));
                (outcome, true)
            }
            Err(error) => {
                self.console.warn(format_args!(
                    "{}: cannot write {}: {error}",
                    self.name,
                    out.display()
                ));
                (outcome, false)
            }
        }
    }

    fn print_explanation<M: Model>(
        &mut self,
        model: &M,
        ops: &[Operation<M::Input, M::Output>],
        result: &CheckResult,
    ) {
        match result.explain_first_failure(model, ops) {
            Some(explanation) => self.console.text(&explanation.to_string()),
            None if result.verdict == Verdict::Unknown => self.console.line(format_args!(
                "  no failure found before the search stopped; try a larger --timeout or --cache-limit"
            )),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(extra: &[&str]) -> CheckArgs {
        use clap::Parser;
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            check: CheckArgs,
        }
        let argv = ["check", "h.json"].iter().chain(extra);
        Cli::try_parse_from(argv).map_or_else(|e| panic!("{e}"), |cli| cli.check)
    }

    #[test]
    fn check_one_job_checks_on_the_calling_thread() {
        let one = args(&["--jobs", "1"]);
        assert_eq!(threads(&one), 1);
        assert!(pool(threads(&one)).expect("no pool").is_none());
        assert!(!options(&one, false).parallel);
        let three = args(&["--jobs", "3"]);
        let pool = pool(threads(&three)).expect("a pool").expect("of three");
        assert_eq!(pool.current_num_threads(), 3);
        assert!(options(&three, true).parallel);
        assert_eq!(args(&[]).input_bytes_max, input::INPUT_BYTES_MAX);
    }

    #[test]
    fn check_default_cache_limit_follows_available_memory() {
        let floor = checker::DEFAULT_CACHE_LIMIT;
        assert_eq!(cache_limit_for(None, 1), floor);
        assert_eq!(cache_limit_for(Some(1 << 20), 1), floor);
        assert_eq!(cache_limit_for(Some(20_000_000_000), 2), 50_000_000);
        assert_eq!(cache_limit_for(Some(20_000_000_000), 1), 100_000_000);
        assert_eq!(
            cache_limit_for(Some(u64::MAX), 0),
            (u64::MAX / 200) as usize
        );
        let given = args(&["--cache-limit", "7"]);
        assert_eq!(options(&given, false).cache_limit, Some(7));
        assert!(options(&args(&[]), false).cache_limit >= Some(floor));
    }

    #[test]
    fn check_timeout_must_be_positive() {
        assert!(parse_seconds("0.5").is_ok());
        for bad in ["0", "-1", "nan", "x", "-inf"] {
            let e = parse_seconds(bad).expect_err(bad);
            assert!(e.contains("a positive number of seconds"), "{bad}: {e}");
        }
    }

    /// A value too large is named as such, not as "not a positive number" (issue 26).
    #[test]
    fn check_timeout_too_large_says_the_limit() {
        assert!(parse_seconds("1e9").is_ok());
        for big in ["1e10", "2000000000", "inf"] {
            let e = parse_seconds(big).expect_err(big);
            assert!(e.contains("at most 1e9 seconds"), "{big}: {e}");
        }
    }

    /// Each row: the files' outcomes, views lost, stdout's delivery, the exit code.
    #[test]
    fn check_exit_code_precedence_table() {
        use FileOutcome::*;
        use Verdict::*;
        let cases = [
            (vec![Judged(Ok)], 0, Delivery::Complete, EXIT_OK),
            (
                vec![Judged(Ok)],
                0,
                Delivery::ReaderGone,
                crate::cli::output::EXIT_CLOSED,
            ),
            (
                vec![Judged(Illegal)],
                0,
                Delivery::ReaderGone,
                crate::cli::output::EXIT_CLOSED,
            ),
            (vec![Judged(Ok)], 1, Delivery::Complete, EXIT_OUTPUT),
            (vec![Judged(Ok)], 0, Delivery::Failed, EXIT_OUTPUT),
            (vec![Judged(Unknown)], 1, Delivery::Complete, EXIT_OUTPUT),
            (
                vec![Judged(Unknown), Judged(Ok)],
                0,
                Delivery::Complete,
                EXIT_UNKNOWN,
            ),
            (vec![Judged(Illegal)], 1, Delivery::Failed, EXIT_ILLEGAL),
            (
                vec![Judged(Illegal), Judged(Unknown)],
                0,
                Delivery::Complete,
                EXIT_ILLEGAL,
            ),
            (
                vec![Judged(Illegal), Malformed],
                0,
                Delivery::Complete,
                EXIT_MALFORMED,
            ),
            (
                vec![Malformed, Unreadable],
                1,
                Delivery::Complete,
                EXIT_NO_INPUT,
            ),
            (vec![Unreadable, Usage], 0, Delivery::Complete, EXIT_USAGE),
        ];
        for (outcomes, views_lost, delivery, expected) in cases {
            let tally = Tally {
                outcomes: outcomes.clone(),
                views_lost,
            };
            assert_eq!(
                tally.exit_code(delivery),
                expected,
                "{outcomes:?} views_lost={views_lost} {delivery:?}"
            );
        }
    }
}
