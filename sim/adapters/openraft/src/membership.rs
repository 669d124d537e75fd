//! Membership changes on openraft: the contract's [`ConfChange`]s as openraft's two ways
//! of changing a membership, and openraft's answers as the contract's refusals.
//!
//! The adapter first checks the changes against the configuration the leader uses, with
//! the contract's [`Configuration::after`] (the same answers as every adapter: a slot
//! outside the cluster, a role already held, a stranger removed, no voter left). openraft
//! knows no slots: it would take any id, and its leader would send to it. Then:
//! - **One change from a uniform membership** is openraft's single-step change,
//!   `Raft::append_membership` (0.10): the adapter builds the next membership whole and
//!   guards it with `Precondition::LastMembershipLogId`, as openraft's docs ask. openraft
//!   refuses it until the leader has committed an entry of its own term
//!   (`UncommittedLeaderLog`, the fix of the 2015 single-server bug) and while the
//!   previous membership has not committed (`InProgress`).
//! - **Several changes, or any from a joint membership**, go through
//!   `Raft::change_membership`, openraft's joint consensus: a joint entry, then, once it
//!   commits, a uniform one, proposed by the call's own task on the leader. openraft
//!   takes no barrier for it (`core/raft_core.rs`, `ensure_leader_log_committed`): each
//!   step keeps one voter set of the configuration before it exactly, so their quorums
//!   meet. A leader that crashes or loses office between the steps leaves the cluster in
//!   the joint membership, as openraft documents; the next change starts from its
//!   incoming half (openraft's `next_coherent`), so the driver can always move on.
//!   `retain` is chosen so that the learners end where the contract says: removed voters
//!   dropped (`false`) or kept as learners (`true`); a mix of learner changes that one
//!   `change_membership` cannot make is [`ChangeRefused::Unsupported`].
//!
//! A configuration takes effect when its entry is appended (openraft's effective
//! membership is the last one in the log), so the family declares
//! [`raft_contract::TakesEffect::OnAppend`].

#[cfg(not(feature = "openraft-alpha-24"))]
use crate::types::TypeConfig;
use crate::types::{LogId, StoredMembership};
use openraft::EmptyNode;
#[cfg(not(feature = "openraft-alpha-24"))]
use openraft::{
    entry::RaftPayload,
    error::{ChangeMembershipError, ClientWriteError, PreconditionFailed, RaftError},
    ChangeMembers, Precondition, RaftTypeConfig,
};
#[cfg(not(feature = "openraft-alpha-24"))]
use raft_contract::LogIndex;
use raft_contract::{ChangeRefused, ConfChange, Configuration, NodeId, NodeSet};
use std::collections::BTreeSet;

/// openraft's membership of one uniform configuration.
pub type Membership = openraft::Membership<u64, EmptyNode>;

/// What the adapter asks openraft for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Proposal {
    /// `append_membership` of exactly this membership, provided the effective one is
    /// still the one at `observed`.
    Append {
        /// The next membership, whole.
        membership: Membership,
        /// The log id of the membership it was built from.
        observed: Option<LogId>,
    },
    /// `change_membership(ReplaceAllVoters(voters), retain)`.
    Joint {
        /// The voters to end with.
        voters: BTreeSet<u64>,
        /// Whether removed voters stay as learners.
        retain: bool,
    },
}

/// The openraft ids of a set of slots.
fn ids(set: NodeSet) -> BTreeSet<u64> {
    set.iter().map(|n| u64::from(n.0)).collect()
}

/// The slots of a set of openraft ids.
fn slots<'a>(ids: impl IntoIterator<Item = &'a u64>) -> NodeSet {
    ids.into_iter()
        .map(|n| NodeId(u32::try_from(*n).expect("openraft id beyond the cluster")))
        .collect()
}

/// openraft's membership for a uniform configuration (every node an `EmptyNode`: the
/// simulated network routes by id).
pub fn openraft_membership(config: &Configuration) -> Membership {
    debug_assert!(!config.is_joint(), "{config}");
    openraft::Membership::new_with_defaults(vec![ids(config.voters)], ids(config.learners))
}

/// openraft's membership in the contract's terms: the last set of its joint
/// configuration is the incoming voters, an earlier one the outgoing voters.
pub fn configuration(stored: &StoredMembership) -> Configuration {
    let joint = stored.get_joint_config();
    Configuration {
        voters: joint.last().map_or(NodeSet::EMPTY, slots),
        outgoing: if joint.len() > 1 {
            slots(&joint[0])
        } else {
            NodeSet::EMPTY
        },
        learners: slots(&stored.membership().learner_ids().collect::<Vec<_>>()),
    }
}

/// What to ask openraft for so that `changes` take the leader from `current` (the
/// membership at log id `observed`) to where the contract says, in a cluster of
/// `peers` slots (see the module docs).
///
/// # Errors
/// What [`Configuration::after`] refuses, and [`ChangeRefused::Unsupported`] for learner
/// changes that one `change_membership` cannot make alongside a voter change.
pub fn proposal(
    current: Configuration,
    observed: Option<LogId>,
    changes: &[ConfChange],
    peers: usize,
) -> Result<Proposal, ChangeRefused> {
    let target = current.after(changes, peers)?;
    if changes.len() == 1 && !current.is_joint() {
        return Ok(Proposal::Append {
            membership: openraft_membership(&target),
            observed,
        });
    }
    let removed = current.all_voters().difference(target.voters);
    let kept = current.learners.difference(target.voters);
    let retain = if target.learners == kept {
        false
    } else if target.learners == kept.union(removed) {
        true
    } else {
        return Err(ChangeRefused::Unsupported);
    };
    Ok(Proposal::Joint {
        voters: ids(target.voters),
        retain,
    })
}

// alpha.24 has neither `append_membership` nor its refusals: the family declares no
// membership changes there.
#[cfg(not(feature = "openraft-alpha-24"))]
impl Proposal {
    /// Runs the proposal on `raft` to its end (openraft answers once the change is
    /// applied, or refused); the refusal, if any, in the contract's terms.
    pub async fn run(self, raft: crate::types::Raft) -> Option<ChangeRefused> {
        let result = match self {
            Proposal::Append {
                membership,
                observed,
            } => {
                let precondition = Precondition::LastMembershipLogId {
                    last_membership_log_id: observed,
                };
                raft.append_membership(
                    membership,
                    <TypeConfig as RaftTypeConfig>::Payload::blank(),
                    [precondition],
                )
                .await
            }
            Proposal::Joint { voters, retain } => {
                raft.change_membership(ChangeMembers::ReplaceAllVoters(voters), retain)
                    .await
            }
        };
        match result {
            Ok(_) => None,
            Err(RaftError::APIError(e)) => Some(refusal(&e)),
            // openraft stopped: the node leads nothing any more.
            Err(RaftError::Fatal(_)) => Some(ChangeRefused::NotLeader),
        }
    }
}

/// openraft's refusal of a membership change in the contract's terms.
#[cfg(not(feature = "openraft-alpha-24"))]
pub fn refusal(e: &ClientWriteError<TypeConfig>) -> ChangeRefused {
    let index = |id: &Option<LogId>| LogIndex(id.as_ref().map_or(0, |id| id.index));
    match e {
        ClientWriteError::ChangeMembershipError(e) => match e {
            ChangeMembershipError::InProgress(p) => {
                ChangeRefused::InFlight(index(&p.membership_log_id))
            }
            ChangeMembershipError::EmptyMembership(_) => ChangeRefused::NoVoterLeft,
            ChangeMembershipError::LearnerNotFound(l) => {
                ChangeRefused::NotMember(NodeId(u32::try_from(l.node_id).unwrap_or(u32::MAX)))
            }
            ChangeMembershipError::UncommittedLeaderLog(_) => ChangeRefused::TermNotCommitted,
            _ => ChangeRefused::Unsupported,
        },
        // The membership moved since the leader built the next one: the change of
        // another caller is in flight.
        ClientWriteError::PreconditionFailed(PreconditionFailed::LastMembershipLogIdMismatch {
            actual,
            ..
        }) => ChangeRefused::InFlight(index(actual)),
        _ => ChangeRefused::NotLeader,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u32]) -> NodeSet {
        ids.iter().map(|i| NodeId(*i)).collect()
    }

    fn config(voters: &[u32], outgoing: &[u32], learners: &[u32]) -> Configuration {
        Configuration {
            voters: set(voters),
            outgoing: set(outgoing),
            learners: set(learners),
        }
    }

    #[test]
    fn membership_round_trips_through_openraft() {
        for c in [
            Configuration::all(3),
            config(&[0, 2], &[], &[4]),
            config(&[1], &[], &[]),
        ] {
            let stored = StoredMembership::new(None, openraft_membership(&c));
            assert_eq!(configuration(&stored), c);
        }
        let joint = openraft::Membership::new_with_defaults(
            vec![ids(set(&[0, 1, 2])), ids(set(&[1, 2, 3]))],
            [5u64],
        );
        assert_eq!(
            configuration(&StoredMembership::new(None, joint)),
            config(&[1, 2, 3], &[0, 1, 2], &[5]),
            "the last set is the incoming half"
        );
    }

    #[test]
    fn membership_proposal_one_change_appends_several_go_joint() {
        use ConfChange::*;
        let n = NodeId;
        let learner = config(&[0, 1, 2], &[], &[3]);
        let observed = Some(LogId::new_term_index(1, 4));
        let appended = |c: &Configuration| Proposal::Append {
            membership: openraft_membership(c),
            observed,
        };
        let joint = |voters: &[u32], retain| Proposal::Joint {
            voters: ids(set(voters)),
            retain,
        };
        let table: [(
            Configuration,
            &[ConfChange],
            Result<Proposal, ChangeRefused>,
        ); 8] = [
            (
                learner,
                &[AddVoter(n(3))],
                Ok(appended(&config(&[0, 1, 2, 3], &[], &[]))),
            ),
            (
                learner,
                &[AddLearner(n(0))],
                Ok(appended(&config(&[1, 2], &[], &[0, 3]))),
            ),
            (
                learner,
                &[Remove(n(3))],
                Ok(appended(&Configuration::all(3))),
            ),
            // A swap: the removed voter goes, the promoted learner votes.
            (
                learner,
                &[Remove(n(0)), AddVoter(n(3))],
                Ok(joint(&[1, 2, 3], false)),
            ),
            // A demotion alongside a promotion: the removed voter stays a learner.
            (
                learner,
                &[AddLearner(n(0)), AddVoter(n(3))],
                Ok(joint(&[1, 2, 3], true)),
            ),
            // From a joint configuration even one change goes through
            // `change_membership`, from the incoming half.
            (
                config(&[1, 2, 3], &[0, 1, 2], &[]),
                &[Remove(n(1))],
                Ok(joint(&[2, 3], false)),
            ),
            // A learner added with a voter change: no single `change_membership`.
            (
                learner,
                &[AddVoter(n(3)), AddLearner(n(4))],
                Err(ChangeRefused::Unsupported),
            ),
            (
                learner,
                &[AddLearner(n(9))],
                Err(ChangeRefused::UnknownServer(n(9))),
            ),
        ];
        for (current, changes, expected) in table {
            let got = proposal(current, observed, changes, 5);
            assert_eq!(got, expected, "{changes:?} from {current}");
        }
    }
}
