//! `.netrc` credentials, which the go command sends to module proxies by default
//! (GOAUTH=netrc): NETRC, else ~/.netrc (Unix) or %USERPROFILE%\_netrc (Windows).

use std::path::PathBuf;

/// One `machine` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub machine: String,
    pub login: String,
    pub password: String,
}

/// Parses netrc text the way the go command does: `machine`, `login`, `password` tokens;
/// `default` entries and `macdef` bodies are ignored.
pub fn parse(text: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    let mut cur: Option<Entry> = None;
    let mut words = text.split_whitespace();
    let mut in_default = false;
    while let Some(w) = words.next() {
        match w {
            "machine" => {
                if let Some(e) = cur.take() {
                    out.push(e);
                }
                in_default = false;
                cur = words.next().map(|m| Entry {
                    machine: m.to_ascii_lowercase(),
                    login: String::new(),
                    password: String::new(),
                });
            }
            "default" => {
                if let Some(e) = cur.take() {
                    out.push(e);
                }
                in_default = true;
            }
            "login" => {
                let v = words.next().unwrap_or_default().to_string();
                if let (Some(e), false) = (cur.as_mut(), in_default) {
                    e.login = v;
                }
            }
            "password" => {
                let v = words.next().unwrap_or_default().to_string();
                if let (Some(e), false) = (cur.as_mut(), in_default) {
                    e.password = v;
                }
            }
            "macdef" => {
                // A macro body runs to the next blank line; it carries no credentials.
                if let Some(e) = cur.take() {
                    out.push(e);
                }
                break;
            }
            _ => {}
        }
    }
    if let Some(e) = cur {
        out.push(e);
    }
    out.retain(|e| !e.login.is_empty());
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

/// Credentials for `host`, if the netrc has them.
pub fn lookup<'a>(entries: &'a [Entry], host: &str) -> Option<&'a Entry> {
    let h = host.to_ascii_lowercase();
    entries.iter().find(|e| e.machine == h)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn parses_like_go() {
        let e = parse("machine corp-proxy.example login bob password pw\n# x\nmachine Other.example\n  login a\n  password b\ndefault login anon password anon\n");
        assert_eq!(lookup(&e, "CORP-PROXY.example").unwrap().password, "pw");
        assert_eq!(lookup(&e, "other.example").unwrap().login, "a");
        assert!(lookup(&e, "anon.example").is_none());
        assert!(
            parse("machine x password only").is_empty(),
            "no login, no entry"
        );
    }
}
