//! Wall-clock timing for the CLI's reports: the one place in `sim` that reads the clock.
//!
//! Runs never see it: a run's outcome depends on its seed only. The CLI measures how long
//! runs took on the host to report wall time, events per second and the virtual-time
//! speedup, which is why the `clippy.toml` ban on `Instant::now` is lifted here.

use std::time::Duration;

/// A started wall-clock timer.
#[derive(Clone, Copy, Debug)]
pub struct Stopwatch {
    start: std::time::Instant,
}

impl Stopwatch {
    /// Starts timing now.
    pub fn start() -> Stopwatch {
        // Reporting only (wall time, events/s, speedup): nothing in a run depends on it.
        #[allow(clippy::disallowed_methods)]
        let start = std::time::Instant::now();
        Stopwatch { start }
    }

    /// Wall time since [`Stopwatch::start`].
    pub fn elapsed(&self) -> Duration {
        self.start.elapsed()
    }
}
