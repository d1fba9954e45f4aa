//! Where each Go setting's value comes from, following cmd/go's precedence:
//! a non-empty process environment variable, then the user's go env file, then
//! `$GOROOT/go.env`, then the go command's built-in default.

use crate::envfile::EnvFile;
use serde::Serialize;
use std::path::PathBuf;

/// The layer a value comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The process environment.
    Environment,
    /// The user's go env file (`go env -w`).
    EnvFile { path: PathBuf, line: usize },
    /// `$GOROOT/go.env`, shipped with the toolchain.
    GorootGoEnv { path: PathBuf, line: usize },
    /// Not set anywhere: the go command's default (or a value derived from another setting).
    Default { note: String },
}

impl Source {
    pub fn describe(&self) -> String {
        match self {
            Source::Environment => "process environment".into(),
            Source::EnvFile { path, line } => format!("go env file {}:{line}", path.display()),
            Source::GorootGoEnv { path, line } => format!("{}:{line}", path.display()),
            Source::Default { note } if note.is_empty() => "default".into(),
            Source::Default { note } => format!("default ({note})"),
        }
    }
}

/// A value some layer supplies, whether or not it wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Layer {
    pub source: Source,
    pub value: String,
}

/// One setting with its provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Resolved {
    pub key: String,
    pub value: String,
    pub source: Source,
    /// Lower-priority layers that also set the key and are overridden.
    pub overridden: Vec<Layer>,
    /// The variable is present but empty in the environment; the go command ignores it.
    pub empty_in_environment: bool,
}

/// Inputs to resolution; the environment is a lookup so callers decide what it is.
pub struct Layers<'a> {
    pub getenv: &'a dyn Fn(&str) -> Option<String>,
    pub user_file: Option<&'a EnvFile>,
    pub goroot_file: Option<&'a EnvFile>,
}

/// The non-empty value `file` gives `key`, tagged with where it stands.
fn file_layer(
    file: Option<&EnvFile>,
    key: &str,
    source: impl FnOnce(PathBuf, usize) -> Source,
) -> Option<Layer> {
    let file = file?;
    let e = file.get(key).filter(|e| !e.value.is_empty())?;
    Some(Layer {
        source: source(file.path.clone(), e.line),
        value: e.value.clone(),
    })
}

impl Layers<'_> {
    /// Resolves `key`; `default` is what the go command uses when no layer sets it.
    pub fn resolve(&self, key: &str, default: &str, default_note: &str) -> Resolved {
        let mut found: Vec<Layer> = Vec::new();
        let env = (self.getenv)(key);
        let empty_in_environment = env.as_deref() == Some("");
        if let Some(v) = env.filter(|v| !v.is_empty()) {
            found.push(Layer {
                source: Source::Environment,
                value: v,
            });
        }
        found.extend(file_layer(self.user_file, key, |path, line| {
            Source::EnvFile { path, line }
        }));
        // GOROOT/go.env never supplies GOROOT itself.
        if key != "GOROOT" {
            found.extend(file_layer(self.goroot_file, key, |path, line| {
                Source::GorootGoEnv { path, line }
            }));
        }
        if found.is_empty() {
            return Resolved {
                key: key.to_string(),
                value: default.to_string(),
                source: Source::Default {
                    note: default_note.to_string(),
                },
                overridden: Vec::new(),
                empty_in_environment,
            };
        }
        let win = found.remove(0);
        Resolved {
            key: key.to_string(),
            value: win.value,
            source: win.source,
            overridden: found,
            empty_in_environment,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn precedence_env_file_goroot_default() {
        let user = EnvFile::parse(
            Path::new("/u/env"),
            b"GOPROXY=https://user.example\nGOSUMDB=sum.user\n",
            true,
        );
        let goroot = EnvFile::parse(
            Path::new("/g/go.env"),
            b"# c\nGOPROXY=https://proxy.golang.org,direct\nGOTOOLCHAIN=auto\n",
            false,
        );
        let env = |k: &str| match k {
            "GOSUMDB" => Some("sum.env".to_string()),
            "GOFLAGS" => Some(String::new()),
            _ => None,
        };
        let l = Layers {
            getenv: &env,
            user_file: Some(&user),
            goroot_file: Some(&goroot),
        };
        let p = l.resolve("GOPROXY", "", "");
        assert_eq!(p.value, "https://user.example");
        assert_eq!(
            p.source,
            Source::EnvFile {
                path: "/u/env".into(),
                line: 1
            }
        );
        assert_eq!(p.overridden.len(), 1);
        let s = l.resolve("GOSUMDB", "", "");
        assert_eq!(
            (s.value.as_str(), &s.source),
            ("sum.env", &Source::Environment)
        );
        let t = l.resolve("GOTOOLCHAIN", "local", "");
        assert!(matches!(t.source, Source::GorootGoEnv { line: 3, .. }));
        let f = l.resolve("GOFLAGS", "", "");
        assert!(f.empty_in_environment);
        assert!(matches!(f.source, Source::Default { .. }));
    }
}
