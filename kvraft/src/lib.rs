//! A linearizable key/value service on Raft (MIT 6.5840 lab 3A/3B, 2024: lab 4A/4B), and
//! the sharded one after it: a shard controller and replica groups that move shards
//! between them (lab 4A/4B, 2024: 5A/5B). A library with no IO: like the `raft` crate,
//! it takes virtual time and delivered messages and hands back effects as data.
//!
//! The three services share one [`Replica`], which does what replicating any service
//! on Raft takes; each is a [`Service`], the state machine proper, with its own
//! exactly-once bookkeeping. All three clerks are the one generic [`Clerk`].
//!
//! # Tour
//! - [`command`]: [`ClientId`], [`Op`] and the logged [`Command`] (client, seq, op).
//! - [`rpc`]: a clerk's [`Request`] and a server's [`Reply`] ([`ClerkRequest`] and
//!   [`ClerkReply`] for the KV service).
//! - [`service`]: [`Service`], what a state machine provides to be replicated;
//!   [`replica`]: [`Replica`], one replica of any service on Raft (leadership checks,
//!   pending requests by log index, answers on apply or on leadership loss, the
//!   snapshot trigger), with its [`Ready`] effects.
//! - [`store`]: the replicated map ([`Store`]); [`session`]: the exactly-once table
//!   ([`Sessions`], the last applied seq per client; a repeated Get is read again
//!   through the log, so no values are kept).
//! - [`snapshot`]: map + sessions encoded with bincode (lab 3B).
//! - [`server`]: the KV [`Service`] ([`KvService`]) and [`KvServer`], a [`Replica`] of
//!   it: requests in, Raft messages in and out, [`KvReady`] effects out (persist, send,
//!   reply, in that order). It is generic over the Raft under test: any
//!   `raft_contract::RaftNode` carries it.
//! - [`clerk`]: [`Clerk`], the client as a state machine: remembers the leader, rotates
//!   on `WrongLeader` or the driver's timeout, keeps the seq across retries.
//! - [`shardctrler`]: the shard controller (lab 4A, 2024: 5A), a [`Service`] of
//!   configurations with its rebalancing; [`shardkv`]: the sharded KV service (lab 4B,
//!   2024: 5B), replica groups that move shards between them as configurations change.
//! - [`error`]: [`Error`] and [`Result`].
//!
//! # Design
//! - Every Get, Put and Append enters the Raft log, so a server cut off from a majority
//!   never completes one. A request is answered once the entry at its index is applied:
//!   `Ok` if it is the same (client, seq), `WrongLeader` if another command won the
//!   index, or as soon as the server is no longer leader of the term it started it in.
//! - Exactly-once: a clerk numbers its operations 1, 2, 3 ... and keeps the number
//!   across retries; each server keeps, per client, the last applied seq and its reply,
//!   never executes a seq twice, and answers a retry of the last one from the session.
//! - Snapshots (lab 3B): when the saved Raft state reaches 90 % of `maxraftstate`
//!   ([`server::SNAPSHOT_THRESHOLD_TENTHS`]) the server encodes its applied index, map
//!   and sessions with bincode 2 (standard config) and hands them to Raft at that
//!   index; the compacted state goes out in the same [`KvReady`].
//!
//! # Example
//! One server (a cluster of one elects itself) and one clerk, driven by hand:
//! ```
//! use kvraft::{ClerkEvent, Clerk, ClientId, Command, KvServer, Op};
//! use raft_contract::{Boot, Instant, NodeId, Persisted, RaftNode, Settings};
//!
//! // raftsim's own Raft carries it here; any `RaftNode<Command>` would do.
//! let boot = Boot { id: NodeId(0), peers: 1, config: raft_contract::Configuration::all(1), persisted: Persisted::default(), seed: 7, now: Instant(0), settings: Settings::defaults(), reads: raft_contract::ReadMode::Log };
//! let mut server = KvServer::<raft::Raft<Command>>::new(boot, Some(1000)).unwrap();
//! // Fire the election timer: a single node wins at once.
//! let now = server.next_deadline();
//! server.tick(now);
//! server.ready();
//! assert!(server.raft().state().1);
//!
//! let mut clerk = Clerk::new(ClientId(1), 1);
//! let mut run = |clerk: &mut Clerk, server: &mut KvServer<raft::Raft<Command>>, op: Op| -> String {
//!     let (_index, request) = clerk.begin(op);
//!     server.handle_request(42, request, now);
//!     // A real driver persists, sends, then delivers replies to the clerk at address 42.
//!     let ready = server.ready();
//!     let (reply_to, reply) = ready.replies.into_iter().next().unwrap();
//!     assert_eq!(reply_to, 42);
//!     match clerk.on_reply(0, reply) {
//!         ClerkEvent::Done { value } => value,
//!         other => panic!("{other:?}"),
//!     }
//! };
//! let put = Op::Put { key: "k".into(), value: "a".into() };
//! let append = Op::Append { key: "k".into(), value: "b".into() };
//! assert_eq!(run(&mut clerk, &mut server, put), "");
//! assert_eq!(run(&mut clerk, &mut server, append), "");
//! assert_eq!(run(&mut clerk, &mut server, Op::Get { key: "k".into() }), "ab");
//! assert_eq!(run(&mut clerk, &mut server, Op::Get { key: "none".into() }), "");
//! ```
#![deny(missing_docs)]

pub mod clerk;
pub mod command;
pub mod error;
mod reads;
pub mod replica;
pub mod rpc;
pub mod server;
pub mod service;
pub mod session;
pub mod shardctrler;
pub mod shardkv;
pub mod snapshot;
pub mod store;

pub use clerk::{Clerk, ClerkEvent};
pub use command::{ClientId, Command, Op};
pub use error::{Error, Result};
pub use replica::{AppliedItem, Ready, Replica};
pub use rpc::{ClerkReply, ClerkRequest, Reply, Request};
pub use server::{KvReady, KvServer, KvService};
pub use service::{Admission, Applied, Service, Verdict};
pub use session::{Session, Sessions};
pub use snapshot::Snapshot;
pub use store::Store;
