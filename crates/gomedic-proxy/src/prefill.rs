//! `gomedic proxy prefill`: copies module versions from a developer's module cache
//! (GOMODCACHE/cache/download) into the proxy's storage, checked exactly as `serve` checks
//! what it fetches: go's zip rules, and the `h1:` hashes of the zip and go.mod against the
//! checksum database. Only `.info`, `.mod` and `.zip` are copied; go's own bookkeeping
//! (`.lock`, `.partial`, `.ziphash`, temp files, `@v/list`, `sumdb/`) never is.

use crate::storage::{Storage, S3};
use crate::sumdb::{Checker, SumDb, Sums};
use gomedic_gomod::escape::{unescape_path, unescape_version};
use gomedic_gomod::{dirhash, modzip};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Module versions checked at once (checksum database lookups overlap).
const PARALLEL: usize = 8;

/// What `--from` named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceKind {
    /// A GOMODCACHE: `DIR/cache/download`.
    Modcache,
    /// A GOPATH: `DIR/pkg/mod/cache/download`.
    Gopath,
    /// A `cache/download` directory (or any directory in that layout) itself.
    Download,
}

impl SourceKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            SourceKind::Modcache => "module cache (GOMODCACHE)",
            SourceKind::Gopath => "GOPATH",
            SourceKind::Download => "cache/download directory",
        }
    }
}

/// The `cache/download` directory found under `dir`, and what `dir` was.
pub fn find_source(dir: &Path) -> Result<(SourceKind, PathBuf), String> {
    let shown = dir.display();
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(format!("{shown} is not a directory")),
        Err(e) => return Err(format!("{shown}: {e}")),
    }
    let modcache = dir.join("cache").join("download");
    if modcache.is_dir() {
        return Ok((SourceKind::Modcache, modcache));
    }
    let gopath = dir.join("pkg").join("mod").join("cache").join("download");
    if gopath.is_dir() {
        return Ok((SourceKind::Gopath, gopath));
    }
    if has_versions(dir, 0) {
        return Ok((SourceKind::Download, dir.to_path_buf()));
    }
    Err(format!(
        "{shown} is not a module cache: it has no cache/download, no pkg/mod/cache/download, \
         and no module versions (MODULE/@v/VERSION.mod); pass a GOMODCACHE (`go env GOMODCACHE`), \
         a GOPATH, or a cache/download directory"
    ))
}

/// Whether some `@v` directory below `dir` holds a `.mod` file.
fn has_versions(dir: &Path, depth: usize) -> bool {
    if depth > 12 {
        return false;
    }
    let Ok(rd) = std::fs::read_dir(dir) else {
        return false;
    };
    for e in rd.flatten() {
        let p = e.path();
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        if e.file_name() == "@v" {
            let mods = std::fs::read_dir(&p).into_iter().flatten().flatten();
            if mods
                .into_iter()
                .any(|f| f.file_name().to_string_lossy().ends_with(".mod"))
            {
                return true;
            }
        } else if has_versions(&p, depth + 1) {
            return true;
        }
    }
    false
}

pub struct PrefillConfig {
    /// The `cache/download` directory to read (see [`find_source`]).
    pub source: PathBuf,
    /// The cache directory; with `s3`, scratch space for zips being checked.
    pub cache_dir: PathBuf,
    pub s3: Option<S3>,
    /// None: `--sumdb off`, copied without verification.
    pub sumdb: Option<SumDb>,
    /// Module paths copied without asking the checksum database (`--private`).
    pub private: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    pub dry_run: bool,
    /// Per checksum database request.
    pub timeout: Duration,
    /// Checksum database notes (mirror failover, cache read errors).
    pub log: Arc<dyn Fn(&str) + Send + Sync>,
}

/// One module version that was not copied, and why.
#[derive(Debug, Clone)]
pub struct Entry {
    pub module: String,
    pub version: String,
    pub reason: String,
}

#[derive(Debug, Default)]
pub struct Report {
    /// Cache-relative paths copied (or, with `dry_run`, that would be).
    pub copied: Vec<String>,
    pub bytes: u64,
    /// Files already in the storage, left as they are.
    pub present: u64,
    /// Not copied, not a problem: unknown to the checksum database, not a module version.
    pub skipped: Vec<Entry>,
    /// Not copied because something is wrong: tampered or invalid files, a failed lookup.
    pub refused: Vec<Entry>,
    /// module@version copied without checksum database verification (`--private`, `--sumdb off`).
    pub unverified: Vec<String>,
    /// Files of go's own bookkeeping not copied (`.lock`, `.partial`, `.ziphash`, temp files, lists).
    pub ignored_files: u64,
}

impl Report {
    pub fn to_json(&self) -> serde_json::Value {
        let entries = |v: &[Entry]| -> Vec<serde_json::Value> {
            v.iter()
                .map(|e| serde_json::json!({"module": e.module, "version": e.version, "reason": e.reason}))
                .collect()
        };
        serde_json::json!({
            "copied": self.copied,
            "copied_files": self.copied.len(),
            "bytes": self.bytes,
            "present": self.present,
            "skipped": entries(&self.skipped),
            "refused": entries(&self.refused),
            "unverified": self.unverified,
            "ignored_files": self.ignored_files,
        })
    }
}

/// One `MODULE/@v/VERSION` of the source.
#[derive(Debug)]
struct Version {
    /// `MODULE/@v` relative to the source, escaped.
    dir: String,
    escaped_version: String,
    info: bool,
    zip: bool,
    ziphash: bool,
}

/// The versions with a `.mod` under `src`, and how many other files were ignored.
fn scan(src: &Path) -> Result<(Vec<Version>, u64, Vec<Entry>), String> {
    let mut out = Vec::new();
    let mut ignored = 0;
    let mut skipped = Vec::new();
    let mut stack = vec![src.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let rd = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut names: Vec<(String, bool)> = Vec::new();
        for e in rd {
            let e = e.map_err(|e| format!("{}: {e}", dir.display()))?;
            let is_dir = e.file_type().is_ok_and(|t| t.is_dir());
            names.push((e.file_name().to_string_lossy().into_owned(), is_dir));
        }
        names.sort();
        let rel = dir
            .strip_prefix(src)
            .unwrap_or(Path::new(""))
            .to_string_lossy()
            .replace('\\', "/");
        if dir.file_name().is_some_and(|n| n == "@v") {
            let module_rel = rel.trim_end_matches("/@v").to_string();
            let has = |n: &str| names.iter().any(|(x, d)| !d && x == n);
            for (name, is_dir) in &names {
                if *is_dir {
                    continue;
                }
                if let Some(ev) = name.strip_suffix(".mod") {
                    out.push(Version {
                        dir: rel.clone(),
                        escaped_version: ev.to_string(),
                        info: has(&format!("{ev}.info")),
                        zip: has(&format!("{ev}.zip")),
                        ziphash: has(&format!("{ev}.ziphash")),
                    });
                } else if let Some(ev) = name.strip_suffix(".zip") {
                    if !has(&format!("{ev}.mod")) {
                        skipped.push(Entry {
                            module: unescape_path(&module_rel).unwrap_or(module_rel.clone()),
                            version: unescape_version(ev).unwrap_or(ev.to_string()),
                            reason: "a .zip without its .mod".into(),
                        });
                    }
                } else if !name.ends_with(".info") {
                    // .lock, .partial, .ziphash, NAME*.tmp, list: go's bookkeeping.
                    ignored += 1;
                }
            }
            continue;
        }
        for (name, is_dir) in names {
            // The modcache's copy of checksum database tiles is not module content.
            if is_dir && !(rel.is_empty() && name == "sumdb") {
                stack.push(dir.join(name));
            }
        }
    }
    out.sort_by(|a, b| (&a.dir, &a.escaped_version).cmp(&(&b.dir, &b.escaped_version)));
    Ok((out, ignored, skipped))
}

/// What happened to one version.
enum Outcome {
    /// Copied (or would be) these (rel, bytes); `present` files were already there.
    Copied {
        files: Vec<(String, u64)>,
        present: u64,
        unverified: Option<String>,
    },
    Skipped(Entry),
    Refused(Entry),
}

struct Ctx {
    src: PathBuf,
    store: Storage,
    checker: Option<Checker>,
    private: Arc<dyn Fn(&str) -> bool + Send + Sync>,
    dry_run: bool,
}

/// Runs the prefill on a runtime of its own.
pub fn prefill_blocking(cfg: PrefillConfig) -> Result<Report, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    rt.block_on(prefill(cfg))
}

pub async fn prefill(cfg: PrefillConfig) -> Result<Report, String> {
    use futures_util::StreamExt;
    let src = cfg.source.clone();
    let (versions, ignored, early_skips) = tokio::task::spawn_blocking(move || scan(&src))
        .await
        .map_err(|e| e.to_string())??;
    let store = match &cfg.s3 {
        Some(s) => Storage::S3(s.clone(), cfg.cache_dir.clone()),
        None => Storage::Disk(cfg.cache_dir.clone()),
    };
    let client = crate::client::Client::new(cfg.timeout);
    let ctx = Arc::new(Ctx {
        src: cfg.source.clone(),
        store: store.clone(),
        checker: cfg
            .sumdb
            .map(|db| Checker::new(db, client, store.clone(), cfg.log.clone())),
        private: cfg.private,
        dry_run: cfg.dry_run,
    });
    let outcomes: Vec<Outcome> = futures_util::stream::iter(versions)
        .map(|v| {
            let ctx = ctx.clone();
            async move { ctx.one(v).await }
        })
        .buffered(PARALLEL)
        .collect()
        .await;
    let mut rep = Report {
        ignored_files: ignored,
        skipped: early_skips,
        ..Default::default()
    };
    for o in outcomes {
        match o {
            Outcome::Copied {
                files,
                present,
                unverified,
            } => {
                rep.present += present;
                for (rel, n) in files {
                    rep.bytes += n;
                    rep.copied.push(rel);
                }
                rep.unverified.extend(unverified);
            }
            Outcome::Skipped(e) => rep.skipped.push(e),
            Outcome::Refused(e) => rep.refused.push(e),
        }
    }
    Ok(rep)
}

fn read_limited(p: &Path, limit: u64) -> Result<Vec<u8>, String> {
    let n = std::fs::metadata(p).map_err(|e| e.to_string())?.len();
    if n > limit {
        return Err(format!("{} is larger than {limit} bytes", p.display()));
    }
    std::fs::read(p).map_err(|e| e.to_string())
}

impl Ctx {
    async fn one(&self, v: Version) -> Outcome {
        let module_rel = v.dir.trim_end_matches("/@v");
        let (path, version) = match (
            unescape_path(module_rel),
            unescape_version(&v.escaped_version),
        ) {
            (Ok(p), Ok(ver)) => (p, ver),
            (p, ver) => {
                return Outcome::Skipped(Entry {
                    module: p.unwrap_or_else(|_| module_rel.to_string()),
                    version: ver.unwrap_or_else(|_| v.escaped_version.clone()),
                    reason: "not a module path and version in the escaped layout".into(),
                })
            }
        };
        let entry = |reason: String| Entry {
            module: path.clone(),
            version: version.clone(),
            reason,
        };
        if !crate::is_canonical(&version) {
            return Outcome::Skipped(entry("not a canonical version".into()));
        }
        let base = format!("{}/{}", v.dir, v.escaped_version);
        let mut want = vec!["mod"];
        if v.info {
            want.push("info");
        }
        if v.zip {
            want.push("zip");
        }
        let mut missing = Vec::new();
        let mut present = 0;
        for ext in want {
            let rel = format!("{base}.{ext}");
            match self.store.exists(&rel).await {
                Ok(true) => present += 1,
                Ok(false) => missing.push(ext),
                Err(e) => return Outcome::Refused(entry(format!("storage: {rel}: {e}"))),
            }
        }
        if missing.is_empty() {
            return Outcome::Copied {
                files: vec![],
                present,
                unverified: None,
            };
        }
        let src = |ext: &str| self.src.join(format!("{base}.{ext}"));
        // Which hashes to hold the files to.
        let (sums, unverified) = match &self.checker {
            None => (None, Some(format!("{path}@{version} (--sumdb off)"))),
            Some(_) if (self.private)(&path) => (None, Some(format!("{path}@{version} (--private)"))),
            Some(c) => match c.lookup_known(&path, &version).await {
                Ok(Some(s)) => (Some(s), None),
                Ok(None) => {
                    return Outcome::Skipped(entry(format!(
                        "not in the checksum database {}: a private module? name it with --private to copy it unverified",
                        c.db().verifier.name
                    )))
                }
                Err(e) => return Outcome::Refused(entry(e)),
            },
        };
        let gomod = match read_limited(&src("mod"), modzip::MAX_GO_MOD) {
            Ok(b) => b,
            Err(e) => return Outcome::Refused(entry(format!("go.mod: {e}"))),
        };
        if let Some(Sums { go_mod: want, .. }) = &sums {
            let h = dirhash::hash_go_mod(&gomod);
            if want.as_deref() != Some(h.as_str()) {
                return Outcome::Refused(entry(format!(
                    "checksum mismatch for {path}@{version}/go.mod: module cache {h}, checksum database {}",
                    want.as_deref().unwrap_or("(none)")
                )));
            }
        }
        let info = if missing.contains(&"info") {
            match read_limited(&src("info"), crate::MAX_INFO)
                .and_then(|b| crate::check_info(&b, Some(&version)).map(|_| b))
            {
                Ok(b) => Some(b),
                Err(e) => return Outcome::Refused(entry(format!(".info: {e}"))),
            }
        } else {
            None
        };
        // The zip is checked as the bytes that are committed: copied to a temp file
        // first (never under a served name), then checked, then moved into place.
        let mut zip_tmp: Option<PathBuf> = None;
        let mut zip_len = 0;
        if missing.contains(&"zip") {
            let rel = format!("{base}.zip");
            let (file, tmp) = if self.dry_run {
                (src("zip"), None)
            } else {
                let tmp = match self.store.temp_for(&rel) {
                    Ok(t) => t,
                    Err(e) => return Outcome::Refused(entry(format!("storage: {e}"))),
                };
                if let Err(e) = tokio::fs::copy(src("zip"), &tmp).await {
                    let _ = std::fs::remove_file(&tmp);
                    return Outcome::Refused(entry(format!("reading the zip: {e}")));
                }
                (tmp.clone(), Some(tmp))
            };
            let ziphash = if v.ziphash {
                std::fs::read_to_string(src("ziphash"))
                    .ok()
                    .map(|s| s.trim().to_string())
            } else {
                None
            };
            let (p, ver, f) = (path.clone(), version.clone(), file.clone());
            let checked = tokio::task::spawn_blocking(move || check_zip(&p, &ver, &f))
                .await
                .unwrap_or_else(|e| Err(e.to_string()));
            let verdict = match checked {
                Err(e) => Err(format!("invalid module zip: {e}")),
                Ok((h, _)) if ziphash.as_ref().is_some_and(|z| *z != h) => Err(format!(
                    "zip {h} differs from go's .ziphash {} (the zip was changed after go downloaded it)",
                    ziphash.unwrap_or_default()
                )),
                Ok((h, _))
                    if sums
                        .as_ref()
                        .is_some_and(|s| s.zip.as_deref() != Some(h.as_str())) =>
                {
                    Err(format!(
                        "checksum mismatch for {path}@{version}: module cache zip {h}, checksum database {}",
                        sums.as_ref().and_then(|s| s.zip.as_deref()).unwrap_or("(none)")
                    ))
                }
                Ok((_, n)) => Ok(n),
            };
            match verdict {
                Ok(n) => zip_len = n,
                Err(e) => {
                    if let Some(t) = tmp {
                        let _ = std::fs::remove_file(t);
                    }
                    return Outcome::Refused(entry(e));
                }
            }
            zip_tmp = tmp;
        }
        let mut files = Vec::new();
        // .mod last: in go's cache its presence is what lists a version.
        if let Some(b) = info {
            let rel = format!("{base}.info");
            let n = b.len() as u64;
            if !self.dry_run {
                if let Err(e) = self.store.put_bytes(&rel, b).await {
                    return Outcome::Refused(entry(format!("storage: {rel}: {e}")));
                }
            }
            files.push((rel, n));
        }
        if missing.contains(&"zip") {
            let rel = format!("{base}.zip");
            if let Some(tmp) = zip_tmp {
                if let Err(e) = self.store.commit_file(&rel, &tmp).await {
                    return Outcome::Refused(entry(format!("storage: {rel}: {e}")));
                }
            }
            files.push((rel, zip_len));
        }
        if missing.contains(&"mod") {
            let rel = format!("{base}.mod");
            let n = gomod.len() as u64;
            if !self.dry_run {
                if let Err(e) = self.store.put_bytes(&rel, gomod).await {
                    return Outcome::Refused(entry(format!("storage: {rel}: {e}")));
                }
            }
            files.push((rel, n));
        }
        Outcome::Copied {
            files,
            present,
            unverified,
        }
    }
}

/// go's zip rules and the zip's `h1:` hash, and its size.
fn check_zip(path: &str, version: &str, file: &Path) -> Result<(String, u64), String> {
    let mut f = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let size = f.metadata().map_err(|e| e.to_string())?.len();
    if size > modzip::MAX_ZIP_FILE {
        return Err(format!("larger than {} bytes", modzip::MAX_ZIP_FILE));
    }
    modzip::check_download(path, version, &mut f, size)?;
    let f = std::fs::File::open(file).map_err(|e| e.to_string())?;
    let h = dirhash::hash_zip(std::io::BufReader::new(f)).map_err(|e| e.to_string())?;
    Ok((h, size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sources_are_found_or_refused_with_advice() {
        let t = tempfile::tempdir().unwrap();
        let e = find_source(t.path()).unwrap_err();
        assert!(
            e.contains("not a module cache") && e.contains("GOMODCACHE"),
            "{e}"
        );
        assert!(find_source(&t.path().join("nope")).is_err());
        let v = t.path().join("gp/pkg/mod/cache/download/example.com/m/@v");
        std::fs::create_dir_all(&v).unwrap();
        std::fs::write(v.join("v1.0.0.mod"), "module example.com/m\n").unwrap();
        let gp = t.path().join("gp");
        assert_eq!(find_source(&gp).unwrap().0, SourceKind::Gopath);
        assert_eq!(
            find_source(&gp.join("pkg/mod")).unwrap().0,
            SourceKind::Modcache
        );
        let dl = gp.join("pkg/mod/cache/download");
        assert_eq!(find_source(&dl).unwrap(), (SourceKind::Download, dl));
    }
}
