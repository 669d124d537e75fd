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

const NONE: u32 = u32::MAX;

/// One linearized operation on the search stack. Its possible next states are
/// `transition_alts[alt_start..alt_end]`; `alt_next` is the first not yet tried.
#[derive(Clone, Copy, Debug)]
struct Frame {
    op: u32,
    state_before: u32,
    alt_start: u32,
    alt_next: u32,
    alt_end: u32,
    greedy: bool,
    /// The scan of the configuration this frame left: its candidate list starts at
    /// `pass_start` and ends at `cand_end` in `cands`; `pass_pos` is the next to try.
    pass_start: u32,
    pass_pos: u32,
    cand_end: u32,
}

/// A resumable search over one partition.
pub(crate) struct Search<'m, M: Model> {
    model: &'m M,
    ops: Vec<&'m Operation<M::Input, M::Output>>,
    read_only: Vec<bool>,
    /// `twin[b] = a`: an operation with the same input and output whose interval starts and
    /// ends no later; some linearization (if any exists) puts `a` before `b`, so `b` waits.
    twin: Vec<u32>,
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
    // Memoised transitions: (state id << 32 | op) -> next state ids
    // `transition_alts[start..end]` (empty: illegal).
    transition_keys: Vec<u64>,
    transition_ranges: Vec<(u32, u32)>,
    /// For an illegal read: whether the model says it can never become legal without a reset.
    transition_doomed: Vec<bool>,
    transition_alts: Vec<u32>,
    transition_table: IndexTable,
    // The memo cache: configuration k is (cache_words[k*w..(k+1)*w], cache_state[k]).
    words: usize,
    cache_words: Vec<u64>,
    cache_state: Vec<u32>,
    cache_table: IndexTable,
    // The current configuration and where the scan is.
    linearized: Bitset,
    state: u32,
    frames: Vec<Frame>,
    /// A stack of candidate lists, one per configuration on the path; the current one is
    /// `cands[pass_start..]`, and `cands[pass_pos]` is the next to try.
    cands: Vec<u32>,
    pass_start: u32,
    pass_pos: u32,
    greedy_pass: bool,
    started: bool,
    finished: Option<SearchEnd>,
    iterations: u64,
    longest: Vec<(u32, u32)>,
}

impl<'m, M: Model> Search<'m, M> {
    /// Prepares a search of `ops` (one partition, in any order) against `model`.
    pub(crate) fn new(model: &'m M, ops: Vec<&'m Operation<M::Input, M::Output>>) -> Self {
        let n = ops.len();
        assert!(
            n < (u32::MAX / 2 - 1) as usize,
            "partition of {n} operations is too large"
        );
        // (pending?, time, 0 = call / 1 = return, op): calls sort before returns at equal
        // times, and the returns of pending operations come after everything else.
        let mut keys: Vec<(bool, u64, u8, u32)> = Vec::with_capacity(2 * n);
        for (k, op) in ops.iter().enumerate() {
            assert!(
                op.is_well_formed(),
                "operation {k} returns before it is called"
            );
            keys.push((false, op.call.0, 0, k as u32));
            match op.outcome.return_time() {
                Some(at) => keys.push((false, at.0, 1, k as u32)),
                None => keys.push((true, 0, 1, k as u32)),
            }
        }
        keys.sort_unstable();
        // Entries 0..2n in sorted order form a circular list through the head sentinel 2n.
        let head = (2 * n) as u32;
        let next: Vec<u32> = (0..=head)
            .map(|e| if e == head { 0 } else { e + 1 })
            .collect();
        let prev: Vec<u32> = (0..=head)
            .map(|e| if e == 0 { head } else { e - 1 })
            .collect();
        let mut call_entry = vec![NONE; n];
        let mut return_entry = vec![NONE; n];
        let mut entry_op = Vec::with_capacity(2 * n);
        let mut entry_is_call = Vec::with_capacity(2 * n);
        for (entry, &(_, _, kind, op)) in keys.iter().enumerate() {
            entry_op.push(op);
            entry_is_call.push(kind == 0);
            if kind == 0 {
                call_entry[op as usize] = entry as u32;
            } else {
                assert!(
                    call_entry[op as usize] != NONE,
                    "return of op {op} sorts before its call"
                );
                return_entry[op as usize] = entry as u32;
            }
        }
        let read_only = ops
            .iter()
            .map(|op| model.is_read_only(&op.input, op.output()))
            .collect();
        let twin = twins(&ops, &entry_op, &entry_is_call, &call_entry, &return_entry);
        let words = words_for(n);
        Search {
            model,
            ops,
            read_only,
            twin,
            head,
            next,
            prev,
            entry_op,
            entry_is_call,
            call_entry,
            return_entry,
            states: Vec::new(),
            state_table: IndexTable::new(),
            transition_keys: Vec::new(),
            transition_ranges: Vec::new(),
            transition_doomed: Vec::new(),
            transition_alts: Vec::new(),
            transition_table: IndexTable::new(),
            words,
            cache_words: Vec::new(),
            cache_state: Vec::new(),
            cache_table: IndexTable::new(),
            linearized: Bitset::new(n),
            state: 0,
            frames: Vec::new(),
            cands: Vec::new(),
            pass_start: 0,
            pass_pos: 0,
            greedy_pass: true,
            started: false,
            finished: None,
            iterations: 0,
            longest: Vec::new(),
        }
    }

    /// The report so far.
    pub(crate) fn report(&self, end: SearchEnd) -> SearchReport {
        let longest = if self.frames.len() > self.longest.len() {
            self.path()
        } else {
            self.longest.clone()
        };
        SearchReport {
            end,
            longest,
            configurations: self.cache_state.len(),
        }
    }

    /// Memo entries held (configurations plus transitions): what the cache limit bounds.
    pub(crate) fn memo_entries(&self) -> usize {
        self.cache_state.len() + self.transition_keys.len()
    }

    /// Runs (or resumes) the search until it ends or hits a limit. After `Ok` or `Illegal`
    /// it returns the same end again; after a limit it may be resumed with larger limits.
    pub(crate) fn run(&mut self, limits: &SearchLimits<'_>) -> SearchEnd {
        if let Some(end) = self.finished {
            return end;
        }
        if !self.started {
            self.start();
        }
        let end = self.run_loop(limits);
        if matches!(end, SearchEnd::Ok | SearchEnd::Illegal) {
            self.finished = Some(end);
        }
        end
    }

    fn start(&mut self) {
        self.started = true;
        let init = self.model.init();
        self.state = self.intern(init);
        self.cache_words.resize(self.words, 0);
        self.cache_state.push(self.state);
        let hash = config_hash(self.linearized.hash(), self.state);
        let found = self.cache_table.find_or_insert(hash, 0, |_| true);
        assert!(found.is_none(), "the first configuration is new");
        assert!(self.frames.is_empty(), "a fresh search has no frames");
        self.begin_pass(true);
    }

    /// Starts a pass over the candidates of the current configuration. Candidates (calls
    /// before the first remaining return) are visited in order of their returns: the
    /// operation that must finish first is the likeliest to come next.
    fn begin_pass(&mut self, greedy: bool) {
        self.greedy_pass = greedy;
        let start = self.cands.len();
        let mut entry = self.next[self.head as usize];
        while entry != self.head && self.entry_is_call[entry as usize] {
            self.cands.push(self.entry_op[entry as usize]);
            entry = self.next[entry as usize];
        }
        assert!(
            entry != self.head || start == self.cands.len(),
            "a call without a return in the list"
        );
        let return_entry = &self.return_entry;
        self.cands[start..].sort_unstable_by_key(|&op| return_entry[op as usize]);
        self.pass_start = start as u32;
        self.pass_pos = start as u32;
    }

    fn run_loop(&mut self, limits: &SearchLimits<'_>) -> SearchEnd {
        loop {
            self.iterations += 1;
            if self.iterations % 1024 == 0 {
                if let Some(limit) = check_limits(limits) {
                    return SearchEnd::Stopped(limit);
                }
            }
            if self.memo_entries() > limits.cache_limit {
                return SearchEnd::Stopped(Limit::CacheLimit);
            }
            if self.next[self.head as usize] == self.head {
                assert!(
                    self.pass_pos as usize == self.cands.len(),
                    "scan of an empty list has candidates"
                );
                assert!(
                    self.linearized.count() == self.ops.len(),
                    "ok with ops left"
                );
                return SearchEnd::Ok;
            }
            if self.pass_pos as usize == self.cands.len() {
                if self.greedy_pass {
                    // No read can be linearized greedily: now branch over the others.
                    self.greedy_pass = false;
                    self.pass_pos = self.pass_start;
                    continue;
                }
                if !self.backtrack() {
                    return SearchEnd::Illegal;
                }
                continue;
            }
            let op = self.cands[self.pass_pos as usize];
            self.pass_pos += 1;
            let read_only = self.read_only[op as usize];
            let twin = self.twin[op as usize];
            if self.greedy_pass != read_only
                || (twin != NONE && !self.linearized.contains(twin as usize))
            {
                // The greedy pass looks only at reads; the branching pass skips them since
                // the greedy pass found every read illegal in this state. An operation
                // waits for its twin.
                continue;
            }
            let step = if read_only {
                self.try_read(op)
            } else {
                self.try_op(op)
            };
            match step {
                Step::Advanced => self.begin_pass(true),
                Step::Skip => {}
                Step::Dead => {
                    if !self.backtrack() {
                        return SearchEnd::Illegal;
                    }
                }
            }
        }
    }

    /// Tries to linearize read-only `op` greedily.
    fn try_read(&mut self, op: u32) -> Step {
        let ((start, end), doomed) = self.transition_index(op);
        let Some(chosen) = (start..end).find(|&k| self.transition_alts[k as usize] == self.state)
        else {
            assert!(start == end, "model: read-only op {op} changed the state");
            // Everything that may come before this read is called before it returns; if
            // none of it can reset the state, the read can never become legal.
            if doomed && !self.reset_possible(op) {
                return Step::Dead;
            }
            return Step::Skip;
        };
        if !self.visit(op, self.state) {
            // The configuration after this read was explored and failed, and it succeeds
            // whenever the current one does: the current one fails too.
            return Step::Dead;
        }
        let (pass_start, pass_pos, cand_end) =
            (self.pass_start, self.pass_pos, self.cands.len() as u32);
        self.push(Frame {
            op,
            state_before: self.state,
            alt_start: start,
            alt_next: chosen + 1,
            alt_end: chosen + 1,
            greedy: true,
            pass_start,
            pass_pos,
            cand_end,
        });
        self.lift(op, self.state);
        Step::Advanced
    }

    /// Tries to linearize `op` next, branching over the model's possible next states.
    fn try_op(&mut self, op: u32) -> Step {
        let (start, end) = self.transition(op);
        self.try_alternatives(op, start, start, end)
    }

    /// Linearizes `op` with the first alternative in `from..end` whose configuration is new.
    fn try_alternatives(&mut self, op: u32, start: u32, from: u32, end: u32) -> Step {
        for k in from..end {
            let id = self.transition_alts[k as usize];
            if self.visit(op, id) {
                let (pass_start, pass_pos, cand_end) =
                    (self.pass_start, self.pass_pos, self.cands.len() as u32);
                self.push(Frame {
                    op,
                    state_before: self.state,
                    alt_start: start,
                    alt_next: k + 1,
                    alt_end: end,
                    greedy: false,
                    pass_start,
                    pass_pos,
                    cand_end,
                });
                self.lift(op, id);
                return Step::Advanced;
            }
        }
        Step::Skip
    }

    /// Undoes frames until one has an untried alternative or can resume its scan. Returns
    /// false if the stack is exhausted (no linearization exists).
    fn backtrack(&mut self) -> bool {
        self.note_longest();
        while let Some(frame) = self.frames.pop() {
            self.unlift(frame.op);
            self.state = frame.state_before;
            if frame.greedy {
                continue;
            }
            // Restore the parent's scan, just after this frame's operation.
            self.cands.truncate(frame.cand_end as usize);
            (self.pass_start, self.pass_pos) = (frame.pass_start, frame.pass_pos);
            if let Step::Advanced =
                self.try_alternatives(frame.op, frame.alt_start, frame.alt_next, frame.alt_end)
            {
                self.begin_pass(true);
            } else {
                self.greedy_pass = false;
            }
            return true;
        }
        false
    }

    fn push(&mut self, frame: Frame) {
        self.frames.push(frame);
    }

    /// The current path as (operation, chosen alternative) pairs.
    fn path(&self) -> Vec<(u32, u32)> {
        self.frames
            .iter()
            .map(|f| (f.op, f.alt_next - 1 - f.alt_start))
            .collect()
    }

    /// Keeps the current path if it is the longest so far. Called before the stack
    /// shrinks (and by [`Self::report`]): the stack only grows between two backtracks, so
    /// a longest path is still whole then. Copying it at every push made a search
    /// quadratic in the length of a partition that linearizes straight through.
    fn note_longest(&mut self) {
        if self.frames.len() > self.longest.len() {
            self.longest = self.path();
        }
    }

    /// Marks `op` linearized with resulting state `state` and unlinks its entries.
    fn lift(&mut self, op: u32, state: u32) {
        self.linearized.insert(op as usize);
        self.state = state;
        let call = self.call_entry[op as usize];
        let ret = self.return_entry[op as usize];
        assert!(
            self.entry_is_call[call as usize],
            "lift {op}: call entry is a return"
        );
        assert!(
            !self.entry_is_call[ret as usize],
            "lift {op}: return entry is a call"
        );
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
        assert!(
            self.next[prev as usize] == next,
            "relink {entry}: list changed since unlink"
        );
        self.next[prev as usize] = entry;
        self.prev[next as usize] = entry;
    }

    /// The next states of `op` from the current state, as a range of `transition_alts`
    /// (empty if illegal), stepping the model only the first time.
    fn transition(&mut self, op: u32) -> (u32, u32) {
        self.transition_index(op).0
    }

    /// [`Self::transition`], and whether an illegal read is doomed without a reset.
    fn transition_index(&mut self, op: u32) -> ((u32, u32), bool) {
        let key = (u64::from(self.state) << 32) | u64::from(op);
        let index = self.transition_keys.len() as u32;
        let keys = &self.transition_keys;
        if let Some(found) = self
            .transition_table
            .find_or_insert(splitmix64(key), index, |k| keys[k as usize] == key)
        {
            let found = found as usize;
            return (self.transition_ranges[found], self.transition_doomed[found]);
        }
        self.transition_keys.push(key);
        let operation = self.ops[op as usize];
        let start = self.transition_alts.len() as u32;
        match self.model.step(
            &self.states[self.state as usize],
            &operation.input,
            operation.output(),
        ) {
            Next::Illegal => {}
            Next::Same => self.transition_alts.push(self.state),
            Next::One(next) => {
                let id = self.intern(next);
                self.transition_alts.push(id);
            }
            Next::Many(nexts) => {
                for next in nexts {
                    let id = self.intern(next);
                    self.transition_alts.push(id);
                }
            }
        }
        let range = (start, self.transition_alts.len() as u32);
        let doomed = range.0 == range.1
            && self.read_only[op as usize]
            && !self.model.can_become_legal(
                &self.states[self.state as usize],
                &operation.input,
                operation.output(),
            );
        self.transition_ranges.push(range);
        self.transition_doomed.push(doomed);
        assert!(
            self.transition_ranges.len() == self.transition_keys.len(),
            "transition memo out of step"
        );
        assert!(
            self.transition_doomed.len() == self.transition_keys.len(),
            "transition memo out of step"
        );
        (range, doomed)
    }

    /// Whether some unlinearized operation that may come before read `op` (it is called
    /// before `op` returns) could reset what dooms it.
    fn reset_possible(&self, op: u32) -> bool {
        let read = self.ops[op as usize];
        let until = self.return_entry[op as usize];
        let mut entry = self.next[self.head as usize];
        while entry != until {
            assert!(
                entry != self.head,
                "read {op}: its return is not in the list"
            );
            let other = self.entry_op[entry as usize];
            if self.entry_is_call[entry as usize]
                && other != op
                && self
                    .model
                    .resets(&self.ops[other as usize].input, &read.input, read.output())
            {
                return true;
            }
            entry = self.next[entry as usize];
        }
        false
    }

    /// Returns the id of `state`, adding it if it is new.
    fn intern(&mut self, state: M::State) -> u32 {
        let hash = hash_of(&state);
        let id = self.states.len() as u32;
        let states = &self.states;
        match self
            .state_table
            .find_or_insert(hash, id, |other| states[other as usize] == state)
        {
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

/// For each operation, its closest twin: an operation with equal input and output whose
/// call and return entries both come earlier, and which returns after it is called (or
/// `NONE`). If any linearization exists, one exists that puts every twin first (swap any
/// pair out of order: the interval of the earlier twin fits wherever the later one stood,
/// and the model sees the same steps).
fn twins<I: PartialEq, O: PartialEq>(
    ops: &[&Operation<I, O>],
    entry_op: &[u32],
    entry_is_call: &[bool],
    call_entry: &[u32],
    return_entry: &[u32],
) -> Vec<u32> {
    let mut twin = vec![NONE; ops.len()];
    // Only a twin that overlaps `b` can change the search: one that returned before `b`
    // was called precedes it in real time anyway. So the candidates for `b` are the
    // operations open when it is called, found by a sweep over the entries in time
    // order; they are few (about the history's concurrency), where scanning every
    // earlier operation made this quadratic in the length of a partition.
    let mut open: Vec<u32> = Vec::new();
    for (&op, &is_call) in entry_op.iter().zip(entry_is_call) {
        let b = op as usize;
        if !is_call {
            let at = open.iter().position(|&a| a == op);
            open.remove(at.expect("a return closes an open operation"));
            continue;
        }
        // The latest-called open operation that returns before `b` with equal input and
        // output.
        let earlier = open.iter().rev().find(|&&a| {
            let a = a as usize;
            return_entry[a] < return_entry[b]
                && ops[a].input == ops[b].input
                && ops[a].output() == ops[b].output()
        });
        if let Some(&a) = earlier {
            assert!(
                call_entry[a as usize] < call_entry[b],
                "twin {a} of {b} is called later"
            );
            twin[b] = a;
        }
        open.push(op);
    }
    twin
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
