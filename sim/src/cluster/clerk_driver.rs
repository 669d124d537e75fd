//! A generic clerk (`kvraft::Clerk`) as part of a simulated node: it maps server indices
//! to engine ids and owns the retry timer, for any node type that carries its requests.
//! The KV clerk and the shard controller's clerks use it.

use crate::engine::{Context, Duration, Node, NodeId, TimerId};
use kvraft::{Clerk, ClerkEvent, ClientId, Reply, Request};

/// How long a clerk waits for an answer before it tries the next server. labrpc fails a
/// call to a dead or disconnected server within 0-99 ms; a live server that cannot commit
/// (in a minority) never answers, so the clerk must give up on it by itself.
pub const CLERK_RETRY: Duration = Duration::from_millis(100);

/// How node type `N` carries a clerk's requests of operations `O` and its retry timer.
pub struct Wire<N: Node, O> {
    /// The message that carries a request.
    pub request: fn(Request<O>) -> N::Msg,
    /// The timer tag of the retry of request `seq`.
    pub retry: fn(u64) -> N::Timer,
}

/// A clerk, its servers in its own (shuffled) order, and its retry timer.
#[derive(Debug)]
pub struct ClerkDriver<O> {
    clerk: Clerk<O>,
    servers: Vec<NodeId>,
    timer: Option<TimerId>,
}

impl<O: Clone> ClerkDriver<O> {
    /// A clerk with id `client` that sees the servers in the order `servers`.
    pub fn new(client: ClientId, servers: Vec<NodeId>) -> ClerkDriver<O> {
        ClerkDriver {
            clerk: Clerk::new(client, servers.len()),
            servers,
            timer: None,
        }
    }

    /// Starts `op` (one at a time).
    ///
    /// # Panics
    /// If an operation is in flight.
    pub fn begin<N: Node>(&mut self, ctx: &mut Context<'_, N>, op: O, wire: &Wire<N, O>) {
        let (server, request) = self.clerk.begin(op);
        self.send(ctx, server, request, wire);
    }

    /// Handles a reply from engine node `from`; returns the answer when the operation
    /// completed.
    pub fn on_reply<N: Node, A>(
        &mut self,
        ctx: &mut Context<'_, N>,
        from: NodeId,
        reply: Reply<A>,
        wire: &Wire<N, O>,
    ) -> Option<A> {
        let server = self.servers.iter().position(|&s| s == from)?;
        match self.clerk.on_reply(server, reply) {
            ClerkEvent::Done { value } => {
                if let Some(t) = self.timer.take() {
                    ctx.cancel_timer(t);
                }
                Some(value)
            }
            ClerkEvent::Retry { server, request } => {
                self.send(ctx, server, request, wire);
                None
            }
            // A single group serves everything a generic clerk asks.
            ClerkEvent::WrongGroup | ClerkEvent::Ignore => None,
        }
    }

    /// The retry timer fired: try the next server.
    pub fn on_timeout<N: Node>(&mut self, ctx: &mut Context<'_, N>, wire: &Wire<N, O>) {
        self.timer = None;
        if let Some((server, request)) = self.clerk.on_timeout() {
            self.send(ctx, server, request, wire);
        }
    }

    /// True while an operation is in flight.
    pub fn in_flight(&self) -> bool {
        self.clerk.in_flight()
    }

    fn send<N: Node>(
        &mut self,
        ctx: &mut Context<'_, N>,
        server: usize,
        request: Request<O>,
        wire: &Wire<N, O>,
    ) {
        if let Some(t) = self.timer.take() {
            ctx.cancel_timer(t);
        }
        let seq = request.seq;
        ctx.send(self.servers[server], (wire.request)(request));
        self.timer = Some(ctx.set_timer(CLERK_RETRY, (wire.retry)(seq)));
    }
}
