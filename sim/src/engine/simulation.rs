//! The simulation: one single-threaded event loop over virtual time.
//!
//! [`Sim`] owns the event queue, the run's RNG, the network, every node's volatile state
//! and durable store, and the trace. Scenarios drive it by stepping events and by
//! injecting faults; nodes act only through their [`Context`]. Time here is true time;
//! each node reads its own clock's local time (see [`super::clock`]).

use super::budget::{self, Budget, Stop, CHECK_EVERY_EVENTS};
use super::clock::{Clock, NodeClock};
use super::digest::Digest;
use super::disk::Disk;
use super::net::{DropReason, NetConfig, NetStats, Network, Route};
use super::node::{Context, Effects, Node, NodeInit, Payload, TimerId};
use super::queue::EventQueue;
use super::rng::SimRng;
use super::send_rate::{RatePeak, SendRates};
use super::status::NodeStatus;
use super::trace::{hash_bytes, EventKind, Trace};
use raft_contract::{Duration, Instant, NodeId};
use std::collections::VecDeque;

/// An observation a node reported to the scenario, stamped with the virtual time at
/// which its handler ran (testers record operation returns at that time, whenever they
/// get to read it).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation<O> {
    /// When the node reported it.
    pub at: Instant,
    /// Who reported it.
    pub node: NodeId,
    /// What it reported.
    pub output: O,
}

/// Settings of one run that are not part of the network.
#[derive(Clone, Debug, Default)]
pub struct SimOptions {
    /// Keep the rendered trace text (the hash is always kept).
    pub keep_trace: bool,
    /// The run's limits, and the flag that cancels it.
    pub budget: Budget,
}

/// What a run used of its budget (see [`Sim::usage`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Usage {
    /// The most messages one node sent within one second of virtual time.
    pub send_rate_peak: Option<RatePeak>,
    /// The most bytes the run's thread held at once, when the process meters them.
    pub memory_peak_bytes: Option<u64>,
}

enum Event<N: Node> {
    Deliver {
        from: NodeId,
        to: NodeId,
        /// The receiver's incarnation when the message was sent: a message in flight to
        /// a node that crashed is lost even if the node restarts before it arrives.
        incarnation: u32,
        /// When it was sent (for the kept trace only).
        sent: Instant,
        msg: N::Msg,
        bytes: u32,
        hash: u64,
    },
    Timer {
        node: NodeId,
        incarnation: u32,
        id: TimerId,
        tag: N::Timer,
    },
    /// A node with a processor ([`Sim::set_service_time`]) is free again: the first event
    /// of its backlog runs.
    Resume { node: NodeId, incarnation: u32 },
}

impl<N: Node> Event<N> {
    /// The node the event is for.
    fn target(&self) -> NodeId {
        match self {
            Event::Deliver { to, .. } => *to,
            Event::Timer { node, .. } | Event::Resume { node, .. } => *node,
        }
    }
}

/// The set of timers set and neither fired nor cancelled: one bit per timer id (ids are
/// dense and increasing), so setting, cancelling and firing are O(1) without hashing.
#[derive(Debug, Default)]
struct TimerSet {
    bits: Vec<u64>,
}

impl TimerSet {
    fn insert(&mut self, id: TimerId) {
        let (word, bit) = ((id.0 / 64) as usize, id.0 % 64);
        if word >= self.bits.len() {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    /// Removes `id`; returns whether it was present.
    fn remove(&mut self, id: TimerId) -> bool {
        let (word, bit) = ((id.0 / 64) as usize, id.0 % 64);
        match self.bits.get_mut(word) {
            Some(w) if *w & (1 << bit) != 0 => {
                *w &= !(1 << bit);
                true
            }
            _ => false,
        }
    }
}

struct Slot<N: Node> {
    node: Option<N>,
    incarnation: u32,
    disk: Disk,
    /// The status last recorded in the kept trace (`None` after a crash).
    traced: Option<NodeStatus>,
    /// How long each handler occupies the node (zero: no time at all).
    service_time: Duration,
    /// Until when the node's last handler occupies it.
    busy_until: Instant,
    /// Events that reached the node while it was busy, in arrival order; a `Resume` is
    /// in the queue whenever this is not empty.
    backlog: VecDeque<Event<N>>,
    /// The machine's clock: the node reads its local time through it. It survives
    /// crashes and restarts, as a machine's clock does.
    clock: NodeClock,
}

/// A deterministic simulation of nodes of type `N` over a simulated network.
pub struct Sim<N: Node> {
    now: Instant,
    queue: EventQueue<Event<N>>,
    rng: SimRng,
    net: Network,
    slots: Vec<Slot<N>>,
    trace: Trace,
    live_timers: TimerSet,
    next_timer: u64,
    outputs: Vec<Observation<N::Output>>,
    effects: Effects<N>,
    events: u64,
    /// The node whose handler ran for the last event, if any (for testers' monitors).
    handled: Option<NodeId>,
    budget: Budget,
    rates: SendRates,
    /// Bytes the thread held when the simulation started (when metered).
    held_at_start: Option<u64>,
}

/// A simulation that a panic unwinds through leaves where it stood (see
/// [`super::wreck`]): a panicking run's report still names its time, events and trace.
impl<N: Node> Drop for Sim<N> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            let keep = self.trace.keeps_text();
            super::wreck::leave(super::wreck::Wreck {
                now: self.now,
                events: self.events,
                nodes: self.slots.len(),
                trace: std::mem::replace(&mut self.trace, Trace::new(keep)),
            });
        }
    }
}

impl<N: Node> Sim<N> {
    /// A simulation with no nodes, whose every random choice follows from `seed`.
    pub fn new(seed: u64, net: NetConfig, options: SimOptions) -> Sim<N> {
        Sim {
            now: Instant::ZERO,
            queue: EventQueue::new(),
            rng: SimRng::new(seed),
            net: Network::new(net),
            slots: Vec::new(),
            trace: Trace::new(options.keep_trace),
            live_timers: TimerSet::default(),
            next_timer: 0,
            outputs: Vec::new(),
            effects: Effects::default(),
            events: 0,
            handled: None,
            budget: options.budget,
            rates: SendRates::default(),
            held_at_start: {
                alloc_meter::reset_peak();
                alloc_meter::held()
            },
        }
    }

    /// The current virtual time.
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Number of events processed so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The trace so far (hash always, text when kept).
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// The network's connectivity, settings and counters.
    pub fn net(&self) -> &Network {
        &self.net
    }

    /// Counters of one node.
    pub fn stats(&self, id: NodeId) -> NetStats {
        self.net.stats(id)
    }

    /// A generator for the scenario's own choices, seeded from the run's RNG, so that the
    /// scenario's draws and the network's do not shift each other.
    pub fn fork_rng(&mut self) -> SimRng {
        SimRng::new(self.rng.fork_seed())
    }

    /// Number of nodes, live or crashed.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// True when the simulation has no nodes.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The node's volatile state, or `None` while it is crashed.
    pub fn node(&self, id: NodeId) -> Option<&N> {
        self.slots[id.index()].node.as_ref()
    }

    /// True unless the node is crashed.
    pub fn is_alive(&self, id: NodeId) -> bool {
        self.slots[id.index()].node.is_some()
    }

    /// How many times the node crashed: a restarted node is a new incarnation, with
    /// none of the volatile state of the ones before.
    pub fn incarnation(&self, id: NodeId) -> u32 {
        self.slots[id.index()].incarnation
    }

    /// The node's durable store.
    pub fn disk(&self, id: NodeId) -> &Disk {
        &self.slots[id.index()].disk
    }

    /// True when nodes reported observations not yet taken.
    pub fn has_outputs(&self) -> bool {
        !self.outputs.is_empty()
    }

    /// Observations reported by nodes since the last call, in the order they were made.
    pub fn take_outputs(&mut self) -> Vec<Observation<N::Output>> {
        std::mem::take(&mut self.outputs)
    }

    /// Adds a node (disconnected, as labrpc's ends start disabled), builds it with
    /// `make`, and runs its start handler. Its clock is the identity: it reads the
    /// simulation's time.
    pub fn add_node(&mut self, make: impl FnOnce(NodeInit<'_>) -> N) -> NodeId {
        self.add_node_with_clock(Clock::IDENTITY, make)
    }

    /// As [`Sim::add_node`], on a machine whose clock is `clock`, as it is (its offset
    /// included): the node's first reading of time is `clock.local(now)`.
    pub fn add_node_with_clock(
        &mut self,
        clock: Clock,
        make: impl FnOnce(NodeInit<'_>) -> N,
    ) -> NodeId {
        let id = self.net.add_node();
        self.slots.push(Slot {
            node: None,
            incarnation: 0,
            disk: Disk::new(),
            traced: None,
            service_time: Duration(0),
            busy_until: Instant::ZERO,
            backlog: VecDeque::new(),
            clock: NodeClock::new(clock),
        });
        assert_eq!(
            self.slots.len(),
            self.net.len(),
            "slots and network disagree"
        );
        self.boot(id, EventKind::Start, make);
        id
    }

    /// Crashes a node: its volatile state, its timers and the messages in flight to it
    /// are lost; its durable store survives. Crashing a crashed node does nothing.
    pub fn crash(&mut self, id: NodeId) {
        let slot = &mut self.slots[id.index()];
        if slot.node.take().is_none() {
            return;
        }
        slot.incarnation += 1;
        slot.traced = None;
        slot.busy_until = Instant::ZERO;
        slot.backlog.clear();
        let local = slot.clock.shown(self.now);
        self.trace
            .record(self.now, local, EventKind::Crash, id, None, 0, String::new);
    }

    /// Restarts a crashed node from its durable store.
    ///
    /// # Panics
    /// If the node is alive: restart follows crash.
    pub fn restart(&mut self, id: NodeId, make: impl FnOnce(NodeInit<'_>) -> N) {
        assert!(
            !self.is_alive(id),
            "restart of live node {id}: crash it first"
        );
        self.boot(id, EventKind::Restart, make);
    }

    fn boot(&mut self, id: NodeId, kind: EventKind, make: impl FnOnce(NodeInit<'_>) -> N) {
        let seed = self.rng.fork_seed();
        let slot = &mut self.slots[id.index()];
        let node = make(NodeInit {
            id,
            seed,
            disk: &slot.disk,
            now: slot.clock.local(self.now),
        });
        slot.node = Some(node);
        let incarnation = u64::from(slot.incarnation);
        let local = slot.clock.shown(self.now);
        self.trace
            .record(self.now, local, kind, id, None, incarnation, String::new);
        self.dispatch(id, |node, ctx| node.on_start(ctx));
    }

    /// Calls into a live node from outside (a tester submitting a command, say), with a
    /// context so that its effects are applied like a handler's. `None` if it is crashed.
    pub fn with_node<R>(
        &mut self,
        id: NodeId,
        f: impl FnOnce(&mut N, &mut Context<'_, N>) -> R,
    ) -> Option<R> {
        if !self.is_alive(id) {
            return None;
        }
        Some(self.dispatch(id, f))
    }

    fn dispatch<R>(&mut self, id: NodeId, f: impl FnOnce(&mut N, &mut Context<'_, N>) -> R) -> R {
        let slot = &mut self.slots[id.index()];
        let node = slot.node.as_mut().expect("dispatch to a crashed node");
        let mut ctx = Context {
            me: id,
            now: slot.clock.local(self.now),
            disk: &mut slot.disk,
            effects: &mut self.effects,
            next_timer: &mut self.next_timer,
            tracing: self.trace.keeps_text(),
        };
        let result = f(node, &mut ctx);
        if self.trace.keeps_text() {
            self.trace_status(id);
        }
        self.apply_effects(id);
        result
    }

    /// Records the node's status if it changed since last recorded (kept trace only):
    /// right after its handler, before what the handler saved and sent.
    fn trace_status(&mut self, id: NodeId) {
        let slot = &mut self.slots[id.index()];
        let Some(status) = slot.node.as_ref().and_then(Node::status) else {
            return;
        };
        if slot.traced != Some(status) {
            slot.traced = Some(status);
            let local = slot.clock.shown(self.now);
            self.trace.record_status(self.now, local, id, status);
        }
    }

    /// Applies what a handler did, in order: saves (already durable) are traced, then
    /// messages are sent, then timers set and cancelled, then outputs handed over.
    fn apply_effects(&mut self, id: NodeId) {
        let mut effects = std::mem::take(&mut self.effects);
        let time = self.now;
        let local = self.slots[id.index()].clock.shown(time);
        for note in effects.notes.drain(..) {
            self.trace.note(time, local, &id.to_string(), &note);
        }
        if effects.saves > 0 {
            let disk = &self.slots[id.index()].disk;
            let (state, snap) = (disk.raft_state_size(), disk.snapshot_size());
            let detail = ((state as u64) << 32) | snap as u64;
            self.trace
                .record(time, local, EventKind::Save, id, None, detail, || {
                    format!("raft_state={state}B snapshot={snap}B")
                });
            effects.saves = 0;
        }
        for (to, msg) in effects.sends.drain(..) {
            self.send(id, to, msg);
        }
        for id in effects.cancels.drain(..) {
            self.live_timers.remove(id);
        }
        let slot = &self.slots[id.index()];
        let incarnation = slot.incarnation;
        for (timer, after, tag) in effects.timers.drain(..) {
            self.live_timers.insert(timer);
            let event = Event::Timer {
                node: id,
                incarnation,
                id: timer,
                tag,
            };
            // `after` is local time: the timer fires when the node's clock has moved on
            // by that much (at `time + after` for the identity clock).
            self.queue.push(slot.clock.due(time, after), event);
        }
        self.outputs
            .extend(effects.outputs.drain(..).map(|output| Observation {
                at: time,
                node: id,
                output,
            }));
        self.effects = effects;
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: N::Msg) {
        assert!(
            to.index() < self.slots.len(),
            "{from} sent to unknown node {to}"
        );
        let digest = Digest::of(&msg);
        let bytes = u32::try_from(digest.len()).expect("message over 4 GiB");
        let hash = digest.hash();
        let is_request = msg.is_request();
        self.net.count_sent(from, u64::from(bytes), is_request);
        let bound = self.budget.sends_per_second_max;
        if let Some(storm) = self
            .rates
            .count(self.now, from, to, bound, || msg.kind().name())
        {
            budget::stop(Stop::Exceeded(storm));
        }
        let route = if !self.net.link(from, to) {
            Route::Drop(DropReason::NoLink)
        } else if !self.is_alive(to) {
            Route::Drop(DropReason::Dead)
        } else {
            self.net.route(&mut self.rng, from, to, is_request)
        };
        match route {
            Route::Drop(reason) => {
                self.net.count_dropped(from);
                self.trace.record_message(
                    self.now,
                    self.slots[to.index()].clock.shown(self.now),
                    self.now,
                    EventKind::Drop(reason),
                    to,
                    from,
                    hash,
                    msg.kind(),
                    || msg.label(),
                );
            }
            Route::Deliver(first, second) => {
                let incarnation = self.slots[to.index()].incarnation;
                if let Some(second) = second {
                    let copy = Event::Deliver {
                        from,
                        to,
                        incarnation,
                        sent: self.now,
                        msg: msg.clone(),
                        bytes,
                        hash,
                    };
                    self.queue.push(self.now + second, copy);
                }
                let event = Event::Deliver {
                    from,
                    to,
                    incarnation,
                    sent: self.now,
                    msg,
                    bytes,
                    hash,
                };
                self.queue.push(self.now + first, event);
            }
        }
    }

    /// The node whose handler ran for the last event [`Sim::step`] processed: `None` when
    /// that event reached no live handler (a dropped message, a cancelled timer).
    pub fn last_handled(&self) -> Option<NodeId> {
        self.handled
    }

    /// Processes the next event. Returns false when the queue is empty.
    pub fn step(&mut self) -> bool {
        self.handled = None;
        let Some((time, event)) = self.queue.pop() else {
            return false;
        };
        assert!(
            time >= self.now,
            "event at {time} popped after {}",
            self.now
        );
        self.now = time;
        let Some(event) = self.admit(time, event) else {
            return true;
        };
        let target = event.target();
        self.events += 1;
        self.check_budget();
        self.trace.set_event(self.events);
        self.handle(time, event);
        self.resume_later(target);
        true
    }

    /// Stops the run (see [`super::budget`]) when it has used its events, holds more
    /// memory than its bound, or was cancelled; the last two are looked at every
    /// [`CHECK_EVERY_EVENTS`] events.
    fn check_budget(&mut self) {
        if self.events > self.budget.events_max {
            let busiest = self.rates.busiest_now().unwrap_or_default();
            budget::stop(Stop::Exceeded(format!(
                "run budget: more than {} events (--events-max) by virtual time {}; {busiest}",
                self.budget.events_max, self.now
            )));
        }
        if self.events % CHECK_EVERY_EVENTS != 0 {
            return;
        }
        if self.budget.cancelled() {
            budget::stop(Stop::Cancelled);
        }
        if let (Some(start), Some(now)) = (self.held_at_start, alloc_meter::held()) {
            let held = now.saturating_sub(start);
            if held > self.budget.memory_bytes_max {
                let busiest = self.rates.busiest_now().unwrap_or_default();
                budget::stop(Stop::Exceeded(format!(
                    "run budget: the run holds {held} bytes, more than {} (--memory-max), after {} events at virtual time {}; {busiest}",
                    self.budget.memory_bytes_max, self.events, self.now
                )));
            }
        }
    }

    /// A message storm that passed the send-rate bound and is still being sampled:
    /// the run's failure, reported when the run ends before the sampling does.
    pub fn pending_storm(&mut self) -> Option<String> {
        self.rates.pending()
    }

    /// What the run used so far: its busiest node-second and, when the process meters
    /// allocations, the most memory its thread held since the simulation started.
    pub fn usage(&self) -> Usage {
        Usage {
            send_rate_peak: self.rates.peak(),
            memory_peak_bytes: self
                .held_at_start
                .zip(alloc_meter::peak())
                .map(|(start, peak)| peak.saturating_sub(start)),
        }
    }

    /// Delivers a message or fires a timer, unless its node crashed since (or the timer
    /// was cancelled).
    fn handle(&mut self, time: Instant, event: Event<N>) {
        match event {
            Event::Deliver {
                from,
                to,
                incarnation,
                sent,
                msg,
                bytes,
                hash,
            } => {
                let slot = &self.slots[to.index()];
                let (kind, live) = if slot.node.is_none() || slot.incarnation != incarnation {
                    (EventKind::Drop(DropReason::Dead), false)
                } else {
                    (EventKind::Deliver, true)
                };
                let label = || msg.label();
                let message = msg.kind();
                let local = slot.clock.shown(time);
                self.trace
                    .record_message(time, local, sent, kind, to, from, hash, message, label);
                if !live {
                    self.net.count_dropped(from);
                    return;
                }
                self.net
                    .count_delivered(to, u64::from(bytes), msg.is_request());
                self.handled = Some(to);
                self.dispatch(to, |node, ctx| node.on_message(ctx, from, msg));
                self.occupy(to, time);
            }
            Event::Resume { .. } => unreachable!("admit resolves a resume"),
            Event::Timer {
                node,
                incarnation,
                id,
                tag,
            } => {
                let cancelled = !self.live_timers.remove(id);
                let slot = &self.slots[node.index()];
                if cancelled || slot.node.is_none() || slot.incarnation != incarnation {
                    return;
                }
                let local = slot.clock.shown(time);
                self.trace
                    .record(time, local, EventKind::Timer, node, None, id.0, || {
                        format!("{tag:?}")
                    });
                self.handled = Some(node);
                self.dispatch(node, |n, ctx| n.on_timer(ctx, tag));
                self.occupy(node, time);
            }
        }
    }

    /// The event to handle now, if any: an event for a node that is busy (or has a
    /// backlog) joins its backlog; a `Resume` hands over the backlog's first event.
    fn admit(&mut self, time: Instant, event: Event<N>) -> Option<Event<N>> {
        let slot = &mut self.slots[event.target().index()];
        if let Event::Resume { incarnation, .. } = event {
            if incarnation != slot.incarnation {
                return None;
            }
            return slot.backlog.pop_front();
        }
        if slot.service_time == Duration(0) || (slot.busy_until <= time && slot.backlog.is_empty())
        {
            return Some(event);
        }
        let target = event.target();
        slot.backlog.push_back(event);
        if slot.backlog.len() == 1 {
            let resume = Event::Resume {
                node: target,
                incarnation: slot.incarnation,
            };
            let at = slot.busy_until.max(time);
            self.queue.push(at, resume);
        }
        None
    }

    /// After an event for `node` (handled or dropped): if more wait, the next runs once
    /// the node is free.
    fn resume_later(&mut self, node: NodeId) {
        let slot = &self.slots[node.index()];
        if slot.backlog.is_empty() {
            return;
        }
        let resume = Event::Resume {
            node,
            incarnation: slot.incarnation,
        };
        let at = slot.busy_until.max(self.now);
        self.queue.push(at, resume);
    }

    /// Marks `node` busy for its service time after a handler that started at `time`.
    fn occupy(&mut self, node: NodeId, time: Instant) {
        let slot = &mut self.slots[node.index()];
        if slot.service_time > Duration(0) {
            slot.busy_until = time + slot.service_time;
        }
    }

    /// Gives node `id` a processor: each of its handlers (a message, a timer) occupies it
    /// for `d` of virtual time, and the events that reach it meanwhile wait their turn,
    /// in order. Zero (every node's default) makes handlers take no time at all. Without
    /// it a server has unbounded capacity, and no load can show what sharding is for.
    pub fn set_service_time(&mut self, id: NodeId, d: Duration) {
        self.slots[id.index()].service_time = d;
        self.fault(id, format!("service time {d}"));
    }

    /// From now on node `id` reads its local time through `clock`, a machine's clock
    /// replaced mid-run: local time reads on from where it stands, without a step (the
    /// clock's offset is not applied), at the clock's rate, with those of its jumps that
    /// come after now. Timers already set keep the instants they were due at. Traced as
    /// a fault (`clock offset=.. ppm=.. jumps=[..]`). To start a node on a clock with
    /// its offset, use [`Sim::add_node_with_clock`].
    pub fn set_clock(&mut self, id: NodeId, clock: Clock) {
        let describe = format!("clock {clock}");
        let slot = &mut self.slots[id.index()];
        slot.clock = slot.clock.replaced(clock, self.now);
        self.fault(id, describe);
    }

    /// Node `id`'s clock, as last given (a replaced clock reads on from the local time
    /// it was set at: see [`Sim::set_clock`]).
    pub fn clock(&self, id: NodeId) -> &Clock {
        self.slots[id.index()].clock.clock()
    }

    /// The earliest true instant at which node `id`'s clock showed (or will show)
    /// `local`, through every clock it was given ([`Sim::set_clock`]): how the monitors
    /// judge in true time an instant a node reported in its own.
    pub fn true_at(&self, id: NodeId, local: Instant) -> Instant {
        self.slots[id.index()].clock.true_at(local)
    }

    /// Node `id`'s local time now: what its `ctx.now()` reads.
    pub fn local_now(&self, id: NodeId) -> Instant {
        self.slots[id.index()].clock.local(self.now)
    }

    /// Processes the next event if it is due by `deadline`; otherwise moves the clock to
    /// `deadline` and returns false.
    pub fn step_until(&mut self, deadline: Instant) -> bool {
        match self.queue.peek_time() {
            Some(t) if t <= deadline => self.step(),
            _ => {
                self.now = self.now.max(deadline);
                false
            }
        }
    }

    /// Runs events until `done` holds (checked before the first event and after each) or
    /// the clock reaches `deadline`. Returns whether `done` held.
    pub fn run_until(&mut self, deadline: Instant, mut done: impl FnMut(&Sim<N>) -> bool) -> bool {
        loop {
            if done(self) {
                return true;
            }
            if !self.step_until(deadline) {
                return done(self);
            }
        }
    }

    /// Runs every event due within the next `d` of virtual time.
    pub fn run_for(&mut self, d: Duration) {
        let deadline = self.now + d;
        while self.step_until(deadline) {}
    }

    fn fault(&mut self, node: NodeId, describe: String) {
        let detail = hash_bytes(describe.as_bytes());
        let local = self
            .slots
            .get(node.index())
            .and_then(|s| s.clock.shown(self.now));
        self.trace.record(
            self.now,
            local,
            EventKind::Fault,
            node,
            None,
            detail,
            || describe,
        );
        if self.trace.keeps_text() {
            let n = self.net.len();
            let links = (0..n * n)
                .map(|k| {
                    self.net
                        .link(NodeId((k / n) as u32), NodeId((k % n) as u32))
                })
                .collect();
            let reliable = self.net.config().reliable;
            self.trace.record_links(n, links, reliable);
        }
    }

    /// The lab's `connect(i)`: links `i` both ways with every connected node of `among`.
    pub fn connect(&mut self, i: NodeId, among: &[NodeId]) {
        self.net.connect(i, among);
        self.fault(i, "connect".into());
    }

    /// The lab's `disconnect(i)`: closes every link between `i` and `among`.
    pub fn disconnect(&mut self, i: NodeId, among: &[NodeId]) {
        self.net.disconnect(i, among);
        self.fault(i, "disconnect".into());
    }

    /// Splits nodes into sides that talk within but not across.
    pub fn partition(&mut self, groups: &[&[NodeId]]) {
        self.net.partition(groups);
        let sides: Vec<String> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(|n| n.to_string())
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        let first = groups.iter().flat_map(|g| g.first()).next().copied();
        self.fault(
            first.unwrap_or(NodeId(0)),
            format!("partition {}", sides.join(" | ")),
        );
    }

    /// Reconnects every pair in `nodes` both ways (undoes partitions and cuts among them).
    pub fn heal(&mut self, nodes: &[NodeId]) {
        self.net.partition(&[nodes]);
        self.fault(nodes.first().copied().unwrap_or(NodeId(0)), "heal".into());
    }

    /// Opens or closes the one-way link `from -> to` (a one-way cut when `up` is false).
    pub fn set_link(&mut self, from: NodeId, to: NodeId, up: bool) {
        self.net.set_link(from, to, up);
        let word = if up { "link" } else { "cut" };
        self.fault(from, format!("{word} {from} -> {to}"));
    }

    /// Opens or closes many one-way links at once, traced as one fault described by
    /// `describe` (a partition of a KV cluster, a clerk's connections).
    pub fn set_links(&mut self, links: &[(NodeId, NodeId)], up: bool, describe: &str) {
        for &(from, to) in links {
            self.net.set_link(from, to, up);
        }
        let first = links.first().map_or(NodeId(0), |l| l.0);
        self.fault(first, describe.to_string());
    }

    /// Switches between reliable and unreliable (labrpc) delivery.
    pub fn set_reliable(&mut self, reliable: bool) {
        self.net.config_mut().reliable = reliable;
        self.fault(NodeId(0), format!("reliable={reliable}"));
    }

    /// Replaces every fault setting of the network at once (a swarm run's network
    /// faults), traced as one fault.
    ///
    /// # Panics
    /// If a probability is outside [0, 1] or the latency range is empty.
    pub fn set_net_config(&mut self, config: NetConfig) {
        for p in [config.drop_probability, config.duplicate_probability] {
            assert!((0.0..=1.0).contains(&p), "probability {p} outside [0, 1]");
        }
        assert!(
            config.latency_min <= config.latency_max,
            "latency range {}..{} is empty",
            config.latency_min,
            config.latency_max
        );
        let describe = format!(
            "net reliable={} loss={} dup={} delay<={} long_reordering={}",
            config.reliable,
            config.drop_probability,
            config.duplicate_probability,
            config.unreliable_delay_max,
            config.long_reordering
        );
        *self.net.config_mut() = config;
        self.fault(NodeId(0), describe);
    }

    /// Turns labrpc's long reordering of replies on or off.
    pub fn set_long_reordering(&mut self, on: bool) {
        self.net.config_mut().long_reordering = on;
        self.fault(NodeId(0), format!("long_reordering={on}"));
    }

    /// Sets the probability that a delivered message is delivered twice.
    pub fn set_duplicate_probability(&mut self, p: f64) {
        assert!(
            (0.0..=1.0).contains(&p),
            "duplicate probability {p} outside [0, 1]"
        );
        self.net.config_mut().duplicate_probability = p;
        self.fault(NodeId(0), format!("duplicate_probability={p}"));
    }

    /// Adds a scenario's line to the rendered trace (not hashed).
    pub fn note(&mut self, line: impl FnOnce() -> String) {
        if self.trace.keeps_text() {
            let line = line();
            self.trace.note(self.now, None, "test", &line);
        }
    }
}
