//! The go env file (`$GOENV`, by default `os.UserConfigDir()/go/env`) and `$GOROOT/go.env`.
//!
//! Parsed exactly as cmd/go parses it (split on `\n`; a line counts only if it has `=`
//! and starts with `A`-`Z`; later lines win), while also recording every line the go
//! command silently ignores or misreads, with its line number.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One entry the go command will use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub value: String,
    /// 1-based line number.
    pub line: usize,
}

/// A line that deserves the user's attention.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvFileIssue {
    pub line: usize,
    pub message: String,
    /// Serious enough to make the check an error rather than a warning.
    pub severe: bool,
}

/// A parsed env file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvFile {
    pub path: PathBuf,
    /// Every effective entry, in file order (a later duplicate replaces an earlier one).
    pub entries: Vec<Entry>,
    /// At most [`MAX_ISSUES`] issues, the last of which then says how many more lines
    /// have problems.
    pub issues: Vec<EnvFileIssue>,
    /// Key → position in `entries`.
    index: HashMap<String, usize>,
}

/// Issues listed per file; a file with more ends with one issue counting the rest.
pub const MAX_ISSUES: usize = 100;

/// A key longer than this is no setting the go command knows (the longest is about 20
/// bytes); such a line is reported and otherwise ignored.
pub const MAX_KEY: usize = 1024;

impl EnvFile {
    /// The value the go command reads for `key`, with its line.
    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.index.get(key).and_then(|i| self.entries.get(*i))
    }

    /// Parses file contents. `user_file` enables the checks that only make sense for the
    /// file `go env -w` maintains (comments are expected in `$GOROOT/go.env`).
    pub fn parse(path: &Path, data: &[u8], user_file: bool) -> EnvFile {
        let mut f = EnvFile {
            path: path.to_path_buf(),
            ..Default::default()
        };
        // Entries with a later duplicate become None (removed at the end, keeping file
        // order): linear in the number of lines, whatever the file holds.
        let mut slots: Vec<Option<Entry>> = Vec::new();
        let mut slot_of: HashMap<String, usize> = HashMap::new();
        if data.starts_with(&[0xEF, 0xBB, 0xBF]) {
            f.issues.push(EnvFileIssue {
                line: 1,
                message: "file starts with a UTF-8 byte-order mark: the go command ignores the first line".into(),
                severe: true,
            });
        }
        // Issues past the first MAX_ISSUES - 1: (first line, count, any severe).
        let mut overflow: Option<(usize, usize, bool)> = None;
        for (idx, raw) in data.split(|b| *b == b'\n').enumerate() {
            if f.issues.len() > MAX_ISSUES {
                for i in f.issues.drain(MAX_ISSUES - 1..) {
                    let o = overflow.get_or_insert((i.line, 0, false));
                    o.1 += 1;
                    o.2 |= i.severe;
                }
            }
            let n = idx + 1;
            if raw.is_empty() {
                continue;
            }
            let Ok(line) = std::str::from_utf8(raw) else {
                f.issues.push(EnvFileIssue {
                    line: n,
                    message: "line is not valid UTF-8".into(),
                    severe: true,
                });
                continue;
            };
            let eq = line.find('=');
            let first = line.as_bytes()[0];
            if eq.is_none() || !first.is_ascii_uppercase() {
                let t = line.trim();
                let is_comment = t.starts_with('#');
                if t.is_empty() || (is_comment && !user_file) {
                    continue;
                }
                let why = if is_comment {
                    "comment line (ignored by the go command; `go env -w` never writes comments)"
                        .to_string()
                } else if eq.is_none() {
                    format!("`{}` has no `=`: ignored by the go command", clip(t))
                } else if first.is_ascii_whitespace() {
                    "leading whitespace: the go command ignores this line".to_string()
                } else {
                    format!(
                        "`{}` does not start with an upper-case key: ignored by the go command",
                        clip(t)
                    )
                };
                f.issues.push(EnvFileIssue {
                    line: n,
                    message: why,
                    severe: !is_comment,
                });
                continue;
            }
            let eq = eq.expect("checked");
            let (key, value) = (&line[..eq], &line[eq + 1..]);
            if key.len() > MAX_KEY {
                f.issues.push(EnvFileIssue {
                    line: n,
                    message: format!(
                        "key `{}` is {} bytes long: no setting the go command knows; gomedic ignores this line",
                        clip(key),
                        key.len()
                    ),
                    severe: false,
                });
                continue;
            }
            if user_file {
                lint_entry(&mut f, n, key, value);
            }
            if let Some(prev) = slot_of.get(key).copied() {
                if user_file {
                    let old = slots[prev].as_ref().map_or(0, |e| e.line);
                    f.issues.push(EnvFileIssue {
                        line: n,
                        message: format!("{key} is set again (first on line {old}); the go command uses this later line"),
                        severe: false,
                    });
                }
                slots[prev] = None;
            }
            slot_of.insert(key.to_string(), slots.len());
            slots.push(Some(Entry {
                key: key.to_string(),
                value: value.to_string(),
                line: n,
            }));
        }
        if overflow.is_some() || f.issues.len() > MAX_ISSUES {
            for i in f.issues.drain(MAX_ISSUES - 1..) {
                let o = overflow.get_or_insert((i.line, 0, false));
                o.1 += 1;
                o.2 |= i.severe;
            }
        }
        f.entries = slots.into_iter().flatten().collect();
        f.index = f
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.key.clone(), i))
            .collect();
        if let Some((line, more, severe)) = overflow {
            f.issues.push(EnvFileIssue {
                line,
                message: format!(
                    "{more} more problems from this line on are not listed (a go env file written by `go env -w` has none)"
                ),
                severe,
            });
        }
        f
    }
}

/// Values the go command splits into words with `quoted.Split`, where quotes group words.
const SPLIT_KEYS: &[&str] = &[
    "GOFLAGS",
    "CC",
    "CXX",
    "FC",
    "AR",
    "PKG_CONFIG",
    "GOCACHEPROG",
    "CGO_CFLAGS",
    "CGO_CPPFLAGS",
    "CGO_CXXFLAGS",
    "CGO_FFLAGS",
    "CGO_LDFLAGS",
];

fn lint_entry(f: &mut EnvFile, n: usize, key: &str, value: &str) {
    let mut push = |message: String, severe: bool| {
        f.issues.push(EnvFileIssue {
            line: n,
            message,
            severe,
        })
    };
    if key.trim() != key || key.contains(' ') {
        push(
            format!(
                "key `{}` contains spaces: the go command will never read it",
                clip(key)
            ),
            true,
        );
    } else if !key
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
    {
        push(
            format!("`{}` is not a valid variable name", clip(key)),
            true,
        );
    } else if crate::keys::READ_ONLY.contains(&key) {
        push(format!("{key} cannot be set in the go env file (`go env -w` refuses it); this line has no effect"), false);
    } else if !crate::keys::is_known(key) {
        push(
            format!("{key} is not a setting the go command knows; this line has no effect (typo?)"),
            false,
        );
    }
    if value.ends_with('\r') {
        push(
            format!("{key} value ends with a carriage return (Windows line ending): the go command reads it as part of the value"),
            true,
        );
    } else if value.trim() != value {
        push(
            format!("{key} value has leading or trailing spaces, which the go command keeps"),
            false,
        );
    }
    if SPLIT_KEYS.contains(&key) {
        // Quotes group words in these values (cmd/internal/quoted).
        if let Err(e) = crate::write::quoted_split(value) {
            push(
                format!("{key} value cannot be split into words as the go command splits it: {e}"),
                true,
            );
        }
    } else if value.len() >= 2
        && ((value.starts_with('"') && value.ends_with('"'))
            || (value.starts_with('\'') && value.ends_with('\'')))
    {
        push(
            format!("{key} value is quoted; the go command keeps the quotes as part of the value"),
            true,
        );
    }
}

fn clip(s: &str) -> String {
    const MAX: usize = 60;
    if s.chars().count() <= MAX {
        s.to_string()
    } else {
        let cut: String = s.chars().take(MAX).collect();
        format!("{cut}…")
    }
}

/// Where the go command looks for the user's env file, from `GOENV` and the user config
/// directory as Go's `os.UserConfigDir` computes it. `Err` says why there is none.
pub fn user_env_file_path(
    getenv: &dyn Fn(&str) -> Option<String>,
    os: &str,
) -> Result<PathBuf, String> {
    if let Some(f) = getenv("GOENV").filter(|v| !v.is_empty()) {
        if f == "off" {
            return Err("GOENV=off: the go env file is disabled".into());
        }
        return Ok(PathBuf::from(f));
    }
    let dir = user_config_dir(getenv, os)?;
    Ok(dir.join("go").join("env"))
}

/// Go's `os.UserConfigDir`.
pub fn user_config_dir(
    getenv: &dyn Fn(&str) -> Option<String>,
    os: &str,
) -> Result<PathBuf, String> {
    let nonempty = |k: &str| getenv(k).filter(|v| !v.is_empty());
    match os {
        "windows" => nonempty("AppData")
            .or_else(|| nonempty("APPDATA"))
            .map(PathBuf::from)
            .ok_or_else(|| "%AppData% is not defined".into()),
        "macos" | "darwin" | "ios" => nonempty("HOME")
            .map(|h| PathBuf::from(h).join("Library/Application Support"))
            .ok_or_else(|| "$HOME is not defined".into()),
        "plan9" => nonempty("home")
            .map(|h| PathBuf::from(h).join("lib"))
            .ok_or_else(|| "$home is not defined".into()),
        _ => {
            if let Some(x) = nonempty("XDG_CONFIG_HOME") {
                if Path::new(&x).is_absolute() {
                    return Ok(PathBuf::from(x));
                }
                return Err("path in $XDG_CONFIG_HOME is relative".into());
            }
            nonempty("HOME")
                .map(|h| PathBuf::from(h).join(".config"))
                .ok_or_else(|| "neither $XDG_CONFIG_HOME nor $HOME are defined".into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> EnvFile {
        EnvFile::parse(Path::new("/x/env"), s.as_bytes(), true)
    }

    #[test]
    fn clean_file_has_no_issues() {
        let f = parse("GOPROXY=https://goproxy.io,direct\nGOPRIVATE=*.corp.example\n");
        assert!(f.issues.is_empty(), "{:?}", f.issues);
        assert_eq!(f.get("GOPROXY").unwrap().value, "https://goproxy.io,direct");
        assert_eq!(f.get("GOPRIVATE").unwrap().line, 2);
    }

    #[test]
    fn reports_bad_lines_with_numbers() {
        let f = parse("GOFLAGS=\"-ldflags=-s -w\" -trimpath\nCC='/opt/my cc/gcc'\n");
        assert!(
            f.issues.is_empty(),
            "quotes group words there: {:?}",
            f.issues
        );
        let f = parse("GOFLAGS=\"-x\n");
        assert!(f
            .issues
            .iter()
            .any(|i| i.severe && i.message.contains("unterminated")));
        let f = parse("GOPROXY=a\r\n# note\ngoproxy=b\n GOSUMDB=off\nJUNK\nGOPRIVATE=\"*.corp\"\nGOPROXY=c\nGOPROXYY=d\nGOVERSION=go1\n");
        let lines: Vec<(usize, bool)> = f.issues.iter().map(|i| (i.line, i.severe)).collect();
        assert!(lines.contains(&(1, true)), "CRLF: {:?}", f.issues);
        assert!(lines.contains(&(2, false)), "comment");
        assert!(lines.contains(&(3, true)), "lower-case key");
        assert!(lines.contains(&(4, true)), "leading space");
        assert!(lines.contains(&(5, true)), "no =");
        assert!(lines.contains(&(6, true)), "quotes");
        assert!(lines.contains(&(7, false)), "duplicate");
        assert!(lines.contains(&(8, false)), "unknown key");
        assert!(lines.contains(&(9, false)), "read-only key");
        // Go semantics: the later GOPROXY wins, the lower-case and indented lines are ignored.
        assert_eq!(f.get("GOPROXY").unwrap().value, "c");
        assert!(f.get("GOSUMDB").is_none());
    }

    #[test]
    fn binary_garbage_never_panics() {
        let data: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        let f = EnvFile::parse(Path::new("/x"), &data, true);
        assert!(!f.issues.is_empty());
        let f = EnvFile::parse(Path::new("/x"), b"\xEF\xBB\xBFGOPROXY=x\n=\n==\nA=\n", true);
        assert!(f
            .issues
            .iter()
            .any(|i| i.message.contains("byte-order mark")));
        assert_eq!(f.get("A").unwrap().value, "");
    }

    #[test]
    fn goroot_go_env_comments_are_fine() {
        let f = EnvFile::parse(
            Path::new("/g/go.env"),
            b"# comment\n\nGOPROXY=https://proxy.golang.org,direct\n",
            false,
        );
        assert!(f.issues.is_empty());
    }

    #[test]
    fn user_config_dir_like_go() {
        let env = |k: &str| match k {
            "HOME" => Some("/home/u".to_string()),
            "XDG_CONFIG_HOME" => Some("".to_string()),
            _ => None,
        };
        assert_eq!(
            user_env_file_path(&env, "linux").unwrap(),
            PathBuf::from("/home/u/.config/go/env")
        );
        let env2 = |k: &str| (k == "GOENV").then(|| "off".to_string());
        assert!(user_env_file_path(&env2, "linux").is_err());
        let env3 = |k: &str| (k == "XDG_CONFIG_HOME").then(|| "rel/dir".to_string());
        assert!(user_config_dir(&env3, "linux").is_err());
    }
}
