//! The `proxy.team` probe: one plain-http `GET /healthz` per GOPROXY entry, straight
//! to the host (as the go command connects to loopback; an HTTP_PROXY is not used), and
//! `/sumdb/<name>/supported` of the entries that say they are gomedic proxies.

use gomedic_facts::proxy::{HealthAnswer, ProxyHealth, IDENTITY};
use std::io::{Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Probes every URL on its own thread; returns within about `timeout`.
pub fn probe_all(urls: &[String], sumdb_name: Option<&str>, timeout: Duration) -> Vec<ProxyHealth> {
    std::thread::scope(|s| {
        let handles: Vec<_> = urls
            .iter()
            .map(|u| s.spawn(move || probe(u, sumdb_name, timeout)))
            .collect();
        handles
            .into_iter()
            .zip(urls)
            .map(|(h, u)| {
                h.join().unwrap_or_else(|_| ProxyHealth {
                    url: u.clone(),
                    addrs: Vec::new(),
                    answer: HealthAnswer::Unreachable {
                        error: "probe failed".into(),
                    },
                })
            })
            .collect()
    })
}

fn probe(url: &str, sumdb_name: Option<&str>, timeout: Duration) -> ProxyHealth {
    let started = Instant::now();
    let mut out = ProxyHealth {
        url: url.to_string(),
        addrs: Vec::new(),
        answer: HealthAnswer::Other,
    };
    let Some((hostport, base)) = split(url) else {
        out.answer = HealthAnswer::Unreachable {
            error: "not an http:// URL".into(),
        };
        return out;
    };
    let addrs: Vec<SocketAddr> = match hostport.to_socket_addrs() {
        Ok(a) => a.collect(),
        Err(e) => {
            out.answer = HealthAnswer::Unreachable {
                error: format!("cannot resolve {hostport}: {e}"),
            };
            return out;
        }
    };
    out.addrs = addrs.iter().map(|a| a.ip()).collect::<Vec<IpAddr>>();
    let left = || {
        timeout
            .saturating_sub(started.elapsed())
            .max(Duration::from_millis(50))
    };
    let (status, server) = match get(&addrs, &hostport, &format!("{base}/healthz"), left()) {
        Ok(x) => x,
        Err(e) => {
            out.answer = HealthAnswer::Unreachable { error: e };
            return out;
        }
    };
    let Some(server) = server.filter(|s| s.starts_with(IDENTITY)) else {
        return out;
    };
    let sumdb_supported = sumdb_name.and_then(|n| {
        get(
            &addrs,
            &hostport,
            &format!("{base}/sumdb/{n}/supported"),
            left(),
        )
        .ok()
        .map(|(s, _)| s)
    });
    out.answer = HealthAnswer::Gomedic {
        server,
        healthz: status,
        sumdb_supported,
    };
    out
}

/// `host:port` (port 80 by default) and the path prefix without a trailing slash.
fn split(url: &str) -> Option<(String, String)> {
    let rest = url.strip_prefix("http://")?;
    let (auth, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let auth = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    if auth.is_empty() {
        return None;
    }
    let has_port = match auth.strip_prefix('[') {
        Some(v6) => v6.contains("]:"),
        None => auth.contains(':'),
    };
    let hostport = if has_port {
        auth.to_string()
    } else {
        format!("{auth}:80")
    };
    Some((hostport, path.trim_end_matches('/').to_string()))
}

/// Status and `Server` header of one GET, trying each address until one connects.
fn get(
    addrs: &[SocketAddr],
    host: &str,
    path: &str,
    timeout: Duration,
) -> Result<(u16, Option<String>), String> {
    let mut last = format!("{host}: no address");
    for a in addrs {
        let mut c = match TcpStream::connect_timeout(a, timeout) {
            Ok(c) => c,
            Err(e) => {
                last = format!("{a}: {e}");
                continue;
            }
        };
        let _ = c.set_read_timeout(Some(timeout));
        let _ = c.set_write_timeout(Some(timeout));
        let req = format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nUser-Agent: gomedic\r\nConnection: close\r\n\r\n"
        );
        c.write_all(req.as_bytes())
            .map_err(|e| format!("{a}: {e}"))?;
        let mut buf = Vec::new();
        let mut chunk = [0u8; 2048];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 << 10 {
            match c.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
                Err(e) => return Err(format!("{a}: {e}")),
            }
        }
        return parse_head(&buf).ok_or_else(|| format!("{a}: not an HTTP answer"));
    }
    Err(last)
}

fn parse_head(buf: &[u8]) -> Option<(u16, Option<String>)> {
    let text = String::from_utf8_lossy(buf);
    let mut lines = text.split("\r\n");
    let status = lines
        .next()?
        .strip_prefix("HTTP/1.")?
        .split(' ')
        .nth(1)?
        .parse()
        .ok()?;
    let server = lines
        .take_while(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("server"))
        .map(|(_, v)| v.trim().to_string());
    Some((status, server))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_heads() {
        assert_eq!(
            split("http://127.0.0.1:3000/"),
            Some(("127.0.0.1:3000".into(), "".into()))
        );
        assert_eq!(
            split("http://u:p@goproxy.lan/base/"),
            Some(("goproxy.lan:80".into(), "/base".into()))
        );
        assert_eq!(split("http://[::1]/"), Some(("[::1]:80".into(), "".into())));
        assert_eq!(split("https://x"), None);
        assert_eq!(
            parse_head(b"HTTP/1.1 503 X\r\nserver: gomedic-proxy/1.2.3\r\n\r\n"),
            Some((503, Some("gomedic-proxy/1.2.3".into())))
        );
        assert_eq!(parse_head(b"SSH-2.0-OpenSSH\r\n"), None);
    }
}
