//! State Machine Safety (Figure 3): if a node has applied a command at an index, no
//! other node ever applies a different one at that index. Commands are compared by the
//! hash of their encoding.

use super::view::NodeView;
use super::violation::{Property, Violation};
use crate::monitor::observed::Applied;
use raft_contract::{LogIndex, NodeId};

/// The first command applied at each apply index, by hash, and by whom.
#[derive(Clone, Debug, Default)]
pub struct StateMachineSafety {
    applied: Vec<Option<(u64, NodeId)>>,
}

impl StateMachineSafety {
    /// Checks every command the node just applied against what others applied there.
    ///
    /// # Errors
    /// The violation, naming both nodes and the index.
    pub fn check(&mut self, view: &NodeView<'_>) -> Result<(), Violation> {
        for item in &view.observed.applied {
            let Applied::Command { index, digest } = *item else {
                continue;
            };
            if index == LogIndex(0) {
                continue;
            }
            let pos = usize::try_from(index.0 - 1).expect("index fits in memory");
            if pos >= self.applied.len() {
                self.applied.resize(pos + 1, None);
            }
            match self.applied[pos] {
                None => self.applied[pos] = Some((digest, view.node)),
                Some((d, _)) if d == digest => {}
                Some((_, other)) => {
                    let detail = format!(
                        "{} and {} applied different commands at index {index}",
                        other, view.node
                    );
                    return Err(Violation::new(
                        Property::StateMachineSafety,
                        view.node,
                        view.event,
                        detail,
                    )
                    .with(other)
                    .index(index));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::monitor::testkit::Fake;
    use crate::monitor::{Monitors, Property};

    #[test]
    fn state_machine_safety_different_commands_at_one_index_fail() {
        let mut m = Monitors::new(5);
        let mut a = Fake::new(0);
        a.apply(1, 7);
        assert!(a.check(&mut m, 1).is_ok());
        let mut b = Fake::new(1);
        b.apply(1, 7);
        assert!(b.check(&mut m, 2).is_ok(), "the same command");
        b.apply(2, 9);
        assert!(b.check(&mut m, 3).is_ok());
        let mut c = Fake::new(2);
        c.apply(1, 7);
        c.apply(2, 8);
        let v = c.check(&mut m, 4).expect_err("another command at 2");
        assert_eq!(v.property, Property::StateMachineSafety);
        assert_eq!(v.index.map(|i| i.0), Some(2));
    }
}
