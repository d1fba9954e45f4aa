//! Which release's rules to apply: the parts of GOPROXY/GOSUMDB handling that changed
//! between Go releases (all in net/url), the operating system (absolute paths), and the
//! GODEBUG settings that change them.

use crate::version::GoVersion;
use serde::Serialize;

/// The net/url parsing rules of a Go release (used for GOPROXY entries and GOSUMDB).
///
/// Verified against the sources of 1.21.13, 1.22.10, 1.23.9, 1.24.11, 1.25.5, 1.26.6
/// and 1.27.3; the patch releases that changed them come from Go's security release
/// notes (the bracketed-host fix shipped in 1.24.8 and 1.25.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum UrlRules {
    /// Until 1.24.7 and 1.25.0–1.25.1: `[` only at the start of a host opens an IPv6
    /// literal, which is not validated; the port follows the last `:`.
    Go121,
    /// 1.24.8+ and 1.25.2+: the last `[` anywhere opens an IP literal, which must be an
    /// IPv6 address (netip.ParseAddr); the port follows the last `:`.
    Go124,
    /// 1.26+: a `[` after the start is an error; for http and https the port follows the
    /// first `:` (GODEBUG `urlstrictcolons=0` restores the last); url.URL prints its
    /// fields in a new order.
    Go126,
}

/// The rules of one go command: its release, its OS and its GODEBUG.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoSemantics {
    /// The go command's release; `None` means the newest rules gomedic knows.
    #[serde(serialize_with = "version_string")]
    pub version: Option<GoVersion>,
    /// Windows paths (`C:\dir`, `\\server\share`) count as absolute in GOPROXY.
    pub windows: bool,
    /// GODEBUG `urlstrictcolons` (Go 1.26+); `true` unless GODEBUG sets it to `0`.
    pub url_strict_colons: bool,
}

fn version_string<S: serde::Serializer>(v: &Option<GoVersion>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(v) => s.serialize_str(&format!("go{v}")),
        None => s.serialize_none(),
    }
}

impl Default for GoSemantics {
    fn default() -> Self {
        GoSemantics::latest()
    }
}

impl GoSemantics {
    /// The newest rules, for this machine's OS.
    pub fn latest() -> GoSemantics {
        GoSemantics {
            version: None,
            windows: cfg!(windows),
            url_strict_colons: true,
        }
    }

    /// The rules of `version` (`go1.22.3`, `1.22.3`; anything unparsable means newest),
    /// for this machine's OS.
    pub fn for_version(version: Option<&str>) -> GoSemantics {
        GoSemantics {
            version: version.and_then(GoVersion::parse),
            ..GoSemantics::latest()
        }
    }

    /// Applies a GODEBUG value (`k=v,k=v`; the last setting of a key wins, as in Go).
    pub fn with_godebug(mut self, godebug: &str) -> GoSemantics {
        for kv in godebug.split(',') {
            if let Some((k, v)) = kv.split_once('=') {
                if k.trim() == "urlstrictcolons" {
                    self.url_strict_colons = v.trim() != "0";
                }
            }
        }
        self
    }

    pub fn url_rules(&self) -> UrlRules {
        let Some(v) = &self.version else {
            return UrlRules::Go126;
        };
        let patch = v.patch.unwrap_or(0);
        let pre = v.pre.is_some() || v.patch.is_none();
        match (v.major, v.minor) {
            (1, m) if m >= 26 => UrlRules::Go126,
            (1, 25) if !pre && patch >= 2 => UrlRules::Go124,
            (1, 24) if !pre && patch >= 8 => UrlRules::Go124,
            (1, _) => UrlRules::Go121,
            _ => UrlRules::Go126,
        }
    }

    /// A short name for reports: `go1.27.3`, or `newest known`.
    pub fn describe(&self) -> String {
        match &self.version {
            Some(v) => format!("go{v}"),
            None => "newest known".to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_by_release() {
        let r = |v: &str| GoSemantics::for_version(Some(v)).url_rules();
        assert_eq!(r("go1.21.13"), UrlRules::Go121);
        assert_eq!(r("go1.23.9"), UrlRules::Go121);
        assert_eq!(r("go1.24.7"), UrlRules::Go121);
        assert_eq!(r("go1.24.11"), UrlRules::Go124);
        assert_eq!(r("go1.25.1"), UrlRules::Go121);
        assert_eq!(r("go1.25.5"), UrlRules::Go124);
        assert_eq!(r("go1.26rc1"), UrlRules::Go126);
        assert_eq!(r("go1.27.3"), UrlRules::Go126);
        assert_eq!(GoSemantics::latest().url_rules(), UrlRules::Go126);
        let s = GoSemantics::latest().with_godebug("http2client=0,urlstrictcolons=0");
        assert!(!s.url_strict_colons);
    }
}
