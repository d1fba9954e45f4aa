//! The SOCKS5 client handshake (RFC 1928, RFC 1929) as the go command performs it for
//! `socks5://` and `socks5h://` proxies: no authentication, or user name and password
//! when the proxy URL has userinfo; the destination is sent as a name unless it is an IP
//! literal, so the proxy resolves it, for both schemes.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Why a SOCKS5 handshake failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SocksError {
    /// The proxy wants authentication that was not offered (no credentials in the URL).
    AuthRequired,
    /// The proxy rejected the user name and password.
    AuthRejected,
    /// The proxy could not or would not connect to the destination (reply code and text).
    ConnectFailed(u8, String),
    /// Anything else: a protocol error, a closed connection, a bad credential length.
    Other(String),
}

impl std::fmt::Display for SocksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SocksError::AuthRequired => {
                f.write_str("the SOCKS5 proxy accepts none of the offered authentication methods")
            }
            SocksError::AuthRejected => f.write_str("username/password authentication failed"),
            SocksError::ConnectFailed(_, why) => write!(f, "the SOCKS5 proxy answered: {why}"),
            SocksError::Other(e) => f.write_str(e),
        }
    }
}

fn io_err(e: std::io::Error) -> SocksError {
    SocksError::Other(e.to_string())
}

fn reply_text(code: u8) -> String {
    match code {
        1 => "general SOCKS server failure".into(),
        2 => "connection not allowed by ruleset".into(),
        3 => "network unreachable".into(),
        4 => "host unreachable".into(),
        5 => "connection refused".into(),
        6 => "TTL expired".into(),
        7 => "command not supported".into(),
        8 => "address type not supported".into(),
        c => format!("unknown code {c}"),
    }
}

/// Asks the proxy on `io` to CONNECT to `host:port`.
pub(crate) async fn connect<S: AsyncRead + AsyncWrite + Unpin>(
    io: &mut S,
    host: &str,
    port: u16,
    user: Option<(&str, &str)>,
) -> Result<(), SocksError> {
    // Greeting: with credentials go offers "none" and "username/password".
    let greeting: &[u8] = if user.is_some() {
        &[5, 2, 0, 2]
    } else {
        &[5, 1, 0]
    };
    io.write_all(greeting).await.map_err(io_err)?;
    let mut b = [0u8; 2];
    io.read_exact(&mut b).await.map_err(io_err)?;
    if b[0] != 5 {
        return Err(SocksError::Other(format!(
            "unexpected protocol version {}",
            b[0]
        )));
    }
    match (b[1], user) {
        (0, _) => {}
        (2, Some((u, p))) => {
            if u.is_empty() || u.len() > 255 || p.len() > 255 {
                return Err(SocksError::Other("invalid username/password".into()));
            }
            let mut req = vec![1, u.len() as u8];
            req.extend_from_slice(u.as_bytes());
            req.push(p.len() as u8);
            req.extend_from_slice(p.as_bytes());
            io.write_all(&req).await.map_err(io_err)?;
            io.read_exact(&mut b).await.map_err(io_err)?;
            if b[0] != 1 || b[1] != 0 {
                return Err(SocksError::AuthRejected);
            }
        }
        (0xff, _) | (2, None) => return Err(SocksError::AuthRequired),
        (m, _) => {
            return Err(SocksError::Other(format!(
                "the SOCKS5 proxy chose unsupported authentication method {m}"
            )))
        }
    }
    let mut req = vec![5, 1, 0];
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            req.push(1);
            req.extend_from_slice(&ip.octets());
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            req.push(4);
            req.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            if host.len() > 255 {
                return Err(SocksError::Other("FQDN too long".into()));
            }
            req.push(3);
            req.push(host.len() as u8);
            req.extend_from_slice(host.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    io.write_all(&req).await.map_err(io_err)?;
    let mut head = [0u8; 4];
    io.read_exact(&mut head).await.map_err(io_err)?;
    if head[0] != 5 {
        return Err(SocksError::Other(format!(
            "unexpected protocol version {}",
            head[0]
        )));
    }
    if head[1] != 0 {
        return Err(SocksError::ConnectFailed(head[1], reply_text(head[1])));
    }
    // The bound address, which nobody needs.
    let len = match head[3] {
        1 => 4,
        4 => 16,
        3 => {
            let mut l = [0u8; 1];
            io.read_exact(&mut l).await.map_err(io_err)?;
            l[0] as usize
        }
        t => return Err(SocksError::Other(format!("unknown address type {t}"))),
    };
    let mut rest = vec![0u8; len + 2];
    io.read_exact(&mut rest).await.map_err(io_err)?;
    Ok(())
}
