//! GOPROXY, GOSUMDB and the private-module pattern variables, with cmd/go's exact
//! semantics (modfetch/proxy.go, str.GlobsMatchPath, sumdb configuration).

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

/// Parses GOPROXY as the go command does. Entries after `direct` or `off` are ignored.
pub fn parse_goproxy(value: &str) -> Result<Vec<ProxyEntry>, String> {
    let mut list = Vec::new();
    let mut rest = value;
    while !rest.is_empty() {
        let (item, fallback_on_error) = match rest.find([',', '|']) {
            Some(i) => {
                let sep = rest.as_bytes()[i];
                let item = &rest[..i];
                rest = &rest[i + 1..];
                (item, sep == b'|')
            }
            None => {
                let item = rest;
                rest = "";
                (item, false)
            }
        };
        let mut url = item.trim().to_string();
        if url.is_empty() {
            continue;
        }
        if url == "off" {
            list.push(ProxyEntry::Off);
            break;
        }
        if url == "direct" {
            list.push(ProxyEntry::Direct);
            break;
        }
        // A bare host gets https:// (single words are reserved for built-ins).
        if url.contains(['.', ':', '/'])
            && !url.contains(":/")
            && !url.starts_with('/')
            && !is_windows_abs(&url)
        {
            url = format!("https://{url}");
        }
        let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
        match scheme.as_deref() {
            Some("http" | "https" | "file") => {}
            Some(s) => {
                return Err(format!(
                    "invalid GOPROXY URL {url:?}: unsupported scheme {s:?}"
                ))
            }
            None => {
                return Err(format!(
                    "invalid GOPROXY entry {url:?}: not a URL, \"direct\" or \"off\""
                ))
            }
        }
        let fallback = if fallback_on_error {
            Fallback::OnAnyError
        } else {
            Fallback::OnNotFound
        };
        list.push(ProxyEntry::Url { url, fallback });
    }
    if list.is_empty() {
        return Err("GOPROXY list is not the empty string, but contains no entries".into());
    }
    if let Some(ProxyEntry::Url { fallback, .. }) = list.last_mut() {
        if rest.is_empty() {
            *fallback = Fallback::None;
        }
    }
    Ok(list)
}

fn is_windows_abs(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 3 && b[0].is_ascii_alphabetic() && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')
}

/// Go's `path.Match` for one pattern against a name (no `/` crossing for `*`, `?`).
pub fn path_match(pattern: &str, name: &str) -> Result<bool, String> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    match_from(&p, &n)
}

fn match_from(p: &[char], n: &[char]) -> Result<bool, String> {
    if p.is_empty() {
        return Ok(n.is_empty());
    }
    match p[0] {
        '*' => {
            // Try every split that does not cross '/'.
            for i in 0..=n.len() {
                if match_from(&p[1..], &n[i..])? {
                    return Ok(true);
                }
                if i < n.len() && n[i] == '/' {
                    break;
                }
            }
            // Validate the rest of the pattern even when nothing matched.
            validate(&p[1..])?;
            Ok(false)
        }
        '?' => Ok(!n.is_empty() && n[0] != '/' && match_from(&p[1..], &n[1..])?),
        '[' => {
            let (matched, consumed) = class(&p[1..], n.first().copied())?;
            Ok(matched && match_from(&p[1 + consumed..], &n[1..])?)
        }
        '\\' => {
            let c = *p.get(1).ok_or("syntax error in pattern")?;
            Ok(!n.is_empty() && n[0] == c && match_from(&p[2..], &n[1..])?)
        }
        c => Ok(!n.is_empty() && n[0] == c && match_from(&p[1..], &n[1..])?),
    }
}

fn validate(p: &[char]) -> Result<(), String> {
    let mut i = 0;
    while i < p.len() {
        match p[i] {
            '\\' => {
                if i + 1 >= p.len() {
                    return Err("syntax error in pattern".into());
                }
                i += 2;
            }
            '[' => {
                let (_, consumed) = class(&p[i + 1..], None)?;
                i += 1 + consumed;
            }
            _ => i += 1,
        }
    }
    Ok(())
}

/// Matches a character class body (after `[`). Returns (matched, chars consumed incl. `]`).
fn class(p: &[char], c: Option<char>) -> Result<(bool, usize), String> {
    let mut i = 0;
    let negate = p.first() == Some(&'^');
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        let Some(&ch) = p.get(i) else {
            return Err("syntax error in pattern".into());
        };
        if ch == ']' && !first {
            i += 1;
            break;
        }
        first = false;
        let lo = if ch == '\\' {
            i += 1;
            *p.get(i).ok_or("syntax error in pattern")?
        } else {
            ch
        };
        if lo == '-' && ch != '\\' {
            return Err("syntax error in pattern".into());
        }
        i += 1;
        let mut hi = lo;
        if p.get(i) == Some(&'-') && p.get(i + 1) != Some(&']') {
            i += 1;
            let h = *p.get(i).ok_or("syntax error in pattern")?;
            hi = if h == '\\' {
                i += 1;
                *p.get(i).ok_or("syntax error in pattern")?
            } else {
                h
            };
            i += 1;
        }
        if let Some(c) = c {
            if lo <= c && c <= hi {
                matched = true;
            }
        }
    }
    let ok = match c {
        None => false,
        Some('/') => false,
        Some(_) => matched != negate,
    };
    Ok((ok, i))
}

/// `str.GlobsMatchPath`: does any comma-separated glob match a leading part of `target`?
pub fn globs_match_path(globs: &str, target: &str) -> bool {
    for glob in globs.split(',') {
        let glob = glob.trim();
        if glob.is_empty() {
            continue;
        }
        // The glob matches as many leading path elements as it has.
        let n = glob.matches('/').count() + 1;
        let prefix: String = {
            let mut end = target.len();
            let mut count = 0;
            for (i, ch) in target.char_indices() {
                if ch == '/' {
                    count += 1;
                    if count == n {
                        end = i;
                        break;
                    }
                }
            }
            if count + 1 < n {
                continue;
            }
            target[..end].to_string()
        };
        if path_match(glob, &prefix).unwrap_or(false) {
            return true;
        }
    }
    false
}

/// Validates a pattern list (GOPRIVATE etc.): every glob must be a valid path.Match pattern.
pub fn check_globs(key: &str, globs: &str) -> Result<(), String> {
    for glob in globs.split(',').map(str::trim).filter(|g| !g.is_empty()) {
        if path_match(glob, "").is_err() || validate(&glob.chars().collect::<Vec<_>>()).is_err() {
            return Err(format!("{key}: malformed pattern {glob:?}"));
        }
    }
    Ok(())
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

/// Parses GOSUMDB (`off`, `sum.golang.org`, `name+key`, `name+key url`).
pub fn parse_gosumdb(value: &str) -> Result<SumDb, String> {
    let v = value.trim();
    if v == "off" {
        return Ok(SumDb::Off);
    }
    let v = match v {
        "" => "sum.golang.org",
        // The go command's built-in alias: same database and key, mirror URL.
        "sum.golang.google.cn" => "sum.golang.org https://sum.golang.google.cn",
        v => v,
    };
    let mut fields = v.split_whitespace();
    let first = fields.next().ok_or("GOSUMDB is empty")?;
    let url = fields.next();
    if fields.next().is_some() {
        return Err(format!("invalid GOSUMDB: too many fields in {value:?}"));
    }
    let (name, key) = match first.split_once('+') {
        Some((n, _)) => (n.to_string(), Some(first.to_string())),
        None => (first.to_string(), None),
    };
    if key.is_none() && name != "sum.golang.org" {
        return Err(format!(
            "invalid GOSUMDB: {name:?} is not a known checksum database; give its key as NAME+KEY"
        ));
    }
    if let Some(k) = &key {
        // name+hash+base64 key
        let parts: Vec<&str> = k.splitn(3, '+').collect();
        if parts.len() != 3
            || parts[1].len() != 8
            || !parts[1].bytes().all(|b| b.is_ascii_hexdigit())
            || parts[2].is_empty()
        {
            return Err(format!("invalid GOSUMDB: malformed verifier key {k:?}"));
        }
    }
    let explicit_url = url.is_some();
    let url = match url {
        Some(u) => {
            if !u.starts_with("https://") && !u.starts_with("http://") {
                format!("https://{u}")
            } else {
                u.to_string()
            }
        }
        None => format!("https://{name}"),
    };
    Ok(SumDb::On {
        name,
        key,
        url,
        explicit_url,
    })
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

/// Computes the route of `module`. Errors name the malformed setting.
pub fn route(module: &str, s: &RouteSettings<'_>) -> Result<Route, String> {
    check_module_path(module)?;
    for (k, v) in [
        ("GOPRIVATE", s.goprivate),
        ("GONOPROXY", s.gonoproxy),
        ("GONOSUMDB", s.gonosumdb),
        ("GOINSECURE", s.goinsecure),
    ] {
        check_globs(k, v)?;
    }
    let list = parse_goproxy(s.goproxy)?;
    let sumdb = parse_gosumdb(s.gosumdb)?;
    let private = globs_match_path(s.goprivate, module);
    let bypasses_proxy = globs_match_path(s.gonoproxy, module);
    let sources = if bypasses_proxy {
        if list.first() == Some(&ProxyEntry::Off) {
            vec![ProxyEntry::Off]
        } else {
            vec![ProxyEntry::Direct]
        }
    } else {
        list
    };
    let (checksum_db, checksum_note) = if globs_match_path(s.gonosumdb, module) {
        (
            None,
            "not consulted: GONOSUMDB (or GOPRIVATE) matches this module; go.sum alone protects it"
                .to_string(),
        )
    } else {
        match sumdb {
            SumDb::Off => (None, "not consulted: GOSUMDB=off disables verification for every module".to_string()),
            SumDb::On { name, url, explicit_url: true, .. } => {
                (Some(name.clone()), format!("{name} is consulted at {url} (an explicit URL bypasses the proxies)"))
            }
            SumDb::On { name, url, .. } => (
                Some(name.clone()),
                format!("{name} is consulted (through each proxy's /sumdb/{name}/ first, then {url} directly)"),
            ),
        }
    };
    Ok(Route {
        module: module.to_string(),
        private,
        bypasses_proxy,
        sources,
        checksum_db,
        checksum_note,
        insecure: globs_match_path(s.goinsecure, module),
    })
}

/// A module path must be non-empty, free of spaces and control characters, and not
/// start with `/`, `.` or `-` (module.CheckPath's first rules; enough to reject hostile input).
pub fn check_module_path(p: &str) -> Result<(), String> {
    if p.is_empty() {
        return Err("module path is empty".into());
    }
    if p.len() > 1024 {
        return Err("module path is longer than 1024 bytes".into());
    }
    if p.starts_with(['/', '.', '-'])
        || p.ends_with('/')
        || p.contains("//")
        || p.split('/').any(|e| e == "." || e == "..")
    {
        return Err(format!("malformed module path {p:?}"));
    }
    if let Some(c) = p
        .chars()
        .find(|c| c.is_control() || c.is_whitespace() || "\"'`\\<>|*?:".contains(*c))
    {
        return Err(format!("malformed module path {p:?}: invalid char {c:?}"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(parse_goproxy("ftp://x").is_err());
        assert!(parse_goproxy("banana").is_err());
        assert!(matches!(
            &parse_goproxy("file:///srv/proxy").unwrap()[0],
            ProxyEntry::Url { .. }
        ));
    }

    #[test]
    fn globs_like_go() {
        assert!(globs_match_path(
            "*.corp.example",
            "git.corp.example/team/mod"
        ));
        assert!(!globs_match_path("*.corp.example", "corp.example/x"));
        assert!(globs_match_path(
            "github.com/acme",
            "github.com/acme/tool/v2"
        ));
        assert!(!globs_match_path(
            "github.com/acme",
            "github.com/acmeinc/tool"
        ));
        assert!(globs_match_path(
            "github.com/*/internal",
            "github.com/x/internal/y"
        ));
        assert!(!globs_match_path(
            "github.com/*/internal/more",
            "github.com/x/internal"
        ));
        assert!(globs_match_path(" , rsc.io ", "rsc.io/quote"));
        assert!(globs_match_path("*", "anything/at/all"));
        assert!(globs_match_path("gith?b.com", "github.com/x"));
        assert!(globs_match_path("[a-h]ithub.com", "github.com/x"));
        assert!(check_globs("GOPRIVATE", "[a-").is_err());
    }

    #[test]
    fn sumdb_forms() {
        assert_eq!(parse_gosumdb("off").unwrap(), SumDb::Off);
        assert!(
            matches!(parse_gosumdb("sum.golang.google.cn").unwrap(), SumDb::On { ref name, ref url, .. } if url == "https://sum.golang.google.cn" && name == "sum.golang.org")
        );
        let s = parse_gosumdb("sum.example+0123abcd+AAAAkey https://sumdb.example/x").unwrap();
        assert_eq!(
            s,
            SumDb::On {
                name: "sum.example".into(),
                key: Some("sum.example+0123abcd+AAAAkey".into()),
                url: "https://sumdb.example/x".into(),
                explicit_url: true
            }
        );
        assert!(parse_gosumdb("my.sumdb").is_err());
        // The real sum.golang.org verifier key: its base64 part contains '+'.
        let real = "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ny+y7TdKS1xyq28Y";
        assert!(
            matches!(parse_gosumdb(real), Ok(SumDb::On { ref name, .. }) if name == "sum.golang.org")
        );
        assert!(parse_gosumdb("a+b").is_err());
        assert!(parse_gosumdb("a+0123abcd+k u extra").is_err());
    }

    #[test]
    fn routes() {
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
    }
}
