//! Commands inside raft-rs entries.
//!
//! raft-rs logs bytes; the contract logs commands of a type `C`. A command entry's data
//! is one tag byte followed by the command's bincode encoding. The leader's no-op entry
//! (appended by raft-rs at every election, §8) has empty data, so the tag keeps even a
//! command whose encoding is empty (a unit type) apart from a no-op.

use raftrs::eraftpb::{Entry, EntryType};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// The first byte of every command entry's data.
pub(crate) const COMMAND_TAG: u8 = 0xC1;

/// The entry data that carries `command`.
///
/// # Panics
/// If bincode cannot encode the command, which only a broken `Serialize` can cause.
pub(crate) fn encode<C: Serialize>(command: &C) -> Vec<u8> {
    let mut data = vec![COMMAND_TAG];
    bincode::serde::encode_into_std_write(command, &mut data, bincode::config::standard())
        .unwrap_or_else(|e| panic!("encoding a command for raft-rs: {e}"));
    data
}

/// True for an entry that carries a command; false for a no-op.
///
/// # Panics
/// On a configuration-change entry, or on data that is neither empty nor tagged: the
/// adapter proposes neither, so raft-rs would have invented it.
pub(crate) fn is_command(entry: &Entry) -> bool {
    assert_eq!(
        entry.get_entry_type(),
        EntryType::EntryNormal,
        "entry {}/t{}: the adapter never proposes configuration changes",
        entry.index,
        entry.term
    );
    match entry.data.first() {
        None => false,
        Some(&COMMAND_TAG) => true,
        Some(other) => panic!(
            "entry {}/t{}: data starts with {other:#x}, not the command tag",
            entry.index, entry.term
        ),
    }
}

/// The command an entry carries.
///
/// # Panics
/// If the entry is not a command entry this module encoded: only the adapter writes
/// entry data, so that is a bug, not input.
pub(crate) fn decode<C: DeserializeOwned>(entry: &Entry) -> C {
    assert!(
        is_command(entry),
        "entry {}/t{} is a no-op, not a command",
        entry.index,
        entry.term
    );
    let (command, used) =
        bincode::serde::decode_from_slice(&entry.data[1..], bincode::config::standard())
            .unwrap_or_else(|e| panic!("entry {}/t{}: command: {e}", entry.index, entry.term));
    assert_eq!(
        used + 1,
        entry.data.len(),
        "entry {}/t{}: trailing bytes after the command",
        entry.index,
        entry.term
    );
    command
}

/// Entry `index` of term `term`: a command (carrying its index) if `command`, else a
/// no-op.
#[cfg(test)]
pub(crate) fn test_entry(index: u64, term: u64, command: bool) -> Entry {
    Entry {
        index,
        term,
        data: if command { encode(&index) } else { Vec::new() }.into(),
        ..Entry::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(data: Vec<u8>) -> Entry {
        Entry {
            index: 4,
            term: 2,
            data: data.into(),
            ..Entry::default()
        }
    }

    #[test]
    fn entry_command_round_trips_and_no_op_is_not_a_command() {
        let e = entry(encode(&"put x".to_string()));
        assert!(is_command(&e));
        assert_eq!(decode::<String>(&e), "put x");
        let unit = entry(encode(&()));
        assert!(is_command(&unit), "an empty encoding still is a command");
        decode::<()>(&unit);
        assert!(!is_command(&entry(Vec::new())));
    }

    #[test]
    #[should_panic(expected = "not the command tag")]
    fn entry_untagged_data_panics() {
        is_command(&entry(vec![7, 1]));
    }

    #[test]
    #[should_panic(expected = "configuration changes")]
    fn entry_conf_change_panics() {
        let mut e = entry(Vec::new());
        e.set_entry_type(EntryType::EntryConfChange);
        is_command(&e);
    }
}
