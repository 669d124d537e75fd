//! What a run produced ([`Outcome`]), its verdict ([`Verdict`], [`Failure`]) and the one
//! place an outcome is assembled ([`Outcome::assemble`]) from the parts each layer
//! returns: the engine's simulation, the tester's [`Parts`] (the verdict with the
//! history's judgement folded in, the lanes, the metrics, where the failure lies).
//!
//! A run is identified by (implementation, scenario, seed) and, for swarm runs, the
//! schedule it followed ([`RunId`]). Its outcome carries the verdict, the trace hash,
//! the virtual time simulated and the number of events, so that the CLI, the tests and
//! the seed corpus can all report and replay it the same way.

use crate::engine::{Instant, Node, NodeId, Sim, Usage, Wreck};
use crate::timeline::{ClientOp, FailurePoint, LaneKind, Timeline};
use raft_contract::Knob;
use std::fmt;
use std::sync::{Arc, OnceLock};

/// Why a scenario failed: one human-readable sentence (with ids, terms and indices).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(pub String);

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Fails the enclosing scenario function with a formatted reason.
#[macro_export]
macro_rules! fail {
    ($($arg:tt)*) => {
        return Err($crate::outcome::Failure(format!($($arg)*)))
    };
}

/// Returns early with a failure unless the condition holds.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($arg:tt)*) => {
        if !$cond {
            $crate::fail!($($arg)*);
        }
    };
}

/// What a scenario body returns.
pub type Verdict = Result<(), Failure>;

/// Whether swarm runs vary the implementation's configuration (see
/// [`raft_contract::knob`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Knobs {
    /// Each run draws the implementation's knobs from its seed.
    #[default]
    Drawn,
    /// Every run keeps the implementation's shipped configuration.
    Shipped,
}

impl Knobs {
    /// The knobs a swarm run draws from, of an implementation's `knobs`: all of them,
    /// or none.
    pub fn draw_from(self, knobs: &'static [Knob]) -> &'static [Knob] {
        match self {
            Knobs::Drawn => knobs,
            Knobs::Shipped => &[],
        }
    }

    /// The name `--knobs` takes.
    pub fn name(self) -> &'static str {
        match self {
            Knobs::Drawn => "drawn",
            Knobs::Shipped => "shipped",
        }
    }
}

/// What identifies a run, and how to replay it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunId {
    /// Scenario name.
    pub scenario: String,
    /// The Raft implementation it runs on (`ours`, `raft-rs`; empty for the demo).
    pub implementation: String,
    /// The run's seed.
    pub seed: u64,
    /// The schedule file the run followed, if it followed one.
    pub schedule: Option<String>,
    /// A swarm run's fault profile, on one line.
    pub profile: Option<String>,
    /// Whether a swarm run drew the implementation's knobs or kept them shipped.
    pub knobs: Knobs,
    /// The flags its replay command repeats: the budget's bounds that differ from the
    /// defaults (see [`crate::engine::Budget::flags`]), then knobs set with `--set`.
    pub replay_flags: Vec<String>,
    /// The knobs set by hand (`--set`, [`crate::scenario::RunConfig::settings`]), which
    /// a failure's `failure.txt` records for `shrink`.
    pub settings: raft_contract::Settings,
}

impl RunId {
    /// The same run, with the fault profile it drew.
    pub fn with_profile(self, profile: String) -> RunId {
        RunId {
            profile: Some(profile),
            ..self
        }
    }

    /// The title of the run's timeline page: `name seed=N [raft=NAME]`.
    fn title(&self) -> String {
        let raft = match self.implementation.as_str() {
            "" => String::new(),
            name => format!(" raft={name}"),
        };
        format!("{} seed={}{raft}", self.scenario, self.seed)
    }
}

/// Where a failed run failed, as the layer that found it knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Blame {
    /// Where the run stopped: a tester's check failed there.
    End,
    /// A monitor's violation, found after engine event `event` on `node`.
    Event {
        /// The engine event after which it was found.
        event: u64,
        /// The node it names first (an engine id).
        node: Option<NodeId>,
        /// The violation on one line.
        headline: String,
    },
    /// The checker's first illegal operation of the history (an index into
    /// [`Lanes::ops`]).
    Operation(usize),
}

/// What the timeline needs to know of a run beyond its trace: which nodes are servers
/// (and of which Raft cluster) and which are clients, and the client operations.
#[derive(Clone, Debug, Default)]
pub struct Lanes {
    /// Every server with its lane name, cluster by cluster.
    pub servers: Vec<(NodeId, String)>,
    /// The Raft clusters by name with their servers, when the run has more than one
    /// (empty: one cluster).
    pub clusters: Vec<(String, Vec<NodeId>)>,
    /// Every client with its lane name.
    pub clients: Vec<(NodeId, String)>,
    /// The client operations of the history, in history order.
    pub ops: Vec<ClientOp>,
}

/// A finished run's parts, each returned by the layer that knows it.
#[derive(Debug)]
pub struct Parts {
    /// The verdict, with the history's judgement folded in.
    pub verdict: Verdict,
    /// Where the failure lies (ignored when the run passed).
    pub blame: Blame,
    /// The recorded client history as raftsim JSON, when kept.
    pub history_json: Option<String>,
    /// The checker's HTML view of an illegal history.
    pub history_html: Option<String>,
    /// Scenario-specific figures (latency per op, messages per op, ...).
    pub metrics: Vec<(String, f64)>,
    /// The lanes of the timeline.
    pub lanes: Lanes,
}

impl Parts {
    /// The parts of a run that has only a verdict (the engine demo, a self-test).
    pub fn of_verdict(verdict: Verdict) -> Parts {
        Parts {
            verdict,
            blame: Blame::End,
            history_json: None,
            history_html: None,
            metrics: Vec::new(),
            lanes: Lanes::default(),
        }
    }
}

/// Everything a run produced.
#[derive(Clone, Debug, Default)]
pub struct Outcome {
    /// Scenario name.
    pub scenario: String,
    /// The Raft implementation it ran on (`ours`, `raft-rs`; empty for the demo).
    pub implementation: String,
    /// The run's seed.
    pub seed: u64,
    /// `None` on pass; the reason on failure.
    pub failure: Option<String>,
    /// Hash over every traced event: equal for every run of the same (scenario, seed).
    pub trace_hash: u64,
    /// Virtual time at the end of the run.
    pub virtual_time: Instant,
    /// Engine events processed.
    pub events: u64,
    /// The rendered trace, when asked for.
    pub trace: Option<String>,
    /// The recorded client history as raftsim JSON (KV scenarios that failed, or ran with
    /// `RunConfig::keep_history`).
    pub history_json: Option<String>,
    /// The checker's HTML view of the history (KV scenarios that failed the check).
    pub history_html: Option<String>,
    /// Scenario-specific figures (latency per op, messages per op, ...).
    pub metrics: Vec<(String, f64)>,
    /// A swarm run's fault profile, on one line.
    pub profile: Option<String>,
    /// Whether a swarm run drew the implementation's knobs or kept them shipped.
    pub knobs: Knobs,
    /// The schedule file the run followed, if it followed one.
    pub schedule: Option<String>,
    /// The flags its replay command repeats (budget bounds off their defaults, `--set`).
    pub replay_flags: Vec<String>,
    /// The knobs set by hand (`--set`), as the run's [`RunId`] names them.
    pub settings: raft_contract::Settings,
    /// What the run used of its budget: its busiest node-second, its memory peak.
    pub usage: Usage,
    /// What the run's timeline page and leader table are drawn from (kept with the
    /// trace): the trace's records, the lanes, client operations and the failure point.
    pub timeline: Option<Arc<Timeline>>,
}

impl Outcome {
    /// The outcome of a finished simulation: the one place an outcome of a run is
    /// built, from the run's identity, the simulation and the tester's parts.
    pub fn assemble<N: Node>(id: RunId, sim: &Sim<N>, parts: Parts) -> Outcome {
        let timeline = Timeline::of_sim(id.title(), sim).map(|mut timeline| {
            draw_lanes(&mut timeline, &parts.lanes);
            if let Err(failure) = &parts.verdict {
                timeline.failure = Some(failure_point(&timeline, sim, failure, &parts.blame));
            }
            Arc::new(timeline)
        });
        Outcome {
            scenario: id.scenario,
            implementation: id.implementation,
            seed: id.seed,
            failure: parts.verdict.err().map(|f| f.0),
            trace_hash: sim.trace().hash(),
            virtual_time: sim.now(),
            events: sim.events(),
            trace: sim.trace().text().map(str::to_string),
            history_json: parts.history_json,
            history_html: parts.history_html,
            metrics: parts.metrics,
            profile: id.profile,
            knobs: id.knobs,
            schedule: id.schedule,
            replay_flags: id.replay_flags,
            settings: id.settings,
            usage: sim.usage(),
            timeline,
        }
    }

    /// A run that never ran a simulation (a refused schedule) or whose simulation was
    /// lost (a panic): its identity and the reason.
    pub fn without_sim(id: RunId, reason: String) -> Outcome {
        Outcome {
            scenario: id.scenario,
            implementation: id.implementation,
            seed: id.seed,
            failure: Some(reason),
            profile: id.profile,
            knobs: id.knobs,
            schedule: id.schedule,
            replay_flags: id.replay_flags,
            settings: id.settings,
            ..Outcome::default()
        }
    }

    /// A run that panicked: its identity, the panic as the reason, and where its
    /// simulation stood when the panic unwound through it (time, events, the trace hash
    /// up to the panic and, when kept, the trace and a timeline marked at its end).
    pub fn panicked(id: RunId, reason: String, wreck: Option<Wreck>) -> Outcome {
        let Some(wreck) = wreck else {
            return Outcome::without_sim(id, reason);
        };
        let timeline = Timeline::of_wreck(id.title(), &wreck).map(|mut timeline| {
            timeline.failure = Some(FailurePoint {
                time: wreck.now,
                event: wreck.events,
                headline: headline(&reason),
                node: None,
                op: None,
            });
            Arc::new(timeline)
        });
        Outcome {
            trace_hash: wreck.trace.hash(),
            virtual_time: wreck.now,
            events: wreck.events,
            trace: wreck.trace.text().map(str::to_string),
            timeline,
            ..Outcome::without_sim(id, reason)
        }
    }

    /// True when the run passed.
    pub fn passed(&self) -> bool {
        self.failure.is_none()
    }

    /// The command that replays this run.
    pub fn replay_command(&self) -> String {
        replay_command(
            &self.implementation,
            &self.scenario,
            self.seed,
            self.schedule.as_deref(),
            self.knobs,
            &self.replay_flags,
        )
    }
}

/// Names the servers' and clients' lanes, the clusters, and adds the client operations.
fn draw_lanes(timeline: &mut Timeline, lanes: &Lanes) {
    for (node, name) in &lanes.servers {
        timeline.set_lane(*node, LaneKind::Server, name.clone());
    }
    if !lanes.clusters.is_empty() {
        timeline.set_clusters(&lanes.clusters);
    }
    for (node, name) in &lanes.clients {
        timeline.set_lane(*node, LaneKind::Client, name.clone());
    }
    timeline.ops = lanes.ops.clone();
}

/// The page's marker for a failed run: at the checker's first illegal operation, at a
/// monitor's event, or where the run stopped.
fn failure_point<N: Node>(
    timeline: &Timeline,
    sim: &Sim<N>,
    failure: &Failure,
    blame: &Blame,
) -> FailurePoint {
    match blame {
        Blame::End => FailurePoint {
            time: sim.now(),
            event: sim.events(),
            headline: headline(&failure.0),
            node: None,
            op: None,
        },
        Blame::Event {
            event,
            node,
            headline: what,
        } => FailurePoint {
            // The run stops at a violation: found after its last event, it is at its end.
            time: match *event >= timeline.events {
                true => timeline.end,
                false => timeline.time_of_event(*event),
            },
            event: *event,
            headline: headline(what),
            node: *node,
            op: None,
        },
        Blame::Operation(k) => {
            let op = &timeline.ops[*k];
            FailurePoint {
                time: op.call,
                event: timeline.event_at(op.call),
                headline: headline(&format!(
                    "history is not linearizable: first illegal operation {}",
                    op.text
                )),
                node: Some(op.node),
                op: Some(*k),
            }
        }
    }
}

/// The first line of a failure's reason, clipped to 200 characters: the headline of its
/// timeline marker.
pub fn headline(reason: &str) -> String {
    let first = reason.lines().next().unwrap_or_default();
    match first.char_indices().nth(200) {
        Some((at, _)) => format!("{}…", &first[..at]),
        None => first.to_string(),
    }
}

/// The built-in default implementation: what `raftsim` runs when `--raft` is not given.
/// A program that registers its own implementations defaults to the first of them
/// instead ([`default_raft`]).
pub const DEFAULT_RAFT: &str = "ours";

/// The program's default implementation, set once by [`crate::registry::register`].
static PROGRAM_DEFAULT: OnceLock<&'static str> = OnceLock::new();

/// Makes `name` the program's default implementation; the first call wins, as for
/// [`crate::registry::register`], which makes it.
pub(crate) fn set_default_raft(name: &'static str) {
    let _ = PROGRAM_DEFAULT.set(name);
}

/// The implementation this program runs when `--raft` is not given: the first that the
/// program registered of its own ([`crate::registry::register`]), else
/// [`DEFAULT_RAFT`]. Replay commands, verdict lines and artifact folders leave out
/// exactly this name, so what they print runs the same way in the same program.
pub fn default_raft() -> &'static str {
    PROGRAM_DEFAULT.get().copied().unwrap_or(DEFAULT_RAFT)
}

/// True for the name of the program's default implementation, and for `""` (no
/// implementation: the engine demo): the names that printed commands and lines leave
/// out.
pub fn is_default_raft(name: &str) -> bool {
    name.is_empty() || name == default_raft()
}

/// ` raft=NAME` for a verdict or progress line, empty for the default implementation
/// (see [`is_default_raft`]).
pub fn raft_field(name: &str) -> String {
    match name {
        name if is_default_raft(name) => String::new(),
        name => format!(" raft={name}"),
    }
}

/// ` --raft NAME` for a printed command, empty for the default implementation.
pub fn raft_flag(name: &str) -> String {
    match name {
        name if is_default_raft(name) => String::new(),
        name => format!(" --raft {name}"),
    }
}

/// The command that replays (implementation, scenario, seed), or a schedule file, from
/// the repository root; `--raft` is left out for the default implementation (or none,
/// for the demo). The one place that spells it.
pub fn replay_command(
    implementation: &str,
    scenario: &str,
    seed: u64,
    schedule: Option<&str>,
    knobs: Knobs,
    replay_flags: &[String],
) -> String {
    let mut raft = raft_flag(implementation);
    // A schedule file carries its own knobs; a seed draws them unless told not to.
    if knobs == Knobs::Shipped && schedule.is_none_or(str::is_empty) {
        raft.push_str(" --knobs shipped");
    }
    // A run stopped by a lowered (or raised) bound stops the same way again only with it;
    // a run with a knob set by hand is that run only with it.
    for flag in replay_flags {
        raft.push(' ');
        raft.push_str(flag);
    }
    match schedule {
        Some(path) if !path.is_empty() => {
            format!("cargo run --release -- run --schedule {path}{raft}")
        }
        _ => format!("cargo run --release -- run {scenario} --seed {seed}{raft}"),
    }
}
