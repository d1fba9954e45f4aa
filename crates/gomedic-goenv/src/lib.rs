//! Offline Go semantics, exactly as cmd/go has them: the go env file format, where each
//! setting's value comes from, Go version ordering, go.mod `go`/`toolchain` lines, and
//! which `go` a PATH lookup finds. No process is spawned here.

pub mod envfile;
pub mod gomod;
pub mod goproxy;
pub mod keys;
pub mod pathscan;
pub mod rules;
pub mod settings;
pub mod version;
pub mod write;

pub use envfile::{EnvFile, EnvFileIssue};
pub use settings::{Resolved, Source};
pub use version::GoVersion;
