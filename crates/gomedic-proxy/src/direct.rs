//! `--private PATTERNS`: module paths matching GOPRIVATE-style patterns are fetched from
//! version control by the real go command (`GOPROXY=direct`) in a throwaway GOMODCACHE,
//! never from the upstream proxies, and never looked up in the checksum database.

use crate::{ops, storage::Storage, text, Reply};
use gomedic_goenv::Patterns;
use gomedic_gomod::escape::ProxyRequest;
use gomedic_gomod::{dirhash, modzip};
use hyper::StatusCode;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

/// Settings of the `direct` backend.
#[derive(Debug, Clone)]
pub struct DirectConfig {
    /// GOPRIVATE syntax, matched as the go command matches it.
    pub private: String,
    /// The go command to run.
    pub go: PathBuf,
    /// At most this many go commands at once.
    pub max_direct: usize,
    /// A go command still running after this is killed.
    pub timeout: Duration,
    /// Where each run's GOMODCACHE/GOPATH/GOCACHE temp directory is made.
    pub scratch: PathBuf,
}

pub(crate) struct Direct {
    cfg: DirectConfig,
    patterns: Patterns,
    slots: tokio::sync::Semaphore,
    flights: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

/// Checks that `go` runs; its version on success, else a message saying what to do.
pub fn probe_go(go: &Path) -> Result<String, String> {
    let out = std::process::Command::new(go)
        .args(["env", "GOVERSION"])
        .env("GOENV", "off")
        .env("GOTOOLCHAIN", "local")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            format!(
                "cannot run the go command {:?} ({e}): --private fetches private modules with it; install Go or pass --go PATH",
                go
            )
        })?;
    if !out.status.success() {
        return Err(format!(
            "the go command {:?} failed: {}",
            go,
            squash(&String::from_utf8_lossy(&out.stderr))
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The module path of any request.
pub(crate) fn module_path(req: &ProxyRequest) -> &str {
    match req {
        ProxyRequest::List { path }
        | ProxyRequest::Latest { path }
        | ProxyRequest::Info { path, .. }
        | ProxyRequest::Mod { path, .. }
        | ProxyRequest::Zip { path, .. } => path,
    }
}

/// What a go run produced: its JSON output, or the reply for its failure.
type Ran = Result<(Value, Option<tempfile::TempDir>), Reply>;

impl Direct {
    pub(crate) fn new(cfg: DirectConfig) -> Direct {
        Direct {
            patterns: Patterns::parse(&cfg.private),
            slots: tokio::sync::Semaphore::new(cfg.max_direct.max(1)),
            flights: Mutex::new(HashMap::new()),
            cfg,
        }
    }

    /// `module.MatchPrefixPatterns(--private, path)`.
    pub(crate) fn matches(&self, path: &str) -> bool {
        self.patterns.matches(path)
    }

    /// Serves a request for a private module path.
    pub(crate) async fn route(
        &self,
        store: &Storage,
        list_ttl: Duration,
        log: &(dyn Fn(&str) + Send + Sync),
        req: &ProxyRequest,
        rel: &str,
    ) -> Reply {
        let path = module_path(req);
        match req {
            ProxyRequest::List { .. } => {
                self.volatile(
                    store,
                    list_ttl,
                    log,
                    rel,
                    "text/plain; charset=utf-8",
                    || self.list(path),
                )
                .await
            }
            ProxyRequest::Latest { .. } => {
                self.volatile(store, list_ttl, log, rel, "application/json", || {
                    self.info(path, "latest")
                })
                .await
            }
            ProxyRequest::Info { version, .. } if !crate::is_canonical(version) => {
                // A branch or commit query: resolved each time, never cached.
                match self.info(path, version).await {
                    Ok(b) => Reply::Bytes("application/json", b),
                    Err(r) => r,
                }
            }
            ProxyRequest::Info { version, .. }
            | ProxyRequest::Mod { version, .. }
            | ProxyRequest::Zip { version, .. } => {
                if !crate::is_canonical(version) {
                    return text(
                        StatusCode::NOT_FOUND,
                        format!("not found: {version} is not a canonical version"),
                    );
                }
                self.immutable(store, log, req, rel, path, version).await
            }
        }
    }

    /// `@v/list` and `@latest`: from the cache within the TTL, else from go, else stale.
    async fn volatile<F, Fut>(
        &self,
        store: &Storage,
        ttl: Duration,
        log: &(dyn Fn(&str) + Send + Sync),
        rel: &str,
        ctype: &'static str,
        fetch: F,
    ) -> Reply
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Vec<u8>, Reply>>,
    {
        let age = match store.modified(rel).await {
            Ok(t) => t.map(|t| SystemTime::now().duration_since(t).unwrap_or_default()),
            Err(e) => {
                log(&format!("cache read {rel}: {e}"));
                None
            }
        };
        if age.is_some_and(|a| a < ttl) {
            ops::mark_cache(true);
            return Reply::Cached(ctype, rel.to_string());
        }
        ops::mark_cache(false);
        match fetch().await {
            Ok(b) => {
                if let Err(e) = store.put_bytes(rel, b.clone()).await {
                    log(&format!("cache write {rel}: {e}"));
                }
                Reply::Bytes(ctype, b)
            }
            // Only for go's own failures (VCS unreachable): "not found" is an answer.
            Err(Reply::Text(s, m)) if age.is_some() && s != StatusCode::NOT_FOUND => {
                log(&format!("{rel}: serving stale copy: {}", m.trim_end()));
                Reply::Cached(ctype, rel.to_string())
            }
            Err(r) => r,
        }
    }

    async fn list(&self, path: &str) -> Result<Vec<u8>, Reply> {
        let (v, _) = self
            .run(&["list", "-m", "-versions", "-json", path], false)
            .await?;
        let mut out = String::new();
        for ver in v["Versions"].as_array().into_iter().flatten() {
            if let Some(s) = ver.as_str() {
                out.push_str(s);
                out.push('\n');
            }
        }
        Ok(out.into_bytes())
    }

    /// `.info` JSON for a query (`latest`, a branch, a commit).
    async fn info(&self, path: &str, query: &str) -> Result<Vec<u8>, Reply> {
        let (v, _) = self
            .run(&["list", "-m", "-json", &format!("{path}@{query}")], false)
            .await?;
        let mut info = serde_json::Map::new();
        for k in ["Version", "Time", "Origin"] {
            if let Some(x) = v.get(k) {
                info.insert(k.into(), x.clone());
            }
        }
        if let Err(e) = crate::check_info(&serde_json::to_vec(&info).unwrap_or_default(), None) {
            return Err(text(
                StatusCode::BAD_GATEWAY,
                format!("gomedic proxy: go list {path}@{query}: {e}"),
            ));
        }
        Ok(serde_json::to_vec_pretty(&info).unwrap_or_default())
    }

    /// `.info`/`.mod`/`.zip` of a canonical version: from the cache, else one
    /// `go mod download` for all three (one at a time per module version).
    async fn immutable(
        &self,
        store: &Storage,
        log: &(dyn Fn(&str) + Send + Sync),
        req: &ProxyRequest,
        rel: &str,
        path: &str,
        version: &str,
    ) -> Reply {
        let cached = Reply::Cached(crate::content_type(req), rel.to_string());
        if store.exists(rel).await.unwrap_or(false) {
            ops::mark_cache(true);
            return cached;
        }
        ops::mark_cache(false);
        let key = format!("{path}@{version}");
        let flight = {
            let mut m = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            m.entry(key.clone()).or_default().clone()
        };
        let reply = {
            let _guard = flight.lock().await;
            if store.exists(rel).await.unwrap_or(false) {
                cached
            } else {
                match self.download(store, log, path, version).await {
                    Ok(()) => cached,
                    Err(r) => r,
                }
            }
        };
        let mut m = self.flights.lock().unwrap_or_else(|e| e.into_inner());
        if Arc::strong_count(&flight) <= 2 {
            m.remove(&key);
        }
        reply
    }

    /// Runs `go mod download -json path@version` and stores its three files, the zip
    /// checked with go's zip rules and against the hash go reported.
    async fn download(
        &self,
        store: &Storage,
        log: &(dyn Fn(&str) + Send + Sync),
        path: &str,
        version: &str,
    ) -> Result<(), Reply> {
        let t = Instant::now();
        let target = format!("{path}@{version}");
        let (v, dir) = self
            .run(&["mod", "download", "-json", &target], true)
            .await?;
        let bad = |why: String| {
            log(&format!("direct {target}: {why}"));
            text(
                StatusCode::BAD_GATEWAY,
                format!("gomedic proxy: go mod download {target}: {why}"),
            )
        };
        let internal = |e: std::io::Error| {
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("gomedic proxy: cache: {e}"),
            )
        };
        if v["Version"].as_str() != Some(version) {
            return Err(bad(format!("go reported version {}", v["Version"])));
        }
        let file = |k: &str| -> Result<PathBuf, Reply> {
            v[k].as_str()
                .map(PathBuf::from)
                .ok_or_else(|| bad(format!("no {k} file in go's output")))
        };
        let (info, gomod, zip) = (file("Info")?, file("GoMod")?, file("Zip")?);
        let info_b = tokio::fs::read(&info).await.map_err(internal)?;
        crate::check_info(&info_b, Some(version)).map_err(bad)?;
        let mod_b = tokio::fs::read(&gomod).await.map_err(internal)?;
        if Some(dirhash::hash_go_mod(&mod_b).as_str()) != v["GoModSum"].as_str() {
            return Err(bad("go.mod does not hash to go's GoModSum".into()));
        }
        let esc = |v: &str| gomedic_gomod::escape::escape_version(v);
        let base = gomedic_gomod::escape::escape_path(path)
            .and_then(|p| Ok(format!("{p}/@v/{}", esc(version)?)))
            .map_err(bad)?;
        // The zip first, so .info/.mod are never cached without it.
        let zrel = format!("{base}.zip");
        let tmp = store.temp_for(&zrel).map_err(internal)?;
        let (p, ver, src, dst, sum) = (
            path.to_string(),
            version.to_string(),
            zip.clone(),
            tmp.clone(),
            v["Sum"].as_str().unwrap_or_default().to_string(),
        );
        let checked = tokio::task::spawn_blocking(move || -> Result<(), String> {
            std::fs::copy(&src, &dst).map_err(|e| format!("copying go's zip: {e}"))?;
            let mut f = std::fs::File::open(&dst).map_err(|e| e.to_string())?;
            let size = f.metadata().map_err(|e| e.to_string())?.len();
            let cz = modzip::check_download(&p, &ver, &mut f, size)?;
            if let Some(e) = cz.err() {
                return Err(format!("invalid module zip: {e}"));
            }
            let f = std::fs::File::open(&dst).map_err(|e| e.to_string())?;
            let h = dirhash::hash_zip(std::io::BufReader::new(f)).map_err(|e| e.to_string())?;
            if h != sum {
                return Err(format!("zip hashes to {h}, go reported {sum}"));
            }
            Ok(())
        })
        .await
        .map_err(|e| text(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
        if let Err(e) = checked {
            let _ = std::fs::remove_file(&tmp);
            return Err(bad(e));
        }
        store.commit_file(&zrel, &tmp).await.map_err(internal)?;
        store
            .put_bytes(&format!("{base}.mod"), mod_b)
            .await
            .map_err(internal)?;
        store
            .put_bytes(&format!("{base}.info"), info_b)
            .await
            .map_err(internal)?;
        drop_later(dir);
        log(&format!(
            "direct {target}: fetched by go in {:.1}s",
            t.elapsed().as_secs_f64()
        ));
        Ok(())
    }

    /// Runs go with `args` in a fresh GOMODCACHE, at most `max_direct` at once. Its JSON
    /// output, and (`keep`) the temp directory holding the files it names.
    async fn run(&self, args: &[&str], keep: bool) -> Ran {
        let what = format!("go {}", args.join(" "));
        let _slot = self.slots.acquire().await.map_err(|_| {
            text(
                StatusCode::SERVICE_UNAVAILABLE,
                "gomedic proxy: shutting down",
            )
        })?;
        let internal = |e: std::io::Error| {
            text(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("gomedic proxy: {what}: scratch directory: {e}"),
            )
        };
        std::fs::create_dir_all(&self.cfg.scratch).map_err(internal)?;
        let dir = tempfile::Builder::new()
            .prefix("gomedic-direct-")
            .tempdir_in(&self.cfg.scratch)
            .map_err(internal)?;
        let work = dir.path().join("work");
        std::fs::create_dir_all(&work).map_err(internal)?;
        let mut c = tokio::process::Command::new(&self.cfg.go);
        c.args(args)
            .current_dir(&work)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            // No go env file, no toolchain switch, no workspace, this run's caches only;
            // nothing but version control, and no checksum database.
            .env("GOENV", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOWORK", "off")
            .env("GO111MODULE", "on")
            .env("GOFLAGS", "-mod=mod -modcacherw")
            .env("GOPROXY", "direct")
            .env("GOSUMDB", "off")
            .env("GOPRIVATE", &self.cfg.private)
            .env("GONOPROXY", &self.cfg.private)
            .env("GONOSUMDB", &self.cfg.private)
            .env("GOPATH", dir.path().join("gopath"))
            .env("GOMODCACHE", dir.path().join("modcache"))
            .env("GOCACHE", dir.path().join("gocache"))
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GCM_INTERACTIVE", "never");
        #[cfg(unix)]
        c.process_group(0);
        let child = c.spawn().map_err(|e| {
            text(
                StatusCode::BAD_GATEWAY,
                format!(
                    "gomedic proxy: cannot run the go command {:?} for private modules: {e}",
                    self.cfg.go
                ),
            )
        })?;
        let pid = child.id();
        let out = match tokio::time::timeout(self.cfg.timeout, child.wait_with_output()).await {
            Ok(r) => r.map_err(|e| {
                text(
                    StatusCode::BAD_GATEWAY,
                    format!("gomedic proxy: {what}: {e}"),
                )
            })?,
            Err(_) => {
                // The future owning the child is gone (kill_on_drop); git below it too.
                #[cfg(unix)]
                if let Some(pid) = pid {
                    // SAFETY: signals the process group this run created.
                    unsafe {
                        libc::kill(-(pid as i32), libc::SIGKILL);
                    }
                }
                let _ = pid;
                drop_later(Some(dir));
                return Err(text(
                    StatusCode::BAD_GATEWAY,
                    format!(
                        "gomedic proxy: {what}: timed out after {}s",
                        self.cfg.timeout.as_secs()
                    ),
                ));
            }
        };
        let json: Option<Value> = serde_json::from_slice(&out.stdout).ok();
        let err = json.as_ref().and_then(|j| match &j["Error"] {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("Err").and_then(|e| e.as_str()).map(String::from),
            _ => None,
        });
        if !out.status.success() || err.is_some() {
            let msg = err.unwrap_or_else(|| String::from_utf8_lossy(&out.stderr).to_string());
            let msg = gomedic_core::redact::text(&squash(&msg));
            drop_later(Some(dir));
            return Err(text(
                go_status(&msg),
                format!("gomedic proxy: go {}: {msg}", args[..2].join(" ")),
            ));
        }
        let Some(json) = json else {
            drop_later(Some(dir));
            return Err(text(
                StatusCode::BAD_GATEWAY,
                format!("gomedic proxy: {what}: output is not JSON"),
            ));
        };
        if keep {
            Ok((json, Some(dir)))
        } else {
            drop_later(Some(dir));
            Ok((json, None))
        }
    }
}

/// 404 when go says the version does not exist (the client may look elsewhere, as after
/// any proxy's 404); 502 for everything else (repository unreachable, credentials,
/// timeouts): a fault of this server's setup.
fn go_status(msg: &str) -> StatusCode {
    const NOT_FOUND: [&str; 6] = [
        "unknown revision",
        "no matching versions",
        "invalid pseudo-version",
        "disallowed version string",
        "no such tag",
        "malformed module path",
    ];
    // `invalid github.com import path "github.com/acme"`: a path a known host cannot have
    // (go probes such prefixes when it resolves a package).
    let bad_host_path = msg.contains("invalid ") && msg.contains(" import path ");
    if bad_host_path || NOT_FOUND.iter().any(|p| msg.contains(p)) {
        StatusCode::NOT_FOUND
    } else {
        StatusCode::BAD_GATEWAY
    }
}

/// One line: go and git indent continuation lines with tabs, and go's client stops
/// showing a response body at its first blank line.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Removes a run's temp directory off the async workers.
fn drop_later(dir: Option<tempfile::TempDir>) {
    if let Some(d) = dir {
        tokio::task::spawn_blocking(move || drop(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_errors_map_to_statuses() {
        assert_eq!(
            go_status("example.com/p@v9.9.9: invalid version: unknown revision v9.9.9"),
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            go_status("git ls-remote -q origin: exit status 128: fatal: could not read Username"),
            StatusCode::BAD_GATEWAY
        );
        assert_eq!(
            go_status("go: invalid github.com import path \"github.com/acme\""),
            StatusCode::NOT_FOUND
        );
        assert_eq!(squash("a:\n\tb\n\t\n\tc\n"), "a: b c");
    }

    #[test]
    fn probe_reports_a_missing_go() {
        let e = probe_go(Path::new("/nonexistent/bin/go")).unwrap_err();
        assert!(
            e.contains("--go PATH") && e.contains("/nonexistent/bin/go"),
            "{e}"
        );
    }
}
