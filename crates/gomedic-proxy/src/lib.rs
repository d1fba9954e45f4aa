//! `gomedic proxy serve`: a verifying, caching Go module proxy. Files are served from a
//! cache directory laid out exactly like GOMODCACHE/cache/download (so it also works as
//! `GOPROXY=file://DIR`); misses are fetched from upstream proxies, and `.mod`/`.zip`
//! are checked against the checksum database and go's zip rules before they are cached.

/// The upstream client (gomedic's one HTTP client stack).
pub use gomedic_http as client;
pub mod config;
pub mod direct;
pub mod ops;
pub mod prefill;
pub mod storage;
pub mod sumdb;

use bytes::Bytes;
use client::{Client, FetchError};
use gomedic_gomod::escape::ProxyRequest;
use gomedic_gomod::{dirhash, modzip, semver};
use hyper::body::{Body, Frame};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use std::collections::HashMap;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};
use storage::{Opened, Storage};

/// The `Server` header of every response: how `gomedic check` tells a gomedic proxy apart.
pub const SERVER: &str = concat!("gomedic-proxy/", env!("CARGO_PKG_VERSION"));

const MAX_URL_PATH: usize = 4096;
const MAX_INFO: u64 = 1 << 20;
const MAX_LIST: u64 = 16 << 20;
const MAX_MISSING: usize = 100_000;

/// One element of a GOPROXY-style list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upstream {
    /// Base URL, no trailing slash.
    pub url: String,
    /// `|` after this element: the next one is tried after any error, not only 404/410.
    pub fallback_on_error: bool,
}

/// Parses `A,B|C` as the go command does; `direct` and `off` are not supported here.
pub fn parse_upstreams(s: &str) -> Result<Vec<Upstream>, String> {
    let mut out = Vec::new();
    let mut rest = s.trim();
    while !rest.is_empty() {
        let (elem, sep, tail) = match rest.find([',', '|']) {
            Some(i) => (&rest[..i], rest.as_bytes()[i], &rest[i + 1..]),
            None => (rest, b',', ""),
        };
        rest = tail;
        let elem = elem.trim();
        if elem.is_empty() {
            continue;
        }
        if elem == "direct" {
            return Err("upstream \"direct\" is not supported: list http(s) proxies, and name the module paths to fetch from version control with --private (GOPRIVATE syntax)".into());
        }
        if elem == "off" {
            return Err("upstream \"off\" is not supported: list http(s) proxies".into());
        }
        let url = if elem.contains("://") {
            elem.to_string()
        } else {
            format!("https://{elem}")
        };
        client::check_url(&url)?;
        out.push(Upstream {
            url: url.trim_end_matches('/').to_string(),
            fallback_on_error: sep == b'|',
        });
    }
    if out.is_empty() {
        return Err("no upstream proxy given".into());
    }
    Ok(out)
}

pub struct Config {
    /// The cache directory; with `s3` set, only scratch space for zips being checked.
    pub cache_dir: std::path::PathBuf,
    /// `--storage s3://bucket/prefix`: the cache lives in this bucket instead.
    pub s3: Option<storage::S3>,
    pub upstreams: Vec<Upstream>,
    /// None: `--sumdb off`, no checksum verification.
    pub sumdb: Option<sumdb::SumDb>,
    pub timeout: Duration,
    /// How long `@v/list` and `@latest` are served from the cache without asking upstream.
    pub list_ttl: Duration,
    pub log: Arc<dyn Fn(&str) + Send + Sync>,
    /// One structured line per request (see `ops`).
    pub access_log: Arc<dyn Fn(&str) + Send + Sync>,
    /// At most this many upstream module fetches at once.
    pub max_upstream: usize,
    /// Bytes of verified `.info`/`.mod`/`.zip` files kept in memory (least recently used
    /// first out; files over a quarter of it, or 4 MiB, never); 0: none.
    pub memory_cache: u64,
    /// `--private`: these module paths are fetched by go from version control instead.
    pub direct: Option<direct::DirectConfig>,
}

pub struct Proxy {
    cfg: Config,
    client: Client,
    checker: Option<sumdb::Checker>,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Files every upstream said do not exist, and when: asked again only after the list TTL.
    missing: Mutex<HashMap<String, Instant>>,
    /// Hot immutable files, in memory (`Config::memory_cache`).
    hot: Mutex<Hot>,
    ops: ops::Ops,
    store: Storage,
    direct: Option<direct::Direct>,
}

/// Binds `listen`, calls `ready` with the bound address, and serves until the process
/// ends, on a runtime of its own (callers need no async code).
pub fn run_blocking(
    cfg: Config,
    listen: &str,
    ready: impl FnOnce(std::net::SocketAddr),
) -> std::io::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(async move {
        let l = tokio::net::TcpListener::bind(listen).await?;
        ready(l.local_addr()?);
        Proxy::new(cfg)
            .serve_until(l, shutdown_signal(), SHUTDOWN_DEADLINE)
            .await
    })
}

/// Immutable files kept in memory, least recently used evicted first. Only verified
/// `.info`/`.mod`/`.zip` files are ever put here, and they never change.
struct Hot {
    map: lru::LruCache<String, Bytes>,
    bytes: u64,
    cap: u64,
}

impl Hot {
    fn new(cap: u64) -> Hot {
        Hot {
            map: lru::LruCache::unbounded(),
            bytes: 0,
            cap,
        }
    }

    /// Files up to this size are read whole (and kept); larger ones are streamed.
    fn max_file(&self) -> u64 {
        (self.cap / 4).min(4 << 20)
    }

    fn get(&mut self, rel: &str) -> Option<Bytes> {
        self.map.get(rel).cloned()
    }

    fn put(&mut self, rel: &str, b: Bytes) {
        let n = b.len() as u64;
        if n > self.max_file() || self.map.contains(rel) {
            return;
        }
        while self.bytes + n > self.cap {
            match self.map.pop_lru() {
                Some((_, old)) => self.bytes -= old.len() as u64,
                None => break,
            }
        }
        self.bytes += n;
        self.map.put(rel.to_string(), b);
    }
}

/// A response: status, content type, body.
enum Reply {
    Text(StatusCode, String),
    Bytes(&'static str, Vec<u8>),
    /// A cached file, by its cache-relative path.
    Cached(&'static str, String),
    /// A cached file already opened.
    Opened(&'static str, Opened),
}

fn text(status: StatusCode, msg: impl Into<String>) -> Reply {
    let mut m: String = msg.into();
    // Go shows a short, printable text/plain body after "server response:".
    m.retain(|c| c == '\n' || !c.is_control());
    if m.len() > 600 {
        let mut cut = 600;
        while !m.is_char_boundary(cut) {
            cut -= 1;
        }
        m.truncate(cut);
    }
    if !m.ends_with('\n') {
        m.push('\n');
    }
    Reply::Text(status, m)
}

fn content_type(req: &ProxyRequest) -> &'static str {
    match req {
        ProxyRequest::Info { .. } | ProxyRequest::Latest { .. } => "application/json",
        ProxyRequest::Zip { .. } => "application/zip",
        _ => "text/plain; charset=utf-8",
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let h = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(h, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

impl Proxy {
    pub fn new(cfg: Config) -> Arc<Proxy> {
        let client = Client::new(cfg.timeout);
        let make_store = || match &cfg.s3 {
            Some(s) => Storage::S3(s.clone(), cfg.cache_dir.clone()),
            None => Storage::Disk(cfg.cache_dir.clone()),
        };
        let store = make_store();
        // The checker keeps verified tiles and the last tree head in the same storage.
        let checker = cfg
            .sumdb
            .clone()
            .map(|db| sumdb::Checker::new(db, client.clone(), make_store(), cfg.log.clone()));
        let urls: Vec<String> = cfg.upstreams.iter().map(|u| u.url.clone()).collect();
        Arc::new(Proxy {
            client,
            checker,
            flights: Mutex::new(HashMap::new()),
            missing: Mutex::new(HashMap::new()),
            hot: Mutex::new(Hot::new(cfg.memory_cache)),
            ops: ops::Ops::new(&urls, cfg.max_upstream),
            store,
            direct: cfg.direct.clone().map(direct::Direct::new),
            cfg,
        })
    }

    fn log(&self, msg: &str) {
        (self.cfg.log)(msg)
    }

    /// Accepts connections until the process ends.
    pub async fn serve(self: Arc<Self>, listener: tokio::net::TcpListener) -> std::io::Result<()> {
        self.serve_until(listener, std::future::pending(), Duration::ZERO)
            .await
    }

    /// Accepts connections until `shutdown` completes; then stops accepting, answers
    /// `/healthz` with 503, lets in-flight requests finish (idle keep-alive connections
    /// are closed) and returns once they are done or `deadline` has passed.
    pub async fn serve_until(
        self: Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()>,
        deadline: Duration,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        // Every connection holds a sender; recv() returns None once all are gone.
        let (live_tx, mut live_rx) = tokio::sync::mpsc::channel::<()>(1);
        tokio::pin!(shutdown);
        loop {
            let (stream, _) = tokio::select! {
                _ = &mut shutdown => break,
                c = listener.accept() => match c {
                    Ok(c) => c,
                    // Out of descriptors and the like: keep serving the others.
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                },
            };
            // Without it, a response written as headers then body waits out delayed ACKs.
            let _ = stream.set_nodelay(true);
            let me = self.clone();
            let mut stop = stop_rx.clone();
            let live = live_tx.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| {
                    let me = me.clone();
                    async move { Ok::<_, std::convert::Infallible>(me.handle(req).await) }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .max_buf_size(64 * 1024)
                    .header_read_timeout(Duration::from_secs(30))
                    .timer(hyper_util::rt::TokioTimer::new())
                    .serve_connection(TokioIo::new(stream), svc);
                tokio::pin!(conn);
                tokio::select! {
                    _ = conn.as_mut() => {}
                    _ = stop.changed() => {
                        conn.as_mut().graceful_shutdown();
                        let _ = conn.await;
                    }
                }
                drop(live);
            });
        }
        drop(listener);
        self.ops.set_shutting_down();
        self.log("shutting down: no new connections, finishing requests in flight");
        let _ = stop_tx.send(true);
        drop(live_tx);
        if tokio::time::timeout(deadline, live_rx.recv())
            .await
            .is_err()
        {
            self.log(&format!(
                "shutdown: requests still in flight after {}s, stopping anyway",
                deadline.as_secs()
            ));
        }
        Ok(())
    }

    async fn handle(&self, req: Request<hyper::body::Incoming>) -> Response<ReplyBody> {
        let started = Instant::now();
        let head = req.method() == Method::HEAD;
        let path = req.uri().path();
        let (reply, cache) = if req.method() != Method::GET && !head {
            (
                text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
                None,
            )
        } else {
            ops::with_cache_flag(self.route_ops(path)).await
        };
        let resp = render(&self.store, reply, head).await;
        let bytes = if head {
            0
        } else {
            resp.headers()
                .get(hyper::header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok()?.parse().ok())
                .unwrap_or(0)
        };
        // The path only: a query string never reaches the log.
        let line = self.ops.request_done(
            req.method().as_str(),
            path,
            resp.status().as_u16(),
            bytes,
            started.elapsed(),
            cache,
        );
        (self.cfg.access_log)(&line);
        resp
    }

    /// `/`, `/metrics`, `/healthz`, else the GOPROXY protocol.
    async fn route_ops(&self, path: &str) -> Reply {
        match path {
            "/healthz" if self.ops.shutting_down() => {
                text(StatusCode::SERVICE_UNAVAILABLE, "shutting down")
            }
            "/healthz" => text(StatusCode::OK, "ok"),
            "/metrics" => Reply::Bytes(
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
                self.ops.metrics().into_bytes(),
            ),
            "/" => {
                let db = self.checker.as_ref().map(|c| c.db().verifier.name.clone());
                Reply::Bytes(
                    "text/html; charset=utf-8",
                    self.ops
                        .status_page(&self.cfg.cache_dir, db.as_deref())
                        .into_bytes(),
                )
            }
            _ => self.route(path).await,
        }
    }

    async fn route(&self, raw: &str) -> Reply {
        if raw.len() > MAX_URL_PATH || raw.contains('?') {
            return text(StatusCode::NOT_FOUND, "not found");
        }
        let Some(path) = percent_decode(raw) else {
            return text(StatusCode::NOT_FOUND, "not found: malformed path");
        };
        if let Some(rest) = path.strip_prefix("/sumdb/") {
            if let Some(r) = self.private_lookup(rest) {
                return r;
            }
            return self.sumdb(rest).await;
        }
        let req = match ProxyRequest::parse(&path) {
            Ok(r) => r,
            Err(e) => return text(StatusCode::NOT_FOUND, format!("not found: {e}")),
        };
        // The canonical escaped form: the cache file name, and no way out of the cache dir.
        let rel = match req.url_path() {
            Ok(r) => r,
            Err(e) => return text(StatusCode::NOT_FOUND, format!("not found: {e}")),
        };
        if let Some(d) = &self.direct {
            if d.matches(direct::module_path(&req)) {
                let log = |m: &str| self.log(m);
                return d
                    .route(&self.store, self.cfg.list_ttl, &log, &req, &rel)
                    .await;
            }
        }
        match &req {
            ProxyRequest::List { .. } | ProxyRequest::Latest { .. } => {
                self.volatile(&req, &rel).await
            }
            ProxyRequest::Info { version, .. } if !is_canonical(version) => {
                // A branch or commit query: answered by upstream, never cached.
                match self.fetch_bytes(&rel, MAX_INFO).await {
                    Ok(b) => Reply::Bytes("application/json", b),
                    Err(e) => upstream_error(e),
                }
            }
            ProxyRequest::Info { version, .. }
            | ProxyRequest::Mod { version, .. }
            | ProxyRequest::Zip { version, .. } => {
                if !is_canonical(version) {
                    return text(
                        StatusCode::NOT_FOUND,
                        format!("not found: {version} is not a canonical version"),
                    );
                }
                self.immutable(&req, &rel).await
            }
        }
    }

    /// A private path is never sent to the checksum database, not even for a client.
    fn private_lookup(&self, rest: &str) -> Option<Reply> {
        let d = self.direct.as_ref()?;
        let (_, target) = rest.split_once("/lookup/")?;
        let path = target.rsplit_once('@').map_or(target, |t| t.0);
        let path = gomedic_gomod::escape::unescape_path(path).ok()?;
        d.matches(&path).then(|| {
            text(
                StatusCode::NOT_FOUND,
                format!("gomedic proxy: {path} is private (--private): it is not looked up in the checksum database; set GONOSUMDB={path} (or the team's private patterns) on the client"),
            )
        })
    }

    async fn sumdb(&self, rest: &str) -> Reply {
        let Some(checker) = &self.checker else {
            return text(StatusCode::NOT_FOUND, "no checksum database configured");
        };
        let db = checker.db();
        let name = &db.verifier.name;
        let Some(sub) = rest
            .strip_prefix(name.as_str())
            .and_then(|s| s.strip_prefix('/'))
        else {
            return text(StatusCode::NOT_FOUND, "unknown checksum database");
        };
        if sub == "supported" {
            return Reply::Text(StatusCode::OK, String::new());
        }
        let allowed = sub == "latest" || sub.starts_with("lookup/") || sub.starts_with("tile/");
        if !allowed || sub.split('/').any(|e| e == ".." || e == ".") {
            return text(StatusCode::NOT_FOUND, "not found");
        }
        // Failover between the database and its mirrors, tiles from the cache, lookups and
        // tree heads verified (a fork is refused) before they are passed on.
        match checker.serve(sub).await {
            Ok(b) => Reply::Bytes("text/plain; charset=utf-8", b),
            Err(sumdb::DbError::NotFound(m)) => text(StatusCode::NOT_FOUND, m),
            Err(sumdb::DbError::Unavailable(m)) => text(StatusCode::BAD_GATEWAY, m),
            Err(sumdb::DbError::Refused(m)) => self.refuse(&format!("sumdb/{name}/{sub}"), &m),
        }
    }

    /// `@v/list` and `@latest`: fresh from the cache within the TTL, else from upstream,
    /// else the stale copy.
    async fn volatile(&self, req: &ProxyRequest, rel: &str) -> Reply {
        let age = match self.store.modified(rel).await {
            Ok(t) => t.map(|t| SystemTime::now().duration_since(t).unwrap_or_default()),
            Err(e) => {
                self.log(&format!("cache read {rel}: {e}"));
                None
            }
        };
        if age.is_some_and(|a| a < self.cfg.list_ttl) {
            ops::mark_cache(true);
            return Reply::Cached(content_type(req), rel.to_string());
        }
        ops::mark_cache(false);
        if age.is_none() {
            if let Some(r) = self.known_missing(rel) {
                return r;
            }
        }
        let limit = if matches!(req, ProxyRequest::List { .. }) {
            MAX_LIST
        } else {
            MAX_INFO
        };
        match self.fetch_bytes(rel, limit).await {
            Ok(b) => {
                if let ProxyRequest::Latest { .. } = req {
                    if let Err(e) = check_info(&b, None) {
                        return text(StatusCode::BAD_GATEWAY, format!("upstream @latest: {e}"));
                    }
                }
                if let Err(e) = self.store.put_bytes(rel, b.clone()).await {
                    self.log(&format!("cache write {rel}: {e}"));
                }
                Reply::Bytes(content_type(req), b)
            }
            Err(e) if age.is_some() => {
                self.log(&format!("{rel}: serving stale copy: {e}"));
                Reply::Cached(content_type(req), rel.to_string())
            }
            Err(e) => self.note_missing(rel, upstream_error(e)),
        }
    }

    /// A 404 remembered from upstream, if still fresh.
    fn known_missing(&self, rel: &str) -> Option<Reply> {
        let m = self.missing.lock().unwrap_or_else(|e| e.into_inner());
        let at = m.get(rel)?;
        (at.elapsed() < self.cfg.list_ttl).then(|| {
            text(
                StatusCode::NOT_FOUND,
                "not found (every upstream said so recently; asked again after the list TTL)",
            )
        })
    }

    /// Remembers a "not found" from upstream (bounded: old entries go first).
    fn note_missing(&self, rel: &str, reply: Reply) -> Reply {
        if let Reply::Text(StatusCode::NOT_FOUND, _) = &reply {
            let mut m = self.missing.lock().unwrap_or_else(|e| e.into_inner());
            if m.len() >= MAX_MISSING {
                let ttl = self.cfg.list_ttl;
                m.retain(|_, at| at.elapsed() < ttl);
                if m.len() >= MAX_MISSING {
                    m.clear();
                }
            }
            m.insert(rel.to_string(), Instant::now());
        }
        reply
    }

    /// `.info`, `.mod`, `.zip` of a canonical version: from the cache, or fetched once,
    /// verified, cached.
    async fn immutable(&self, req: &ProxyRequest, rel: &str) -> Reply {
        let cached = Reply::Cached(content_type(req), rel.to_string());
        if let Some(b) = self.hot.lock().unwrap_or_else(|e| e.into_inner()).get(rel) {
            ops::mark_cache(true);
            let n = b.len() as u64;
            return Reply::Opened(content_type(req), Opened::Bytes(b, n));
        }
        // The hit path opens the file once (no separate existence check).
        let whole = self
            .hot
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .max_file();
        match self.store.open_upto(rel, whole).await {
            Ok(o) => {
                ops::mark_cache(true);
                if let Opened::Bytes(b, _) = &o {
                    self.hot
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .put(rel, b.clone());
                }
                return Reply::Opened(content_type(req), o);
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => self.log(&format!("cache read {rel}: {e}")),
        }
        ops::mark_cache(false);
        if let Some(r) = self.known_missing(rel) {
            return r;
        }
        let flight = {
            let mut m = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            m.entry(rel.to_string()).or_default().clone()
        };
        let reply = {
            let _guard = flight.lock().await;
            if self.cached(rel).await {
                cached
            } else {
                match self.fetch_verified(req, rel).await {
                    Ok(()) => cached,
                    Err(r) => self.note_missing(rel, r),
                }
            }
        };
        let mut m = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if Arc::strong_count(&flight) <= 2 {
            m.remove(rel);
        }
        reply
    }

    /// Whether an immutable file is in the cache; a storage error counts as a miss.
    async fn cached(&self, rel: &str) -> bool {
        match self.store.exists(rel).await {
            Ok(b) => b,
            Err(e) => {
                self.log(&format!("cache read {rel}: {e}"));
                false
            }
        }
    }

    async fn fetch_verified(&self, req: &ProxyRequest, rel: &str) -> Result<(), Reply> {
        match req {
            ProxyRequest::Info { version, .. } => {
                let b = self
                    .fetch_bytes(rel, MAX_INFO)
                    .await
                    .map_err(upstream_error)?;
                check_info(&b, Some(version)).map_err(|e| self.refuse(rel, &e))?;
                self.store
                    .put_bytes(rel, b)
                    .await
                    .map_err(|e| text(StatusCode::INTERNAL_SERVER_ERROR, format!("cache: {e}")))
            }
            ProxyRequest::Mod { path, version } => {
                let b = self
                    .fetch_bytes(rel, modzip::MAX_GO_MOD)
                    .await
                    .map_err(upstream_error)?;
                let h = dirhash::hash_go_mod(&b);
                if let Some(c) = &self.checker {
                    let sums = c
                        .lookup(path, version)
                        .await
                        .map_err(|e| self.refuse(rel, &e))?;
                    if sums.go_mod.as_deref() != Some(h.as_str()) {
                        return Err(self.refuse(
                            rel,
                            &format!(
                                "checksum mismatch for {path}@{version}/go.mod: upstream {h}, checksum database {}",
                                sums.go_mod.as_deref().unwrap_or("(none)")
                            ),
                        ));
                    }
                }
                self.store
                    .put_bytes(rel, b)
                    .await
                    .map_err(|e| text(StatusCode::INTERNAL_SERVER_ERROR, format!("cache: {e}")))
            }
            ProxyRequest::Zip { path, version } => self.fetch_zip(rel, path, version).await,
            _ => Err(text(StatusCode::NOT_FOUND, "not found")),
        }
    }

    async fn fetch_zip(&self, rel: &str, path: &str, version: &str) -> Result<(), Reply> {
        let internal =
            |e: std::io::Error| text(StatusCode::INTERNAL_SERVER_ERROR, format!("cache: {e}"));
        let tmp = self.store.temp_for(rel).map_err(internal)?;
        let r = self.fetch_zip_to(rel, path, version, &tmp).await;
        if r.is_ok() {
            // Removes the temp file either way.
            self.store.commit_file(rel, &tmp).await.map_err(internal)?;
        } else {
            let _ = std::fs::remove_file(&tmp);
        }
        r
    }

    async fn fetch_zip_to(
        &self,
        rel: &str,
        path: &str,
        version: &str,
        tmp: &std::path::Path,
    ) -> Result<(), Reply> {
        let internal =
            |e: std::io::Error| text(StatusCode::INTERNAL_SERVER_ERROR, format!("cache: {e}"));
        let mut last: Option<FetchError> = None;
        let mut ok = false;
        for (i, up) in self.cfg.upstreams.iter().enumerate() {
            let mut f = tokio::fs::File::create(tmp).await.map_err(internal)?;
            let url = format!("{}/{rel}", up.url);
            let r = {
                let _slot = self.ops.upstream_slot().await;
                let t = Instant::now();
                let r = self
                    .client
                    .get_to_file(&url, &mut f, modzip::MAX_ZIP_FILE)
                    .await;
                self.upstream_done(&up.url, t, r.as_ref().err());
                r
            };
            match r {
                Ok(_) => {
                    ok = true;
                    break;
                }
                Err(e) => {
                    let go_on = matches!(e, FetchError::NotFound(_)) || up.fallback_on_error;
                    last = Some(rank(last, e));
                    if !go_on || i + 1 == self.cfg.upstreams.len() {
                        break;
                    }
                }
            }
        }
        if !ok {
            return Err(upstream_error(
                last.unwrap_or_else(|| FetchError::NotFound("not found".into())),
            ));
        }
        let checker = self.checker.as_ref();
        let sums = match checker {
            Some(c) => Some(
                c.lookup(path, version)
                    .await
                    .map_err(|e| self.refuse(rel, &e))?,
            ),
            None => None,
        };
        let (p, v, t) = (path.to_string(), version.to_string(), tmp.to_path_buf());
        // Hashing and zip checks read the whole file: off the async workers.
        let checked = tokio::task::spawn_blocking(move || -> Result<String, String> {
            let mut f = std::fs::File::open(&t).map_err(|e| e.to_string())?;
            let size = f.metadata().map_err(|e| e.to_string())?.len();
            let cz = modzip::check_download(&p, &v, &mut f, size)?;
            if let Some(e) = cz.err() {
                return Err(e);
            }
            let f = std::fs::File::open(&t).map_err(|e| e.to_string())?;
            dirhash::hash_zip(std::io::BufReader::new(f)).map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        let h = checked.map_err(|e| self.refuse(rel, &format!("invalid module zip: {e}")))?;
        if let Some(sums) = sums {
            if sums.zip.as_deref() != Some(h.as_str()) {
                return Err(self.refuse(
                    rel,
                    &format!(
                        "checksum mismatch for {path}@{version}: upstream zip {h}, checksum database {}",
                        sums.zip.as_deref().unwrap_or("(none)")
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Logged and answered 502; nothing is cached.
    fn refuse(&self, rel: &str, why: &str) -> Reply {
        self.log(&format!("refused {rel}: {why}"));
        self.ops.verification_failed(&format!("{rel}: {why}"));
        text(
            StatusCode::BAD_GATEWAY,
            format!("gomedic proxy: refused {rel}: {why}"),
        )
    }

    /// Tries the upstreams in order with the go command's `,` / `|` rules.
    async fn fetch_bytes(&self, rel: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        let mut last: Option<FetchError> = None;
        for up in &self.cfg.upstreams {
            let r = {
                let _slot = self.ops.upstream_slot().await;
                let t = Instant::now();
                let r = self
                    .client
                    .get_bytes(&format!("{}/{rel}", up.url), limit)
                    .await;
                self.upstream_done(&up.url, t, r.as_ref().err());
                r
            };
            match r {
                Ok(b) => return Ok(b),
                Err(e) => {
                    let go_on = matches!(e, FetchError::NotFound(_)) || up.fallback_on_error;
                    last = Some(rank(last, e));
                    if !go_on {
                        break;
                    }
                }
            }
        }
        Err(last.unwrap_or_else(|| FetchError::NotFound("not found".into())))
    }

    fn upstream_done(&self, url: &str, t: Instant, err: Option<&FetchError>) {
        let outcome = match err {
            None => ops::Outcome::Ok,
            Some(FetchError::NotFound(_)) => ops::Outcome::NotFound,
            Some(FetchError::Other(m)) => ops::Outcome::Error(m),
        };
        self.ops.upstream_done(url, t, outcome);
    }
}

/// How long `run_blocking` waits for requests in flight after SIGINT/SIGTERM.
pub const SHUTDOWN_DEADLINE: Duration = Duration::from_secs(30);

/// Completes on SIGINT or SIGTERM (Ctrl-C elsewhere).
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let (Ok(mut int), Ok(mut term)) = (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        ) else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Go ranks a real failure above "not found" when reporting.
fn rank(prev: Option<FetchError>, new: FetchError) -> FetchError {
    match (prev, new) {
        (Some(p @ FetchError::Other(_)), FetchError::NotFound(_)) => p,
        (_, n) => n,
    }
}

fn upstream_error(e: FetchError) -> Reply {
    match e {
        FetchError::NotFound(m) => text(StatusCode::NOT_FOUND, format!("not found: {m}")),
        FetchError::Other(m) => text(StatusCode::BAD_GATEWAY, format!("upstream: {m}")),
    }
}

fn is_canonical(v: &str) -> bool {
    semver::is_valid(v) && semver::canonical_module_version(v) == v
}

/// `.info` JSON with a `Version`; for a canonical request, that version.
fn check_info(b: &[u8], want: Option<&str>) -> Result<(), String> {
    let v: serde_json::Value =
        serde_json::from_slice(b).map_err(|e| format!("malformed info JSON: {e}"))?;
    let got = v
        .get("Version")
        .and_then(|v| v.as_str())
        .ok_or("info without Version")?;
    if !semver::is_valid(got) {
        return Err(format!("info has invalid version {got:?}"));
    }
    if let Some(w) = want {
        if got != w {
            return Err(format!("info for version {got} instead of requested {w}"));
        }
    }
    Ok(())
}

/// Response body: in memory, a cached file streamed from disk, or an object streamed
/// from the bucket.
pub enum ReplyBody {
    Bytes(Option<Bytes>),
    Stream(futures_util::stream::BoxStream<'static, std::io::Result<Bytes>>),
}

impl Body for ReplyBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        match self.get_mut() {
            ReplyBody::Bytes(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ReplyBody::Stream(s) => s
                .as_mut()
                .poll_next(cx)
                .map(|o| o.map(|r| r.map(Frame::data))),
        }
    }
}

fn opened(ct: &'static str, o: Opened) -> (StatusCode, &'static str, ReplyBody, u64) {
    match o {
        Opened::Bytes(b, n) => (StatusCode::OK, ct, ReplyBody::Bytes(Some(b)), n),
        Opened::Stream(s, n) => (StatusCode::OK, ct, ReplyBody::Stream(s), n),
    }
}

async fn render(store: &Storage, reply: Reply, head: bool) -> Response<ReplyBody> {
    let (status, ctype, body, len) = match reply {
        Reply::Text(s, m) => {
            let n = m.len() as u64;
            (
                s,
                "text/plain; charset=utf-8",
                ReplyBody::Bytes(Some(m.into())),
                n,
            )
        }
        Reply::Bytes(ct, b) => {
            let n = b.len() as u64;
            (StatusCode::OK, ct, ReplyBody::Bytes(Some(b.into())), n)
        }
        Reply::Opened(ct, o) => opened(ct, o),
        Reply::Cached(ct, rel) => match store.open(&rel).await {
            Ok(o) => opened(ct, o),
            Err(_) => {
                let m = "not found\n";
                (
                    StatusCode::NOT_FOUND,
                    "text/plain; charset=utf-8",
                    ReplyBody::Bytes(Some(m.into())),
                    m.len() as u64,
                )
            }
        },
    };
    let body = if head { ReplyBody::Bytes(None) } else { body };
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        hyper::header::CONTENT_TYPE,
        hyper::header::HeaderValue::from_static(ctype),
    );
    h.insert(hyper::header::CONTENT_LENGTH, len.into());
    h.insert(
        hyper::header::SERVER,
        hyper::header::HeaderValue::from_static(SERVER),
    );
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_lists_like_goproxy() {
        let u = parse_upstreams("http://a,https://b|c.example").unwrap();
        assert_eq!(
            u,
            vec![
                Upstream {
                    url: "http://a".into(),
                    fallback_on_error: false
                },
                Upstream {
                    url: "https://b".into(),
                    fallback_on_error: true
                },
                Upstream {
                    url: "https://c.example".into(),
                    fallback_on_error: false
                },
            ]
        );
        assert!(parse_upstreams("direct").is_err());
        assert!(parse_upstreams("").is_err());
        assert!(parse_upstreams("ftp://x").is_err());
    }

    #[test]
    fn hot_files_evict_the_least_recently_used() {
        let mut h = Hot::new(4 << 10);
        assert_eq!(h.max_file(), 1 << 10);
        h.put("a", Bytes::from(vec![0; 1000]));
        h.put("b", Bytes::from(vec![1; 1000]));
        h.put("c", Bytes::from(vec![2; 1000]));
        h.put("too-big", Bytes::from(vec![3; 2000]));
        assert!(h.get("too-big").is_none());
        assert!(h.get("a").is_some()); // a is now the most recent
        h.put("d", Bytes::from(vec![4; 1000]));
        h.put("e", Bytes::from(vec![5; 1000])); // over 4 KiB: b (least recent) goes
        assert!(h.get("b").is_none());
        assert_eq!(h.get("a").unwrap()[0], 0);
        assert!(h.bytes <= 4 << 10);
        let mut off = Hot::new(0);
        off.put("x", Bytes::from_static(b"x"));
        assert!(off.get("x").is_none());
    }

    #[test]
    fn percent_decoding_never_panics() {
        assert_eq!(percent_decode("/a/%21b").as_deref(), Some("/a/!b"));
        assert_eq!(percent_decode("%"), None);
        assert_eq!(percent_decode("%2"), None);
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%ff"), None);
    }

    #[test]
    fn sumdb_settings() {
        assert_eq!(
            sumdb::SumDb::parse("sum.golang.org").unwrap().url,
            "https://sum.golang.org"
        );
        assert!(sumdb::SumDb::parse("nokey").is_err());
        assert!(sumdb::SumDb::parse("a b c").is_err());
    }
}
