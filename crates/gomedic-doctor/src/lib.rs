//! Runs checks: the real [`Gather`] implementation (commands, files, directories) and a
//! runner that evaluates each selected check on its own thread with a per-check timeout
//! and one overall deadline, so a hanging or panicking check never hides the others.

pub mod envedit;
mod gather;
mod proxyprobe;
mod runner;
pub mod toolfix;

pub use gather::{NetOptions, SystemGather};
pub use runner::{run, select, RunOptions, SelectError};
