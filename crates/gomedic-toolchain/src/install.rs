//! `gomedic toolchain install`: index → download (SHA-256 while streaming) → extract into
//! a temp dir → manifest → rename into place.

use crate::download::{self, DownloadError, Http, HttpError, Progress, Want};
use crate::extract::{self, ExtractError, Format};
use crate::index::{self, Release};
use crate::store::{Manifest, Store, MANIFEST};
use std::fs;
use std::path::{Path, PathBuf};

/// The built-in places the index and archives come from, tried in order. Both serve the
/// same JSON and redirect archive downloads to Google's download hosts.
pub const DEFAULT_MIRRORS: [&str; 2] = ["https://go.dev/dl/", "https://golang.google.cn/dl/"];

#[derive(Debug, thiserror::Error)]
pub enum InstallError {
    #[error("{0}")]
    Index(String),
    #[error(transparent)]
    Download(#[from] DownloadError),
    #[error(transparent)]
    Extract(#[from] ExtractError),
    #[error("{0}")]
    Refused(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io_at(path: &Path) -> impl FnOnce(std::io::Error) -> InstallError + '_ {
    move |source| InstallError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where the index came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IndexSource {
    Mirror(String),
    /// Every mirror failed: the cached copy, with why.
    Cache {
        errors: Vec<String>,
    },
}

pub struct Installer<'a> {
    pub store: &'a Store,
    pub http: &'a dyn Http,
    /// Base URLs (ending in `/`), tried in order.
    pub mirrors: Vec<String>,
    pub progress: &'a dyn Progress,
    pub goos: String,
    pub goarch: String,
}

pub fn normalize_mirror(m: &str) -> String {
    let m = m.trim();
    if m.ends_with('/') {
        m.to_string()
    } else {
        format!("{m}/")
    }
}

impl Installer<'_> {
    /// The release index: from the first mirror that answers with a valid index (cached
    /// for offline use), else from the cache.
    pub fn index(&self, offline: bool) -> Result<(Vec<Release>, IndexSource), InstallError> {
        let mut errors = Vec::new();
        if !offline {
            for m in &self.mirrors {
                let url = format!("{m}?mode=json&include=all");
                match self
                    .fetch_small(&url)
                    .and_then(|b| index::parse(&b).map(|r| (r, b)).map_err(|e| e.to_string()))
                {
                    Ok((r, raw)) => {
                        self.cache_index(&raw);
                        return Ok((r, IndexSource::Mirror(redact_url(m))));
                    }
                    Err(e) => errors.push(format!("{}: {e}", redact_url(&url))),
                }
            }
        }
        let cached = self.store.index_cache();
        match fs::read(&cached) {
            Ok(b) => {
                let r = index::parse(&b).map_err(|e| {
                    InstallError::Index(format!("{}: {e}", cached.display()))
                })?;
                Ok((r, IndexSource::Cache { errors }))
            }
            Err(_) if offline => Err(InstallError::Index(format!(
                "no cached release index at {} yet: run `gomedic toolchain list --remote` once while online",
                cached.display()
            ))),
            Err(_) => Err(InstallError::Index(format!(
                "could not read the Go release index from any mirror, and none is cached:\n  {}\nset --mirror (or GOMEDIC_GO_MIRROR) to a reachable mirror, or use --via-goproxy",
                errors.join("\n  ")
            ))),
        }
    }

    fn cache_index(&self, raw: &[u8]) {
        let p = self.store.index_cache();
        let _ = fs::create_dir_all(&self.store.root);
        let tmp = p.with_extension(format!("json.{}.tmp", std::process::id()));
        if fs::write(&tmp, raw).is_ok() {
            let _ = fs::rename(&tmp, &p);
        }
    }

    fn fetch_small(&self, url: &str) -> Result<Vec<u8>, String> {
        use std::io::Read;
        let r = self.http.get(url, 0).map_err(|e| e.to_string())?;
        let mut b = Vec::new();
        r.body
            .take(64 << 20)
            .read_to_end(&mut b)
            .map_err(|e| e.to_string())?;
        Ok(b)
    }

    /// Installs `want` (`latest`, `1.22.10`, `1.22`) from the index. Returns the version
    /// and whether it was already installed.
    pub fn install(
        &self,
        releases: &[Release],
        want: &str,
        allow_unverified: bool,
    ) -> Result<(String, bool), InstallError> {
        let rel = index::resolve(releases, want).map_err(InstallError::Index)?;
        let version = rel.version.clone();
        if self.is_installed(&version) {
            return Ok((self.install_name(&version), true));
        }
        let file = index::archive_for(rel, &self.goos, &self.goarch).ok_or_else(|| {
            InstallError::Index(format!(
                "{version} has no archive for {}/{} in the index",
                self.goos, self.goarch
            ))
        })?;
        let sha = match file.sha256() {
            Some(s) => s,
            None if allow_unverified => String::new(),
            None => {
                return Err(InstallError::Refused(format!(
                    "the index has no SHA-256 for {} (old releases only had SHA-1): refusing to install it unverified; --allow-unverified installs it anyway",
                    file.filename
                )))
            }
        };
        fs::create_dir_all(self.store.downloads()).map_err(io_at(&self.store.downloads()))?;
        let archive = self.store.downloads().join(&file.filename);
        let urls: Vec<String> = self
            .mirrors
            .iter()
            .map(|m| format!("{m}{}", file.filename))
            .collect();
        let from = if sha.is_empty() {
            Some(download_unverified(self.http, &urls, &archive)?)
        } else {
            download::download(
                self.http,
                &urls,
                &Want {
                    file: &file.filename,
                    sha256: &sha,
                    size: file.size,
                },
                &archive,
                self.progress,
            )?
        };
        // The mirror it came from, never with credentials.
        let source = match from {
            Some(u) => redact_url(&u),
            None => format!("{} (downloaded earlier, verified)", file.filename),
        };
        let r = self.unpack(&archive, &file.filename, &version, &source, &sha);
        let _ = fs::remove_file(&archive);
        r.map(|()| (self.install_name(&version), false))
    }

    /// Installs a local archive (`--from-file`): its SHA-256 must equal the index's for
    /// that file name, unless `allow_unverified`.
    pub fn install_file(
        &self,
        releases: Option<&[Release]>,
        archive: &Path,
        allow_unverified: bool,
    ) -> Result<(String, bool), InstallError> {
        let name = archive
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let version = version_from_filename(&name).ok_or_else(|| {
            InstallError::Refused(format!(
                "{}: not a Go release archive name (goX.Y.Z.OS-ARCH.tar.gz or .zip)",
                archive.display()
            ))
        })?;
        if self.is_installed(&version) {
            return Ok((self.install_name(&version), true));
        }
        let (_, got) = extract::sha256_file(archive).map_err(io_at(archive))?;
        let listed = releases.and_then(|rs| {
            rs.iter()
                .flat_map(|r| &r.files)
                .find(|f| f.filename == name)
                .and_then(|f| f.sha256())
        });
        match listed {
            Some(want) if want == got => {}
            Some(want) => {
                return Err(InstallError::Refused(format!(
                    "{}: sha256 {got}, the release index says {want} for {name}: not installed",
                    archive.display()
                )))
            }
            None if allow_unverified => {}
            None => {
                return Err(InstallError::Refused(format!(
                    "{name} is not in the release index, so its checksum cannot be checked: not installed (--allow-unverified installs it anyway)"
                )))
            }
        }
        self.unpack(
            archive,
            &name,
            &version,
            &format!("file:{}", archive.display()),
            &got,
        )?;
        Ok((version, false))
    }

    /// The directory name of `version` for this installer's platform: `go1.22.10` for
    /// the machine's own, `go1.22.10-windows-amd64` for another (never picked as a
    /// host toolchain).
    pub fn install_name(&self, version: &str) -> String {
        let (os, arch) = crate::platform::host();
        if (self.goos.as_str(), self.goarch.as_str()) == (os.as_str(), arch.as_str()) {
            version.to_string()
        } else {
            format!("{version}-{}-{}", self.goos, self.goarch)
        }
    }

    /// Installed for this installer's platform (the manifest says so).
    pub fn is_installed(&self, version: &str) -> bool {
        self.store
            .read(&self.install_name(version))
            .manifest
            .is_some_and(|m| m.goos == self.goos && m.goarch == self.goarch)
    }

    /// Extracts into a temp dir, writes the manifest, and renames into place.
    pub fn unpack(
        &self,
        archive: &Path,
        name: &str,
        version: &str,
        source: &str,
        checksum: &str,
    ) -> Result<(), InstallError> {
        let format = Format::from_name(name).ok_or_else(|| {
            InstallError::Refused(format!("{name}: not a .tar.gz or .zip archive"))
        })?;
        fs::create_dir_all(&self.store.root).map_err(io_at(&self.store.root))?;
        self.store.clean_leftovers();
        let tmp = self.store.temp_dir(version);
        let _ = fs::remove_dir_all(&tmp);
        let r = (|| {
            let x = extract::extract(archive, format, "go/", &tmp)?;
            finish(
                &tmp,
                version,
                &self.goos,
                &self.goarch,
                source,
                checksum,
                x.files,
            )?;
            let dest = self.store.dir_for(version);
            fs::rename(&tmp, &dest).map_err(io_at(&dest))
        })();
        if r.is_err() {
            let _ = fs::remove_dir_all(&tmp);
        }
        r
    }
}

/// Checks the extracted tree is the toolchain it claims to be, then writes the manifest.
pub(crate) fn finish(
    tmp: &Path,
    version: &str,
    goos: &str,
    goarch: &str,
    source: &str,
    checksum: &str,
    files: std::collections::BTreeMap<String, (u64, String)>,
) -> Result<(), InstallError> {
    let go = tmp.join("bin").join(crate::store::exe("go", goos));
    if !go.is_file() {
        return Err(InstallError::Refused(format!(
            "the archive has no go/bin/{}: not a Go distribution",
            crate::store::exe("go", goos)
        )));
    }
    let vfile = fs::read_to_string(tmp.join("VERSION")).unwrap_or_default();
    let first = vfile.lines().next().unwrap_or("").trim();
    if first != version {
        return Err(InstallError::Refused(format!(
            "the archive's VERSION file says {first:?}, not {version}: not installed"
        )));
    }
    let m = Manifest {
        version: version.to_string(),
        goos: goos.to_string(),
        goarch: goarch.to_string(),
        source: source.to_string(),
        checksum: checksum.to_string(),
        installed: gomedic_core::time::rfc3339(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
        ),
        files,
    };
    let p = tmp.join(MANIFEST);
    let json = serde_json::to_vec_pretty(&m).map_err(|e| InstallError::Refused(e.to_string()))?;
    fs::write(&p, json).map_err(io_at(&p))
}

/// `go1.22.10.linux-amd64.tar.gz` → `go1.22.10`.
pub fn version_from_filename(name: &str) -> Option<String> {
    let stem = name
        .strip_suffix(".tar.gz")
        .or_else(|| name.strip_suffix(".zip"))?;
    let (v, platform) = stem.rsplit_once('.')?;
    let (os, arch) = platform.split_once('-')?;
    if os.is_empty() || arch.is_empty() {
        return None;
    }
    gomedic_goenv::version::GoVersion::parse_toolchain(v).filter(|g| !g.is_lang())?;
    Some(v.to_string())
}

/// `https://user:pass@host/x` → `https://host/x`.
pub use gomedic_core::redact::url_without_userinfo as redact_url;

fn download_unverified(
    http: &dyn Http,
    urls: &[String],
    dest: &Path,
) -> Result<String, InstallError> {
    let mut errs = Vec::new();
    for u in urls {
        match http.get(u, 0) {
            Ok(r) => {
                let mut f = fs::File::create(dest).map_err(io_at(dest))?;
                let mut body = r.body;
                std::io::copy(&mut body, &mut f).map_err(io_at(dest))?;
                return Ok(u.clone());
            }
            Err(HttpError::NotFound(m)) | Err(HttpError::Other(m)) => errs.push(m),
        }
    }
    Err(InstallError::Index(format!(
        "could not download: {}",
        errs.join("; ")
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names() {
        assert_eq!(
            version_from_filename("go1.22.10.linux-amd64.tar.gz").as_deref(),
            Some("go1.22.10")
        );
        assert_eq!(
            version_from_filename("go1.23rc1.windows-amd64.zip").as_deref(),
            Some("go1.23rc1")
        );
        assert_eq!(version_from_filename("go1.22.linux-amd64.tar.gz"), None);
        assert_eq!(version_from_filename("go.tar.gz"), None);
        assert_eq!(version_from_filename("go1.22.10.src.tar.gz"), None);
    }
}
