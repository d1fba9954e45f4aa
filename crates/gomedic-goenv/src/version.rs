//! Go version strings ordered as cmd/go's `gover` orders them:
//! `1.21` (language version) < `1.21rc1` < `1.21.0` < `1.21.1`.

use std::cmp::Ordering;
use std::fmt;

/// A parsed Go version (without the `go` prefix).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GoVersion {
    pub major: u32,
    pub minor: u32,
    /// `None` for a language version such as `1.22`.
    pub patch: Option<u32>,
    /// Pre-release kind and number, e.g. `("rc", 1)`.
    pub pre: Option<(String, u32)>,
}

impl GoVersion {
    /// Parses `1.22`, `1.22.3`, `1.22rc1`, `go1.22.3`. Returns `None` for anything else.
    pub fn parse(s: &str) -> Option<GoVersion> {
        let s = s.strip_prefix("go").unwrap_or(s);
        let (major, rest) = split_num(s)?;
        let rest = rest.strip_prefix('.')?;
        let (minor, rest) = split_num(rest)?;
        if rest.is_empty() {
            return Some(GoVersion {
                major,
                minor,
                patch: None,
                pre: None,
            });
        }
        if let Some(r) = rest.strip_prefix('.') {
            let (patch, tail) = split_num(r)?;
            return tail.is_empty().then_some(GoVersion {
                major,
                minor,
                patch: Some(patch),
                pre: None,
            });
        }
        for kind in ["rc", "beta", "alpha"] {
            if let Some(r) = rest.strip_prefix(kind) {
                let (n, tail) = split_num(r)?;
                return tail.is_empty().then(|| GoVersion {
                    major,
                    minor,
                    patch: None,
                    pre: Some((kind.to_string(), n)),
                });
            }
        }
        None
    }

    /// Parses a toolchain name such as `go1.22.3` or `go1.22.3+auto`-less forms; requires the prefix.
    pub fn parse_toolchain(s: &str) -> Option<GoVersion> {
        let v = s.strip_prefix("go")?;
        // Custom suffixes ("go1.22.3-mycorp") still name a release.
        let core = v.split(['-', ' ']).next().unwrap_or(v);
        GoVersion::parse(core)
    }

    /// A language version (`1.22`) names no release: no toolchain is called `go1.22`.
    pub fn is_lang(&self) -> bool {
        self.patch.is_none() && self.pre.is_none()
    }

    /// The release version a language version means for toolchain selection (`1.22` → `1.22.0`).
    pub fn first_release(&self) -> GoVersion {
        if self.is_lang() {
            GoVersion {
                patch: Some(0),
                ..self.clone()
            }
        } else {
            self.clone()
        }
    }

    /// Major.minor only.
    pub fn lang(&self) -> GoVersion {
        GoVersion {
            major: self.major,
            minor: self.minor,
            patch: None,
            pre: None,
        }
    }
}

fn split_num(s: &str) -> Option<(u32, &str)> {
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    if end == 0 || end > 9 {
        return None;
    }
    Some((s[..end].parse().ok()?, &s[end..]))
}

fn pre_rank(kind: &str) -> u8 {
    match kind {
        "alpha" => 1,
        "beta" => 2,
        _ => 3,
    }
}

impl Ord for GoVersion {
    fn cmp(&self, o: &Self) -> Ordering {
        (self.major, self.minor)
            .cmp(&(o.major, o.minor))
            .then_with(|| {
                // Within a minor: lang < alpha < beta < rc < .0 < .1 ...
                let key = |v: &GoVersion| -> (u8, u32, u32) {
                    match (&v.pre, v.patch) {
                        (None, None) => (0, 0, 0),
                        (Some((k, n)), _) => (1, pre_rank(k) as u32, *n),
                        (None, Some(p)) => (2, p, 0),
                    }
                };
                key(self).cmp(&key(o))
            })
    }
}

impl PartialOrd for GoVersion {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

impl fmt::Display for GoVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)?;
        if let Some((k, n)) = &self.pre {
            write!(f, "{k}{n}")?;
        } else if let Some(p) = self.patch {
            write!(f, ".{p}")?;
        }
        Ok(())
    }
}

/// The parsed first line of `go version`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionLine {
    /// As printed, e.g. `go1.22.10` or `devel go1.24-abc123`.
    pub raw_version: String,
    pub version: Option<GoVersion>,
    pub os: String,
    pub arch: String,
}

/// Parses `go version go1.22.10 linux/amd64` (also `devel` builds and `X:` experiment suffixes).
pub fn parse_version_line(out: &str) -> Option<VersionLine> {
    let line = out.lines().find(|l| !l.trim().is_empty())?.trim();
    let rest = line.strip_prefix("go version ")?;
    let (ver, platform) = rest.rsplit_once(' ')?;
    let (os, arch) = platform.split_once('/')?;
    if os.is_empty() || arch.is_empty() || !ver.contains("go") {
        return None;
    }
    let version = ver
        .split_whitespace()
        .find_map(|w| GoVersion::parse_toolchain(w.trim_end_matches(',')));
    Some(VersionLine {
        raw_version: ver.to_string(),
        version,
        os: os.to_string(),
        arch: arch.to_string(),
    })
}

impl serde::Serialize for GoVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn v(s: &str) -> GoVersion {
        GoVersion::parse(s).unwrap()
    }

    #[test]
    fn ordering_matches_gover() {
        let mut list = [
            v("1.22.1"),
            v("1.22"),
            v("1.22rc1"),
            v("1.21.13"),
            v("1.22.0"),
            v("1.22beta2"),
            v("1.9"),
        ];
        list.sort();
        let s: Vec<String> = list.iter().map(|x| x.to_string()).collect();
        assert_eq!(
            s,
            [
                "1.9",
                "1.21.13",
                "1.22",
                "1.22beta2",
                "1.22rc1",
                "1.22.0",
                "1.22.1"
            ]
        );
    }

    #[test]
    fn parse_rejects_garbage() {
        for bad in [
            "",
            "1",
            "1.",
            "x1.2",
            "1.2.3.4",
            "1.2rc",
            "go",
            "1.22.x",
            "99999999999.1",
        ] {
            assert!(GoVersion::parse(bad).is_none(), "{bad}");
        }
        assert!(v("1.22").is_lang());
        assert_eq!(v("1.22").first_release().to_string(), "1.22.0");
    }

    #[test]
    fn version_lines() {
        let l = parse_version_line("go version go1.22.10 linux/amd64\n").unwrap();
        assert_eq!(l.version, Some(v("1.22.10")));
        assert_eq!((l.os.as_str(), l.arch.as_str()), ("linux", "amd64"));
        let l = parse_version_line("go version go1.25.0 X:nodwarf5 windows/amd64").unwrap();
        assert_eq!(l.version, Some(v("1.25.0")));
        let l = parse_version_line("go version devel go1.24-abcdef Tue Jan 1 linux/arm64").unwrap();
        assert_eq!(l.version, Some(v("1.24")));
        assert!(parse_version_line("hello world").is_none());
        assert!(parse_version_line("").is_none());
        assert!(parse_version_line("go version nonsense").is_none());
    }
}
