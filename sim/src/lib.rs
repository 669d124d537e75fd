//! raftsim library.
