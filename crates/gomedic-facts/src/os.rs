//! The OS-level data types checks read (command results, directory probes, registry
//! values, Windows security snapshots) and pure helpers that name OS codes. Only data
//! and naming are re-exported here: nothing reachable from this module does I/O, so
//! checks, which see the machine only through this crate, stay pure.

/// Results of running a command.
pub mod exec {
    pub use gomedic_sys::exec::{Exit, Failure, Output, Result};
}
/// Decoding other programs' text and filling Windows message inserts (pure, except that
/// `decode_output` reads the process's code pages once).
pub mod text {
    pub use gomedic_sys::text::{
        decode, decode_output, decode_with, fill_inserts, fill_inserts_in_line,
        fill_inserts_in_text,
    };
}
/// A directory probe's result.
pub mod fs {
    pub use gomedic_sys::fs::DirProbe;
}
/// Registry values (data only).
pub mod registry {
    pub use gomedic_sys::registry::{RegValue, Scope, REG_EXPAND_SZ, REG_SZ};
}
/// Windows security state (data only).
pub mod winsec {
    pub use gomedic_sys::winsec::{is_admin_placeholder, CiEvent, Detection, Snapshot};
}
/// NTSTATUS names.
pub mod ntstatus {
    pub use gomedic_sys::ntstatus::{
        blocked_by_ntstatus, blocked_by_win32, blocked_in_text, describe, looks_like_ntstatus,
        Blocked,
    };
}
/// POSIX signal names.
pub mod signal {
    pub use gomedic_sys::signal::name;
}
/// WinVerifyTrust result names.
pub mod wintrust {
    pub use gomedic_sys::wintrust::name;
}
