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

/// Extracts the `go` and `toolchain` directives; tolerant of everything else. Every
/// `go` or `toolchain` line the go command refuses (which makes it refuse the whole
/// file, so every go command in the module fails) is a problem, with go's words: no
/// valid version, not exactly one argument, repeated, or a block.
pub fn parse(path: &Path, text: &str) -> ModFile {
    let mut m = ModFile {
        path: path.to_path_buf(),
        go: None,
        toolchain: None,
        problems: Vec::new(),
    };
    let mut in_block = false;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.split("//").next().unwrap_or("").trim();
        let words: Vec<&str> = line.split_whitespace().collect();
        let Some((&kw, args)) = words.split_first() else {
            continue;
        };
        if in_block {
            // Lines of a `require (`, `replace (`, ... block are not directives.
            in_block = kw != ")";
            continue;
        }
        if args.last() == Some(&"(") {
            in_block = true;
            if kw == "go" || kw == "toolchain" {
                m.problems
                    .push(format!("line {n}: unknown block type: {kw}"));
            }
            continue;
        }
        let (slot, name) = match kw {
            "go" => (&mut m.go, "go"),
            "toolchain" => (&mut m.toolchain, "toolchain"),
            _ => continue,
        };
        if slot.is_some() {
            m.problems
                .push(format!("line {n}: repeated {name} statement"));
            continue;
        }
        let [val] = args else {
            m.problems.push(format!(
                "line {n}: {name} directive expects exactly one argument"
            ));
            continue;
        };
        if name == "go" && GoVersion::parse(val).is_none() {
            m.problems.push(format!(
                "line {n}: invalid go version `{val}` (want e.g. 1.22.0)"
            ));
        }
        if name == "toolchain" && *val != "default" && GoVersion::parse_toolchain(val).is_none() {
            m.problems.push(format!(
                "line {n}: invalid toolchain `{val}` (want e.g. go1.22.3)"
            ));
        }
        *slot = Some((val.to_string(), n));
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

    /// Each line the go command (1.27.3, `go mod edit -json`) refuses, with its words.
    #[test]
    fn lines_go_refuses() {
        let problems =
            |body: &str| parse(Path::new("go.mod"), &format!("module x\n{body}\n")).problems;
        for (body, want) in [
            (
                "go 1.22 1.23",
                "line 2: go directive expects exactly one argument",
            ),
            ("go", "line 2: go directive expects exactly one argument"),
            (
                "go 1.22 \"x\"",
                "line 2: go directive expects exactly one argument",
            ),
            (
                "toolchain go1.22.0 x",
                "line 2: toolchain directive expects exactly one argument",
            ),
            (
                "toolchain",
                "line 2: toolchain directive expects exactly one argument",
            ),
            (
                "toolchain garbage",
                "line 2: invalid toolchain `garbage` (want e.g. go1.22.3)",
            ),
            (
                "go 1.2x",
                "line 2: invalid go version `1.2x` (want e.g. 1.22.0)",
            ),
            ("go 1.21\ngo 1.22", "line 3: repeated go statement"),
            (
                "toolchain go1.22.0\ntoolchain go1.23.0",
                "line 3: repeated toolchain statement",
            ),
            ("go (\n 1.22\n)", "line 2: unknown block type: go"),
        ] {
            assert_eq!(problems(body), vec![want.to_string()], "{body:?}");
        }
        // Accepted by go: one argument, a comment, a trailing tab, rc and custom toolchains.
        for body in [
            "go 1.22 // x y",
            "go 1.22\t",
            "go 1.22rc1",
            "toolchain go1.22",
            "toolchain go1.22.0-custom",
            "toolchain default",
            "require (\n\tgolang.org/x/text v0.3.0\n)\ngo 1.22.0",
        ] {
            assert_eq!(problems(body), Vec::<String>::new(), "{body:?}");
        }
        // The first go line counts; a malformed one sets nothing.
        let m = parse(Path::new("go.mod"), "go 1.22 1.23\n");
        assert_eq!(m.go, None);
        let m = parse(Path::new("go.mod"), "go 1.21\ngo 1.22\n");
        assert_eq!(m.go, Some(("1.21".into(), 1)));
        // A go line inside a block is not the go directive.
        let m = parse(Path::new("go.mod"), "require (\n go 1.22\n)\n");
        assert_eq!(m.go, None);
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
