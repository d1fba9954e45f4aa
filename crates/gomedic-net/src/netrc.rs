//! `.netrc` credentials, which the go command sends to module proxies over https:
//! NETRC, else ~/.netrc (Unix) or %USERPROFILE%\_netrc (Windows).
//!
//! How an entry is found depends on the go release (cmd/go/internal/auth):
//! - up to go 1.23, `machine` must equal the request's host exactly as written in the
//!   URL, port included (`machine goproxy.corp:8443` for `https://goproxy.corp:8443`);
//! - from go 1.24 (GOAUTH, default `netrc`), each `machine` is a URL prefix without
//!   `https://`: `goproxy.corp` covers `https://goproxy.corp/...` (not another port),
//!   `goproxy.corp:8443` that port, `goproxy.corp/team` only URLs under that path.
//!
//! Both compare exactly (case-sensitive), only for https URLs, and the first entry for a
//! machine wins.

use std::path::PathBuf;

/// One `machine` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub machine: String,
    pub login: String,
    pub password: String,
}

/// Which go command's matching rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Matching {
    /// go 1.23 and older: `machine` equals the URL's host[:port].
    Host,
    /// go 1.24 and newer: `machine` is a prefix of the URL (path segments included).
    #[default]
    Prefix,
}

impl Matching {
    /// The rules of go `major.minor` (`None`: the newest).
    pub fn for_go(version: Option<(u32, u32)>) -> Matching {
        match version {
            Some((1, minor)) if minor < 24 => Matching::Host,
            _ => Matching::Prefix,
        }
    }

    /// Whether GOAUTH decides about netrc (go 1.24+); older go always reads the netrc.
    pub fn has_goauth(self) -> bool {
        self == Matching::Prefix
    }
}

/// Parses netrc text the way the go command does: per line, `keyword value` pairs;
/// `machine` starts an entry, which counts once it has a login and a password; a
/// `macdef` body runs to the next empty line; `default` ends the file.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut cur = Entry {
        machine: String::new(),
        login: String::new(),
        password: String::new(),
    };
    let mut in_macro = false;
    for line in text.split('\n') {
        if in_macro {
            if line.is_empty() {
                in_macro = false;
            }
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let mut i = 0;
        while i + 1 < f.len() {
            match f[i] {
                "machine" => {
                    cur = Entry {
                        machine: f[i + 1].to_string(),
                        login: String::new(),
                        password: String::new(),
                    }
                }
                "login" => cur.login = f[i + 1].to_string(),
                "password" => cur.password = f[i + 1].to_string(),
                "macdef" => in_macro = true,
                _ => {}
            }
            if !cur.machine.is_empty() && !cur.login.is_empty() && !cur.password.is_empty() {
                out.push(cur.clone());
                cur = Entry {
                    machine: String::new(),
                    login: String::new(),
                    password: String::new(),
                };
            }
            i += 2;
        }
        if f.get(i) == Some(&"default") {
            break;
        }
    }
    out
}

/// The netrc file the go command reads, if any.
pub fn path(getenv: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(n) = getenv("NETRC").filter(|v| !v.is_empty()) {
        return Some(PathBuf::from(n));
    }
    if cfg!(windows) {
        getenv("USERPROFILE")
            .filter(|v| !v.is_empty())
            .map(|h| PathBuf::from(h).join("_netrc"))
    } else {
        getenv("HOME")
            .filter(|v| !v.is_empty())
            .map(|h| PathBuf::from(h).join(".netrc"))
    }
}

/// Credentials for a machine named exactly `host` (host[:port]), if the netrc has them.
pub fn lookup<'a>(entries: &'a [Entry], host: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| e.machine == host)
}

/// The credentials the go command sends for a request to `url`, by `matching`'s rules.
/// Only https URLs get netrc credentials.
pub fn credentials<'a>(entries: &'a [Entry], url: &str, matching: Matching) -> Option<&'a Entry> {
    let rest = url.strip_prefix("https://")?;
    let rest = rest.split(['?', '#']).next().unwrap_or(rest);
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match matching {
        Matching::Host => lookup(entries, authority),
        Matching::Prefix => {
            // example.com/foo/bar, then example.com/foo, then example.com.
            let mut prefix = format!("{authority}{path}");
            while prefix.ends_with('/') {
                prefix.pop();
            }
            loop {
                if let Some(e) = lookup(entries, &prefix) {
                    return Some(e);
                }
                let cut = prefix.rfind('/')?;
                prefix.truncate(cut);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_like_go() {
        let e = parse("machine corp-proxy.example login bob password pw\n# x\nmachine Other.example\n  login a\n  password b\ndefault login anon password anon\nmachine after.default login x password y\n");
        assert_eq!(lookup(&e, "corp-proxy.example").unwrap().password, "pw");
        assert_eq!(lookup(&e, "Other.example").unwrap().login, "a");
        assert!(
            lookup(&e, "other.example").is_none(),
            "machine names are case-sensitive"
        );
        // Like go, a `default` line read as pairs does not stop the file...
        assert_eq!(lookup(&e, "after.default").unwrap().login, "x");
        assert!(lookup(&e, "anon").is_none());
        // ...a lone `default` at the end of a line does.
        let e = parse("machine a login x password y\ndefault\nmachine b login x password y\n");
        assert!(lookup(&e, "a").is_some());
        assert!(lookup(&e, "b").is_none(), "default ends the file");
        assert!(
            parse("machine x password only").is_empty(),
            "no login, no entry"
        );
        assert!(
            parse("machine x login only").is_empty(),
            "no password, no entry"
        );
        // A macro body is skipped up to the next empty line; entries after it count.
        let e = parse(
            "macdef init\nmachine hidden login a password b\n\nmachine seen login c password d\n",
        );
        assert!(lookup(&e, "hidden").is_none());
        assert_eq!(lookup(&e, "seen").unwrap().login, "c");
        // The first entry for a machine wins.
        let e = parse("machine m login first password 1\nmachine m login second password 2\n");
        assert_eq!(
            credentials(&e, "https://m/x", Matching::Prefix)
                .unwrap()
                .login,
            "first"
        );
        assert_eq!(
            credentials(&e, "https://m/x", Matching::Host)
                .unwrap()
                .login,
            "first"
        );
    }

    #[test]
    fn matching_depends_on_the_go_release() {
        assert_eq!(Matching::for_go(Some((1, 21))), Matching::Host);
        assert_eq!(Matching::for_go(Some((1, 23))), Matching::Host);
        assert_eq!(Matching::for_go(Some((1, 24))), Matching::Prefix);
        assert_eq!(Matching::for_go(None), Matching::Prefix);
        let e = parse("machine goproxy.corp login a password 1\nmachine goproxy.corp:8443 login b password 2\nmachine git.corp/team login c password 3\n");
        let who = |url: &str, m| credentials(&e, url, m).map(|e| e.login.as_str());
        for m in [Matching::Host, Matching::Prefix] {
            assert_eq!(who("https://goproxy.corp", m), Some("a"));
            assert_eq!(who("https://goproxy.corp/mod/@v/list", m), Some("a"));
            assert_eq!(
                who("https://goproxy.corp:8443/x", m),
                Some("b"),
                "host:port is a machine"
            );
            assert_eq!(
                who("https://goproxy.corp:9443/x", m),
                None,
                "another port is another machine"
            );
            assert_eq!(
                who("http://goproxy.corp/x", m),
                None,
                "only https gets netrc credentials"
            );
        }
        // A machine with a path: a prefix from go 1.24, never a host before.
        assert_eq!(
            who("https://git.corp/team/mod/@v/list", Matching::Prefix),
            Some("c")
        );
        assert_eq!(who("https://git.corp/other/mod", Matching::Prefix), None);
        assert_eq!(who("https://git.corp/team/mod", Matching::Host), None);
    }
}
