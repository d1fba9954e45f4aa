//! Delve's target-Go gate (`pkg/goversion/compat.go`), per Delve release, with its exact words.

use crate::data::{rules_checked, DelveRules, Semver};
use gomedic_goenv::GoVersion;
use serde::Serialize;

/// Whether a Delve release will debug a binary built by a given Go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    /// The target Go is newer than this Delve knows: `max` is the newest go1.N it accepts.
    TooOldDelve {
        max: GoVersion,
        /// What dlv prints (and exits with).
        error: String,
        /// What dlv prints with `--check-go-version=false` before going on; `None` when that
        /// flag skips the check silently (before v1.7.3).
        warning: Option<String>,
    },
    /// The target Go is older than this Delve accepts: `min` is the oldest go1.N it accepts.
    TooNewDelve {
        min: GoVersion,
        error: String,
        warning: Option<String>,
    },
    /// A DWARF 5 target (Go 1.25+) and a Delve built with Go older than `min_build_go`.
    RebuildDelve {
        min_build_go: GoVersion,
        error: String,
    },
    /// Nothing known: a Delve release outside the table, a pseudo-version, or a target
    /// version Delve itself cannot parse.
    Unknown {
        reason: String,
    },
}

/// Where and how Delve runs, for the rules that depend on it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DelveHost {
    /// The GOARCH dlv itself runs on (its build info's GOARCH): riscv64 has its own minimum.
    pub arch: Option<String>,
    /// The Go version dlv was built with (its build info), for the DWARF 5 rule.
    pub built_with: Option<String>,
    /// Whether the target carries DWARF 5; `None` infers it from the target Go
    /// (1.25+ unless built with `GOEXPERIMENT=nodwarf5`, shown as ` X:nodwarf5`).
    pub target_dwarf5: Option<bool>,
}

/// The target as Delve parses the DW_AT_producer / build info version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// `devel +hash`: never checked.
    OldDevel,
    /// `devel go1.N-hash` (`underscore`: `go1.N-devel_hash`): ranks below go1.N's betas.
    Devel { minor: u32, underscore: bool },
    Release {
        v: GoVersion,
        /// A `-suffix` after the patch (`go1.22.3-corp`).
        toolchain_suffix: bool,
    },
}

fn parse_target(raw: &str) -> Option<Target> {
    let s = raw.trim();
    if let Some(rest) = s.strip_prefix("devel") {
        let rest = rest.trim_start();
        let Some(v) = rest.strip_prefix("go") else {
            return Some(Target::OldDevel);
        };
        let lang = v.split(['-', ' ']).next().unwrap_or("");
        return Some(match GoVersion::parse(lang) {
            Some(g) if g.is_lang() && g.major == 1 => Target::Devel {
                minor: g.minor,
                underscore: false,
            },
            _ => Target::OldDevel,
        });
    }
    let word = s.split_whitespace().next()?;
    let word = word.trim_end_matches(';');
    let word = if word.starts_with("go") {
        word.to_string()
    } else {
        format!("go{word}")
    };
    if let Some((lang, _)) = word.split_once("-devel_") {
        let g = GoVersion::parse(lang)?;
        return (g.is_lang() && g.major == 1).then_some(Target::Devel {
            minor: g.minor,
            underscore: true,
        });
    }
    let v = GoVersion::parse_toolchain(&word)?;
    if v.major != 1 {
        return None;
    }
    let toolchain_suffix = word[2..].contains('-');
    Some(Target::Release {
        v,
        toolchain_suffix,
    })
}

/// [`delve_supports_on`] for a Delve on an ordinary host whose build Go is not known.
pub fn delve_supports(delve_version: &str, target_go: &str) -> Verdict {
    delve_supports_on(delve_version, target_go, &DelveHost::default())
}

/// Will Delve `delve_version` (`v1.24.2`, from dlv's build info or `dlv version`) debug a
/// binary built by `target_go` (`go1.25.5`, `devel go1.26-abc`, as build info or
/// DW_AT_producer give it)? Returns Delve's verdict and the exact text it prints.
pub fn delve_supports_on(delve_version: &str, target_go: &str, host: &DelveHost) -> Verdict {
    let rules = match rules_checked() {
        Ok(r) => &r.delve,
        Err(e) => {
            return Verdict::Unknown {
                reason: e.to_string(),
            }
        }
    };
    judge(rules, delve_version, target_go, host)
}

fn lang(minor: u32) -> GoVersion {
    GoVersion {
        major: 1,
        minor,
        patch: None,
        pre: None,
    }
}

fn judge(rules: &DelveRules, delve_version: &str, target_go: &str, host: &DelveHost) -> Verdict {
    let Some(dv) = Semver::parse(delve_version) else {
        return Verdict::Unknown {
            reason: format!(
                "Delve version {delve_version:?} is not a release (pseudo-version, pre-release or (devel)): its rules are not known"
            ),
        };
    };
    let Some(row) = rules.rows.iter().find(|r| r.first <= dv && dv <= r.last) else {
        let last = rules
            .rows
            .last()
            .map(|r| r.last.to_string())
            .unwrap_or_default();
        return Verdict::Unknown {
            reason: format!("Delve {dv} is not in gomedic's table (it has releases up to {last})"),
        };
    };
    let Some(target) = parse_target(target_go) else {
        return Verdict::Unknown {
            reason: format!("target Go version {target_go:?} cannot be parsed"),
        };
    };
    // Older Delve skipped every devel build and did not know the go1.N-devel_ form.
    let target = match target {
        Target::OldDevel => return Verdict::Ok,
        Target::Devel { underscore, .. } if !underscore && dv < rules.versioned_devel_since => {
            return Verdict::Ok
        }
        Target::Devel {
            underscore: true, ..
        } if dv < rules.devel_underscore_since => {
            return Verdict::Unknown {
                reason: format!(
                    "Delve {dv} predates go1.N-devel_ version strings ({} and later parse them)",
                    rules.devel_underscore_since
                ),
            };
        }
        // Before go_prefixed_since a `-suffix` made Delve's parse fail: it saw go0.0.0.
        Target::Release {
            toolchain_suffix: true,
            ..
        } if dv < rules.go_prefixed_since => Target::Release {
            v: GoVersion {
                major: 0,
                minor: 0,
                patch: Some(0),
                pre: None,
            },
            toolchain_suffix: false,
        },
        t => t,
    };
    let shown = shown_version(rules, dv, &target, target_go);
    let named = dv >= rules.named_wording_since;
    let too_old_go = |min_shown: u32, effective_min: GoVersion| -> Verdict {
        let (error, warning) = if named {
            (
                format!("Go version {shown} is too old for this version of Delve (minimum supported version 1.{min_shown}, suppress this error with --check-go-version=false)"),
                Some(format!("WARNING: undefined behavior - Go version {shown} is too old for this version of Delve (minimum supported version 1.{min_shown})")),
            )
        } else {
            (
                format!("Version of Go is too old for this version of Delve (minimum supported version 1.{min_shown}, suppress this error with --check-go-version=false)"),
                None,
            )
        };
        Verdict::TooNewDelve {
            min: effective_min,
            error,
            warning,
        }
    };
    // riscv64: checked first, against go1.24 including its devel builds; the text names the table's min.
    if host.arch.as_deref() == Some("riscv64") && dv >= rules.riscv64_since {
        let m = &rules.riscv64_min_go;
        let below = match &target {
            Target::Devel { minor, .. } => (1, *minor) < (m.major, m.minor),
            Target::Release { v, .. } => {
                v.major < m.major || (v.major == m.major && v.minor < m.minor)
            }
            Target::OldDevel => false,
        };
        if below {
            return too_old_go(row.min, m.lang());
        }
    }
    // Betas and rcs of the minimum pass; a devel build of it does not (it ranks below beta0).
    let below_min = match &target {
        Target::Devel { minor, .. } => *minor <= row.min,
        Target::Release { v, .. } => *v < lang(row.min),
        Target::OldDevel => false,
    };
    if below_min {
        return too_old_go(row.min, lang(row.min));
    }
    // max+1 and its betas and rcs fail; a devel build of max+1 passes (it ranks below beta0).
    let above_max = match &target {
        Target::Devel { minor, .. } => *minor > row.max + 1,
        Target::Release { v, .. } => *v >= lang(row.max + 1),
        Target::OldDevel => false,
    };
    if above_max {
        let max = row.max;
        let (error, warning) = if named {
            (
                format!("Version of Delve is too old for Go version {shown} (maximum supported version 1.{max}, suppress this error with --check-go-version=false)"),
                Some(format!("WARNING: undefined behavior - version of Delve is too old for Go version {shown} (maximum supported version 1.{max})")),
            )
        } else {
            (
                format!("Version of Delve is too old for this version of Go (maximum supported version 1.{max}, suppress this error with --check-go-version=false)"),
                None,
            )
        };
        return Verdict::TooOldDelve {
            max: lang(max),
            error,
            warning,
        };
    }
    if dv >= rules.dwarf5_since {
        let dwarf5 = host.target_dwarf5.unwrap_or_else(|| {
            let new_enough = match &target {
                Target::Devel { minor, .. } => lang(*minor) >= rules.dwarf5_default_since_go,
                Target::Release { v, .. } => *v >= rules.dwarf5_default_since_go,
                Target::OldDevel => false,
            };
            new_enough && !target_go.contains("nodwarf5")
        });
        let built = host.built_with.as_deref().map(|b| b.trim());
        // runtime.Version() compared with rev versionedDevel: any go1.25 pre-release or devel passes.
        let old_build = built.is_some_and(|b| {
            if b.starts_with("devel") && !b.starts_with("devel go") {
                return false;
            }
            let word = b
                .trim_start_matches("devel ")
                .split_whitespace()
                .next()
                .unwrap_or("");
            let core = word.split("-devel_").next().unwrap_or(word);
            match GoVersion::parse_toolchain(core) {
                Some(v) => v.lang() < rules.dwarf5_min_build_go.lang(),
                None => false,
            }
        });
        if dwarf5 && old_build {
            let m = &rules.dwarf5_min_build_go;
            return Verdict::RebuildDelve {
                min_build_go: m.clone(),
                error: format!(
                    "To debug executables using DWARFv5 or later Delve must be built with Go version {}.{}.0 or later",
                    m.major, m.minor
                ),
            };
        }
    }
    Verdict::Ok
}

/// The target version as Delve prints it in the message.
fn shown_version(rules: &DelveRules, dv: Semver, t: &Target, raw: &str) -> String {
    // Delve's GoVersion{Major, Minor, Rev}: beta N = N-2000, rc N = N-1000, devel = -3000.
    let (major, minor, rev): (i64, i64, i64) = match t {
        Target::OldDevel => (-1, 0, 0),
        Target::Devel { minor, .. } => (1, *minor as i64, -3000),
        Target::Release { v, .. } => {
            let rev = match (&v.pre, v.patch) {
                (Some((k, n)), _) if k == "rc" => *n as i64 - 1000,
                (Some((_, n)), _) => *n as i64 - 2000,
                (None, p) => p.unwrap_or(0) as i64,
            };
            (v.major as i64, v.minor as i64, rev)
        }
    };
    if dv < rules.go_prefixed_since {
        // fmt "%d.%d.%d" with the old parser: betas and rcs had Rev -1.
        let rev = if rev < 0 { -1 } else { rev };
        return format!("{major}.{minor}.{rev}");
    }
    if rev < -1000 {
        return format!("go{major}.{minor}beta{}", rev + 2000);
    }
    if rev < 0 {
        return format!("go{major}.{minor}rc{}", rev + 1000);
    }
    if rev == 0 && minor < 21 {
        return format!("go{major}.{minor}");
    }
    // goX.Y.Z-suffix keeps its suffix.
    let word = raw.split_whitespace().next().unwrap_or("");
    if let Some((_, suffix)) = word.split_once('-') {
        if matches!(
            t,
            Target::Release {
                toolchain_suffix: true,
                ..
            }
        ) {
            return format!("go{major}.{minor}.{rev}-{suffix}");
        }
    }
    format!("go{major}.{minor}.{rev}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn max_of(v: &Verdict) -> Option<u32> {
        match v {
            Verdict::TooOldDelve { max, .. } => Some(max.minor),
            _ => None,
        }
    }

    /// Every row of the table at its edges: min and max pass, max+1 (and its betas and rcs)
    /// and min-1 fail, min's betas pass.
    #[test]
    fn every_row_edges() {
        let rules = &rules_checked().unwrap().delve;
        assert!(rules.rows.len() >= 20);
        for row in &rules.rows {
            for dv in [row.first, row.last] {
                let d = dv.to_string();
                let (mn, mx) = (row.min, row.max);
                let ok = |t: &str| {
                    assert_eq!(delve_supports(&d, t), Verdict::Ok, "{d} {t}");
                };
                ok(&format!("go1.{mn}.0"));
                ok(&format!("go1.{mn}beta1"));
                ok(&format!("go1.{mn}rc2"));
                ok(&format!("go1.{mx}.0"));
                ok(&format!("go1.{mx}.99"));
                for t in [
                    format!("go1.{}.0", mx + 1),
                    format!("go1.{}beta1", mx + 1),
                    format!("go1.{}rc1", mx + 1),
                    format!("go1.{}.3", mx + 5),
                ] {
                    let v = delve_supports(&d, &t);
                    assert_eq!(max_of(&v), Some(mx), "{d} {t}: {v:?}");
                }
                let v = delve_supports(&d, &format!("go1.{}.9", mn - 1));
                assert!(
                    matches!(&v, Verdict::TooNewDelve { min, .. } if min.minor == mn),
                    "{d}: {v:?}"
                );
            }
        }
    }

    #[test]
    fn table_matches_delve_sources() {
        // Spot checks against `git show TAG:pkg/goversion/compat.go`.
        let row = |v: &str| {
            let s = Semver::parse(v).unwrap();
            let r = &rules_checked().unwrap().delve;
            let row = r.rows.iter().find(|r| r.first <= s && s <= r.last).unwrap();
            (row.min, row.max)
        };
        assert_eq!(row("v1.20.2"), (18, 20));
        assert_eq!(row("v1.21.0"), (18, 21));
        assert_eq!(row("v1.21.1"), (19, 21));
        assert_eq!(row("v1.23.1"), (21, 23));
        assert_eq!(row("v1.25.0"), (21, 24));
        assert_eq!(row("v1.25.1"), (22, 25));
        assert_eq!(row("v1.26.3"), (24, 26));
        assert_eq!(row("v1.27.1"), (25, 27));
        assert_eq!(row("v1.7.3"), (15, 17));
        assert_eq!(row("v1.9.0"), (16, 19));
    }

    #[test]
    fn exact_texts_per_delve_era() {
        // The issue's own example (delve#3926): v1.23.x on go1.24.0.
        assert_eq!(
            delve_supports("v1.23.1", "go1.24.0"),
            Verdict::TooOldDelve {
                max: GoVersion::parse("1.23").unwrap(),
                error: "Version of Delve is too old for Go version go1.24.0 (maximum supported version 1.23, suppress this error with --check-go-version=false)".into(),
                warning: Some("WARNING: undefined behavior - version of Delve is too old for Go version go1.24.0 (maximum supported version 1.23)".into()),
            }
        );
        let Verdict::TooNewDelve { error, warning, .. } = delve_supports("v1.27.1", "go1.24.11")
        else {
            panic!()
        };
        assert_eq!(error, "Go version go1.24.11 is too old for this version of Delve (minimum supported version 1.25, suppress this error with --check-go-version=false)");
        assert_eq!(warning.unwrap(), "WARNING: undefined behavior - Go version go1.24.11 is too old for this version of Delve (minimum supported version 1.25)");
        // v1.7.3 to v1.21.0: "%d.%d.%d", no go prefix.
        let Verdict::TooOldDelve { error, .. } = delve_supports("v1.20.1", "go1.21.4") else {
            panic!()
        };
        assert_eq!(error, "Version of Delve is too old for Go version 1.21.4 (maximum supported version 1.20, suppress this error with --check-go-version=false)");
        let Verdict::TooOldDelve { error, .. } = delve_supports("v1.21.0", "go1.22rc1") else {
            panic!()
        };
        assert!(error.contains("Go version 1.22.-1 ("), "{error}");
        // v1.21.1+: betas and rcs by name; x.y.0 below 1.21 without the .0.
        let Verdict::TooOldDelve { error, .. } = delve_supports("v1.21.1", "go1.22rc1") else {
            panic!()
        };
        assert!(error.contains("Go version go1.22rc1 ("), "{error}");
        let Verdict::TooNewDelve { error, .. } = delve_supports("v1.22.0", "go1.18") else {
            panic!()
        };
        assert!(error.starts_with("Go version go1.18 is too old"), "{error}");
        let Verdict::TooNewDelve { error, .. } =
            delve_supports("v1.26.0", "go1.23.4-corp X:boringcrypto")
        else {
            panic!()
        };
        assert!(
            error.starts_with("Go version go1.23.4-corp is too old"),
            "{error}"
        );
        // Up to v1.7.2: the older wording, no version, no warning variant.
        assert_eq!(
            delve_supports("v1.7.2", "go1.18.1"),
            Verdict::TooOldDelve {
                max: GoVersion::parse("1.17").unwrap(),
                error: "Version of Delve is too old for this version of Go (maximum supported version 1.17, suppress this error with --check-go-version=false)".into(),
                warning: None,
            }
        );
        let Verdict::TooNewDelve {
            error,
            warning: None,
            ..
        } = delve_supports("v1.6.0", "go1.12.1")
        else {
            panic!()
        };
        assert_eq!(error, "Version of Go is too old for this version of Delve (minimum supported version 1.13, suppress this error with --check-go-version=false)");
    }

    #[test]
    fn riscv64_needs_go124() {
        let host = DelveHost {
            arch: Some("riscv64".into()),
            ..Default::default()
        };
        // v1.24.0 accepts 1.21-1.24, but on riscv64 not below 1.24; the text still says 1.21.
        let v = delve_supports_on("v1.24.0", "go1.23.9", &host);
        let Verdict::TooNewDelve { min, error, .. } = &v else {
            panic!("{v:?}")
        };
        assert_eq!(min.to_string(), "1.24");
        assert!(error.contains("minimum supported version 1.21,"), "{error}");
        assert_eq!(delve_supports_on("v1.24.0", "go1.24.0", &host), Verdict::Ok);
        assert_eq!(
            delve_supports_on("v1.24.0", "devel go1.24-abcdef Tue", &host),
            Verdict::Ok
        );
        assert_eq!(delve_supports("v1.24.0", "go1.23.9"), Verdict::Ok);
        // Before v1.24.0 no riscv64 rule.
        assert_eq!(delve_supports_on("v1.23.1", "go1.22.1", &host), Verdict::Ok);
    }

    #[test]
    fn dwarf5_rule() {
        let old = DelveHost {
            built_with: Some("go1.24.11".into()),
            ..Default::default()
        };
        let v = delve_supports_on("v1.25.1", "go1.25.5", &old);
        assert_eq!(
            v,
            Verdict::RebuildDelve {
                min_build_go: GoVersion::parse("1.25").unwrap(),
                error: "To debug executables using DWARFv5 or later Delve must be built with Go version 1.25.0 or later".into(),
            }
        );
        // GOEXPERIMENT=nodwarf5 or a pre-1.25 target: no DWARF 5.
        assert_eq!(
            delve_supports_on("v1.25.1", "go1.25.5 X:nodwarf5", &old),
            Verdict::Ok
        );
        assert_eq!(delve_supports_on("v1.25.1", "go1.24.3", &old), Verdict::Ok);
        // Built with 1.25 (any pre-release too): fine.
        for b in ["go1.25.0", "go1.25rc1", "go1.27.3"] {
            let h = DelveHost {
                built_with: Some(b.into()),
                ..Default::default()
            };
            assert_eq!(
                delve_supports_on("v1.26.2", "go1.26.1", &h),
                Verdict::Ok,
                "{b}"
            );
        }
        // Before v1.24.2 no such rule (and v1.24.0-v1.25.0 stop at 1.24 anyway).
        let h = DelveHost {
            built_with: Some("go1.22.1".into()),
            target_dwarf5: Some(true),
            ..Default::default()
        };
        assert_eq!(delve_supports_on("v1.24.1", "go1.24.3", &h), Verdict::Ok);
        assert!(matches!(
            delve_supports_on("v1.24.2", "go1.24.3", &h),
            Verdict::RebuildDelve { .. }
        ));
    }

    #[test]
    fn devel_and_unknown() {
        assert_eq!(
            delve_supports("v1.27.1", "devel +17efbfc Tue Jul 28"),
            Verdict::Ok
        );
        // Before v1.24.0 a versioned devel was skipped; after, it ranks below go1.N's betas.
        assert_eq!(
            delve_supports("v1.23.1", "devel go1.30-abc Mon"),
            Verdict::Ok
        );
        assert!(matches!(
            delve_supports("v1.26.0", "devel go1.24-abc Mon"),
            Verdict::TooNewDelve { .. }
        ));
        assert_eq!(
            delve_supports("v1.26.0", "devel go1.27-abc Mon"),
            Verdict::Ok
        );
        assert!(matches!(
            delve_supports("v1.26.0", "devel go1.28-abc Mon"),
            Verdict::TooOldDelve { .. }
        ));
        let Verdict::TooNewDelve { error, .. } = delve_supports("v1.26.0", "go1.24-devel_abc Mon")
        else {
            panic!()
        };
        assert!(
            error.starts_with("Go version go1.24beta-1000 is too old"),
            "{error}"
        );
        for (d, t) in [
            ("v1.27.2", "go1.27.0"),
            ("v1.2.0", "go1.11.0"),
            ("v1.15.0", "go1.18.0"),
            ("v1.25.3-0.20250901120000-abcdef123456", "go1.25.0"),
            ("(devel)", "go1.25.0"),
            ("v1.27.1", "gcc version 13"),
            ("v1.24.2", "go1.25-devel_abc"),
        ] {
            assert!(
                matches!(delve_supports(d, t), Verdict::Unknown { .. }),
                "{d} {t}"
            );
        }
    }
}
