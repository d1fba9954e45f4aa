//! Which HTTP proxy the go command uses for a URL: golang.org/x/net/http/httpproxy rules
//! (HTTPS_PROXY / HTTP_PROXY / NO_PROXY, upper case first; never for localhost or
//! loopback; ALL_PROXY and OS proxy settings are ignored).

use std::net::IpAddr;

/// The proxy variables as the go command reads them.
#[derive(Debug, Clone, Default)]
pub struct ProxyEnv {
    pub https_proxy: String,
    pub http_proxy: String,
    pub no_proxy: String,
    /// CGI: HTTP_PROXY is ignored when REQUEST_METHOD is set.
    pub cgi: bool,
}

impl ProxyEnv {
    pub fn from_env(getenv: &dyn Fn(&str) -> Option<String>) -> ProxyEnv {
        let any = |a: &str, b: &str| {
            getenv(a)
                .filter(|v| !v.is_empty())
                .or_else(|| getenv(b))
                .unwrap_or_default()
        };
        ProxyEnv {
            https_proxy: any("HTTPS_PROXY", "https_proxy"),
            http_proxy: any("HTTP_PROXY", "http_proxy"),
            no_proxy: any("NO_PROXY", "no_proxy"),
            cgi: getenv("REQUEST_METHOD").is_some_and(|v| !v.is_empty()),
        }
    }

    /// The proxy URL for a request to `scheme://host:port`, normalised with a scheme.
    pub fn proxy_for(&self, scheme: &str, host: &str, port: u16) -> Option<String> {
        let raw = match scheme {
            "https" => &self.https_proxy,
            "http" if !self.cgi => &self.http_proxy,
            _ => return None,
        };
        if raw.is_empty() || !self.use_proxy(host, port) {
            return None;
        }
        Some(if raw.contains("://") {
            raw.clone()
        } else {
            format!("http://{raw}")
        })
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
            cgi: false,
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
}
