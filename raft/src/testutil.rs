//! Helpers shared by the unit tests.

use crate::config::Config;
use crate::log::{Entry, Log, SnapshotMeta};
use crate::node::Raft;
use crate::persist;
use raft_contract::Persisted;
use raft_contract::{Configuration, Instant, Term};

/// `ms` milliseconds of virtual time.
pub(crate) fn ms(ms: u64) -> Instant {
    Instant::from_millis(ms)
}

/// A fresh node `id` of `n`, created at time 0, seeded with its id.
pub(crate) fn fresh(id: u32, n: usize) -> Raft<u64> {
    fresh_with(id, n, Config::default())
}

/// A fresh node as [`fresh`], with `config`.
pub(crate) fn fresh_with(id: u32, n: usize, config: Config) -> Raft<u64> {
    Raft::new(
        crate::NodeId(id),
        n,
        Persisted::default(),
        config,
        u64::from(id),
        ms(0),
    )
    .expect("fresh node")
}

/// A fresh node as [`fresh`] that starts elections without a pre-vote, as Figure 2 does.
pub(crate) fn fresh_plain(id: u32, n: usize) -> Raft<u64> {
    fresh_with(
        id,
        n,
        Config {
            pre_vote: false,
            ..Config::default()
        },
    )
}

/// A follower whose log holds entries with the given terms (command = 10 × index) and
/// whose current term is the last of them.
pub(crate) fn follower_with_log(id: u32, n: usize, terms: &[u64]) -> Raft<u64> {
    let mut log = Log::new(SnapshotMeta::boot(Configuration::all(n)), Vec::new());
    for (i, t) in terms.iter().enumerate() {
        log.append(Entry::command(Term(*t), 10 * (i as u64 + 1)));
    }
    let term = Term(terms.last().copied().unwrap_or(0));
    let raft_state = persist::encode(term, None, &log);
    Raft::new(
        crate::NodeId(id),
        n,
        Persisted {
            raft_state: raft_state.into(),
            snapshot: Vec::new().into(),
        },
        Config::default(),
        u64::from(id),
        ms(0),
    )
    .expect("node from log")
}

/// Makes `r` leader: its election timeout fires and every peer grants its pre-vote (if
/// it asks for them) and its vote. The effects of the election are drained and returned
/// (the initial AppendEntries).
pub(crate) fn elect(r: &mut Raft<u64>) -> Vec<(crate::NodeId, crate::Message<u64>)> {
    let at = r.next_deadline();
    r.tick(at);
    r.ready();
    if !r.pre_votes.is_empty() {
        let next = r.term().next();
        for p in r.other_voters().collect::<Vec<_>>() {
            let m = crate::Message::PreVoteReply(crate::RequestVoteReply {
                term: next,
                vote_granted: true,
            });
            r.step(p, m, at);
        }
        r.ready();
    }
    let term = r.term();
    for p in r.other_voters().collect::<Vec<_>>() {
        let m = crate::Message::RequestVoteReply(crate::RequestVoteReply {
            term,
            vote_granted: true,
        });
        r.step(p, m, at);
    }
    assert!(r.state().1, "elected");
    r.ready().messages
}

/// The AppendEntries messages of a batch of outgoing messages, with their destination.
pub(crate) fn appends(
    msgs: &[(crate::NodeId, crate::Message<u64>)],
) -> Vec<(crate::NodeId, crate::AppendEntries<u64>)> {
    msgs.iter()
        .filter_map(|(to, m)| match m {
            crate::Message::AppendEntries(a) => Some((*to, a.clone())),
            _ => None,
        })
        .collect()
}

/// A follower's successful answer to `a`.
pub(crate) fn ack(a: &crate::AppendEntries<u64>) -> crate::Message<u64> {
    crate::Message::AppendEntriesReply(crate::AppendEntriesReply {
        term: a.term,
        success: true,
        prev_log_index: a.prev_log_index,
        entries_len: a.entries.len() as u64,
        conflict_index: crate::LogIndex(0),
        conflict_term: None,
    })
}

/// Entries with the given terms; command = 10 × (first_index + position).
pub(crate) fn entries(first_index: u64, terms: &[u64]) -> Vec<Entry<u64>> {
    terms
        .iter()
        .enumerate()
        .map(|(i, t)| Entry::command(Term(*t), 10 * (first_index + i as u64)))
        .collect()
}

/// The terms of the retained log of `r`, from index 1 (or just after its snapshot).
pub(crate) fn log_terms(r: &Raft<u64>) -> Vec<u64> {
    r.log.entries().iter().map(|e| e.term.0).collect()
}
