//! A node's clock: how the local time a node reads relates to the simulation's true time.
//!
//! Real machines' clocks disagree: they start offset from each other, run fast or slow by
//! tens to thousands of parts per million, and jump forward when a virtual machine is
//! paused or an operator steps the clock. A Raft that reads leases or deadlines off its
//! own clock must survive all three (issue 24 §1, "faults beyond the lab"). A [`Clock`]
//! models them in integers, so that every conversion is exact and the same on every
//! machine:
//!
//! ```text
//! local(t) = offset + floor(t * (1_000_000 + ppm) / 1_000_000) + (jumps at or before t)
//! ```
//!
//! with `t` the true instant in nanoseconds. The rate factor is positive (|ppm| is at
//! most [`PPM_MAX`]) and jumps only go forward, so local time never decreases as true
//! time grows: a node never sees its time go back, as the contract's instants require.
//! The identity clock ([`Clock::IDENTITY`], every node's default) is exactly the
//! identity, so a run without clocks is the run it always was.
//!
//! ```
//! use sim::engine::{Clock, Duration, Instant, Jump};
//!
//! // 1000 ppm fast, 5 ms ahead, stepped forward by 200 ms at 2 s.
//! let jump = Jump { at: Instant::from_millis(2_000), by: Duration::from_millis(200) };
//! let clock = Clock::new(Duration::from_millis(5), 1_000, vec![jump]).expect("valid");
//! assert_eq!(clock.local(Instant::from_millis(1_000)), Instant::from_millis(1_006));
//! assert_eq!(clock.local(Instant::from_millis(2_000)), Instant::from_millis(2_207));
//! // A timer due at local 1.006 s fires at true 1 s.
//! assert_eq!(clock.true_at(Instant::from_millis(1_006)), Instant::from_millis(1_000));
//! ```

use super::rng::SimRng;
use raft_contract::{Duration, Instant};
use std::fmt;

/// The largest rate error a clock may have, in parts per million either way (10%):
/// far beyond the thousands of ppm real oscillators drift, and small enough that the rate
/// factor stays positive, so local time never goes back.
pub const PPM_MAX: i64 = 100_000;
/// The largest offset a clock may start with (a year).
pub const OFFSET_MAX: Duration = Duration::from_secs(365 * 24 * 3_600);
/// The largest single forward jump (a day: a paused VM, a stepped clock).
pub const JUMP_MAX: Duration = Duration::from_secs(24 * 3_600);
/// The most jumps one clock may have.
pub const JUMPS_MAX: usize = 64;

/// Parts per million: the unit of a clock's rate error.
const MILLION: u128 = 1_000_000;

/// A forward step of a clock: at true instant `at`, local time moves ahead by `by` (a
/// paused VM that wakes, a clock stepped forward). A clock never steps back: local time
/// must not decrease, so the type holds no backward jump.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Jump {
    /// The true instant at which the jump happens (a reading at `at` already shows it).
    pub at: Instant,
    /// How far ahead local time moves.
    pub by: Duration,
}

/// Why a clock cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    /// The rate error is outside ±[`PPM_MAX`].
    #[error("rate error {ppm} ppm is outside -{PPM_MAX} to {PPM_MAX} ppm")]
    Ppm {
        /// The rate error asked for.
        ppm: i64,
    },
    /// The offset is over [`OFFSET_MAX`].
    #[error("offset {offset} is over {OFFSET_MAX}")]
    Offset {
        /// The offset asked for.
        offset: Duration,
    },
    /// More than [`JUMPS_MAX`] jumps.
    #[error("{count} jumps; at most {JUMPS_MAX}")]
    Jumps {
        /// How many were given.
        count: usize,
    },
    /// A jump over [`JUMP_MAX`].
    #[error("jump {index} is by {by}, over {JUMP_MAX}")]
    JumpSize {
        /// Its position in the list.
        index: usize,
        /// Its size.
        by: Duration,
    },
    /// A jump listed before one at an earlier instant.
    #[error("jump {index} at {at} is before the jump above it at {previous}")]
    JumpOrder {
        /// Its position in the list.
        index: usize,
        /// Its instant.
        at: Instant,
        /// The instant of the jump before it in the list.
        previous: Instant,
    },
}

/// A node's clock: an offset, a rate error and forward jumps (see the module's docs for
/// the formula). Built only through [`Clock::new`] or [`Clock::draw`], so every clock
/// is valid; `Clock::default()` is [`Clock::IDENTITY`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Clock {
    offset: Duration,
    ppm: i64,
    jumps: Vec<Jump>,
}

/// How [`Clock::draw`] draws a clock: a rate error whose size is within
/// `ppm_min..=ppm_max`, fast or slow with equal chance, and an offset of whole
/// milliseconds within `0..=offset_ms_max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClockBounds {
    /// Smallest size of the rate error, in ppm.
    pub ppm_min: u32,
    /// Largest size of the rate error, in ppm (at most [`PPM_MAX`]).
    pub ppm_max: u32,
    /// Largest offset, in milliseconds (at most [`OFFSET_MAX`]).
    pub offset_ms_max: u64,
}

impl Default for ClockBounds {
    /// What machines in one data centre show: 10 to 2000 ppm either way, offsets up to
    /// a second.
    fn default() -> Self {
        ClockBounds {
            ppm_min: 10,
            ppm_max: 2_000,
            offset_ms_max: 1_000,
        }
    }
}

impl Clock {
    /// The clock that reads true time: no offset, no drift, no jumps.
    pub const IDENTITY: Clock = Clock {
        offset: Duration(0),
        ppm: 0,
        jumps: Vec::new(),
    };

    /// A clock that reads `offset` at true time 0, runs `ppm` parts per million fast
    /// (negative: slow), and jumps forward as `jumps` say (in order of their instants).
    ///
    /// # Errors
    /// A rate error outside ±[`PPM_MAX`], an offset over [`OFFSET_MAX`], more than
    /// [`JUMPS_MAX`] jumps, a jump over [`JUMP_MAX`], or jumps out of order.
    pub fn new(offset: Duration, ppm: i64, jumps: Vec<Jump>) -> Result<Clock, ClockError> {
        if !(-PPM_MAX..=PPM_MAX).contains(&ppm) {
            return Err(ClockError::Ppm { ppm });
        }
        if offset > OFFSET_MAX {
            return Err(ClockError::Offset { offset });
        }
        if jumps.len() > JUMPS_MAX {
            return Err(ClockError::Jumps { count: jumps.len() });
        }
        for (index, jump) in jumps.iter().enumerate() {
            if jump.by > JUMP_MAX {
                let by = jump.by;
                return Err(ClockError::JumpSize { index, by });
            }
            if let Some(previous) = index.checked_sub(1).map(|k| jumps[k].at) {
                if jump.at < previous {
                    let at = jump.at;
                    return Err(ClockError::JumpOrder {
                        index,
                        at,
                        previous,
                    });
                }
            }
        }
        Ok(Clock { offset, ppm, jumps })
    }

    /// A clock drawn from `rng` within `bounds`: the rate error's size, then its sign,
    /// then the offset, in that order (a fixed order, so a seed always draws the same
    /// clock). No jumps: a jump is a fault to schedule, not a trait of the machine.
    ///
    /// # Panics
    /// If the bounds are empty or beyond [`PPM_MAX`] or [`OFFSET_MAX`].
    pub fn draw(rng: &mut SimRng, bounds: &ClockBounds) -> Clock {
        assert!(
            bounds.ppm_min <= bounds.ppm_max,
            "clock bounds: ppm {}..={} is empty",
            bounds.ppm_min,
            bounds.ppm_max
        );
        assert!(
            i64::from(bounds.ppm_max) <= PPM_MAX,
            "clock bounds: ppm_max {} over {PPM_MAX}",
            bounds.ppm_max
        );
        let size = rng.between(u64::from(bounds.ppm_min), u64::from(bounds.ppm_max));
        let size = i64::try_from(size).expect("at most PPM_MAX");
        let ppm = if rng.below(2) == 0 { size } else { -size };
        let offset_ms = rng.between(0, bounds.offset_ms_max);
        let offset = Duration(offset_ms.saturating_mul(1_000_000));
        Clock::new(offset, ppm, Vec::new()).expect("clock bounds within the clock's limits")
    }

    /// The offset: local time at true time 0.
    pub fn offset(&self) -> Duration {
        self.offset
    }

    /// The rate error, in parts per million (positive: fast).
    pub fn ppm(&self) -> i64 {
        self.ppm
    }

    /// The forward jumps, in order of their instants.
    pub fn jumps(&self) -> &[Jump] {
        &self.jumps
    }

    /// True for the clock that reads true time.
    pub fn is_identity(&self) -> bool {
        *self == Clock::IDENTITY
    }

    /// The rate factor in millionths: positive, since |ppm| <= [`PPM_MAX`].
    fn rate(&self) -> u128 {
        u128::try_from(1_000_000 + self.ppm).expect("|ppm| <= PPM_MAX keeps the rate positive")
    }

    /// The local time this clock shows at true instant `now`.
    ///
    /// # Panics
    /// `virtual time overflow` when local time passes `u64::MAX` nanoseconds (centuries
    /// past any run: a limit of the simulator, reported as such).
    pub fn local(&self, now: Instant) -> Instant {
        let scaled = u128::from(now.0) * self.rate() / MILLION;
        let jumped: u128 = self
            .jumps
            .iter()
            .take_while(|j| j.at <= now)
            .map(|j| u128::from(j.by.0))
            .sum();
        let total = u128::from(self.offset.0) + scaled + jumped;
        Instant(u64::try_from(total).expect("virtual time overflow: a node's local time"))
    }

    /// The earliest true instant at which this clock shows `deadline` or later: when a
    /// timer due at local `deadline` fires. Exact: `local(true_at(d)) >= d`, and one
    /// nanosecond earlier the clock shows less than `d` (unless that is before true
    /// time 0).
    ///
    /// # Panics
    /// `virtual time overflow` when that instant is past `u64::MAX` nanoseconds.
    pub fn true_at(&self, deadline: Instant) -> Instant {
        let rate = self.rate();
        let d = u128::from(deadline.0);
        // Between jumps local(t) = base + floor(t * rate / M); the first segment with an
        // instant that reaches `d` holds the answer, since local time never decreases.
        let mut base = u128::from(self.offset.0);
        let mut start = 0u128;
        let mut k = 0;
        loop {
            // The jumps at `start` belong to this segment (a reading at `at` shows them).
            while k < self.jumps.len() && u128::from(self.jumps[k].at.0) <= start {
                base += u128::from(self.jumps[k].by.0);
                k += 1;
            }
            let end = self.jumps.get(k).map(|j| u128::from(j.at.0));
            // floor(t * rate / M) >= x  <=>  t * rate >= x * M  <=>  t >= ceil(x * M / rate).
            let earliest = match d.checked_sub(base) {
                None | Some(0) => start,
                Some(x) => (x * MILLION).div_ceil(rate).max(start),
            };
            match end {
                Some(end) if earliest >= end => start = end,
                _ => {
                    let at = u64::try_from(earliest).expect("virtual time overflow: a timer");
                    return Instant(at);
                }
            }
        }
    }
}

/// Renders as the trace's fault line describes it: `offset=5ms ppm=-1000 jumps=[2s+200ms]`
/// (`jumps=[]` without jumps).
impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "offset={} ppm={} jumps=[", self.offset, self.ppm)?;
        for (k, jump) in self.jumps.iter().enumerate() {
            let sep = if k == 0 { "" } else { " " };
            write!(f, "{sep}{}+{}", jump.at, jump.by)?;
        }
        write!(f, "]")
    }
}

/// A clock as a node of the simulation reads it: a [`Clock`] shifted by a constant, so
/// that a clock set mid-run ([`super::Sim::set_clock`]) reads on from the local time the
/// node had then, without a step. Valid from the instant it was set on; true time never
/// goes back, so nothing asks it about earlier instants.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct NodeClock {
    clock: Clock,
    /// Nanoseconds added to the clock's reading (zero for a clock set before its node
    /// started).
    shift: i128,
    /// The clock it replaced and the local instant of the replacement, for
    /// [`NodeClock::true_at`] of earlier local instants.
    before: Option<(Box<NodeClock>, Instant)>,
}

impl NodeClock {
    /// `clock` as it is, offset included: a node that starts with it.
    pub(crate) fn new(clock: Clock) -> NodeClock {
        NodeClock {
            clock,
            shift: 0,
            before: None,
        }
    }

    /// `clock` from true instant `now` on, shifted to read what `self` reads at `now`.
    pub(crate) fn replaced(&self, clock: Clock, now: Instant) -> NodeClock {
        let before = i128::from(self.local(now).0);
        let shift = before - i128::from(clock.local(now).0);
        let replaced = NodeClock {
            clock,
            shift,
            before: Some((Box::new(self.clone()), self.local(now))),
        };
        assert_eq!(
            replaced.local(now),
            self.local(now),
            "a replaced clock reads on without a step at {now}"
        );
        replaced
    }

    /// The clock as given (its shift aside).
    pub(crate) fn clock(&self) -> &Clock {
        &self.clock
    }

    /// True when local time is true time.
    pub(crate) fn is_identity(&self) -> bool {
        self.shift == 0 && self.clock.is_identity()
    }

    /// Local time at true instant `now`, for the trace: `None` when it is true time.
    pub(crate) fn shown(&self, now: Instant) -> Option<Instant> {
        (!self.is_identity()).then(|| self.local(now))
    }

    /// Local time at true instant `now`.
    pub(crate) fn local(&self, now: Instant) -> Instant {
        let local = i128::from(self.clock.local(now).0) + self.shift;
        assert!(local >= 0, "local time {local}ns before 0 at {now}");
        Instant(u64::try_from(local).expect("virtual time overflow: a node's local time"))
    }

    /// The earliest true instant at which this node's clock showed (or will show) `local`:
    /// through the clock that was in force then, for an instant before a replacement.
    pub(crate) fn true_at(&self, local: Instant) -> Instant {
        if let Some((before, switched)) = &self.before {
            if local < *switched {
                return before.true_at(local);
            }
        }
        let unshifted = i128::from(local.0) - self.shift;
        let unshifted = u64::try_from(unshifted.max(0)).expect("virtual time overflow");
        self.clock.true_at(Instant(unshifted))
    }

    /// The true instant at which a timer set at true instant `now` for `after` of local
    /// time fires: when local time has advanced by `after`, and never before `now`.
    pub(crate) fn due(&self, now: Instant, after: Duration) -> Instant {
        if self.is_identity() {
            return now + after;
        }
        let deadline = i128::from((self.local(now) + after).0) - self.shift;
        let deadline = u64::try_from(deadline.max(0)).expect("virtual time overflow: a timer");
        let due = self.clock.true_at(Instant(deadline)).max(now);
        assert!(
            self.local(due) >= self.local(now) + after,
            "a timer for {after} set at {now} fires at {due}, before its local deadline"
        );
        due
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Instant {
        Instant::from_millis(n)
    }

    fn clock(offset_ns: u64, ppm: i64, jumps: &[(u64, u64)]) -> Clock {
        let jumps = jumps
            .iter()
            .map(|&(at, by)| Jump {
                at: Instant(at),
                by: Duration(by),
            })
            .collect();
        Clock::new(Duration(offset_ns), ppm, jumps).expect("a valid clock")
    }

    #[test]
    fn clock_identity_reads_and_inverts_exactly() {
        let id = Clock::IDENTITY;
        assert!(id.is_identity());
        assert_eq!(Clock::default(), id);
        for t in [0, 1, 999_999, 1_000_001, 123_456_789_012, u64::MAX] {
            assert_eq!(id.local(Instant(t)), Instant(t));
            assert_eq!(id.true_at(Instant(t)), Instant(t));
        }
        let node = NodeClock::default();
        assert_eq!(
            node.due(ms(5), Duration::from_millis(3)),
            ms(5) + Duration::from_millis(3)
        );
        assert_eq!(node.shown(ms(5)), None);
    }

    #[test]
    fn clock_drift_both_signs_scales_elapsed_time() {
        let fast = clock(0, 1_000, &[]);
        let slow = clock(0, -1_000, &[]);
        assert_eq!(fast.local(ms(1_000)), ms(1_001));
        assert_eq!(slow.local(ms(1_000)), ms(999));
        // Rounding is down: 1 ns at -1000 ppm reads 0.999 ns, shown as 0.
        assert_eq!(slow.local(Instant(1)), Instant(0));
        assert_eq!(fast.true_at(ms(1_001)), ms(1_000));
        assert_eq!(slow.true_at(ms(999)), ms(1_000));
        let offset = clock(5_000_000, 0, &[]);
        assert_eq!(offset.local(Instant::ZERO), ms(5));
        assert_eq!(offset.true_at(ms(3)), Instant::ZERO, "already past");
    }

    #[test]
    fn clock_jumps_move_local_time_ahead_at_their_instant() {
        let c = clock(0, 0, &[(1_000, 500), (1_000, 100), (5_000, 7)]);
        assert_eq!(c.local(Instant(999)), Instant(999));
        assert_eq!(c.local(Instant(1_000)), Instant(1_600));
        assert_eq!(c.local(Instant(5_000)), Instant(5_607));
        // A deadline inside a jump's gap is reached at the jump's instant.
        assert_eq!(c.true_at(Instant(1_300)), Instant(1_000));
        assert_eq!(c.true_at(Instant(1_601)), Instant(1_001));
        assert_eq!(c.true_at(Instant(5_601)), Instant(5_000));
        assert_eq!(
            c.to_string(),
            "offset=0ns ppm=0 jumps=[0.000001s+500ns 0.000001s+100ns 0.000005s+7ns]"
        );
    }

    #[test]
    fn clock_new_out_of_range_is_refused_with_its_reason() {
        let j = |at, by| Jump {
            at: Instant(at),
            by: Duration(by),
        };
        let table: [(Duration, i64, Vec<Jump>, &str); 6] = [
            (
                Duration(0),
                PPM_MAX + 1,
                vec![],
                "rate error 100001 ppm is outside",
            ),
            (Duration(0), -PPM_MAX - 1, vec![], "rate error -100001 ppm"),
            (OFFSET_MAX + Duration(1), 0, vec![], "offset "),
            (
                Duration(0),
                0,
                vec![j(0, 1); JUMPS_MAX + 1],
                "65 jumps; at most 64",
            ),
            (Duration(0), 0, vec![j(0, JUMP_MAX.0 + 1)], "jump 0 is by"),
            (
                Duration(0),
                0,
                vec![j(9, 1), j(3, 1)],
                "jump 1 at 0.000000s is before",
            ),
        ];
        for (offset, ppm, jumps, why) in table {
            let err = Clock::new(offset, ppm, jumps).expect_err(why).to_string();
            assert!(err.starts_with(why), "{why}: {err}");
        }
        assert!(Clock::new(OFFSET_MAX, PPM_MAX, vec![j(1, JUMP_MAX.0)]).is_ok());
        assert!(Clock::new(Duration(0), -PPM_MAX, vec![]).is_ok());
    }

    /// A clock and an instant drawn over the whole range the limits allow.
    fn drawn(rng: &mut SimRng) -> (Clock, Instant) {
        let ppm = rng.between(0, 2 * PPM_MAX as u64) as i64 - PPM_MAX;
        let offset = Duration(rng.below(4) * rng.below(OFFSET_MAX.0 + 1) / 3);
        let mut at = 0;
        let jumps = (0..rng.below(5))
            .map(|_| {
                at += rng.below(3) * rng.below(200_000_000_000);
                Jump {
                    at: Instant(at),
                    by: Duration(rng.below(2) * rng.below(JUMP_MAX.0 + 1)),
                }
            })
            .collect();
        let clock = Clock::new(offset, ppm, jumps).expect("drawn within the limits");
        let top = [1_000, 1_000_000_000, 1_000_000_000_000][rng.below(3) as usize];
        (clock, Instant(rng.below(top)))
    }

    #[test]
    fn clock_true_at_is_the_exact_inverse_over_drawn_clocks() {
        let mut rng = SimRng::new(24);
        for case in 0..20_000 {
            let (c, t) = drawn(&mut rng);
            // A deadline near what the clock shows at t, on either side.
            let shown = c.local(t).0;
            let d = Instant(shown.saturating_sub(rng.below(3_000)) + rng.below(3_000));
            let at = c.true_at(d);
            assert!(c.local(at) >= d, "case {case} {c}: local({at}) < {d}");
            if at.0 > 0 {
                let before = c.local(Instant(at.0 - 1));
                assert!(
                    before < d,
                    "case {case} {c}: {d} reached at {} already",
                    at.0 - 1
                );
            }
            // local is monotonic: a later instant never shows less.
            assert!(
                c.local(Instant(t.0 + rng.below(1_000))) >= c.local(t),
                "case {case}"
            );
        }
    }

    #[test]
    fn node_clock_replaced_mid_run_reads_on_without_a_step() {
        let start = NodeClock::new(clock(0, 1_000, &[]));
        let now = ms(10_000);
        let before = start.local(now);
        let replaced = start.replaced(clock(0, -50_000, &[(ms(12_000).0, 1_000_000)]), now);
        assert_eq!(replaced.local(now), before);
        assert_eq!(
            replaced.local(ms(11_000)),
            before + Duration::from_millis(950)
        );
        // 200 ms of local time at 5% slow take 210.526... ms of true time, rounded up.
        let due = replaced.due(now, Duration::from_millis(200));
        assert_eq!(due, Instant(now.0 + 210_526_316));
        assert!(replaced.local(Instant(due.0 - 1)) < before + Duration::from_millis(200));
        // Back to the identity: still continuous, but no longer the identity.
        let back = replaced.replaced(Clock::IDENTITY, ms(13_000));
        assert!(!back.is_identity());
        assert_eq!(back.local(ms(13_000)), replaced.local(ms(13_000)));
        assert_eq!(back.due(ms(13_000), Duration(5)), ms(13_000) + Duration(5));
    }

    #[test]
    fn clock_draw_is_seeded_and_within_bounds() {
        let bounds = ClockBounds::default();
        let draw = |seed| {
            let mut rng = SimRng::new(seed);
            (0..200)
                .map(|_| Clock::draw(&mut rng, &bounds))
                .collect::<Vec<_>>()
        };
        let clocks = draw(7);
        assert_eq!(clocks, draw(7));
        assert_ne!(clocks, draw(8));
        for c in &clocks {
            assert!((10..=2_000).contains(&c.ppm().abs()), "{c}");
            assert!(c.offset() <= Duration::from_secs(1), "{c}");
            assert_eq!(c.offset().0 % 1_000_000, 0, "whole milliseconds: {c}");
            assert!(c.jumps().is_empty());
        }
        assert!(clocks.iter().any(|c| c.ppm() > 0) && clocks.iter().any(|c| c.ppm() < 0));
    }
}
