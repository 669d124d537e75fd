//! A demo protocol (ping/echo with retries) that exercises the whole engine, used by the
//! engine's tests, its benchmark and the `PingFaults` scenario.

pub mod ping;
pub mod scenario;

pub use ping::{PingMsg, PingNode, PingOutput};
pub use scenario::{build, build_with, scenarios, PingPlan};
