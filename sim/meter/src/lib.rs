//! A global allocator wrapper that meters, per thread, the bytes held and their peak:
//! raftsim's binary installs it around its allocator, so that each simulation run holds
//! to a memory bound and reports its peak (`sim::engine::budget`).
//!
//! Each run is single-threaded, so the bytes its thread allocated and has not freed are
//! the run's memory (the checker's parallel search, after the simulation, is bounded by
//! its own cache limit). [`MeteredAllocator`] wraps another allocator and keeps, per
//! thread, the bytes held and their peak since the last [`reset_peak`]. A program that
//! does not install it (a user's test crate that does not opt in) meters nothing:
//! [`held`] is `None` and a run's memory bound is not enforced.
//!
//! The counters are `const`-initialised thread-locals without destructors, so reading
//! them never allocates (which would recurse into the allocator) and works during a
//! thread's teardown. A block freed on another thread than the one that allocated it
//! (rare: a record handed to the writer) lowers that thread's count instead; the counts
//! saturate at zero.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};

/// The allocator `A`, metered per thread. Install it in a binary with
/// `#[global_allocator] static ALLOC: MeteredAllocator<std::alloc::System> =
/// MeteredAllocator(std::alloc::System);`.
#[derive(Debug, Default)]
pub struct MeteredAllocator<A>(pub A);

/// Set by the first allocation through [`MeteredAllocator`].
static INSTALLED: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// Bytes this thread holds.
    static HELD: Cell<u64> = const { Cell::new(0) };
    /// The most it held since the last [`reset_peak`].
    static PEAK: Cell<u64> = const { Cell::new(0) };
}

fn grow(bytes: usize) {
    let _ = HELD.try_with(|held| {
        let now = held.get().saturating_add(bytes as u64);
        held.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

fn shrink(bytes: usize) {
    let _ = HELD.try_with(|held| held.set(held.get().saturating_sub(bytes as u64)));
}

// SAFETY: every call is forwarded to the wrapped allocator with the same arguments; the
// counters only observe sizes and never allocate.
#[allow(unsafe_code)]
unsafe impl<A: GlobalAlloc> GlobalAlloc for MeteredAllocator<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is the wrapped allocator's.
        let ptr = unsafe { self.0.alloc(layout) };
        if !ptr.is_null() {
            if !INSTALLED.load(Ordering::Relaxed) {
                INSTALLED.store(true, Ordering::Relaxed);
            }
            grow(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        let ptr = unsafe { self.0.alloc_zeroed(layout) };
        if !ptr.is_null() {
            grow(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as above.
        unsafe { self.0.dealloc(ptr, layout) };
        shrink(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as above.
        let moved = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !moved.is_null() {
            shrink(layout.size());
            grow(new_size);
        }
        moved
    }
}

/// Bytes this thread holds (allocated and not freed), or `None` when the process does not meter allocations.
pub fn held() -> Option<u64> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| HELD.with(Cell::get))
}

/// The most this thread held since the last [`reset_peak`], or `None` when the process
/// does not meter allocations.
pub fn peak() -> Option<u64> {
    INSTALLED
        .load(Ordering::Relaxed)
        .then(|| PEAK.with(Cell::get))
}

/// Starts a new peak at what this thread holds now (a simulation does, when it starts).
pub fn reset_peak() {
    let now = HELD.with(Cell::get);
    PEAK.with(|peak| peak.set(now));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One test: the first allocation through a meter marks it installed for the whole
    /// process, so "not installed" must be seen before any.
    #[test]
    fn metered_allocator_counts_this_threads_bytes_and_peak_once_used() {
        // The test binary runs on the system allocator: nothing is metered yet.
        assert_eq!(held(), None);
        assert_eq!(peak(), None);
        let meter = MeteredAllocator(std::alloc::System);
        let layout = Layout::from_size_align(4096, 8).expect("a layout");
        let before = HELD.with(Cell::get);
        reset_peak();
        // SAFETY: a non-zero layout, freed below with the same layout.
        #[allow(unsafe_code)]
        unsafe {
            let a = meter.alloc(layout);
            assert!(!a.is_null());
            assert_eq!(HELD.with(Cell::get), before + 4096);
            let b = meter.realloc(a, layout, 10_000);
            assert!(!b.is_null());
            assert_eq!(HELD.with(Cell::get), before + 10_000);
            meter.dealloc(b, Layout::from_size_align(10_000, 8).expect("a layout"));
        }
        assert_eq!(HELD.with(Cell::get), before);
        assert_eq!(PEAK.with(Cell::get), before + 10_000, "the peak stays");
        assert_eq!(held(), Some(before));
    }
}
