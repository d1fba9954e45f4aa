//! Which proxy the go command uses for a URL: golang.org/x/net/http/httpproxy rules
//! (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, upper case first; never for localhost or
//! loopback; ALL_PROXY and OS proxy settings are ignored), with the proxy value read the
//! way Go's `url.Parse` reads it: a value it refuses is ignored, and go connects directly.

use gomedic_goenv::gosem::GoSemantics;
use gomedic_goenv::gourl;
use std::net::IpAddr;

/// The proxy variables as the go command reads them.
#[derive(Debug, Clone, Default)]
pub struct ProxyEnv {
    pub https_proxy: String,
    pub http_proxy: String,
    pub no_proxy: String,
    /// CGI: a request to an http:// URL fails when REQUEST_METHOD and HTTP_PROXY are set.
    pub cgi: bool,
    /// The variable `https_proxy` came from (`HTTPS_PROXY` or `https_proxy`); empty means
    /// `HTTPS_PROXY`.
    pub https_var: String,
    /// The variable `http_proxy` came from; empty means `HTTP_PROXY`.
    pub http_var: String,
    /// Whose `url.Parse` reads the values: the diagnosed go's release and GODEBUG.
    pub sem: GoSemantics,
}

/// A proxy URL as Go's `url.Parse` (after httpproxy's `http://` retry) understands it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// The value as go uses it (with `http://` prepended when it had no scheme).
    pub url: String,
    /// Lower-case scheme: `http`, `https`, `socks5`, `socks5h`, or another (unsupported).
    pub scheme: String,
    /// Host without brackets, lower-cased.
    pub host: String,
    /// The port given, else the scheme's default (80, 443, 1080); `None` when the port
    /// is out of range or the scheme has no default.
    pub port: Option<u16>,
    /// Percent-decoded user name and password from the userinfo, if any.
    pub user: Option<(String, String)>,
}

/// What the go command does for one request URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    /// No proxy: go connects directly.
    Direct,
    /// go goes through this proxy.
    Via(ProxyUrl),
    /// The variable is set but Go's `url.Parse` refuses its value, so httpproxy drops it
    /// and go connects directly.
    Ignored {
        var: String,
        value: String,
        reason: String,
    },
    /// go refuses the request itself (HTTP_PROXY in a CGI environment).
    Refused(String),
}

impl Choice {
    /// The sentence saying that go ignores the variable, for an ignored proxy.
    pub fn ignored_note(&self) -> Option<String> {
        match self {
            Choice::Ignored { var, value, reason } => Some(format!(
                "go ignores {var}={value:?}: {reason}; it connects directly"
            )),
            _ => None,
        }
    }
}

impl ProxyEnv {
    pub fn from_env(getenv: &dyn Fn(&str) -> Option<String>) -> ProxyEnv {
        let any = |a: &str, b: &str| match getenv(a).filter(|v| !v.is_empty()) {
            Some(v) => (v, a.to_string()),
            None => (getenv(b).unwrap_or_default(), b.to_string()),
        };
        let (https_proxy, https_var) = any("HTTPS_PROXY", "https_proxy");
        let (http_proxy, http_var) = any("HTTP_PROXY", "http_proxy");
        ProxyEnv {
            https_proxy,
            http_proxy,
            no_proxy: any("NO_PROXY", "no_proxy").0,
            cgi: getenv("REQUEST_METHOD").is_some_and(|v| !v.is_empty()),
            https_var,
            http_var,
            sem: GoSemantics::latest(),
        }
    }

    /// The same variables, read with the `url.Parse` of the go being diagnosed.
    pub fn with_semantics(mut self, sem: GoSemantics) -> ProxyEnv {
        self.sem = sem;
        self
    }

    /// What go does for a request to `scheme://host:port`.
    pub fn choose(&self, scheme: &str, host: &str, port: u16) -> Choice {
        let (raw, var) = match scheme {
            "https" => (&self.https_proxy, name(&self.https_var, "HTTPS_PROXY")),
            "http" => (&self.http_proxy, name(&self.http_var, "HTTP_PROXY")),
            _ => return Choice::Direct,
        };
        if raw.is_empty() {
            return Choice::Direct;
        }
        let parsed = parse_proxy_as(raw, &self.sem);
        // httpproxy checks CGI before NO_PROXY, and only for a proxy that parsed.
        if scheme == "http" && self.cgi && parsed.is_ok() {
            return Choice::Refused(format!(
                "go refuses to use {var} when REQUEST_METHOD is set (a CGI environment), so every http:// request fails"
            ));
        }
        match parsed {
            Err(reason) => Choice::Ignored {
                var,
                value: raw.clone(),
                reason,
            },
            Ok(_) if !self.use_proxy(host, port) => Choice::Direct,
            Ok(p) => Choice::Via(p),
        }
    }

    /// The proxy URL for a request to `scheme://host:port`, normalised with a scheme.
    pub fn proxy_for(&self, scheme: &str, host: &str, port: u16) -> Option<String> {
        match self.choose(scheme, host, port) {
            Choice::Via(p) => Some(p.url),
            _ => None,
        }
    }

    fn use_proxy(&self, host: &str, port: u16) -> bool {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        if host == "localhost" {
            return false;
        }
        let ip: Option<IpAddr> = host.parse().ok();
        if ip.is_some_and(|ip| ip.is_loopback()) {
            return false;
        }
        for entry in self
            .no_proxy
            .split(',')
            .map(str::trim)
            .filter(|e| !e.is_empty())
        {
            if entry == "*" {
                return false;
            }
            let entry = entry.to_ascii_lowercase();
            // CIDR
            if let Some((net, bits)) = entry.split_once('/') {
                if let (Ok(net), Ok(bits), Some(ip)) =
                    (net.parse::<IpAddr>(), bits.parse::<u8>(), ip)
                {
                    if in_cidr(ip, net, bits) {
                        return false;
                    }
                }
                continue;
            }
            // host[:port], IP[:port]
            let (ehost, eport) = split_host_port(&entry);
            if eport.is_some_and(|p| p != port) {
                continue;
            }
            if let (Ok(eip), Some(ip)) = (
                ehost
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<IpAddr>(),
                ip,
            ) {
                if eip == ip {
                    return false;
                }
                continue;
            }
            if let Some(suffix) = ehost.strip_prefix("*.") {
                if host.ends_with(&format!(".{suffix}")) {
                    return false;
                }
            } else if let Some(suffix) = ehost.strip_prefix('.') {
                if host.ends_with(&format!(".{suffix}")) {
                    return false;
                }
            } else if host == ehost || host.ends_with(&format!(".{ehost}")) {
                return false;
            }
        }
        true
    }
}

fn name(var: &str, default: &str) -> String {
    if var.is_empty() {
        default.to_string()
    } else {
        var.to_string()
    }
}

/// httpproxy's parseProxy under the newest go's rules (see [`parse_proxy_as`]).
pub fn parse_proxy(value: &str) -> Result<ProxyUrl, String> {
    parse_proxy_as(value, &GoSemantics::latest())
}

/// httpproxy's parseProxy: `url.Parse(value)`; when that fails or gives no scheme or no
/// host, `url.Parse("http://" + value)` is tried; if that fails too, the first error.
/// `url.Parse` is the diagnosed go release's (gomedic-goenv's gourl: colons, IP literals).
pub fn parse_proxy_as(value: &str, sem: &GoSemantics) -> Result<ProxyUrl, String> {
    let first = gourl::parse(value, sem);
    match &first {
        Ok(u) if !u.scheme.is_empty() && !u.host.is_empty() => return Ok(proxy_url(value, u)),
        _ => {}
    }
    let with_http = format!("http://{value}");
    if let Ok(u) = gourl::parse(&with_http, sem) {
        return Ok(proxy_url(&with_http, &u));
    }
    // Parsed without a host (go uses it and fails later), or the first error.
    first.map(|u| proxy_url(value, &u)).map_err(|e| e.reason)
}

/// The scheme, user and `Hostname()` / `Port()` of a parsed proxy URL, as net/http uses them.
fn proxy_url(raw: &str, u: &gourl::GoUrl) -> ProxyUrl {
    let scheme = u.scheme.to_ascii_lowercase();
    // url.splitHostPort: the port after the last colon when it is digits.
    let (mut host, port) = match u.host.rfind(':') {
        Some(i) if u.host[i + 1..].bytes().all(|b| b.is_ascii_digit()) => {
            (&u.host[..i], Some(&u.host[i + 1..]))
        }
        _ => (u.host.as_str(), None),
    };
    if host.starts_with('[') && host.ends_with(']') {
        host = &host[1..host.len() - 1];
    }
    let port = match port.filter(|p| !p.is_empty()) {
        Some(p) => p.parse::<u16>().ok(),
        None => match scheme.as_str() {
            "http" => Some(80),
            "https" => Some(443),
            "socks5" | "socks5h" => Some(1080),
            _ => None,
        },
    };
    ProxyUrl {
        url: raw.to_string(),
        scheme,
        host: host.to_ascii_lowercase(),
        port,
        user: u
            .user
            .as_ref()
            .map(|ui| (ui.username.clone(), ui.password.clone().unwrap_or_default())),
    }
}

fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if let Some(rest) = s.strip_prefix('[') {
        if let Some((h, p)) = rest.split_once("]:") {
            return (h, p.parse().ok());
        }
        return (rest.trim_end_matches(']'), None);
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, p.parse().ok()),
        _ => (s, None),
    }
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(b)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            u32::from(a) & mask == u32::from(b) & mask
        }
        (IpAddr::V6(a), IpAddr::V6(b)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            u128::from(a) & mask == u128::from(b) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(https: &str, no: &str) -> ProxyEnv {
        ProxyEnv {
            https_proxy: https.into(),
            http_proxy: "http://h:1".into(),
            no_proxy: no.into(),
            ..Default::default()
        }
    }

    #[test]
    fn go_rules() {
        let e = env("proxy.corp:3128", "");
        assert_eq!(
            e.proxy_for("https", "proxy.golang.org", 443).as_deref(),
            Some("http://proxy.corp:3128")
        );
        assert_eq!(e.proxy_for("https", "localhost", 443), None);
        assert_eq!(e.proxy_for("https", "127.0.0.1", 443), None);
        assert_eq!(e.proxy_for("https", "::1", 443), None);
        let e = env(
            "http://p:1",
            "golang.org,.corp.example,10.0.0.0/8,example.com:8443",
        );
        assert_eq!(e.proxy_for("https", "proxy.golang.org", 443), None);
        assert_eq!(e.proxy_for("https", "golang.org", 443), None);
        assert!(e.proxy_for("https", "corp.example", 443).is_some());
        assert_eq!(e.proxy_for("https", "git.corp.example", 443), None);
        assert_eq!(e.proxy_for("https", "10.1.2.3", 443), None);
        assert!(e.proxy_for("https", "example.com", 443).is_some());
        assert_eq!(e.proxy_for("https", "example.com", 8443), None);
        assert_eq!(env("http://p:1", "*").proxy_for("https", "x.y", 443), None);
        let from = ProxyEnv::from_env(&|k| match k {
            "https_proxy" => Some("http://lower:1".into()),
            "ALL_PROXY" => Some("http://ignored:1".into()),
            _ => None,
        });
        assert_eq!(
            from.proxy_for("https", "a.b", 443).as_deref(),
            Some("http://lower:1")
        );
        let cgi = ProxyEnv {
            cgi: true,
            ..env("", "")
        };
        assert_eq!(cgi.proxy_for("http", "a.b", 80), None);
    }

    type Parts = (String, String, Option<u16>, Option<(String, String)>);

    fn via(v: &str) -> Result<Parts, String> {
        parse_proxy(v).map(|p| (p.scheme, p.host, p.port, p.user))
    }

    #[test]
    fn proxy_values_are_read_like_url_parse() {
        let u = |a: &str, b: &str| Some((a.to_string(), b.to_string()));
        // Accepted as go accepts them.
        assert_eq!(
            via("http://proxy.corp:3128"),
            Ok(("http".into(), "proxy.corp".into(), Some(3128), None))
        );
        assert_eq!(
            via("proxy.corp:3128"),
            Ok(("http".into(), "proxy.corp".into(), Some(3128), None)),
            "no scheme: http:// is prepended"
        );
        assert_eq!(via("10.0.0.1:8080").unwrap().1, "10.0.0.1");
        assert_eq!(via("proxy.corp").unwrap().2, Some(80));
        assert_eq!(via("https://p.corp").unwrap().2, Some(443));
        assert_eq!(
            via("socks5://127.0.0.1").unwrap(),
            ("socks5".into(), "127.0.0.1".into(), Some(1080), None)
        );
        assert_eq!(via("SOCKS5H://p:9050").unwrap().0, "socks5h");
        assert_eq!(via("http://[::1]:3128").unwrap().1, "::1");
        // A query or a fragment does not stop url.Parse; the host is what counts.
        assert_eq!(via("http://p.corp:3128?x=1").unwrap().2, Some(3128));
        assert_eq!(via("http://p.corp:3128/#frag").unwrap().2, Some(3128));
        assert_eq!(via("http://p.corp:3128#frag").unwrap().1, "p.corp");
        // Userinfo is percent-decoded; `@` in the password is allowed (the last `@` ends it).
        assert_eq!(
            via("http://alice:p%40ss@p:1").unwrap().3,
            u("alice", "p@ss")
        );
        assert_eq!(via("http://alice:p@ss@p:1").unwrap().3, u("alice", "p@ss"));
        assert_eq!(via("socks5://bob@p:1").unwrap().3, u("bob", ""));
        // Refused by url.Parse and by the http:// retry: go ignores the variable.
        assert!(via("http://proxy.corp:3128\r")
            .unwrap_err()
            .contains("control character"));
        assert!(via("http://proxy.corp:3128\n").is_err());
        assert!(via("proxy.corp:3128\t").is_err());
        assert!(via("http://p%zz:1").unwrap_err().contains("escape"));
        assert!(via("http:///p%zz").unwrap_err().contains("escape"));
        // Refused by url.Parse, but "http://" + value parses with the host "http:"
        // (the rest becomes the path): go then uses a proxy named `http`, port 80.
        for v in [
            "http://p:31x8",
            "http://a b:1",
            "http://al ice:pw@p:1",
            "http://[::1:3128",
        ] {
            assert_eq!(
                via(v).map(|p| (p.1, p.2)),
                Ok(("http".into(), Some(80))),
                "{v}"
            );
        }
        let go_url_parse = |v: &str| {
            gourl::parse(v, &GoSemantics::latest())
                .map(|_| ())
                .map_err(|e| e.reason)
        };
        assert!(go_url_parse("http://p:31x8")
            .unwrap_err()
            .contains("invalid port"));
        assert!(go_url_parse("http://a b:1")
            .unwrap_err()
            .contains("invalid character"));
        assert!(go_url_parse("http://al ice:pw@p:1")
            .unwrap_err()
            .contains("userinfo"));
        // "://p:1" has no scheme; "http://://p:1" parses with an empty host.
        assert_eq!(via("://p:1").unwrap().1, "");
        // A fragment is not checked for control characters; an out-of-range port parses.
        assert!(via("http://p:1#\r").is_ok());
        assert_eq!(via("http://p:99999").unwrap().2, None);
    }

    #[test]
    fn proxy_values_are_read_with_the_diagnosed_gos_url_parse() {
        // Two colons after the host: go 1.26+ takes the port after the first, which is
        // invalid, then reads "http://" + value, whose host is "http"; older go takes the
        // port after the last colon (tests/proxies.rs checks both against real go).
        let env = |v: &'static str| {
            ProxyEnv::from_env(&move |k| (k == "HTTPS_PROXY").then(|| v.to_string()))
        };
        let new = env("http://p:1:3128").with_semantics(GoSemantics::for_version(Some("1.27.3")));
        match new.choose("https", "proxy.golang.org", 443) {
            Choice::Via(p) => assert_eq!((p.host.as_str(), p.port), ("http", Some(80))),
            c => panic!("{c:?}"),
        }
        let old = env("http://p:1:3128").with_semantics(GoSemantics::for_version(Some("1.24.11")));
        match old.choose("https", "proxy.golang.org", 443) {
            Choice::Via(p) => assert_eq!((p.host.as_str(), p.port), ("p:1", Some(3128))),
            c => panic!("{c:?}"),
        }
        // GODEBUG urlstrictcolons=0 restores the old rule in go 1.26+.
        let relaxed = env("http://p:1:3128").with_semantics(
            GoSemantics::for_version(Some("1.27.3")).with_godebug("urlstrictcolons=0"),
        );
        assert!(matches!(
            relaxed.choose("https", "proxy.golang.org", 443),
            Choice::Via(_)
        ));
    }

    #[test]
    fn choices_follow_httpproxy() {
        let e = ProxyEnv::from_env(&|k| match k {
            "HTTPS_PROXY" => Some("http://proxy.corp:3128\r".into()),
            "https_proxy" => Some("http://lower:1".into()),
            _ => None,
        });
        // The upper-case variable wins even when its value is unusable: go goes direct.
        let c = e.choose("https", "proxy.golang.org", 443);
        assert!(
            matches!(c, Choice::Ignored { ref var, .. } if var == "HTTPS_PROXY"),
            "{c:?}"
        );
        let note = c.ignored_note().unwrap();
        assert!(
            note.starts_with("go ignores HTTPS_PROXY=\"http://proxy.corp:3128\\r\": "),
            "{note}"
        );
        assert!(note.ends_with("; it connects directly"), "{note}");
        // An empty upper-case variable falls back to the lower-case one.
        let e = ProxyEnv::from_env(&|k| match k {
            "HTTPS_PROXY" => Some(String::new()),
            "https_proxy" => Some("socks5h://127.0.0.1:9050".into()),
            _ => None,
        });
        match e.choose("https", "proxy.golang.org", 443) {
            Choice::Via(p) => assert_eq!((p.scheme.as_str(), p.port), ("socks5h", Some(9050))),
            c => panic!("{c:?}"),
        }
        assert_eq!(e.choose("https", "localhost", 443), Choice::Direct);
        // CGI: a parsed HTTP_PROXY makes http:// requests fail, before NO_PROXY is looked at.
        let cgi = ProxyEnv {
            http_proxy: "p:1".into(),
            no_proxy: "*".into(),
            cgi: true,
            ..Default::default()
        };
        assert!(matches!(cgi.choose("http", "a.b", 80), Choice::Refused(_)));
        assert_eq!(cgi.choose("https", "a.b", 443), Choice::Direct);
        let cgi_bad = ProxyEnv {
            http_proxy: "p:1\r".into(),
            cgi: true,
            ..Default::default()
        };
        assert!(matches!(
            cgi_bad.choose("http", "a.b", 80),
            Choice::Ignored { .. }
        ));
    }
}
