//! Thresholds and the supported-version policy (defaults in docs/checks.md).

use gomedic_goenv::GoVersion;
use std::time::Duration;

/// What gomedic considers healthy. Every field has a documented default.
#[derive(Debug, Clone)]
pub struct Policy {
    /// Go versions below this are an error.
    pub min_go: GoVersion,
    /// Exact versions (or whole lines such as `1.21`) that are an error, with a reason.
    pub deny: Vec<(GoVersion, String)>,
    /// The newest Go release line gomedic knows; the two newest lines get security fixes.
    pub newest_known_line: GoVersion,
    /// `go version` slower than this is a warning.
    pub slow_start: Duration,
    /// Free space below this is a warning / an error.
    pub free_warn_bytes: u64,
    pub free_error_bytes: u64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_go: GoVersion::parse("1.21.0").expect("valid"),
            deny: vec![(
                GoVersion::parse("1.21.0").expect("valid"),
                "breaks `go mod download` when GOPROXY is set but empty (golang/go#61928); fixed in 1.21.1".into(),
            )],
            newest_known_line: GoVersion::parse("1.27").expect("valid"),
            slow_start: Duration::from_secs(1),
            free_warn_bytes: 2 << 30,
            free_error_bytes: 256 << 20,
        }
    }
}

impl Policy {
    /// The deny-list entry matching `v`: an exact version, or a whole line (`1.21`).
    pub fn denied(&self, v: &GoVersion) -> Option<&(GoVersion, String)> {
        self.deny
            .iter()
            .find(|(d, _)| d == v || (d.is_lang() && d.major == v.major && d.minor == v.minor))
    }

    /// Whether the Go project still ships security fixes for `v`'s release line.
    pub fn upstream_supported(&self, v: &GoVersion) -> bool {
        let n = &self.newest_known_line;
        v.major > n.major || (v.major == n.major && v.minor + 1 >= n.minor)
    }
}
