//! The checks a configuration change passes before the adapter proposes it.
//!
//! raft-rs itself refuses little, and silently: a leader with a change pending, or in a
//! joint configuration not yet left, turns the proposal into an empty normal entry
//! (raft.rs, `MsgPropose`), and `Changer` errors only when the entry is *applied*
//! (no voter left, a simple change of two voters, entering a joint state twice). The
//! contract wants an answer at once, so the node asks raft-rs's leader state first
//! (see `RaftNode::change` in [`crate::node`]) and this module checks the changes
//! against the configuration in use, one after the other as raft-rs's `Changer`
//! applies them: changes that `Changer` would carry out as no-ops (removing a
//! stranger, adding a voter twice) are refused as such, and a change leaving no voter
//! is refused before raft-rs would fail to apply it.

use raft_contract::{ChangeRefused, ConfChange, Configuration, NodeSet};

/// Checks `changes`, in order, against `config` (not joint: the caller checked) in a
/// cluster of `peers` slots; returns the configuration they lead to (the incoming half,
/// for a joint change).
///
/// # Errors
/// [`ChangeRefused::Unsupported`] for no change at all (raft-rs would read an empty
/// change as "leave the joint configuration"), [`ChangeRefused::UnknownServer`] for an
/// id outside the cluster, [`ChangeRefused::AlreadyMember`] for a server that already
/// has the role, [`ChangeRefused::NotMember`] for removing a server outside the
/// configuration, [`ChangeRefused::NoVoterLeft`] when no voter would remain.
pub(crate) fn check(
    changes: &[ConfChange],
    config: Configuration,
    peers: usize,
) -> Result<Configuration, ChangeRefused> {
    assert!(
        !config.is_joint(),
        "checking changes against the joint configuration {config}"
    );
    if changes.is_empty() {
        return Err(ChangeRefused::Unsupported);
    }
    if let Some(c) = changes.iter().find(|c| c.server().index() >= peers) {
        return Err(ChangeRefused::UnknownServer(c.server()));
    }
    let mut next = config;
    for &change in changes {
        let id = change.server();
        let refused = match change {
            ConfChange::AddLearner(_) => next.learners.contains(id),
            ConfChange::AddVoter(_) => next.voters.contains(id),
            ConfChange::Remove(_) => !next.members().contains(id),
        };
        if refused {
            return Err(match change {
                ConfChange::Remove(_) => ChangeRefused::NotMember(id),
                _ => ChangeRefused::AlreadyMember(id),
            });
        }
        next = change.applied_to(next);
    }
    if next.voters.is_empty() {
        return Err(ChangeRefused::NoVoterLeft);
    }
    assert!(
        next.voters.intersection(next.learners) == NodeSet::EMPTY,
        "{next}: a server both voter and learner"
    );
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use raft_contract::NodeId;

    #[test]
    fn change_check_refuses_each_wrong_change_and_passes_the_rest() {
        use ChangeRefused::*;
        use ConfChange::*;
        let n = NodeId;
        let learner = Configuration {
            learners: NodeSet::of([n(3)]),
            ..Configuration::all(3)
        };
        let one = Configuration::all(1);
        let table: [(&[ConfChange], Configuration, Result<NodeSet, ChangeRefused>); 11] = [
            (&[], learner, Err(Unsupported)),
            (&[AddLearner(n(5))], learner, Err(UnknownServer(n(5)))),
            (&[AddLearner(n(3))], learner, Err(AlreadyMember(n(3)))),
            (&[AddVoter(n(0))], learner, Err(AlreadyMember(n(0)))),
            (&[Remove(n(4))], learner, Err(NotMember(n(4)))),
            (&[Remove(n(0))], one, Err(NoVoterLeft)),
            (&[AddLearner(n(0))], one, Err(NoVoterLeft)),
            (
                &[AddVoter(n(3)), AddVoter(n(3))],
                learner,
                Err(AlreadyMember(n(3))),
            ),
            (&[AddVoter(n(3))], learner, Ok(NodeSet::first(4))),
            (&[Remove(n(3))], learner, Ok(NodeSet::first(3))),
            (
                &[AddVoter(n(3)), Remove(n(0))],
                learner,
                Ok(NodeSet::of([n(1), n(2), n(3)])),
            ),
        ];
        for (changes, config, expected) in table {
            let got = check(changes, config, 5).map(|c| c.voters);
            assert_eq!(got, expected, "{changes:?} on {config}");
        }
    }

    #[test]
    #[should_panic(expected = "joint configuration")]
    fn change_check_on_a_joint_configuration_panics() {
        let joint = Configuration {
            outgoing: NodeSet::first(2),
            ..Configuration::all(3)
        };
        let _ = check(&[ConfChange::Remove(NodeId(0))], joint, 3);
    }
}
