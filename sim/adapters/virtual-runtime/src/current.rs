//! The current node: a thread-local that the driver sets around every call into a node.
//!
//! `openraft_rt::Instant::now()`, `AsyncRuntime::spawn`, `sleep` and `thread_rng` are
//! static functions: they take no runtime argument, so they find the node they act on
//! here. [`CurrentGuard`] sets it and puts the previous one back.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

use crate::node::Node;

thread_local! {
    static CURRENT: RefCell<Option<Rc<Node>>> = const { RefCell::new(None) };
}

/// Keeps a node current until dropped, then restores the node that was current before
/// (none, or an outer guard's).
///
/// Guards nest: drop them in the reverse order of their creation (a guard is neither
/// `Send` nor meant to be stored).
#[must_use = "the node is current only while the guard lives"]
pub struct CurrentGuard {
    node: Rc<Node>,
    previous: Option<Rc<Node>>,
    _not_send: PhantomData<Rc<()>>,
}

/// Makes `node` the current node until the returned guard is dropped.
pub(crate) fn set(node: Rc<Node>) -> CurrentGuard {
    let previous = CURRENT.with(|c| c.replace(Some(node.clone())));
    CurrentGuard {
        node,
        previous,
        _not_send: PhantomData,
    }
}

/// The current node.
///
/// # Panics
/// If no node is current: time, timers, tasks and randomness exist only inside a node,
/// and a call from outside one is a bug of the driver (it must hold a [`CurrentGuard`],
/// as `Runtime::enter` does).
pub(crate) fn node() -> Rc<Node> {
    CURRENT.with(|c| c.borrow().clone()).unwrap_or_else(|| {
        panic!(
            "virtual-runtime: no current node; make one current \
             (Runtime::make_current or Runtime::enter) before using time, tasks or randomness"
        )
    })
}

impl Drop for CurrentGuard {
    fn drop(&mut self) {
        let current = CURRENT.with(|c| c.replace(self.previous.take()));
        let nested = current.is_some_and(|c| Rc::ptr_eq(&c, &self.node));
        if !std::thread::panicking() {
            assert!(nested, "CurrentGuard dropped out of order (guards nest)");
        }
    }
}

impl std::fmt::Debug for CurrentGuard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CurrentGuard")
            .field("seed", &self.node.seed)
            .finish()
    }
}
