//! openraft-rt's own conformance suite, run against the virtual runtime.
//!
//! `Suite::test_all` creates runtimes with `AsyncRuntime::new` and drives them with
//! `block_on`, which moves virtual time to the next timer whenever the node is idle, so
//! the suite's sleeps and timeouts (10 ms to 1 s) take no wall time. It ends with
//! `DetsimSuite`, which wraps the runtime in openraft-rt's `DeterministicRng` and checks
//! that spawned tasks carry task-local seeds through this executor.

use openraft_rt::testing::Suite;
use virtual_runtime::Runtime;

#[test]
fn conformance_openraft_rt_suite_passes() {
    Suite::<Runtime>::test_all();
}
