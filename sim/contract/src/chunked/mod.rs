//! Saved state as shared chunks: the one encoding that keeps saving cheap.
//!
//! A node hands out its complete durable state at every save (the lab's
//! `Persister.Save(raftstate, snapshot)`), and the driver keeps the last one. Copied
//! whole, a log of thousands of entries made saving quadratic over a run. Two pieces
//! remove the copies, used alike by the simulator's disk, raftsim's own Raft and the
//! raft-rs adapter:
//! - [`SharedBytes`]: an immutable byte string of reference-counted chunks, so that
//!   handing out a save and keeping it copies chunk pointers, not bytes;
//! - [`ChunkedLog`]: the encodings of a log's retained entries kept between saves, in
//!   geometrically merged chunks, so that a save encodes only the new entries and each
//!   byte is copied O(log n) times over the life of the log.

pub mod bytes;
pub mod log;

pub use bytes::SharedBytes;
pub use log::ChunkedLog;
