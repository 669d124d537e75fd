//! The memo of configurations the search has reached, in space linear in the history.
//!
//! A configuration is a set of linearized operations and a model state. Storing the set
//! as a bitset over the whole partition made the memo quadratic: 100,000 sequential
//! operations took 100,000 sets of 12.5 KB. But the sets the search reaches are narrow
//! (see [`crate::timeline::Timeline`]): every slot below the first slot not linearized,
//! `first`, is linearized, and the others lie in a window fixed by `first` (the operations
//! called before it returns). A configuration is stored as `first` and the bits of that
//! window only: one or two words for a history of sequential clients, whatever its
//! length. Equality stays exact: two sets with the same `first` and the same window bits
//! are the same set.

use crate::table::IndexTable;

/// The configurations seen, as (state, first slot not linearized, window bits).
pub(crate) struct Memo {
    state: Vec<u32>,
    first: Vec<u32>,
    /// Where configuration `k`'s window starts in `words`; its length is a function of
    /// `first[k]`, so equal `first` means equal lengths.
    offset: Vec<u64>,
    words: Vec<u64>,
    table: IndexTable,
}

impl Memo {
    /// An empty memo.
    pub(crate) fn new() -> Memo {
        Memo {
            state: Vec::new(),
            first: Vec::new(),
            offset: Vec::new(),
            words: Vec::new(),
            table: IndexTable::new(),
        }
    }

    /// Records the configuration hashed `hash` with `state`, `first` and the window bits
    /// `window`; returns false if it was recorded before. `window` must have the same
    /// length for every configuration with the same `first`.
    pub(crate) fn insert(&mut self, hash: u64, state: u32, first: u32, window: &[u64]) -> bool {
        let index = self.state.len() as u32;
        let (states, firsts, offsets, words) =
            (&self.state, &self.first, &self.offset, &self.words);
        let found = self.table.find_or_insert(hash, index, |other| {
            let k = other as usize;
            let start = offsets[k] as usize;
            states[k] == state
                && firsts[k] == first
                && words.get(start..start + window.len()) == Some(window)
        });
        if found.is_some() {
            return false;
        }
        self.state.push(state);
        self.first.push(first);
        self.offset.push(self.words.len() as u64);
        self.words.extend_from_slice(window);
        assert!(
            self.state.len() == self.first.len() && self.first.len() == self.offset.len(),
            "memo columns out of step"
        );
        true
    }

    /// The number of configurations recorded.
    pub(crate) fn len(&self) -> usize {
        self.state.len()
    }

    /// The number of window words stored (each 8 bytes).
    pub(crate) fn words(&self) -> usize {
        self.words.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memo_tells_configurations_apart_by_state_first_and_window() {
        let mut memo = Memo::new();
        // Equal hashes everywhere: equality must decide.
        assert!(memo.insert(7, 0, 3, &[0b1]));
        assert!(!memo.insert(7, 0, 3, &[0b1]));
        assert!(memo.insert(7, 1, 3, &[0b1]), "other state");
        assert!(memo.insert(7, 0, 4, &[0b1]), "other first");
        assert!(memo.insert(7, 0, 3, &[0b10]), "other window");
        assert!(memo.insert(7, 0, 5, &[]));
        assert!(!memo.insert(7, 0, 5, &[]));
        assert_eq!((memo.len(), memo.words()), (5, 4));
    }
}
