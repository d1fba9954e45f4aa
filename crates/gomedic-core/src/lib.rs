//! gomedic's shared model: checks, results, fixes, the report, and redaction.
//!
//! Plain data only: no process spawning, no network, no terminal handling. Every other
//! crate speaks in these types, and every renderer reads a [`RedactedReport`], so
//! secrets are masked once, here, before anything is printed.

pub mod check;
pub mod duration;
pub mod hint;
pub mod net;
pub mod redact;
pub mod report;
pub mod text;
pub mod time;

pub use check::{Category, CheckMeta, CheckResult, Finding, Fix, FixAction, Status, ToolRebuild};
pub use hint::{Hint, Hinted};
pub use redact::Redactor;
pub use report::{ExitCode, Host, RedactedReport, Report, Summary, REPORT_SCHEMA};
