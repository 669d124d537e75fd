//! The client side (the lab's `Clerk`) as a state machine with no IO and no timer: the
//! driver sends what it returns, feeds it replies, and owns a retry timer that calls
//! [`Clerk::on_timeout`].

use crate::command::{ClientId, Op};
use crate::rpc::{ClerkReply, ClerkRequest};

/// What the driver does after a reply reaches the clerk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClerkEvent {
    /// The operation completed: `value` is the Get's result ("" for a missing key), ""
    /// for Put and Append. The clerk may [`Clerk::begin`] the next one.
    Done {
        /// The result.
        value: String,
    },
    /// Send `request` to server index `server` (the previous one was not the leader).
    Retry {
        /// The server index to try next.
        server: usize,
        /// The same request, same seq.
        request: ClerkRequest,
    },
    /// Nothing to do: the reply answers an earlier request or attempt, or nothing is in
    /// flight.
    Ignore,
}

/// The request in flight and the server index of its latest attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
struct InFlight {
    request: ClerkRequest,
    server: usize,
}

/// One clerk: one operation at a time, numbered 1, 2, 3 ...; retries keep the number, so
/// the servers' sessions execute each operation at most once.
///
/// Servers are named by index `0..servers`; the driver maps an index to an address
/// (having shuffled them, like the lab's `random_handles`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clerk {
    id: ClientId,
    servers: usize,
    leader: usize,
    /// The seq of the last operation begun (0 before the first).
    seq: u64,
    in_flight: Option<InFlight>,
}

impl Clerk {
    /// A clerk with id `id` (unique across the run) that talks to `servers` servers,
    /// starting with index 0.
    ///
    /// # Panics
    /// If `servers` is 0.
    pub fn new(id: ClientId, servers: usize) -> Clerk {
        assert!(servers > 0, "{id}: a clerk needs at least one server");
        Clerk {
            id,
            servers,
            leader: 0,
            seq: 0,
            in_flight: None,
        }
    }

    /// Begins `op` with the next seq and returns the first attempt: the server index to
    /// send it to (the remembered leader) and the request.
    ///
    /// # Panics
    /// If an operation is in flight (one call at a time, as the lab assumes).
    pub fn begin(&mut self, op: Op) -> (usize, ClerkRequest) {
        assert!(
            self.in_flight.is_none(),
            "{}: begin {op} while seq {} is in flight",
            self.id,
            self.seq
        );
        self.seq = self.seq.checked_add(1).expect("clerk seq overflow");
        let request = ClerkRequest {
            client: self.id,
            seq: self.seq,
            op,
        };
        self.in_flight = Some(InFlight {
            request: request.clone(),
            server: self.leader,
        });
        assert!(self.leader < self.servers, "{}: leader index", self.id);
        (self.leader, request)
    }

    /// Handles `reply` from server index `server`.
    ///
    /// `Ok` for the operation in flight completes it (from any server: the value is the
    /// operation's result) and remembers `server` as the leader. `WrongLeader` from the
    /// latest attempt's server moves on to the next server, round-robin; one from an
    /// earlier attempt is ignored, so a late answer never makes two attempts run at once.
    /// Replies for other seqs are ignored.
    ///
    /// # Panics
    /// If `server` is not below the number of servers (a driver bug).
    pub fn on_reply(&mut self, server: usize, reply: ClerkReply) -> ClerkEvent {
        assert!(
            server < self.servers,
            "{}: reply from server index {server} of {}",
            self.id,
            self.servers
        );
        let Some(flight) = self.in_flight.as_mut() else {
            return ClerkEvent::Ignore;
        };
        if reply.seq() != flight.request.seq {
            return ClerkEvent::Ignore;
        }
        match reply {
            ClerkReply::Ok { value, .. } => {
                self.leader = server;
                self.in_flight = None;
                ClerkEvent::Done { value }
            }
            ClerkReply::WrongLeader { .. } if server == flight.server => {
                flight.server = (server + 1) % self.servers;
                ClerkEvent::Retry {
                    server: flight.server,
                    request: flight.request.clone(),
                }
            }
            ClerkReply::WrongLeader { .. } => ClerkEvent::Ignore,
        }
    }

    /// The driver's retry timer fired: resend the request in flight to the next server
    /// (round-robin). `None` if nothing is in flight.
    pub fn on_timeout(&mut self) -> Option<(usize, ClerkRequest)> {
        let flight = self.in_flight.as_mut()?;
        flight.server = (flight.server + 1) % self.servers;
        assert!(flight.server < self.servers, "{}: server index", self.id);
        Some((flight.server, flight.request.clone()))
    }

    /// True while an operation is in flight.
    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The remembered leader: the server index that answered the last completed
    /// operation (0 before the first).
    pub fn leader(&self) -> usize {
        self.leader
    }

    /// This clerk's id.
    pub fn id(&self) -> ClientId {
        self.id
    }

    /// The seq of the last operation begun (0 before the first).
    pub fn seq(&self) -> u64 {
        self.seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(k: &str) -> Op {
        Op::Get { key: k.into() }
    }

    #[test]
    fn clerk_wrong_leader_rotates_round_robin_with_same_seq() {
        let mut c = Clerk::new(ClientId(1), 3);
        let (s0, r) = c.begin(get("k"));
        assert_eq!((s0, r.seq), (0, 1));
        let mut server = s0;
        for want in [1, 2, 0, 1] {
            match c.on_reply(server, ClerkReply::WrongLeader { seq: 1 }) {
                ClerkEvent::Retry { server: s, request } => {
                    assert_eq!(s, want);
                    assert_eq!(request, r, "same request, same seq");
                    server = s;
                }
                e => panic!("expected retry, got {e:?}"),
            }
        }
        assert!(c.in_flight());
    }

    #[test]
    fn clerk_remembers_leader_and_starts_there() {
        let mut c = Clerk::new(ClientId(1), 5);
        c.begin(get("k"));
        let (s, _) = c.on_timeout().expect("in flight");
        let (s, _) = {
            assert_eq!(s, 1);
            c.on_timeout().expect("in flight")
        };
        assert_eq!(s, 2);
        let e = c.on_reply(
            2,
            ClerkReply::Ok {
                seq: 1,
                value: "v".into(),
            },
        );
        assert_eq!(e, ClerkEvent::Done { value: "v".into() });
        assert_eq!(c.leader(), 2);
        assert!(!c.in_flight());
        let (s, r) = c.begin(get("k"));
        assert_eq!((s, r.seq), (2, 2), "next op starts at the leader, next seq");
    }

    #[test]
    fn clerk_ignores_stale_and_unexpected_replies() {
        let mut c = Clerk::new(ClientId(1), 3);
        let ok = |seq| ClerkReply::Ok {
            seq,
            value: String::new(),
        };
        assert_eq!(
            c.on_reply(0, ok(1)),
            ClerkEvent::Ignore,
            "nothing in flight"
        );
        assert_eq!(c.on_timeout(), None);
        c.begin(get("k"));
        assert!(matches!(c.on_reply(0, ok(1)), ClerkEvent::Done { .. }));
        c.begin(get("k"));
        let cases = [
            (0, ok(1), "older seq"),
            (0, ok(3), "future seq"),
            (
                2,
                ClerkReply::WrongLeader { seq: 2 },
                "not the latest attempt",
            ),
        ];
        for (server, reply, why) in cases {
            assert_eq!(c.on_reply(server, reply), ClerkEvent::Ignore, "{why}");
        }
        assert!(c.in_flight());
        // An Ok from an earlier attempt's server still completes the operation.
        c.on_timeout();
        assert!(matches!(c.on_reply(0, ok(2)), ClerkEvent::Done { .. }));
        assert_eq!(c.leader(), 0);
    }

    #[test]
    #[should_panic(expected = "while seq 1 is in flight")]
    fn clerk_begin_twice_panics() {
        let mut c = Clerk::new(ClientId(1), 3);
        c.begin(get("a"));
        c.begin(get("b"));
    }
}
