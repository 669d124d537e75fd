//! The commands the Raft tester puts in the log: integers and strings, as the lab's tests
//! use (`one(101, ...)`, `one(randstring(5000), ...)`).

use serde::{Deserialize, Serialize};
use std::fmt;

/// A command of the Raft tests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Cmd {
    /// An integer command.
    Int(u64),
    /// A string command (TestRPCBytes sends 5000-byte ones).
    Text(String),
}

impl fmt::Display for Cmd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cmd::Int(v) => write!(f, "{v}"),
            Cmd::Text(s) if s.len() <= 16 => write!(f, "{s:?}"),
            Cmd::Text(s) => write!(f, "\"{}...\"({}B)", &s[..8], s.len()),
        }
    }
}
