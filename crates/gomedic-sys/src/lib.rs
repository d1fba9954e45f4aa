//! gomedic's operating-system layer: run a command with a timeout and classify how it
//! ended, describe the host, measure disk space and writability.
//!
//! Everything platform-specific that the checks need goes through here, so the checks
//! stay pure and the Windows-only code sits in one place.

pub mod exec;
pub mod fs;
pub mod host;
pub mod ntstatus;
pub mod registry;
pub mod signal;
pub mod text;
pub mod winsec;
pub mod wintrust;
