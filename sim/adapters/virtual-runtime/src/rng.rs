//! [`NodeRng`]: the node's random numbers, a ChaCha8 stream seeded by the driver.

use std::cell::RefCell;
use std::convert::Infallible;
use std::fmt;
use std::rc::Rc;

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// A handle on the node's random stream (`AsyncRuntime::ThreadLocalRng`).
///
/// Every handle of a node draws from the same ChaCha8 stream, seeded from the node's
/// `u64` seed, so successive `thread_rng()` calls continue one sequence, as `rand`'s
/// thread-local generator does, and a node's draws are a function of its seed and of
/// the order of its own calls only. ChaCha8 from `rand_chacha` 0.9 is the generator the
/// rest of raftsim uses (`sim::engine::rng`, the raft-rs adapter's timeouts).
///
/// openraft-rt asks for `rand` 0.10's `Rng`; it is implemented here on top of the
/// `rand_core` 0.9 generator, word for word (`next_u32`, `next_u64`, `fill_bytes`), so
/// the stream does not depend on which `rand` version reads it.
#[derive(Clone)]
pub struct NodeRng {
    inner: Rc<RefCell<ChaCha8Rng>>,
}

impl NodeRng {
    /// The stream seeded by `seed`.
    pub(crate) fn seeded(seed: u64) -> NodeRng {
        NodeRng {
            inner: Rc::new(RefCell::new(ChaCha8Rng::seed_from_u64(seed))),
        }
    }
}

impl rand::TryRng for NodeRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        Ok(self.inner.borrow_mut().next_u32())
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        Ok(self.inner.borrow_mut().next_u64())
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        self.inner.borrow_mut().fill_bytes(dst);
        Ok(())
    }
}

impl fmt::Debug for NodeRng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NodeRng(ChaCha8)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::Rng;

    #[test]
    fn node_rng_handles_share_one_stream() {
        let mut a = NodeRng::seeded(7);
        let mut b = a.clone();
        let mut fresh = ChaCha8Rng::seed_from_u64(7);
        assert_eq!(a.next_u64(), fresh.next_u64());
        assert_eq!(b.next_u64(), fresh.next_u64(), "b continues a's stream");
        assert_ne!(NodeRng::seeded(8).next_u64(), NodeRng::seeded(7).next_u64());
    }
}
