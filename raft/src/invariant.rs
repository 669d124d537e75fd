//! The crate's checks of the protocol's cross-node invariants, and the switches of the
//! planted bugs (see `planted.rs`).
//!
//! `invariant!(self, cond, ...)` is `assert!(cond, ...)` for an invariant that holds
//! across nodes (at most one leader of a term, a committed entry is never removed, an
//! acknowledgement never runs ahead of the leader's log): a node can only see it broken
//! when some node misbehaved. With the `planted-bugs` feature, a node whose
//! [`crate::Config`] has `self_checks` off skips them, so that its planted bug is caught
//! by the tester's safety monitors and not by the crate's own assertions. Without the
//! feature it is `assert!`, always on.
//!
//! `planted!(self, Bug)` is true when the node runs with that planted bug, and the
//! literal `false` without the feature: the reference build has no such branch taken.

/// `assert!` that a planted-bug node with `self_checks` off skips.
#[cfg(feature = "planted-bugs")]
macro_rules! invariant {
    ($raft:expr, $($assert:tt)+) => {
        if $raft.config.self_checks {
            assert!($($assert)+);
        }
    };
}

/// `assert!`: there are no planted bugs in this build.
#[cfg(not(feature = "planted-bugs"))]
macro_rules! invariant {
    ($raft:expr, $($assert:tt)+) => {
        assert!($($assert)+)
    };
}

/// True when the node runs with the planted bug `crate::bug::Bug::$bug`.
#[cfg(feature = "planted-bugs")]
macro_rules! planted {
    ($raft:expr, $bug:ident) => {
        $raft.config.bug == Some($crate::bug::Bug::$bug)
    };
}

/// Always false: there are no planted bugs in this build.
#[cfg(not(feature = "planted-bugs"))]
macro_rules! planted {
    ($raft:expr, $bug:ident) => {
        false
    };
}
