//! Facts for the `proxy.team` check: which plain-http GOPROXY entries are gomedic
//! proxies (`Server: gomedic-proxy/<version>` on `/healthz`), and how they answer.

use crate::Facts;
use gomedic_goenv::goproxy::ProxyEntry;
use serde::Serialize;
use std::net::IpAddr;
use std::time::Duration;

/// The start of the `Server` header every response of `gomedic proxy serve` carries.
pub const IDENTITY: &str = "gomedic-proxy/";

/// One request, with a small budget: `gomedic check` stays fast.
pub const TIMEOUT: Duration = Duration::from_secs(2);

/// How one GOPROXY entry answered `/healthz`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProxyHealth {
    pub url: String,
    /// The addresses the host resolved to (empty when it did not resolve).
    pub addrs: Vec<IpAddr>,
    pub answer: HealthAnswer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum HealthAnswer {
    /// No HTTP answer: refused, timed out, did not resolve.
    Unreachable { error: String },
    /// An HTTP answer without the gomedic identity: some other server.
    Other,
    /// A gomedic proxy: its `Server` header, `/healthz` status, and the status of
    /// `/sumdb/<name>/supported` (asked when the go command would ask it).
    Gomedic {
        server: String,
        healthz: u16,
        sumdb_supported: Option<u16>,
    },
}

/// Loopback, private (RFC 1918, ULA), link-local, or `localhost`: a proxy on this machine
/// or the local network, not a public service.
pub fn is_local(url: &str, addrs: &[IpAddr]) -> bool {
    let host = url
        .split_once("://")
        .map_or(url, |(_, r)| r)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let local = |ip: &IpAddr| match ip {
        IpAddr::V4(v) => v.is_loopback() || v.is_private() || v.is_link_local(),
        IpAddr::V6(v) => {
            v.is_loopback()
                || (v.segments()[0] & 0xfe00) == 0xfc00
                || (v.segments()[0] & 0xffc0) == 0xfe80
        }
    };
    match host.parse::<IpAddr>() {
        Ok(ip) => local(&ip),
        Err(_) => !addrs.is_empty() && addrs.iter().all(local),
    }
}

impl Facts {
    /// `/healthz` of every plain-http GOPROXY entry (in parallel, once). https entries
    /// are left to `net.goproxy`.
    pub fn proxy_health(&self) -> &[ProxyHealth] {
        self.proxy_health.get_or_init(|| {
            let urls: Vec<String> = match &self.settings().goproxy {
                Ok(list) => list
                    .iter()
                    .filter_map(|e| match e {
                        ProxyEntry::Url { url, .. } if url.starts_with("http://") => {
                            Some(url.clone())
                        }
                        _ => None,
                    })
                    .collect(),
                Err(_) => Vec::new(),
            };
            // The go command asks proxies for the database only without an explicit URL.
            let name = self.sumdb().filter(|s| !s.explicit).map(|s| s.name);
            self.gather.proxy_health(&urls, name.as_deref(), TIMEOUT)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_addresses() {
        assert!(is_local("http://127.0.0.1:3000", &[]));
        assert!(is_local("http://[::1]:3000/x", &[]));
        assert!(is_local("http://localhost:3000", &[]));
        assert!(is_local("http://10.1.2.3", &[]));
        assert!(is_local("http://192.168.0.7:80", &[]));
        assert!(is_local(
            "http://goproxy.lan:3000",
            &["172.16.0.2".parse().unwrap()]
        ));
        assert!(!is_local("http://goproxy.lan:3000", &[]));
        assert!(!is_local("http://8.8.8.8", &[]));
        assert!(!is_local(
            "http://proxy.example:80",
            &[
                "93.184.216.34".parse().unwrap(),
                "10.0.0.1".parse().unwrap()
            ]
        ));
    }
}
