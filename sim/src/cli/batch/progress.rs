//! The sweep's progress: an indicatif bar on a terminal, plain periodic lines otherwise
//! (CI logs, `| tee`), both on stderr so that stdout carries only the report.
//!
//! Failures are announced here as they happen, in completion order; the report on stdout
//! lists them again in the sweep's stable order.

use crate::cli::shared::output;
use crate::cli::shared::record::Record;
use crate::cli::shared::stopwatch::Stopwatch;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// How often plain progress lines are printed at most.
const PLAIN_EVERY: Duration = Duration::from_secs(5);

/// Progress of a batch of runs; shared by the worker threads.
#[derive(Debug)]
pub struct Progress {
    label: String,
    total: u64,
    done: AtomicU64,
    failed: AtomicU64,
    watch: Stopwatch,
    view: View,
}

#[derive(Debug)]
enum View {
    Bar(ProgressBar),
    /// Plain lines; holds the elapsed time of the last line printed.
    Plain(Mutex<Duration>),
}

impl Progress {
    /// Starts reporting on `total` runs.
    pub fn new(label: &str, total: u64) -> Progress {
        let view = if std::io::stderr().is_terminal() {
            let style = ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} runs, {msg} (eta {eta})",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr())
                .with_style(style)
                .with_prefix(label.to_string())
                .with_message("0 failed");
            View::Bar(bar)
        } else {
            View::Plain(Mutex::new(Duration::ZERO))
        };
        Progress {
            label: label.to_string(),
            total,
            done: AtomicU64::new(0),
            failed: AtomicU64::new(0),
            watch: Stopwatch::start(),
            view,
        }
    }

    /// Counts one finished run, announcing it if it failed.
    pub fn finish(&self, record: &Record) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        assert!(
            done <= self.total,
            "{}: run {done} of {}",
            self.label,
            self.total
        );
        let failed = if record.passed() {
            self.failed.load(Ordering::Relaxed)
        } else {
            let failed = self.failed.fetch_add(1, Ordering::Relaxed) + 1;
            let mut text = format!("{record}\n  replay: {}", record.replay_command());
            for unwritten in &record.unwritten {
                text.push_str(&format!("\n  not written: {unwritten}"));
            }
            self.say(&text);
            failed
        };
        match &self.view {
            View::Bar(bar) => {
                bar.set_message(format!("{failed} failed"));
                bar.inc(1);
            }
            View::Plain(last) => {
                let now = self.watch.elapsed();
                let mut last = last.lock().unwrap_or_else(|p| p.into_inner());
                if done == self.total || now.saturating_sub(*last) >= PLAIN_EVERY {
                    *last = now;
                    output::note(format_args!(
                        "{}: {done}/{} runs, {failed} failed, {:.1}s",
                        self.label,
                        self.total,
                        now.as_secs_f64()
                    ));
                }
            }
        }
    }

    /// Clears the bar (plain lines stay).
    pub fn close(&self) {
        if let View::Bar(bar) = &self.view {
            bar.finish_and_clear();
        }
    }

    /// Prints `text` on stderr above the bar (or as plain lines).
    pub fn say(&self, text: &str) {
        match &self.view {
            View::Bar(bar) => bar.println(text),
            View::Plain(_) => output::note(text),
        }
    }
}
