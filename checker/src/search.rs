//! The search for one partition: Lowe's just-in-time linearization over Wing & Gong.
//!
//! The history is a doubly linked list of call and return entries in real-time order. From
//! a configuration (the set of linearized operations and the model state) the search may
//! linearize any operation whose call comes before the first remaining return; reaching a
//! return means the operation that returns there can no longer be linearized later, so the
//! search backtracks. Every configuration reached is memoised, so a configuration is never
//! explored twice. The search is iterative (an explicit stack of frames), allocates nothing
//! per step beyond what the model's `step` allocates, and is deterministic.
//!
//! A read-only operation that is legal in the current state is linearized at once, with no
//! alternative explored: if any linearization exists from here, moving that read to the
//! front keeps it valid (the read cannot be ordered after an operation that returned before
//! its call, since every remaining return follows its call, and it changes no state).

use std::time::Instant;

use crate::bitset::{splitmix64, words_for, Bitset};
use crate::history::Operation;
use crate::model::{Model, Next};
use crate::table::{hash_of, IndexTable};

/// Why a search stopped without a verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Limit {
    /// The wall-clock timeout passed (timing-dependent by nature).
    Timeout,
    /// The memo cache reached its configured size (deterministic).
    CacheLimit,
    /// The caller cancelled the search.
    Cancelled,
}

/// How a search ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SearchEnd {
    /// A linearization of the whole partition was found.
    Ok,
    /// Every order was tried: none is legal.
    Illegal,
    /// Stopped early.
    Stopped(Limit),
}

/// What one search reports: its end, the longest linearizable prefix it saw (as local
/// operation indices with the chosen alternative of nondeterministic steps), and its size.
#[derive(Clone, Debug)]
pub(crate) struct SearchReport {
    pub(crate) end: SearchEnd,
    pub(crate) longest: Vec<(u32, u32)>,
    pub(crate) configurations: usize,
}

/// Limits a search observes.
pub(crate) struct SearchLimits<'a> {
    pub(crate) deadline: Option<Instant>,
    pub(crate) cache_limit: usize,
    pub(crate) cancelled: &'a dyn Fn() -> bool,
}

const HEAD_NONE: u32 = u32::MAX;

/// One linearized operation on the search stack.
#[derive(Clone, Copy, Debug)]
struct Frame {
    op: u32,
    state_before: u32,
    alt_start: u32,
    alt_next: u32,
    alt_end: u32,
    alt_chosen: u32,
    greedy: bool,
}

struct Search<'m, M: Model> {
    model: &'m M,
    ops: &'m [&'m Operation<M::Input, M::Output>],
    read_only: Vec<bool>,
    // The entry list: entries 0..2n, head sentinel at 2n.
    head: u32,
    next: Vec<u32>,
    prev: Vec<u32>,
    entry_op: Vec<u32>,
    entry_is_call: Vec<bool>,
    call_entry: Vec<u32>,
    return_entry: Vec<u32>,
    // Interned states: id -> state.
    states: Vec<M::State>,
    state_table: IndexTable,
    // The memo cache: configuration k is (cache_words[k*w..(k+1)*w], cache_state[k]).
    words: usize,
    cache_words: Vec<u64>,
    cache_state: Vec<u32>,
    cache_table: IndexTable,
    // The current configuration.
    linearized: Bitset,
    state: u32,
    frames: Vec<Frame>,
    alts: Vec<u32>,
    longest: Vec<(u32, u32)>,
}

/// Checks one partition (`ops`, in any order) against `model`.
pub(crate) fn search<M: Model>(
    model: &M,
    ops: &[&Operation<M::Input, M::Output>],
    limits: &SearchLimits<'_>,
) -> SearchReport {
    let mut search = Search::new(model, ops);
    let end = search.run(limits);
    let configurations = search.cache_state.len();
    SearchReport { end, longest: search.longest, configurations }
}

impl<'m, M: Model> Search<'m, M> {
    fn new(model: &'m M, ops: &'m [&'m Operation<M::Input, M::Output>]) -> Self {
        let n = ops.len();
        assert!(n < (u32::MAX / 2 - 1) as usize, "partition of {n} operations is too large");
        // (pending?, time, 0 = call / 1 = return, op): calls sort before returns at equal
        // times, and the returns of pending operations come after everything else.
        let mut keys: Vec<(bool, u64, u8, u32)> = Vec::with_capacity(2 * n);
        for (k, op) in ops.iter().enumerate() {
            assert!(op.is_well_formed(), "operation {k} returns before it is called");
            keys.push((false, op.call.0, 0, k as u32));
            match op.outcome.return_time() {
                Some(at) => keys.push((false, at.0, 1, k as u32)),
                None => keys.push((true, 0, 1, k as u32)),
            }
        }
        keys.sort_unstable();
        // Entries 0..2n in sorted order form a circular list through the head sentinel 2n.
        let head = (2 * n) as u32;
        let next: Vec<u32> = (0..=head).map(|e| if e == head { 0 } else { e + 1 }).collect();
        let prev: Vec<u32> = (0..=head).map(|e| if e == 0 { head } else { e - 1 }).collect();
        let mut call_entry = vec![HEAD_NONE; n];
        let mut return_entry = vec![HEAD_NONE; n];
        let mut entry_op = Vec::with_capacity(2 * n);
        let mut entry_is_call = Vec::with_capacity(2 * n);
        for (entry, &(_, _, kind, op)) in keys.iter().enumerate() {
            entry_op.push(op);
            entry_is_call.push(kind == 0);
            if kind == 0 {
                call_entry[op as usize] = entry as u32;
            } else {
                assert!(call_entry[op as usize] != HEAD_NONE, "return of op {op} sorts before its call");
                return_entry[op as usize] = entry as u32;
            }
        }
        let read_only = ops.iter().map(|op| model.is_read_only(&op.input, op.output())).collect();
        let words = words_for(n);
        Search {
            model,
            ops,
            read_only,
            head,
            next,
            prev,
            entry_op,
            entry_is_call,
            call_entry,
            return_entry,
            states: Vec::new(),
            state_table: IndexTable::new(),
            words,
            cache_words: Vec::new(),
            cache_state: Vec::new(),
            cache_table: IndexTable::new(),
            linearized: Bitset::new(n),
            state: 0,
            frames: Vec::new(),
            alts: Vec::new(),
            longest: Vec::new(),
        }
    }

    fn run(&mut self, limits: &SearchLimits<'_>) -> SearchEnd {
        let init = self.model.init();
        self.state = self.intern(init);
        self.cache_words.resize(self.words, 0);
        self.cache_state.push(self.state);
        let hash = config_hash(self.linearized.hash(), self.state);
        let found = self.cache_table.find_or_insert(hash, 0, |_| true);
        assert!(found.is_none(), "the first configuration is new");
        let mut entry = self.next[self.head as usize];
        let mut greedy_pass = true;
        let mut iterations: u64 = 0;
        loop {
            iterations += 1;
            if iterations % 1024 == 0 {
                if let Some(limit) = check_limits(limits) {
                    return SearchEnd::Stopped(limit);
                }
            }
            if self.cache_state.len() > limits.cache_limit {
                return SearchEnd::Stopped(Limit::CacheLimit);
            }
            if entry == self.head {
                assert!(self.next[self.head as usize] == self.head, "scan ran past a return");
                assert!(self.linearized.count() == self.ops.len(), "ok with ops left");
                return SearchEnd::Ok;
            }
            if !self.entry_is_call[entry as usize] {
                if greedy_pass {
                    // No read can be linearized greedily: now branch over the others.
                    greedy_pass = false;
                    entry = self.next[self.head as usize];
                    continue;
                }
                match self.backtrack() {
                    Some(resume) => (entry, greedy_pass) = resume,
                    None => return SearchEnd::Illegal,
                }
                continue;
            }
            let op = self.entry_op[entry as usize];
            let read_only = self.read_only[op as usize];
            if greedy_pass != read_only {
                // The greedy pass looks only at reads; the branching pass skips them since
                // the greedy pass found every read illegal in this state.
                entry = self.next[entry as usize];
                continue;
            }
            let resume = if read_only { self.try_read(op) } else { self.try_op(op) };
            match resume {
                Step::Advanced => {
                    entry = self.next[self.head as usize];
                    greedy_pass = true;
                }
                Step::Skip => entry = self.next[entry as usize],
                Step::Dead => match self.backtrack() {
                    Some(resume) => (entry, greedy_pass) = resume,
                    None => return SearchEnd::Illegal,
                },
            }
        }
    }

    /// Tries to linearize read-only `op` greedily.
    fn try_read(&mut self, op: u32) -> Step {
        let operation = self.ops[op as usize];
        let current = &self.states[self.state as usize];
        let chosen = match self.model.step(current, &operation.input, operation.output()) {
            Next::Illegal => return Step::Skip,
            Next::One(next) => {
                assert!(next == *current, "model: read-only op {op} changed the state");
                0
            }
            Next::Many(nexts) => match nexts.iter().position(|next| next == current) {
                Some(k) => k as u32,
                None if nexts.is_empty() => return Step::Skip,
                None => panic!("model: read-only op {op} changed the state"),
            },
        };
        if !self.visit(op, self.state) {
            // The configuration after this read was explored and failed, and it succeeds
            // whenever the current one does: the current one fails too.
            return Step::Dead;
        }
        let at = self.alts.len() as u32;
        self.push(Frame {
            op,
            state_before: self.state,
            alt_start: at,
            alt_next: at,
            alt_end: at,
            alt_chosen: chosen,
            greedy: true,
        });
        self.lift(op, self.state);
        Step::Advanced
    }

    /// Tries to linearize `op` next, branching over the model's possible next states.
    fn try_op(&mut self, op: u32) -> Step {
        let operation = self.ops[op as usize];
        let current = &self.states[self.state as usize];
        let alt_start = self.alts.len() as u32;
        match self.model.step(current, &operation.input, operation.output()) {
            Next::Illegal => return Step::Skip,
            Next::One(next) => {
                let id = self.intern(next);
                self.alts.push(id);
            }
            Next::Many(nexts) => {
                for next in nexts {
                    let id = self.intern(next);
                    self.alts.push(id);
                }
            }
        }
        let alt_end = self.alts.len() as u32;
        for k in alt_start..alt_end {
            let id = self.alts[k as usize];
            if self.visit(op, id) {
                self.push(Frame {
                    op,
                    state_before: self.state,
                    alt_start,
                    alt_next: k + 1,
                    alt_end,
                    alt_chosen: k - alt_start,
                    greedy: false,
                });
                self.lift(op, id);
                return Step::Advanced;
            }
        }
        self.alts.truncate(alt_start as usize);
        Step::Skip
    }

    /// Undoes frames until one has an untried alternative or can resume its scan; returns
    /// where to resume and whether to start with the greedy pass, or `None` if the stack
    /// is exhausted (no linearization exists).
    fn backtrack(&mut self) -> Option<(u32, bool)> {
        loop {
            let frame = self.frames.pop()?;
            self.unlift(frame.op);
            self.state = frame.state_before;
            if frame.greedy {
                continue;
            }
            for k in frame.alt_next..frame.alt_end {
                let id = self.alts[k as usize];
                if self.visit(frame.op, id) {
                    self.push(Frame { alt_next: k + 1, alt_chosen: k - frame.alt_start, ..frame });
                    self.lift(frame.op, id);
                    return Some((self.next[self.head as usize], true));
                }
            }
            self.alts.truncate(frame.alt_start as usize);
            return Some((self.next[self.call_entry[frame.op as usize] as usize], false));
        }
    }

    fn push(&mut self, frame: Frame) {
        self.frames.push(frame);
        if self.frames.len() > self.longest.len() {
            self.longest.clear();
            self.longest.extend(self.frames.iter().map(|f| (f.op, f.alt_chosen)));
        }
    }

    /// Marks `op` linearized with resulting state `state` and unlinks its entries.
    fn lift(&mut self, op: u32, state: u32) {
        self.linearized.insert(op as usize);
        self.state = state;
        let call = self.call_entry[op as usize];
        let ret = self.return_entry[op as usize];
        assert!(self.entry_is_call[call as usize], "lift {op}: call entry is a return");
        assert!(!self.entry_is_call[ret as usize], "lift {op}: return entry is a call");
        self.unlink(call);
        self.unlink(ret);
    }

    /// Reverses [`Self::lift`] (must be the most recent lift not yet undone).
    fn unlift(&mut self, op: u32) {
        self.linearized.remove(op as usize);
        self.relink(self.return_entry[op as usize]);
        self.relink(self.call_entry[op as usize]);
    }

    fn unlink(&mut self, entry: u32) {
        let (prev, next) = (self.prev[entry as usize], self.next[entry as usize]);
        self.next[prev as usize] = next;
        self.prev[next as usize] = prev;
    }

    fn relink(&mut self, entry: u32) {
        let (prev, next) = (self.prev[entry as usize], self.next[entry as usize]);
        assert!(self.next[prev as usize] == next, "relink {entry}: list changed since unlink");
        self.next[prev as usize] = entry;
        self.prev[next as usize] = entry;
    }

    /// Returns the id of `state`, adding it if it is new.
    fn intern(&mut self, state: M::State) -> u32 {
        let hash = hash_of(&state);
        let id = self.states.len() as u32;
        let states = &self.states;
        match self.state_table.find_or_insert(hash, id, |other| states[other as usize] == state) {
            Some(existing) => existing,
            None => {
                self.states.push(state);
                id
            }
        }
    }

    /// Records the configuration (linearized + `op`, `state`); false if it was seen before.
    fn visit(&mut self, op: u32, state: u32) -> bool {
        let index = op as usize;
        let hash = config_hash(self.linearized.hash_toggled(index), state);
        let new_index = self.cache_state.len() as u32;
        let (words, cache_words, cache_state) = (self.words, &self.cache_words, &self.cache_state);
        let linearized = &self.linearized;
        let found = self.cache_table.find_or_insert(hash, new_index, |other| {
            let k = other as usize;
            cache_state[k] == state
                && linearized.equals_toggled(&cache_words[k * words..(k + 1) * words], index)
        });
        if found.is_some() {
            return false;
        }
        self.linearized.push_toggled(&mut self.cache_words, index);
        self.cache_state.push(state);
        true
    }
}

/// What trying one operation did.
enum Step {
    /// It was linearized: rescan from the head.
    Advanced,
    /// It cannot come next here: try the next entry.
    Skip,
    /// The current configuration cannot succeed: backtrack.
    Dead,
}

fn config_hash(set_hash: u64, state: u32) -> u64 {
    splitmix64(set_hash ^ u64::from(state).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

#[allow(clippy::disallowed_methods)] // The timeout is a wall-clock budget the caller asked for.
fn check_limits(limits: &SearchLimits<'_>) -> Option<Limit> {
    if (limits.cancelled)() {
        return Some(Limit::Cancelled);
    }
    match limits.deadline {
        Some(deadline) if Instant::now() >= deadline => Some(Limit::Timeout),
        _ => None,
    }
}
