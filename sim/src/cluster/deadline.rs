//! The single timer a Raft-based node keeps for its library's `next_deadline()`.

use crate::engine::{Context, Instant, Node, TimerId};

/// A node's one engine timer for "the library has work at this instant".
///
/// The deadline moves with almost every message: a follower's election deadline is
/// pushed back by each AppendEntries. Cancelling and re-setting the timer each time left
/// one cancelled timer in the event queue per message, thousands per node, and made every
/// queue operation slower. Since the library's `tick` does nothing before its deadline
/// (firing early is harmless), an armed timer that fires no later than the new deadline
/// is kept: when it fires, the node ticks, finds nothing due, and arms the timer for
/// the deadline as it then stands. Only a deadline that moves earlier (a new leader's
/// first heartbeat) replaces the timer.
#[derive(Debug, Default)]
pub struct DeadlineTimer {
    armed: Option<(TimerId, Instant)>,
}

impl DeadlineTimer {
    /// No timer armed (a node that just started).
    pub fn new() -> DeadlineTimer {
        DeadlineTimer::default()
    }

    /// Makes sure a timer fires at `deadline` or before it, setting one tagged `tag` if
    /// the armed one would fire later or none is armed.
    pub fn arm<N: Node>(&mut self, ctx: &mut Context<'_, N>, deadline: Instant, tag: N::Timer) {
        if let Some((id, at)) = self.armed {
            if at <= deadline {
                return;
            }
            ctx.cancel_timer(id);
        }
        let id = ctx.set_timer(deadline.saturating_since(ctx.now()), tag);
        self.armed = Some((id, deadline));
    }

    /// Records that the armed timer fired.
    pub fn fired(&mut self) {
        self.armed = None;
    }
}
