//! `gomedic proxy prefill`: seeds the proxy's storage from a module cache, verified.

use super::common::UsageError;
use crate::cli::Format;
use clap::Args;
use gomedic_proxy::prefill::{self, PrefillConfig};
use gomedic_proxy::sumdb::SumDb;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

pub const PREFILL_HELP: &str = "\
Copies every module version of a module cache that has a .mod (its .info, .mod and .zip)
into the proxy's storage, skipping files already there. Each version is checked as `proxy
serve` checks what it fetches: go's zip rules, the zip against go's own .ziphash, and the
h1: hashes of the zip and go.mod against the checksum database. Tampered or invalid files
are refused; a module the database does not know (a private one) is skipped unless
--private names it. go's bookkeeping (.lock, .partial, .ziphash, temp files, @v/list) and
the cache's sumdb/ directory are never copied. Writes are atomic (temp file + rename, one
PUT or a multipart upload on S3).

Exit codes: 0 everything copied, present or skipped; 1 something was refused; 2 usage
error (DIR is not a module cache, bad --sumdb); 3 gomedic failed.

Examples:
  gomedic proxy prefill --from \"$(go env GOMODCACHE)\" --cache-dir /var/cache/goproxy
  gomedic proxy prefill --from ~/go --storage s3://goproxy/cache --private 'corp.example.com/*'
  gomedic proxy prefill --from ./modcache --cache-dir ./cache --dry-run --format json";

#[derive(Debug, Args)]
pub struct PrefillArgs {
    /// A GOMODCACHE, a GOPATH (pkg/mod/cache/download) or a cache/download directory
    #[arg(long, value_name = "DIR")]
    pub from: PathBuf,
    /// The proxy's cache directory (the target); with --storage, scratch space
    #[arg(long, value_name = "DIR", required_unless_present = "storage")]
    pub cache_dir: Option<PathBuf>,
    /// `s3://bucket/prefix`: prefill the bucket a `proxy serve --storage` uses
    #[arg(long, value_name = "URL")]
    pub storage: Option<String>,
    /// Checksum database, GOSUMDB syntax (`name+key [URL]`, `sum.golang.org`), or `off`
    #[arg(long, value_name = "DB", default_value = "sum.golang.org")]
    pub sumdb: String,
    /// Module path patterns (GOPRIVATE syntax) copied without asking the checksum database
    #[arg(long, value_name = "PATTERNS", default_value = "")]
    pub private: String,
    /// Check everything, write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Per checksum database request
    #[arg(long, value_name = "DURATION", default_value = "30s")]
    pub timeout: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(a: PrefillArgs) -> anyhow::Result<u8> {
    let timeout = crate::duration::positive("--timeout", &a.timeout).map_err(UsageError)?;
    let (kind, source) =
        prefill::find_source(&a.from).map_err(|e| UsageError(format!("--from: {e}")))?;
    let sumdb = if a.sumdb.trim() == "off" {
        None
    } else {
        Some(SumDb::parse(&a.sumdb).map_err(|e| UsageError(format!("--sumdb: {e}")))?)
    };
    gomedic_goenv::goproxy::check_globs("--private", &a.private).map_err(UsageError)?;
    let s3 = match a.storage.as_deref() {
        None => None,
        Some(u) => Some(
            gomedic_proxy::storage::S3::from_url(u)
                .map_err(|e| UsageError(format!("--storage: {e}")))?,
        ),
    };
    let cache_dir = a.cache_dir.clone().unwrap_or_else(std::env::temp_dir);
    let target = match &s3 {
        Some(s) => s.url.clone(),
        None => cache_dir.display().to_string(),
    };
    errln!(
        "gomedic proxy prefill: {} {} → {}: found {}{}",
        if a.dry_run { "checking" } else { "copying" },
        a.from.display(),
        target,
        kind.as_str(),
        if source != a.from {
            format!(" ({})", source.display())
        } else {
            String::new()
        }
    );
    if sumdb.is_none() {
        errln!("gomedic: WARNING: --sumdb off: modules are copied WITHOUT checksum database verification; a tampered module cache ends up in the proxy");
    }
    if !a.dry_run && s3.is_none() {
        std::fs::create_dir_all(&cache_dir)
            .map_err(|e| anyhow::anyhow!("cache directory {}: {e}", cache_dir.display()))?;
    }
    let private = a.private.clone();
    let rep = prefill::prefill_blocking(PrefillConfig {
        source: source.clone(),
        cache_dir,
        s3,
        sumdb,
        private: Arc::new(move |p| gomedic_goenv::goproxy::globs_match_path(&private, p)),
        dry_run: a.dry_run,
        timeout,
        log: Arc::new(|m| {
            errln!("gomedic proxy prefill: {m}");
        }),
    })
    .map_err(|e| anyhow::anyhow!("prefill from {}: {e}", source.display()))?;
    let r = gomedic_core::redact::global();
    let mut out = crate::output::stdout();
    let written = match a.format {
        Format::Json => {
            let mut v = rep.to_json();
            v["schema"] = serde_json::json!("gomedic.proxy-prefill/v1");
            v["source"] = serde_json::json!({"dir": a.from, "download_dir": source, "kind": format!("{kind:?}").to_lowercase()});
            v["target"] = serde_json::json!(target);
            v["dry_run"] = serde_json::json!(a.dry_run);
            r.redact_json(&mut v);
            serde_json::to_writer_pretty(&mut out, &v)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        }
        Format::Human => (|| {
            for e in &rep.refused {
                writeln!(
                    out,
                    "✗ refused {}@{}: {}",
                    e.module,
                    e.version,
                    r.redact(&e.reason)
                )?;
            }
            for e in &rep.skipped {
                writeln!(
                    out,
                    "- skipped {}@{}: {}",
                    e.module,
                    e.version,
                    r.redact(&e.reason)
                )?;
            }
            for u in &rep.unverified {
                writeln!(out, "! copied without verification: {u}")?;
            }
            writeln!(
                out,
                "{}{} files ({}), {} already present, {} skipped, {} refused, {} bookkeeping files ignored",
                if a.dry_run { "would copy " } else { "copied " },
                rep.copied.len(),
                human_bytes(rep.bytes),
                rep.present,
                rep.skipped.len(),
                rep.refused.len(),
                rep.ignored_files
            )
        })(),
    };
    written?;
    Ok(if rep.refused.is_empty() { 0 } else { 1 })
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 1 << 20 => format!("{:.1} MiB", n as f64 / (1 << 20) as f64),
        n if n >= 1 << 10 => format!("{:.1} KiB", n as f64 / 1024.0),
        n => format!("{n} B"),
    }
}
