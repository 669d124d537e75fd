//! The `raftsim` command line: one module per subcommand.

pub mod check;
