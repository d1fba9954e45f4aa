//! Loopback servers that behave like each network failure gomedic diagnoses, and the
//! certificate authorities to go with them. Test-only: never a normal dependency.

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A certificate authority made for one test.
pub struct TestCa {
    pub cert_pem: String,
    pub cert_der: CertificateDer<'static>,
    cert: rcgen::Certificate,
    key: rcgen::KeyPair,
}

impl TestCa {
    pub fn new(common_name: &str) -> TestCa {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut p = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
        p.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        p.distinguished_name
            .push(rcgen::DnType::CommonName, common_name);
        p.key_usages = vec![
            rcgen::KeyUsagePurpose::KeyCertSign,
            rcgen::KeyUsagePurpose::CrlSign,
        ];
        let cert = p.self_signed(&key).expect("self-signed");
        TestCa {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            cert,
            key,
        }
    }

    /// A leaf certificate for `names`, signed by this CA: (chain, key).
    pub fn leaf(&self, names: &[&str]) -> (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>) {
        let key = rcgen::KeyPair::generate().expect("key");
        let mut p =
            rcgen::CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("params");
        p.distinguished_name
            .push(rcgen::DnType::CommonName, names[0]);
        let cert = p.signed_by(&key, &self.cert, &self.key).expect("signed");
        (
            vec![cert.der().clone(), self.cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }
}

/// How a TLS server behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behavior {
    /// Serves the GOPROXY and sumdb endpoints gomedic probes (HTTP/2 and HTTP/1.1).
    Healthy,
    /// Like Healthy but without `/sumdb/.../supported` (a proxy that does not proxy sumdb).
    NoSumdb,
    /// Like Healthy but answers 401 unless `Authorization` equals this value.
    RequireAuth(&'static str),
    /// Like Healthy but every request gets this status.
    Status(u16),
    /// A block page or captive portal: `200` with the same HTML page for every path.
    BlockPage,
    /// Every request gets `302` to this prefix followed by the request's path.
    RedirectTo(&'static str),
    /// Every request gets `302` back to its own path (a redirect loop).
    RedirectLoop,
    /// Reads the ClientHello, then resets the connection (SNI blocking).
    ResetAfterHello,
    /// Accepts TCP and never sends a byte.
    Silent,
}

/// A server running on its own thread until the test process ends.
pub struct Server {
    pub addr: SocketAddr,
}

fn spawn_thread<F, Fut>(make: F) -> SocketAddr
where
    F: FnOnce(TcpListener) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            tx.send(l.local_addr().expect("addr")).expect("send");
            make(l).await;
        });
    });
    rx.recv().expect("server started")
}

/// A TLS server for `names` with a leaf from `ca`.
pub fn tls_server(ca: &TestCa, names: &[&str], behavior: Behavior) -> Server {
    let (chain, key) = ca.leaf(names);
    let mut cfg = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .expect("cert");
    cfg.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
    let addr = spawn_thread(move |l| async move {
        loop {
            let Ok((tcp, _)) = l.accept().await else {
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                match behavior {
                    Behavior::Silent => {
                        let _keep = tcp;
                        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
                    }
                    Behavior::ResetAfterHello => {
                        let mut tcp = tcp;
                        let mut buf = [0u8; 512];
                        let _ = tcp.read(&mut buf).await;
                        // Zero linger: close sends RST instead of FIN.
                        let _ = socket2::SockRef::from(&tcp)
                            .set_linger(Some(std::time::Duration::ZERO));
                        drop(tcp);
                    }
                    Behavior::Healthy
                    | Behavior::NoSumdb
                    | Behavior::RequireAuth(_)
                    | Behavior::Status(_)
                    | Behavior::BlockPage
                    | Behavior::RedirectTo(_)
                    | Behavior::RedirectLoop => {
                        if let Ok(tls) = acceptor.accept(tcp).await {
                            serve_http(tls, behavior).await;
                        }
                    }
                }
            });
        }
    });
    Server { addr }
}

/// A plain-HTTP GOPROXY-protocol server (for `http://127.0.0.1` proxies).
pub fn http_server(behavior: Behavior) -> Server {
    let addr = spawn_thread(move |l| async move {
        loop {
            let Ok((tcp, _)) = l.accept().await else {
                continue;
            };
            tokio::spawn(serve_http(tcp, behavior));
        }
    });
    Server { addr }
}

/// What [`Behavior::BlockPage`] serves.
pub const BLOCK_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Access denied</title></head>\n<body><h1>Access denied</h1><p>This site is blocked by your network administrator.</p></body></html>\n";

async fn serve_http<S>(io: S, behavior: Behavior)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let svc = hyper::service::service_fn(
        move |req: hyper::Request<hyper::body::Incoming>| async move {
            let path = req.uri().path().to_string();
            let authorized = match behavior {
                Behavior::RequireAuth(want) => {
                    req.headers()
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        == Some(want)
                }
                _ => true,
            };
            let location = match behavior {
                Behavior::RedirectTo(prefix) => Some(format!("{prefix}{path}")),
                Behavior::RedirectLoop => Some(path.clone()),
                _ => None,
            };
            if let Some(loc) = location {
                return Ok(hyper::Response::builder()
                    .status(302)
                    .header("location", loc)
                    .body(http_body_util::Full::new(hyper::body::Bytes::new()))
                    .expect("response"));
            }
            if behavior == Behavior::BlockPage {
                return Ok(hyper::Response::builder()
                    .status(200)
                    .header("content-type", "text/html; charset=utf-8")
                    .body(http_body_util::Full::new(hyper::body::Bytes::from(
                        BLOCK_PAGE,
                    )))
                    .expect("response"));
            }
            let (code, body) = match behavior {
                _ if !authorized => (401, String::new()),
                Behavior::Status(c) => (c, String::new()),
                Behavior::NoSumdb if path.ends_with("/supported") => (404, String::new()),
                _ if path.ends_with("/@v/list") => (200, "v0.3.0\nv0.14.0\n".to_string()),
                _ if path.ends_with("/@latest") => (200, "{\"Version\":\"v0.14.0\"}".to_string()),
                _ if path.ends_with("/supported") => (200, String::new()),
                _ if path.ends_with("/latest") => (
                    200,
                    "go.sum database tree\n1\nAAAA\n\n— test sig\n".to_string(),
                ),
                _ if path == "/" => (200, "ok\n".to_string()),
                _ => (404, "not found\n".to_string()),
            };
            Ok::<_, std::convert::Infallible>(
                hyper::Response::builder()
                    .status(code)
                    .body(http_body_util::Full::new(hyper::body::Bytes::from(body)))
                    .expect("response"),
            )
        },
    );
    let _ = hyper_util::server::conn::auto::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(io), svc)
        .await;
}

/// How an HTTP CONNECT proxy behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyBehavior {
    /// Answers 407 Proxy Authentication Required.
    AuthRequired,
    /// Answers this status to CONNECT.
    Status(u16),
    /// Tunnels every CONNECT to this address (whatever host was asked for), requiring
    /// `Proxy-Authorization` to equal the given header value when one is given.
    Tunnel(SocketAddr, Option<&'static str>),
}

/// An HTTP CONNECT proxy on loopback.
pub fn connect_proxy(behavior: ProxyBehavior) -> Server {
    let addr = spawn_thread(move |l| async move {
        loop {
            let Ok((mut tcp, _)) = l.accept().await else {
                continue;
            };
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut b = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    match tcp.read(&mut b).await {
                        Ok(1) => head.push(b[0]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).to_string();
                match behavior {
                    ProxyBehavior::AuthRequired => {
                        let _ = tcp.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\n\r\n").await;
                    }
                    ProxyBehavior::Status(c) => {
                        let _ = tcp
                            .write_all(
                                format!("HTTP/1.1 {c} Nope\r\nContent-Length: 0\r\n\r\n")
                                    .as_bytes(),
                            )
                            .await;
                    }
                    ProxyBehavior::Tunnel(to, auth) => {
                        if let Some(want) = auth {
                            let ok = head.lines().any(|l| {
                                l.to_ascii_lowercase().starts_with("proxy-authorization:")
                                    && l.split_once(':').map(|x| x.1.trim()) == Some(want)
                            });
                            if !ok {
                                let _ = tcp.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n").await;
                                return;
                            }
                        }
                        let Ok(mut up) = TcpStream::connect(to).await else {
                            return;
                        };
                        let _ = tcp
                            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                            .await;
                        let _ = tokio::io::copy_bidirectional(&mut tcp, &mut up).await;
                    }
                }
            });
        }
    });
    Server { addr }
}

/// A loopback port with nothing listening (connections are refused).
pub fn refused_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let a = l.local_addr().expect("addr");
    drop(l);
    a
}

/// A loopback listener whose accept queue is full, so new connects hang in SYN-SENT.
/// Keep the returned guard alive for as long as the address must stay black.
pub fn blackhole() -> (SocketAddr, Vec<socket2::Socket>) {
    use socket2::{Domain, Socket, Type};
    let l = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    l.bind(&"127.0.0.1:0".parse::<SocketAddr>().expect("addr").into())
        .expect("bind");
    l.listen(0).expect("listen");
    let addr = l.local_addr().expect("addr").as_socket().expect("inet");
    let mut keep = vec![l];
    // Fill the queue: these complete the handshake but are never accepted.
    for _ in 0..8 {
        let c = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
        c.set_nonblocking(true).expect("nonblocking");
        let _ = c.connect(&addr.into());
        keep.push(c);
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
    (addr, keep)
}

/// The real Go toolchains the differential tests run, from `GOMEDIC_TEST_GOROOTS`
/// (`VERSION=GOROOT,...`, set by scripts/test.sh), oldest first. Empty only outside CI
/// (with a message): under CI a missing list panics, so no test passes vacuously.
pub fn goroots() -> Vec<(String, std::path::PathBuf)> {
    let v = std::env::var("GOMEDIC_TEST_GOROOTS").unwrap_or_default();
    let mut list: Vec<(String, std::path::PathBuf)> = v
        .split(',')
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, p)| (k.to_string(), std::path::PathBuf::from(p)))
        .collect();
    if list.is_empty() {
        if std::env::var("CI").is_ok_and(|c| !c.is_empty()) {
            panic!("GOMEDIC_TEST_GOROOTS is not set: the differential tests need real go toolchains (scripts/test.sh installs them)");
        }
        eprintln!("skipping: GOMEDIC_TEST_GOROOTS is not set");
    }
    let key = |v: &str| -> Vec<u64> { v.split('.').filter_map(|p| p.parse().ok()).collect() };
    list.sort_by_key(|(v, _)| key(v));
    list
}

/// The newest of [`goroots`], for tests one release is enough for.
pub fn newest_goroot() -> Option<(String, std::path::PathBuf)> {
    goroots().pop()
}

pub mod gotools;

mod path_server {
    use std::collections::HashMap;
    use std::io::{Read, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::sync::{Arc, Mutex};

    /// A plain loopback HTTP/1.1 server: one thread per connection, `handler(path)` answers
    /// (status, body) with `%21` decoded to `!` (go escapes it); every request path is counted.
    pub struct PathServer {
        pub addr: SocketAddr,
        pub hits: Arc<Mutex<HashMap<String, usize>>>,
    }

    impl PathServer {
        pub fn url(&self) -> String {
            format!("http://{}", self.addr)
        }
        pub fn count(&self, path: &str) -> usize {
            self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
        }
    }

    pub fn path_server(
        handler: impl Fn(&str) -> (u16, Vec<u8>) + Send + Sync + 'static,
    ) -> PathServer {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let hits: Arc<Mutex<HashMap<String, usize>>> = Arc::default();
        let h2 = hits.clone();
        let handler = Arc::new(handler);
        std::thread::spawn(move || {
            for conn in l.incoming().flatten() {
                let (handler, hits) = (handler.clone(), h2.clone());
                std::thread::spawn(move || handle_path(conn, &*handler, &hits));
            }
        });
        PathServer { addr, hits }
    }

    fn handle_path(
        mut c: TcpStream,
        handler: &dyn Fn(&str) -> (u16, Vec<u8>),
        hits: &Mutex<HashMap<String, usize>>,
    ) {
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
            match c.read(&mut chunk) {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let head = String::from_utf8_lossy(&buf).to_string();
        let path = head
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .replace("%21", "!");
        *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
        let (status, body) = handler(&path);
        let _ = write!(
        c,
        "HTTP/1.1 {status} X\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
        let _ = c.write_all(&body);
    }
}
pub use path_server::{path_server, PathServer};
