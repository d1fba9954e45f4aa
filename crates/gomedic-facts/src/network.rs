//! Network facts: which endpoints matter (the configured proxies and checksum database
//! first, then the well-known ones) and their layered probe reports, gathered once.

use crate::Facts;
use gomedic_core::net::{EndpointKind, EndpointReport};
use gomedic_goenv::goproxy::{ProxyEntry, SumDb};

/// Well-known public module proxies (mirrors) gomedic considers for `net.mirror`.
pub const MIRRORS: &[&str] = &[
    "https://proxy.golang.org",
    "https://goproxy.cn",
    "https://goproxy.io",
    "https://mirrors.aliyun.com/goproxy/",
];
/// Checksum database endpoints: the default and its official mirror.
pub const SUMDBS: &[&str] = &["https://sum.golang.org", "https://sum.golang.google.cn"];
/// Other hosts the go command needs: toolchain downloads and module zips.
pub const HOSTS: &[&str] = &[
    "https://storage.googleapis.com",
    "https://go.dev",
    "https://dl.google.com",
];

/// A URL without its trailing slashes, for comparing endpoints.
pub fn norm(u: &str) -> String {
    u.trim_end_matches('/').to_string()
}

/// The effective checksum database, if verification is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumdbConf {
    pub name: String,
    pub url: String,
    /// An explicit URL (or the sum.golang.google.cn alias): go bypasses the proxies.
    pub explicit: bool,
}

impl Facts {
    /// The http(s) entries of the effective GOPROXY, in order.
    pub fn goproxy_urls(&self) -> Vec<String> {
        match &self.settings().goproxy {
            Ok(list) => list
                .iter()
                .filter_map(|e| match e {
                    ProxyEntry::Url { url, .. } if url.starts_with("http") => Some(url.clone()),
                    _ => None,
                })
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The checksum database in effect, if verification is on and GOSUMDB parses.
    pub fn sumdb(&self) -> Option<SumdbConf> {
        match &self.settings().gosumdb {
            Ok(SumDb::On {
                name,
                url,
                explicit_url,
                ..
            }) => Some(SumdbConf {
                name: name.clone(),
                url: url.clone(),
                explicit: *explicit_url,
            }),
            _ => None,
        }
    }

    /// Every target, deduplicated: configured proxies and sumdb first, then the well-known ones.
    pub fn net_targets(&self) -> Vec<(String, EndpointKind)> {
        let mut out: Vec<(String, EndpointKind)> = Vec::new();
        let mut push = |u: &str, k: EndpointKind| {
            let n = norm(u);
            if !out.iter().any(|(x, _)| norm(x) == n) {
                out.push((u.to_string(), k));
            }
        };
        for u in self.goproxy_urls() {
            push(&u, EndpointKind::Proxy);
        }
        if let Some(sd) = self.sumdb() {
            push(&sd.url, EndpointKind::SumDb);
        }
        for u in MIRRORS {
            push(u, EndpointKind::Proxy);
        }
        for u in SUMDBS {
            push(u, EndpointKind::SumDb);
        }
        for u in HOSTS {
            push(u, EndpointKind::Host);
        }
        out
    }

    /// The go release whose credential rules the probes follow (`major.minor`).
    pub fn net_go_version(&self) -> Option<(u32, u32)> {
        self.settings()
            .route
            .semantics
            .version
            .clone()
            .or_else(|| self.running_version())
            .map(|v| (v.major, v.minor))
    }

    /// Probes of every target in [`Facts::net_targets`], once.
    pub fn net_reports(&self) -> &[EndpointReport] {
        self.net.get_or_init(|| {
            let targets = self.net_targets();
            let name = self
                .sumdb()
                .map(|s| s.name)
                .unwrap_or_else(|| "sum.golang.org".into());
            self.gather
                .net_probe(&targets, &self.env, &name, self.net_go_version())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every well-known endpoint's host is judged as one of go's public hosts by the
    /// probes (DNS suspicion, TLS interception), and nothing else is.
    #[test]
    fn well_known_hosts_are_the_public_hosts_of_the_probes() {
        let mut hosts: Vec<String> = MIRRORS
            .iter()
            .chain(SUMDBS)
            .chain(HOSTS)
            .map(|u| {
                let rest = u.strip_prefix("https://").expect("https URL");
                rest.split('/').next().unwrap().to_string()
            })
            .collect();
        hosts.sort();
        hosts.dedup();
        let mut public: Vec<String> = gomedic_core::net::GO_PUBLIC_HOSTS
            .iter()
            .map(|h| h.to_string())
            .collect();
        public.sort();
        assert_eq!(hosts, public);
    }
}
