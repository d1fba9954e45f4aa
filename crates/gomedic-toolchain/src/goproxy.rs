//! `install --via-goproxy`: the toolchain as the module `golang.org/toolchain` at
//! `v0.0.1-go1.22.10.linux-amd64`, fetched through GOPROXY exactly where `go mod download`
//! works, checked against the checksum database (always: go ignores GONOSUMDB and
//! GOPRIVATE for this module and fails when GOSUMDB=off), then post-processed as the go
//! command does after a GOTOOLCHAIN download (exec bits, `_go.mod` copied to `go.mod`).

use crate::download::{HttpError, Progress};
use crate::extract::{self, Format};
use crate::install::{self, InstallError, Installer};
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

pub const MODULE: &str = "golang.org/toolchain";
/// golang.org/toolchain's own origin (go-import `mod`): what `direct` means for it.
pub const ORIGIN: &str = "https://go.dev/dl/mod";

/// One GOPROXY entry for this download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Url {
        url: String,
        fallback_on_error: bool,
    },
    Off,
}

/// The checksum database's `h1:` for a module version's zip (the signed tree head and
/// the record's inclusion proved by the implementation).
pub trait SumLookup {
    fn zip_hash(&self, path: &str, version: &str) -> Result<String, String>;
}

/// `go1.22.10` on linux/amd64 → `v0.0.1-go1.22.10.linux-amd64`.
pub fn module_version(version: &str, goos: &str, goarch: &str) -> String {
    format!("v0.0.1-{version}.{goos}-{goarch}")
}

impl Installer<'_> {
    pub fn install_via_goproxy(
        &self,
        entries: &[Entry],
        sumdb: Option<&dyn SumLookup>,
        version: &str,
    ) -> Result<(String, bool), InstallError> {
        let v = gomedic_goenv::version::GoVersion::parse_toolchain(version)
            .filter(|v| !v.is_lang())
            .ok_or_else(|| {
                InstallError::Refused(format!(
                    "{version:?}: --via-goproxy needs a full release version such as 1.22.10 (the module proxy has no index to resolve latest or 1.22 from)"
                ))
            })?;
        let _ = v;
        if self.is_installed(version) {
            return Ok((self.install_name(version), true));
        }
        let Some(sumdb) = sumdb else {
            return Err(InstallError::Refused(
                "GOSUMDB=off: the golang.org/toolchain module is only installed after the checksum database confirms it (the go command refuses it too)".into(),
            ));
        };
        let mv = module_version(version, &self.goos, &self.goarch);
        fs::create_dir_all(self.store.downloads()).map_err(|source| InstallError::Io {
            path: self.store.downloads(),
            source,
        })?;
        let zip_path = self.store.downloads().join(format!("toolchain@{mv}.zip"));
        let from = self.fetch_zip(entries, &mv, &zip_path)?;
        let r = self.check_and_unpack(sumdb, &zip_path, &mv, version, &from);
        let _ = fs::remove_file(&zip_path);
        r.map(|()| (self.install_name(version), false))
    }

    fn fetch_zip(&self, entries: &[Entry], mv: &str, dest: &Path) -> Result<String, InstallError> {
        let mut errors = Vec::new();
        for e in entries {
            let (base, fallback_on_error) = match e {
                Entry::Off => {
                    errors.push("GOPROXY=off".to_string());
                    break;
                }
                Entry::Url {
                    url,
                    fallback_on_error,
                } => (url.trim_end_matches('/'), *fallback_on_error),
            };
            let url = format!("{base}/{MODULE}/@v/{mv}.zip");
            match self.http.get(&url, 0) {
                Ok(r) => {
                    self.progress
                        .start(&format!("{MODULE}@{mv}"), r.len.unwrap_or(0), 0);
                    let res = copy_to(r.body, dest, self.progress);
                    self.progress.finish();
                    match res {
                        Ok(()) => return Ok(crate::install::redact_url(&url)),
                        Err(err) => {
                            errors.push(format!("{url}: {err}"));
                            if !fallback_on_error {
                                break;
                            }
                        }
                    }
                }
                Err(HttpError::NotFound(m)) => errors.push(format!("{url}: {m}")),
                Err(HttpError::Other(m)) => {
                    errors.push(format!("{url}: {m}"));
                    if !fallback_on_error {
                        break;
                    }
                }
            }
        }
        let _ = fs::remove_file(dest);
        Err(InstallError::Index(format!(
            "could not download {MODULE}@{mv} through GOPROXY:\n  {}",
            errors.join("\n  ")
        )))
    }

    fn check_and_unpack(
        &self,
        sumdb: &dyn SumLookup,
        zip_path: &Path,
        mv: &str,
        version: &str,
        from: &str,
    ) -> Result<(), InstallError> {
        let io = |source| InstallError::Io {
            path: zip_path.to_path_buf(),
            source,
        };
        let mut f = fs::File::open(zip_path).map_err(io)?;
        let size = f.metadata().map_err(io)?.len();
        let checked = gomedic_gomod::modzip::check_download(MODULE, mv, &mut f, size)
            .and_then(|c| c.err().map_or(Ok(()), Err));
        if let Err(e) = checked {
            return Err(InstallError::Refused(format!(
                "{MODULE}@{mv} from {from} is not a valid module zip: {e}"
            )));
        }
        let f = fs::File::open(zip_path).map_err(io)?;
        let got = gomedic_gomod::dirhash::hash_zip(std::io::BufReader::new(f)).map_err(io)?;
        let want = sumdb
            .zip_hash(MODULE, mv)
            .map_err(|e| InstallError::Refused(format!("verifying {MODULE}@{mv}: {e}")))?;
        if got != want {
            return Err(InstallError::Refused(format!(
                "verifying {MODULE}@{mv}: checksum mismatch\n\tdownloaded: {got}\n\tsum.golang.org: {want}\n\nSECURITY ERROR\nThis download does NOT match the checksum database. Nothing was installed; the file from {from} was deleted."
            )));
        }
        fs::create_dir_all(&self.store.root).map_err(|source| InstallError::Io {
            path: self.store.root.clone(),
            source,
        })?;
        self.store.clean_leftovers();
        let name = self.install_name(version);
        let tmp = self.store.temp_dir(&name);
        let _ = fs::remove_dir_all(&tmp);
        let r = (|| {
            let mut x = extract::extract(zip_path, Format::Zip, &format!("{MODULE}@{mv}/"), &tmp)?;
            post_process(&tmp, &self.goos, &mut x.files)?;
            install::finish(
                &tmp,
                version,
                &self.goos,
                &self.goarch,
                &format!("{MODULE}@{mv}"),
                &got,
                x.files,
            )?;
            let dest = self.store.dir_for(&name);
            fs::rename(&tmp, &dest).map_err(|source| InstallError::Io { path: dest, source })
        })();
        if r.is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
        r
    }
}

fn copy_to(
    mut body: Box<dyn Read + Send>,
    dest: &Path,
    progress: &dyn Progress,
) -> std::io::Result<()> {
    let mut f = fs::File::create(dest)?;
    let mut buf = vec![0u8; 256 << 10];
    loop {
        let k = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(k) => k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        f.write_all(&buf[..k])?;
        progress.advance(k as u64);
    }
    f.sync_all()
}

/// What the go command does to a downloaded toolchain module before running it: exec bits
/// (pkg/tool, lib's go_*_*_exec, bin) and every `_go.mod` copied to `go.mod`.
fn post_process(
    dir: &Path,
    goos: &str,
    files: &mut std::collections::BTreeMap<String, (u64, String)>,
) -> Result<(), InstallError> {
    let werr = |p: &Path| {
        let p = p.to_path_buf();
        move |source| InstallError::Io { path: p, source }
    };
    let names: Vec<String> = files.keys().cloned().collect();
    for rel in &names {
        let exec = rel.starts_with("pkg/tool/")
            || rel.starts_with("bin/")
            || (rel.starts_with("lib/") && is_exec_helper(rel.rsplit('/').next().unwrap_or("")));
        if exec && goos != "windows" {
            set_exec(&dir.join(rel)).map_err(werr(&dir.join(rel)))?;
        }
        if let Some(pdir) = rel.strip_suffix("_go.mod") {
            if pdir.is_empty() || pdir.ends_with('/') {
                let to = format!("{pdir}go.mod");
                fs::copy(dir.join(rel), dir.join(&to)).map_err(werr(&dir.join(&to)))?;
                let v = files[rel].clone();
                files.insert(to, v);
            }
        }
    }
    Ok(())
}

/// `go_?*_?*_exec`, as go's filepath.Match pattern.
fn is_exec_helper(name: &str) -> bool {
    let Some(mid) = name
        .strip_prefix("go_")
        .and_then(|s| s.strip_suffix("_exec"))
    else {
        return false;
    };
    matches!(mid.split_once('_'), Some((a, b)) if !a.is_empty() && !b.is_empty())
}

#[cfg(unix)]
fn set_exec(p: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let m = fs::metadata(p)?.permissions().mode();
    fs::set_permissions(p, fs::Permissions::from_mode((m & 0o777) | 0o111))
}

#[cfg(not(unix))]
fn set_exec(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// Where the go command would ask the checksum database `name`: through the first GOPROXY
/// entry that answers `<proxy>/sumdb/<name>/supported` with 200 (404/410 moves on; `direct`
/// or the end of the list means the database's own URL), unless GOSUMDB named a URL.
pub fn sumdb_base(
    http: &dyn crate::download::Http,
    entries: &[Entry],
    name: &str,
    db_url: &str,
    explicit_url: bool,
) -> Result<String, String> {
    if explicit_url {
        return Ok(db_url.to_string());
    }
    for e in entries {
        let Entry::Url { url, .. } = e else {
            return Err("GOPROXY=off: the checksum database cannot be reached".into());
        };
        if url == ORIGIN {
            break; // `direct`
        }
        let base = format!("{}/sumdb/{name}", url.trim_end_matches('/'));
        match http.get(&format!("{base}/supported"), 0) {
            Ok(_) => return Ok(base),
            Err(HttpError::NotFound(_)) => continue,
            Err(HttpError::Other(m)) => {
                return Err(format!(
                    "checking whether {url} serves the checksum database: {m}"
                ))
            }
        }
    }
    Ok(db_url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(
            module_version("go1.22.10", "linux", "amd64"),
            "v0.0.1-go1.22.10.linux-amd64"
        );
        assert!(is_exec_helper("go_js_wasm_exec"));
        assert!(is_exec_helper("go_wasip1_wasm32_exec"));
        assert!(!is_exec_helper("go__exec"));
        assert!(!is_exec_helper("wasm_exec.js"));
    }
}
