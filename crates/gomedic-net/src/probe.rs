//! The layered probe of one URL, and running many under one deadline.

use crate::gotls::GoTls;
use crate::hello::Answer;
use crate::http::{basic, basic_auth, read_status, Client};
use crate::protocol;
use crate::proxyenv::{Choice, ProxyEnv, ProxyUrl};
use crate::resolve::{self, Override};
use crate::tls;
use crate::x509go::Pool;
use gomedic_core::net::*;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Any byte stream a probe layer runs over (TCP, or TLS to an https proxy).
trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

/// A URL to probe and what it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub url: String,
    pub kind: EndpointKind,
}

/// How to probe.
#[derive(Debug, Clone)]
pub struct ProbeConfig {
    /// The whole run ends by then; unfinished probes report the layer they hung in.
    pub deadline: Duration,
    pub overrides: Vec<Override>,
    /// Contents and path of the hosts file consulted before the system resolver.
    pub hosts: Option<(PathBuf, String)>,
    pub proxy_env: ProxyEnv,
    /// The roots go trusts (its Unix rules: SSL_CERT_FILE, SSL_CERT_DIR, the bundles).
    pub system_roots: Arc<Pool>,
    /// Public roots: a public host whose chain ends elsewhere is intercepted.
    pub mozilla_roots: Arc<Pool>,
    /// TLS and X.509 rules of the go release being diagnosed.
    pub go_tls: GoTls,
    /// Checksum database name whose `/sumdb/<name>/supported` a proxy is asked about.
    pub sumdb_name: String,
    /// Module whose version list a proxy is asked for (small and always present).
    pub probe_module: String,
    /// `.netrc` credentials sent as the go command sends them (GOAUTH=netrc, the default).
    pub netrc: Vec<crate::netrc::Entry>,
    /// How the diagnosed go release finds a netrc entry for a URL.
    pub netrc_matching: crate::netrc::Matching,
}

impl ProbeConfig {
    pub fn new(deadline: Duration) -> ProbeConfig {
        ProbeConfig {
            deadline,
            overrides: Vec::new(),
            hosts: None,
            proxy_env: ProxyEnv::default(),
            system_roots: Arc::new(tls::system_roots().0),
            mozilla_roots: Arc::new(tls::mozilla_roots()),
            go_tls: GoTls::default(),
            sumdb_name: "sum.golang.org".into(),
            probe_module: "golang.org/x/text".into(),
            netrc: Vec::new(),
            netrc_matching: crate::netrc::Matching::default(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    Start,
    Dns,
    Tcp,
    Connect,
    Tls,
    Http,
}

struct State {
    report: EndpointReport,
    layer: Layer,
    /// Every address of the (public) name is private/loopback/reserved: that is the
    /// verdict whatever fails later.
    suspicious: Option<String>,
    /// Some hop's TLS was intercepted (the message); the verdict if the end is ok.
    intercepted: Option<String>,
    /// Some hop's own (non-public) name presented a chain from a private CA that this
    /// machine trusts (the note); added to the detail if the end is ok.
    private_ca: Option<String>,
    /// `/sumdb/<name>/supported` of the first hop, kept across redirects.
    sumdb_supported: Option<bool>,
    /// The last hop's request URL and the URL its redirect points to.
    redirect: Option<(String, String)>,
}

/// The go command's limit (net/http's default): the 10th redirect is not followed.
pub const MAX_REDIRECTS: usize = 10;

type Shared = Arc<Mutex<State>>;

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Probes every target in parallel; returns within the deadline (plus scheduling slack).
pub fn probe_all(targets: &[Target], cfg: &ProbeConfig) -> Vec<EndpointReport> {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            return targets
                .iter()
                .map(|t| {
                    let mut r = blank(t);
                    r.verdict = Verdict::TcpFailed;
                    r.detail = format!("cannot start the network runtime: {e}");
                    r
                })
                .collect()
        }
    };
    let out = rt.block_on(async {
        let start = Instant::now();
        let deadline = tokio::time::Instant::now() + cfg.deadline;
        let cfg = Arc::new(cfg.clone());
        let mut tasks = Vec::new();
        for t in targets {
            let state: Shared = Arc::new(Mutex::new(State {
                report: blank(t),
                layer: Layer::Start,
                suspicious: None,
                intercepted: None,
                private_ca: None,
                sumdb_supported: None,
                redirect: None,
            }));
            let (s2, c2, t2) = (state.clone(), cfg.clone(), t.clone());
            let handle = tokio::spawn(async move { probe_one(&t2, &c2, &s2).await });
            tasks.push((state, handle));
        }
        let mut out = Vec::new();
        for (state, mut handle) in tasks {
            let finished = tokio::time::timeout_at(deadline, &mut handle).await;
            if finished.is_err() {
                handle.abort();
            }
            let mut st = state.lock().expect("not poisoned");
            if finished.is_err() || matches!(finished, Ok(Err(_))) {
                let why = if finished.is_err() {
                    format!("no answer within the {} deadline", fmt(cfg.deadline))
                } else {
                    "the probe crashed".into()
                };
                let (v, detail) = match st.layer {
                    Layer::Start | Layer::Dns => {
                        (Verdict::DnsFailed, format!("name resolution hung: {why}"))
                    }
                    Layer::Tcp => (Verdict::TcpTimeout, format!("TCP connect hung: {why}")),
                    Layer::Connect if is_socks(&st.report.url, &cfg.proxy_env) => (
                        Verdict::ProxyFailed,
                        format!("the SOCKS5 proxy did not complete the handshake: {why}"),
                    ),
                    Layer::Connect => (
                        Verdict::ProxyFailed,
                        format!("the HTTP proxy did not answer CONNECT: {why}"),
                    ),
                    Layer::Tls => (
                        Verdict::TlsTimeout,
                        format!("the TLS handshake got no answer: {why}"),
                    ),
                    Layer::Http => (
                        Verdict::HttpError,
                        format!("the server did not answer the request: {why}"),
                    ),
                };
                apply_verdict(&mut st, v, detail);
                st.report.duration_ms = ms(start.elapsed());
            }
            let mut report = st.report.clone();
            add_ignored_proxy_note(&mut report, &cfg.proxy_env);
            out.push(report);
        }
        out
    });
    // A hung getaddrinfo lives on a blocking thread that cannot be cancelled; do not wait.
    rt.shutdown_background();
    out
}

/// When go ignores the proxy variable for this URL (Go's `url.Parse` refuses its value),
/// the detail says so: the probe went direct, as go does.
fn add_ignored_proxy_note(r: &mut EndpointReport, env: &ProxyEnv) {
    let Ok((scheme, host, port, _)) = split_url(&r.url) else {
        return;
    };
    if let Some(note) = env.choose(&scheme, &host, port).ignored_note() {
        r.detail = if r.detail.is_empty() {
            note
        } else {
            format!("{}; note: {note}", r.detail)
        };
    }
}

/// Whether go reaches `url` through a SOCKS5 proxy.
fn is_socks(url: &str, env: &ProxyEnv) -> bool {
    let Ok((scheme, host, port, _)) = split_url(url) else {
        return false;
    };
    matches!(env.choose(&scheme, &host, port), Choice::Via(p) if p.scheme.starts_with("socks5"))
}

fn fmt(d: Duration) -> String {
    gomedic_core::duration::human(d)
}

fn blank(t: &Target) -> EndpointReport {
    EndpointReport {
        url: t.url.clone(),
        kind: t.kind,
        verdict: Verdict::Ok,
        detail: String::new(),
        dns: None,
        tcp: None,
        proxy: None,
        tls: None,
        http: None,
        final_url: None,
        duration_ms: 0,
    }
}

/// Whether `url` can be probed (an http or https URL with a host and a valid port), or
/// why not.
pub fn check_url(url: &str) -> Result<(), String> {
    split_url(url).map(|_| ())
}

/// Scheme, host, port and path prefix of a URL.
fn split_url(url: &str) -> Result<(String, String, u16, String), String> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| format!("{url:?} is not a URL"))?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => 443,
        "http" => 80,
        s => return Err(format!("{url:?}: cannot probe scheme {s:?}")),
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(r) = authority.strip_prefix('[') {
        let (h, p) = r
            .split_once(']')
            .ok_or_else(|| format!("{url:?}: bad IPv6 host"))?;
        (
            h.to_string(),
            p.strip_prefix(':')
                .map(|p| p.parse::<u16>())
                .transpose()
                .map_err(|_| format!("{url:?}: bad port"))?
                .unwrap_or(default_port),
        )
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse::<u16>().map_err(|_| format!("{url:?}: bad port"))?,
            ),
            None => (authority.to_string(), default_port),
        }
    };
    if host.is_empty() {
        return Err(format!("{url:?} has no host"));
    }
    Ok((
        scheme,
        host.to_ascii_lowercase(),
        port,
        path.trim_end_matches('/').to_string(),
    ))
}

fn set_layer(s: &Shared, l: Layer) {
    s.lock().expect("not poisoned").layer = l;
}

fn finish(s: &Shared, start: Instant, v: Verdict, detail: impl Into<String>) {
    let mut st = s.lock().expect("not poisoned");
    apply_verdict(&mut st, v, detail.into());
    st.report.duration_ms = ms(start.elapsed());
}

/// The HTTP proxy itself could not be used: record it on the proxy layer and finish.
fn proxy_failed(s: &Shared, start: Instant, url: &str, err: &str, detail: String) {
    s.lock().expect("not poisoned").report.proxy = Some(ProxyLayer {
        url: url.to_string(),
        status: None,
        error: Some(err.to_string()),
    });
    finish(s, start, Verdict::ProxyFailed, detail);
}

fn http_failed(
    s: &Shared,
    start: Instant,
    mut layer: HttpLayer,
    t0: Instant,
    err: String,
    detail: String,
) {
    layer.error = Some(err);
    layer.duration_ms = ms(t0.elapsed());
    s.lock().expect("not poisoned").report.http = Some(layer);
    finish(s, start, Verdict::HttpError, detail);
}

fn apply_verdict(st: &mut State, v: Verdict, detail: String) {
    match &st.suspicious {
        Some(why) => {
            st.report.verdict = Verdict::DnsSuspicious;
            st.report.detail = if v == Verdict::Ok {
                why.clone()
            } else {
                format!("{why}; then: {detail}")
            };
        }
        None => {
            st.report.verdict = v;
            st.report.detail = detail;
        }
    }
}

/// Probes `t`, following redirects as the go command's HTTP client does.
async fn probe_one(t: &Target, cfg: &ProbeConfig, s: &Shared) {
    let start = Instant::now();
    let secure = t.url.to_ascii_lowercase().starts_with("https://");
    let mut url = t.url.clone();
    let mut path: Option<String> = None;
    let mut followed = 0;
    loop {
        let Some((from, next)) = probe_hop(t, cfg, s, start, &url, path.as_deref()).await else {
            break;
        };
        if secure && !next.to_ascii_lowercase().starts_with("https://") {
            finish(
                s,
                start,
                Verdict::HttpError,
                format!("redirected from secure URL {from} to insecure URL {next}: the go command refuses this"),
            );
            break;
        }
        followed += 1;
        if followed >= MAX_REDIRECTS {
            finish(
                s,
                start,
                Verdict::HttpError,
                format!("stopped after {MAX_REDIRECTS} redirects (the last from {from} to {next}): the go command gives up too"),
            );
            break;
        }
        if let Err(e) = split_url(&next) {
            finish(
                s,
                start,
                Verdict::HttpError,
                format!("{from} redirects to an unusable URL: {e}"),
            );
            break;
        }
        let (origin, p) = split_origin(&next);
        {
            let mut st = s.lock().expect("not poisoned");
            st.report.final_url = Some(next.clone());
            st.report.dns = None;
            st.report.tcp = None;
            st.report.proxy = None;
            st.report.tls = None;
            st.report.http = None;
        }
        url = origin;
        path = Some(p);
    }
    let mut st = s.lock().expect("not poisoned");
    if st.report.verdict == Verdict::Ok {
        if let Some(msg) = st.intercepted.clone() {
            st.report.verdict = Verdict::TlsIntercepted;
            st.report.detail = msg;
        } else if let Some(note) = st.private_ca.clone() {
            st.report.detail = format!("{}; {note}", st.report.detail);
        }
    }
    if let Some(f) = st.report.final_url.clone() {
        if st.suspicious.is_none() {
            st.report.detail = format!(
                "{} (after {followed} redirect{}, at {f})",
                st.report.detail,
                if followed == 1 { "" } else { "s" }
            );
        }
    }
}

/// `scheme://host[:port]` and the rest (path and query, at least `/`) of an absolute URL.
fn split_origin(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..end];
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let mut path = rest[end..].split('#').next().unwrap_or("").to_string();
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    (
        format!("{}://{authority}", scheme.to_ascii_lowercase()),
        path,
    )
}

/// Resolves a `Location` against the URL it answered, as net/http does (RFC 3986).
/// Bytes that are not printable ASCII are %-escaped, as Go's `url.URL` prints them, so a
/// hostile `Location` cannot put control or bidirectional characters into the output.
fn resolve_location(current: &str, loc: &str) -> String {
    let loc = escape_unprintable(loc.trim());
    let loc = loc.as_str();
    let (origin, path) = split_origin(current);
    let scheme_end = loc.find("://");
    if scheme_end.is_some_and(|i| {
        i > 0
            && loc[..i]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    }) {
        let (o, p) = split_origin(loc);
        return format!("{o}{}", remove_dots(&p));
    }
    if let Some(rest) = loc.strip_prefix("//") {
        let scheme = origin.split("://").next().unwrap_or("https");
        let (o, p) = split_origin(&format!("{scheme}://{rest}"));
        return format!("{o}{}", remove_dots(&p));
    }
    let path_only = path.split('?').next().unwrap_or("/");
    if loc.starts_with('/') {
        return format!("{origin}{}", remove_dots(loc));
    }
    if loc.starts_with('?') {
        return format!("{origin}{path_only}{loc}");
    }
    if loc.is_empty() {
        return format!("{origin}{path}");
    }
    let dir = &path_only[..path_only.rfind('/').map(|i| i + 1).unwrap_or(0)];
    format!("{origin}{}", remove_dots(&format!("{dir}{loc}")))
}

fn escape_unprintable(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_graphic() {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Removes `.` and `..` segments of a path (the query is kept as is).
fn remove_dots(p: &str) -> String {
    let (path, query) = match p.find('?') {
        Some(i) => (&p[..i], &p[i..]),
        None => (p, ""),
    };
    let mut out: Vec<&str> = Vec::new();
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        match *seg {
            "." => {
                if last {
                    out.push("");
                }
            }
            ".." => {
                out.pop();
                if last {
                    out.push("");
                }
            }
            s => out.push(s),
        }
    }
    format!("/{}{query}", out.join("/"))
}

/// One request of a probe (the first, or one after a redirect): the layers to `url`,
/// then `GET path` (by default the kind's protocol request under `url`'s path). Returns
/// the absolute URL a redirect points to, if the answer is one.
async fn probe_hop(
    t: &Target,
    cfg: &ProbeConfig,
    s: &Shared,
    start: Instant,
    url: &str,
    path: Option<&str>,
) -> Option<(String, String)> {
    let (scheme, host, port, base) = match split_url(url) {
        Ok(x) => x,
        Err(e) => {
            finish(s, start, Verdict::DnsFailed, e);
            return None;
        }
    };
    // The URL's user:password only goes to the host it was given for.
    let userinfo_host = split_url(&t.url).ok().map(|(_, h, p, _)| (h, p));
    let send_userinfo = userinfo_host == Some((host.clone(), port));
    let hop = Hop {
        path,
        send_userinfo,
    };
    hop_layers(t, cfg, s, start, &hop, scheme, host, port, base).await;
    s.lock().expect("not poisoned").redirect.take()
}

struct Hop<'a> {
    path: Option<&'a str>,
    send_userinfo: bool,
}

#[allow(clippy::too_many_arguments)]
async fn hop_layers(
    t: &Target,
    cfg: &ProbeConfig,
    s: &Shared,
    start: Instant,
    hop: &Hop<'_>,
    scheme: String,
    host: String,
    port: u16,
    base: String,
) {
    // The proxy, chosen and parsed as go does (see proxyenv.rs).
    let purl: Option<ProxyUrl> = match cfg.proxy_env.choose(&scheme, &host, port) {
        Choice::Via(p) => Some(p),
        Choice::Refused(why) => return finish(s, start, Verdict::ProxyFailed, why),
        Choice::Direct | Choice::Ignored { .. } => None,
    };
    let proxy: Option<String> = purl.as_ref().map(|p| p.url.clone());
    let socks = purl
        .as_ref()
        .is_some_and(|p| p.scheme == "socks5" || p.scheme == "socks5h");
    let (conn_host, conn_port) = match &purl {
        Some(p) => match p.port {
            Some(pt) if !p.host.is_empty() => (p.host.clone(), pt),
            _ => {
                let e = format!(
                    "the proxy URL has no usable host and port (scheme {:?})",
                    p.scheme
                );
                return proxy_failed(
                    s,
                    start,
                    &p.url,
                    &e,
                    format!("go cannot use the proxy {}: {e}", p.url),
                );
            }
        },
        None => (host.clone(), port),
    };

    // DNS
    set_layer(s, Layer::Dns);
    let t0 = Instant::now();
    let (addrs, dns) = resolve_addrs(cfg, &conn_host, conn_port, proxy.is_none()).await;
    let dns_suspicious = !dns.suspicious.is_empty() && dns.suspicious.len() == dns.addresses.len();
    let dns_err = dns.error.clone();
    {
        let mut st = s.lock().expect("not poisoned");
        if dns_suspicious {
            st.suspicious = Some(format!(
                "{host} resolves to {} via {}: DNS poisoning or a hosts-file entry sends go elsewhere",
                dns.suspicious.join(", "),
                dns.source
            ));
        }
        st.report.dns = Some(DnsLayer {
            duration_ms: ms(t0.elapsed()),
            ..dns
        });
    }
    if let Some(e) = dns_err {
        return if proxy.is_some() {
            finish(
                s,
                start,
                Verdict::ProxyFailed,
                format!("the proxy host {conn_host} does not resolve: {e}"),
            )
        } else {
            finish(
                s,
                start,
                Verdict::DnsFailed,
                format!("{host} does not resolve: {e}"),
            )
        };
    }

    // TCP
    set_layer(s, Layer::Tcp);
    let t0 = Instant::now();
    let mut last_err: Option<std::io::Error> = None;
    let mut stream = None;
    for a in &addrs {
        match TcpStream::connect(a).await {
            Ok(st) => {
                s.lock().expect("not poisoned").report.tcp = Some(TcpLayer {
                    address: Some(a.to_string()),
                    error: None,
                    duration_ms: ms(t0.elapsed()),
                });
                stream = Some(st);
                break;
            }
            Err(e) => last_err = Some(e),
        }
    }
    let Some(tcp) = stream else {
        let e = last_err
            .map(|e| e.to_string())
            .unwrap_or_else(|| "no address".into());
        let refused = e.to_ascii_lowercase().contains("refused");
        s.lock().expect("not poisoned").report.tcp = Some(TcpLayer {
            address: addrs.first().map(|a| a.to_string()),
            error: Some(e.clone()),
            duration_ms: ms(t0.elapsed()),
        });
        let v = if proxy.is_some() {
            Verdict::ProxyFailed
        } else if refused {
            Verdict::TcpRefused
        } else {
            Verdict::TcpFailed
        };
        return finish(
            s,
            start,
            v,
            format!("cannot connect to {conn_host}:{conn_port}: {e}"),
        );
    };
    let _ = tcp.set_nodelay(true);
    let mut io: Box<dyn Io> = Box::new(tcp);

    // An https:// proxy: TLS to the proxy itself first (verified against the system store).
    if let Some(p) = purl
        .as_ref()
        .filter(|p| p.scheme == "https")
        .map(|p| &p.url)
    {
        set_layer(s, Layer::Connect);
        let res = proxy_tls(cfg, &conn_host, io).await;
        match res {
            Ok(t) => io = t,
            Err(e) => {
                return proxy_failed(
                    s,
                    start,
                    p,
                    &e,
                    format!("TLS to the proxy {conn_host}:{conn_port} failed: {e}"),
                );
            }
        }
    }
    let proxy_var = if scheme == "https" {
        "HTTPS_PROXY"
    } else {
        "HTTP_PROXY"
    };

    // SOCKS5 proxy: a tunnel for both http and https targets.
    if let Some(p) = purl.as_ref().filter(|_| socks) {
        set_layer(s, Layer::Connect);
        if let Err(v) = socks_connect(s, start, &mut io, p, &host, port, proxy_var).await {
            return v;
        }
    }

    // HTTP proxy tunnel (https targets); http targets are sent to the proxy as absolute URLs.
    if let Some(p) = proxy.as_ref().filter(|_| scheme == "https" && !socks) {
        set_layer(s, Layer::Connect);
        let creds = purl.as_ref().and_then(|p| p.user.clone());
        let req = connect_request(&host, port, creds.as_ref());
        let status = async {
            io.write_all(req.as_bytes()).await?;
            read_status(&mut io).await
        }
        .await;
        let mut pl = ProxyLayer {
            url: p.clone(),
            status: None,
            error: None,
        };
        match status {
            Ok(code) => {
                pl.status = Some(code);
                s.lock().expect("not poisoned").report.proxy = Some(pl);
                match code {
                    200..=299 => {}
                    407 => {
                        return finish(
                            s,
                            start,
                            Verdict::ProxyAuthRequired,
                            proxy_407(&conn_host, conn_port, proxy_var, creds.is_some(), "CONNECT"),
                        )
                    }
                    c => {
                        return finish(
                            s,
                            start,
                            Verdict::ProxyFailed,
                            proxy_refused(
                                &conn_host,
                                conn_port,
                                &format!("CONNECT {host}:{port}"),
                                c,
                            ),
                        )
                    }
                }
            }
            Err(e) => {
                return proxy_failed(
                    s,
                    start,
                    p,
                    &e.to_string(),
                    format!("the proxy connection failed: {e}"),
                );
            }
        }
    }

    if scheme == "http" {
        set_layer(s, Layer::Http);
        // Through SOCKS the request goes as to the server itself.
        let via = purl.as_ref().filter(|_| !socks).map(|p| {
            s.lock().expect("not poisoned").report.proxy = Some(ProxyLayer {
                url: p.url.clone(),
                status: None,
                error: None,
            });
            p.user
                .as_ref()
                .map(|(u, pw)| basic(format!("{u}:{pw}").as_bytes()))
                .unwrap_or_default()
        });
        return http_phase(
            t, cfg, s, start, io, false, &host, port, &base, "http", via, hop,
        )
        .await;
    }

    // TLS
    set_layer(s, Layer::Tls);
    let t0 = Instant::now();
    let (connector, recorder) = tls::recording_connector(cfg.go_tls, true);
    let server_name = match rustls::pki_types::ServerName::try_from(host.clone()) {
        Ok(n) => n,
        Err(e) => {
            return finish(
                s,
                start,
                Verdict::TlsFailed,
                format!("{host} is not a valid TLS server name: {e}"),
            )
        }
    };
    let tls_stream = match connector.connect(server_name, io).await {
        Ok(st) => st,
        Err(e) => {
            let kind = e.kind();
            let text = e.to_string();
            s.lock().expect("not poisoned").report.tls = Some(TlsLayer {
                error: Some(text.clone()),
                duration_ms: ms(t0.elapsed()),
                ..Default::default()
            });
            if matches!(
                kind,
                std::io::ErrorKind::ConnectionReset
                    | std::io::ErrorKind::ConnectionAborted
                    | std::io::ErrorKind::UnexpectedEof
                    | std::io::ErrorKind::BrokenPipe
            ) {
                return finish(s, start, Verdict::TlsReset, format!("the connection was cut during the TLS handshake ({text}): typical of SNI-based blocking of {host}"));
            }
            // A handshake gomedic's TLS library refused: ask the server in go's words.
            let tcp_addr = s
                .lock()
                .expect("not poisoned")
                .report
                .tcp
                .as_ref()
                .and_then(|t| t.address.clone())
                .and_then(|a| a.parse::<SocketAddr>().ok());
            let answer = match tcp_addr {
                Some(addr) => go_hello(cfg, addr, purl.as_ref(), socks, &host, port, &scheme).await,
                None => None,
            };
            let (v, detail) = crate::tlsjudge::judge_hello(
                &cfg.system_roots,
                &cfg.mozilla_roots,
                &cfg.go_tls,
                &host,
                &text,
                answer,
                tls::now_unix(),
            );
            if let Some(t) = s.lock().expect("not poisoned").report.tls.as_mut() {
                t.duration_ms = ms(t0.elapsed());
            }
            return finish(s, start, v, detail);
        }
    };
    let (_, conn) = tls_stream.get_ref();
    let version = conn
        .protocol_version()
        .map(|v| format!("{v:?}").replace("TLSv1_", "TLS 1."));
    let alpn = conn
        .alpn_protocol()
        .map(|a| String::from_utf8_lossy(a).into_owned());
    let chain = recorder.chain.lock().expect("not poisoned").clone();
    let described = tls::describe(&chain);
    let issuer = described
        .last()
        .map(|c| c.issuer.clone())
        .unwrap_or_default();
    let ders: Vec<Vec<u8>> = chain.iter().map(|c| c.as_ref().to_vec()).collect();
    let judged = crate::tlsjudge::judge_chain(
        &cfg.system_roots,
        &cfg.mozilla_roots,
        &cfg.go_tls,
        &host,
        &ders,
        &issuer,
        tls::now_unix(),
    );
    s.lock().expect("not poisoned").report.tls = Some(TlsLayer {
        version,
        alpn: alpn.clone(),
        chain: described,
        trusted_by_system: Some(judged.sys.is_ok()),
        trusted_by_mozilla: Some(judged.moz_ok),
        error: judged.sys.as_ref().err().map(|(_, d)| d.clone()),
        duration_ms: ms(t0.elapsed()),
    });
    if let Err((v, detail)) = judged.sys {
        return finish(s, start, v, detail);
    }
    let intercepted = !judged.moz_ok;
    set_layer(s, Layer::Http);
    let h2 = alpn.as_deref() == Some("h2");
    if intercepted {
        // Only go's own public hosts must present a publicly trusted chain: a company's
        // proxy on its own name with a private CA the system trusts is the normal setup.
        let mut st = s.lock().expect("not poisoned");
        if gomedic_core::net::is_go_public_host(&host) {
            st.intercepted = Some(format!(
                "TLS to {host} is intercepted: the chain ends at \"{issuer}\", trusted by this machine's store but not by public roots. go works through it; the interceptor sees all module traffic"
            ));
        } else if st.private_ca.is_none() {
            st.private_ca = Some(format!(
                "TLS: {host} uses the private CA \"{issuer}\", trusted by this machine's store (not by public roots), as go requires"
            ));
        }
    }
    http_phase(
        t, cfg, s, start, tls_stream, h2, &host, port, &base, "https", None, hop,
    )
    .await;
}

// ---- proxy hops: SOCKS5 tunnel and the advice for a proxy's refusal ----

/// An HTTP proxy's CONNECT request, with the proxy URL's credentials as go sends them.
fn connect_request(host: &str, port: u16, user: Option<&(String, String)>) -> String {
    let auth = user
        .map(|(u, pw)| {
            format!(
                "Proxy-Authorization: {}\r\n",
                basic(format!("{u}:{pw}").as_bytes())
            )
        })
        .unwrap_or_default();
    format!(
        "CONNECT {host}:{port} HTTP/1.1\r\nHost: {host}:{port}\r\nUser-Agent: gomedic/{}\r\n{auth}\r\n",
        env!("CARGO_PKG_VERSION")
    )
}

/// The advice for a 407: which hop answered, and whether credentials were already sent.
fn proxy_407(host: &str, port: u16, var: &str, sent: bool, what: &str) -> String {
    if sent {
        format!("the proxy {host}:{port} refused the credentials in {var} (407 to {what}): the user name or password is wrong or expired (special characters must be percent-encoded); this is the proxy, not the module server")
    } else {
        format!("the proxy {host}:{port} wants credentials (407 to {what}); put them in {var} as http://user:password@host:port")
    }
}

/// The advice for another refusal by the proxy itself (not the server behind it).
fn proxy_refused(host: &str, port: u16, what: &str, code: u16) -> String {
    match code {
        403 => format!("the proxy {host}:{port} refused {what} with HTTP 403: its policy (an ACL) forbids this destination or port; ask the proxy's administrators or exempt the host in NO_PROXY. The module server was never reached, so GOAUTH/.netrc credentials cannot help"),
        c => format!("the proxy {host}:{port} refused {what} with HTTP {c}"),
    }
}

/// The SOCKS5 handshake and CONNECT; on failure the probe is finished (Err).
async fn socks_connect(
    s: &Shared,
    start: Instant,
    io: &mut Box<dyn Io>,
    p: &ProxyUrl,
    host: &str,
    port: u16,
    var: &str,
) -> Result<(), ()> {
    use crate::socks::SocksError;
    let user = p.user.as_ref().map(|(u, pw)| (u.as_str(), pw.as_str()));
    let res = crate::socks::connect(io, host, port, user).await;
    let error = res.as_ref().err().map(|e| e.to_string());
    s.lock().expect("not poisoned").report.proxy = Some(ProxyLayer {
        url: p.url.clone(),
        status: None,
        error: error.clone(),
    });
    let Err(e) = res else { return Ok(()) };
    let (ph, pp) = (&p.host, p.port.unwrap_or(1080));
    let (v, detail) = match e {
        SocksError::AuthRequired if user.is_none() => (Verdict::ProxyAuthRequired, format!("the SOCKS5 proxy {ph}:{pp} wants a user name and password; put them in {var} as {}://user:password@host:port", p.scheme)),
        SocksError::AuthRequired => (Verdict::ProxyFailed, format!("the SOCKS5 proxy {ph}:{pp} accepts neither no authentication nor user name and password")),
        SocksError::AuthRejected => (Verdict::ProxyAuthRequired, format!("the SOCKS5 proxy {ph}:{pp} refused the credentials in {var}: the user name or password is wrong; this is the proxy, not the module server")),
        SocksError::ConnectFailed(2, why) => (Verdict::ProxyFailed, format!("the SOCKS5 proxy {ph}:{pp} refused to connect to {host}:{port} ({why}): its policy forbids this destination; the module server was never reached")),
        SocksError::ConnectFailed(_, why) => (Verdict::ProxyFailed, format!("the SOCKS5 proxy {ph}:{pp} could not connect to {host}:{port}: {why}")),
        SocksError::Other(why) => (Verdict::ProxyFailed, format!("the SOCKS5 handshake with {ph}:{pp} failed: {why}")),
    };
    finish(s, start, v, detail);
    Err(())
}

async fn resolve_addrs(
    cfg: &ProbeConfig,
    host: &str,
    port: u16,
    check_suspicious: bool,
) -> (Vec<SocketAddr>, DnsLayer) {
    let mut layer = DnsLayer::default();
    if let Some(o) = cfg
        .overrides
        .iter()
        .find(|o| o.host == host && o.port == port)
    {
        layer.source = "override".into();
        layer.addresses = vec![o.addr.to_string()];
        return (vec![o.addr], layer);
    }
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        layer.source = "literal".into();
        layer.addresses = vec![ip.to_string()];
        return (vec![SocketAddr::new(ip, port)], layer);
    }
    let addrs: Vec<SocketAddr> = if let Some((ips, line)) = cfg
        .hosts
        .as_ref()
        .and_then(|(p, text)| resolve::hosts_lookup(text, host).map(|r| (r, p)))
    {
        layer.source = format!("hosts file {}:{}", line.display(), ips.1);
        ips.0
            .into_iter()
            .map(|ip| SocketAddr::new(ip, port))
            .collect()
    } else {
        layer.source = "system".into();
        match tokio::net::lookup_host((host, port)).await {
            Ok(it) => it.collect(),
            Err(e) => {
                layer.error = Some(e.to_string());
                return (Vec::new(), layer);
            }
        }
    };
    if addrs.is_empty() {
        layer.error = Some("no addresses".into());
    }
    layer.addresses = addrs.iter().map(|a| a.ip().to_string()).collect();
    if check_suspicious {
        layer.suspicious = addrs
            .iter()
            .filter_map(|a| {
                resolve::suspicious(host, a.ip()).map(|why| format!("{} ({why})", a.ip()))
            })
            .collect();
    }
    (addrs, layer)
}

#[allow(clippy::too_many_arguments)]
async fn http_phase<S>(
    t: &Target,
    cfg: &ProbeConfig,
    s: &Shared,
    start: Instant,
    io: S,
    h2: bool,
    host: &str,
    port: u16,
    base: &str,
    scheme: &str,
    via_proxy: Option<String>,
    hop: &Hop<'_>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let t0 = Instant::now();
    let first = hop.path.is_none();
    let path = match (hop.path, t.kind) {
        (Some(p), _) => p.to_string(),
        (None, EndpointKind::Proxy) => format!("{base}/{}/@v/list", cfg.probe_module),
        (None, EndpointKind::SumDb) => format!("{base}/latest"),
        (None, EndpointKind::Host) => {
            if base.is_empty() {
                "/".to_string()
            } else {
                base.to_string()
            }
        }
    };
    let authority = if (scheme == "https" && port == 443) || (scheme == "http" && port == 80) {
        host.to_string()
    } else {
        format!("{host}:{port}")
    };
    let mut layer = HttpLayer {
        request: format!("GET {path}"),
        ..Default::default()
    };
    let mut client = match Client::handshake(io, h2).await {
        Ok(c) => c,
        Err(e) => {
            let detail = format!("HTTP/{} setup failed: {e}", if h2 { "2" } else { "1.1" });
            return http_failed(s, start, layer, t0, e, detail);
        }
    };
    // Like the go command, send the URL's user:password as basic auth (private proxies),
    // but only to the host it was given for; .netrc is matched against this request's URL
    // as the diagnosed go release matches it.
    let auth = basic_auth(&t.url)
        .filter(|_| hop.send_userinfo)
        .or_else(|| {
            let url = format!("{}://{authority}{path}", scheme.to_ascii_lowercase());
            crate::netrc::credentials(&cfg.netrc, &url, cfg.netrc_matching)
                .map(|e| basic(format!("{}:{}", e.login, e.password).as_bytes()))
        });
    // Through an HTTP proxy, plain-http requests carry the absolute URL.
    let proxied = via_proxy.is_some();
    let proxy_auth_value = via_proxy.filter(|a| !a.is_empty());
    let target = |p: &str| {
        if proxied {
            format!("http://{authority}{p}")
        } else {
            p.to_string()
        }
    };
    let resp = client
        .get(
            scheme,
            &authority,
            &target(&path),
            auth.as_deref(),
            proxy_auth_value.as_deref(),
        )
        .await;
    let resp = match resp {
        Ok(r) => r,
        Err(e) => {
            let detail = format!("GET {path} failed: {e}");
            return http_failed(s, start, layer, t0, e, detail);
        }
    };
    let code = resp.code;
    layer.status = Some(code);
    if t.kind == EndpointKind::Proxy && first {
        let sp = format!("{base}/sumdb/{}/supported", cfg.sumdb_name);
        let supported = client
            .get(
                scheme,
                &authority,
                &target(&sp),
                auth.as_deref(),
                proxy_auth_value.as_deref(),
            )
            .await
            .ok()
            .map(|r| {
                r.code == 200 && protocol::check_supported(r.content_type.as_deref(), &r.body)
            });
        s.lock().expect("not poisoned").sumdb_supported = supported;
    }
    if t.kind == EndpointKind::Proxy {
        layer.sumdb_supported = s.lock().expect("not poisoned").sumdb_supported;
    }
    layer.duration_ms = ms(t0.elapsed());
    let redirect = matches!(code, 301 | 302 | 303 | 307 | 308) && t.kind != EndpointKind::Host;
    if redirect {
        if let Some(loc) = resp.location.as_deref().filter(|l| !l.trim().is_empty()) {
            let mut st = s.lock().expect("not poisoned");
            st.report.http = Some(layer);
            let current = format!("{scheme}://{authority}{path}");
            let next = resolve_location(&current, loc);
            st.redirect = Some((current, next));
            return;
        }
    }
    s.lock().expect("not poisoned").report.http = Some(layer);
    let ct = resp.content_type.as_deref();
    let (v, detail) = match (t.kind, code) {
        // Answered by the proxy hop: 407 always; 403 too for an http:// URL (the usual
        // ACL refusal; the proxy, not the server, is the first to see the request).
        (_, 407) if proxied && proxy_auth_value.is_some() => (Verdict::ProxyAuthRequired, "the HTTP proxy refused the credentials in HTTP_PROXY (407): the user name or password is wrong or expired; this is the proxy, not the module server".to_string()),
        (_, 407) if proxied => (Verdict::ProxyAuthRequired, "the HTTP proxy wants credentials (407); put them in HTTP_PROXY as http://user:password@host:port".to_string()),
        (_, 403) if proxied => (Verdict::HttpError, format!("GET {path}: 403 through the HTTP proxy: most likely the proxy's policy (an ACL) forbids {authority}; ask the proxy's administrators or exempt the host in NO_PROXY. GOAUTH/.netrc credentials go to the module server and do not change a proxy's refusal")),
        (EndpointKind::Proxy, 200..=299) => match protocol::check_list(ct, &resp.body) {
            Ok(()) => (Verdict::Ok, format!("GET {path}: {code}")),
            Err(what) => (Verdict::NotGoproxy, format!("GET {path}: {code}, but not a module version list ({what}): a block page, captive portal or login page, not a module proxy")),
        },
        (EndpointKind::SumDb, 200..=299) => match protocol::check_latest(ct, &resp.body) {
            Ok(()) => (Verdict::Ok, format!("GET {path}: {code}")),
            Err(what) => (Verdict::NotGoproxy, format!("GET {path}: {code}, but not a signed checksum database tree ({what}): a block page, captive portal or login page")),
        },
        (_, 200..=299) => (Verdict::Ok, format!("GET {path}: {code}")),
        (EndpointKind::Proxy, 404 | 410) => (Verdict::Ok, format!("GET {path}: {code} (the proxy answers the protocol; it does not serve {})", cfg.probe_module)),
        (EndpointKind::Host, 300..=499) => (Verdict::Ok, format!("GET {path}: {code}")),
        (_, 300..=399) => (Verdict::HttpError, format!("GET {path}: HTTP {code} without a Location to follow")),
        (_, 401 | 403) => (Verdict::HttpError, format!("GET {path}: {code}: the server wants credentials (GOAUTH / .netrc) or forbids access")),
        (_, c) => (Verdict::HttpError, format!("GET {path}: HTTP {c}")),
    };
    finish(s, start, v, detail);
}

// ---- TLS helpers: an https proxy's own TLS, and asking a server in go's words ----

/// TLS to an https:// proxy, its chain verified as go verifies it against the system store.
async fn proxy_tls(cfg: &ProbeConfig, name: &str, io: Box<dyn Io>) -> Result<Box<dyn Io>, String> {
    let (connector, recorder) = tls::recording_connector(cfg.go_tls, false);
    let sn =
        rustls::pki_types::ServerName::try_from(name.to_string()).map_err(|e| e.to_string())?;
    let t = connector.connect(sn, io).await.map_err(|e| e.to_string())?;
    let ders: Vec<Vec<u8>> = recorder
        .chain
        .lock()
        .expect("not poisoned")
        .iter()
        .map(|c| c.as_ref().to_vec())
        .collect();
    let certs = crate::tlsjudge::parse_chain(&ders)?;
    crate::x509go::verify(
        &certs,
        &cfg.system_roots,
        name,
        tls::now_unix(),
        &cfg.go_tls,
    )
    .map_err(|e| format!("tls: failed to verify certificate: {e}"))?;
    Ok(Box::new(t))
}

/// A new connection to the same place by the same route (proxy, tunnel), for asking the
/// server with a hand-written ClientHello. `None` when the route no longer works.
async fn redial(
    cfg: &ProbeConfig,
    addr: SocketAddr,
    purl: Option<&ProxyUrl>,
    socks: bool,
    host: &str,
    port: u16,
    scheme: &str,
) -> Option<Box<dyn Io>> {
    let tcp = TcpStream::connect(addr).await.ok()?;
    let _ = tcp.set_nodelay(true);
    let mut io: Box<dyn Io> = Box::new(tcp);
    if let Some(p) = purl.filter(|p| p.scheme == "https") {
        io = proxy_tls(cfg, &p.host, io).await.ok()?;
    }
    match purl {
        Some(p) if socks => {
            let user = p.user.as_ref().map(|(u, pw)| (u.as_str(), pw.as_str()));
            crate::socks::connect(&mut io, host, port, user)
                .await
                .ok()?;
        }
        Some(p) if scheme == "https" => {
            let req = connect_request(host, port, p.user.as_ref());
            io.write_all(req.as_bytes()).await.ok()?;
            let code = read_status(&mut io).await.ok()?;
            if !(200..300).contains(&code) {
                return None;
            }
        }
        _ => {}
    }
    Some(io)
}

/// Asks the server with go's own TLS 1.2 offer; if it refuses, asks again with every
/// suite to learn what it wanted.
#[allow(clippy::too_many_arguments)]
async fn go_hello(
    cfg: &ProbeConfig,
    addr: SocketAddr,
    purl: Option<&ProxyUrl>,
    socks: bool,
    host: &str,
    port: u16,
    scheme: &str,
) -> Option<(Answer, Option<Answer>)> {
    let mut io = redial(cfg, addr, purl, socks, host, port, scheme).await?;
    let first = crate::hello::exchange(&mut io, host, &cfg.go_tls.tls12_suites(), true)
        .await
        .ok()?;
    drop(io);
    if !matches!(first, Answer::Alert(..) | Answer::Closed) {
        return Some((first, None));
    }
    let wide = match redial(cfg, addr, purl, socks, host, port, scheme).await {
        Some(mut io) => crate::hello::exchange(&mut io, host, crate::gotls::WIDE_SUITES, false)
            .await
            .ok(),
        None => None,
    };
    Some((first, wide))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn urls() {
        assert_eq!(
            split_url("https://proxy.golang.org").unwrap(),
            ("https".into(), "proxy.golang.org".into(), 443, "".into())
        );
        assert_eq!(
            split_url("https://mirrors.aliyun.com/goproxy/").unwrap().3,
            "/goproxy"
        );
        assert_eq!(
            split_url("http://u:p@127.0.0.1:8080/x").unwrap(),
            ("http".into(), "127.0.0.1".into(), 8080, "/x".into())
        );
        assert_eq!(split_url("https://[::1]:9/").unwrap().1, "::1");
        assert!(split_url("ftp://x").is_err());
        assert!(split_url("https://:1/").is_err());
        assert!(split_url("https://h:99999/").is_err());
    }

    #[test]
    fn locations_resolve_like_net_http() {
        let cur = "https://p.example/a/b/@v/list";
        assert_eq!(
            resolve_location(cur, "https://q.example:8443/x"),
            "https://q.example:8443/x"
        );
        assert_eq!(
            resolve_location(cur, "//q.example/x?y=1"),
            "https://q.example/x?y=1"
        );
        assert_eq!(resolve_location(cur, "/x/../y"), "https://p.example/y");
        assert_eq!(resolve_location(cur, "c"), "https://p.example/a/b/@v/c");
        assert_eq!(resolve_location(cur, "../c"), "https://p.example/a/b/c");
        assert_eq!(
            resolve_location(cur, "?q"),
            "https://p.example/a/b/@v/list?q"
        );
        assert_eq!(
            resolve_location("http://h:1/x", "HTTPS://u:p@H2/y#f"),
            "https://H2/y"
        );
        assert_eq!(
            resolve_location(cur, "/a b\u{202e}\u{1b}"),
            "https://p.example/a%20b%E2%80%AE%1B"
        );
        assert_eq!(
            split_origin("https://u:p@h:1/a?b#c"),
            ("https://h:1".into(), "/a?b".into())
        );
        assert_eq!(split_origin("http://h"), ("http://h".into(), "/".into()));
    }
}
