//! A swarm run as data: its seed, its profile and the faults it injects, at virtual
//! times. Generated from the seed, or read from a schedule file that `raftsim shrink`
//! wrote; either way the run it describes is exactly reproducible.

use super::change_schedule::{draw_changes, validate_changes, ScheduledChange};
use super::profile::{
    draw_clocks, draw_deaf_leader, draw_knobs, draw_live_during_faults, plan_seed, FaultMix,
    Profile, Workload, SHARDKV_SERVERS, SPARE_SLOTS,
};
use super::schedule_error::within;
pub use super::schedule_error::{ScheduleError, SCHEDULE_FORMAT, SCHEDULE_VERSION};
use super::server_clock::ServerClock;
use crate::engine::{Budget, Clock, SimRng};
use crate::implementation::LabOptions;
use raft_contract::{Knob, Refusal};
use serde::{Deserialize, Serialize};

/// What a schedule file may ask for: each bound keeps a run within what the simulator
/// and the lab's limits can honour. A fault phase of at most [`limits::SPAN_MS_MAX`]
/// leaves the liveness phase (10 s) room within the lab's 120 s; durations of at most a
/// minute keep every instant far from virtual time's end; counts bound memory and wall
/// time. The README's "Schedule files" lists the same bounds.
pub mod limits {
    /// Largest file `raftsim` reads as a schedule, in bytes (a generated one is a few KB).
    pub const FILE_BYTES_MAX: u64 = 1 << 20;
    /// Most servers (`profile.servers`; a shardkv run has exactly 12).
    pub const SERVERS_MAX: usize = 15;
    /// Longest fault phase (`profile.span_ms`), in milliseconds.
    pub const SPAN_MS_MAX: u64 = 30_000;
    /// Longest downtime, trap window or flap period, in milliseconds.
    pub const DURATION_MS_MAX: u64 = 60_000;
    /// Largest extra network delay (`delay_ms_max`), in milliseconds.
    pub const DELAY_MS_MAX: u64 = 10_000;
    /// Most down-up cycles of one flap.
    pub const FLAP_TIMES_MAX: u64 = 1_000;
    /// Most faults in a schedule (and largest `profile.faults`).
    pub const FAULTS_MAX: u64 = 1_000;
    /// Most clerks of the kv and shardkv workloads (`profile.clients`): the most the
    /// drawn profiles use. Measured: 5 clerks on one key through a 30 s fault phase
    /// give a history the checker judges in about 2 s; 8 clerks on one key for 12 s
    /// give one it gives up on (a false failure).
    pub const CLERKS_MAX: u64 = 5;
    /// Longest pause between the raft workload's commands (`profile.clients`), in
    /// milliseconds.
    pub const COMMAND_EVERY_MS_MAX: u64 = 60_000;
    /// Most keys of the kv workload (`profile.keys`).
    pub const KEYS_MAX: u64 = 20;
    /// Largest `profile.snapshot_every`, in entries.
    pub const SNAPSHOT_EVERY_MAX: u64 = 100_000;
    /// Largest `profile.maxraftstate`, in bytes.
    pub const MAXRAFTSTATE_MAX: u64 = 1 << 30;
    /// Largest weight of one fault kind in `profile.mix`.
    pub const WEIGHT_MAX: u64 = 1_000;
    /// Largest `budget.events_max`: a billion events is about half an hour of one core.
    pub const BUDGET_EVENTS_MAX: u64 = 1_000_000_000;
    /// Largest `budget.memory_max`, in bytes (64 GiB).
    pub const BUDGET_MEMORY_MAX: u64 = 64 << 30;
    /// Largest `budget.sends_per_second_max`.
    pub const BUDGET_SENDS_PER_SECOND_MAX: u64 = 1_000_000_000;
}

/// The bounds of a run's budget that a schedule file sets (see
/// [`crate::engine::budget`]); each one left out keeps its default, and the command
/// line's flags (`--events-max` ...) override them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BudgetBounds {
    /// Most events of the run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub events_max: Option<u64>,
    /// Most bytes the run may hold at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_max: Option<u64>,
    /// Most messages one node may send within one second of virtual time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sends_per_second_max: Option<u64>,
}

impl BudgetBounds {
    /// `base` with the bounds this sets.
    pub fn apply(&self, base: Budget) -> Budget {
        Budget {
            events_max: self.events_max.unwrap_or(base.events_max),
            memory_bytes_max: self.memory_max.unwrap_or(base.memory_bytes_max),
            sends_per_second_max: self
                .sends_per_second_max
                .unwrap_or(base.sends_per_second_max),
            cancel: base.cancel,
        }
    }

    fn validate(&self) -> Result<(), ScheduleError> {
        for (field, value, max) in [
            (
                "budget.events_max",
                self.events_max,
                limits::BUDGET_EVENTS_MAX,
            ),
            (
                "budget.memory_max",
                self.memory_max,
                limits::BUDGET_MEMORY_MAX,
            ),
            (
                "budget.sends_per_second_max",
                self.sends_per_second_max,
                limits::BUDGET_SENDS_PER_SECOND_MAX,
            ),
        ] {
            if let Some(value) = value {
                within(field, value, 1, max, "")?;
            }
        }
        Ok(())
    }
}

/// A probability: within [0, 1].
fn probability(field: &str, value: f64) -> Result<(), ScheduleError> {
    if (0.0..=1.0).contains(&value) {
        return Ok(());
    }
    Err(ScheduleError::OutOfRange {
        field: field.to_string(),
        value: value.to_string(),
        allowed: "0 to 1 (a probability)".into(),
    })
}

/// The first key of `given` (at `path`) that `kept` does not have: a field the plan's
/// types dropped while reading.
fn unknown_field(
    given: &serde_json::Value,
    kept: &serde_json::Value,
    path: String,
) -> Option<String> {
    use serde_json::Value;
    let join = |key: &str| match path.as_str() {
        "" => key.to_string(),
        _ => format!("{path}.{key}"),
    };
    match (given, kept) {
        (Value::Object(g), Value::Object(k)) => {
            g.iter().find_map(|(key, value)| match k.get(key) {
                None => Some(join(key)),
                Some(inner) => unknown_field(value, inner, join(key)),
            })
        }
        (Value::Array(g), Value::Array(k)) => g
            .iter()
            .zip(k)
            .enumerate()
            .find_map(|(i, (a, b))| unknown_field(a, b, format!("{path}[{i}]"))),
        _ => None,
    }
}

/// Which server a fault hits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Target {
    /// Server `i`.
    Node(usize),
    /// Whichever server believes it leads at that moment (none: the fault does nothing).
    Leader,
}

/// What a trap waits for before it crashes its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TrapOn {
    /// A save after which the node's term or vote changed (a vote granted, an election
    /// started, a higher term learned).
    VoteOrTerm,
    /// A message that acknowledges something (a vote, entries).
    Ack,
    /// A handler after which the node's term, vote or log changed, saved or not: a
    /// state the node should have saved but did not is lost at once.
    StateChange,
}

/// One fault.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Servers talk within their side only.
    Partition {
        /// The sides (every server is in one).
        sides: Vec<Vec<usize>>,
    },
    /// The current leader can neither send nor receive.
    IsolateLeader,
    /// The link `from -> to` goes down (the other direction stays up).
    OneWay {
        /// Sender side of the cut.
        from: usize,
        /// Receiver side of the cut.
        to: usize,
    },
    /// `left` and `right` reach each other only through `bridge`.
    Bridge {
        /// The server both sides see.
        bridge: usize,
        /// One side.
        left: Vec<usize>,
        /// The other side.
        right: Vec<usize>,
    },
    /// The link between `a` and `b` goes down and up `times` times, every `period_ms`.
    Flap {
        /// One end.
        a: usize,
        /// The other end.
        b: usize,
        /// Milliseconds between changes.
        period_ms: u64,
        /// How many down-up cycles.
        times: u32,
    },
    /// Every link between servers comes back.
    Heal,
    /// The current leader goes deaf: every link into it goes down, while it still sends
    /// to the other servers but the `unheard` lowest numbered, so that those that hear
    /// it never time out (the `QuorumLoss` scenario of "Faults beyond the lab"). Without
    /// CheckQuorum the leader never learns it lost its quorum and nothing commits; with
    /// PreVote the servers that hear it also refuse the pre-votes of those that do not.
    /// No leader: the fault does nothing.
    DeafLeader {
        /// How many of the other servers the leader's messages no longer reach.
        unheard: usize,
    },
    /// Servers crash, and restart `down_ms` later.
    Crash {
        /// The servers.
        nodes: Vec<Target>,
        /// Downtime in milliseconds.
        down_ms: u64,
    },
    /// The next time `node` matches `on` within `within_ms`, it crashes at once and
    /// restarts `down_ms` later.
    Trap {
        /// The server.
        node: Target,
        /// What it waits for.
        on: TrapOn,
        /// How long the trap stays armed, in milliseconds.
        within_ms: u64,
        /// Downtime in milliseconds.
        down_ms: u64,
    },
    /// The network changes.
    Network {
        /// Loss probability.
        loss: f64,
        /// Duplication probability.
        duplicate: f64,
        /// Largest extra delay of a request, in milliseconds.
        delay_ms_max: u64,
        /// labrpc's long reordering of replies.
        long_reordering: bool,
    },
}

/// A fault at a virtual time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scheduled {
    /// Milliseconds after the start of the run.
    pub at_ms: u64,
    /// The fault.
    pub fault: Fault,
}

/// A whole swarm run: what a schedule file holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// Always [`SCHEDULE_FORMAT`].
    pub format: String,
    /// Always [`SCHEDULE_VERSION`].
    pub version: u32,
    /// The Raft implementation (`--raft`).
    pub raft: String,
    /// The simulation's seed (the network's and the nodes' random choices).
    pub seed: u64,
    /// The profile.
    pub profile: Profile,
    /// The faults, in time order.
    pub faults: Vec<Scheduled>,
    /// The run's budget bounds that differ from the defaults (none in a generated plan).
    #[serde(default)]
    pub budget: BudgetBounds,
    /// The servers whose clocks are not true time (see [`crate::engine::clock`]): drawn
    /// in a third of the generated plans ([`draw_clocks`]), none in the others.
    #[serde(default)]
    pub clocks: Vec<ServerClock>,
    /// The membership workload's configuration changes, in time order (see
    /// [`super::change_schedule`]); none in the other workloads, whose schedule files
    /// leave the field out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<ScheduledChange>,
}

impl Plan {
    /// [`Plan::generate`], then fitted to what the implementation supports: no snapshots
    /// for one without ([`Profile::drop_snapshots`]). The swarm and `shrink` draw their
    /// plans here.
    pub fn generate_for(
        workload: Workload,
        raft: &str,
        options: LabOptions,
        knobs: &[Knob],
        seed: u64,
    ) -> Plan {
        let mut plan = Plan::generate(workload, raft, knobs, seed);
        if !options.snapshots {
            plan.profile.drop_snapshots();
        }
        plan
    }

    /// The run of `seed` with `workload` on implementation `raft`, whose settings are
    /// `knobs` (`&[]` for its shipped configuration): profile, knobs and schedule drawn
    /// from the seed, for an implementation with every option of the lab's contract.
    pub fn generate(workload: Workload, raft: &str, knobs: &[Knob], seed: u64) -> Plan {
        let mut rng = SimRng::new(plan_seed(seed));
        let mut profile = Profile::draw(workload, &mut rng);
        profile.knobs = draw_knobs(knobs, seed);
        profile.mix.deaf_leader = draw_deaf_leader(seed);
        profile.live_during_faults = draw_live_during_faults(&profile, seed);
        let clocks = draw_clocks(&profile, seed);
        let faults = draw_faults(&profile, &mut rng);
        let changes = draw_changes(&profile, seed);
        Plan {
            format: SCHEDULE_FORMAT.to_string(),
            version: SCHEDULE_VERSION,
            raft: raft.to_string(),
            seed,
            profile,
            faults,
            budget: BudgetBounds::default(),
            clocks,
            changes,
        }
    }

    /// One line for reports: the profile's ([`Profile::summary`]), then the servers'
    /// clocks when the plan gives any (`clocks[1:-1500ppm+250ms,jump@900ms+300ms
    /// 2:+40ppm]`, see [`ServerClock`]'s display).
    pub fn summary(&self) -> String {
        let profile = self.profile.summary();
        if self.clocks.is_empty() {
            return profile;
        }
        let clocks: Vec<String> = self.clocks.iter().map(ToString::to_string).collect();
        format!("{profile} clocks[{}]", clocks.join(" "))
    }

    /// The servers' clocks by server number, as [`crate::scenario::RunConfig::clocks`]
    /// takes them: the identity for a server the plan gives no clock, and nothing past
    /// the last server it gives one.
    ///
    /// # Panics
    /// If the plan did not pass [`Plan::validate`].
    pub fn server_clocks(&self) -> Vec<Clock> {
        let len = self.clocks.iter().map(|c| c.server + 1).max().unwrap_or(0);
        let mut clocks = vec![Clock::IDENTITY; len];
        for entry in &self.clocks {
            clocks[entry.server] = entry.clock();
        }
        clocks
    }

    /// Reads a schedule file's text and checks it: the JSON's syntax, no field this
    /// build does not know (a typo would otherwise be ignored), then [`Plan::validate`].
    ///
    /// # Errors
    /// [`ScheduleError::Syntax`] with the line and column of a syntax error, a missing or
    /// repeated field; [`ScheduleError::UnknownField`]; or what [`Plan::validate`] found.
    pub fn from_json(text: &str) -> Result<Plan, ScheduleError> {
        let syntax = |e: serde_json::Error| ScheduleError::Syntax {
            line: e.line(),
            column: e.column(),
            message: e.to_string(),
        };
        let plan: Plan = serde_json::from_str(text).map_err(syntax)?;
        plan.validate()?;
        // The plan parsed, so the text is JSON; a field the plan did not keep is unknown.
        let given: serde_json::Value = serde_json::from_str(text).map_err(syntax)?;
        let kept = serde_json::to_value(&plan).expect("a plan serialises to JSON");
        if let Some(path) = unknown_field(&given, &kept, String::new()) {
            return Err(ScheduleError::UnknownField { path });
        }
        Ok(plan)
    }

    /// The schedule file's text: pretty JSON, one fault per line group.
    pub fn to_json(&self) -> String {
        // Serialising strings, numbers and enums cannot fail.
        let mut text = serde_json::to_string_pretty(self).expect("a plan serialises to JSON");
        text.push('\n');
        text
    }

    /// Checks what a schedule file could get wrong: the format, the version, every
    /// number against what a run can honour (see [`limits`]), server numbers within the
    /// cluster, and times in order within the fault phase. A plan that passes runs in
    /// bounded memory, never overflows virtual time, and leaves its liveness phase room
    /// within the lab's 120 s.
    ///
    /// # Errors
    /// The first problem found, naming the field and the allowed range.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        if self.format != SCHEDULE_FORMAT {
            return Err(ScheduleError::Format {
                found: self.format.clone(),
            });
        }
        if self.version != SCHEDULE_VERSION {
            return Err(ScheduleError::Version {
                found: self.version,
            });
        }
        self.validate_profile()?;
        self.budget.validate()?;
        self.validate_clocks()?;
        let span = self.profile.span_ms;
        within(
            "faults",
            self.faults.len() as u64,
            0,
            limits::FAULTS_MAX,
            "",
        )?;
        let mut last = 0;
        for (k, s) in self.faults.iter().enumerate() {
            let field = |name: &str| format!("faults[{k}].{name}");
            within(
                &field("at_ms"),
                s.at_ms,
                0,
                span,
                " (within profile.span_ms, the fault phase)",
            )?;
            if s.at_ms < last {
                return Err(ScheduleError::Invalid {
                    field: field("at_ms"),
                    why: format!("is {} ms, before the fault above at {last} ms", s.at_ms),
                });
            }
            last = s.at_ms;
            s.fault.validate(&field("fault"), self.profile.servers)?;
        }
        validate_changes(&self.changes, self.profile.workload, span)
    }

    /// Checks the profile's knobs against those of the implementation that runs the
    /// plan: every name is one of its knobs, every value within the knob's bounds.
    ///
    /// # Errors
    /// [`ScheduleError::Invalid`] for a knob the implementation does not have,
    /// [`ScheduleError::OutOfRange`] for a value outside its bounds.
    pub fn validate_knobs(&self, knobs: &[Knob]) -> Result<(), ScheduleError> {
        match self.profile.knobs.refusal(knobs) {
            None => Ok(()),
            Some(Refusal::OutOfRange {
                name,
                value,
                lo,
                hi,
            }) => Err(ScheduleError::OutOfRange {
                field: format!("profile.knobs.{name}"),
                value: value.to_string(),
                allowed: format!("{lo} to {hi}"),
            }),
            Some(unknown) => Err(ScheduleError::Invalid {
                field: "profile.knobs".into(),
                why: format!("names {unknown} of {}", self.raft),
            }),
        }
    }

    /// [`Plan::validate`] for the clocks: each entry in range, each server once.
    fn validate_clocks(&self) -> Result<(), ScheduleError> {
        let servers = self.profile.servers;
        let mut seen = vec![false; servers];
        for (k, entry) in self.clocks.iter().enumerate() {
            let field = format!("clocks[{k}]");
            entry.validate(&field, servers)?;
            if std::mem::replace(&mut seen[entry.server], true) {
                return Err(ScheduleError::Invalid {
                    field: format!("{field}.server"),
                    why: format!("is {}, whose clock an entry above gives", entry.server),
                });
            }
        }
        Ok(())
    }

    /// [`Plan::validate`] for `profile.members`: in the membership workload 3 to 5
    /// initial voters and [`SPARE_SLOTS`] more servers; in the others, none.
    fn validate_members(&self) -> Result<(), ScheduleError> {
        let p = &self.profile;
        match (p.workload, p.members) {
            (Workload::Membership, Some(m)) => {
                within(
                    "profile.members",
                    m as u64,
                    3,
                    5,
                    " (the voters changes keep)",
                )?;
                if p.servers != m + SPARE_SLOTS {
                    return Err(ScheduleError::Invalid {
                        field: "profile.servers".into(),
                        why: format!(
                            "is {}; a membership run has profile.members + {SPARE_SLOTS} spare slots",
                            p.servers
                        ),
                    });
                }
                Ok(())
            }
            (Workload::Membership, None) => Err(ScheduleError::Invalid {
                field: "profile.members".into(),
                why: "is missing; a membership run names its initial voters".into(),
            }),
            (_, Some(_)) => Err(ScheduleError::Invalid {
                field: "profile.members".into(),
                why: "is set; only a membership run has members apart from its servers".into(),
            }),
            (_, None) => Ok(()),
        }
    }

    /// [`Plan::validate`] for the profile.
    fn validate_profile(&self) -> Result<(), ScheduleError> {
        let p = &self.profile;
        let n = p.servers;
        within(
            "profile.servers",
            n as u64,
            1,
            limits::SERVERS_MAX as u64,
            "",
        )?;
        if p.workload == Workload::Shardkv && n != SHARDKV_SERVERS {
            return Err(ScheduleError::Invalid {
                field: "profile.servers".into(),
                why: format!(
                    "is {n}; a shardkv run has {SHARDKV_SERVERS} (a controller and 3 groups of 3)"
                ),
            });
        }
        self.validate_members()?;
        probability("profile.loss", p.loss)?;
        probability("profile.duplicate", p.duplicate)?;
        within(
            "profile.delay_ms_max",
            p.delay_ms_max,
            0,
            limits::DELAY_MS_MAX,
            "",
        )?;
        if let Some(every) = p.snapshot_every {
            within(
                "profile.snapshot_every",
                every,
                1,
                limits::SNAPSHOT_EVERY_MAX,
                "",
            )?;
        }
        if let Some(bytes) = p.maxraftstate {
            let max = limits::MAXRAFTSTATE_MAX;
            within("profile.maxraftstate", bytes as u64, 1, max, "")?;
        }
        match p.workload {
            Workload::Raft => within(
                "profile.clients",
                p.clients,
                1,
                limits::COMMAND_EVERY_MS_MAX,
                " (the raft workload's milliseconds between commands)",
            )?,
            Workload::Kv | Workload::Shardkv | Workload::Membership => within(
                "profile.clients",
                p.clients,
                1,
                limits::CLERKS_MAX,
                " (the clerks)",
            )?,
        }
        within("profile.keys", p.keys, 0, limits::KEYS_MAX, "")?;
        within("profile.span_ms", p.span_ms, 0, limits::SPAN_MS_MAX, "")?;
        within("profile.faults", p.faults as u64, 0, limits::FAULTS_MAX, "")?;
        let m = &p.mix;
        for (name, w) in [
            ("partition", m.partition),
            ("isolate_leader", m.isolate_leader),
            ("one_way", m.one_way),
            ("bridge", m.bridge),
            ("flap", m.flap),
            ("crash", m.crash),
            ("crash_majority", m.crash_majority),
            ("trap", m.trap),
            ("network", m.network),
            ("deaf_leader", m.deaf_leader),
        ] {
            let field = format!("profile.mix.{name}");
            within(&field, u64::from(w), 0, limits::WEIGHT_MAX, "")?;
        }
        Ok(())
    }

    /// A measure of the run's size, for shrinking: 10 per fault, per configuration
    /// change and per server, plus downtimes (1 per 10 ms), trap windows and the fault
    /// phase (1 per 100 ms), flaps (1 per cycle), and 1 per network fault in use, per
    /// knob off its default, per server clock and per jump of one.
    pub fn size(&self) -> u64 {
        let weight: u64 = self.faults.iter().map(|s| s.fault.weight()).sum();
        let p = &self.profile;
        // A faulty network and each knob away from its default count as one each, so
        // that a plainer network or a shipped knob is a smaller plan.
        let network = [
            p.loss > 0.0,
            p.duplicate > 0.0,
            p.delay_ms_max > 0,
            p.long_reordering,
        ];
        let plain = network.iter().filter(|&&faulty| faulty).count() as u64;
        let knobs = p.knobs.iter().count() as u64;
        let clocks: u64 = self.clocks.iter().map(|c| 1 + c.jumps.len() as u64).sum();
        let changes = 10 * self.changes.len() as u64;
        weight + p.servers as u64 * 10 + p.span_ms / 100 + plain + knobs + clocks + changes
    }
}

impl Fault {
    /// The server numbers it names.
    pub fn nodes(&self) -> Vec<usize> {
        let target = |t: &Target| match t {
            Target::Node(i) => Some(*i),
            Target::Leader => None,
        };
        match self {
            Fault::Partition { sides } => sides.iter().flatten().copied().collect(),
            Fault::OneWay { from, to } => vec![*from, *to],
            Fault::Bridge {
                bridge,
                left,
                right,
            } => std::iter::once(*bridge)
                .chain(left.iter().copied())
                .chain(right.iter().copied())
                .collect(),
            Fault::Flap { a, b, .. } => vec![*a, *b],
            Fault::Crash { nodes, .. } => nodes.iter().filter_map(target).collect(),
            Fault::Trap { node, .. } => target(node).into_iter().collect(),
            Fault::IsolateLeader
            | Fault::Heal
            | Fault::Network { .. }
            | Fault::DeafLeader { .. } => Vec::new(),
        }
    }

    /// Checks one fault of a cluster of `servers`; `field` names it in errors.
    fn validate(&self, field: &str, servers: usize) -> Result<(), ScheduleError> {
        let name = |sub: &str| format!("{field}.{}.{sub}", self.kind());
        if let Some(bad) = self.nodes().into_iter().find(|&i| i >= servers) {
            return Err(ScheduleError::OutOfRange {
                field: format!("{field}.{}", self.kind()),
                value: format!("server {bad}"),
                allowed: format!(
                    "servers 0 to {} (profile.servers is {servers})",
                    servers.max(1) - 1
                ),
            });
        }
        let mut named = self.nodes();
        named.sort_unstable();
        named.dedup();
        let distinct = !matches!(self, Fault::Crash { .. });
        if distinct && named.len() != self.nodes().len() {
            return Err(ScheduleError::Invalid {
                field: format!("{field}.{}", self.kind()),
                why: "names a server twice (on two sides, or at both ends)".into(),
            });
        }
        let ms = limits::DURATION_MS_MAX;
        match self {
            Fault::Partition { sides } => within(
                &name("sides"),
                sides.len() as u64,
                0,
                limits::SERVERS_MAX as u64,
                "",
            ),
            Fault::Flap {
                period_ms, times, ..
            } => {
                within(&name("period_ms"), *period_ms, 1, ms, "")?;
                within(
                    &name("times"),
                    u64::from(*times),
                    1,
                    limits::FLAP_TIMES_MAX,
                    "",
                )
            }
            Fault::Crash { nodes, down_ms } => {
                within(
                    &name("nodes"),
                    nodes.len() as u64,
                    0,
                    limits::SERVERS_MAX as u64,
                    " entries",
                )?;
                within(&name("down_ms"), *down_ms, 0, ms, "")
            }
            Fault::Trap {
                within_ms, down_ms, ..
            } => {
                within(&name("within_ms"), *within_ms, 0, ms, "")?;
                within(&name("down_ms"), *down_ms, 0, ms, "")
            }
            Fault::Network {
                loss,
                duplicate,
                delay_ms_max,
                ..
            } => {
                probability(&name("loss"), *loss)?;
                probability(&name("duplicate"), *duplicate)?;
                within(
                    &name("delay_ms_max"),
                    *delay_ms_max,
                    0,
                    limits::DELAY_MS_MAX,
                    "",
                )
            }
            Fault::DeafLeader { unheard } => within(
                &name("unheard"),
                *unheard as u64,
                0,
                servers.saturating_sub(1) as u64,
                " (the servers other than the leader)",
            ),
            Fault::IsolateLeader | Fault::OneWay { .. } | Fault::Bridge { .. } | Fault::Heal => {
                Ok(())
            }
        }
    }

    /// Its name in a schedule file.
    fn kind(&self) -> &'static str {
        match self {
            Fault::Partition { .. } => "partition",
            Fault::IsolateLeader => "isolate_leader",
            Fault::OneWay { .. } => "one_way",
            Fault::Bridge { .. } => "bridge",
            Fault::Flap { .. } => "flap",
            Fault::Heal => "heal",
            Fault::Crash { .. } => "crash",
            Fault::Trap { .. } => "trap",
            Fault::Network { .. } => "network",
            Fault::DeafLeader { .. } => "deaf_leader",
        }
    }

    /// Its share of [`Plan::size`].
    fn weight(&self) -> u64 {
        match self {
            Fault::Crash { nodes, down_ms } => 10 * nodes.len() as u64 + down_ms / 10,
            Fault::Trap {
                down_ms, within_ms, ..
            } => 10 + down_ms / 10 + within_ms / 100,
            Fault::Flap { times, .. } => 10 + u64::from(*times),
            Fault::DeafLeader { unheard } => 10 + *unheard as u64,
            _ => 10,
        }
    }
}

/// The servers in a random order.
fn shuffled(n: usize, rng: &mut SimRng) -> Vec<usize> {
    let mut v: Vec<usize> = (0..n).collect();
    for k in (1..n).rev() {
        let j = rng.below(k as u64 + 1) as usize;
        v.swap(k, j);
    }
    v
}

/// A downtime: short (under an election timeout) or long (several).
fn downtime(rng: &mut SimRng) -> u64 {
    if rng.below(2) == 0 {
        20 + rng.below(300)
    } else {
        1_000 + rng.below(4_000)
    }
}

/// The profile's faults at their times, in time order.
fn draw_faults(profile: &Profile, rng: &mut SimRng) -> Vec<Scheduled> {
    let mut faults: Vec<Scheduled> = (0..profile.faults)
        .map(|_| Scheduled {
            at_ms: 200 + rng.below(profile.span_ms.saturating_sub(200).max(1)),
            fault: draw_fault(profile, rng),
        })
        .collect();
    faults.sort_by_key(|f| f.at_ms);
    faults
}

/// One fault drawn from the profile's mix.
fn draw_fault(p: &Profile, rng: &mut SimRng) -> Fault {
    let m: &FaultMix = &p.mix;
    let n = p.servers;
    let weights = [
        m.partition,
        m.isolate_leader,
        m.one_way,
        m.bridge,
        m.flap,
        m.crash,
        m.crash_majority,
        m.trap,
        m.network,
        // Last, and 0 in a profile drawn without it: the other kinds keep their draws.
        m.deaf_leader,
    ];
    let total: u64 = weights.iter().map(|w| u64::from(*w)).sum();
    let mut x = rng.below(total.max(1));
    let mut kind = 0;
    for (k, w) in weights.iter().enumerate() {
        if x < u64::from(*w) {
            kind = k;
            break;
        }
        x -= u64::from(*w);
    }
    let order = shuffled(n, rng);
    match kind {
        0 => {
            // Two sides (a majority and the rest), sometimes three.
            let cut = if rng.below(3) == 0 && n >= 5 { 3 } else { 2 };
            let first = 1 + rng.below((n - 1) as u64) as usize;
            let mut sides = vec![order[..first].to_vec(), order[first..].to_vec()];
            if cut == 3 && sides[1].len() >= 2 {
                let half = sides[1].len() / 2;
                let tail = sides[1].split_off(half);
                sides.push(tail);
            }
            Fault::Partition { sides }
        }
        1 => Fault::IsolateLeader,
        2 => Fault::OneWay {
            from: order[0],
            to: order[1],
        },
        3 => {
            let rest = &order[1..];
            let half = rest.len() / 2;
            Fault::Bridge {
                bridge: order[0],
                left: rest[..half].to_vec(),
                right: rest[half..].to_vec(),
            }
        }
        4 => Fault::Flap {
            a: order[0],
            b: order[1],
            period_ms: 20 + rng.below(400),
            times: 1 + rng.below(10) as u32,
        },
        5 => Fault::Crash {
            nodes: vec![if rng.below(3) == 0 {
                Target::Leader
            } else {
                Target::Node(order[0])
            }],
            down_ms: downtime(rng),
        },
        6 => Fault::Crash {
            nodes: order[..n / 2 + 1]
                .iter()
                .map(|&i| Target::Node(i))
                .collect(),
            down_ms: downtime(rng),
        },
        7 => Fault::Trap {
            node: Target::Node(order[0]),
            on: [TrapOn::VoteOrTerm, TrapOn::Ack, TrapOn::StateChange][rng.below(3) as usize],
            within_ms: 500 + rng.below(3_000),
            down_ms: 1 + rng.below(200),
        },
        8 => Fault::Network {
            loss: [0.0, 0.05, 0.1, 0.3][rng.below(4) as usize],
            duplicate: [0.0, 0.05, 0.2][rng.below(3) as usize],
            delay_ms_max: [0, 26, 100, 300][rng.below(4) as usize],
            long_reordering: rng.below(4) == 0,
        },
        // At most (n - 1) / 2 unheard: too few to elect a leader among themselves, so
        // with PreVote and without CheckQuorum nothing commits; with none unheard no
        // server even times out.
        _ => Fault::DeafLeader {
            unheard: rng.below((n as u64 - 1) / 2 + 1) as usize,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::Settings;

    #[test]
    fn validate_knobs_refuses_unknown_knobs_and_values_out_of_bounds() {
        let mut plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 5);
        plan.profile.knobs = Settings::defaults();
        plan.profile.knobs.set("heartbeat_ms", 150);
        assert_eq!(plan.validate_knobs(raft::config::KNOBS), Ok(()));
        plan.profile.knobs.set("heartbeat_ms", 99);
        let why = plan
            .validate_knobs(raft::config::KNOBS)
            .expect_err("too fast");
        assert_eq!(
            why.to_string(),
            "profile.knobs.heartbeat_ms is 99; allowed: 100 to 150"
        );
        plan.profile.knobs = Settings::defaults();
        plan.profile.knobs.set("heartbeat", 150);
        let why = plan
            .validate_knobs(raft::config::KNOBS)
            .expect_err("a typo");
        assert!(
            why.to_string().contains("unknown knob \"heartbeat\""),
            "{why}"
        );
        assert!(
            plan.validate_knobs(&[]).is_err(),
            "an implementation without knobs"
        );
    }

    #[test]
    fn generate_every_workload_many_seeds_validates() {
        for workload in Workload::ALL {
            for seed in 0..2_000 {
                let plan = Plan::generate(workload, "ours", raft::config::KNOBS, seed);
                if let Err(e) = plan.validate() {
                    panic!("{workload:?} seed {seed}: {e}");
                }
            }
        }
    }

    /// The plan of `seed` as it was drawn before deaf leaders and clocks: the profile
    /// and the faults from the plan's stream alone (knobs and the liveness decision,
    /// each from a stream of its own, copied from `plan`).
    fn drawn_before(plan: &Plan, workload: Workload, seed: u64) -> (Profile, Vec<Scheduled>) {
        let mut rng = SimRng::new(plan_seed(seed));
        let mut profile = Profile::draw(workload, &mut rng);
        profile.knobs = plan.profile.knobs.clone();
        profile.live_during_faults = plan.profile.live_during_faults;
        let faults = draw_faults(&profile, &mut rng);
        (profile, faults)
    }

    #[test]
    fn generate_without_deaf_leaders_draws_the_faults_it_drew_before() {
        // A run whose deaf-leader weight is 0 draws every fault it drew before the kind
        // existed, clocks or not (they change how it runs, not what it injects); one
        // with the weight differs only in that weight, and in faults drawn after it.
        let (mut same, mut moved) = (0, 0);
        for workload in Workload::ALL {
            for seed in 0..300 {
                let plan = Plan::generate(workload, "ours", raft::config::KNOBS, seed);
                let (mut profile, faults) = drawn_before(&plan, workload, seed);
                if plan.profile.mix.deaf_leader == 0 {
                    assert_eq!((&plan.profile, &plan.faults), (&profile, &faults));
                    same += 1;
                } else {
                    profile.mix.deaf_leader = plan.profile.mix.deaf_leader;
                    assert_eq!(plan.profile, profile, "{workload:?} seed {seed}");
                    moved += 1;
                }
            }
        }
        assert!(same > 300 && moved > 300, "{same} kept, {moved} moved");
    }

    #[test]
    fn generate_draws_deaf_leaders_with_fewer_unheard_than_a_majority() {
        let mut deaf = 0;
        for seed in 0..400 {
            let plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, seed);
            for s in &plan.faults {
                if let Fault::DeafLeader { unheard } = s.fault {
                    assert!(
                        plan.profile.mix.deaf_leader > 0,
                        "seed {seed}: not in the mix"
                    );
                    assert!(unheard <= (plan.profile.servers - 1) / 2, "seed {seed}");
                    deaf += 1;
                }
            }
        }
        assert!(deaf > 100, "{deaf} deaf leaders in 400 plans");
    }

    #[test]
    fn from_json_unknown_field_names_its_path() {
        let plan = Plan::generate(Workload::Kv, "ours", raft::config::KNOBS, 4);
        let text = plan
            .to_json()
            .replacen("\"mix\": {", "\"mix\": {\"flapp\": 1, ", 1);
        assert_eq!(
            Plan::from_json(&text),
            Err(ScheduleError::UnknownField {
                path: "profile.mix.flapp".into()
            })
        );
        let top = plan.to_json().replacen('{', "{\"seeds\": 3, ", 1);
        assert_eq!(
            Plan::from_json(&top).map_err(|e| e.to_string()),
            Err("unknown field seeds: not part of a raftsim schedule".into())
        );
    }

    /// An edit of a valid plan, and the start of the error it must give.
    type Case = (fn(&mut Plan), &'static str);

    #[test]
    fn validate_out_of_range_names_field_and_range() {
        let table: [Case; 8] = [
            (
                |p| {
                    p.profile.servers = 3;
                    p.clocks.clear();
                    p.faults[0].fault = Fault::DeafLeader { unheard: 3 }
                },
                "faults[0].fault.deaf_leader.unheard is 3; allowed: 0 to 2 (the servers other than the leader)",
            ),
            (
                |p| p.profile.mix.deaf_leader = 1_001,
                "profile.mix.deaf_leader is 1001; allowed: 0 to 1000",
            ),
            (
                |p| p.profile.span_ms = 119_500,
                "profile.span_ms is 119500; allowed: 0 to 30000",
            ),
            (
                |p| p.profile.clients = 1 << 40,
                "profile.clients is 1099511627776; allowed: 1 to 60000 (the raft workload's milliseconds between commands)",
            ),
            (
                |p| p.faults[0].at_ms = u64::MAX,
                "faults[0].at_ms is 18446744073709551615; allowed: 0 to",
            ),
            (
                |p| {
                    p.faults[0].fault = Fault::Flap {
                        a: 0,
                        b: 0,
                        period_ms: 5,
                        times: 1,
                    }
                },
                "faults[0].fault.flap names a server twice",
            ),
            (
                |p| {
                    p.faults[0].fault = Fault::Trap {
                        node: Target::Leader,
                        on: TrapOn::Ack,
                        within_ms: 10,
                        down_ms: u64::MAX / 1_000_000,
                    }
                },
                "faults[0].fault.trap.down_ms is 18446744073709; allowed: 0 to 60000",
            ),
            (
                |p| p.profile.loss = 1.5,
                "profile.loss is 1.5; allowed: 0 to 1 (a probability)",
            ),
        ];
        for (edit, why) in table {
            let mut plan = Plan::generate(Workload::Raft, "ours", raft::config::KNOBS, 9);
            edit(&mut plan);
            let err = plan.validate().map_err(|e| e.to_string());
            assert!(
                err.as_ref().is_err_and(|e| e.starts_with(why)),
                "{why}: {err:?}"
            );
        }
    }
}
