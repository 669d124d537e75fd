//! The search for one partition: Lowe's just-in-time linearization over Wing & Gong.
//!
//! The history is a doubly linked list of call and return entries in real-time order
//! ([`Timeline`]). From a configuration (the set of linearized operations and the model
//! state) the search may linearize any operation whose call comes before the first
//! remaining return and whose client predecessor is linearized; reaching a return means
//! the operation that returns there can no longer be linearized later, so the search
//! backtracks. Every configuration reached is memoised ([`Memo`]), so a configuration is
//! never explored twice. The search is iterative (an explicit stack of frames), allocates
//! nothing per step beyond what the model's `step` allocates, and is deterministic.
//!
//! A read-only operation that is legal in the current state is linearized at once, with no
//! alternative explored: if any linearization exists from here, moving that read to the
//! front keeps it valid (the read cannot be ordered after an operation that returned before
//! its call, since every remaining return follows its call; its client predecessor is
//! already linearized; and it changes no state).
//!
//! A read whose output is known and that can never become legal again (the model says so
//! through [`Model::can_become_legal`], and no operation that may still come before it
//! [`Model::resets`] it) dooms the configuration. The search tests the reads that may come
//! next, and, in every configuration where two or more state-changing operations may come
//! next, the next few such reads by return time as well: a final read of a key that many
//! clients appended to concurrently then admits one order of the appends instead of all
//! of them.

use std::time::Instant;

use crate::bitset::{splitmix64, Bitset};
use crate::history::Operation;
use crate::links::Links;
use crate::memo::Memo;
use crate::model::{Model, Next};
use crate::table::{hash_of, IndexTable};
use crate::timeline::{Timeline, NONE};

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

/// How many known-output reads ahead (by return time) are tested for doom after a step
/// that changes the state. Any number is sound; each costs a memoised transition per new
/// state, and the nearest reads constrain the next steps most.
const WATCHED_READS: usize = 4;

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

/// A resumable search over one partition. Operations are numbered by their slots in the
/// [`Timeline`]; reports translate them back.
pub(crate) struct Search<'m, M: Model> {
    model: &'m M,
    ops: Vec<&'m Operation<M::Input, M::Output>>,
    read_only: Vec<bool>,
    timeline: Timeline,
    /// The reads with a known output not yet linearized, in order of their returns: the
    /// positions in `watch_op` still linked; `watch_at[op]` is an op's position (`NONE` if
    /// it is no such read).
    watch: Links,
    watch_op: Vec<u32>,
    watch_at: Vec<u32>,
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
    memo: Memo,
    /// Scratch space for the window of the configuration being memoised.
    window: Vec<u64>,
    // The current configuration and where the scan is.
    linearized: Bitset,
    /// The first returned slot not linearized (`timeline.returned` if none is left).
    first: u32,
    state: u32,
    frames: Vec<Frame>,
    /// A stack of candidate lists, one per configuration on the path; the current one is
    /// `cands[pass_start..]`, and `cands[pass_pos]` is the next to try.
    cands: Vec<u32>,
    pass_start: u32,
    pass_pos: u32,
    /// The first remaining return entry when the current pass began (the head if none):
    /// the operations called before it are the candidates.
    frontier: u32,
    greedy_pass: bool,
    started: bool,
    finished: Option<SearchEnd>,
    iterations: u64,
    longest: Vec<(u32, u32)>,
}

impl<'m, M: Model> Search<'m, M> {
    /// Prepares a search of `ops` (one partition, in any order) against `model`.
    ///
    /// # Panics
    /// If an operation returns before it is called.
    pub(crate) fn new(model: &'m M, ops: Vec<&'m Operation<M::Input, M::Output>>) -> Self {
        let timeline = Timeline::new(&ops);
        let ops: Vec<_> = timeline.original.iter().map(|&k| ops[k as usize]).collect();
        let read_only: Vec<bool> = ops
            .iter()
            .map(|op| model.is_read_only(&op.input, op.output()))
            .collect();
        // Reads with a known output, by return entry.
        let watch_op: Vec<u32> = timeline
            .entry_op
            .iter()
            .zip(&timeline.entry_is_call)
            .filter(|&(&op, &call)| {
                !call && read_only[op as usize] && ops[op as usize].output().is_some()
            })
            .map(|(&op, _)| op)
            .collect();
        let mut watch_at = vec![NONE; ops.len()];
        for (at, &op) in watch_op.iter().enumerate() {
            watch_at[op as usize] = at as u32;
        }
        let n = ops.len();
        Search {
            model,
            ops,
            read_only,
            watch: Links::new(watch_op.len()),
            watch_op,
            watch_at,
            first: 0,
            timeline,
            states: Vec::new(),
            state_table: IndexTable::new(),
            transition_keys: Vec::new(),
            transition_ranges: Vec::new(),
            transition_doomed: Vec::new(),
            transition_alts: Vec::new(),
            transition_table: IndexTable::new(),
            memo: Memo::new(),
            window: Vec::new(),
            linearized: Bitset::new(n),
            state: 0,
            frames: Vec::new(),
            cands: Vec::new(),
            pass_start: 0,
            pass_pos: 0,
            frontier: 0,
            greedy_pass: true,
            started: false,
            finished: None,
            iterations: 0,
            longest: Vec::new(),
        }
    }

    /// The report so far, in the operation indices `new` was given.
    pub(crate) fn report(&self, end: SearchEnd) -> SearchReport {
        let longest = if self.frames.len() > self.longest.len() {
            self.path()
        } else {
            self.longest.clone()
        };
        SearchReport {
            end,
            longest: longest
                .into_iter()
                .map(|(slot, alt)| (self.timeline.original[slot as usize], alt))
                .collect(),
            configurations: self.memo.len(),
        }
    }

    /// Memo entries held: what the cache limit bounds. A configuration counts once plus
    /// once per word of its window (64 operations), a memoised transition once, so the
    /// memory per entry stays within a small constant whatever the history's shape.
    pub(crate) fn memo_entries(&self) -> usize {
        self.memo.len() + self.memo.words() + self.transition_keys.len()
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
        self.first = self
            .linearized
            .next_absent(0, self.timeline.returned as usize) as u32;
        assert!(
            self.memoize(None, self.state),
            "the first configuration is new"
        );
        assert!(self.frames.is_empty(), "a fresh search has no frames");
        self.begin_pass(true);
    }

    /// Starts a pass over the candidates of the current configuration. Candidates (calls
    /// before the first remaining return) are visited in order of their returns: the
    /// operation that must finish first is the likeliest to come next.
    fn begin_pass(&mut self, greedy: bool) {
        self.greedy_pass = greedy;
        let start = self.cands.len();
        let t = &self.timeline;
        let mut entry = t.entries.first();
        while entry != t.entries.head() && t.entry_is_call[entry as usize] {
            self.cands.push(t.entry_op[entry as usize]);
            entry = t.entries.after(entry);
        }
        assert!(
            entry != t.entries.head() || start == self.cands.len(),
            "a call without a return in the list"
        );
        self.frontier = entry;
        let return_entry = &t.return_entry;
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
            if self.timeline.entries.first() == self.timeline.entries.head() {
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
                    // No read can be linearized greedily: now branch over the others,
                    // unless a read ahead can no longer become legal. (Testing here, after
                    // the legal reads, rather than on entry keeps those reads in the
                    // longest prefix an explanation shows.)
                    self.greedy_pass = false;
                    self.pass_pos = self.pass_start;
                    if self.is_choice() && self.doomed_ahead() && !self.backtrack() {
                        return SearchEnd::Illegal;
                    }
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
            if self.greedy_pass != read_only || self.waits(op) {
                // The greedy pass looks only at reads; the branching pass skips them since
                // the greedy pass found every read illegal in this state.
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

    /// Whether candidate `op` must wait: for its client predecessor (client order), or for
    /// its twin (see [`Timeline::twin`]).
    fn waits(&self, op: u32) -> bool {
        let t = &self.timeline;
        let (prev, twin) = (t.client_prev[op as usize], t.twin[op as usize]);
        (prev != NONE && !self.linearized.contains(prev as usize))
            || (twin != NONE && !self.linearized.contains(twin as usize))
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
        let frame = self.frame(op, (start, chosen + 1, chosen + 1), true);
        if !self.enter(frame, self.state) {
            // The configuration after this read was explored and failed, and it succeeds
            // whenever the current one does: the current one fails too.
            return Step::Dead;
        }
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
            let frame = self.frame(op, (start, k + 1, end), false);
            if self.enter(frame, id) {
                return Step::Advanced;
            }
        }
        Step::Skip
    }

    /// A frame for linearizing `op` from the current configuration and scan, with
    /// alternatives (start, next, end).
    fn frame(
        &self,
        op: u32,
        (alt_start, alt_next, alt_end): (u32, u32, u32),
        greedy: bool,
    ) -> Frame {
        Frame {
            op,
            state_before: self.state,
            alt_start,
            alt_next,
            alt_end,
            greedy,
            pass_start: self.pass_start,
            pass_pos: self.pass_pos,
            cand_end: self.cands.len() as u32,
        }
    }

    /// Linearizes `frame.op` into `state` and pushes the frame, unless the configuration
    /// reached was seen before (then nothing changes).
    fn enter(&mut self, frame: Frame, state: u32) -> bool {
        assert!(
            frame.state_before == self.state,
            "frame of op {} taken from another state",
            frame.op
        );
        if !self.memoize(Some(frame.op), state) {
            return false;
        }
        self.lift(frame.op, state);
        self.frames.push(frame);
        true
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
        if op == self.first {
            let returned = self.timeline.returned as usize;
            self.first = self.linearized.next_absent(op as usize + 1, returned) as u32;
        }
        self.state = state;
        let t = &mut self.timeline;
        let (call, ret) = (t.call_entry[op as usize], t.return_entry[op as usize]);
        assert!(
            t.entry_is_call[call as usize],
            "lift {op}: call entry is a return"
        );
        assert!(
            !t.entry_is_call[ret as usize],
            "lift {op}: return entry is a call"
        );
        t.entries.unlink(call);
        t.entries.unlink(ret);
        let at = self.watch_at[op as usize];
        if at != NONE {
            self.watch.unlink(at);
        }
    }

    /// Reverses [`Self::lift`] (must be the most recent lift not yet undone).
    fn unlift(&mut self, op: u32) {
        self.linearized.remove(op as usize);
        self.first = self.first.min(op);
        let at = self.watch_at[op as usize];
        if at != NONE {
            self.watch.relink(at);
        }
        let t = &mut self.timeline;
        t.entries.relink(t.return_entry[op as usize]);
        t.entries.relink(t.call_entry[op as usize]);
    }

    /// Records the configuration of the current set plus `op` (if any) with `state`; false
    /// if it was seen before. Computed without linearizing `op`, so a configuration seen
    /// before costs no lift and unlift.
    fn memoize(&mut self, op: Option<u32>, state: u32) -> bool {
        let t = &self.timeline;
        let returned = t.returned as usize;
        // The first returned slot not linearized once `op` is.
        let first = match op {
            Some(op) if op == self.first => self.linearized.next_absent(op as usize + 1, returned),
            _ => self.first as usize,
        };
        let end = t.window_end[first] as usize;
        let start = (first + 1).min(end);
        let pending_end = returned + t.pending_end[first] as usize;
        self.window.clear();
        self.linearized.push_range(&mut self.window, start, end);
        let pending_at = self.window.len();
        self.linearized
            .push_range(&mut self.window, returned, pending_end);
        let mut hash = self.linearized.hash();
        if let Some(op) = op {
            let op = op as usize;
            let bit = if op < first {
                None // It was the first slot not linearized: now below the first.
            } else if (start..end).contains(&op) {
                Some(op - start)
            } else {
                assert!(
                    (returned..pending_end).contains(&op),
                    "op {op} outside the window of first slot {first}"
                );
                Some(64 * pending_at + op - returned)
            };
            if let Some(bit) = bit {
                self.window[bit / 64] |= 1 << (bit % 64);
            }
            hash = self.linearized.hash_with(op);
        }
        // Every linearized operation is below `first` or in the window: the set is exact.
        let in_window: u32 = self.window.iter().map(|w| w.count_ones()).sum();
        let count = self.linearized.count() + usize::from(op.is_some());
        assert!(
            first + in_window as usize == count,
            "configuration with first slot {first}: {count} linearized, {in_window} in its window"
        );
        let hash = config_hash(hash, state);
        self.memo.insert(hash, state, first as u32, &self.window)
    }

    /// Whether the branching pass about to start has a choice: two or more operations that
    /// change the state may come next. Reads ahead are tested only there, where a doomed
    /// configuration would otherwise cost a subtree of orders. Where the way on is forced,
    /// the read is met on it soon enough, and testing at every step cost a model step per
    /// operation and read ahead (half the search's time in a history of sequential clients).
    fn is_choice(&self) -> bool {
        let cands = &self.cands[self.pass_start as usize..];
        let mut choices = cands
            .iter()
            .filter(|&&op| !self.read_only[op as usize] && !self.waits(op));
        choices.next().is_some() && choices.next().is_some()
    }

    /// Whether one of the next [`WATCHED_READS`] reads with a known output (by return
    /// time) that may not come next can never be linearized from the current
    /// configuration: it is illegal in the current state, the model says it cannot become
    /// legal, and nothing that may still come before it resets that. Sound for any read:
    /// whatever is linearized before it is called before it returns. (The reads that may
    /// come next had the same test in the greedy pass.)
    fn doomed_ahead(&mut self) -> bool {
        let mut at = self.watch.first();
        let mut watched = 0;
        while watched < WATCHED_READS && at != self.watch.head() {
            let read = self.watch_op[at as usize];
            at = self.watch.after(at);
            if self.timeline.call_entry[read as usize] < self.frontier {
                continue;
            }
            watched += 1;
            let ((start, end), doomed) = self.transition_index(read);
            if start == end && doomed && !self.reset_possible(read) {
                return true;
            }
        }
        false
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
        let t = &self.timeline;
        let until = t.return_entry[op as usize];
        let mut entry = t.entries.first();
        while entry != until {
            assert!(
                entry != t.entries.head(),
                "read {op}: its return is not in the list"
            );
            let other = t.entry_op[entry as usize];
            if t.entry_is_call[entry as usize]
                && other != op
                && self
                    .model
                    .resets(&self.ops[other as usize].input, &read.input, read.output())
            {
                return true;
            }
            entry = t.entries.after(entry);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::{ClientId, Outcome, Time};
    use crate::kv::{KvInput, KvModel, KvOp, KvOutput};

    fn op(client: u64, call: u64, ret: Option<u64>, kind: KvOp) -> Operation<KvInput, KvOutput> {
        Operation {
            client: ClientId(client),
            input: KvInput {
                op: kind,
                key: "k".into(),
                value: String::new(),
            },
            call: Time(call),
            outcome: match ret {
                Some(at) => Outcome::Returned {
                    output: KvOutput {
                        value: String::new(),
                    },
                    at: Time(at),
                },
                None => Outcome::Pending,
            },
        }
    }

    fn search_to_end(history: &[Operation<KvInput, KvOutput>]) -> (SearchEnd, usize, usize) {
        let model = KvModel::new();
        let mut search = Search::new(&model, history.iter().collect());
        let never = || false;
        let limits = SearchLimits {
            deadline: None,
            cache_limit: usize::MAX,
            cancelled: &never,
        };
        let end = search.run(&limits);
        (end, search.memo.len(), search.memo.words())
    }

    #[test]
    fn search_memo_of_sequential_ops_holds_a_word_at_most_per_configuration() {
        // One client: every configuration is "the first k operations", stored as k and its
        // window (the next operation when it is called at the instant k returns). A bitset
        // per configuration took n^2 / 8 bytes.
        let n = 10_000;
        for gap in [1, 0] {
            let history: Vec<_> = (0..n)
                .map(|k| op(0, 10 * k + gap, Some(10 * k + 10), KvOp::Get))
                .collect();
            let words = if gap == 0 { n as usize - 1 } else { 0 };
            assert_eq!(
                search_to_end(&history),
                (SearchEnd::Ok, n as usize + 1, words),
                "gap {gap}"
            );
        }
    }

    #[test]
    fn search_memo_with_an_early_pending_op_stays_linear() {
        // A pending append called first stays open to the end: its bit is in every window,
        // one word per configuration, not a word per 64 operations of the history.
        let n = 10_000;
        let mut history = vec![op(1, 0, None, KvOp::Append)];
        history.extend((0..n).map(|k| op(0, 10 * k + 1, Some(10 * k + 10), KvOp::Get)));
        let (end, configurations, words) = search_to_end(&history);
        assert_eq!(end, SearchEnd::Ok);
        assert!(
            configurations <= n as usize + 2,
            "{configurations} configurations"
        );
        assert_eq!(words, configurations, "one pending word each");
    }
}
