//! gomedic's HTTP client (the proxy's upstreams and checksum database, toolchain
//! downloads): one
//! pooled reqwest client (hyper, rustls on ring, keep-alive) with the go command's
//! network rules: HTTPS_PROXY / HTTP_PROXY / NO_PROXY as `gomedic_net::proxyenv` models
//! go's http.ProxyFromEnvironment, TLS trust as go's crypto/x509 on Linux (the system
//! store with SSL_CERT_FILE / SSL_CERT_DIR, verified by `gomedic_net::x509go`), Basic
//! auth from URL userinfo and from the netrc go reads. Every wait is bounded by a timeout.

use gomedic_core::Redactor;
use gomedic_net::netrc;
use gomedic_net::proxyenv::{Choice, ProxyEnv};
use gomedic_net::x509go::{self, Cert, Pool};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
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

/// go stops after 10 redirects.
const MAX_REDIRECTS: usize = 10;

#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    pub timeout: Duration,
    env: Arc<ProxyEnv>,
    netrc: Arc<Vec<netrc::Entry>>,
    redactor: Arc<Redactor>,
}

/// A URL without its userinfo, and the credentials it carried (percent-decoded).
#[derive(Debug)]
struct Target {
    url: reqwest::Url,
    user: Option<(String, String)>,
}

fn parse_url(u: &str) -> Result<Target, String> {
    let mut url = reqwest::Url::parse(u).map_err(|e| {
        format!(
            "malformed URL {:?}: {e}",
            redact_url(&u.replace(char::is_control, ""))
        )
    })?;
    if url.scheme() != "http" && url.scheme() != "https" {
        return Err(format!(
            "unsupported URL {:?} (http or https only)",
            redact_url(u)
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("no host in URL {:?}", redact_url(u)));
    }
    let user = if !url.username().is_empty() || url.password().is_some() {
        let dec = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let up = (dec(url.username()), dec(url.password().unwrap_or_default()));
        let _ = url.set_username("");
        let _ = url.set_password(None);
        Some(up)
    } else {
        None
    };
    Ok(Target { url, user })
}

/// Checks an upstream or database URL without connecting.
pub fn check_url(u: &str) -> Result<(), String> {
    parse_url(u).map(|_| ())
}

impl Client {
    /// A client configured from the process environment, as the go command reads it.
    pub fn new(timeout: Duration) -> Client {
        Client::with_env(timeout, &|k| std::env::var(k).ok())
    }

    /// Proxy variables and the netrc from `getenv`; trust from the process environment
    /// (SSL_CERT_FILE / SSL_CERT_DIR are read by `gomedic_net::system_roots`).
    pub fn with_env(timeout: Duration, getenv: &dyn Fn(&str) -> Option<String>) -> Client {
        let env = Arc::new(ProxyEnv::from_env(getenv));
        let netrc_text = netrc::path(getenv)
            .and_then(|p| std::fs::read_to_string(p).ok())
            .unwrap_or_default();
        let mut redactor = Redactor::new();
        redactor.learn_netrc(&netrc_text);
        for v in [&env.https_proxy, &env.http_proxy] {
            if let Ok(p) = gomedic_net::proxyenv::parse_proxy(v) {
                if let Some((_, pw)) = &p.user {
                    redactor.add_literal(pw);
                }
            }
        }
        let (roots, _) = gomedic_net::system_roots();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier = Arc::new(GoVerifier {
            roots,
            provider: provider.clone(),
        });
        let mut tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("ring supports the default TLS versions")
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth();
        tls.alpn_protocols = vec![b"http/1.1".to_vec()];
        let penv = env.clone();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .http1_only()
            .user_agent(concat!("gomedic/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::custom(|a| {
                let insecure = a.url().scheme() == "http"
                    && a.previous().last().is_some_and(|p| p.scheme() == "https");
                if insecure {
                    let msg = format!(
                        "redirected from secure URL {} to insecure URL {}",
                        redact_url(a.previous().last().map_or("", |u| u.as_str())),
                        redact_url(a.url().as_str())
                    );
                    a.error(msg)
                } else if a.previous().len() > MAX_REDIRECTS {
                    a.error(format!("stopped after {MAX_REDIRECTS} redirects"))
                } else {
                    a.follow()
                }
            }))
            // Only our choice: never reqwest's own reading of the environment.
            .no_proxy()
            .proxy(reqwest::Proxy::custom(move |u| proxy_url(&penv, u)))
            .pool_idle_timeout(Duration::from_secs(90))
            .tcp_keepalive(Duration::from_secs(30))
            .build()
            .expect("a reqwest client with a preconfigured rustls config builds");
        Client {
            http,
            timeout,
            env,
            netrc: Arc::new(netrc::parse(&netrc_text)),
            redactor: Arc::new(redactor),
        }
    }

    /// Masks every credential this client knows of, and URL userinfo, in `text`.
    pub fn redact(&self, text: &str) -> String {
        self.redactor.redact(text)
    }

    fn fail(&self, shown: &str, msg: impl std::fmt::Display) -> FetchError {
        FetchError::Other(self.redact(&format!("{shown}: {msg}")))
    }

    /// GET with up to 10 redirects; a 200 response with its body still unread. One retry
    /// when the connection fails before any response arrives.
    pub async fn get(&self, url: &str) -> Result<reqwest::Response, FetchError> {
        self.get_from(url, 0).await
    }

    /// Like [`Client::get`]; with `from > 0` asks for the bytes from that offset
    /// (`Range`), and a 206 answer is accepted too (a 200 means the whole body came).
    pub async fn get_from(&self, url: &str, from: u64) -> Result<reqwest::Response, FetchError> {
        let t = parse_url(url).map_err(|e| FetchError::Other(self.redact(&e)))?;
        let shown = t.url.to_string();
        let host = t.url.host_str().unwrap_or_default().to_string();
        let port = t.url.port_or_known_default().unwrap_or(0);
        match self.env.choose(t.url.scheme(), &host, port) {
            Choice::Refused(m) => return Err(self.fail(&shown, m)),
            Choice::Via(p)
                if !matches!(p.scheme.as_str(), "http" | "https" | "socks5" | "socks5h") =>
            {
                return Err(self.fail(
                    &shown,
                    format!("proxyconnect: unsupported proxy scheme {:?}", p.scheme),
                ))
            }
            Choice::Via(p) if p.port.is_none() => {
                return Err(self.fail(&shown, "proxyconnect: invalid proxy port"))
            }
            _ => {}
        }
        // URL userinfo, else the netrc entry (https only), as go 1.24+ picks them (tested
        // against go in tests/upstream_net.rs).
        let auth = t.user.clone().or_else(|| {
            netrc::credentials(&self.netrc, t.url.as_str(), netrc::Matching::Prefix)
                .map(|e| (e.login.clone(), e.password.clone()))
        });
        let mut attempt = 0;
        let resp = loop {
            attempt += 1;
            let mut req = self.http.get(t.url.clone());
            if from > 0 {
                req = req.header(reqwest::header::RANGE, format!("bytes={from}-"));
            }
            if let Some((u, p)) = &auth {
                req = req.basic_auth(u, Some(p));
            }
            match tokio::time::timeout(self.timeout, req.send()).await {
                Err(_) => return Err(self.fail(&shown, "timed out")),
                Ok(Ok(r)) => break r,
                Ok(Err(e)) if attempt == 1 && retryable(&e) => continue,
                Ok(Err(e)) => return Err(self.fail(&shown, describe(&e))),
            }
        };
        let status = resp.status().as_u16();
        let shown = resp.url().to_string();
        match status {
            200 => Ok(resp),
            206 if from > 0 => Ok(resp),
            404 | 410 => Err(FetchError::NotFound(
                self.redact(&format!("{shown}: {status}")),
            )),
            _ => Err(self.fail(&shown, resp.status())),
        }
    }

    /// The body of a GET, at most `limit` bytes.
    pub async fn get_bytes(&self, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        let mut resp = self.get(url).await?;
        let shown = resp.url().to_string();
        let mut out = Vec::new();
        while let Some(chunk) = self.next_chunk(&mut resp, &shown).await? {
            if out.len() as u64 + chunk.len() as u64 > limit {
                return Err(self.fail(&shown, "response too large"));
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
        let mut resp = self.get(url).await?;
        let shown = resp.url().to_string();
        let mut n = 0u64;
        while let Some(chunk) = self.next_chunk(&mut resp, &shown).await? {
            n += chunk.len() as u64;
            if n > limit {
                return Err(self.fail(&shown, "response too large"));
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

    /// The next piece of the body; each wait is bounded by the timeout.
    pub async fn next_chunk(
        &self,
        resp: &mut reqwest::Response,
        shown: &str,
    ) -> Result<Option<bytes::Bytes>, FetchError> {
        match tokio::time::timeout(self.timeout, resp.chunk()).await {
            Err(_) => Err(self.fail(shown, "timed out reading the body")),
            Ok(Err(e)) => Err(self.fail(shown, describe(&e))),
            Ok(Ok(c)) => Ok(c),
        }
    }
}

/// The proxy for a request, by go's rules; its userinfo becomes `Proxy-Authorization`
/// (http/https proxies) or the SOCKS5 user/password.
fn proxy_url(env: &ProxyEnv, u: &reqwest::Url) -> Option<String> {
    let host = u.host_str()?;
    let Choice::Via(p) = env.choose(u.scheme(), host, u.port_or_known_default()?) else {
        return None;
    };
    // go's SOCKS5 dialer sends the destination as a name for socks5:// too.
    let scheme = if p.scheme == "socks5" {
        "socks5h"
    } else {
        p.scheme.as_str()
    };
    let host = if p.host.contains(':') {
        format!("[{}]", p.host)
    } else {
        p.host.clone()
    };
    let mut url = reqwest::Url::parse(&format!("{scheme}://{host}:{}", p.port?)).ok()?;
    if let Some((user, pw)) = &p.user {
        url.set_username(user).ok()?;
        url.set_password(Some(pw)).ok()?;
    }
    Some(url.to_string())
}

/// A failure before any response arrived on a connection that was (or seemed) fine:
/// refused, reset, closed. Certificate problems and timeouts are not retried.
fn retryable(e: &reqwest::Error) -> bool {
    if e.is_timeout() || e.is_redirect() || e.is_builder() || e.is_status() {
        return false;
    }
    let text = describe(e);
    if text.contains("x509:") || text.contains("certificate") || text.contains("proxy") {
        return false;
    }
    e.is_connect() || e.is_request()
}

/// The causes of an error, outermost first, without reqwest's "error sending request for
/// url (...)" wrapper (the caller names the URL).
fn describe(e: &reqwest::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let m = s.to_string();
        if !parts.iter().any(|p| p.contains(&m)) {
            parts.push(m);
        }
        src = s.source();
    }
    if parts.is_empty() {
        parts.push(e.to_string());
    }
    let text = parts.join(": ");
    // A certificate verdict reads as go prints it.
    match text.find("x509:") {
        Some(i) => text[i..].to_string(),
        None => text,
    }
}

/// Server certificates checked as go's crypto/x509 checks them on Linux, against the
/// system store go reads; handshake signatures by rustls (ring).
#[derive(Debug)]
struct GoVerifier {
    roots: Pool,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

fn tls_err(msg: String) -> rustls::Error {
    rustls::Error::Other(rustls::OtherError(Arc::new(std::io::Error::other(msg))))
}

impl ServerCertVerifier for GoVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let presented = std::iter::once(end_entity)
            .chain(intermediates)
            .map(|c| Cert::parse(c.as_ref()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| tls_err(format!("tls: failed to parse certificate from server: {e}")))?;
        let host = match server_name {
            ServerName::DnsName(d) => d.as_ref().to_string(),
            ServerName::IpAddress(ip) => std::net::IpAddr::from(*ip).to_string(),
            _ => String::new(),
        };
        x509go::verify(
            &presented,
            &self.roots,
            &host,
            now.as_secs() as i64,
            &gomedic_net::gotls::GoTls::default(),
        )
        .map(|_| ServerCertVerified::assertion())
        .map_err(|e| tls_err(e.to_string()))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A URL without its `user:password@`, for logs, labels and messages.
pub use gomedic_core::redact::url_without_userinfo as redact_url;

pub mod blocking;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_taken_out_of_the_url() {
        let t = parse_url("https://al%40ice:p%3Aw@proxy.example/p").unwrap();
        assert_eq!(t.url.as_str(), "https://proxy.example/p");
        assert_eq!(t.user, Some(("al@ice".into(), "p:w".into())));
        assert!(parse_url("ftp://x/").is_err());
        let e = parse_url("ftp://u:secret@x/").unwrap_err();
        assert!(!e.contains("secret"), "{e}");
        assert!(parse_url("http://").is_err());
    }

    #[test]
    fn proxies_follow_go_rules() {
        let env = ProxyEnv::from_env(&|k| match k {
            "HTTPS_PROXY" => Some("http://a%40b:p%40ss@proxy.corp:3128".into()),
            "HTTP_PROXY" => Some("socks5://127.0.0.2".into()),
            "NO_PROXY" => Some(".internal".into()),
            _ => None,
        });
        let u = |s: &str| reqwest::Url::parse(s).unwrap();
        let p = proxy_url(&env, &u("https://proxy.golang.org/")).unwrap();
        assert_eq!(p, "http://a%40b:p%40ss@proxy.corp:3128/");
        assert_eq!(proxy_url(&env, &u("https://127.0.0.1:8443/")), None);
        assert_eq!(proxy_url(&env, &u("https://localhost/")), None);
        assert_eq!(proxy_url(&env, &u("https://x.internal/")), None);
        assert_eq!(
            proxy_url(&env, &u("http://h.example/")).as_deref(),
            Some("socks5h://127.0.0.2:1080")
        );
    }
}
