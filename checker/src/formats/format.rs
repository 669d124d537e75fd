//! The history file formats this crate reads (see `detect.rs` for how a file's format is
//! guessed).

/// A history file format this crate reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Format {
    /// A Jepsen etcd register log ([`crate::parse_jepsen_log`]).
    Jepsen,
    /// A Porcupine KV EDN log ([`crate::parse_kv_edn`]).
    PorcupineKv,
    /// A raftsim JSON history ([`crate::parse_json`]).
    Json,
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Jepsen => "a Jepsen etcd log",
            Format::PorcupineKv => "a Porcupine KV EDN log",
            Format::Json => "a raftsim JSON history",
        })
    }
}
