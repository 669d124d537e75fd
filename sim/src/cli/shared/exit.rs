//! The exit codes of every command, in one place that imports nothing: the README's
//! exit-code table lists the same. Verdicts are 0 and 1; the rest follow sysexits.h
//! (64-74); 141 is what shells show for SIGPIPE (130 and 143, SIGINT and SIGTERM, come
//! from [`crate::cli::batch::interrupt`]).

/// Exit code when every run passed.
pub const EXIT_PASS: u8 = 0;
/// Exit code when at least one run failed.
pub const EXIT_FAIL: u8 = 1;
/// Bad usage: unknown scenario, bad seed range or shard, bad filter (sysexits' EX_USAGE).
pub const EXIT_USAGE: u8 = 64;
/// Malformed input data, such as a bad line in a seeds file (EX_DATAERR).
pub const EXIT_DATA: u8 = 65;
/// An input file or directory that does not exist or cannot be read (EX_NOINPUT).
pub const EXIT_NO_INPUT: u8 = 66;
/// A run stopped by a limit of the simulator itself, not by the Raft under test
/// (EX_SOFTWARE): see [`crate::panics::is_internal`].
pub const EXIT_INTERNAL: u8 = 70;
/// An output file, or stdout, that cannot be written (EX_IOERR).
pub const EXIT_OUTPUT: u8 = 74;
/// Stdout closed by its reader: what a shell reports for a process killed by SIGPIPE
/// (128 + 13); see [`super::output`].
pub const EXIT_CLOSED: u8 = 141;
