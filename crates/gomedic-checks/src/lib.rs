//! The checks of `gomedic check`.
//!
//! Each check is a pure function `fn(&Facts) -> CheckResult`: it reads facts (gomedic-facts,
//! gathered lazily, once per run) and never touches the machine itself, so two checks that
//! need `go env -json` share one run of it and every check runs on canned facts in tests. The registry's order is the
//! report's order and its ids are gomedic's public contract.

pub use gomedic_facts as facts;
pub use gomedic_facts::policy;
pub mod codes;
pub mod gotools;
mod registry;
mod util;

mod binary;
mod build;
mod dirs;
mod env;
pub mod net;
mod proxy;
mod root;
mod runs;
mod toolchain;
mod tools;
mod version;
pub mod wincanary;
pub mod winmotw;
pub mod winpath;
pub mod winsec;
mod winsig;

pub use codes::Code;
pub use gomedic_facts::{BuildProbe, BuildStep, Facts, Gather, GoEnvFact, Policy};
pub use registry::{find, Check, CHECKS};

#[cfg(test)]
mod tests;
