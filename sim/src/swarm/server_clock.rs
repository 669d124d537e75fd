//! A schedule file's `clocks`: which servers run on a clock other than true time (see
//! [`crate::engine::clock`]), in the schedule's units (milliseconds, parts per million).
//!
//! ```json
//! "clocks": [
//!   {"server": 1, "offset_ms": 250, "ppm": -1000, "jumps": [{"at_ms": 4000, "by_ms": 300}]}
//! ]
//! ```
//!
//! Every number is checked against what a [`Clock`] can be before anything runs; the
//! signed fields are signed in the file too, so that a negative offset or a backward
//! jump is refused by name rather than as a JSON type error.

use super::schedule_error::{within, ScheduleError};
use crate::engine::clock::{JUMPS_MAX, JUMP_MAX, OFFSET_MAX, PPM_MAX};
use crate::engine::{Clock, Duration, Instant, Jump};
use serde::{Deserialize, Serialize};

/// The latest instant a jump may be scheduled at, in milliseconds: the lab's 120 s
/// limit, past which no run goes on.
pub const JUMP_AT_MS_MAX: i64 = 120_000;

/// Nanoseconds per millisecond.
const MS: u64 = 1_000_000;

/// One server's clock in a schedule file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerClock {
    /// The server (numbered as the faults number them).
    pub server: usize,
    /// Its local time at true time 0, in milliseconds (0 or more: local time starts at
    /// or after true time 0).
    #[serde(default)]
    pub offset_ms: i64,
    /// How fast it runs, in parts per million (negative: slow).
    #[serde(default)]
    pub ppm: i64,
    /// Forward steps, in order of their instants.
    #[serde(default)]
    pub jumps: Vec<ClockJump>,
}

/// A forward step of a server's clock in a schedule file (see [`Jump`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClockJump {
    /// When, in milliseconds of true time after the start of the run.
    pub at_ms: i64,
    /// How far ahead local time moves, in milliseconds (more than 0: a clock only jumps
    /// forward).
    pub by_ms: i64,
}

impl ServerClock {
    /// Checks the entry, named `field` in errors (`clocks[2]`), of a cluster of
    /// `servers`.
    ///
    /// # Errors
    /// The first number out of range, or jumps out of order, naming the field.
    pub fn validate(&self, field: &str, servers: usize) -> Result<(), ScheduleError> {
        if self.server >= servers {
            return Err(ScheduleError::OutOfRange {
                field: format!("{field}.server"),
                value: self.server.to_string(),
                allowed: format!("0 to {} (profile.servers is {servers})", servers.max(1) - 1),
            });
        }
        let offset_ms_max = (OFFSET_MAX.0 / MS) as i64;
        within(
            &format!("{field}.offset_ms"),
            self.offset_ms,
            0,
            offset_ms_max,
            " (local time cannot start before true time 0)",
        )?;
        within(&format!("{field}.ppm"), self.ppm, -PPM_MAX, PPM_MAX, "")?;
        within(
            &format!("{field}.jumps"),
            self.jumps.len() as i64,
            0,
            JUMPS_MAX as i64,
            " entries",
        )?;
        let mut last = 0;
        for (k, jump) in self.jumps.iter().enumerate() {
            let name = |sub: &str| format!("{field}.jumps[{k}].{sub}");
            within(&name("at_ms"), jump.at_ms, 0, JUMP_AT_MS_MAX, "")?;
            let by_ms_max = (JUMP_MAX.0 / MS) as i64;
            let forward = " (a clock only jumps forward)";
            within(&name("by_ms"), jump.by_ms, 1, by_ms_max, forward)?;
            if jump.at_ms < last {
                return Err(ScheduleError::Invalid {
                    field: name("at_ms"),
                    why: format!("is {} ms, before the jump above at {last} ms", jump.at_ms),
                });
            }
            last = jump.at_ms;
        }
        Ok(())
    }

    /// The clock this entry describes.
    ///
    /// # Panics
    /// If the entry did not pass [`ServerClock::validate`].
    pub fn clock(&self) -> Clock {
        let unsigned = |v: i64| u64::try_from(v).expect("a validated clock") * MS;
        let jumps = self
            .jumps
            .iter()
            .map(|j| Jump {
                at: Instant(unsigned(j.at_ms)),
                by: Duration(unsigned(j.by_ms)),
            })
            .collect();
        Clock::new(Duration(unsigned(self.offset_ms)), self.ppm, jumps)
            .unwrap_or_else(|why| panic!("server {}'s clock: {why}", self.server))
    }

    /// The entry for `clock` of server `server`, when the schedule's units say it
    /// exactly (offsets and jumps in whole milliseconds, as [`Clock::draw`] draws
    /// them); `None` otherwise.
    pub fn of(server: usize, clock: &Clock) -> Option<ServerClock> {
        let ms = |ns: u64| {
            (ns % MS == 0)
                .then(|| i64::try_from(ns / MS).ok())
                .flatten()
        };
        let jumps = clock
            .jumps()
            .iter()
            .map(|j| {
                Some(ClockJump {
                    at_ms: ms(j.at.0)?,
                    by_ms: ms(j.by.0)?,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Some(ServerClock {
            server,
            offset_ms: ms(clock.offset().0)?,
            ppm: clock.ppm(),
            jumps,
        })
    }
}

/// Renders as the profile line names a clock: the server, its rate error, then its
/// offset and each jump when it has them: `1:-1500ppm+250ms,jump@900ms+300ms` (a
/// server 250 ms ahead at true time 0, 1500 ppm slow, stepped 300 ms forward at 0.9 s).
impl std::fmt::Display for ServerClock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{:+}ppm", self.server, self.ppm)?;
        if self.offset_ms != 0 {
            write!(f, "{:+}ms", self.offset_ms)?;
        }
        for jump in &self.jumps {
            write!(f, ",jump@{}ms+{}ms", jump.at_ms, jump.by_ms)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{ClockBounds, SimRng};

    #[test]
    fn server_clock_round_trips_drawn_clocks() {
        let mut rng = SimRng::new(3);
        for server in 0..50 {
            let clock = Clock::draw(&mut rng, &ClockBounds::default());
            let entry = ServerClock::of(server, &clock).expect("whole milliseconds");
            assert_eq!(entry.validate("clocks[0]", 50), Ok(()));
            assert_eq!(entry.clock(), clock);
        }
        let odd = Clock::new(Duration(1), 0, Vec::new()).expect("valid");
        assert_eq!(
            ServerClock::of(0, &odd),
            None,
            "1 ns is no whole millisecond"
        );
    }

    #[test]
    fn server_clock_display_names_rate_offset_and_jumps() {
        let mut entry = ServerClock {
            server: 1,
            offset_ms: 250,
            ppm: -1_500,
            jumps: vec![ClockJump {
                at_ms: 900,
                by_ms: 300,
            }],
        };
        assert_eq!(entry.to_string(), "1:-1500ppm+250ms,jump@900ms+300ms");
        (entry.offset_ms, entry.ppm, entry.jumps) = (0, 40, Vec::new());
        assert_eq!(entry.to_string(), "1:+40ppm");
    }

    /// An edit of a valid entry, and the error it must give.
    type Case = (fn(&mut ServerClock), &'static str);

    #[test]
    fn server_clock_validate_names_field_and_value() {
        let table: [Case; 7] = [
            (
                |c| c.server = 3,
                "clocks[0].server is 3; allowed: 0 to 2 (profile.servers is 3)",
            ),
            (
                |c| c.offset_ms = -5,
                "clocks[0].offset_ms is -5; allowed: 0 to 31536000000 (local time cannot start before true time 0)",
            ),
            (
                |c| c.ppm = 100_001,
                "clocks[0].ppm is 100001; allowed: -100000 to 100000",
            ),
            (
                |c| c.jumps[0].by_ms = -200,
                "clocks[0].jumps[0].by_ms is -200; allowed: 1 to 86400000 (a clock only jumps forward)",
            ),
            (
                |c| c.jumps[0].at_ms = 120_001,
                "clocks[0].jumps[0].at_ms is 120001; allowed: 0 to 120000",
            ),
            (
                |c| c.jumps.push(ClockJump { at_ms: 10, by_ms: 1 }),
                "clocks[0].jumps[1].at_ms is 10 ms, before the jump above at 500 ms",
            ),
            (
                |c| c.jumps = vec![ClockJump { at_ms: 1, by_ms: 1 }; 65],
                "clocks[0].jumps is 65; allowed: 0 to 64 entries",
            ),
        ];
        for (edit, why) in table {
            let mut entry = ServerClock {
                server: 1,
                offset_ms: 0,
                ppm: -1_000,
                jumps: vec![ClockJump {
                    at_ms: 500,
                    by_ms: 20,
                }],
            };
            assert_eq!(entry.validate("clocks[0]", 3), Ok(()));
            edit(&mut entry);
            let err = entry.validate("clocks[0]", 3).map_err(|e| e.to_string());
            assert_eq!(err, Err(why.to_string()));
        }
    }
}
