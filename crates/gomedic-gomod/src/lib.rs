//! Go's module formats and protocols, exactly as golang.org/x/mod and cmd/go have them:
//! module path and version escaping and the GOPROXY URL space, module semver ordering
//! and pseudo-versions, the `h1:` dirhash, module zip rules, go.sum lines, and the
//! checksum database's signed notes, tiles and inclusion proofs. Pure computation; no I/O
//! beyond the readers handed in.

pub mod dirhash;
pub mod escape;
pub mod gosum;
pub mod modzip;
pub mod note;
pub mod pseudo;
pub mod semver;
pub mod tlog;

pub use gomedic_goenv::modpath::{check_file_path, check_module_path, split_path_version};
