//! A swarm run as data: its seed, its profile and the faults it injects, at virtual
//! times. Generated from the seed, or read from a schedule file that `raftsim shrink`
//! wrote; either way the run it describes is exactly reproducible.

use super::profile::{plan_seed, FaultMix, Profile, Workload, SHARDKV_SERVERS};
use crate::engine::SimRng;
use serde::{Deserialize, Serialize};

/// The `format` field of a schedule file.
pub const SCHEDULE_FORMAT: &str = "raftsim-schedule";
/// The version of the schedule file format.
pub const SCHEDULE_VERSION: u32 = 1;

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
}

impl Plan {
    /// The run of `seed` with `workload` on implementation `raft`: profile and schedule
    /// drawn from the seed.
    pub fn generate(workload: Workload, raft: &str, seed: u64) -> Plan {
        let mut rng = SimRng::new(plan_seed(seed));
        let profile = Profile::draw(workload, &mut rng);
        let mut faults: Vec<Scheduled> = (0..profile.faults)
            .map(|_| Scheduled {
                at_ms: 200 + rng.below(profile.span_ms.saturating_sub(200).max(1)),
                fault: draw_fault(&profile, &mut rng),
            })
            .collect();
        faults.sort_by_key(|f| f.at_ms);
        Plan {
            format: SCHEDULE_FORMAT.to_string(),
            version: SCHEDULE_VERSION,
            raft: raft.to_string(),
            seed,
            profile,
            faults,
        }
    }

    /// Reads a schedule file's text and checks it.
    ///
    /// # Errors
    /// A sentence naming the line and column of a syntax error, or what [`Plan::validate`]
    /// found.
    pub fn from_json(text: &str) -> Result<Plan, String> {
        let plan: Plan = serde_json::from_str(text).map_err(|e| {
            format!(
                "line {}, column {}: not a raftsim schedule: {e}",
                e.line(),
                e.column()
            )
        })?;
        plan.validate()?;
        Ok(plan)
    }

    /// The schedule file's text: pretty JSON, one fault per line group.
    pub fn to_json(&self) -> String {
        // Serialising strings, numbers and enums cannot fail.
        let mut text = serde_json::to_string_pretty(self).expect("a plan serialises to JSON");
        text.push('\n');
        text
    }

    /// Checks what a schedule file could get wrong: the format, the version, server
    /// numbers within the cluster, and times in order.
    ///
    /// # Errors
    /// A sentence naming the first problem.
    pub fn validate(&self) -> Result<(), String> {
        if self.format != SCHEDULE_FORMAT {
            return Err(format!(
                "format is {:?}, not {SCHEDULE_FORMAT:?}",
                self.format
            ));
        }
        if self.version != SCHEDULE_VERSION {
            return Err(format!(
                "version {} (this build reads {SCHEDULE_VERSION})",
                self.version
            ));
        }
        let n = self.profile.servers;
        if !(1..=15).contains(&n) {
            return Err(format!("profile.servers is {n}; 1 to 15 are supported"));
        }
        if self.profile.workload == Workload::Shardkv && n != SHARDKV_SERVERS {
            return Err(format!(
                "profile.servers is {n}; a shardkv run has {SHARDKV_SERVERS} (a controller and 3 groups of 3)"
            ));
        }
        let mut last = 0;
        for (k, s) in self.faults.iter().enumerate() {
            if s.at_ms < last {
                return Err(format!(
                    "faults[{k}] at {} ms comes before the one at {last} ms",
                    s.at_ms
                ));
            }
            last = s.at_ms;
            if let Some(bad) = s.fault.nodes().into_iter().find(|&i| i >= n) {
                return Err(format!("faults[{k}] names server {bad}, but there are {n}"));
            }
        }
        if self.profile.span_ms > 600_000 {
            return Err("profile.span_ms is over 600000 (10 minutes)".to_string());
        }
        let p = &self.profile;
        for (name, v) in [("loss", p.loss), ("duplicate", p.duplicate)] {
            if !(0.0..=1.0).contains(&v) {
                return Err(format!("profile.{name} is {v}, outside [0, 1]"));
            }
        }
        for (k, s) in self.faults.iter().enumerate() {
            if let Fault::Network {
                loss, duplicate, ..
            } = s.fault
            {
                if !(0.0..=1.0).contains(&loss) || !(0.0..=1.0).contains(&duplicate) {
                    return Err(format!("faults[{k}]: a probability outside [0, 1]"));
                }
            }
            if let Fault::Partition { sides } = &s.fault {
                let mut all: Vec<usize> = sides.iter().flatten().copied().collect();
                all.sort_unstable();
                all.dedup();
                if all.len() != sides.iter().map(Vec::len).sum::<usize>() {
                    return Err(format!("faults[{k}]: a server is on two sides"));
                }
            }
        }
        Ok(())
    }

    /// A measure of the run's size, for shrinking: 10 per fault and per server, plus
    /// downtimes (1 per 10 ms), trap windows and the fault phase (1 per 100 ms) and
    /// flaps (1 per cycle).
    pub fn size(&self) -> u64 {
        let weight: u64 = self.faults.iter().map(|s| s.fault.weight()).sum();
        weight + self.profile.servers as u64 * 10 + self.profile.span_ms / 100
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
            Fault::IsolateLeader | Fault::Heal | Fault::Network { .. } => Vec::new(),
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
            on: if rng.below(2) == 0 {
                TrapOn::VoteOrTerm
            } else {
                TrapOn::Ack
            },
            within_ms: 500 + rng.below(3_000),
            down_ms: 1 + rng.below(200),
        },
        _ => Fault::Network {
            loss: [0.0, 0.05, 0.1, 0.3][rng.below(4) as usize],
            duplicate: [0.0, 0.05, 0.2][rng.below(3) as usize],
            delay_ms_max: [0, 26, 100, 300][rng.below(4) as usize],
            long_reordering: rng.below(4) == 0,
        },
    }
}
