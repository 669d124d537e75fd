//! "Test your own Raft" (README): the smallest Raft that implements raftsim's contract,
//! registered as `skeleton`, with raftsim's whole command line. The program registers
//! only it, so it is the default: `--raft skeleton` may be left out (`--raft ours`
//! still picks raftsim's own).
//!
//! ```sh
//! cargo run --release --example own_raft -- list
//! cargo run --release --example own_raft -- run InitialElection2A --seed 1
//! ```
//!
//! This skeleton never elects anyone, so the second command prints a FAIL line ("expected
//! one leader, got none"), the replay command and the failure's files. The replay
//! command leaves out `--raft skeleton` as it leaves out the default everywhere, and
//! names `cargo run --release --`, which in a crate of your own runs your binary. Replace the
//! bodies below with your Raft (or make `MyRaft` a thin wrapper around it) and the lab
//! scenarios, the safety monitors and the swarm test it the same way they test raftsim's
//! own.

use raft_contract::{
    Ack, ApplyMsg, Boot, Command, Configuration, Error, Instant, LogIndex, MessageKind, NodeId,
    RaftFamily, RaftMessage, RaftNode, Ready, Role, Status, Term,
};
use serde::Serialize;
use sim::implementation::Implementation;
use sim::registry::Registered;
use std::process::ExitCode;

/// Your messages: anything serde can serialize (the simulator counts their bytes).
#[derive(Clone, Debug, Serialize)]
pub enum MyMessage {
    /// A candidate asks for a vote.
    RequestVote {
        /// The candidate's term.
        term: Term,
    },
    /// A voter answers.
    Vote {
        /// The voter's term.
        term: Term,
        /// True if granted.
        granted: bool,
    },
}

impl RaftMessage for MyMessage {
    fn is_request(&self) -> bool {
        matches!(self, MyMessage::RequestVote { .. })
    }

    /// What the timeline groups messages by (and, for appends, whether to hide them as
    /// heartbeats). Optional: without it every message shows as `Other`.
    fn kind(&self) -> MessageKind {
        match self {
            MyMessage::RequestVote { .. } => MessageKind::Vote,
            MyMessage::Vote { .. } => MessageKind::VoteReply,
        }
    }

    fn term(&self) -> Option<Term> {
        match self {
            MyMessage::RequestVote { term } | MyMessage::Vote { term, .. } => Some(*term),
        }
    }

    fn ack(&self) -> Option<Ack> {
        match self {
            MyMessage::RequestVote { term } => Some(Ack::Candidacy { term: *term }),
            MyMessage::Vote {
                term,
                granted: true,
            } => Some(Ack::Vote { term: *term }),
            MyMessage::Vote { .. } => None,
        }
    }
}

/// Your Raft node. This one only keeps what the status view reports.
pub struct MyRaft<C> {
    term: Term,
    voted_for: Option<NodeId>,
    log: Vec<(Term, C)>,
    next_deadline: Instant,
    /// Who takes part: every slot, as long as the Raft makes no membership changes.
    config: Configuration,
}

impl<C: Command> RaftNode<C> for MyRaft<C> {
    type Message = MyMessage;

    fn boot(boot: Boot) -> Result<Self, Error> {
        // A real node decodes boot.persisted.raft_state here and draws its election
        // timeout from boot.seed.
        Ok(MyRaft {
            term: Term(0),
            voted_for: None,
            log: Vec::new(),
            next_deadline: Instant(boot.now.0 + 1_000_000_000),
            config: boot.config,
        })
    }

    fn start(&mut self, _command: C, _now: Instant) -> Option<(LogIndex, Term)> {
        None // never the leader
    }

    fn state(&self) -> (Term, bool) {
        (self.term, false)
    }

    fn snapshot(&mut self, _index: LogIndex, _data: Vec<u8>) -> Result<(), Error> {
        Ok(())
    }

    fn step(&mut self, _from: NodeId, _msg: MyMessage, _now: Instant) {}

    fn tick(&mut self, now: Instant) {
        self.next_deadline = Instant(now.0 + 1_000_000_000);
    }

    fn next_deadline(&self) -> Instant {
        self.next_deadline
    }

    fn ready(&mut self) -> Ready<C, MyMessage> {
        // Save, send, apply: nothing, here.
        let _unused: Vec<ApplyMsg<C>> = Vec::new();
        Ready::default()
    }

    fn status(&self) -> Status {
        Status {
            term: self.term,
            role: Role::Follower,
            voted_for: self.voted_for,
            commit_index: LogIndex(0),
            snapshot: None,
            last_index: LogIndex(self.log.len() as u64),
            config: self.config,
            config_index: LogIndex(0),
        }
    }

    fn log_term(&self, index: LogIndex) -> Option<Term> {
        match index.0 {
            0 => Some(Term(0)),
            i => self.log.get(i as usize - 1).map(|(t, _)| *t),
        }
    }
}

/// The implementation: your node for every command type, with a name for `--raft`.
pub struct Skeleton;

impl RaftFamily for Skeleton {
    type Node<C: Command> = MyRaft<C>;
}

impl Implementation for Skeleton {
    const NAME: &'static str = "skeleton";
    const DESCRIPTION: &'static str = "the README's skeleton: never elects anyone";
}

fn main() -> ExitCode {
    sim::cli::command::main_with(vec![Registered::of::<Skeleton>()])
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::registry;
    use sim::scenario::RunConfig;

    fn seed_one() -> RunConfig {
        RunConfig {
            seed: 1,
            ..RunConfig::default()
        }
    }

    /// The tutorial's failure: the lab's election test, on the skeleton, through the
    /// registry exactly as `run InitialElection2A` without `--raft` finds it (this
    /// program's default is the skeleton, the one implementation it registers), with a
    /// replay command that leaves the default out; `--raft ours` stays spelled.
    #[test]
    fn skeleton_is_the_default_and_fails_the_election_test_as_the_tutorial_says() {
        registry::register(vec![Registered::of::<Skeleton>()]);
        assert_eq!(registry::default_raft(), "skeleton");
        let all = registry::registry();
        let s = registry::find(&all, "InitialElection2A").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.implementation, "skeleton");
        let outcome = registry::run(&s, &seed_one());
        assert_eq!(
            outcome.failure.as_deref(),
            Some("expected one leader, got none")
        );
        assert_eq!(
            outcome.replay_command(),
            "cargo run --release -- run InitialElection2A --seed 1"
        );
        let ours = registry::implementation("ours").unwrap_or_else(|e| panic!("{e}"));
        let s = registry::find(&ours.scenarios(), "InitialElection2A")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            registry::run(&s, &seed_one()).replay_command(),
            "cargo run --release -- run InitialElection2A --seed 1 --raft ours"
        );
    }
}
