//! Results of layered network probes (plain data; the probing lives in gomedic-net).

use serde::Serialize;

/// The public hosts the go command itself talks to by default: the well-known module
/// proxies (mirrors), the checksum database and its mirror, and the download hosts.
/// Only these are judged by public standards (a private address is suspicious, a chain
/// only this machine trusts is interception); any other name may be a company's own.
pub const GO_PUBLIC_HOSTS: &[&str] = &[
    "proxy.golang.org",
    "goproxy.cn",
    "goproxy.io",
    "mirrors.aliyun.com",
    "sum.golang.org",
    "sum.golang.google.cn",
    "storage.googleapis.com",
    "go.dev",
    "dl.google.com",
];

/// Whether `host` (any case, an optional trailing dot) is one of [`GO_PUBLIC_HOSTS`].
pub fn is_go_public_host(host: &str) -> bool {
    let h = host.trim_end_matches('.').to_ascii_lowercase();
    GO_PUBLIC_HOSTS.iter().any(|p| *p == h)
}

/// One verdict per endpoint, from a fixed vocabulary (docs/net.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Ok,
    DnsFailed,
    DnsSuspicious,
    TcpRefused,
    TcpTimeout,
    /// Another connect error (unreachable network, permission).
    TcpFailed,
    TlsReset,
    TlsTimeout,
    /// Another TLS failure (protocol version, handshake alert).
    TlsFailed,
    TlsIntercepted,
    TlsUntrusted,
    TlsHostnameMismatch,
    ProxyAuthRequired,
    ProxyFailed,
    HttpError,
    /// A 2xx answer that is not the GOPROXY / checksum database protocol (a block page,
    /// captive portal or login page answering every path).
    NotGoproxy,
    /// gomedic's TLS library cannot complete the handshake that go's can (a suite it does
    /// not implement): what could be checked as go would passed, the rest is unknown.
    TlsUnverifiable,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Ok => "ok",
            Verdict::DnsFailed => "dns_failed",
            Verdict::DnsSuspicious => "dns_suspicious",
            Verdict::TcpRefused => "tcp_refused",
            Verdict::TcpTimeout => "tcp_timeout",
            Verdict::TcpFailed => "tcp_failed",
            Verdict::TlsReset => "tls_reset",
            Verdict::TlsTimeout => "tls_timeout",
            Verdict::TlsFailed => "tls_failed",
            Verdict::TlsIntercepted => "tls_intercepted",
            Verdict::TlsUntrusted => "tls_untrusted",
            Verdict::TlsHostnameMismatch => "tls_hostname_mismatch",
            Verdict::ProxyAuthRequired => "proxy_auth_required",
            Verdict::ProxyFailed => "proxy_failed",
            Verdict::HttpError => "http_error",
            Verdict::NotGoproxy => "not_goproxy",
            Verdict::TlsUnverifiable => "tls_unverifiable",
        }
    }

    /// Whether the go command would get through: intercepted TLS works for go when the
    /// intercepting CA is in the system trust store.
    pub fn usable_by_go(self) -> bool {
        matches!(self, Verdict::Ok | Verdict::TlsIntercepted)
    }

    /// Neither pass nor fail: gomedic could not check what go would do (never recommended).
    pub fn inconclusive(self) -> bool {
        matches!(self, Verdict::TlsUnverifiable)
    }

    /// One sentence on what the verdict means and the usual cause.
    pub fn explain(self) -> &'static str {
        match self {
            Verdict::Ok => "reachable and working",
            Verdict::DnsFailed => "the name does not resolve: no DNS, a typo, or the name is blocked",
            Verdict::DnsSuspicious => "a public name resolves to a private, loopback or reserved address: DNS poisoning or a hosts-file entry",
            Verdict::TcpRefused => "the connection was refused: nothing listens there, or a firewall rejects it",
            Verdict::TcpTimeout => "the connection timed out: a firewall drops the packets, or the host is unreachable",
            Verdict::TcpFailed => "the connection failed before TCP completed (network unreachable?)",
            Verdict::TlsReset => "the connection was reset during the TLS handshake: the signature of SNI-based blocking",
            Verdict::TlsTimeout => "the TLS handshake got no answer: a middlebox swallowing the ClientHello",
            Verdict::TlsFailed => "the TLS handshake failed",
            Verdict::TlsIntercepted => "TLS is intercepted: the certificate chain is trusted only by this machine's trust store, not by public roots (a corporate proxy or security product)",
            Verdict::TlsUntrusted => "the certificate is not trusted (unknown issuer, expired, or self-signed)",
            Verdict::TlsHostnameMismatch => "the certificate is for another name: a captive portal, a block page or a misrouted request",
            Verdict::ProxyAuthRequired => "the proxy (HTTP 407, or a SOCKS5 proxy) wants credentials, or refused the ones given",
            Verdict::ProxyFailed => "the proxy (HTTP or SOCKS5) could not be used, or refused this destination",
            Verdict::HttpError => "the server answered with an error, or the protocol request failed",
            Verdict::NotGoproxy => "the server answers, but not with the GOPROXY protocol: a block page, captive portal or login page (the go command fails with \"invalid response from proxy\" or finds no versions)",
            Verdict::TlsUnverifiable => "gomedic cannot complete TLS with this server (it chose a cipher suite gomedic's TLS library lacks); go's TLS accepts what was offered and the certificate passes go's checks, so go may work",
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct DnsLayer {
    /// `system`, `hosts file PATH:LINE`, `override` (--resolve / GOMEDIC_RESOLVE) or `literal` (an IP).
    pub source: String,
    pub addresses: Vec<String>,
    pub error: Option<String>,
    pub suspicious: Vec<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TcpLayer {
    pub address: Option<String>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ProxyLayer {
    /// The proxy URL (credentials redacted by the report's redactor).
    pub url: String,
    pub status: Option<u16>,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    pub not_after: String,
    pub expired: bool,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TlsLayer {
    pub version: Option<String>,
    pub alpn: Option<String>,
    pub chain: Vec<CertInfo>,
    pub trusted_by_system: Option<bool>,
    pub trusted_by_mozilla: Option<bool>,
    pub error: Option<String>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct HttpLayer {
    pub request: String,
    pub status: Option<u16>,
    pub error: Option<String>,
    /// For a module proxy: whether it serves the checksum database (`/sumdb/<name>/supported`).
    pub sumdb_supported: Option<bool>,
    pub duration_ms: u64,
}

/// What an endpoint is, which decides the protocol request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EndpointKind {
    /// A GOPROXY-protocol module proxy.
    Proxy,
    /// A checksum database.
    #[serde(rename = "sumdb")]
    SumDb,
    /// Any other HTTPS host the go command uses.
    Host,
}

/// The probe of one URL.
#[derive(Debug, Clone, Serialize)]
pub struct EndpointReport {
    pub url: String,
    pub kind: EndpointKind,
    pub verdict: Verdict,
    pub detail: String,
    pub dns: Option<DnsLayer>,
    pub tcp: Option<TcpLayer>,
    pub proxy: Option<ProxyLayer>,
    pub tls: Option<TlsLayer>,
    pub http: Option<HttpLayer>,
    /// Where the last request ended after following redirects; `None` without redirects.
    pub final_url: Option<String>,
    pub duration_ms: u64,
}
