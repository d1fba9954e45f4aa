//! `gomedic proxy serve`: argument checks, then gomedic-proxy serves.

use super::common::UsageError;
use crate::cli::{ProxyAction, ProxyArgs};
use gomedic_proxy::{parse_upstreams, sumdb::SumDb, Config};
use std::sync::Arc;

pub fn run(args: ProxyArgs) -> anyhow::Result<u8> {
    let ProxyAction::Serve(a) = args.action;
    let timeout = crate::duration::positive("--timeout", &a.timeout).map_err(UsageError)?;
    let list_ttl = crate::duration::positive("--list-ttl", &a.list_ttl).map_err(UsageError)?;
    if a.max_upstream == 0 {
        return Err(UsageError("--max-upstream must be at least 1".into()).into());
    }
    let upstreams =
        parse_upstreams(&a.upstream).map_err(|e| UsageError(format!("--upstream: {e}")))?;
    let sumdb = if a.sumdb.trim() == "off" {
        errln!("gomedic: WARNING: --sumdb off: module zips and go.mod files are cached and served WITHOUT checksum database verification");
        None
    } else {
        Some(SumDb::parse(&a.sumdb).map_err(|e| UsageError(format!("--sumdb: {e}")))?)
    };
    let s3 = match a.storage.as_deref() {
        None => None,
        Some(u) => Some(
            gomedic_proxy::storage::S3::from_url(u)
                .map_err(|e| UsageError(format!("--storage: {e}")))?,
        ),
    };
    let cache_dir = a.cache_dir.clone().unwrap_or_else(std::env::temp_dir);
    std::fs::create_dir_all(&cache_dir)
        .map_err(|e| anyhow::anyhow!("cache directory {}: {e}", cache_dir.display()))?;
    let what = match &s3 {
        Some(s) => s.url.clone(),
        None => cache_dir.display().to_string(),
    };
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
        max_upstream: a.max_upstream,
        direct: None,
    };
    gomedic_proxy::run_blocking(cfg, &a.listen, |addr| {
        errln!(
            "gomedic proxy: serving {} on http://{addr} (GOPROXY=http://{addr})",
            what
        );
    })
    .map_err(|e| anyhow::anyhow!("proxy on {}: {e}", a.listen))?;
    Ok(0)
}
