//! The `go` and `toolchain` lines of the nearest go.work or go.mod, as the go command
//! uses them to pick a toolchain.

use crate::version::GoVersion;
use std::path::{Path, PathBuf};

/// The directives that matter for toolchain selection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModFile {
    pub path: PathBuf,
    /// Raw `go` directive value and its line.
    pub go: Option<(String, usize)>,
    /// Raw `toolchain` directive value and its line.
    pub toolchain: Option<(String, usize)>,
    pub problems: Vec<String>,
}

impl ModFile {
    pub fn go_version(&self) -> Option<GoVersion> {
        self.go.as_ref().and_then(|(v, _)| GoVersion::parse(v))
    }
    pub fn toolchain_version(&self) -> Option<GoVersion> {
        self.toolchain.as_ref().and_then(|(v, _)| {
            if v == "default" {
                None
            } else {
                GoVersion::parse_toolchain(v)
            }
        })
    }
}

/// Finds the module root file for `dir`: `GOWORK` if given (and not `off`), else the
/// nearest go.work, else the nearest go.mod, searching upwards like the go command.
pub fn find(dir: &Path, gowork: Option<&str>) -> Option<PathBuf> {
    if let Some(w) = gowork.filter(|w| !w.is_empty() && *w != "off") {
        return Some(PathBuf::from(w));
    }
    let search = |name: &str| dir.ancestors().map(|d| d.join(name)).find(|p| p.is_file());
    if gowork != Some("off") {
        if let Some(w) = search("go.work") {
            return Some(w);
        }
    }
    search("go.mod")
}

/// Extracts the `go` and `toolchain` directives; tolerant of everything else.
pub fn parse(path: &Path, text: &str) -> ModFile {
    let mut m = ModFile {
        path: path.to_path_buf(),
        go: None,
        toolchain: None,
        problems: Vec::new(),
    };
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split("//").next().unwrap_or("").trim();
        let mut words = line.split_whitespace();
        let (Some(kw), Some(val)) = (words.next(), words.next()) else {
            continue;
        };
        let n = i + 1;
        match kw {
            "go" => {
                if GoVersion::parse(val).is_none() {
                    m.problems.push(format!(
                        "line {n}: invalid go version `{val}` (want e.g. 1.22.0)"
                    ));
                }
                m.go = Some((val.to_string(), n));
            }
            "toolchain" => {
                if val != "default" && GoVersion::parse_toolchain(val).is_none() {
                    m.problems.push(format!(
                        "line {n}: invalid toolchain `{val}` (want e.g. go1.22.3)"
                    ));
                }
                m.toolchain = Some((val.to_string(), n));
            }
            _ => {}
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_directives() {
        let m = parse(
            Path::new("go.mod"),
            "module x // c\n\ngo 1.22 // lang\ntoolchain go1.23.4\nrequire (\n a v1\n)\n",
        );
        assert_eq!(m.go, Some(("1.22".into(), 3)));
        assert_eq!(m.toolchain_version().unwrap().to_string(), "1.23.4");
        assert!(m.problems.is_empty());
        let bad = parse(Path::new("go.mod"), "go one\ntoolchain 1.22\n");
        assert_eq!(bad.problems.len(), 2);
    }

    #[test]
    fn finds_nearest() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("go.mod"), "module a\n").unwrap();
        let sub = d.path().join("x/y");
        std::fs::create_dir_all(&sub).unwrap();
        assert_eq!(find(&sub, None).unwrap(), d.path().join("go.mod"));
        std::fs::write(d.path().join("x/go.work"), "go 1.22.0\n").unwrap();
        assert_eq!(find(&sub, None).unwrap(), d.path().join("x/go.work"));
        assert_eq!(find(&sub, Some("off")).unwrap(), d.path().join("go.mod"));
    }
}
