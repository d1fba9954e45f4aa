//! The route the go command takes to download one module: which GOPROXY entries it tries
//! in which order (modfetch `TryProxies` and `lookup`), whether and where it consults the
//! checksum database (`useSumDB`, `dbDial`, `initBase`), and the error it fails every
//! download with when a setting is unusable.
//!
//! [`RouteConfig`] holds every relevant setting parsed once; [`RouteConfig::route`] answers
//! for one module.

use crate::goproxy::{Fallback, GoProxy, GoProxyIssue, ProxyEntry, ProxyKind, RouteSettings};
use crate::gosem::GoSemantics;
use crate::modpath;
use crate::patterns::{PatternIssue, Patterns};
use crate::sumdb::GoSumDb;
use serde::Serialize;

/// Stable diagnostic and failure codes. Pattern list codes are
/// `<setting in lower case>.<PatternIssue::as_str()>` ([`pattern_code`]).
pub mod codes {
    pub const GOPROXY_INVALID: &str = "goproxy.invalid";
    pub const GOPROXY_OFF: &str = "goproxy.off";
    pub const GOPROXY_IGNORED_AFTER_DIRECT_OR_OFF: &str = "goproxy.ignored_after_direct_or_off";
    pub const GOPROXY_EMPTY_ENTRY: &str = "goproxy.empty_entry";
    pub const GOPROXY_WHITESPACE: &str = "goproxy.whitespace";
    pub const GOPROXY_IMPLICIT_HTTPS: &str = "goproxy.implicit_https";
    pub const GOSUMDB_INVALID: &str = "gosumdb.invalid";
    pub const GOSUMDB_CRASH: &str = "gosumdb.crash";
    pub const GOSUMDB_UNUSABLE_URL: &str = "gosumdb.unusable_url";
    pub const GOSUMDB_OFF: &str = "gosumdb.off";
    pub const GOSUMDB_OFF_TOOLCHAIN: &str = "gosumdb.off_toolchain";
}

/// The settings holding module path patterns.
pub const PATTERN_SETTINGS: [&str; 4] = ["GOPRIVATE", "GONOPROXY", "GONOSUMDB", "GOINSECURE"];

/// `goprivate.pattern_whitespace` and the like.
pub fn pattern_code(setting: &str, issue: PatternIssue) -> String {
    format!("{}.{}", setting.to_ascii_lowercase(), issue.as_str())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Harmless: the go command copes.
    Info,
    /// The setting does not do what it looks like it does.
    Warning,
    /// Downloads fail.
    Error,
}

/// One finding about a setting, with a stable code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SettingDiagnostic {
    pub code: String,
    pub setting: String,
    pub severity: Severity,
    /// The entry concerned, for list settings.
    pub entry: Option<String>,
    pub message: String,
}

/// Every setting that decides a route, parsed once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteConfig {
    pub semantics: GoSemantics,
    pub goproxy: GoProxy,
    pub gosumdb: GoSumDb,
    pub goprivate: Patterns,
    /// Effective: GOPRIVATE when GONOPROXY is empty.
    pub gonoproxy: Patterns,
    /// Effective: GOPRIVATE when GONOSUMDB is empty.
    pub gonosumdb: Patterns,
    pub goinsecure: Patterns,
    /// GIT_HTTP_USER_AGENT mentions proxy.golang.org (the mirror fetching itself): the
    /// toolchain module is then not forced through the checksum database.
    pub toolchain_agent_exempt: bool,
}

/// What the go command does with one proxy list entry for a given module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum StepAction {
    /// Fetches from the module's version control host (or its go-import `mod` server).
    Direct,
    /// Fetches from the proxy.
    Proxy,
    /// Fails with "module lookup disabled by GOPROXY=off".
    Off,
    /// Moves on at once (a "not found" error that never stops the walk).
    Skip { reason: String },
}

/// One entry of the proxy list and what happens there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteStep {
    /// `noproxy`, `direct`, `off` or the proxy URL (`URL.Redacted` form).
    pub entry: String,
    #[serde(flatten)]
    pub action: StepAction,
    /// What a failure here leads to (`none`: nothing is tried after this entry).
    pub fallback: Fallback,
}

/// The go command fails every download of the module, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteFailure {
    pub setting: String,
    pub code: String,
    /// The go command's error (after `MODULE@VERSION: `, and for the checksum database
    /// after `verifying go.mod: `).
    pub message: String,
}

/// One `/sumdb/NAME/supported` probe of a proxy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SupportedProbe {
    pub url: String,
    pub fallback: Fallback,
}

/// How the go command reaches the checksum database.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SumDbAccess {
    /// Only this URL (an explicit URL in GOSUMDB, or the sum.golang.google.cn alias).
    Url { url: String },
    /// Each proxy's `/sumdb/NAME/supported` in order: 200 means that proxy serves the
    /// database (and only it is used); 404/410 (or any error after `|`) moves on; then
    /// `direct_url`. Any other error makes the database unavailable.
    Proxies {
        supported: Vec<SupportedProbe>,
        direct_url: String,
    },
}

/// Whether and how the module's checksums are verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChecksumRoute {
    pub consulted: bool,
    /// The database name, when consulted and GOSUMDB is usable.
    pub name: Option<String>,
    /// golang.org/toolchain: always verified, whatever GONOSUMDB, GOPRIVATE or
    /// GOSUMDB=off say.
    pub forced: bool,
    pub access: Option<SumDbAccess>,
    /// One sentence for people.
    pub note: String,
}

/// The route of one module.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModuleRoute {
    pub module: String,
    /// Whose rules: `go1.27.3`, or `newest known` without a go command.
    pub go_rules: String,
    /// The GOPRIVATE entry that matches.
    pub private: Option<String>,
    /// The GONOPROXY entry that matches (the proxies are skipped).
    pub noproxy: Option<String>,
    /// The GOINSECURE entry that matches (plain HTTP and unverified HTTPS are accepted for
    /// direct fetches).
    pub insecure: Option<String>,
    /// Every entry of the go command's proxy list, in order.
    pub steps: Vec<RouteStep>,
    /// What is contacted, in order (steps that are not skipped; `direct` once).
    pub sources: Vec<ProxyEntry>,
    /// Set when every download fails.
    pub fails: Option<RouteFailure>,
    pub checksum: ChecksumRoute,
}

fn join_path(base: &str, path: &str) -> String {
    format!("{}/{}", base.trim_end_matches('/'), path)
}

impl RouteConfig {
    pub fn parse(s: &RouteSettings<'_>, semantics: GoSemantics) -> RouteConfig {
        let or_private = |v: &str| {
            if v.is_empty() {
                s.goprivate.to_string()
            } else {
                v.to_string()
            }
        };
        let gonoproxy = or_private(s.gonoproxy);
        RouteConfig {
            goproxy: GoProxy::parse(s.goproxy, &gonoproxy, &semantics),
            gosumdb: GoSumDb::parse(s.gosumdb, &semantics),
            goprivate: Patterns::parse(s.goprivate),
            gonoproxy: Patterns::parse(&gonoproxy),
            gonosumdb: Patterns::parse(&or_private(s.gonosumdb)),
            goinsecure: Patterns::parse(s.goinsecure),
            toolchain_agent_exempt: false,
            semantics,
        }
    }

    /// Applies GIT_HTTP_USER_AGENT (see `toolchain_agent_exempt`).
    pub fn with_git_http_user_agent(mut self, agent: &str) -> RouteConfig {
        self.toolchain_agent_exempt = agent.contains("proxy.golang.org");
        self
    }

    /// The route of `module`; `Err` is the go command's error for a malformed module path.
    pub fn route(&self, module: &str) -> Result<ModuleRoute, String> {
        modpath::check_module_path(module)?;
        let matched = |p: &Patterns| p.matching(module).map(|e| e.raw.clone());
        let noproxy = matched(&self.gonoproxy);
        let mut r = ModuleRoute {
            module: module.to_string(),
            go_rules: self.semantics.describe(),
            private: matched(&self.goprivate),
            noproxy: noproxy.clone(),
            insecure: matched(&self.goinsecure),
            steps: Vec::new(),
            sources: Vec::new(),
            fails: None,
            checksum: self.checksum(module),
        };
        if let Some(e) = &self.goproxy.error {
            r.fails = Some(RouteFailure {
                setting: "GOPROXY".into(),
                code: codes::GOPROXY_INVALID.into(),
                message: e.clone(),
            });
            return Ok(r);
        }
        let skip = |reason: &str| StepAction::Skip {
            reason: reason.to_string(),
        };
        for spec in &self.goproxy.entries {
            let (entry, action) = match (&spec.kind, noproxy.is_some()) {
                (ProxyKind::Noproxy, true) | (ProxyKind::Direct, _) => {
                    let name = if spec.kind == ProxyKind::Noproxy {
                        "noproxy"
                    } else {
                        "direct"
                    };
                    (name.to_string(), StepAction::Direct)
                }
                (ProxyKind::Noproxy, false) => (
                    "noproxy".into(),
                    skip("path does not match GOPRIVATE/GONOPROXY"),
                ),
                (ProxyKind::Off, true) => ("off".into(), skip("disabled by GOPRIVATE/GONOPROXY")),
                (ProxyKind::Off, false) => ("off".into(), StepAction::Off),
                (ProxyKind::Url { redacted, .. }, true) => {
                    (redacted.clone(), skip("disabled by GOPRIVATE/GONOPROXY"))
                }
                (ProxyKind::Url { redacted, .. }, false) => (redacted.clone(), StepAction::Proxy),
            };
            r.steps.push(RouteStep {
                entry,
                action,
                fallback: if spec.fallback_on_error {
                    Fallback::OnAnyError
                } else {
                    Fallback::OnNotFound
                },
            });
        }
        // Nothing after the last live step: no fallback.
        let live = |s: &RouteStep| !matches!(s.action, StepAction::Skip { .. });
        if let Some(last) = r.steps.iter().rposition(live) {
            for s in &mut r.steps[last..] {
                s.fallback = Fallback::None;
            }
        }
        for (step, spec) in r.steps.iter().zip(&self.goproxy.entries) {
            let src = match (&step.action, &spec.kind) {
                (StepAction::Direct, _) => ProxyEntry::Direct,
                (StepAction::Off, _) => ProxyEntry::Off,
                (StepAction::Proxy, ProxyKind::Url { url, .. }) => ProxyEntry::Url {
                    url: url.clone(),
                    fallback: step.fallback,
                },
                _ => continue,
            };
            if src == ProxyEntry::Direct && r.sources.contains(&ProxyEntry::Direct) {
                continue;
            }
            r.sources.push(src);
        }
        if r.sources.first() == Some(&ProxyEntry::Off) {
            r.fails = Some(RouteFailure {
                setting: "GOPROXY".into(),
                code: codes::GOPROXY_OFF.into(),
                message: "module lookup disabled by GOPROXY=off".into(),
            });
            return Ok(r);
        }
        if r.checksum.consulted {
            r.fails = match &self.gosumdb {
                GoSumDb::Invalid { error } => Some((codes::GOSUMDB_INVALID, error.clone())),
                GoSumDb::Crash { reason } => Some((
                    codes::GOSUMDB_CRASH,
                    format!(
                        "the go command crashes (runtime error: invalid memory address or nil pointer dereference): {reason}"
                    ),
                )),
                GoSumDb::Off => Some((
                    codes::GOSUMDB_OFF_TOOLCHAIN,
                    "checksum database disabled by GOSUMDB=off".to_string(),
                )),
                GoSumDb::Db(d) => d
                    .unusable_url
                    .clone()
                    .map(|u| (codes::GOSUMDB_UNUSABLE_URL, u)),
            }
            .map(|(code, message)| RouteFailure {
                setting: "GOSUMDB".into(),
                code: code.into(),
                message,
            });
        }
        Ok(r)
    }

    /// `useSumDB` and how the database is reached.
    fn checksum(&self, module: &str) -> ChecksumRoute {
        let mut forced = false;
        if module == "golang.org/toolchain" {
            let v = &self.goproxy.value;
            let file_only = v.starts_with("file://") && !v.contains([',', '|']);
            forced = !file_only && !self.toolchain_agent_exempt;
        }
        let gonosumdb = self.gonosumdb.matching(module);
        let consulted = forced || (self.gosumdb != GoSumDb::Off && gonosumdb.is_none());
        if !consulted {
            let note = match gonosumdb {
                Some(e) => format!(
                    "not consulted: GONOSUMDB{} pattern {:?} matches this module; go.sum alone protects it",
                    if self.gonosumdb.value == self.goprivate.value {
                        " (or GOPRIVATE)"
                    } else {
                        ""
                    },
                    e.raw
                ),
                None => "not consulted: GOSUMDB=off disables verification for every module".into(),
            };
            return ChecksumRoute {
                consulted,
                name: None,
                forced,
                access: None,
                note,
            };
        }
        let prefix = if forced {
            "golang.org/toolchain is always verified (GONOSUMDB, GOPRIVATE and GOSUMDB=off do not apply): "
        } else {
            ""
        };
        let (name, access, note) = match &self.gosumdb {
            GoSumDb::Db(d) => match &d.explicit_url {
                Some(url) => (
                    Some(d.name.clone()),
                    Some(SumDbAccess::Url { url: url.clone() }),
                    format!(
                        "{} is consulted at {url} (an explicit URL bypasses the proxies)",
                        d.name
                    ),
                ),
                None => {
                    let mut supported = Vec::new();
                    for spec in &self.goproxy.entries {
                        match &spec.kind {
                            ProxyKind::Url { redacted, .. } => supported.push(SupportedProbe {
                                url: join_path(redacted, &format!("sumdb/{}/supported", d.name)),
                                fallback: if spec.fallback_on_error {
                                    Fallback::OnAnyError
                                } else {
                                    Fallback::OnNotFound
                                },
                            }),
                            ProxyKind::Noproxy => {}
                            ProxyKind::Direct | ProxyKind::Off => break,
                        }
                    }
                    let note = if supported.is_empty() {
                        format!("{} is consulted at {}", d.name, d.direct_url)
                    } else {
                        format!(
                            "{} is consulted (through each proxy's /sumdb/{}/ first, then {} directly)",
                            d.name, d.name, d.direct_url
                        )
                    };
                    (
                        Some(d.name.clone()),
                        Some(SumDbAccess::Proxies {
                            supported,
                            direct_url: d.direct_url.clone(),
                        }),
                        note,
                    )
                }
            },
            GoSumDb::Off => (None, None, "GOSUMDB=off: the lookup fails".to_string()),
            GoSumDb::Invalid { error } => (None, None, format!("GOSUMDB is unusable: {error}")),
            GoSumDb::Crash { reason } => (
                None,
                None,
                format!("GOSUMDB crashes the go command: {reason}"),
            ),
        };
        ChecksumRoute {
            consulted,
            name,
            forced,
            access,
            note: format!("{prefix}{note}"),
        }
    }

    /// Findings about the settings, whatever the module.
    pub fn diagnostics(&self) -> Vec<SettingDiagnostic> {
        let mut out = Vec::new();
        let lists = [
            ("GOPRIVATE", &self.goprivate),
            ("GONOPROXY", &self.gonoproxy),
            ("GONOSUMDB", &self.gonosumdb),
            ("GOINSECURE", &self.goinsecure),
        ];
        for (key, p) in lists {
            // GONOPROXY and GONOSUMDB default to GOPRIVATE: report its entries once.
            if key != "GOPRIVATE" && key != "GOINSECURE" && p.value == self.goprivate.value {
                continue;
            }
            for (e, issue) in p.issues() {
                let (severity, message) = match issue {
                    PatternIssue::PatternWhitespace => (
                        Severity::Warning,
                        format!(
                            "{key} entry {:?} contains spaces: the go command does not trim them, so it matches no module ({key}={:?} would)",
                            e.raw,
                            p.entries
                                .iter()
                                .map(|x| x.raw.trim())
                                .filter(|x| !x.is_empty())
                                .collect::<Vec<_>>()
                                .join(",")
                        ),
                    ),
                    PatternIssue::PatternMalformed => (
                        Severity::Warning,
                        format!("{key} entry {:?} is not a valid pattern (syntax error in pattern): the go command ignores it", e.raw),
                    ),
                    PatternIssue::PatternNeverMatches => (
                        Severity::Warning,
                        format!("{key} entry {:?} has an empty path element: it matches no module", e.raw),
                    ),
                    PatternIssue::TrailingSlash => (
                        Severity::Info,
                        format!("{key} entry {:?} ends with /: the go command removes one trailing slash (harmless)", e.raw),
                    ),
                    PatternIssue::EmptyEntry => (
                        Severity::Info,
                        format!("{key} has an empty entry: ignored (harmless)"),
                    ),
                };
                out.push(SettingDiagnostic {
                    code: pattern_code(key, issue),
                    setting: key.into(),
                    severity,
                    entry: Some(e.raw.clone()),
                    message,
                });
            }
        }
        for (issue, entry) in &self.goproxy.issues {
            let (severity, message) = match issue {
                GoProxyIssue::Invalid => (
                    Severity::Error,
                    format!(
                        "the go command rejects GOPROXY, so every download fails: {}",
                        self.goproxy.error.clone().unwrap_or_default()
                    ),
                ),
                GoProxyIssue::IgnoredAfterDirectOrOff => (
                    Severity::Warning,
                    format!("GOPROXY entry {entry:?} comes after direct or off: the go command ignores it"),
                ),
                GoProxyIssue::EmptyEntry => (
                    Severity::Info,
                    "GOPROXY has an empty entry: skipped (harmless)".to_string(),
                ),
                GoProxyIssue::Whitespace => (
                    Severity::Info,
                    format!("GOPROXY entry {entry:?} has spaces around it: the go command trims them (harmless)"),
                ),
                GoProxyIssue::ImplicitHttps => (
                    Severity::Info,
                    format!("GOPROXY entry {entry:?} has no scheme: the go command uses https://{entry}"),
                ),
            };
            out.push(SettingDiagnostic {
                code: format!("goproxy.{}", issue.as_str()),
                setting: "GOPROXY".into(),
                severity,
                entry: Some(entry.clone()),
                message,
            });
        }
        let sumdb = match &self.gosumdb {
            GoSumDb::Off => Some((
                codes::GOSUMDB_OFF,
                Severity::Warning,
                "GOSUMDB=off: no module is checked against the checksum database (and toolchain downloads fail)".to_string(),
            )),
            GoSumDb::Invalid { error } => Some((
                codes::GOSUMDB_INVALID,
                Severity::Error,
                format!("the go command rejects GOSUMDB, so every download it must verify fails: {error}"),
            )),
            GoSumDb::Crash { reason } => Some((
                codes::GOSUMDB_CRASH,
                Severity::Error,
                format!("the go command crashes on this GOSUMDB when it verifies a download: {reason}"),
            )),
            GoSumDb::Db(d) => d.unusable_url.as_ref().map(|u| {
                (
                    codes::GOSUMDB_UNUSABLE_URL,
                    Severity::Error,
                    format!("every checksum database lookup fails: {u}"),
                )
            }),
        };
        if let Some((code, severity, message)) = sumdb {
            out.push(SettingDiagnostic {
                code: code.into(),
                setting: "GOSUMDB".into(),
                severity,
                entry: None,
                message,
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sumdb::key_hash;

    fn settings<'a>(goproxy: &'a str, gosumdb: &'a str, goprivate: &'a str) -> RouteSettings<'a> {
        RouteSettings {
            goproxy,
            gosumdb,
            goprivate,
            gonoproxy: "",
            gonosumdb: "",
            goinsecure: "",
        }
    }

    fn cfg(s: &RouteSettings<'_>) -> RouteConfig {
        RouteConfig::parse(s, GoSemantics::for_version(Some("1.27.3")))
    }

    #[test]
    fn private_module_goes_direct_even_with_off() {
        let c = cfg(&settings("off", "sum.golang.org", "corp.example"));
        let r = c.route("corp.example/lib").unwrap();
        assert_eq!(r.sources, vec![ProxyEntry::Direct]);
        assert!(r.fails.is_none());
        assert!(!r.checksum.consulted);
        assert_eq!(r.steps[0].entry, "noproxy");
        assert_eq!(
            r.steps[1].action,
            StepAction::Skip {
                reason: "disabled by GOPRIVATE/GONOPROXY".into()
            }
        );
        let r = c.route("golang.org/x/text").unwrap();
        assert_eq!(r.sources, vec![ProxyEntry::Off]);
        assert_eq!(r.fails.unwrap().code, codes::GOPROXY_OFF);
    }

    #[test]
    fn invalid_entry_anywhere_fails_everything() {
        let c = cfg(&settings(
            "https://proxy.golang.org,ftp://mirror.example,direct",
            "sum.golang.org",
            "corp.example",
        ));
        for m in ["golang.org/x/text", "corp.example/lib"] {
            let f = c.route(m).unwrap().fails.unwrap();
            assert_eq!(f.setting, "GOPROXY");
            assert_eq!(
                f.message,
                "invalid proxy URL scheme (must be https, http, file): ftp://mirror.example"
            );
        }
    }

    #[test]
    fn spaces_and_slashes_in_patterns() {
        let c = cfg(&settings(
            "https://proxy.golang.org,direct",
            "sum.golang.org",
            "a.example, b.example,c.example/",
        ));
        assert!(c.route("b.example/x").unwrap().private.is_none());
        assert_eq!(
            c.route("c.example/x").unwrap().private.as_deref(),
            Some("c.example/")
        );
        let d = c.diagnostics();
        assert!(d.iter().any(|d| d.code == "goprivate.pattern_whitespace"
            && d.entry.as_deref() == Some(" b.example")
            && d.message
                .contains("GOPRIVATE=\"a.example,b.example,c.example/\"")));
        assert!(d.iter().any(|d| d.code == "goprivate.trailing_slash"));
        // Defaults from GOPRIVATE are not reported twice.
        assert!(!d.iter().any(|d| d.setting == "GONOPROXY"));
    }

    #[test]
    fn toolchain_is_always_verified() {
        let c = cfg(&RouteSettings {
            gonosumdb: "golang.org",
            ..settings("https://proxy.golang.org,direct", "sum.golang.org", "")
        });
        let r = c.route("golang.org/toolchain").unwrap();
        assert!(r.checksum.consulted && r.checksum.forced);
        assert!(!c.route("golang.org/x/text").unwrap().checksum.consulted);
        // GOSUMDB=off: the toolchain download fails.
        let c = cfg(&settings("https://proxy.golang.org", "off", ""));
        let f = c.route("golang.org/toolchain").unwrap().fails.unwrap();
        assert_eq!(f.message, "checksum database disabled by GOSUMDB=off");
        // Exceptions: a single file:// proxy, or the mirror's own user agent.
        let c = cfg(&settings("file:///srv/distpack", "off", ""));
        assert!(c.route("golang.org/toolchain").unwrap().fails.is_none());
        let c = cfg(&settings("file:///srv/distpack,direct", "off", ""));
        assert!(c.route("golang.org/toolchain").unwrap().fails.is_some());
        let c = cfg(&settings("https://proxy.golang.org", "off", ""))
            .with_git_http_user_agent("proxy.golang.org fetcher");
        assert!(c.route("golang.org/toolchain").unwrap().fails.is_none());
    }

    #[test]
    fn checksum_access() {
        let c = cfg(&settings(
            "https://a.example/|file:///srv/p,direct",
            "sum.golang.org",
            "",
        ));
        let r = c.route("golang.org/x/text").unwrap();
        assert_eq!(
            r.checksum.access,
            Some(SumDbAccess::Proxies {
                supported: vec![
                    SupportedProbe {
                        url: "https://a.example/sumdb/sum.golang.org/supported".into(),
                        fallback: Fallback::OnAnyError
                    },
                    SupportedProbe {
                        url: "file:///srv/p/sumdb/sum.golang.org/supported".into(),
                        fallback: Fallback::OnNotFound
                    }
                ],
                direct_url: "https://sum.golang.org".into()
            })
        );
        let c = cfg(&settings("https://a.example", "sum.golang.google.cn", ""));
        assert_eq!(
            c.route("golang.org/x/text").unwrap().checksum.access,
            Some(SumDbAccess::Url {
                url: "https://sum.golang.google.cn".into()
            })
        );
        // An unusable GOSUMDB only matters when the database is consulted.
        let c = cfg(&RouteSettings {
            gonosumdb: "corp.example",
            ..settings("https://a.example", "sum.example", "")
        });
        assert!(c.route("corp.example/x").unwrap().fails.is_none());
        let f = c.route("golang.org/x/text").unwrap().fails.unwrap();
        assert_eq!(f.message, "invalid GOSUMDB: malformed verifier id");
        assert!(c
            .diagnostics()
            .iter()
            .any(|d| d.code == codes::GOSUMDB_INVALID));
    }

    #[test]
    fn sumdb_url_with_unsupported_scheme() {
        let mut k = vec![1u8];
        k.extend([7u8; 32]);
        let b64 = {
            // 33 bytes: 44 base64 characters, no padding.
            const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
            k.chunks(3)
                .flat_map(|c| {
                    let n = (u32::from(c[0]) << 16) | (u32::from(c[1]) << 8) | u32::from(c[2]);
                    (0..4).map(move |i| A[((n >> (18 - 6 * i)) & 63) as usize] as char)
                })
                .collect::<String>()
        };
        let v = format!(
            "db.example+{:08x}+{b64} ftp://db.example",
            key_hash("db.example", &k)
        );
        let c = cfg(&settings("https://a.example", &v, ""));
        let f = c.route("golang.org/x/text").unwrap().fails.unwrap();
        assert_eq!(f.code, codes::GOSUMDB_UNUSABLE_URL);
        assert_eq!(f.message, "unsupported scheme: ftp://db.example");
    }

    #[test]
    fn serializes() {
        let c = cfg(&RouteSettings {
            gonoproxy: "corp.example",
            ..settings("https://u:pw@a.example|direct", "off", " x")
        });
        let v = serde_json::to_value(&c).unwrap();
        assert_eq!(v["semantics"]["version"], "go1.27.3");
        assert_eq!(v["goproxy"]["entries"][0]["kind"], "noproxy");
        assert_eq!(v["goproxy"]["entries"][1]["kind"], "url");
        assert_eq!(
            v["goproxy"]["entries"][1]["redacted"],
            "https://u:xxxxx@a.example"
        );
        assert_eq!(v["goproxy"]["entries"][1]["fallback_on_error"], true);
        assert_eq!(v["gosumdb"]["state"], "off");
        assert_eq!(
            v["goprivate"]["entries"][0]["issues"][0],
            "pattern_whitespace"
        );
        let r = serde_json::to_value(c.route("golang.org/x/text").unwrap()).unwrap();
        assert_eq!(r["steps"][0]["action"], "skip");
        assert_eq!(r["sources"][1]["kind"], "direct");
    }

    #[test]
    fn fallbacks_and_sources() {
        let c = cfg(&RouteSettings {
            gonoproxy: "corp.example",
            ..settings("https://a.example|https://b.example,direct", "off", "")
        });
        let r = c.route("golang.org/x/text").unwrap();
        assert_eq!(r.steps.len(), 4);
        assert_eq!(
            r.sources,
            vec![
                ProxyEntry::Url {
                    url: "https://a.example".into(),
                    fallback: Fallback::OnAnyError
                },
                ProxyEntry::Url {
                    url: "https://b.example".into(),
                    fallback: Fallback::OnNotFound
                },
                ProxyEntry::Direct
            ]
        );
        let r = c.route("corp.example/x").unwrap();
        assert_eq!(r.sources, vec![ProxyEntry::Direct]);
        assert_eq!(r.steps[0].fallback, Fallback::OnNotFound);
        assert_eq!(r.steps[3].action, StepAction::Direct);
        assert!(c.route("Corp.example/x").is_err());
    }
}
