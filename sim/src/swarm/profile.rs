//! A swarm run's fault profile: the cluster's size, the network's faults, how often
//! nodes snapshot, and the mix of faults the schedule draws from, all from the seed.
//!
//! Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012) varies which faults a run
//! uses rather than giving every run every fault a little: a run of only partitions,
//! or of only crashes right after votes, reaches states a uniform mix rarely does.

use super::stable_majority::{DELAY_MAX, LOSS_MAX, WINDOW_BOUND};
use crate::engine::{Duration, SimRng};
use raft_contract::{Knob, Settings};
use serde::{Deserialize, Serialize};

/// What kind of work the clients do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Workload {
    /// Commands started at random nodes; the lab's appliers check what is applied.
    Raft,
    /// Clerks doing gets, puts and appends on a few keys; the history is checked for
    /// linearizability at the end.
    Kv,
    /// The sharded KV service: a controller and three groups of three, joins, leaves
    /// and moves while clerks work on a key of every shard; the history is checked.
    Shardkv,
}

/// The Raft servers of a shardkv swarm run: the controller's 3, then 3 groups of 3.
pub const SHARDKV_SERVERS: usize = 12;

impl Workload {
    /// Every workload, in the order `raftsim swarm` runs them.
    pub const ALL: [Workload; 3] = [Workload::Raft, Workload::Kv, Workload::Shardkv];

    /// The name `--workload` takes.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Raft => "raft",
            Workload::Kv => "kv",
            Workload::Shardkv => "shardkv",
        }
    }
}

/// How likely each kind of fault is in a run's schedule (weights, 0 = never).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FaultMix {
    /// Splits into sides (majority/minority, several sides).
    pub partition: u32,
    /// The leader cut off from everyone.
    pub isolate_leader: u32,
    /// A link cut in one direction only.
    pub one_way: u32,
    /// Two sides that reach each other only through one bridge node.
    pub bridge: u32,
    /// A link that goes down and up repeatedly.
    pub flap: u32,
    /// A crash and a restart after a while.
    pub crash: u32,
    /// A crash of a majority at once.
    pub crash_majority: u32,
    /// A crash right after a node saves a new vote or term (or acknowledges), with a
    /// quick restart: the moment a forgotten vote or an unsaved acknowledgement shows.
    pub trap: u32,
    /// A change of the network's loss, duplication and delay.
    pub network: u32,
}

/// Everything about a run that is drawn from its seed before it starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Raft or KV work.
    pub workload: Workload,
    /// Number of servers: 3, 5 or 7.
    pub servers: usize,
    /// Probability that the network loses a message (requests and replies alike).
    pub loss: f64,
    /// Probability that a delivered message is delivered twice.
    pub duplicate: f64,
    /// Largest extra delay of a request, in milliseconds (labrpc: 26).
    pub delay_ms_max: u64,
    /// labrpc's long reordering of replies (200-2200 ms).
    pub long_reordering: bool,
    /// Raft workload: the tester's applier snapshots every this many entries (`None`:
    /// never).
    pub snapshot_every: Option<u64>,
    /// KV workload: the servers' `maxraftstate` (`None`: never snapshot).
    pub maxraftstate: Option<usize>,
    /// Raft workload: a command is started every this many milliseconds. KV workload:
    /// the number of clerks.
    pub clients: u64,
    /// KV workload: the keys the clerks use.
    pub keys: u64,
    /// How long faults are injected, in milliseconds, before the liveness phase.
    pub span_ms: u64,
    /// How many faults the schedule holds.
    pub faults: usize,
    /// The mix the faults are drawn from.
    pub mix: FaultMix,
    /// The implementation's settings for this run, every node booted with them (see
    /// [`raft_contract::knob`]): drawn by [`draw_knobs`], empty for the shipped
    /// configuration (also when a schedule file leaves the field out).
    #[serde(default)]
    pub knobs: Settings,
    /// Whether the run checks liveness during faults: a majority stable for
    /// [`WINDOW_BOUND`] must make progress (see [`super::live_watch`] for the raft
    /// workload, [`super::clerk_watch`] for the kv workload and the shardkv workload's
    /// controller). Drawn by [`draw_live_during_faults`]; false when a
    /// schedule file leaves it out.
    #[serde(default)]
    pub live_during_faults: bool,
}

/// The seed of the generator that draws a run's profile and schedule: a fixed
/// scrambling of the run's seed, so that these draws and the simulation's own never
/// share a stream.
pub fn plan_seed(seed: u64) -> u64 {
    // SplitMix64's finaliser.
    let mut z = seed ^ 0x5357_4152_4d5f_504c; // "SWARM_PL"
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn pick<T: Copy>(rng: &mut SimRng, choices: &[T]) -> T {
    choices[rng.below(choices.len() as u64) as usize]
}

/// The seed of the generator that draws a run's knobs: apart from the profile's and
/// the schedule's, so that drawing knobs moves neither.
fn knob_seed(seed: u64) -> u64 {
    plan_seed(seed ^ 0x4b4e_4f42_535f_4b4e) // "KNOBS_KN"
}

/// The settings of the run with `seed` for an implementation with `knobs`: in a
/// quarter of the runs the shipped configuration (so it keeps its share of the
/// swarm), otherwise each knob drawn uniformly from its choices. Knobs drawn at their
/// default are left out, so the settings name only what differs.
pub fn draw_knobs(knobs: &[Knob], seed: u64) -> Settings {
    let mut rng = SimRng::new(knob_seed(seed));
    let mut settings = Settings::defaults();
    if knobs.is_empty() || rng.below(4) == 0 {
        return settings;
    }
    for knob in knobs {
        let value = pick(&mut rng, knob.choices);
        if value != knob.default {
            settings.set(knob.name, value);
        }
    }
    settings
}

/// The seed of the generator that decides whether a run checks liveness during faults:
/// apart from the others, so that the decision moves no other draw.
fn live_seed(seed: u64) -> u64 {
    plan_seed(seed ^ 0x4c49_5645_5f44_5546) // "LIVE_DUF"
}

/// Whether the run with `seed` and `profile` checks liveness during faults: in three
/// quarters of the profiles that can ([`eligible`]: a fault phase at least as long as
/// the window bound, a network within the window's bounds), so that a quarter keep the
/// plain run (in the raft workload, without probes).
pub fn draw_live_during_faults(profile: &Profile, seed: u64) -> bool {
    let mut rng = SimRng::new(live_seed(seed));
    eligible(profile) && rng.below(4) != 0
}

/// A weight: off in a third of the runs, else 1 to 4.
fn weight(rng: &mut SimRng) -> u32 {
    if rng.below(3) == 0 {
        0
    } else {
        1 + rng.below(4) as u32
    }
}

impl Profile {
    /// The profile of the run with `seed` and this workload, in the shipped
    /// configuration (see [`draw_knobs`] for the knobs).
    pub fn draw(workload: Workload, rng: &mut SimRng) -> Profile {
        let mut mix = FaultMix {
            partition: weight(rng),
            isolate_leader: weight(rng),
            one_way: weight(rng),
            bridge: weight(rng),
            flap: weight(rng),
            crash: weight(rng),
            crash_majority: weight(rng),
            trap: weight(rng),
            network: weight(rng),
        };
        if mix.total() == 0 {
            mix.crash = 1;
        }
        // The shardkv workload draws what the kv workload draws (so neither's profiles
        // move), then fixes its topology.
        let kv = workload != Workload::Raft;
        let mut profile = Profile {
            workload,
            servers: pick(rng, &[3, 5, 7]),
            loss: pick(rng, &[0.0, 0.0, 0.01, 0.05, 0.1, 0.2]),
            duplicate: pick(rng, &[0.0, 0.0, 0.01, 0.05, 0.2]),
            delay_ms_max: pick(rng, &[0, 5, 26, 100]),
            long_reordering: rng.below(8) == 0,
            snapshot_every: if kv {
                None
            } else {
                pick(rng, &[None, Some(3), Some(10), Some(40)])
            },
            maxraftstate: if kv {
                pick(rng, &[None, Some(300), Some(1000), Some(5000)])
            } else {
                None
            },
            clients: if kv {
                1 + rng.below(5)
            } else {
                pick(rng, &[5, 20, 50, 200])
            },
            keys: if kv { 1 + rng.below(3) } else { 0 },
            span_ms: pick(rng, &[3_000, 6_000, 12_000]),
            faults: pick(rng, &[2, 5, 10, 20]),
            mix,
            knobs: Settings::defaults(),
            live_during_faults: false,
        };
        if workload == Workload::Shardkv {
            profile.servers = SHARDKV_SERVERS;
            profile.keys = 10;
        }
        profile
    }

    /// Fits the profile to an implementation without snapshot support
    /// ([`crate::implementation::LabOptions::snapshots`] false): no applier snapshots in
    /// the raft workload, no `maxraftstate` in the KV and sharded ones. Applied after the
    /// draw, so no other draw of the seed moves.
    pub fn drop_snapshots(&mut self) {
        self.snapshot_every = None;
        self.maxraftstate = None;
    }

    /// Whether the profile asks the implementation for snapshots.
    pub fn snapshots(&self) -> bool {
        self.snapshot_every.is_some() || self.maxraftstate.is_some()
    }

    /// One line for reports: the size, the network and the fault mix.
    pub fn summary(&self) -> String {
        let m = &self.mix;
        let mut kinds = Vec::new();
        for (name, w) in [
            ("partition", m.partition),
            ("isolate", m.isolate_leader),
            ("one-way", m.one_way),
            ("bridge", m.bridge),
            ("flap", m.flap),
            ("crash", m.crash),
            ("crash-majority", m.crash_majority),
            ("trap", m.trap),
            ("network", m.network),
        ] {
            if w > 0 {
                kinds.push(format!("{name}:{w}"));
            }
        }
        let snap = match (self.snapshot_every, self.maxraftstate) {
            (Some(n), _) => format!(" snapshot-every={n}"),
            (_, Some(m)) => format!(" maxraftstate={m}"),
            _ => String::new(),
        };
        let knobs = match self.knobs.is_empty() {
            true => String::new(),
            false => format!(" knobs[{}]", self.knobs),
        };
        let live = match self.live_during_faults {
            true => format!(" live-during-faults[window>={}]", WINDOW_BOUND),
            false => String::new(),
        };
        format!(
            "{} servers={} loss={} dup={} delay<={}ms{}{} span={}s faults={} [{}]{}{}",
            self.workload.name(),
            self.servers,
            self.loss,
            self.duplicate,
            self.delay_ms_max,
            if self.long_reordering {
                " long-reorder"
            } else {
                ""
            },
            snap,
            self.span_ms / 1000,
            self.faults,
            kinds.join(" "),
            knobs,
            live
        )
    }
}

impl FaultMix {
    /// The sum of the weights.
    pub fn total(&self) -> u32 {
        self.partition
            + self.isolate_leader
            + self.one_way
            + self.bridge
            + self.flap
            + self.crash
            + self.crash_majority
            + self.trap
            + self.network
    }
}

/// Whether a profile can check the property at all: a fault phase at least
/// [`WINDOW_BOUND`] long, on a network that starts within the bounds, in any workload
/// (the raft workload checks its one group, the kv workload its KV service, the shardkv
/// workload its controller).
pub fn eligible(p: &Profile) -> bool {
    Duration::from_millis(p.span_ms) >= WINDOW_BOUND
        && !p.long_reordering
        && p.loss <= LOSS_MAX
        && Duration::from_millis(p.delay_ms_max) <= DELAY_MAX
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn knobs_are_drawn_from_the_choices_and_a_quarter_of_runs_keep_the_shipped_ones() {
        let knobs = raft::config::KNOBS;
        let drawn: Vec<Settings> = (0..400).map(|seed| draw_knobs(knobs, seed)).collect();
        let shipped = drawn.iter().filter(|s| s.is_empty()).count();
        assert!((60..=140).contains(&shipped), "{shipped} of 400 shipped");
        for settings in &drawn {
            assert_eq!(settings.refusal(knobs), None, "{settings}");
            for (name, value) in settings.iter() {
                let knob = knobs.iter().find(|k| k.name == name).expect("a knob");
                assert!(knob.choices.contains(&value) && value != knob.default);
            }
        }
        for knob in knobs {
            assert!(
                drawn.iter().any(|s| s.get(knob.name).is_some()),
                "{} never varied",
                knob.name
            );
        }
        assert_eq!(
            drawn,
            (0..400).map(|s| draw_knobs(knobs, s)).collect::<Vec<_>>()
        );
        assert!(draw_knobs(&[], 7).is_empty(), "no knobs, nothing drawn");
    }

    #[test]
    fn live_during_faults_drawn_in_most_eligible_profiles_and_named_in_the_line() {
        for workload in Workload::ALL {
            drawn_in_most_eligible(workload);
        }
    }

    fn drawn_in_most_eligible(workload: Workload) {
        let knobs = raft::config::KNOBS;
        let plans: Vec<_> = (0..2_000)
            .map(|seed| super::super::Plan::generate(workload, "ours", knobs, seed))
            .collect();
        let eligible = plans.iter().filter(|p| super::eligible(&p.profile)).count();
        let enabled = plans
            .iter()
            .filter(|p| p.profile.live_during_faults)
            .count();
        assert!(
            plans
                .iter()
                .all(|p| !p.profile.live_during_faults || super::eligible(&p.profile)),
            "only eligible profiles check it"
        );
        assert!(
            (eligible * 6 / 10..=eligible * 9 / 10).contains(&enabled),
            "{enabled} of {eligible} eligible"
        );
        let plan = plans
            .iter()
            .find(|p| p.profile.live_during_faults)
            .expect("some run checks it");
        assert!(
            plan.profile
                .summary()
                .ends_with(" live-during-faults[window>=8.5s]"),
            "{}",
            plan.profile.summary()
        );
    }

    #[test]
    fn live_during_faults_draw_moves_no_other_draw() {
        // The decision has a stream of its own: clearing it leaves the plan drawn
        // before it existed (profile, knobs and schedule).
        for (seed, workload) in (0..300).flat_map(|s| Workload::ALL.map(|w| (s, w))) {
            let plan = super::super::Plan::generate(workload, "ours", raft::config::KNOBS, seed);
            let mut rng = SimRng::new(plan_seed(seed));
            let mut profile = Profile::draw(workload, &mut rng);
            profile.knobs = draw_knobs(raft::config::KNOBS, seed);
            profile.live_during_faults = plan.profile.live_during_faults;
            assert_eq!(plan.profile, profile, "seed {seed}");
        }
    }

    #[test]
    fn knobs_show_in_the_profile_line_and_leave_the_rest_of_the_profile_alone() {
        let mut rng = SimRng::new(plan_seed(11));
        let mut profile = Profile::draw(Workload::Raft, &mut rng);
        let plain = profile.summary();
        profile.knobs.set("entries_per_message", 2);
        assert_eq!(
            profile.summary(),
            format!("{plain} knobs[entries_per_message=2]")
        );
    }
}
