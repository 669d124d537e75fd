//! A swarm run's fault profile: the cluster's size, the network's faults, how often
//! nodes snapshot, and the mix of faults the schedule draws from, all from the seed.
//!
//! Swarm testing (Groce et al., "Swarm Testing", ISSTA 2012) varies which faults a run
//! uses rather than giving every run every fault a little: a run of only partitions,
//! or of only crashes right after votes, reaches states a uniform mix rarely does.

use super::server_clock::{ClockJump, ServerClock};
use super::stable_majority::{DELAY_MAX, LOSS_MAX, WINDOW_BOUND};
use crate::engine::{Clock, ClockBounds, Duration, SimRng};
use raft_contract::{Knob, ReadMode, Settings};
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
    /// The kv workload while the cluster's configuration changes every 0.3-1.5 s
    /// (servers added as learners, promoted, removed; see [`super::change_driver`]),
    /// on 3 or 5 initial voters and [`SPARE_SLOTS`] slots that boot empty. Listed only
    /// for implementations with `RaftFamily::MEMBERSHIP`.
    Membership,
}

/// The Raft servers of a shardkv swarm run: the controller's 3, then 3 groups of 3.
pub const SHARDKV_SERVERS: usize = 12;

/// The slots of a membership swarm run beyond its initial voters: servers that boot
/// with no configuration and join when a leader adds them.
pub const SPARE_SLOTS: usize = 2;

impl Workload {
    /// Every workload, in the order `raftsim swarm` runs them.
    pub const ALL: [Workload; 4] = [
        Workload::Raft,
        Workload::Kv,
        Workload::Shardkv,
        Workload::Membership,
    ];

    /// The name `--workload` takes.
    pub fn name(self) -> &'static str {
        match self {
            Workload::Raft => "raft",
            Workload::Kv => "kv",
            Workload::Shardkv => "shardkv",
            Workload::Membership => "membership",
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
    /// The leader deafened: every link into it cut, its links out kept (to all but a
    /// minority of the others), so that the servers that hear it never time out: the
    /// `QuorumLoss` scenario, which only CheckQuorum ends (see
    /// [`super::schedule::Fault::DeafLeader`]). Drawn by [`draw_deaf_leader`], apart
    /// from the other weights; 0 when a schedule file leaves it out.
    #[serde(default)]
    pub deaf_leader: u32,
}

/// Everything about a run that is drawn from its seed before it starts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    /// Raft or KV work.
    pub workload: Workload,
    /// Number of servers: 3, 5 or 7 (12 in the shardkv workload; in the membership
    /// workload, every slot: the initial voters and [`SPARE_SLOTS`]).
    pub servers: usize,
    /// Membership workload: how many of the servers are voters from the start (the
    /// first ones, 3 or 5); the others boot empty. `None` in the other workloads (every
    /// server a voter), and left out of their schedule files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub members: Option<usize>,
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
    /// How the kv workload's servers serve Gets (`--reads`, which joins the plan as
    /// `--set` does): through the log unless a run asks. Left out of a schedule file
    /// for the log, and read as the log when a file leaves it out.
    #[serde(default, skip_serializing_if = "is_log")]
    pub reads: ReadMode,
}

/// True for reads through the log, which a schedule file leaves out.
fn is_log(reads: &ReadMode) -> bool {
    *reads == ReadMode::Log
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

/// The seed of the generator that draws the weight of [`FaultMix::deaf_leader`]: apart
/// from the others, so that a profile drawn without it keeps every draw it had.
fn deaf_seed(seed: u64) -> u64 {
    plan_seed(seed ^ 0x4445_4146_5f4c_4452) // "DEAF_LDR"
}

/// The weight of [`FaultMix::deaf_leader`] in the run with `seed`: off in half the runs,
/// else 1 to 4. A run with it off draws exactly the faults it drew before the kind
/// existed (the weight adds nothing to the mix's total); a run with it on draws its
/// faults from the larger mix.
pub fn draw_deaf_leader(seed: u64) -> u32 {
    let mut rng = SimRng::new(deaf_seed(seed));
    if rng.below(2) == 0 {
        0
    } else {
        1 + rng.below(4) as u32
    }
}

/// The seed of the generator that draws a run's clocks: apart from the others, so that
/// a run without clocks keeps every draw it had.
fn clock_seed(seed: u64) -> u64 {
    plan_seed(seed ^ 0x434c_4f43_4b53_5f43) // "CLOCKS_C"
}

/// The largest rate errors the swarm draws, in ppm: one is picked per clock, and the
/// size drawn up to it, so that clocks run off by tens, hundreds and thousands of ppm
/// (1 % at most, well within [`crate::engine::clock::PPM_MAX`]).
pub const CLOCK_PPM_MAXES: [u32; 3] = [100, 1_000, 10_000];
/// The largest forward jump the swarm draws, in milliseconds: two of the slowest
/// election timeouts, so that a jump fires a timer at once (a follower campaigns, a
/// leader checks its quorum early).
pub const CLOCK_JUMP_MS_MAX: u64 = 2_000;

/// The servers' clocks in the run with `seed` and `profile` (see
/// [`crate::engine::clock`]): none in two thirds of the runs; in the others, one
/// server and each other with even chance get a clock of their own: a rate error of 10
/// ppm up to one of [`CLOCK_PPM_MAXES`], fast or slow ([`Clock::draw`]), an offset of up
/// to a second in half of them, and one or two forward jumps of up to
/// [`CLOCK_JUMP_MS_MAX`] within the fault phase in a quarter. Drawn from a stream of
/// its own, so no other draw of the seed moves. Raft's timers then fire by local time:
/// a drift of 1 % stretches a 1.1 s election timeout by 11 ms, well within the slack of
/// the liveness bounds, and a jump fires them early, as a stepped clock would.
pub fn draw_clocks(profile: &Profile, seed: u64) -> Vec<ServerClock> {
    let mut rng = SimRng::new(clock_seed(seed));
    if rng.below(3) != 0 || profile.servers == 0 {
        return Vec::new();
    }
    let first = rng.below(profile.servers as u64) as usize;
    let mut clocks = Vec::new();
    for server in 0..profile.servers {
        if server != first && rng.below(2) == 0 {
            continue;
        }
        let bounds = ClockBounds {
            ppm_min: 10,
            ppm_max: pick(&mut rng, &CLOCK_PPM_MAXES),
            offset_ms_max: pick(&mut rng, &[0, 1_000]),
        };
        let clock = Clock::draw(&mut rng, &bounds);
        let mut entry = ServerClock::of(server, &clock).expect("drawn in whole milliseconds");
        if rng.below(4) == 0 {
            let mut at_ms = 200;
            for _ in 0..1 + rng.below(2) {
                at_ms += rng.below(profile.span_ms.saturating_sub(at_ms).max(1));
                let by_ms = 1 + rng.below(CLOCK_JUMP_MS_MAX);
                entry.jumps.push(ClockJump {
                    at_ms: i64::try_from(at_ms).expect("within the fault phase"),
                    by_ms: i64::try_from(by_ms).expect("at most CLOCK_JUMP_MS_MAX"),
                });
            }
        }
        assert!(
            entry.jumps.iter().all(|j| j.at_ms >= 200),
            "server {server}: a jump before the fault phase's first 200 ms"
        );
        assert!(
            entry.ppm.unsigned_abs() >= 10 && entry.ppm.unsigned_abs() <= 10_000,
            "server {server}: drift {} ppm out of the drawn range",
            entry.ppm
        );
        clocks.push(entry);
    }
    clocks
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
            // Drawn apart ([`draw_deaf_leader`]), so this stream does not move.
            deaf_leader: 0,
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
            members: None,
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
            reads: ReadMode::Log,
            live_during_faults: false,
        };
        if workload == Workload::Shardkv {
            profile.servers = SHARDKV_SERVERS;
            profile.keys = 10;
        }
        if workload == Workload::Membership {
            // The kv draw, fitted to the 3 to 5 voters the changes keep (7 becomes 5),
            // plus the spare slots; no draw moves.
            let members = profile.servers.min(5);
            profile.members = Some(members);
            profile.servers = members + SPARE_SLOTS;
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
            ("deaf-leader", m.deaf_leader),
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
        let reads = match self.reads {
            ReadMode::Log => String::new(),
            mode => format!(" reads={mode}"),
        };
        let members = match self.members {
            Some(m) => format!(" members={m}"),
            None => String::new(),
        };
        format!(
            "{} servers={}{} loss={} dup={} delay<={}ms{}{} span={}s faults={} [{}]{}{}{}",
            self.workload.name(),
            self.servers,
            members,
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
            reads,
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
            + self.deaf_leader
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
            profile.mix.deaf_leader = draw_deaf_leader(seed);
            profile.live_during_faults = plan.profile.live_during_faults;
            assert_eq!(plan.profile, profile, "seed {seed}");
        }
    }

    #[test]
    fn clocks_drawn_in_a_third_of_runs_within_the_schedule_bounds() {
        let knobs = raft::config::KNOBS;
        let mut clocked = 0;
        let (mut jumps, mut offsets, mut ppms) = (0, 0, Vec::new());
        for seed in 0..1_500 {
            let plan = super::super::Plan::generate(Workload::Raft, "ours", knobs, seed);
            assert_eq!(plan.validate(), Ok(()), "seed {seed}");
            assert_eq!(plan.clocks, draw_clocks(&plan.profile, seed), "seeded");
            if plan.clocks.is_empty() {
                assert_eq!(plan.summary(), plan.profile.summary());
                continue;
            }
            clocked += 1;
            let line = plan.summary();
            let named = format!(" clocks[{}:", plan.clocks[0].server);
            assert!(line.contains(&named), "seed {seed}: {line}");
            for c in &plan.clocks {
                assert!(c.server < plan.profile.servers, "seed {seed}");
                assert!((10..=10_000).contains(&c.ppm.abs()), "seed {seed}: {c}");
                let span = plan.profile.span_ms as i64;
                assert!(c.jumps.iter().all(|j| (200..=span).contains(&j.at_ms)));
                assert!(c.jumps.iter().all(|j| (1..=2_000).contains(&j.by_ms)));
                jumps += c.jumps.len();
                offsets += usize::from(c.offset_ms > 0);
                ppms.push(c.ppm.abs());
            }
        }
        assert!((400..=600).contains(&clocked), "{clocked} of 1500 clocked");
        assert!(
            jumps > 50 && offsets > 100,
            "{jumps} jumps, {offsets} offsets"
        );
        assert!(ppms.iter().any(|&p| p < 100) && ppms.iter().any(|&p| p > 1_000));
    }

    #[test]
    fn deaf_leader_weight_drawn_in_half_the_runs_and_named_in_the_line() {
        let weights: Vec<u32> = (0..1_000).map(draw_deaf_leader).collect();
        let on = weights.iter().filter(|&&w| w > 0).count();
        assert!((400..=600).contains(&on), "{on} of 1000");
        assert!(weights.iter().all(|&w| w <= 4));
        let mut rng = SimRng::new(plan_seed(11));
        let mut profile = Profile::draw(Workload::Raft, &mut rng);
        assert_eq!(profile.mix.deaf_leader, 0, "not drawn with the others");
        let plain = profile.summary();
        profile.mix.deaf_leader = 3;
        let line = profile.summary();
        assert!(line.contains(" deaf-leader:3]"), "{line}");
        assert_eq!(line.replace(" deaf-leader:3]", "]"), plain);
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
