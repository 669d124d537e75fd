//! raftsim: a deterministic discrete-event simulator for Raft and a Raft-backed KV store.

pub mod cli;
pub mod cluster;
pub mod demo;
pub mod engine;
pub mod implementation;
pub mod monitor;
pub mod outcome;
pub mod registry;
pub mod scenario;
pub mod scenarios;
pub mod selftest;
pub mod swarm;
pub mod tester;
pub mod timeline;
