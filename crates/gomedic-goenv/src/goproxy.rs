//! GOPROXY exactly as the go command reads it (cmd/go/internal/modfetch/proxy.go
//! `proxyList` and `newProxyRepo`), parsed once into [`GoProxy`].
//!
//! The older string-based functions (`parse_goproxy`, `parse_gosumdb`, `globs_match_path`,
//! `check_globs`, `route`, ...) remain as thin wrappers over the typed API in
//! [`crate::patterns`], [`crate::sumdb`] and [`crate::route`], with the newest Go rules.

use crate::gosem::GoSemantics;
use crate::gourl;
use crate::patterns::{self, Patterns};
use crate::route::RouteConfig;
use crate::sumdb::GoSumDb;
use serde::Serialize;

/// What happens after an entry fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fallback {
    /// `,`: only a 404 or 410 moves on to the next entry.
    OnNotFound,
    /// `|`: any error moves on.
    OnAnyError,
    /// Last entry: nothing after it.
    None,
}

/// One GOPROXY entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProxyEntry {
    Url { url: String, fallback: Fallback },
    Direct,
    Off,
}

/// What one entry of the go command's proxy list is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProxyKind {
    /// The implicit first entry the go command adds when GONOPROXY is set and GOPROXY is
    /// not exactly `direct`: modules matching GONOPROXY are fetched directly here.
    Noproxy,
    Direct,
    Off,
    /// A proxy URL (`https://` added to a bare host), and its `URL.Redacted` form.
    /// `url` may hold a password: redact before printing.
    Url {
        url: String,
        redacted: String,
    },
}

/// One entry of the go command's proxy list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxySpec {
    #[serde(flatten)]
    pub kind: ProxyKind,
    /// The separator after the entry was `|`: any error moves on to the next entry
    /// (otherwise only "not found" errors do).
    pub fallback_on_error: bool,
    /// The separator written after the entry (`,` or `|`), if any.
    pub separator: Option<char>,
}

/// Something worth telling about GOPROXY.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GoProxyIssue {
    /// The go command rejects the list: every download fails.
    Invalid,
    /// Entries after `direct` or `off` are ignored.
    IgnoredAfterDirectOrOff,
    /// An empty entry (`a,,b`): skipped (harmless).
    EmptyEntry,
    /// Spaces around an entry: trimmed (harmless).
    Whitespace,
    /// A bare host (`goproxy.cn`) gets `https://` (harmless).
    ImplicitHttps,
}

impl GoProxyIssue {
    /// The code suffix: `goproxy.<this>`.
    pub fn as_str(self) -> &'static str {
        match self {
            GoProxyIssue::Invalid => "invalid",
            GoProxyIssue::IgnoredAfterDirectOrOff => "ignored_after_direct_or_off",
            GoProxyIssue::EmptyEntry => "empty_entry",
            GoProxyIssue::Whitespace => "whitespace",
            GoProxyIssue::ImplicitHttps => "implicit_https",
        }
    }

    pub const ALL: [GoProxyIssue; 5] = [
        GoProxyIssue::Invalid,
        GoProxyIssue::IgnoredAfterDirectOrOff,
        GoProxyIssue::EmptyEntry,
        GoProxyIssue::Whitespace,
        GoProxyIssue::ImplicitHttps,
    ];
}

/// GOPROXY, parsed as the go command's `proxyList` does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GoProxy {
    pub value: String,
    /// The list, including the implicit `noproxy` entry. When `error` is set this holds
    /// the entries before the bad one, which the go command never uses.
    pub entries: Vec<ProxySpec>,
    /// The error every download fails with (the go command checks the whole list first).
    pub error: Option<String>,
    /// Entries written after `direct` or `off`, ignored by the go command.
    pub ignored: Vec<String>,
    /// Each issue with the entry it concerns.
    pub issues: Vec<(GoProxyIssue, String)>,
}

fn is_abs(url: &str, windows: bool) -> bool {
    if url.starts_with('/') {
        return true;
    }
    if !windows {
        return false;
    }
    let b = url.as_bytes();
    let sep = |c: u8| c == b'/' || c == b'\\';
    (b.len() >= 3 && b[1] == b':' && sep(b[2])) || (b.len() >= 2 && sep(b[0]) && sep(b[1]))
}

/// `newProxyRepo(url, ...)`'s check of a proxy URL: `Ok(redacted)` or go's error.
pub fn check_proxy_url(url: &str, sem: &GoSemantics) -> Result<String, String> {
    let base = gourl::parse(url, sem).map_err(|e| e.message)?;
    let redacted = base.redacted(sem);
    match base.scheme.as_str() {
        "http" | "https" => Ok(redacted),
        "file" if base.is_scheme_and_path_only() => Ok(redacted),
        "file" => Err(format!(
            "invalid file:// proxy URL with non-path elements: {redacted}"
        )),
        "" => Err(format!("invalid proxy URL missing scheme: {redacted}")),
        _ => Err(format!(
            "invalid proxy URL scheme (must be https, http, file): {redacted}"
        )),
    }
}

impl GoProxy {
    /// Parses GOPROXY. `gonoproxy` is the effective GONOPROXY (which defaults to GOPRIVATE):
    /// when it is non-empty and GOPROXY is not exactly `direct`, the go command puts an
    /// implicit `noproxy` entry first.
    pub fn parse(value: &str, gonoproxy: &str, sem: &GoSemantics) -> GoProxy {
        let mut p = GoProxy {
            value: value.to_string(),
            entries: Vec::new(),
            error: None,
            ignored: Vec::new(),
            issues: Vec::new(),
        };
        if !gonoproxy.is_empty() && value != "direct" {
            p.entries.push(ProxySpec {
                kind: ProxyKind::Noproxy,
                fallback_on_error: false,
                separator: None,
            });
        }
        let mut rest = value;
        while !rest.is_empty() {
            let (item, sep) = match rest.find([',', '|']) {
                Some(i) => {
                    let sep = rest.as_bytes()[i] as char;
                    let item = &rest[..i];
                    rest = &rest[i + 1..];
                    (item, Some(sep))
                }
                None => {
                    let item = rest;
                    rest = "";
                    (item, None)
                }
            };
            let url = item.trim();
            if url.len() != item.len() && !url.is_empty() {
                p.issues.push((GoProxyIssue::Whitespace, item.to_string()));
            }
            if url.is_empty() {
                p.issues.push((GoProxyIssue::EmptyEntry, item.to_string()));
                continue;
            }
            let spec = |kind| ProxySpec {
                kind,
                fallback_on_error: sep == Some('|'),
                separator: sep,
            };
            if url == "off" || url == "direct" {
                p.entries.push(spec(if url == "off" {
                    ProxyKind::Off
                } else {
                    ProxyKind::Direct
                }));
                // The end of the line: later entries are ignored.
                p.ignored = rest
                    .split([',', '|'])
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(String::from)
                    .collect();
                for i in p.ignored.clone() {
                    p.issues.push((GoProxyIssue::IgnoredAfterDirectOrOff, i));
                }
                break;
            }
            // Single words are reserved for built-ins; anything with ":/" or an absolute
            // path must be a full URL; everything else gets https://.
            let mut url = url.to_string();
            if url.contains(['.', ':', '/']) && !url.contains(":/") && !is_abs(&url, sem.windows) {
                p.issues.push((GoProxyIssue::ImplicitHttps, url.clone()));
                url = format!("https://{url}");
            }
            match check_proxy_url(&url, sem) {
                Ok(redacted) => p.entries.push(spec(ProxyKind::Url { url, redacted })),
                Err(e) => {
                    p.issues.push((GoProxyIssue::Invalid, url));
                    p.error = Some(e);
                    return p;
                }
            }
        }
        let only_noproxy = p.entries.len() == 1 && p.entries[0].kind == ProxyKind::Noproxy;
        if p.entries.is_empty() || only_noproxy {
            p.error = Some("GOPROXY list is not the empty string, but contains no entries".into());
            p.issues.push((GoProxyIssue::Invalid, value.to_string()));
        }
        p
    }

    /// The list without the implicit `noproxy` entry, in the older [`ProxyEntry`] shape.
    pub fn legacy_entries(&self) -> Vec<ProxyEntry> {
        let list: Vec<&ProxySpec> = self
            .entries
            .iter()
            .filter(|e| e.kind != ProxyKind::Noproxy)
            .collect();
        list.iter()
            .enumerate()
            .map(|(i, e)| match &e.kind {
                ProxyKind::Url { url, .. } => ProxyEntry::Url {
                    url: url.clone(),
                    fallback: if i + 1 == list.len() {
                        Fallback::None
                    } else if e.fallback_on_error {
                        Fallback::OnAnyError
                    } else {
                        Fallback::OnNotFound
                    },
                },
                ProxyKind::Off => ProxyEntry::Off,
                _ => ProxyEntry::Direct,
            })
            .collect()
    }
}

/// Parses GOPROXY as the go command does. Entries after `direct` or `off` are ignored.
/// (Newest Go rules; see [`GoProxy`].)
pub fn parse_goproxy(value: &str) -> Result<Vec<ProxyEntry>, String> {
    let p = GoProxy::parse(value, "", &GoSemantics::latest());
    match p.error {
        Some(e) => Err(e),
        None => Ok(p.legacy_entries()),
    }
}

/// Go's `path.Match` for one pattern against a name (no `/` crossing for `*`, `?`).
pub fn path_match(pattern: &str, name: &str) -> Result<bool, String> {
    patterns::path_match(pattern, name).map_err(|e| e.to_string())
}

/// `module.MatchPrefixPatterns`: does any comma-separated glob match a leading part of
/// `target`? (See [`Patterns`].)
pub fn globs_match_path(globs: &str, target: &str) -> bool {
    Patterns::parse(globs).matches(target)
}

/// Validates a pattern list (GOPRIVATE etc.): every glob must be a valid path.Match pattern
/// (the go command silently skips malformed ones).
pub fn check_globs(key: &str, globs: &str) -> Result<(), String> {
    match Patterns::parse(globs).entries.iter().find(|e| e.malformed) {
        Some(e) => Err(format!("{key}: malformed pattern {:?}", e.raw)),
        None => Ok(()),
    }
}

/// A parsed GOSUMDB.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SumDb {
    Off,
    /// `name`, `name+key` or `name+key url`. `url` is where the go command fetches from
    /// when no proxy serves it; with an explicit URL (and the sum.golang.google.cn alias)
    /// the go command uses only that URL, bypassing the proxies.
    On {
        name: String,
        key: Option<String>,
        url: String,
        explicit_url: bool,
    },
}

/// Parses GOSUMDB (`off`, `sum.golang.org`, `name+key`, `name+key url`) as the go command
/// does (newest Go rules; see [`GoSumDb`]). Errors are the go command's.
pub fn parse_gosumdb(value: &str) -> Result<SumDb, String> {
    GoSumDb::parse(value, &GoSemantics::latest()).legacy()
}

impl GoSumDb {
    /// The simple form checks read: off, on (name, key, URL), or the error.
    pub fn legacy(&self) -> Result<SumDb, String> {
        match self.clone() {
            GoSumDb::Off => Ok(SumDb::Off),
            GoSumDb::Invalid { error } => Err(error),
            GoSumDb::Crash { reason } => Err(format!("invalid GOSUMDB: {reason}")),
            GoSumDb::Db(d) => Ok(SumDb::On {
                url: d.url().to_string(),
                explicit_url: d.explicit_url.is_some(),
                key: (!d.known_key).then(|| d.key.clone()),
                name: d.name,
            }),
        }
    }
}

/// How the go command fetches one module, and how it verifies it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Route {
    pub module: String,
    /// Matched by GOPRIVATE.
    pub private: bool,
    /// GONOPROXY matched: fetched directly from version control.
    pub bypasses_proxy: bool,
    /// The sources tried, in order (`direct` means version control).
    pub sources: Vec<ProxyEntry>,
    /// The checksum database consulted, if any, and why not otherwise.
    pub checksum_db: Option<String>,
    pub checksum_note: String,
    /// GOINSECURE matched: HTTP and invalid certificates are accepted for direct fetches.
    pub insecure: bool,
}

/// The settings that decide a route.
pub struct RouteSettings<'a> {
    pub goproxy: &'a str,
    pub gosumdb: &'a str,
    pub goprivate: &'a str,
    pub gonoproxy: &'a str,
    pub gonosumdb: &'a str,
    pub goinsecure: &'a str,
}

/// Computes the route of `module` (newest Go rules). Errors: a malformed module path, or
/// the setting that makes every download fail. [`RouteConfig`] gives the whole picture.
pub fn route(module: &str, s: &RouteSettings<'_>) -> Result<Route, String> {
    let cfg = RouteConfig::parse(s, GoSemantics::latest());
    let r = cfg.route(module)?;
    if let Some(f) = &r.fails {
        return Err(format!("{}: {}", f.setting, f.message));
    }
    Ok(Route {
        module: r.module,
        private: r.private.is_some(),
        bypasses_proxy: r.noproxy.is_some(),
        sources: r.sources,
        checksum_db: r
            .checksum
            .consulted
            .then(|| r.checksum.name.clone())
            .flatten(),
        checksum_note: r.checksum.note,
        insecure: r.insecure.is_some(),
    })
}

/// `module.CheckPath`: the go command's module path rules and errors.
pub fn check_module_path(p: &str) -> Result<(), String> {
    crate::modpath::check_module_path(p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sumdb;

    fn sem(v: &str) -> GoSemantics {
        GoSemantics::for_version(Some(v))
    }

    #[test]
    fn goproxy_lists() {
        let l =
            parse_goproxy("https://a.example|https://b.example,direct,https://ignored").unwrap();
        assert_eq!(
            l,
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
        assert_eq!(
            parse_goproxy("goproxy.cn").unwrap(),
            vec![ProxyEntry::Url {
                url: "https://goproxy.cn".into(),
                fallback: Fallback::None
            }]
        );
        assert_eq!(parse_goproxy("off,direct").unwrap(), vec![ProxyEntry::Off]);
        assert!(parse_goproxy(",").is_err());
        assert!(parse_goproxy(" ").is_err());
        assert!(matches!(
            &parse_goproxy("file:///srv/proxy").unwrap()[0],
            ProxyEntry::Url { .. }
        ));
    }

    #[test]
    fn goproxy_errors_like_go() {
        let e = |v: &str| GoProxy::parse(v, "", &sem("1.27.3")).error.unwrap();
        assert_eq!(
            e("ftp://x"),
            "invalid proxy URL scheme (must be https, http, file): ftp://x"
        );
        assert_eq!(e("banana"), "invalid proxy URL missing scheme: banana");
        assert_eq!(
            e("https://ok.example,http://a b,direct"),
            r#"parse "http://a b": invalid character " " in host name"#
        );
        assert_eq!(
            e("file://host/srv"),
            "invalid file:// proxy URL with non-path elements: file://host/srv"
        );
        assert_eq!(
            e("file:/srv"),
            "invalid file:// proxy URL with non-path elements: file:/srv"
        );
        assert_eq!(
            e("ftp://u:secret@x"),
            "invalid proxy URL scheme (must be https, http, file): ftp://u:xxxxx@x"
        );
        assert_eq!(
            e(" , "),
            "GOPROXY list is not the empty string, but contains no entries"
        );
        // An entry after direct is never checked.
        assert!(GoProxy::parse("direct,ftp://x", "", &sem("1.27.3"))
            .error
            .is_none());
        // A bare host with a bad port: https:// is added, then url.Parse refuses it.
        assert_eq!(
            e("proxy.example:x"),
            r#"parse "https://proxy.example:x": invalid port ":x" after host"#
        );
        // The release matters: 1.27 refuses a second colon in an http(s) host.
        assert!(GoProxy::parse("https://a:1:2", "", &sem("1.24.11"))
            .error
            .is_none());
        assert!(GoProxy::parse("https://a:1:2", "", &sem("1.27.3"))
            .error
            .is_some());
    }

    #[test]
    fn implicit_noproxy() {
        let p = GoProxy::parse("https://p.example,direct", "corp.example", &sem("1.27.3"));
        assert_eq!(p.entries[0].kind, ProxyKind::Noproxy);
        assert_eq!(p.entries.len(), 3);
        // Not for GOPROXY=direct exactly...
        let p = GoProxy::parse("direct", "corp.example", &sem("1.27.3"));
        assert_eq!(p.entries.len(), 1);
        // ...and a list of only noproxy is still empty.
        let p = GoProxy::parse(",", "corp.example", &sem("1.27.3"));
        assert!(p.error.is_some());
    }

    #[test]
    fn windows_paths() {
        let mut s = sem("1.27.3");
        s.windows = true;
        // An absolute Windows path gets no https:// and then has scheme "c".
        assert_eq!(
            GoProxy::parse(r"C:\proxy", "", &s).error.unwrap(),
            r"invalid proxy URL scheme (must be https, http, file): c:\proxy"
        );
        s.windows = false;
        assert_eq!(
            GoProxy::parse(r"C:\proxy", "", &s).error.unwrap(),
            r#"parse "https://C:\\proxy": invalid port ":\\proxy" after host"#
        );
    }

    #[test]
    fn legacy_wrappers() {
        assert!(globs_match_path(
            "*.corp.example",
            "git.corp.example/team/mod"
        ));
        assert!(!globs_match_path("*.corp.example", "corp.example/x"));
        assert!(globs_match_path(
            "github.com/*/internal",
            "github.com/x/internal/y"
        ));
        assert!(!globs_match_path(
            "github.com/*/internal/more",
            "github.com/x/internal"
        ));
        // The go command does not trim spaces around patterns.
        assert!(!globs_match_path(" , rsc.io ", "rsc.io/quote"));
        assert!(globs_match_path(",rsc.io/", "rsc.io/quote"));
        assert!(globs_match_path("*", "anything/at/all"));
        assert!(globs_match_path("gith?b.com", "github.com/x"));
        assert!(globs_match_path("[a-h]ithub.com", "github.com/x"));
        assert!(check_globs("GOPRIVATE", "[a-").is_err());
        assert!(check_globs("GOPRIVATE", "a.example, b.example").is_ok());
        assert!(path_match("[", "x").is_err());
        assert_eq!(parse_gosumdb("off").unwrap(), SumDb::Off);
        assert!(matches!(
            parse_gosumdb("sum.golang.google.cn").unwrap(),
            SumDb::On { ref name, ref url, explicit_url: true, .. }
                if url == "https://sum.golang.google.cn" && name == "sum.golang.org"
        ));
        assert!(matches!(
            parse_gosumdb(sumdb::KNOWN_SUMDB_KEYS[0].1),
            Ok(SumDb::On { ref name, key: Some(_), .. }) if name == "sum.golang.org"
        ));
        assert!(parse_gosumdb("my.sumdb").is_err());
        assert!(parse_gosumdb("a+b").is_err());
        assert!(parse_gosumdb("a+0123abcd+k u extra").is_err());
        // A key whose hash does not match: rejected as the go command does.
        assert_eq!(
            parse_gosumdb("sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ny+y7TdKS1xyq28Y"),
            Err("invalid GOSUMDB: invalid verifier hash".into())
        );
    }

    #[test]
    fn legacy_route() {
        let s = RouteSettings {
            goproxy: "https://proxy.golang.org,direct",
            gosumdb: "sum.golang.org",
            goprivate: "*.corp.example",
            gonoproxy: "*.corp.example",
            gonosumdb: "*.corp.example",
            goinsecure: "",
        };
        let r = route("git.corp.example/x", &s).unwrap();
        assert!(r.private && r.bypasses_proxy && r.checksum_db.is_none());
        assert_eq!(r.sources, vec![ProxyEntry::Direct]);
        let r = route("golang.org/x/text", &s).unwrap();
        assert_eq!(r.sources.len(), 2);
        assert_eq!(r.checksum_db.as_deref(), Some("sum.golang.org"));
        assert!(route("../etc/passwd", &s).is_err());
        assert!(route("a b", &s).is_err());
        let bad = RouteSettings {
            goproxy: "https://proxy.golang.org,ftp://x",
            ..s
        };
        assert!(route("golang.org/x/text", &bad)
            .unwrap_err()
            .starts_with("GOPROXY: "));
    }
}
