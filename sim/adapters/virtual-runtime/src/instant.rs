//! [`Instant`]: a point of virtual time, in nanoseconds since the simulation began.

use std::fmt;
use std::ops::{Add, AddAssign, Sub, SubAssign};
use std::time::Duration;

/// A point of virtual time: nanoseconds since the simulation's epoch.
///
/// The unit is raftsim's (`raft_contract::Instant` counts nanoseconds too), so the
/// adapter converts with [`Instant::from_nanos`] and [`Instant::as_nanos`] and nothing
/// is rounded. openraft reads the current instant through `openraft_rt::Instant::now`,
/// which returns the clock of the node the driver made current (see
/// [`Runtime`](crate::Runtime)).
///
/// Arithmetic follows `std::time::Instant`, with one difference: subtracting a
/// duration longer than the time since the epoch gives the epoch instead of
/// panicking. The virtual clock starts at zero, where `std`'s starts at the machine's
/// boot, so `now - timeout` early in a run is ordinary code here, not a bug.
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

impl Instant {
    /// The simulation's epoch.
    pub const ZERO: Instant = Instant(0);

    /// The instant `nanos` nanoseconds after the epoch.
    pub const fn from_nanos(nanos: u64) -> Instant {
        Instant(nanos)
    }

    /// Nanoseconds since the epoch.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }

    /// The time from `earlier` to `self`, or zero if `earlier` is later.
    pub fn saturating_since(self, earlier: Instant) -> Duration {
        Duration::from_nanos(self.0.saturating_sub(earlier.0))
    }

    /// `duration` in whole nanoseconds.
    ///
    /// # Panics
    /// If it does not fit in a `u64` (more than 584 years).
    fn nanos(duration: Duration) -> u64 {
        u64::try_from(duration.as_nanos())
            .unwrap_or_else(|_| panic!("virtual time: {duration:?} is over 584 years"))
    }
}

impl fmt::Debug for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Instant({:?})", Duration::from_nanos(self.0))
    }
}

impl Add<Duration> for Instant {
    type Output = Instant;

    /// # Panics
    /// If the sum passes `u64::MAX` nanoseconds.
    fn add(self, rhs: Duration) -> Instant {
        let sum = self.0.checked_add(Instant::nanos(rhs));
        Instant(sum.unwrap_or_else(|| panic!("virtual time overflow: {self:?} + {rhs:?}")))
    }
}

impl AddAssign<Duration> for Instant {
    fn add_assign(&mut self, rhs: Duration) {
        *self = *self + rhs;
    }
}

impl Sub<Duration> for Instant {
    type Output = Instant;

    /// Saturates at the epoch (see the type's doc).
    fn sub(self, rhs: Duration) -> Instant {
        Instant(self.0.saturating_sub(Instant::nanos(rhs)))
    }
}

impl SubAssign<Duration> for Instant {
    fn sub_assign(&mut self, rhs: Duration) {
        *self = *self - rhs;
    }
}

impl Sub<Instant> for Instant {
    type Output = Duration;

    /// Saturates at zero, as `std::time::Instant` does.
    fn sub(self, rhs: Instant) -> Duration {
        self.saturating_since(rhs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instant_arithmetic_is_exact_in_nanoseconds() {
        let t = Instant::from_nanos(1_000);
        assert_eq!((t + Duration::from_micros(1)).as_nanos(), 2_000);
        assert_eq!(t + Duration::from_nanos(5) - t, Duration::from_nanos(5));
        let mut u = t;
        u += Duration::from_nanos(7);
        u -= Duration::from_nanos(2);
        assert_eq!(u.as_nanos(), 1_005);
    }

    #[test]
    fn instant_before_the_epoch_saturates() {
        let t = Instant::from_nanos(10);
        assert_eq!(t - Duration::from_secs(1), Instant::ZERO);
        assert_eq!(Instant::ZERO - t, Duration::ZERO);
    }

    #[test]
    #[should_panic(expected = "virtual time overflow")]
    fn instant_past_u64_nanos_panics() {
        let _ = Instant::from_nanos(u64::MAX) + Duration::from_nanos(1);
    }
}
