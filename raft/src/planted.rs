//! Classic Raft bugs planted in this crate, for raftsim's suite of broken Rafts: each
//! [`Bug`] is a small variant of the reference Raft, or a wrapper around it that
//! misbehaves, taken from the Raft literature. A tester whose safety monitors pass the
//! reference Raft must catch every one of them (`sim/tests/planted_bugs.rs`).
//!
//! Only with the `planted-bugs` feature, which only raftsim's tests enable. A node runs
//! with a bug when its [`crate::Config::bug`] names it; [`Planted`] boots such nodes
//! with the crate's own cross-node assertions off ([`crate::Config::self_checks`]), so
//! that what catches the bug is the tester, never an `assert!` inside this crate.

pub use crate::bug::Bug;
use crate::config::Config;
use crate::message::Message;
use crate::node::Raft;
use crate::ready::Ready;
use raft_contract::{
    Boot, ChangeRefused, Command, ConfChange, Error, Instant, LogIndex, NodeId, Persisted,
    RaftNode, Settings, Status, Term,
};
use std::fmt;
use std::marker::PhantomData;

impl Config {
    /// The configuration `settings` ask for ([`Config::from_settings`]) with `bug`
    /// planted (if any) and the crate's own cross-node assertions off.
    pub fn planted(bug: Option<Bug>, settings: &Settings) -> Config {
        Config {
            self_checks: false,
            bug,
            ..Config::from_settings(settings)
        }
    }
}

/// Names the bug of a [`Planted`] node: implemented by one marker type per bug, which
/// is also the implementation's `RaftFamily` in raftsim's tests.
pub trait Plant: fmt::Debug + 'static {
    /// The bug; `None` plants none and only turns the crate's cross-node assertions
    /// off: the reference Raft as a foreign Raft would be, with nothing inside it to
    /// catch what a change breaks (the mutation gate runs on such a node).
    const BUG: Option<Bug>;
}

/// The reference Raft with bug `P::BUG` planted: booted with [`Config::planted`], and
/// wrapped for the bugs that live at the contract's boundary (what a restart
/// recovers, when the state is saved).
pub struct Planted<C, P> {
    raft: Raft<C>,
    /// [`Bug::AckBeforePersist`]: the newest state not saved yet.
    unsaved: Option<Persisted>,
    /// [`Bug::AckBeforePersist`]: a tick happened since the last `ready`.
    ticked: bool,
    plant: PhantomData<P>,
}

impl<C: fmt::Debug, P> fmt::Debug for Planted<C, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Planted")
            .field("raft", &self.raft)
            .field("unsaved", &self.unsaved.is_some())
            .finish()
    }
}

impl<C: Command, P: Plant> RaftNode<C> for Planted<C, P> {
    type Message = Message<C>;

    fn boot(boot: Boot) -> Result<Self, Error> {
        let mut raft = Raft::new(
            boot.id,
            boot.peers,
            boot.persisted,
            Config {
                reads: boot.reads,
                boot_configuration: Some(boot.config),
                ..Config::planted(P::BUG, &boot.settings)
            },
            boot.seed,
            boot.now,
        )
        .map_err(|e| Error::Boot(e.to_string()))?;
        match P::BUG {
            // As if the disk never had the vote: what it saved is lost on restart.
            Some(Bug::ForgetVote) => raft.voted_for = None,
            // As if the disk had only the log: the term is rebuilt from its last entry.
            Some(Bug::ForgetTerm) => {
                raft.current_term = raft.log.last_term();
                raft.voted_for = None;
            }
            _ => {}
        }
        Ok(Planted {
            raft,
            unsaved: None,
            ticked: false,
            plant: PhantomData,
        })
    }

    fn start(&mut self, command: C, now: Instant) -> Option<(LogIndex, Term)> {
        Raft::start(&mut self.raft, command, now).ok()
    }

    fn state(&self) -> (Term, bool) {
        self.raft.state()
    }

    fn snapshot(&mut self, index: LogIndex, data: Vec<u8>) -> Result<(), Error> {
        Raft::snapshot(&mut self.raft, index, data)
            .map_err(|e| Error::SnapshotRefused(e.to_string()))
    }

    fn step(&mut self, from: NodeId, msg: Message<C>, now: Instant) {
        self.raft.step(from, msg, now);
    }

    fn read(&mut self, ctx: u64, now: Instant) -> bool {
        self.raft.read(ctx, now)
    }

    fn discards(&self, msg: &Message<C>, now: Instant) -> bool {
        self.raft.ignores_vote_request(msg, now)
    }

    fn change(&mut self, changes: &[ConfChange], now: Instant) -> Result<LogIndex, ChangeRefused> {
        self.raft.change(changes, now)
    }

    fn tick(&mut self, now: Instant) {
        self.raft.tick(now);
        self.ticked = true;
    }

    fn next_deadline(&self) -> Instant {
        self.raft.next_deadline()
    }

    /// Under [`Bug::AckBeforePersist`], the state to save is held back (messages and
    /// applied entries go out at once) and saved only in the `ready` after a tick.
    fn ready(&mut self) -> Ready<C> {
        let mut ready = self.raft.ready();
        if P::BUG == Some(Bug::AckBeforePersist) {
            if let Some(state) = ready.persist.take() {
                self.unsaved = Some(state);
            }
            if self.ticked {
                ready.persist = self.unsaved.take();
            }
        }
        self.ticked = false;
        ready
    }

    fn status(&self) -> Status {
        self.raft.status()
    }

    fn log_term(&self, index: LogIndex) -> Option<Term> {
        self.raft.log.term_at(index)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::ms;

    #[derive(Debug)]
    struct Late;
    impl Plant for Late {
        const BUG: Option<Bug> = Some(Bug::AckBeforePersist);
    }

    #[derive(Debug)]
    struct Forgetful;
    impl Plant for Forgetful {
        const BUG: Option<Bug> = Some(Bug::ForgetVote);
    }

    fn boot<P: Plant>(persisted: Persisted) -> Planted<u64, P> {
        let boot = Boot {
            id: NodeId(0),
            peers: 3,
            config: raft_contract::Configuration::all(3),
            persisted,
            seed: 0,
            now: ms(0),
            settings: Settings::defaults(),
            reads: raft_contract::ReadMode::Log,
        };
        Planted::boot(boot).expect("boots")
    }

    #[test]
    fn planted_names_are_distinct_and_prefixed() {
        let all = (Bug::ALL.iter().chain(&Bug::AMPLIFIERS))
            .chain(&Bug::READS)
            .chain(&Bug::MEMBERSHIP);
        let mut names: Vec<&str> = all.map(|b| b.name()).collect();
        assert!(names.iter().all(|n| n.starts_with("bug-")));
        names.sort_unstable();
        names.dedup();
        assert_eq!(
            names.len(),
            Bug::ALL.len() + Bug::AMPLIFIERS.len() + Bug::READS.len() + Bug::MEMBERSHIP.len()
        );
    }

    #[test]
    fn planted_ack_before_persist_saves_only_after_a_tick() {
        let mut r = boot::<Late>(Persisted::default());
        let deadline = r.next_deadline();
        r.tick(deadline); // a pre-vote, granted: an election, whose term and vote are
                          // saved with this ready
        let granted = Message::PreVoteReply(crate::message::RequestVoteReply {
            term: Term(1),
            vote_granted: true,
        });
        r.step(NodeId(2), granted, deadline);
        let ready = r.ready();
        assert!(ready.persist.is_some(), "saved in the ready after a tick");
        let vote = Message::RequestVote(crate::message::RequestVote {
            term: Term(5),
            last_log_index: LogIndex(0),
            last_log_term: Term(0),
        });
        r.step(NodeId(1), vote, deadline);
        let ready = r.ready();
        assert!(ready.persist.is_none(), "the granted vote is not saved yet");
        assert_eq!(ready.messages.len(), 1, "but the answer leaves at once");
        r.tick(deadline);
        let saved = r.ready().persist.expect("saved at the next tick");
        let again = boot::<Forgetful>(saved.clone());
        assert_eq!(again.raft.current_term, Term(5));
        assert_eq!(again.raft.voted_for, None, "forgotten on restart");
        let reference =
            Raft::<u64>::new(NodeId(0), 3, saved, Config::default(), 0, ms(0)).expect("boots");
        assert_eq!(
            reference.voted_for,
            Some(NodeId(1)),
            "the disk has the vote"
        );
    }
}
