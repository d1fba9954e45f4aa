//! `gomedic toolchain`: install Go toolchains from the go.dev/dl release index (SHA-256
//! checked while streaming, mirrors tried in order, resumable) or as the
//! golang.org/toolchain module through a GOPROXY (checked against the checksum
//! database), extract them safely, and switch between them.

pub mod download;
pub mod extract;
pub mod goproxy;
pub mod index;
pub mod install;
pub mod platform;
pub mod report;
pub mod store;
pub mod switch;
