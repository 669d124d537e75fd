//! Exactly-once execution: per-client sessions that remember the last applied request.
//!
//! A clerk sends one request at a time and numbers them 1, 2, 3 ..., so a request with
//! a higher number implies the clerk has seen the reply to every earlier one (lab text:
//! "free server memory quickly ... by letting each RPC imply that the client has seen
//! the reply to its previous RPC"). A session therefore keeps only the last applied
//! sequence number, which keeps snapshots small (TestSnapshotSize allows 500 bytes).
//!
//! It keeps no reply: a Put or Append answers "", and a Get that was applied already
//! and is asked again is read again through the log (see [`crate::KvServer`]). Storing
//! each Get's value instead copied the value on every replica at every Get and put every
//! client's last read value into every snapshot.

use crate::command::ClientId;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What one client's session remembers.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// The highest sequence number applied for this client (0: none yet).
    pub last_seq: u64,
}

/// How a (client, seq) pair relates to its client's session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seen {
    /// Not applied yet: execute it.
    New,
    /// The last applied request: do not execute it again. Its clerk may still wait for
    /// the answer.
    Last,
    /// Older than the last applied request: the clerk has moved on and no longer waits
    /// for an answer; do not execute it and do not answer.
    Stale,
}

/// Every client's session, in client order (deterministic snapshots).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Sessions {
    by_client: BTreeMap<ClientId, Session>,
}

impl Sessions {
    /// Classifies request `seq` of `client`.
    pub fn seen(&self, client: ClientId, seq: u64) -> Seen {
        match self.by_client.get(&client) {
            None => Seen::New,
            Some(s) if seq > s.last_seq => Seen::New,
            Some(s) if seq == s.last_seq => Seen::Last,
            Some(_) => Seen::Stale,
        }
    }

    /// Records that request `seq` of `client` was executed.
    ///
    /// # Panics
    /// If `seq` is not beyond the session's last applied seq (that request would have
    /// been executed twice).
    pub fn record(&mut self, client: ClientId, seq: u64) {
        let session = self.by_client.entry(client).or_default();
        assert!(
            seq > session.last_seq,
            "{client}: executing seq {seq} again (last applied {})",
            session.last_seq
        );
        session.last_seq = seq;
        assert_eq!(session.last_seq, seq, "{client}: session not updated");
    }

    /// The session of `client`, if it ever had a request applied.
    pub fn get(&self, client: ClientId) -> Option<&Session> {
        self.by_client.get(&client)
    }

    /// The number of clients with a session.
    pub fn len(&self) -> usize {
        self.by_client.len()
    }

    /// True when no request was ever applied.
    pub fn is_empty(&self) -> bool {
        self.by_client.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_seen_classifies_against_last_seq() {
        let mut s = Sessions::default();
        let c = ClientId(1);
        assert_eq!(s.seen(c, 1), Seen::New);
        s.record(c, 1);
        s.record(c, 2);
        let cases = [(1, Seen::Stale), (2, Seen::Last), (3, Seen::New)];
        for (seq, want) in cases {
            assert_eq!(s.seen(c, seq), want, "seq {seq}");
        }
        assert_eq!(s.seen(ClientId(2), 1), Seen::New, "other client");
        assert_eq!(s.len(), 1);
    }

    #[test]
    #[should_panic(expected = "executing seq 2 again")]
    fn sessions_record_twice_panics() {
        let mut s = Sessions::default();
        s.record(ClientId(1), 2);
        s.record(ClientId(1), 2);
    }
}
