//! The lab's blocking clerk calls (`Get`, `Put`, `Append`, `check`) on any tester whose
//! clerks speak the KV operations and whose [`super::recorder::Recorder`] keeps the
//! history: the KV tester and the sharded KV tester ([`ClerkSuite`]).

use super::rig::ClerkSuite;
use super::rig::Tester;
use super::run::TEST_LIMIT;
use crate::engine::{Duration, Instant, NodeId};
use crate::ensure;
use crate::outcome::{Failure, Verdict};
use kvraft::Op;

impl<S: ClerkSuite> Tester<S> {
    /// Starts an operation on `clerk` and records its call in the history.
    ///
    /// A clerk's next call comes strictly after its previous return: if that return
    /// happened at this very instant, the simulation first moves on by one nanosecond.
    /// Intervals are closed, so a call recorded at the instant of the same client's
    /// return would read as concurrent with it, and a Get that missed the client's own
    /// write just before would pass the check.
    ///
    /// # Errors
    /// A monitor's violation in the events of that nanosecond.
    pub fn begin(&mut self, clerk: NodeId, op: Op) -> Verdict {
        assert!(
            !self.suite.recorder().is_open(clerk),
            "{clerk} has an operation in flight"
        );
        if let Some(returned) = self.suite.recorder().last_return(clerk) {
            if returned >= self.sim.now() {
                self.advance_to(returned + Duration(1))?;
            }
        }
        let now = self.sim.now();
        self.suite.recorder_mut().call(clerk, &op, now);
        self.with_node(clerk, |c, ctx| S::begin_on(c, ctx, op))?
            .expect("clerks never crash");
        Ok(())
    }

    /// True when `clerk`'s operation returned and its result was not taken yet.
    pub fn has_result(&self, clerk: NodeId) -> bool {
        self.suite.recorder().has_result(clerk)
    }

    /// The result of `clerk`'s operation, if it returned and nobody took it yet.
    pub fn take_result(&mut self, clerk: NodeId) -> Option<String> {
        self.suite.recorder_mut().take_result(clerk)
    }

    /// A blocking clerk operation (the lab's `Get`/`Put`/`Append` helpers): waits until
    /// it returns, at the latest until the test's 120 s limit.
    ///
    /// # Errors
    /// A task's or a monitor's failure, or the operation not done by the limit.
    pub fn op(&mut self, clerk: NodeId, op: Op) -> Result<String, Failure> {
        let what = format!("{op:?}");
        self.begin(clerk, op)?;
        let deadline = (Instant::ZERO + TEST_LIMIT).max(self.sim.now());
        let done = self.run_until(deadline, |t| t.has_result(clerk))?;
        ensure!(
            done,
            "{what} by {clerk} did not complete by the 120 s limit"
        );
        Ok(self.take_result(clerk).expect("completed"))
    }

    /// `Get(key)` through `clerk`.
    ///
    /// # Errors
    /// As [`Tester::op`].
    pub fn get(&mut self, clerk: NodeId, key: &str) -> Result<String, Failure> {
        self.op(clerk, Op::Get { key: key.into() })
    }

    /// `Put(key, value)` through `clerk`.
    ///
    /// # Errors
    /// As [`Tester::op`].
    pub fn put(&mut self, clerk: NodeId, key: &str, value: &str) -> Verdict {
        let op = Op::Put {
            key: key.into(),
            value: value.into(),
        };
        self.op(clerk, op).map(|_| ())
    }

    /// `Append(key, value)` through `clerk`.
    ///
    /// # Errors
    /// As [`Tester::op`].
    pub fn append(&mut self, clerk: NodeId, key: &str, value: &str) -> Verdict {
        let op = Op::Append {
            key: key.into(),
            value: value.into(),
        };
        self.op(clerk, op).map(|_| ())
    }

    /// The lab's `check(cfg, t, ck, key, value)`.
    ///
    /// # Errors
    /// As [`Tester::op`], or the value read is not `value`.
    pub fn check(&mut self, clerk: NodeId, key: &str, value: &str) -> Verdict {
        let v = self.get(clerk, key)?;
        ensure!(v == value, "Get({key}): expected:\n{value}\nreceived:\n{v}");
        Ok(())
    }
}
