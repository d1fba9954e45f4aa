//! `gomedic proxy serve`: options from the command line, else the config file, else the
//! defaults; argument checks; then gomedic-proxy serves.

use super::common::UsageError;
use crate::cli::{ProxyAction, ProxyArgs, ProxyServeArgs};
use gomedic_proxy::config::{self, FileConfig, DEFAULT_UPSTREAM};
use gomedic_proxy::direct::{self, DirectConfig};
use gomedic_proxy::{parse_upstreams, sumdb::SumDb, Config};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Where a value came from, for error messages: `--flag`, or the file and its key.
struct Pick<'a> {
    file: Option<&'a Path>,
}

impl Pick<'_> {
    fn get<T>(&self, flag: Option<T>, from_file: Option<T>, name: &str) -> (Option<T>, String) {
        match (flag, from_file, self.file) {
            (Some(v), _, _) => (Some(v), format!("--{}", name.replace('_', "-"))),
            (None, Some(v), Some(f)) => (Some(v), format!("config file {}: {name}", f.display())),
            _ => (None, format!("--{}", name.replace('_', "-"))),
        }
    }
}

fn os() -> &'static str {
    std::env::consts::OS
}

fn getenv(k: &str) -> Option<String> {
    std::env::var(k).ok()
}

/// The config file to read: `--config`, else the default one if it exists.
fn config_file(a: &ProxyServeArgs) -> anyhow::Result<(FileConfig, Option<PathBuf>)> {
    let path = match &a.config {
        Some(p) => Some(p.clone()),
        None => config::default_config_file(&getenv, os()).filter(|p| p.is_file()),
    };
    match path {
        Some(p) => Ok((FileConfig::load(&p).map_err(UsageError)?, Some(p))),
        None => Ok((FileConfig::default(), None)),
    }
}

pub fn run(args: ProxyArgs) -> anyhow::Result<u8> {
    let a = match args.action {
        ProxyAction::Serve(a) => a,
        ProxyAction::Prefill(p) => return super::proxy_prefill::run(p),
    };
    let (f, file) = config_file(&a)?;
    let pick = Pick {
        file: file.as_deref(),
    };
    let usage = |label: &str, e: String| UsageError(format!("{label}: {e}"));

    let (listen, _) = pick.get(a.listen.clone(), f.listen, "listen");
    let listen = listen.unwrap_or_else(|| "127.0.0.1:3000".into());
    let duration = |v: Option<String>, fv: Option<String>, name: &str, default: &str| {
        let (v, label) = pick.get(v, fv, name);
        crate::duration::positive(&label, v.as_deref().unwrap_or(default)).map_err(UsageError)
    };
    let timeout = duration(a.timeout.clone(), f.timeout, "timeout", "30s")?;
    let list_ttl = duration(a.list_ttl.clone(), f.list_ttl, "list_ttl", "60s")?;
    let direct_timeout = duration(
        a.direct_timeout.clone(),
        f.direct_timeout,
        "direct_timeout",
        "5m",
    )?;
    let count = |v: Option<usize>, fv: Option<usize>, name: &str, default: usize| {
        let (v, label) = pick.get(v, fv, name);
        match v.unwrap_or(default) {
            0 => Err(UsageError(format!("{label}: must be at least 1"))),
            n => Ok(n),
        }
    };
    let max_upstream = count(a.max_upstream, f.max_upstream, "max_upstream", 16)?;
    let max_direct = count(a.max_direct, f.max_direct, "max_direct", 4)?;
    let (mem, mem_label) = pick.get(a.memory_cache, f.memory_cache, "memory_cache");
    let memory_cache = match mem.unwrap_or(32) {
        m if m > 1 << 20 => {
            return Err(UsageError(format!("{mem_label}: {m} MiB is more than 1 TiB")).into())
        }
        m => m << 20,
    };

    let (upstream, label) = pick.get(a.upstream.clone(), f.upstream, "upstream");
    let upstream = upstream.unwrap_or_else(|| DEFAULT_UPSTREAM.into());
    let upstreams = parse_upstreams(&upstream).map_err(|e| usage(&label, e))?;

    let (db, label) = pick.get(a.sumdb.clone(), f.sumdb, "sumdb");
    let db = db.unwrap_or_else(|| "sum.golang.org".into());
    let sumdb = if db.trim() == "off" {
        errln!("gomedic: WARNING: --sumdb off: module zips and go.mod files are cached and served WITHOUT checksum database verification");
        None
    } else {
        let (mirrors, mlabel) = pick.get(
            (!a.sumdb_mirror.is_empty()).then(|| a.sumdb_mirror.clone()),
            f.sumdb_mirror,
            "sumdb_mirror",
        );
        let db = SumDb::parse(&db).map_err(|e| usage(&label, e))?;
        Some(
            db.with_mirrors(&mirrors.unwrap_or_default())
                .map_err(|e| usage(&mlabel, e))?,
        )
    };

    let (storage, label) = pick.get(a.storage.clone(), f.storage, "storage");
    let s3 = match storage.as_deref() {
        None => None,
        Some(u) => Some(gomedic_proxy::storage::S3::from_url(u).map_err(|e| usage(&label, e))?),
    };
    let (cache_dir, label) = pick.get(a.cache_dir.clone(), f.cache_dir, "cache_dir");
    let cache_dir = match (cache_dir, &s3) {
        (Some(d), _) => d,
        (None, Some(_)) => std::env::temp_dir(),
        (None, None) => config::default_cache_dir(&getenv, os()).map_err(|e| {
            UsageError(format!(
                "no default cache directory ({e}): pass --cache-dir DIR"
            ))
        })?,
    };
    std::fs::create_dir_all(&cache_dir)
        .map_err(|e| anyhow::anyhow!("{label}: cache directory {}: {e}", cache_dir.display()))?;

    let (private, label) = pick.get(a.private.clone(), f.private, "private");
    let private = private.filter(|p| !p.trim().is_empty());
    let (go, go_label) = pick.get(a.go.clone(), f.go, "go");
    let mut direct = None;
    let mut direct_note = String::new();
    if let Some(p) = private {
        let pats = gomedic_goenv::Patterns::parse(&p);
        if let Some((e, issue)) = pats.issues().find(|(_, i)| !i.harmless()) {
            return Err(usage(
                &label,
                format!(
                    "entry {:?}: {} (GOPRIVATE syntax: comma-separated module path prefixes, globs allowed, no spaces)",
                    e.raw,
                    issue.as_str().replace('_', " ")
                ),
            )
            .into());
        }
        let go = go.unwrap_or_else(|| PathBuf::from("go"));
        let version = direct::probe_go(&go).map_err(|e| usage(&go_label, e))?;
        direct_note = format!("; private {p} via {} ({version})", go.display());
        direct = Some(DirectConfig {
            private: p,
            go,
            max_direct,
            timeout: direct_timeout,
            scratch: std::env::temp_dir(),
        });
    }

    let what = match &s3 {
        Some(s) => s.url.clone(),
        None => cache_dir.display().to_string(),
    };
    let from = match &file {
        Some(p) => format!("config file {}", p.display()),
        None => "no config file".into(),
    };
    let shown_upstream = gomedic_core::redact::text(&upstream);
    let cfg = Config {
        cache_dir,
        s3,
        upstreams,
        sumdb,
        timeout,
        list_ttl,
        log: Arc::new(|m| {
            errln!("gomedic proxy: {m}");
        }),
        access_log: Arc::new(|m| {
            errln!("gomedic proxy: {m}");
        }),
        max_upstream,
        memory_cache,
        direct,
    };
    gomedic_proxy::run_blocking(cfg, &listen, |addr| {
        errln!(
            "gomedic proxy: serving {what} on http://{addr} (GOPROXY=http://{addr}); {from}; upstream {shown_upstream}{direct_note}"
        );
    })
    .map_err(|e| anyhow::anyhow!("proxy on {listen}: {e}"))?;
    Ok(0)
}
