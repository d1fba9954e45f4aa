//! Operations: Prometheus metrics (`/metrics`), `/healthz`, the HTML status page (`/`),
//! structured access logs, the cap on concurrent upstream fetches, and the per-request
//! cache hit/miss flag the request handlers set.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::cell::Cell;
use std::collections::{BTreeMap, VecDeque};
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How many failures the status page keeps.
pub const RECENT_FAILURES: usize = 20;

type Labels = Vec<(&'static str, String)>;

tokio::task_local! {
    /// Set while a request is handled: Some(true) served from the cache, Some(false) fetched.
    static CACHE: Cell<Option<bool>>;
}

/// Marks the current request as a cache hit (`true`) or miss (`false`); outside a request
/// it does nothing.
pub fn mark_cache(hit: bool) {
    let _ = CACHE.try_with(|c| c.set(Some(hit)));
}

/// Runs `f` with a fresh hit/miss flag and returns its result and the flag.
pub async fn with_cache_flag<F: std::future::Future>(f: F) -> (F::Output, Option<bool>) {
    CACHE
        .scope(Cell::new(None), async move {
            let out = f.await;
            (out, CACHE.with(|c| c.get()))
        })
        .await
}

#[derive(Default, Clone)]
struct UpstreamState {
    ok: u64,
    not_found: u64,
    errors: u64,
    last_error: Option<String>,
    last_latency: Option<Duration>,
}

struct Failure {
    at: SystemTime,
    kind: &'static str,
    what: String,
}

#[derive(Default)]
struct State {
    upstreams: BTreeMap<String, UpstreamState>,
    failures: VecDeque<Failure>,
}

pub struct Ops {
    registry: Registry,
    requests: Family<Labels, Counter>,
    cache_hits: Counter,
    cache_misses: Counter,
    upstream_requests: Family<Labels, Counter>,
    upstream_errors: Family<Labels, Counter>,
    upstream_latency: Family<Labels, Histogram>,
    verification_failures: Counter,
    bytes_served: Counter,
    state: Mutex<State>,
    shutting_down: AtomicBool,
    upstream_slots: tokio::sync::Semaphore,
    started: SystemTime,
}

/// The outcome of one upstream request.
pub enum Outcome<'a> {
    Ok,
    NotFound,
    Error(&'a str),
}

impl Ops {
    pub fn new(upstreams: &[String], max_upstream: usize) -> Ops {
        let mut registry = Registry::with_prefix("gomedic_proxy");
        let requests = Family::<Labels, Counter>::default();
        let cache_hits = Counter::default();
        let cache_misses = Counter::default();
        let upstream_requests = Family::<Labels, Counter>::default();
        let upstream_errors = Family::<Labels, Counter>::default();
        let upstream_latency = Family::<Labels, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.005, 2.0, 14))) as fn() -> Histogram,
        );
        let verification_failures = Counter::default();
        let bytes_served = Counter::default();
        registry.register(
            "requests",
            "Requests answered, by kind (list, latest, info, mod, zip, sumdb, ops, other) and HTTP status",
            requests.clone(),
        );
        registry.register(
            "cache_hits",
            "Module requests served from the cache",
            cache_hits.clone(),
        );
        registry.register(
            "cache_misses",
            "Module requests that needed an upstream fetch",
            cache_misses.clone(),
        );
        registry.register(
            "upstream_requests",
            "Requests to upstream proxies, by upstream and result (ok, not_found, error)",
            upstream_requests.clone(),
        );
        registry.register(
            "upstream_errors",
            "Upstream requests that failed (not 404/410), by upstream",
            upstream_errors.clone(),
        );
        registry.register(
            "upstream_latency_seconds",
            "Upstream request duration in seconds (whole body), by upstream",
            upstream_latency.clone(),
        );
        registry.register(
            "verification_failures",
            "Downloads refused by checksum or zip verification",
            verification_failures.clone(),
        );
        registry.register(
            "bytes_served",
            "Response body bytes sent to clients",
            bytes_served.clone(),
        );
        let mut state = State::default();
        for u in upstreams {
            state
                .upstreams
                .insert(redact_url(u), UpstreamState::default());
        }
        Ops {
            registry,
            requests,
            cache_hits,
            cache_misses,
            upstream_requests,
            upstream_errors,
            upstream_latency,
            verification_failures,
            bytes_served,
            state: Mutex::new(state),
            shutting_down: AtomicBool::new(false),
            upstream_slots: tokio::sync::Semaphore::new(max_upstream.max(1)),
            started: SystemTime::now(),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn set_shutting_down(&self) {
        self.shutting_down.store(true, Ordering::SeqCst);
    }

    pub fn shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::SeqCst)
    }

    /// Waits for one of the `--max-upstream` slots; hold it for the whole fetch.
    pub async fn upstream_slot(&self) -> Option<tokio::sync::SemaphorePermit<'_>> {
        self.upstream_slots.acquire().await.ok()
    }

    pub fn upstream_done(&self, upstream: &str, started: Instant, outcome: Outcome<'_>) {
        let u = redact_url(upstream);
        let took = started.elapsed();
        let result = match outcome {
            Outcome::Ok => "ok",
            Outcome::NotFound => "not_found",
            Outcome::Error(_) => "error",
        };
        self.upstream_requests
            .get_or_create(&vec![("upstream", u.clone()), ("result", result.into())])
            .inc();
        self.upstream_latency
            .get_or_create(&vec![("upstream", u.clone())])
            .observe(took.as_secs_f64());
        if let Outcome::Error(_) = outcome {
            self.upstream_errors
                .get_or_create(&vec![("upstream", u.clone())])
                .inc();
        }
        let mut st = self.state();
        let e = st.upstreams.entry(u.clone()).or_default();
        e.last_latency = Some(took);
        match outcome {
            Outcome::Ok => e.ok += 1,
            Outcome::NotFound => e.not_found += 1,
            Outcome::Error(m) => {
                e.errors += 1;
                e.last_error = Some(m.to_string());
                push_failure(&mut st, "upstream error", format!("{u}: {m}"));
            }
        }
    }

    pub fn verification_failed(&self, what: &str) {
        self.verification_failures.inc();
        push_failure(&mut self.state(), "verification refused", what.to_string());
    }

    /// Counts a finished request; returns its access-log line.
    pub fn request_done(
        &self,
        method: &str,
        path: &str,
        status: u16,
        bytes: u64,
        took: Duration,
        cache: Option<bool>,
    ) -> String {
        self.requests
            .get_or_create(&vec![
                ("kind", request_kind(path).into()),
                ("status", status.to_string()),
            ])
            .inc();
        match cache {
            Some(true) => {
                self.cache_hits.inc();
            }
            Some(false) => {
                self.cache_misses.inc();
            }
            None => {}
        }
        self.bytes_served.inc_by(bytes);
        let cache = match cache {
            Some(true) => "hit",
            Some(false) => "miss",
            None => "-",
        };
        format!(
            "access method={} path={} status={status} bytes={bytes} duration_ms={:.3} cache={cache}",
            logfmt_value(method),
            logfmt_value(path),
            took.as_secs_f64() * 1000.0
        )
    }

    /// The metrics in the text format (OpenMetrics 1.0, which Prometheus scrapes).
    pub fn metrics(&self) -> String {
        let mut s = String::new();
        let _ = encode(&mut s, &self.registry);
        s
    }

    /// The HTML status page: self-contained, no scripts, everything printed is escaped.
    pub fn status_page(&self, cache_dir: &Path, sumdb: Option<&str>) -> String {
        let (objects, bytes) = cache_size(cache_dir);
        let (hits, misses) = (self.cache_hits.get(), self.cache_misses.get());
        let rate = if hits + misses == 0 {
            "n/a (no module requests yet)".to_string()
        } else {
            format!(
                "{:.1}% ({hits} hits, {misses} misses)",
                100.0 * hits as f64 / (hits + misses) as f64
            )
        };
        let st = self.state();
        let mut h = String::new();
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>gomedic proxy</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}.bad{color:#b00}</style>\n</head><body>\n<h1>gomedic proxy</h1>\n");
        let _ = writeln!(
            h,
            "<p>Status: <span id=\"health\">{}</span>. Up since {} (Unix time).</p>",
            if self.shutting_down() {
                "shutting down"
            } else {
                "serving"
            },
            unix(self.started)
        );
        let _ = writeln!(
            h,
            "<p>Checksum database: <span id=\"sumdb\">{}</span></p>",
            esc(sumdb.unwrap_or("off (no verification)"))
        );
        h.push_str("<h2>Upstreams</h2>\n<table id=\"upstreams\"><tr><th>Upstream</th><th>OK</th><th>Not found</th><th>Errors</th><th>Last latency</th><th>Last error</th></tr>\n");
        for (u, s) in &st.upstreams {
            let _ = writeln!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td{}>{}</td><td>{}</td><td>{}</td></tr>",
                esc(u),
                s.ok,
                s.not_found,
                if s.errors > 0 { " class=\"bad\"" } else { "" },
                s.errors,
                s.last_latency
                    .map(|d| format!("{:.1} ms", d.as_secs_f64() * 1000.0))
                    .unwrap_or_else(|| "-".into()),
                esc(s.last_error.as_deref().unwrap_or("-"))
            );
        }
        h.push_str("</table>\n<h2>Cache</h2>\n");
        let _ = writeln!(
            h,
            "<p>Directory: {}<br>Objects: <span id=\"objects\">{objects}</span>, {bytes} bytes<br>Hit rate: <span id=\"hit-rate\">{}</span></p>",
            esc(&cache_dir.display().to_string()),
            esc(&rate)
        );
        let _ = writeln!(
            h,
            "<h2>Recent failures</h2>\n<p>Verification failures since start: {}</p>",
            self.verification_failures.get()
        );
        if st.failures.is_empty() {
            h.push_str("<p id=\"failures\">None.</p>\n");
        } else {
            h.push_str(
                "<table id=\"failures\"><tr><th>Unix time</th><th>Kind</th><th>Detail</th></tr>\n",
            );
            for f in st.failures.iter().rev() {
                let _ = writeln!(
                    h,
                    "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
                    unix(f.at),
                    esc(f.kind),
                    esc(&f.what)
                );
            }
            h.push_str("</table>\n");
        }
        h.push_str("<p>Metrics: <a href=\"/metrics\">/metrics</a>, health: <a href=\"/healthz\">/healthz</a></p>\n</body></html>\n");
        h
    }
}

fn push_failure(st: &mut State, kind: &'static str, what: String) {
    if st.failures.len() == RECENT_FAILURES {
        st.failures.pop_front();
    }
    st.failures.push_back(Failure {
        at: SystemTime::now(),
        kind,
        what,
    });
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The request kind label, from the URL path alone (bounded set of values).
pub fn request_kind(path: &str) -> &'static str {
    if matches!(path, "/" | "/metrics" | "/healthz") {
        "ops"
    } else if path.starts_with("/sumdb/") {
        "sumdb"
    } else if path.ends_with("/@v/list") {
        "list"
    } else if path.ends_with("/@latest") {
        "latest"
    } else if path.contains("/@v/") && path.ends_with(".info") {
        "info"
    } else if path.contains("/@v/") && path.ends_with(".mod") {
        "mod"
    } else if path.contains("/@v/") && path.ends_with(".zip") {
        "zip"
    } else {
        "other"
    }
}

pub use gomedic_http::redact_url;

/// A logfmt value: bare when safe, else quoted with `"`, `\` and control bytes escaped.
fn logfmt_value(s: &str) -> String {
    let s: String = s.chars().take(1024).collect();
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\' && c != '=')
    {
        return s;
    }
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// HTML-escapes text and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Files (not temp files) under the cache directory and their total size.
fn cache_size(dir: &Path) -> (u64, u64) {
    let (mut n, mut bytes) = (0, 0);
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let Ok(t) = e.file_type() else { continue };
            if t.is_dir() {
                stack.push(e.path());
            } else if t.is_file() && !e.file_name().to_string_lossy().ends_with(".tmp") {
                n += 1;
                bytes += e.metadata().map(|m| m.len()).unwrap_or(0);
            }
        }
    }
    (n, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_and_redaction() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            redact_url("https://user:secret@proxy.example/p"),
            "https://proxy.example/p"
        );
        assert_eq!(redact_url("http://127.0.0.1:1"), "http://127.0.0.1:1");
        assert_eq!(logfmt_value("/a/@v/list"), "/a/@v/list");
        assert_eq!(logfmt_value("/a b\"\n"), "\"/a b\\\"\\u{a}\"");
        assert_eq!(request_kind("/x/@v/v1.0.0.zip"), "zip");
        assert_eq!(request_kind("/sumdb/x/latest"), "sumdb");
        assert_eq!(request_kind("/metrics"), "ops");
    }

    #[test]
    fn metrics_render_with_labels() {
        let o = Ops::new(&["http://u:p@up.example".into()], 2);
        o.upstream_done("http://u:p@up.example", Instant::now(), Outcome::Ok);
        o.request_done("GET", "/m/@v/list", 200, 5, Duration::ZERO, Some(true));
        let m = o.metrics();
        assert!(
            m.contains("gomedic_proxy_upstream_requests_total{upstream=\"http://up.example\",result=\"ok\"} 1"),
            "{m}"
        );
        assert!(!m.contains("u:p@"), "{m}");
        assert!(m.contains("gomedic_proxy_cache_hits_total 1"), "{m}");
        assert!(m.contains("gomedic_proxy_bytes_served_total 5"), "{m}");
    }
}
