//! Where a Go setting's value comes from: the layers of cmd/go's precedence (resolution
//! itself lives in [`crate::snapshot`]).

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
