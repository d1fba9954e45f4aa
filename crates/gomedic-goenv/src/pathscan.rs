//! Every `go` a PATH lookup can find, in order, and what is wrong with the PATH itself.

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// A problem with one PATH entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryProblem {
    /// An empty entry: on Unix it means the current directory.
    Empty,
    /// A relative entry: resolved against whatever directory a command runs in.
    Relative,
    Missing,
    NotADirectory,
    /// Same directory as an earlier entry (index).
    Duplicate(usize),
    /// Contains `%VAR%` that was never expanded (a REG_SZ PATH holding REG_EXPAND_SZ text).
    UnexpandedVariable,
    /// Wrapped in double quotes; Windows keeps the quotes literally for most programs.
    Quoted,
}

/// One PATH entry.
#[derive(Debug, Clone)]
pub struct PathEntry {
    pub index: usize,
    pub raw: OsString,
    /// Lossy display form; `non_utf8` says when it lost information.
    pub display: String,
    pub non_utf8: bool,
    pub problems: Vec<EntryProblem>,
}

/// What kind of thing a `go` candidate is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CandidateKind {
    Executable,
    /// A regular file without execute permission (Unix).
    NotExecutable,
    Directory,
    /// A symlink whose target is missing.
    BrokenLink,
    /// A Windows app execution alias under `%LOCALAPPDATA%\Microsoft\WindowsApps`.
    WindowsAppsAlias,
}

/// A `go` found on PATH.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub entry: usize,
    pub path: PathBuf,
    /// The real file after resolving symlinks.
    pub resolved: Option<PathBuf>,
    pub kind: CandidateKind,
    /// The GOROOT this binary belongs to (how cmd/go finds its own GOROOT).
    pub goroot: Option<PathBuf>,
    /// First line of `$GOROOT/VERSION`, e.g. `go1.22.10`.
    pub goroot_version: Option<String>,
}

impl Candidate {
    /// What a PATH lookup would run. App execution aliases count: Windows starts them
    /// (and gomedic then reports the alias as the problem it is).
    pub fn usable(&self) -> bool {
        matches!(
            self.kind,
            CandidateKind::Executable | CandidateKind::WindowsAppsAlias
        )
    }
}

/// The whole scan.
#[derive(Debug, Clone, Default)]
pub struct PathScan {
    pub entries: Vec<PathEntry>,
    pub candidates: Vec<Candidate>,
}

impl PathScan {
    /// The `go` a lookup runs: the first usable candidate.
    pub fn winner(&self) -> Option<&Candidate> {
        self.candidates.iter().find(|c| c.usable())
    }
}

/// Names a lookup of `go` tries, in order, on `os` (PATHEXT on Windows).
pub fn go_names(os: &str, pathext: Option<&str>) -> Vec<String> {
    if os == "windows" {
        let exts = pathext
            .filter(|p| !p.trim().is_empty())
            .unwrap_or(".COM;.EXE;.BAT;.CMD");
        exts.split(';')
            .filter(|e| e.starts_with('.'))
            .map(|e| format!("go{}", e.to_ascii_lowercase()))
            .collect()
    } else {
        vec!["go".to_string()]
    }
}

/// Scans `path_var` (the raw PATH) for `names`.
pub fn scan(path_var: &OsStr, names: &[String], os: &str) -> PathScan {
    let windows = os == "windows";
    let mut scan = PathScan::default();
    let mut seen: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for (index, raw) in split_path(path_var, windows).into_iter().enumerate() {
        let display = raw.to_string_lossy().into_owned();
        let non_utf8 = raw.to_str().is_none();
        let mut problems = Vec::new();
        let mut dir = PathBuf::from(&raw);
        if raw.is_empty() {
            problems.push(EntryProblem::Empty);
        } else {
            if windows && display.len() >= 2 && display.starts_with('"') && display.ends_with('"') {
                problems.push(EntryProblem::Quoted);
                dir = PathBuf::from(&display[1..display.len() - 1]);
            }
            if windows && display.matches('%').count() >= 2 {
                problems.push(EntryProblem::UnexpandedVariable);
            }
            if !is_absolute(&display, windows) {
                problems.push(EntryProblem::Relative);
            }
            match std::fs::metadata(&dir) {
                Ok(m) if !m.is_dir() => problems.push(EntryProblem::NotADirectory),
                Ok(_) => {}
                Err(_) => problems.push(EntryProblem::Missing),
            }
            let key = normalize(&display, windows);
            match seen.get(&key) {
                Some(first) => problems.push(EntryProblem::Duplicate(*first)),
                None => {
                    seen.insert(key, index);
                }
            }
        }
        let searchable = !problems.iter().any(|p| {
            matches!(
                p,
                EntryProblem::Missing | EntryProblem::NotADirectory | EntryProblem::Duplicate(_)
            )
        });
        if searchable {
            let base = if raw.is_empty() {
                PathBuf::from(".")
            } else {
                dir.clone()
            };
            for name in names {
                if let Some(c) = candidate(index, &base.join(name), &display, windows) {
                    scan.candidates.push(c);
                }
            }
        }
        scan.entries.push(PathEntry {
            index,
            raw,
            display,
            non_utf8,
            problems,
        });
    }
    scan
}

fn split_path(v: &OsStr, windows: bool) -> Vec<OsString> {
    #[cfg(windows)]
    if windows {
        // Split on `;` only: std's split_paths removes quotes, which hides a quoted entry
        // that CreateProcess and most programs search literally.
        use std::os::windows::ffi::{OsStrExt, OsStringExt};
        let wide: Vec<u16> = v.encode_wide().collect();
        return wide
            .split(|c| *c == u16::from(b';'))
            .map(OsString::from_wide)
            .collect();
    }
    if windows == cfg!(windows) {
        // The host's own rules (handles non-UTF-8 bytes on Unix).
        return std::env::split_paths(v).map(OsString::from).collect();
    }
    let sep = if windows { ';' } else { ':' };
    v.to_string_lossy().split(sep).map(OsString::from).collect()
}

fn is_absolute(s: &str, windows: bool) -> bool {
    if windows {
        let b = s.as_bytes();
        (b.len() >= 3
            && b[0].is_ascii_alphabetic()
            && b[1] == b':'
            && (b[2] == b'\\' || b[2] == b'/'))
            || s.starts_with("\\\\")
    } else {
        s.starts_with('/')
    }
}

fn normalize(s: &str, windows: bool) -> String {
    let t = s.trim_end_matches(['/', '\\']);
    let t = if t.is_empty() { s } else { t };
    if windows {
        t.replace('/', "\\").to_ascii_lowercase()
    } else {
        t.to_string()
    }
}

fn is_windowsapps(dir: &str) -> bool {
    dir.replace('/', "\\")
        .trim_end_matches('\\')
        .to_ascii_lowercase()
        .ends_with("\\microsoft\\windowsapps")
}

fn candidate(entry: usize, path: &Path, dir_display: &str, windows: bool) -> Option<Candidate> {
    let link_meta = std::fs::symlink_metadata(path).ok()?;
    let meta = std::fs::metadata(path);
    let kind = match &meta {
        _ if windows && is_windowsapps(dir_display) => CandidateKind::WindowsAppsAlias,
        Err(_) if link_meta.file_type().is_symlink() => CandidateKind::BrokenLink,
        // Reparse points that cannot be followed (app execution aliases elsewhere).
        Err(_) => CandidateKind::WindowsAppsAlias,
        Ok(m) if m.is_dir() => CandidateKind::Directory,
        Ok(m) if is_executable(m) => CandidateKind::Executable,
        Ok(_) => CandidateKind::NotExecutable,
    };
    let resolved = dunce::canonicalize(path).ok();
    let goroot = if kind == CandidateKind::Executable {
        goroot_of(path, resolved.as_deref())
    } else {
        None
    };
    let goroot_version = goroot.as_deref().and_then(read_version_file);
    Some(Candidate {
        entry,
        path: path.to_path_buf(),
        resolved,
        kind,
        goroot,
        goroot_version,
    })
}

/// Whether a file may be executed (the execute bits on Unix; any file elsewhere).
#[cfg(unix)]
pub fn is_executable(m: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    m.is_file() && m.permissions().mode() & 0o111 != 0
}

#[cfg(not(unix))]
pub fn is_executable(m: &std::fs::Metadata) -> bool {
    m.is_file()
}

/// The GOROOT a go binary at `exe` uses when GOROOT is not set: `exe/../..` (or
/// `../../..` for cross-compiled layouts) if it has `pkg/tool`, first unresolved, then
/// with symlinks resolved (cmd/go's findGOROOT).
pub fn goroot_of(exe: &Path, resolved: Option<&Path>) -> Option<PathBuf> {
    let looks = |d: &Path| d.join("pkg").join("tool").is_dir();
    let abs = if exe.is_absolute() {
        exe.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(exe)
    };
    for p in [Some(abs.as_path()), resolved].into_iter().flatten() {
        for up in [2usize, 3] {
            let mut d = p.to_path_buf();
            for _ in 0..up {
                d = d.parent()?.to_path_buf();
            }
            if looks(&d) {
                return Some(d);
            }
        }
    }
    None
}

/// First line of `$GOROOT/VERSION`, if it is a readable regular file (never a FIFO or a
/// device, which could block or never end); only its first 4 KiB are read.
pub fn read_version_file(goroot: &Path) -> Option<String> {
    use std::io::Read;
    let p = goroot.join("VERSION");
    if !std::fs::metadata(&p).ok()?.is_file() {
        return None;
    }
    let f = std::fs::File::open(&p).ok()?;
    let mut buf = Vec::new();
    f.take(4096).read_to_end(&mut buf).ok()?;
    let text = String::from_utf8_lossy(&buf);
    text.lines()
        .next()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_goroot(root: &Path, version: &str) -> PathBuf {
        std::fs::create_dir_all(root.join("bin")).unwrap();
        std::fs::create_dir_all(root.join("pkg/tool/linux_amd64")).unwrap();
        std::fs::write(root.join("VERSION"), format!("{version}\ntime x\n")).unwrap();
        let go = root.join("bin/go");
        std::fs::write(&go, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&go, std::fs::Permissions::from_mode(0o755)).unwrap();
        go
    }

    #[test]
    fn finds_all_in_order_with_problems() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let b = d.path().join("b");
        fake_goroot(&a, "go1.22.10");
        fake_goroot(&b, "go1.21.13");
        let linkdir = d.path().join("links");
        std::fs::create_dir_all(&linkdir).unwrap();
        std::os::unix::fs::symlink(a.join("bin/go"), linkdir.join("go")).unwrap();
        let noexec = d.path().join("noexec");
        std::fs::create_dir_all(&noexec).unwrap();
        std::fs::write(noexec.join("go"), "x").unwrap();
        let dirgo = d.path().join("dirgo");
        std::fs::create_dir_all(dirgo.join("go")).unwrap();
        let p = format!(
            "{nx}:{dg}:{l}::rel/bin:{missing}:{b}/bin:{a}/bin:{b}/bin/",
            nx = noexec.display(),
            dg = dirgo.display(),
            l = linkdir.display(),
            missing = d.path().join("missing").display(),
            a = a.display(),
            b = b.display()
        );
        let s = scan(OsStr::new(&p), &go_names("linux", None), "linux");
        let kinds: Vec<_> = s.candidates.iter().map(|c| c.kind.clone()).collect();
        assert_eq!(kinds[0], CandidateKind::NotExecutable);
        assert_eq!(kinds[1], CandidateKind::Directory);
        let w = s.winner().unwrap();
        assert_eq!(w.path, linkdir.join("go"));
        assert_eq!(
            w.goroot.as_deref(),
            Some(a.canonicalize().unwrap().as_path())
        );
        assert_eq!(w.goroot_version.as_deref(), Some("go1.22.10"));
        assert_eq!(s.entries[3].problems, vec![EntryProblem::Empty]);
        assert!(s.entries[4].problems.contains(&EntryProblem::Relative));
        assert!(s.entries[5].problems.contains(&EntryProblem::Missing));
        assert_eq!(s.entries[8].problems, vec![EntryProblem::Duplicate(6)]);
    }

    #[test]
    fn huge_and_non_utf8_paths() {
        use std::os::unix::ffi::OsStrExt;
        let mut p = Vec::new();
        for i in 0..10_000 {
            p.extend_from_slice(format!("/nonexistent/{i}:").as_bytes());
        }
        p.extend_from_slice(b"/tmp/\xff\xfe");
        let s = scan(OsStr::from_bytes(&p), &go_names("linux", None), "linux");
        assert_eq!(s.entries.len(), 10_001);
        assert!(s.entries.last().unwrap().non_utf8);
        assert!(s.winner().is_none());
    }

    #[test]
    fn windows_names_and_alias_detection() {
        assert_eq!(
            go_names("windows", Some(".EXE;.CMD")),
            vec!["go.exe", "go.cmd"]
        );
        assert!(is_windowsapps(
            "C:\\Users\\u\\AppData\\Local\\Microsoft\\WindowsApps\\"
        ));
        assert!(!is_windowsapps("C:\\Go\\bin"));
        assert!(is_absolute("C:\\Go\\bin", true));
        assert!(!is_absolute("Go\\bin", true));
    }
}
