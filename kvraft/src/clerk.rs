//! The client side (the lab's `Clerk`) as a state machine with no IO and no timer: the
//! driver sends what it returns, feeds it replies, and owns a retry timer that calls
//! [`Clerk::on_timeout`]. Generic over the service's operations and answers: the KV
//! clerk, the shard controller's clerk and the sharded KV clerk's per-group part are
//! all this one.

use crate::command::{ClientId, Op};
use crate::rpc::{Reply, Request};

/// What the driver does after a reply reaches the clerk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ClerkEvent<O = Op, A = String> {
    /// The operation completed with its answer (for the KV service: the Get's result,
    /// "" for a missing key, and "" for Put and Append). The clerk may
    /// [`Clerk::begin`] the next one.
    Done {
        /// The result.
        value: A,
    },
    /// Send `request` to server index `server` (the previous one was not the leader).
    Retry {
        /// The server index to try next.
        server: usize,
        /// The same request, same seq.
        request: Request<O>,
    },
    /// The latest attempt's server does not serve the operation's shard: the request
    /// stays in flight, with its seq, until the driver aims it elsewhere with
    /// [`Clerk::restart`].
    WrongGroup,
    /// Nothing to do: the reply answers an earlier request or attempt, or nothing is in
    /// flight.
    Ignore,
}

/// The request in flight and the server index of its latest attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
struct InFlight<O> {
    request: Request<O>,
    server: usize,
}

/// One clerk: one operation at a time, numbered 1, 2, 3 ...; retries keep the number, so
/// the servers' sessions execute each operation at most once.
///
/// Servers are named by index `0..servers`; the driver maps an index to an address
/// (having shuffled them, like the lab's `random_handles`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clerk<O = Op> {
    id: ClientId,
    servers: usize,
    leader: usize,
    /// The seq of the last operation begun (0 before the first).
    seq: u64,
    in_flight: Option<InFlight<O>>,
    /// Attempts of the operation in flight that failed since it began or was last
    /// aimed elsewhere.
    misses: usize,
}

impl<O: Clone> Clerk<O> {
    /// A clerk with id `id` (unique across the run) that talks to `servers` servers,
    /// starting with index 0.
    ///
    /// # Panics
    /// If `servers` is 0.
    pub fn new(id: ClientId, servers: usize) -> Clerk<O> {
        assert!(servers > 0, "{id}: a clerk needs at least one server");
        Clerk {
            id,
            servers,
            leader: 0,
            seq: 0,
            in_flight: None,
            misses: 0,
        }
    }

    /// Begins `op` with the next seq and returns the first attempt: the server index to
    /// send it to (the remembered leader) and the request.
    ///
    /// # Panics
    /// If an operation is in flight (one call at a time, as the lab assumes).
    pub fn begin(&mut self, op: O) -> (usize, Request<O>) {
        assert!(
            self.in_flight.is_none(),
            "{}: begin while seq {} is in flight",
            self.id,
            self.seq
        );
        self.seq = self.seq.checked_add(1).expect("clerk seq overflow");
        self.misses = 0;
        let request = Request {
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
    /// `WrongGroup` from the latest attempt's server leaves the request in flight for
    /// the driver to aim elsewhere. Replies for other seqs are ignored.
    ///
    /// # Panics
    /// If `server` is not below the number of servers (a driver bug).
    pub fn on_reply<A>(&mut self, server: usize, reply: Reply<A>) -> ClerkEvent<O, A> {
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
            Reply::Ok { value, .. } => {
                self.leader = server;
                self.in_flight = None;
                ClerkEvent::Done { value }
            }
            Reply::WrongLeader { .. } if server == flight.server => {
                flight.server = (server + 1) % self.servers;
                self.misses += 1;
                ClerkEvent::Retry {
                    server: flight.server,
                    request: flight.request.clone(),
                }
            }
            Reply::WrongGroup { .. } if server == flight.server => {
                self.misses += 1;
                ClerkEvent::WrongGroup
            }
            Reply::WrongLeader { .. } | Reply::WrongGroup { .. } => ClerkEvent::Ignore,
        }
    }

    /// The driver's retry timer fired: resend the request in flight to the next server
    /// (round-robin). `None` if nothing is in flight.
    pub fn on_timeout(&mut self) -> Option<(usize, Request<O>)> {
        let flight = self.in_flight.as_mut()?;
        flight.server = (flight.server + 1) % self.servers;
        self.misses += 1;
        assert!(flight.server < self.servers, "{}: server index", self.id);
        Some((flight.server, flight.request.clone()))
    }

    /// Aims the request in flight at another set of `servers` servers (another replica
    /// group), first at index `first`, keeping its seq: the sharded clerk does this
    /// when a shard moved. Returns the attempt to send; `None` if nothing is in flight.
    ///
    /// # Panics
    /// If `servers` is 0 or `first` is not below it.
    pub fn restart(&mut self, servers: usize, first: usize) -> Option<(usize, Request<O>)> {
        assert!(servers > 0, "{}: restart towards no server", self.id);
        assert!(first < servers, "{}: first {first} of {servers}", self.id);
        let flight = self.in_flight.as_mut()?;
        self.servers = servers;
        self.leader = first;
        self.misses = 0;
        flight.server = first;
        Some((first, flight.request.clone()))
    }

    /// Failed attempts of the operation in flight since it began or was last aimed
    /// elsewhere (`WrongLeader`, `WrongGroup` or a timeout each count one).
    pub fn misses(&self) -> usize {
        self.misses
    }

    /// The number of servers the clerk talks to now.
    pub fn servers(&self) -> usize {
        self.servers
    }

    /// True while an operation is in flight.
    pub fn in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// The operation in flight, if any.
    pub fn in_flight_op(&self) -> Option<&O> {
        self.in_flight.as_ref().map(|f| &f.request.op)
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
    use crate::rpc::ClerkReply;

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
    fn clerk_wrong_group_keeps_the_seq_until_restarted_elsewhere() {
        let mut c: Clerk = Clerk::new(ClientId(4), 3);
        let (_, r) = c.begin(get("k"));
        let wrong = |seq| Reply::<String>::WrongGroup { seq };
        assert_eq!(c.on_reply(0, wrong(1)), ClerkEvent::WrongGroup);
        assert!(c.in_flight(), "still waiting for the operation");
        assert_eq!(c.misses(), 1);
        assert_eq!(
            c.on_reply(1, wrong(1)),
            ClerkEvent::Ignore,
            "not the latest"
        );
        let (first, again) = c.restart(5, 2).expect("in flight");
        assert_eq!((first, c.servers(), c.misses()), (2, 5, 0));
        assert_eq!(again, r, "same request, same seq");
        assert!(matches!(
            c.on_reply(2, ClerkReply::WrongLeader { seq: 1 }),
            ClerkEvent::Retry { server: 3, .. }
        ));
        assert_eq!(c.on_timeout().map(|(s, _)| s), Some(4));
        assert_eq!(c.misses(), 2);
        let ok = ClerkReply::Ok {
            seq: 1,
            value: "v".into(),
        };
        assert_eq!(c.on_reply(4, ok), ClerkEvent::Done { value: "v".into() });
        assert_eq!(c.restart(2, 0), None, "nothing in flight");
    }

    #[test]
    #[should_panic(expected = "while seq 1 is in flight")]
    fn clerk_begin_twice_panics() {
        let mut c = Clerk::new(ClientId(1), 3);
        c.begin(get("a"));
        c.begin(get("b"));
    }
}
