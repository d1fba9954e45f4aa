//! The HTTP wire pieces of a probe: a one-connection HTTP/1.1 or HTTP/2 client, the
//! response head of a CONNECT, and Basic credentials as the go command sends them.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite};

/// The `Proxy-Authorization` header line for a proxy URL with userinfo, else nothing.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) fn proxy_auth(proxy_url: &str) -> String {
    basic_auth(proxy_url)
        .map(|b| format!("Proxy-Authorization: {b}\r\n"))
        .unwrap_or_default()
}

/// `Basic ...` for a URL with userinfo.
pub(crate) fn basic_auth(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next().unwrap_or("");
    let (userinfo, _) = authority.rsplit_once('@')?;
    Some(basic(&percent_decode(userinfo)))
}

pub(crate) fn basic(user_colon_password: &[u8]) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(user_colon_password)
    )
}

/// Decodes %XX escapes; anything else (including a stray `%`) stays as it is.
fn percent_decode(s: &str) -> Vec<u8> {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(hi), Some(lo)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push(hi << 4 | lo);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// Reads an HTTP/1.x response head and returns its status code.
pub(crate) async fn read_status<S: AsyncRead + Unpin>(s: &mut S) -> std::io::Result<u16> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if buf.len() > 16 * 1024 {
            return Err(std::io::Error::other("response head too large"));
        }
        if s.read(&mut byte).await? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the proxy closed the connection",
            ));
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf);
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| {
            std::io::Error::other(format!(
                "not an HTTP response: {:?}",
                head.lines().next().unwrap_or("")
            ))
        })?;
    Ok(code)
}

/// What a GET brought back: the status, the headers a probe judges, and the start of the body.
#[derive(Debug, Clone, Default)]
pub(crate) struct Resp {
    pub(crate) code: u16,
    pub(crate) content_type: Option<String>,
    pub(crate) location: Option<String>,
    /// At most [`BODY_KEEP`] bytes.
    pub(crate) body: Vec<u8>,
}

/// How much of a body is kept for judging it.
pub(crate) const BODY_KEEP: usize = 64 * 1024;

/// A one-connection HTTP/1.1 or HTTP/2 client.
pub(crate) enum Client {
    H1(hyper::client::conn::http1::SendRequest<http_body_util::Empty<hyper::body::Bytes>>),
    H2(hyper::client::conn::http2::SendRequest<http_body_util::Empty<hyper::body::Bytes>>),
}

impl Client {
    pub(crate) async fn handshake<S>(io: S, h2: bool) -> Result<Client, String>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let io = hyper_util::rt::TokioIo::new(io);
        if h2 {
            let (send, conn) =
                hyper::client::conn::http2::handshake(hyper_util::rt::TokioExecutor::new(), io)
                    .await
                    .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            Ok(Client::H2(send))
        } else {
            let (send, conn) = hyper::client::conn::http1::handshake(io)
                .await
                .map_err(|e| e.to_string())?;
            tokio::spawn(conn);
            Ok(Client::H1(send))
        }
    }

    pub(crate) async fn get(
        &mut self,
        scheme: &str,
        authority: &str,
        path: &str,
        auth: Option<&str>,
        proxy_auth: Option<&str>,
    ) -> Result<Resp, String> {
        use http_body_util::BodyExt;
        let ua = concat!("gomedic/", env!("CARGO_PKG_VERSION"));
        let resp = match self {
            Client::H1(s) => {
                s.ready().await.map_err(|e| e.to_string())?;
                let mut req = hyper::Request::get(path)
                    .header("host", authority)
                    .header("user-agent", ua);
                if let Some(a) = auth {
                    req = req.header("authorization", a);
                }
                if let Some(a) = proxy_auth {
                    req = req.header("proxy-authorization", a);
                }
                let req = req
                    .body(http_body_util::Empty::new())
                    .map_err(|e| e.to_string())?;
                s.send_request(req).await
            }
            Client::H2(s) => {
                s.ready().await.map_err(|e| e.to_string())?;
                let uri = format!("{scheme}://{authority}{path}");
                let mut req = hyper::Request::get(uri).header("user-agent", ua);
                if let Some(a) = auth {
                    req = req.header("authorization", a);
                }
                let req = req
                    .body(http_body_util::Empty::new())
                    .map_err(|e| e.to_string())?;
                s.send_request(req).await
            }
        }
        .map_err(|e| e.to_string())?;
        let code = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let content_type = header("content-type");
        let location = header("location");
        // Drain (bounded) so the connection can carry the next request; keep the start.
        let mut body = resp.into_body();
        let mut read = 0usize;
        let mut kept = Vec::new();
        while let Some(frame) = body.frame().await {
            match frame {
                Ok(f) => {
                    if let Some(d) = f.data_ref() {
                        read += d.len();
                        let room = BODY_KEEP.saturating_sub(kept.len());
                        kept.extend_from_slice(&d[..d.len().min(room)]);
                    }
                    if read > 1 << 20 {
                        break;
                    }
                }
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(Resp {
            code,
            content_type,
            location,
            body: kept,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn proxy_auth_header() {
        assert_eq!(
            proxy_auth("http://alice:p%40ss@p:1"),
            "Proxy-Authorization: Basic YWxpY2U6cEBzcw==\r\n"
        );
        assert_eq!(proxy_auth("http://p:1"), "");
    }
    #[test]
    fn percent_decode_never_splits_characters() {
        // A `%` before a multi-byte character used to slice inside it and panic.
        assert_eq!(percent_decode("%aé"), "%aé".as_bytes());
        assert_eq!(percent_decode("p%40ss%"), b"p@ss%");
        assert_eq!(percent_decode("%zz%41"), b"%zzA");
    }
}
