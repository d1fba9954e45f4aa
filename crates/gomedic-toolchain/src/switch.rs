//! After `use --global`: is `<toolchains>/current/bin` on PATH, ahead of every other go?
//! The exact line to add for the user's shell (gomedic never edits rc files).

use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathState {
    /// The first go on PATH is the one in `bin`.
    First,
    /// `bin` is on PATH, but another go comes earlier.
    Shadowed { by: PathBuf },
    /// `bin` is not on PATH; `other` is the go found instead, if any.
    Missing { other: Option<PathBuf> },
}

fn same_dir(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    a == b || canon(a) == canon(b)
}

/// Where `bin` stands on `path_var` (the PATH value), for a go named `go_exe`.
pub fn path_state(path_var: &std::ffi::OsStr, bin: &Path, go_exe: &str) -> PathState {
    let mut first_other = None;
    for d in std::env::split_paths(path_var) {
        if d.as_os_str().is_empty() {
            continue;
        }
        if same_dir(&d, bin) {
            return match first_other {
                None => PathState::First,
                Some(by) => PathState::Shadowed { by },
            };
        }
        if first_other.is_none() && d.join(go_exe).is_file() {
            first_other = Some(d.join(go_exe));
        }
    }
    PathState::Missing { other: first_other }
}

/// The line that puts `bin` first on PATH in `shell` (from `$SHELL`'s file name).
pub fn shell_line(shell: &str, bin: &Path) -> (String, &'static str) {
    let b = bin.display().to_string();
    let sq = |s: &str| format!("'{}'", s.replace('\'', "'\\''"));
    match shell {
        "fish" => (
            format!("fish_add_path --move --prepend {}", sq(&b)),
            "run once (fish keeps it)",
        ),
        "zsh" => (
            format!("export PATH={}:\"$PATH\"", sq(&b)),
            "add to ~/.zshrc",
        ),
        "bash" => (
            format!("export PATH={}:\"$PATH\"", sq(&b)),
            "add to ~/.bashrc (and ~/.bash_profile for login shells)",
        ),
        _ => (
            format!("export PATH={}:\"$PATH\"", sq(&b)),
            "add to your shell's startup file (~/.profile)",
        ),
    }
}

/// The user PATH with `bin` first (Windows registry value data, `;`-separated), with any
/// other copy of `bin` removed; entries are kept as written (unexpanded).
pub fn prepend_windows_path(data: &str, bin: &str) -> String {
    let norm = |s: &str| s.trim().trim_end_matches('\\').to_ascii_lowercase();
    let mut out = vec![bin.to_string()];
    out.extend(
        data.split(';')
            .filter(|e| !e.trim().is_empty() && norm(e) != norm(bin))
            .map(str::to_string),
    );
    out.join(";")
}

/// go.mod in `dir` now and with a `toolchain VERSION` line, as the installed go writes it
/// (`go mod edit -toolchain=VERSION -print`: go's own formatting, nothing written).
pub fn gomod_with_toolchain(
    go: &Path,
    dir: &Path,
    version: &str,
) -> Result<(Vec<u8>, Vec<u8>), String> {
    let path = dir.join("go.mod");
    let before = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let out = std::process::Command::new(go)
        .args(["mod", "edit", &format!("-toolchain={version}"), "-print"])
        .current_dir(dir)
        .env("GOTOOLCHAIN", "local")
        .env("GOFLAGS", "")
        .output()
        .map_err(|e| format!("running {}: {e}", go.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} mod edit: {}",
            go.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok((before, out.stdout))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_path_keeps_entries_as_written() {
        assert_eq!(
            prepend_windows_path(
                r"%USERPROFILE%\go\bin;C:\x\current\bin\;;C:\tools",
                r"C:\x\current\bin"
            ),
            r"C:\x\current\bin;%USERPROFILE%\go\bin;C:\tools"
        );
        assert_eq!(prepend_windows_path("", r"C:\b"), r"C:\b");
    }

    #[test]
    fn path_order() {
        let d = tempfile::tempdir().unwrap();
        let (a, b) = (d.path().join("a"), d.path().join("b"));
        for x in [&a, &b] {
            std::fs::create_dir_all(x).unwrap();
            std::fs::write(x.join("go"), "").unwrap();
        }
        let p = std::env::join_paths([&a, &b]).unwrap();
        assert_eq!(path_state(&p, &a, "go"), PathState::First);
        assert_eq!(
            path_state(&p, &b, "go"),
            PathState::Shadowed { by: a.join("go") }
        );
        let p = std::env::join_paths([&a]).unwrap();
        assert_eq!(
            path_state(&p, &b, "go"),
            PathState::Missing {
                other: Some(a.join("go"))
            }
        );
        assert!(shell_line("fish", &b).0.starts_with("fish_add_path"));
        assert!(shell_line("bash", Path::new("/o'k/bin"))
            .0
            .contains(r"'/o'\''k/bin'"));
    }
}
