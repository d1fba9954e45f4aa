//! Facts from files: the go env files, the nearest go.mod/go.work, the directories Go
//! writes to, and what a path names.

use crate::{Facts, FileKind};
use gomedic_goenv::envfile::{self, EnvFile};
use gomedic_goenv::gomod::{self, ModFile};
use gomedic_sys::fs::DirProbe;
use std::path::{Path, PathBuf};

/// A file that could not be read, with its path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {message}", path.display())]
pub struct FileError {
    pub path: PathBuf,
    pub message: String,
}

/// The user's go env file: where it is and what it holds.
#[derive(Debug, Clone)]
pub enum UserEnvFile {
    /// No file location (GOENV=off, no config dir): the reason.
    NoLocation(String),
    Missing(PathBuf),
    Unreadable(PathBuf, String),
    Parsed(EnvFile),
}

impl UserEnvFile {
    pub fn file(&self) -> Option<&EnvFile> {
        match self {
            UserEnvFile::Parsed(f) => Some(f),
            _ => None,
        }
    }

    /// Where the file is (or would be), if anywhere.
    pub fn path(&self) -> Option<&Path> {
        match self {
            UserEnvFile::NoLocation(_) => None,
            UserEnvFile::Missing(p) | UserEnvFile::Unreadable(p, _) => Some(p),
            UserEnvFile::Parsed(f) => Some(&f.path),
        }
    }
}

impl Facts {
    pub fn user_env_file(&self) -> &UserEnvFile {
        self.user_env_file.get_or_init(|| {
            let getenv = |k: &str| self.getenv(k);
            let path = match envfile::user_env_file_path(&getenv, &self.os) {
                Ok(p) => p,
                Err(why) => return UserEnvFile::NoLocation(why),
            };
            match self.gather.read_file(&path) {
                Ok(data) => UserEnvFile::Parsed(EnvFile::parse(&path, &data, true)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => UserEnvFile::Missing(path),
                Err(e) => UserEnvFile::Unreadable(path, e.to_string()),
            }
        })
    }

    /// The user's go env file if some check already read it (never reads it).
    pub fn gathered_user_env_file(&self) -> Option<&EnvFile> {
        self.user_env_file.get()?.file()
    }

    /// `$GOROOT/go.env` if something already read it (never reads it).
    pub fn gathered_goroot_env_file(&self) -> Option<&EnvFile> {
        self.goroot_env_file.get()?.as_ref()
    }

    /// The `go.env` go reads, when readable. Like cmd/go's `findGOROOT` it comes from the
    /// go env file's GOROOT first, then the environment's, then the binary's own GOROOT
    /// (so with both set, go.env is read from the file's GOROOT while go uses the
    /// environment's: go's order, not a typo).
    pub fn goroot_env_file(&self) -> Option<&EnvFile> {
        self.goroot_env_file
            .get_or_init(|| self.read_go_env_file(|| self.goroot()))
            .as_ref()
    }

    /// `go.env` of the GOROOT findGOROOT picks: the go env file's GOROOT, the
    /// environment's, else `last` (the GOROOT in effect, or the binary's own).
    pub(crate) fn read_go_env_file(
        &self,
        last: impl FnOnce() -> Option<PathBuf>,
    ) -> Option<EnvFile> {
        let from_file = self
            .user_env_file()
            .file()
            .and_then(|f| f.get("GOROOT"))
            .map(|e| e.value.clone())
            .filter(|v| !v.is_empty());
        let root = from_file
            .or_else(|| self.getenv("GOROOT").filter(|v| !v.is_empty()))
            .map(PathBuf::from)
            .or_else(last)?;
        let p = root.join("go.env");
        let data = self.gather.read_file(&p).ok()?;
        Some(EnvFile::parse(&p, &data, false))
    }

    /// The nearest go.work / go.mod from the working directory.
    pub fn modfile(&self) -> Option<&Result<ModFile, FileError>> {
        self.modfile
            .get_or_init(|| {
                let gowork = self.getenv("GOWORK");
                let path = gomod::find(&self.cwd, gowork.as_deref())?;
                Some(match self.gather.read_file(&path) {
                    Ok(data) => Ok(gomod::parse(&path, &String::from_utf8_lossy(&data))),
                    Err(e) => Err(FileError {
                        path: path.clone(),
                        message: e.to_string(),
                    }),
                })
            })
            .as_ref()
    }

    /// The directories Go writes to, labelled (`GOPATH`, `GOCACHE`, ...), probed.
    pub fn dirs(&self) -> &[(String, DirProbe)] {
        self.dirs.get_or_init(|| {
            let list_sep = if self.windows() { ';' } else { ':' };
            let mut out = Vec::new();
            let s = self.settings();
            for p in s.value("GOPATH").split(list_sep).filter(|p| !p.is_empty()) {
                out.push(("GOPATH".to_string(), self.gather.probe_dir(Path::new(p))));
            }
            for key in ["GOCACHE", "GOMODCACHE", "GOTMPDIR"] {
                let v = s.value(key);
                if v.is_empty() || (key == "GOCACHE" && v == "off") {
                    continue;
                }
                out.push((key.to_string(), self.gather.probe_dir(Path::new(v))));
            }
            out
        })
    }

    /// Probes a directory that is not one of Go's (a place a fix would move one to).
    pub fn probe_dir(&self, path: &Path) -> DirProbe {
        self.gather.probe_dir(path)
    }

    /// Reads a small file through the gather layer (also alternate data streams on Windows).
    pub fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.gather.read_file(path)
    }

    /// What `path` names (following symlinks).
    pub fn file_kind(&self, path: &Path) -> FileKind {
        self.gather.file_kind(path)
    }

    /// A directory's entries (names and kinds), sorted by name.
    pub fn list_dir(&self, path: &Path) -> std::io::Result<Vec<(String, FileKind)>> {
        let mut v = self.gather.list_dir(path)?;
        v.sort();
        Ok(v)
    }

    /// `path` with symlinks resolved.
    pub fn canonicalize(&self, path: &Path) -> Option<PathBuf> {
        self.gather.canonicalize(path)
    }
}
