//! Commands inside openraft entries: the contract's command type `C` as the bytes of
//! openraft's `Normal` payload (bincode). Blank and membership entries carry no command.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// The payload bytes of `command`.
///
/// # Panics
/// If bincode cannot encode the command, which only a broken `Serialize` can cause.
pub fn encode<C: Serialize>(command: &C) -> Vec<u8> {
    bincode::serde::encode_to_vec(command, bincode::config::standard())
        .unwrap_or_else(|e| panic!("encoding a command for openraft: {e}"))
}

/// The command in payload bytes [`encode`] made.
///
/// # Panics
/// If the bytes do not decode: only the adapter writes payloads, so that is a bug, not
/// input.
pub fn decode<C: DeserializeOwned>(bytes: &[u8]) -> C {
    let (command, _) = bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .unwrap_or_else(|e| panic!("an openraft payload is not a command: {e}"));
    command
}
