//! A circular doubly linked list over the indices `0..len`, with a head sentinel `len`,
//! from which elements are unlinked and relinked in stack order (dancing links): the
//! search keeps its remaining call and return entries, and its remaining reads, in these.

/// The links of the list: `next[k]` and `prev[k]` for each index and the head.
#[derive(Clone, Debug)]
pub(crate) struct Links {
    next: Vec<u32>,
    prev: Vec<u32>,
}

impl Links {
    /// The list `0, 1, ..., len - 1` in that order.
    pub(crate) fn new(len: usize) -> Links {
        let head = len as u32;
        Links {
            next: (0..=head)
                .map(|k| if k == head { 0 } else { k + 1 })
                .collect(),
            prev: (0..=head)
                .map(|k| if k == 0 { head } else { k - 1 })
                .collect(),
        }
    }

    /// The head sentinel: `first` and `after` return it past the end.
    pub(crate) fn head(&self) -> u32 {
        (self.next.len() - 1) as u32
    }

    /// The first element still linked (the head if none is).
    pub(crate) fn first(&self) -> u32 {
        self.next[self.next.len() - 1]
    }

    /// The element after `k` (the head after the last).
    pub(crate) fn after(&self, k: u32) -> u32 {
        self.next[k as usize]
    }

    /// Removes `k`, remembering its neighbours for [`Links::relink`].
    pub(crate) fn unlink(&mut self, k: u32) {
        let (prev, next) = (self.prev[k as usize], self.next[k as usize]);
        assert!(
            self.next[prev as usize] == k,
            "unlink {k}: not linked after {prev}"
        );
        self.next[prev as usize] = next;
        self.prev[next as usize] = prev;
    }

    /// Puts back `k`, which must be the element unlinked most recently and not relinked.
    pub(crate) fn relink(&mut self, k: u32) {
        let (prev, next) = (self.prev[k as usize], self.next[k as usize]);
        assert!(
            self.next[prev as usize] == next,
            "relink {k}: list changed since unlink"
        );
        assert!(
            self.prev[next as usize] == prev,
            "relink {k}: list changed since unlink"
        );
        self.next[prev as usize] = k;
        self.prev[next as usize] = k;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(links: &Links) -> Vec<u32> {
        let mut out = Vec::new();
        let mut k = links.first();
        while k != links.head() {
            out.push(k);
            k = links.after(k);
        }
        out
    }

    #[test]
    fn links_unlink_and_relink_in_stack_order_restore_the_list() {
        let mut links = Links::new(5);
        assert_eq!(items(&links), vec![0, 1, 2, 3, 4]);
        links.unlink(0);
        links.unlink(3);
        links.unlink(4);
        assert_eq!(items(&links), vec![1, 2]);
        links.relink(4);
        links.relink(3);
        assert_eq!(items(&links), vec![1, 2, 3, 4]);
        links.relink(0);
        assert_eq!(items(&links), vec![0, 1, 2, 3, 4]);
        assert_eq!(items(&Links::new(0)), Vec::<u32>::new());
    }

    #[test]
    #[should_panic(expected = "list changed since unlink")]
    fn links_relink_out_of_order_panics() {
        let mut links = Links::new(3);
        links.unlink(1);
        links.unlink(2);
        links.relink(1);
    }
}
