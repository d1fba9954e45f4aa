//! A minimal HTTP(S) GET client for upstream proxies and the checksum database: hyper 1
//! over tokio (rustls for https), redirects followed, every wait bounded by a timeout.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::body::Incoming;
use hyper::Response;
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use std::time::Duration;
use tokio::io::AsyncWriteExt;

/// Why a GET failed. `NotFound` (404/410) is the one failure a `,` list moves on after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FetchError {
    NotFound(String),
    Other(String),
}

impl FetchError {
    pub fn message(&self) -> &str {
        match self {
            FetchError::NotFound(m) | FetchError::Other(m) => m,
        }
    }
}

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

#[derive(Clone)]
pub struct Client {
    tls: tokio_rustls::TlsConnector,
    pub timeout: Duration,
}

struct Url {
    https: bool,
    host: String,
    port: u16,
    path: String,
}

fn parse_url(u: &str) -> Result<Url, String> {
    let (https, rest) = if let Some(r) = u.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = u.strip_prefix("http://") {
        (false, r)
    } else {
        return Err(format!("unsupported URL {u:?} (http or https only)"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    if authority.contains('@') {
        return Err("credentials in URLs are not supported".into());
    }
    let default = if https { 443 } else { 80 };
    let (host, port) = if let Some(r) = authority.strip_prefix('[') {
        let (h, p) = r.split_once(']').ok_or("malformed IPv6 host")?;
        let port = match p.strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| "malformed port")?,
            None => default,
        };
        (h.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_string(), p.parse().map_err(|_| "malformed port")?),
            None => (authority.to_string(), default),
        }
    };
    if host.is_empty() {
        return Err(format!("no host in URL {u:?}"));
    }
    Ok(Url {
        https,
        host,
        port,
        path: path.to_string(),
    })
}

/// Checks an upstream or database URL without connecting.
pub fn check_url(u: &str) -> Result<(), String> {
    parse_url(u).map(|_| ())
}

impl Client {
    pub fn new(timeout: Duration) -> Client {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut cfg = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
        cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
        Client {
            tls: tokio_rustls::TlsConnector::from(Arc::new(cfg)),
            timeout,
        }
    }

    /// GET with up to 10 redirects; a 200 response with its body still unread.
    pub async fn get(&self, url: &str) -> Result<Response<Incoming>, FetchError> {
        let mut url = url.to_string();
        for _ in 0..=10 {
            let resp = tokio::time::timeout(self.timeout, self.get_once(&url))
                .await
                .map_err(|_| FetchError::Other(format!("{url}: timed out")))??;
            let status = resp.status().as_u16();
            if (300..400).contains(&status) {
                let loc = resp
                    .headers()
                    .get(hyper::header::LOCATION)
                    .and_then(|v| v.to_str().ok())
                    .ok_or_else(|| {
                        FetchError::Other(format!("{url}: redirect without Location"))
                    })?;
                let next = resolve(&url, loc);
                if url.starts_with("https://") && next.starts_with("http://") {
                    return Err(FetchError::Other(format!(
                        "{url}: redirected to insecure URL {next}"
                    )));
                }
                url = next;
                continue;
            }
            return match status {
                200 => Ok(resp),
                404 | 410 => Err(FetchError::NotFound(format!("{url}: {status}"))),
                _ => Err(FetchError::Other(format!("{url}: {status}"))),
            };
        }
        Err(FetchError::Other(format!("{url}: too many redirects")))
    }

    async fn get_once(&self, url: &str) -> Result<Response<Incoming>, FetchError> {
        let other = |e: String| FetchError::Other(format!("{url}: {e}"));
        let u = parse_url(url).map_err(other)?;
        let tcp = tokio::net::TcpStream::connect((u.host.as_str(), u.port))
            .await
            .map_err(|e| other(e.to_string()))?;
        let host_header = if (u.https && u.port == 443) || (!u.https && u.port == 80) {
            u.host.clone()
        } else {
            format!("{}:{}", u.host, u.port)
        };
        let req = hyper::Request::get(u.path.as_str())
            .header(hyper::header::HOST, host_header)
            .header(hyper::header::USER_AGENT, "gomedic-proxy")
            .body(Empty::<Bytes>::new())
            .map_err(|e| other(e.to_string()))?;
        if u.https {
            let name = rustls::pki_types::ServerName::try_from(u.host.clone())
                .map_err(|e| other(e.to_string()))?;
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|e| other(e.to_string()))?;
            send(TokioIo::new(tls), req).await.map_err(other)
        } else {
            send(TokioIo::new(tcp), req).await.map_err(other)
        }
    }

    /// The body of a GET, at most `limit` bytes.
    pub async fn get_bytes(&self, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        let resp = self.get(url).await?;
        let mut body = resp.into_body();
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk(&mut body, url).await? {
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(FetchError::Other(format!("{url}: response too large")));
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }

    /// Streams the body of a GET into `file` (never all in memory); at most `limit` bytes.
    pub async fn get_to_file(
        &self,
        url: &str,
        file: &mut tokio::fs::File,
        limit: u64,
    ) -> Result<u64, FetchError> {
        let resp = self.get(url).await?;
        let mut body = resp.into_body();
        let mut n = 0u64;
        while let Some(chunk) = self.next_chunk(&mut body, url).await? {
            n += chunk.len() as u64;
            if n > limit {
                return Err(FetchError::Other(format!("{url}: response too large")));
            }
            file.write_all(&chunk)
                .await
                .map_err(|e| FetchError::Other(format!("writing cache: {e}")))?;
        }
        file.flush()
            .await
            .map_err(|e| FetchError::Other(format!("writing cache: {e}")))?;
        Ok(n)
    }

    async fn next_chunk(
        &self,
        body: &mut Incoming,
        url: &str,
    ) -> Result<Option<Bytes>, FetchError> {
        loop {
            let frame = tokio::time::timeout(self.timeout, body.frame())
                .await
                .map_err(|_| FetchError::Other(format!("{url}: timed out reading the body")))?;
            match frame {
                None => return Ok(None),
                Some(Err(e)) => return Err(FetchError::Other(format!("{url}: {e}"))),
                Some(Ok(f)) => {
                    if let Ok(d) = f.into_data() {
                        return Ok(Some(d));
                    }
                }
            }
        }
    }
}

async fn send<T>(
    io: TokioIo<T>,
    req: hyper::Request<Empty<Bytes>>,
) -> Result<Response<Incoming>, String>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, conn) = hyper::client::conn::http1::handshake(io)
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    sender.send_request(req).await.map_err(|e| e.to_string())
}

/// A Location header against the URL it came from.
fn resolve(base: &str, loc: &str) -> String {
    if loc.starts_with("http://") || loc.starts_with("https://") {
        return loc.to_string();
    }
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let origin_end = base[scheme_end..]
        .find('/')
        .map(|i| scheme_end + i)
        .unwrap_or(base.len());
    if loc.starts_with('/') {
        format!("{}{loc}", &base[..origin_end])
    } else {
        let dir_end = base
            .rfind('/')
            .filter(|&i| i >= origin_end)
            .unwrap_or(origin_end);
        format!("{}/{loc}", &base[..dir_end])
    }
}
