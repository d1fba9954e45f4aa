//! Where toolchains live: `<root>/go1.22.10` is a GOROOT, `<root>/current` points at the
//! one `use --global` chose, `<root>/index.json` caches the release index, and
//! `<root>/downloads` holds archives being downloaded. An install is extracted into
//! `<root>/.tmp-<pid>-<version>` and renamed into place, so a half toolchain never has a
//! name `which` or `list` would pick.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Written into each install (`.gomedic-install.json`) before it is renamed into place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// `go1.22.10`
    pub version: String,
    pub goos: String,
    pub goarch: String,
    /// Where it came from: the archive's URL, `golang.org/toolchain@v0.0.1-...`, or a file.
    pub source: String,
    /// The archive's SHA-256 (index installs) or the module's `h1:` (proxy installs).
    pub checksum: String,
    /// When it was installed (RFC 3339, UTC).
    pub installed: String,
    /// Every file: relative path → (size, SHA-256), for `--deep` tamper checks.
    pub files: BTreeMap<String, (u64, String)>,
}

pub const MANIFEST: &str = ".gomedic-install.json";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installed {
    pub version: String,
    pub dir: PathBuf,
    /// None: a directory without gomedic's manifest (not installed by gomedic, or broken).
    pub manifest: Option<Manifest>,
}

pub struct Store {
    pub root: PathBuf,
}

pub fn exe(name: &str, goos: &str) -> String {
    if goos == "windows" {
        format!("{name}.exe")
    } else {
        name.to_string()
    }
}

impl Store {
    /// `GOMEDIC_TOOLCHAINS_DIR`, else `<gomedic data dir>/toolchains`.
    pub fn locate(getenv: &dyn Fn(&str) -> Option<String>, os: &str) -> Result<Store, String> {
        if let Some(d) = getenv("GOMEDIC_TOOLCHAINS_DIR").filter(|d| !d.is_empty()) {
            return Ok(Store { root: d.into() });
        }
        let data = gomedic_fix::data_dir(getenv, os).map_err(|e| e.to_string())?;
        Ok(Store {
            root: data.join("toolchains"),
        })
    }

    pub fn dir_for(&self, version: &str) -> PathBuf {
        self.root.join(version)
    }

    pub fn current_link(&self) -> PathBuf {
        self.root.join("current")
    }

    pub fn index_cache(&self) -> PathBuf {
        self.root.join("index.json")
    }

    pub fn downloads(&self) -> PathBuf {
        self.root.join("downloads")
    }

    /// A fresh temp directory name next to the installs.
    pub fn temp_dir(&self, version: &str) -> PathBuf {
        self.root
            .join(format!(".tmp-{}-{version}", std::process::id()))
    }

    /// Removes what killed installs left (temp dirs of processes that are gone).
    pub fn clean_leftovers(&self) {
        gomedic_fix::remove_dead_temp_dirs(&self.root, ".tmp-");
    }

    /// Installed toolchains, oldest version first.
    pub fn list(&self) -> io::Result<Vec<Installed>> {
        let rd = match fs::read_dir(&self.root) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e),
        };
        let mut out = Vec::new();
        for ent in rd.flatten() {
            let name = ent.file_name().to_string_lossy().into_owned();
            if gomedic_goenv::version::GoVersion::parse_toolchain(&name).is_none()
                || !ent.path().is_dir()
                || ent
                    .path()
                    .symlink_metadata()
                    .is_ok_and(|m| m.file_type().is_symlink())
            {
                continue;
            }
            out.push(self.read(&name));
        }
        out.sort_by(|a, b| {
            let v = |s: &str| gomedic_goenv::version::GoVersion::parse_toolchain(s);
            v(&a.version).cmp(&v(&b.version))
        });
        Ok(out)
    }

    pub fn read(&self, version: &str) -> Installed {
        let dir = self.dir_for(version);
        let manifest = fs::read(dir.join(MANIFEST))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok());
        Installed {
            version: version.to_string(),
            dir,
            manifest,
        }
    }

    /// The version `current` points at, if it is a valid link to an install here.
    pub fn current(&self) -> Option<String> {
        // Resolved rather than read: junctions, symlinks, and links made by another tool.
        let t = fs::canonicalize(self.current_link()).ok()?;
        let name = t.file_name()?.to_string_lossy().into_owned();
        let same = fs::canonicalize(self.dir_for(&name)).ok() == Some(t);
        same.then_some(name)
    }

    /// Points `current` at `version`, replacing the old link atomically where the OS
    /// allows (a new link renamed over the old one on Unix; a junction on Windows).
    pub fn set_current(&self, version: &str) -> io::Result<()> {
        let link = self.current_link();
        let canon = |p: &Path| fs::canonicalize(p).ok();
        if link.join("bin").is_dir()
            && canon(&link).is_some()
            && canon(&link) == canon(&self.dir_for(version))
        {
            return Ok(()); // already current
        }
        #[cfg(unix)]
        {
            let tmp = self
                .root
                .join(format!(".tmp-{}-current", std::process::id()));
            let _ = fs::remove_file(&tmp);
            // Relative: the whole toolchains directory can move.
            std::os::unix::fs::symlink(version, &tmp)?;
            fs::rename(&tmp, &link)
        }
        #[cfg(windows)]
        {
            // A junction needs no administrator rights or Developer Mode (symlinks do).
            if link.symlink_metadata().is_ok() {
                let _ = junction::delete(&link);
                let _ = fs::remove_dir(&link);
            }
            let target = self.dir_for(version);
            // Both are checked by going through the link: some file systems (and Wine)
            // report success without making one.
            let works = |r: io::Result<()>| {
                r.and_then(|()| {
                    if link.join("bin").is_dir() {
                        Ok(())
                    } else {
                        Err(io::Error::other("the link was not created"))
                    }
                })
            };
            let je = match works(junction::create(&target, &link)) {
                Ok(()) => return Ok(()),
                Err(e) => e,
            };
            // No reparse points here (FAT32/exFAT, some network shares): a directory
            // symlink works where symlinks are allowed.
            let _ = fs::remove_dir(&link);
            works(std::os::windows::fs::symlink_dir(&target, &link)).map_err(|se| {
                let _ = fs::remove_dir(&link);
                io::Error::other(format!(
                    "cannot link {} to {}: a directory junction failed ({je}) and so did a symbolic link ({se}); put the toolchains on an NTFS volume (GOMEDIC_TOOLCHAINS_DIR)",
                    link.display(),
                    target.display()
                ))
            })
        }
    }

    /// Removes an install: renamed to a temp name first, so a half-removed toolchain
    /// never looks installed.
    pub fn remove(&self, version: &str) -> io::Result<()> {
        let dir = self.dir_for(version);
        let tmp = self
            .root
            .join(format!(".tmp-{}-rm-{version}", std::process::id()));
        fs::rename(&dir, &tmp)?;
        fs::remove_dir_all(&tmp)
    }
}
