//! What `toolchain list` and `toolchain which` print, as text and as JSON
//! (`gomedic.toolchain-list/v1`, `gomedic.toolchain-which/v1`).

use crate::index::Release;
use crate::install::IndexSource;
use crate::store::{exe, Installed};
use crate::switch::PathState;
use serde_json::{json, Value};
use std::fmt::Write;
use std::path::Path;

pub struct List<'a> {
    pub root: &'a Path,
    pub installed: &'a [Installed],
    pub current: Option<&'a str>,
    /// With `--remote`: the index and where it came from.
    pub remote: Option<(&'a [Release], &'a IndexSource)>,
    /// `--all`: unstable and archived releases too.
    pub all: bool,
}

impl List<'_> {
    fn remote_rows(&self) -> Vec<&Release> {
        let Some((rs, _)) = self.remote else {
            return Vec::new();
        };
        let mut stable_lines = std::collections::BTreeSet::new();
        rs.iter()
            .filter(|r| {
                if self.all {
                    return true;
                }
                // The newest release of each of the two newest lines, as go.dev/dl shows.
                let Some(v) = gomedic_goenv::version::GoVersion::parse_toolchain(&r.version) else {
                    return false;
                };
                r.stable && stable_lines.len() < 2 && stable_lines.insert((v.major, v.minor))
            })
            .collect()
    }

    pub fn json(&self) -> Value {
        let inst: Vec<Value> = self
            .installed
            .iter()
            .map(|i| {
                let m = i.manifest.as_ref();
                json!({
                    "version": i.version,
                    "dir": i.dir.display().to_string(),
                    "current": Some(i.version.as_str()) == self.current,
                    "complete": m.is_some(),
                    "source": m.map(|m| m.source.clone()),
                    "checksum": m.map(|m| m.checksum.clone()),
                    "installed": m.map(|m| m.installed.clone()),
                })
            })
            .collect();
        let mut v = json!({
            "schema": "gomedic.toolchain-list/v1",
            "root": self.root.display().to_string(),
            "current": self.current,
            "installed": inst,
        });
        if let Some((_, src)) = self.remote {
            let rows: Vec<Value> = self
                .remote_rows()
                .into_iter()
                .map(|r| {
                    json!({
                        "version": r.version,
                        "stable": r.stable,
                        "installed": self.installed.iter().any(|i| i.version == r.version && i.manifest.is_some()),
                    })
                })
                .collect();
            v["remote"] = json!(rows);
            v["index"] = match src {
                IndexSource::Mirror(m) => json!({"from": m, "cached": false}),
                IndexSource::Cache { errors } => {
                    json!({"from": "cache", "cached": true, "errors": errors})
                }
            };
        }
        v
    }

    pub fn text(&self) -> String {
        let mut s = String::new();
        if self.installed.is_empty() {
            let _ = writeln!(s, "no toolchains installed in {}", self.root.display());
        } else {
            let _ = writeln!(s, "installed in {}:", self.root.display());
            for i in self.installed {
                let mark = if Some(i.version.as_str()) == self.current {
                    "*"
                } else {
                    " "
                };
                let note = match &i.manifest {
                    Some(m) => format!("from {}", m.source),
                    None => "incomplete or not installed by gomedic".to_string(),
                };
                let _ = writeln!(s, "{mark} {:<14} {note}", i.version);
            }
        }
        if let Some((_, src)) = self.remote {
            match src {
                IndexSource::Mirror(m) => {
                    let _ = writeln!(s, "\navailable (from {m}):");
                }
                IndexSource::Cache { errors } => {
                    let _ = writeln!(s, "\navailable (cached index; no mirror answered):");
                    for e in errors {
                        let _ = writeln!(s, "  ! {e}");
                    }
                }
            }
            for r in self.remote_rows() {
                let inst = self.installed.iter().any(|i| i.version == r.version);
                let tag = match (r.stable, inst) {
                    (_, true) => "installed",
                    (false, _) => "unstable",
                    _ => "",
                };
                let _ = writeln!(s, "  {:<14} {tag}", r.version);
            }
        }
        s
    }
}

pub struct Which<'a> {
    pub current: Option<&'a str>,
    pub link: &'a Path,
    pub goos: &'a str,
    pub state: Option<&'a PathState>,
}

impl Which<'_> {
    pub fn go_path(&self) -> std::path::PathBuf {
        self.link.join("bin").join(exe("go", self.goos))
    }

    pub fn json(&self) -> Value {
        let (state, other) = match self.state {
            Some(PathState::First) => ("first", None),
            Some(PathState::Shadowed { by }) => ("shadowed", Some(by.display().to_string())),
            Some(PathState::Missing { other }) => {
                ("missing", other.as_ref().map(|o| o.display().to_string()))
            }
            None => ("unknown", None),
        };
        json!({
            "schema": "gomedic.toolchain-which/v1",
            "current": self.current,
            "goroot": self.current.map(|_| self.link.display().to_string()),
            "go": self.current.map(|_| self.go_path().display().to_string()),
            "path": state,
            "other_go": other,
        })
    }

    pub fn text(&self) -> String {
        let Some(v) = self.current else {
            return "no current toolchain: run `gomedic toolchain use VERSION --global`\n".into();
        };
        let mut s = format!("{v}: {}\n", self.go_path().display());
        match self.state {
            Some(PathState::First) => s.push_str("it is the first go on PATH\n"),
            Some(PathState::Shadowed { by }) => {
                let _ = writeln!(s, "but {} comes first on PATH", by.display());
            }
            Some(PathState::Missing { other: Some(o) }) => {
                let _ = writeln!(s, "not on PATH: `go` runs {}", o.display());
            }
            Some(PathState::Missing { other: None }) => s.push_str("not on PATH\n"),
            None => {}
        }
        s
    }
}
