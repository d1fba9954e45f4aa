//! The checks of `gomedic check`.
//!
//! Each check is a function `fn(&Facts) -> CheckResult`. Facts are gathered lazily, once
//! per run, through the [`facts::Gather`] trait, so a check never runs a command itself and
//! two checks that need `go env -json` share one run of it. The registry's order is the
//! report's order and its ids are gomedic's public contract.

pub mod facts;
pub mod policy;
mod registry;
mod util;

mod binary;
mod build;
mod dirs;
mod env;
pub mod net;
mod root;
mod runs;
mod tools;
mod version;
pub mod wincanary;
pub mod winmotw;
pub mod winpath;
pub mod winsec;
mod winsig;

pub use facts::{BuildProbe, BuildStep, Facts, Gather, GoEnvFact};
pub use policy::Policy;
pub use registry::{find, Check, CHECKS};

#[cfg(test)]
mod tests;
