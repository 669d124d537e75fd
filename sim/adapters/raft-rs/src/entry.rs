//! Commands inside raft-rs entries.
//!
//! raft-rs logs bytes; the contract logs commands of a type `C`. A command entry's data
//! is one tag byte followed by the command's bincode encoding. The leader's no-op entry
//! (appended by raft-rs at every election, §8) has empty data, so the tag keeps even a
//! command whose encoding is empty (a unit type) apart from a no-op.
//!
//! Configuration-change entries carry raft-rs's own protobuf `ConfChangeV2` (the
//! adapter proposes only that version; raft-rs appends an empty one to leave a joint
//! configuration by itself). They are neither commands nor no-ops to the service:
//! the node hands them to raft-rs, never to the service, and they take no command
//! number.

use protobuf::Message as _;
use raftrs::eraftpb::{ConfChange, ConfChangeSingle, ConfChangeV2, Entry, EntryType};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::borrow::Cow;

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

/// True for an entry that carries a command; false for a no-op or a configuration
/// change.
///
/// # Panics
/// On normal data that is neither empty nor tagged: the adapter never proposes it, so
/// raft-rs would have invented it.
pub(crate) fn is_command(entry: &Entry) -> bool {
    if entry.get_entry_type() != EntryType::EntryNormal {
        return false;
    }
    match entry.data.first() {
        None => false,
        Some(&COMMAND_TAG) => true,
        Some(other) => panic!(
            "entry {}/t{}: data starts with {other:#x}, not the command tag",
            entry.index, entry.term
        ),
    }
}

/// The configuration change an entry carries, as raft-rs applies it; `None` for a
/// normal entry.
///
/// # Panics
/// If the data is not a protobuf conf change: raft-rs checked it when the leader
/// proposed it (it drops undecodable ones), and the disk decoder checks it too.
pub(crate) fn conf_change(entry: &Entry) -> Option<ConfChangeV2> {
    let decoded = match entry.get_entry_type() {
        EntryType::EntryNormal => return None,
        EntryType::EntryConfChange => ConfChange::parse_from_bytes(&entry.data).map(v2),
        EntryType::EntryConfChangeV2 => ConfChangeV2::parse_from_bytes(&entry.data),
    };
    Some(
        decoded
            .unwrap_or_else(|e| panic!("entry {}/t{}: conf change: {e}", entry.index, entry.term)),
    )
}

/// A version-1 conf change (one server) as the `ConfChangeV2` raft-rs applies it as
/// (raft-proto's `ConfChangeI::into_v2`, which raft-rs does not re-export). The
/// adapter proposes only version 2; this reads a version-1 entry all the same.
fn v2(v1: ConfChange) -> ConfChangeV2 {
    let mut single = ConfChangeSingle {
        node_id: v1.node_id,
        ..ConfChangeSingle::default()
    };
    single.set_change_type(v1.get_change_type());
    let mut cc = ConfChangeV2 {
        context: v1.context,
        ..ConfChangeV2::default()
    };
    cc.mut_changes().push(single);
    cc
}

/// The first byte of a `ConfChangeV2` entry's data on disk (see [`disk_data`]).
const CONF_CHANGE_V2_TAG: u8 = 0xC2;

/// The first byte of a version-1 `ConfChange` entry's data on disk.
const CONF_CHANGE_TAG: u8 = 0xC3;

/// An entry's data as the disk keeps it: a normal entry's unchanged (empty, or a
/// tagged command), a conf change's behind a tag byte of its version, so that a log
/// without conf changes is saved byte for byte as before membership changes existed.
pub(crate) fn disk_data(entry: &Entry) -> Cow<'_, [u8]> {
    let tag = match entry.get_entry_type() {
        EntryType::EntryNormal => return Cow::Borrowed(&entry.data),
        EntryType::EntryConfChange => CONF_CHANGE_TAG,
        EntryType::EntryConfChangeV2 => CONF_CHANGE_V2_TAG,
    };
    let mut data = Vec::with_capacity(entry.data.len() + 1);
    data.push(tag);
    data.extend_from_slice(&entry.data);
    Cow::Owned(data)
}

/// Entry `index` of term `term` from its data on disk ([`disk_data`]).
///
/// # Errors
/// A sentence when the data is none the adapter or raft-rs writes: nothing (a no-op),
/// a tagged command, or a tagged protobuf `ConfChange` or `ConfChangeV2`.
pub(crate) fn from_disk(index: u64, term: u64, data: &[u8]) -> Result<Entry, String> {
    let mut entry = Entry {
        index,
        term,
        ..Entry::default()
    };
    let (ty, valid) = match data.split_first() {
        None | Some((&COMMAND_TAG, _)) => (EntryType::EntryNormal, true),
        Some((&CONF_CHANGE_TAG, cc)) => (
            EntryType::EntryConfChange,
            ConfChange::parse_from_bytes(cc).is_ok(),
        ),
        Some((&CONF_CHANGE_V2_TAG, cc)) => (
            EntryType::EntryConfChangeV2,
            ConfChangeV2::parse_from_bytes(cc).is_ok(),
        ),
        Some(_) => (EntryType::EntryNormal, false),
    };
    if !valid {
        return Err(format!(
            "entry {index}: data is neither a no-op, a command nor a conf change"
        ));
    }
    entry.set_entry_type(ty);
    entry.data = match ty {
        EntryType::EntryNormal => data.to_vec(),
        _ => data[1..].to_vec(),
    }
    .into();
    Ok(entry)
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
    fn entry_conf_change_is_no_command_and_decodes() {
        let mut cc = ConfChangeV2::default();
        cc.mut_changes().push(ConfChangeSingle {
            node_id: 4,
            ..Default::default()
        });
        let mut e = entry(cc.write_to_bytes().expect("encodes"));
        e.set_entry_type(EntryType::EntryConfChangeV2);
        assert!(!is_command(&e));
        assert_eq!(conf_change(&e), Some(cc));
        assert_eq!(conf_change(&entry(Vec::new())), None);
        let back = from_disk(4, 2, &disk_data(&e)).expect("valid");
        assert_eq!(back, e);
        let command = entry(encode(&7u64));
        assert_eq!(disk_data(&command), &command.data[..], "saved as before");
        assert_eq!(from_disk(4, 2, &command.data), Ok(command));
        // raft-rs's own entry to leave a joint configuration: an empty V2.
        let leave = from_disk(5, 2, &[CONF_CHANGE_V2_TAG]).expect("valid");
        assert!(conf_change(&leave).is_some_and(|cc| cc.leave_joint()));
    }

    #[test]
    fn entry_from_disk_rejects_foreign_data() {
        assert!(from_disk(1, 1, &[7]).is_err_and(|e| e.contains("neither")));
        let bad = [CONF_CHANGE_V2_TAG, 0xff, 0xff];
        assert!(from_disk(1, 1, &bad).is_err_and(|e| e.contains("neither")));
        let bad = [CONF_CHANGE_TAG, 0xff];
        assert!(from_disk(1, 1, &bad).is_err_and(|e| e.contains("neither")));
    }
}
