//! Name resolution for probes: explicit overrides (`--resolve`), the hosts file (where
//! "DNS fixes" and malware both plant entries), then the system resolver.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

/// `HOST:PORT:ADDR` where ADDR is an IP, or `IP:PORT` / `[IPv6]:PORT` to also change the port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Override {
    pub host: String,
    pub port: u16,
    pub addr: SocketAddr,
}

impl std::str::FromStr for Override {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("--resolve {s:?}: want HOST:PORT:ADDR (ADDR is an IP, or IP:PORT)");
        let (host, rest) = s.split_once(':').ok_or_else(bad)?;
        let (port, addr) = rest.split_once(':').ok_or_else(bad)?;
        let port: u16 = port.parse().map_err(|_| bad())?;
        if host.is_empty() {
            return Err(bad());
        }
        let addr: SocketAddr = match addr.parse::<IpAddr>() {
            Ok(ip) => SocketAddr::new(ip, port),
            Err(_) => addr.parse().map_err(|_| bad())?,
        };
        Ok(Override {
            host: host.to_ascii_lowercase(),
            port,
            addr,
        })
    }
}

/// The platform's hosts file.
pub fn default_hosts_file() -> PathBuf {
    if cfg!(windows) {
        let root = std::env::var("SystemRoot").unwrap_or_else(|_| "C:\\Windows".into());
        Path::new(&root).join("System32\\drivers\\etc\\hosts")
    } else {
        PathBuf::from("/etc/hosts")
    }
}

/// Addresses the hosts file gives `host`, with the line number.
pub fn hosts_lookup(text: &str, host: &str) -> Option<(Vec<IpAddr>, usize)> {
    let host = host.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut first_line = 0;
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("");
        let mut words = line.split_whitespace();
        let Some(ip) = words.next().and_then(|w| w.parse::<IpAddr>().ok()) else {
            continue;
        };
        if words.any(|w| w.eq_ignore_ascii_case(&host)) {
            if found.is_empty() {
                first_line = i + 1;
            }
            found.push(ip);
        }
    }
    (!found.is_empty()).then_some((found, first_line))
}

/// Why an answer for one of go's own public hosts (`GO_PUBLIC_HOSTS`) is suspicious, if
/// it is. Any other name may be a company's own: split-horizon DNS giving it a private
/// address is the normal corporate setup, not a sign of poisoning.
pub fn suspicious(host: &str, ip: IpAddr) -> Option<&'static str> {
    if is_internal_name(host) || !gomedic_core::net::is_go_public_host(host) {
        return None;
    }
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            if v4.is_loopback() {
                Some("loopback")
            } else if v4.is_private() {
                Some("private")
            } else if v4.is_link_local() {
                Some("link-local")
            } else if v4.is_unspecified() || o[0] == 0 {
                Some("unspecified")
            } else if o[0] >= 240 || v4.is_broadcast() {
                Some("reserved")
            } else if o[0] == 100 && (64..128).contains(&o[1]) {
                Some("carrier-grade NAT")
            } else if o[0] == 198 && (o[1] == 18 || o[1] == 19) {
                Some("benchmark range")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            if v6.is_loopback() {
                Some("loopback")
            } else if v6.is_unspecified() {
                Some("unspecified")
            } else if s[0] & 0xfe00 == 0xfc00 {
                Some("private (ULA)")
            } else if s[0] & 0xffc0 == 0xfe80 {
                Some("link-local")
            } else if let Some(v4) = v6.to_ipv4_mapped() {
                suspicious(host, IpAddr::V4(v4))
            } else {
                None
            }
        }
    }
}

/// Names that legitimately resolve to private addresses.
fn is_internal_name(host: &str) -> bool {
    let h = host.to_ascii_lowercase();
    !h.contains('.')
        || h.parse::<IpAddr>().is_ok()
        || [
            ".local",
            ".localhost",
            ".internal",
            ".lan",
            ".home",
            ".corp",
            ".intranet",
            ".home.arpa",
            ".test",
        ]
        .iter()
        .any(|s| h.ends_with(s))
        || h == "localhost"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse() {
        let o: Override = "proxy.golang.org:443:127.0.0.1".parse().unwrap();
        assert_eq!(o.addr, "127.0.0.1:443".parse().unwrap());
        let o: Override = "proxy.golang.org:443:127.0.0.1:8443".parse().unwrap();
        assert_eq!(o.addr, "127.0.0.1:8443".parse().unwrap());
        let o: Override = "h:443:[::1]:9".parse().unwrap();
        assert_eq!(o.addr, "[::1]:9".parse().unwrap());
        assert!("h:x:1.2.3.4".parse::<Override>().is_err());
        assert!("h:443".parse::<Override>().is_err());
        assert!(":443:1.2.3.4".parse::<Override>().is_err());
    }

    #[test]
    fn hosts_and_suspicion() {
        let text = "127.0.0.1 localhost\n# comment\n10.0.0.5  proxy.golang.org  # accelerator\n::1 ip6-localhost\n";
        let (ips, line) = hosts_lookup(text, "PROXY.golang.org").unwrap();
        assert_eq!((ips[0].to_string().as_str(), line), ("10.0.0.5", 3));
        assert!(hosts_lookup(text, "sum.golang.org").is_none());
        assert_eq!(
            suspicious("proxy.golang.org", "127.0.0.1".parse().unwrap()),
            Some("loopback")
        );
        assert_eq!(
            suspicious("proxy.golang.org", "0.0.0.0".parse().unwrap()),
            Some("unspecified")
        );
        assert_eq!(
            suspicious("proxy.golang.org", "142.250.1.1".parse().unwrap()),
            None
        );
        assert_eq!(
            suspicious("goproxy.corp", "10.1.1.1".parse().unwrap()),
            None
        );
        assert_eq!(suspicious("athens", "10.1.1.1".parse().unwrap()), None);
        assert_eq!(
            suspicious("sum.golang.org", "::ffff:127.0.0.1".parse().unwrap()),
            Some("loopback")
        );
        assert_eq!(
            suspicious("DL.google.com.", "192.168.1.1".parse().unwrap()),
            Some("private")
        );
        // Split-horizon DNS: a company's public-looking name with a private address.
        assert_eq!(
            suspicious("goproxy.corp.example.com", "10.1.1.1".parse().unwrap()),
            None
        );
        assert_eq!(
            suspicious("x.example.com", "::ffff:127.0.0.1".parse().unwrap()),
            None
        );
    }
}
