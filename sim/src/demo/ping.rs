//! A tiny ping/echo protocol that exercises every engine feature: clients send numbered
//! pings with retries, a server echoes each with a durable count of pings served.

use crate::engine::Duration;
use crate::engine::{Context, Node, NodeId, NodeInit, Payload, PayloadKind, TimerId};
use serde::{Deserialize, Serialize};

/// How long a client waits for a pong before it sends the same ping again.
pub const RETRY_AFTER: Duration = Duration::from_millis(50);

/// Messages of the ping protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PingMsg {
    /// A client's request number `seq`.
    Ping {
        /// The client's sequence number.
        seq: u64,
    },
    /// The server's answer, with how many pings it has served over its whole life.
    Pong {
        /// The sequence number being answered.
        seq: u64,
        /// Pings served, durable across crashes.
        served: u64,
    },
}

impl Payload for PingMsg {
    fn is_request(&self) -> bool {
        matches!(self, PingMsg::Ping { .. })
    }

    fn label(&self) -> String {
        match self {
            PingMsg::Ping { seq } => format!("Ping #{seq}"),
            PingMsg::Pong { seq, served } => format!("Pong #{seq} served={served}"),
        }
    }

    fn kind(&self) -> PayloadKind {
        match self {
            PingMsg::Ping { .. } => PayloadKind::Service("Ping"),
            PingMsg::Pong { .. } => PayloadKind::Service("Pong"),
        }
    }
}

/// What a ping node reports to the scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PingOutput {
    /// A client got the pong for `seq`.
    Done {
        /// The sequence number answered.
        seq: u64,
        /// The server's durable count when it answered.
        served: u64,
    },
}

/// A timer of the ping protocol: retry ping `seq`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry(pub u64);

/// A node of the ping protocol.
#[derive(Debug)]
pub enum PingNode {
    /// Echoes pings; counts them durably.
    Server {
        /// Pings served over the server's whole life (restored from disk on restart).
        served: u64,
    },
    /// Sends `goal` pings one after another to `server`.
    Client {
        /// Where to send pings.
        server: NodeId,
        /// The ping in flight (1-based); `goal + 1` once finished.
        seq: u64,
        /// How many pings to complete.
        goal: u64,
        /// The retry timer of the ping in flight.
        timer: Option<TimerId>,
    },
}

impl PingNode {
    /// A server, restored from its durable count if it has one.
    pub fn server(init: NodeInit<'_>) -> PingNode {
        let bytes = init.disk.raft_state();
        let served = match <[u8; 8]>::try_from(bytes.as_slice()) {
            Ok(b) => u64::from_le_bytes(b),
            Err(_) => {
                assert!(bytes.is_empty(), "ping server {}: corrupt disk", init.id);
                0
            }
        };
        PingNode::Server { served }
    }

    /// A client that will complete `goal` pings to `server`.
    pub fn client(server: NodeId, goal: u64) -> PingNode {
        PingNode::Client {
            server,
            seq: 1,
            goal,
            timer: None,
        }
    }

    /// True for a client that completed all its pings.
    pub fn finished(&self) -> bool {
        matches!(self, PingNode::Client { seq, goal, .. } if seq > goal)
    }

    fn send_ping(ctx: &mut Context<'_, Self>, server: NodeId, seq: u64) -> TimerId {
        ctx.send(server, PingMsg::Ping { seq });
        ctx.set_timer(RETRY_AFTER, Retry(seq))
    }
}

impl Node for PingNode {
    type Msg = PingMsg;
    type Timer = Retry;
    type Output = PingOutput;

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        // The first ping goes out from a timer, not from here: a node starts before the
        // scenario connects it, and a ping sent now would only be dropped.
        if let PingNode::Client {
            seq, goal, timer, ..
        } = self
        {
            if *seq <= *goal {
                *timer = Some(ctx.set_timer(Duration::ZERO, Retry(*seq)));
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, from: NodeId, msg: PingMsg) {
        match (self, msg) {
            (PingNode::Server { served }, PingMsg::Ping { seq }) => {
                *served += 1;
                ctx.save(served.to_le_bytes().to_vec(), Vec::new());
                ctx.send(
                    from,
                    PingMsg::Pong {
                        seq,
                        served: *served,
                    },
                );
            }
            (
                PingNode::Client {
                    server,
                    seq,
                    goal,
                    timer,
                },
                PingMsg::Pong { seq: got, served },
            ) => {
                // A late or duplicated pong for an older ping is ignored.
                if got != *seq {
                    return;
                }
                if let Some(t) = timer.take() {
                    ctx.cancel_timer(t);
                }
                ctx.output(PingOutput::Done { seq: got, served });
                *seq += 1;
                if *seq <= *goal {
                    *timer = Some(Self::send_ping(ctx, *server, *seq));
                }
            }
            (node, msg) => panic!("ping node {node:?} got unexpected {msg:?}"),
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, Retry(s): Retry) {
        if let PingNode::Client {
            server, seq, timer, ..
        } = self
        {
            if s == *seq {
                *timer = Some(Self::send_ping(ctx, *server, *seq));
            }
        }
    }
}
