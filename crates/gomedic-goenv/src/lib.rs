//! Offline Go semantics, exactly as cmd/go has them: the go env file format, where each
//! setting's value comes from, Go version ordering, go.mod `go`/`toolchain` lines, and
//! which `go` a PATH lookup finds. No process is spawned here.

pub mod envfile;
pub mod gomod;
pub mod goproxy;
pub mod gosem;
pub mod gourl;
pub mod keys;
pub mod modpath;
pub mod pathscan;
pub mod patterns;
pub mod route;
pub mod rules;
pub mod settings;
pub mod snapshot;
pub mod sumdb;
pub mod version;
pub mod write;

pub use envfile::{EnvFile, EnvFileIssue};
pub use goproxy::GoProxy;
pub use gosem::GoSemantics;
pub use patterns::Patterns;
pub use route::{ModuleRoute, RouteConfig};
pub use settings::{Layer, Source};
pub use snapshot::{Setting, Snapshot};
pub use sumdb::GoSumDb;
pub use version::GoVersion;
