//! The crate's error type.

/// Expected failures of the KV service. Invariant violations are panics, not errors.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Error {
    /// The underlying Raft node refused to boot (bad id or persisted state).
    #[error("raft: {0}")]
    Raft(String),
    /// The service snapshot in the persisted state could not be decoded.
    #[error("corrupt kv snapshot: {0}")]
    CorruptSnapshot(String),
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
