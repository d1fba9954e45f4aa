//! Every copy of each tool on PATH, in GOBIN and in GOPATH/bin, which one a PATH lookup runs,
//! and the other executables in GOBIN and GOPATH/bin (candidates for "any other Go binary").

use crate::data::known_tools;
use gomedic_goenv::pathscan::{self, CandidateKind};
use serde::Serialize;
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

/// What the integrator reads from a copy's Go build information (filled in later).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct BuildFacts {
    /// As stored, e.g. `go1.24.11` or `go1.22.3 X:rangefunc`.
    pub go_version: String,
    /// Main package path (`path` line).
    pub path: Option<String>,
    /// Main module path and version (`mod` line); `(devel)` when unknown.
    pub main_module: Option<String>,
    pub main_version: Option<String>,
    pub goos: Option<String>,
    pub goarch: Option<String>,
}

/// Where a copy was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "in", rename_all = "snake_case")]
pub enum Place {
    /// PATH entry number `entry` (0-based).
    Path {
        entry: usize,
    },
    Gobin,
    /// `bin` of GOPATH element number `index`.
    GopathBin {
        index: usize,
    },
}

/// One path a copy is reachable by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Location {
    pub path: PathBuf,
    pub place: Place,
}

/// One file (symlinks and duplicate directories that reach the same file are one copy).
#[derive(Debug, Clone, Serialize)]
pub struct FoundCopy {
    /// The first location is where it was found first (PATH order, then GOBIN, then GOPATH/bin).
    pub locations: Vec<Location>,
    /// The real file, symlinks resolved.
    pub canonical: Option<PathBuf>,
    #[serde(serialize_with = "kind_name")]
    pub kind: CandidateKind,
    /// Filled by the integrator from the executable's build information.
    pub build: Option<BuildFacts>,
}

fn kind_name<S: serde::Serializer>(k: &CandidateKind, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match k {
        CandidateKind::Executable => "executable",
        CandidateKind::NotExecutable => "not_executable",
        CandidateKind::Directory => "directory",
        CandidateKind::BrokenLink => "broken_link",
        CandidateKind::WindowsAppsAlias => "windows_apps_alias",
    })
}

impl FoundCopy {
    pub fn path(&self) -> &Path {
        &self.locations[0].path
    }
    pub fn on_path(&self) -> bool {
        self.locations
            .iter()
            .any(|l| matches!(l.place, Place::Path { .. }))
    }
}

/// Every copy of one tool.
#[derive(Debug, Clone, Serialize)]
pub struct ToolCopies {
    pub name: String,
    pub copies: Vec<FoundCopy>,
    /// Index in `copies` of the one a PATH lookup runs.
    pub winner: Option<usize>,
}

impl ToolCopies {
    pub fn winner(&self) -> Option<&FoundCopy> {
        self.winner.map(|i| &self.copies[i])
    }
    /// Copies that are not the PATH winner (shadowed on PATH, or only in GOBIN/GOPATH/bin).
    pub fn others(&self) -> impl Iterator<Item = &FoundCopy> {
        self.copies
            .iter()
            .enumerate()
            .filter(move |(i, _)| Some(*i) != self.winner)
            .map(|(_, c)| c)
    }
}

/// The whole discovery.
#[derive(Debug, Clone, Serialize)]
pub struct Discovery {
    pub tools: Vec<ToolCopies>,
    /// Other executables in GOBIN and GOPATH/bin (the integrator keeps those with Go build info).
    pub others: Vec<FoundCopy>,
}

impl Discovery {
    pub fn tool(&self, name: &str) -> Option<&ToolCopies> {
        self.tools.iter().find(|t| t.name == name)
    }
}

/// Where to look, as the go command and the shell see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolDirs {
    /// The raw PATH.
    pub path: OsString,
    /// `go env GOBIN` (empty: unset).
    pub gobin: OsString,
    /// `go env GOPATH` (a list).
    pub gopath: OsString,
    /// `windows`, `linux`, `darwin`...: the lookup rules, not necessarily this machine's.
    pub os: String,
    /// PATHEXT (Windows only).
    pub pathext: Option<String>,
}

/// The file names a lookup of `tool` tries, in order (PATHEXT on Windows).
pub fn tool_file_names(tool: &str, os: &str, pathext: Option<&str>) -> Vec<String> {
    pathscan::go_names(os, pathext)
        .into_iter()
        .map(|n| format!("{tool}{}", &n[2..]))
        .collect()
}

/// The GOPATH elements' `bin` directories, as strings with the OS's rules (`;` and `\` on
/// Windows), empty elements skipped as filepath.SplitList does.
pub fn gopath_bins(gopath: &str, os: &str) -> Vec<String> {
    let (sep, slash) = if os == "windows" {
        (';', '\\')
    } else {
        (':', '/')
    };
    gopath
        .split(sep)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let e = if os == "windows" {
                e.trim_matches('"')
            } else {
                e
            };
            let t = e.trim_end_matches(['/', '\\']);
            let t = if t.is_empty() { e } else { t };
            format!("{t}{slash}bin")
        })
        .collect()
}

/// [`gopath_bins`] as paths to look in on this machine (`Path::join`, the host's separator).
pub fn gopath_bin_dirs(gopath: &str, os: &str) -> Vec<PathBuf> {
    let sep = if os == "windows" { ';' } else { ':' };
    gopath
        .split(sep)
        .filter(|e| !e.is_empty())
        .map(|e| {
            let e = if os == "windows" {
                e.trim_matches('"')
            } else {
                e
            };
            Path::new(e).join("bin")
        })
        .collect()
}

fn same_dir_key(s: &str, windows: bool) -> String {
    let t = s.trim_end_matches(['/', '\\']);
    let t = if t.is_empty() { s } else { t };
    if windows {
        t.replace('/', "\\").to_ascii_lowercase()
    } else {
        t.to_string()
    }
}

fn is_exec_name(name: &str, windows: bool, pathext: Option<&str>) -> bool {
    if !windows {
        return true;
    }
    let exts = pathext
        .filter(|p| !p.trim().is_empty())
        .unwrap_or(".COM;.EXE;.BAT;.CMD");
    let lower = name.to_ascii_lowercase();
    exts.split(';')
        .filter(|e| e.starts_with('.'))
        .any(|e| lower.ends_with(&e.to_ascii_lowercase()))
}

fn file_kind(p: &Path, windows: bool) -> Option<CandidateKind> {
    let link = std::fs::symlink_metadata(p).ok()?;
    Some(match std::fs::metadata(p) {
        Err(_) if link.file_type().is_symlink() => CandidateKind::BrokenLink,
        Err(_) => CandidateKind::WindowsAppsAlias,
        Ok(m) if m.is_dir() => CandidateKind::Directory,
        Ok(m) if windows && m.is_file() => CandidateKind::Executable,
        Ok(m) if pathscan::is_executable(&m) => CandidateKind::Executable,
        Ok(_) => CandidateKind::NotExecutable,
    })
}

/// Adds `loc` to `list`: a new copy, or another location of a copy with the same real file.
fn add(list: &mut Vec<FoundCopy>, loc: Location, canonical: Option<PathBuf>, kind: CandidateKind) {
    if let Some(c) = canonical.as_ref() {
        if let Some(existing) = list.iter_mut().find(|x| x.canonical.as_ref() == Some(c)) {
            if !existing.locations.iter().any(|l| l.path == loc.path) {
                existing.locations.push(loc);
            }
            return;
        }
    }
    list.push(FoundCopy {
        locations: vec![loc],
        canonical,
        kind,
        build: None,
    });
}

/// [`discover_names`] for every known tool.
pub fn discover(dirs: &ToolDirs) -> Discovery {
    let names: Vec<&str> = known_tools().iter().map(|t| t.name.as_str()).collect();
    discover_names(dirs, &names)
}

/// Finds every copy of each tool in `names`: PATH entries in order (a lookup runs the first
/// executable one), then GOBIN, then each GOPATH/bin; plus the other executables in GOBIN and
/// GOPATH/bin.
pub fn discover_names(dirs: &ToolDirs, names: &[&str]) -> Discovery {
    let windows = dirs.os == "windows";
    let pathext = dirs.pathext.as_deref();
    let per_tool: Vec<Vec<String>> = names
        .iter()
        .map(|n| tool_file_names(n, &dirs.os, pathext))
        .collect();
    let all: Vec<String> = per_tool.iter().flatten().cloned().collect();
    let scan = pathscan::scan(&dirs.path, &all, &dirs.os);

    let mut tools: Vec<ToolCopies> = names
        .iter()
        .map(|n| ToolCopies {
            name: n.to_string(),
            copies: Vec::new(),
            winner: None,
        })
        .collect();
    let tool_of = |file: &OsStr| -> Option<usize> {
        let f = file.to_string_lossy();
        per_tool.iter().position(|fs| {
            fs.iter().any(|n| {
                if windows {
                    n.eq_ignore_ascii_case(&f)
                } else {
                    *n == f
                }
            })
        })
    };
    for c in &scan.candidates {
        let Some(i) = c.path.file_name().and_then(tool_of) else {
            continue;
        };
        let t = &mut tools[i];
        add(
            &mut t.copies,
            Location {
                path: c.path.clone(),
                place: Place::Path { entry: c.entry },
            },
            c.resolved.clone(),
            c.kind.clone(),
        );
        if t.winner.is_none() && c.usable() {
            let canon = c.resolved.as_ref();
            t.winner = t.copies.iter().position(|x| {
                x.locations.iter().any(|l| l.path == c.path)
                    || (canon.is_some() && x.canonical.as_ref() == canon)
            });
        }
    }

    // GOBIN and GOPATH/bin directories.
    let mut extra: Vec<(PathBuf, Place)> = Vec::new();
    if !dirs.gobin.is_empty() {
        extra.push((PathBuf::from(&dirs.gobin), Place::Gobin));
    }
    for (index, b) in gopath_bin_dirs(&dirs.gopath.to_string_lossy(), &dirs.os)
        .into_iter()
        .enumerate()
    {
        extra.push((b, Place::GopathBin { index }));
    }
    let on_path: Vec<(String, Option<PathBuf>)> = scan
        .entries
        .iter()
        .filter(|e| !e.raw.is_empty())
        .map(|e| {
            (
                same_dir_key(&e.display, windows),
                dunce::canonicalize(&e.display).ok(),
            )
        })
        .collect();
    let mut others: Vec<FoundCopy> = Vec::new();
    let mut seen_dirs: Vec<PathBuf> = Vec::new();
    for (dir, place) in extra {
        let canon_dir = dunce::canonicalize(&dir).ok();
        let dir_on_path = on_path.iter().any(|(k, c)| {
            *k == same_dir_key(&dir.to_string_lossy(), windows) || (c.is_some() && *c == canon_dir)
        });
        let key = canon_dir.clone().unwrap_or_else(|| dir.clone());
        let repeat = seen_dirs.contains(&key);
        seen_dirs.push(key);
        for (i, files) in per_tool.iter().enumerate() {
            for f in files {
                let p = dir.join(f);
                let Some(kind) = file_kind(&p, windows) else {
                    continue;
                };
                let canonical = dunce::canonicalize(&p).ok();
                let t = &mut tools[i];
                // A directory already on PATH was scanned: record the extra role only.
                if dir_on_path || repeat {
                    if let Some(c) = t
                        .copies
                        .iter_mut()
                        .find(|x| canonical.is_some() && x.canonical == canonical)
                    {
                        if !c.locations.iter().any(|l| l.place == place) {
                            c.locations.push(Location {
                                path: p.clone(),
                                place: place.clone(),
                            });
                        }
                        continue;
                    }
                }
                add(
                    &mut t.copies,
                    Location {
                        path: p,
                        place: place.clone(),
                    },
                    canonical,
                    kind,
                );
            }
        }
        // Any other executable here.
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut files: Vec<(String, PathBuf)> = rd
            .flatten()
            .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
            .filter(|(n, _)| tool_of(OsStr::new(n)).is_none())
            .filter(|(n, _)| is_exec_name(n, windows, pathext))
            .collect();
        files.sort();
        for (_, p) in files {
            if file_kind(&p, windows) != Some(CandidateKind::Executable) {
                continue;
            }
            let canonical = dunce::canonicalize(&p).ok();
            add(
                &mut others,
                Location {
                    path: p,
                    place: place.clone(),
                },
                canonical,
                CandidateKind::Executable,
            );
        }
    }
    Discovery { tools, others }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_path_rules_as_strings() {
        assert_eq!(
            tool_file_names("gopls", "windows", Some(".EXE;.CMD")),
            ["gopls.exe", "gopls.cmd"]
        );
        assert_eq!(tool_file_names("dlv", "windows", None).len(), 4);
        assert_eq!(tool_file_names("dlv", "linux", Some(".EXE")), ["dlv"]);
        assert_eq!(
            gopath_bins(r"C:\Users\u\go;;D:\work\", "windows"),
            [r"C:\Users\u\go\bin", r"D:\work\bin"]
        );
        assert_eq!(
            gopath_bins("/home/u/go:/opt/gp/", "linux"),
            ["/home/u/go/bin", "/opt/gp/bin"]
        );
        // Unix rules split a Windows path at its drive colon: the OS decides, not the text.
        assert_eq!(gopath_bins(r"C:\go", "linux"), ["C/bin", r"\go/bin"]);
        assert_eq!(
            same_dir_key(r"C:/Users/U/go/bin\", true),
            same_dir_key(r"c:\users\u\go\bin", true)
        );
        assert!(is_exec_name("Tool.EXE", true, None));
        assert!(!is_exec_name("README.md", true, None));
    }

    #[cfg(unix)]
    fn exe(p: &Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, b"\x7fELF fake").unwrap();
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn path_order_gobin_gopath_and_symlinks() {
        let d = tempfile::tempdir().unwrap();
        let r = d.path();
        let usr = r.join("usr/local/bin");
        let gobin = r.join("gobin");
        let gp1 = r.join("gp1");
        let gp2 = r.join("gp2");
        exe(&usr.join("dlv")); // old copy first on PATH
        exe(&gp1.join("bin/dlv")); // newer one in GOPATH/bin, also on PATH later
        exe(&gobin.join("gopls")); // GOBIN not on PATH
        exe(&gp2.join("bin/gopls"));
        exe(&gp2.join("bin/mytool")); // another executable
        std::fs::write(gp2.join("bin/notes.txt"), "x").unwrap(); // not executable
        let links = r.join("links");
        std::fs::create_dir_all(&links).unwrap();
        std::os::unix::fs::symlink(usr.join("dlv"), links.join("dlv")).unwrap();
        let path = format!(
            "{}:{}:{}/bin:{}",
            links.display(),
            usr.display(),
            gp1.display(),
            usr.display()
        );
        let dirs = ToolDirs {
            path: path.into(),
            gobin: gobin.clone().into(),
            gopath: format!("{}:{}", gp1.display(), gp2.display()).into(),
            os: "linux".into(),
            pathext: None,
        };
        let disc = discover(&dirs);
        let dlv = disc.tool("dlv").unwrap();
        // The symlink and its target are one copy; the GOPATH/bin copy is a second one.
        assert_eq!(dlv.copies.len(), 2, "{dlv:#?}");
        let w = dlv.winner().unwrap();
        assert_eq!(w.path(), links.join("dlv"));
        assert_eq!(w.locations.len(), 2);
        assert_eq!(w.locations[1].path, usr.join("dlv"));
        let other = dlv.others().next().unwrap();
        assert_eq!(other.path(), gp1.join("bin/dlv"));
        assert_eq!(
            other
                .locations
                .iter()
                .map(|l| l.place.clone())
                .collect::<Vec<_>>(),
            [Place::Path { entry: 2 }, Place::GopathBin { index: 0 }]
        );
        // gopls: not on PATH at all; GOBIN first, then GOPATH[1]/bin.
        let gopls = disc.tool("gopls").unwrap();
        assert!(gopls.winner.is_none());
        assert_eq!(gopls.copies[0].locations[0].place, Place::Gobin);
        assert_eq!(
            gopls.copies[1].locations[0].place,
            Place::GopathBin { index: 1 }
        );
        assert!(!gopls.copies[0].on_path());
        assert!(disc.tool("staticcheck").unwrap().copies.is_empty());
        let others: Vec<_> = disc.others.iter().map(|c| c.path().to_path_buf()).collect();
        assert_eq!(others, [gp2.join("bin/mytool")]);
    }

    #[cfg(unix)]
    #[test]
    fn windows_rules_on_real_dirs() {
        let d = tempfile::tempdir().unwrap();
        let a = d.path().join("a");
        let gp = d.path().join("gp");
        exe(&a.join("gopls.cmd"));
        exe(&a.join("gopls.exe"));
        exe(&gp.join("bin").join("gopls.exe"));
        exe(&gp.join("bin").join("other.exe"));
        exe(&gp.join("bin").join("script.sh"));
        let dirs = ToolDirs {
            path: format!("{};{}", a.display(), d.path().join("missing").display()).into(),
            gobin: OsString::new(),
            gopath: gp.clone().into(),
            os: "windows".into(),
            pathext: Some(".EXE;.CMD".into()),
        };
        let disc = discover(&dirs);
        let g = disc.tool("gopls").unwrap();
        // PATHEXT order within a directory: .exe before .cmd.
        assert_eq!(g.winner().unwrap().path(), a.join("gopls.exe"));
        assert_eq!(g.copies.len(), 3);
        assert_eq!(
            g.copies[2].locations[0].place,
            Place::GopathBin { index: 0 }
        );
        let others: Vec<_> = disc.others.iter().map(|c| c.path().to_path_buf()).collect();
        assert_eq!(others, [gp.join("bin").join("other.exe")]);
    }
}
