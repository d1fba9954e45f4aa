//! UTC timestamps without a date library: journal ids sort by time.

use std::time::{SystemTime, UNIX_EPOCH};

/// `2026-11-23T23:31:47Z` for now, and a compact form for ids.
pub fn now() -> (String, String) {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let long = gomedic_core::time::rfc3339(secs);
    let compact = long.replace(['-', ':'], "");
    (long, compact)
}
