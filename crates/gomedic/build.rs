//! Embeds the git commit in `gomedic --version` as GOMEDIC_GIT_COMMIT.
//! Sources, in order: the GOMEDIC_GIT_COMMIT variable (scripts/release.sh sets it), the
//! checkout's git (only when this crate sits in the gomedic workspace's own repository),
//! cargo's .cargo_vcs_info.json (crates.io tarballs), else "unknown": a tarball without
//! .git must still build.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=GOMEDIC_GIT_COMMIT");
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let commit = std::env::var("GOMEDIC_GIT_COMMIT")
        .ok()
        .filter(|c| !c.trim().is_empty())
        .or_else(|| from_git(&dir))
        .or_else(|| from_vcs_info(&dir))
        .unwrap_or_else(|| "unknown".to_string());
    println!("cargo:rustc-env=GOMEDIC_GIT_COMMIT={}", commit.trim());
}

fn git(dir: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    Some(String::from_utf8(out.stdout).ok()?.trim().to_string())
}

fn from_git(dir: &Path) -> Option<String> {
    // A crate unpacked inside someone else's repository must not report that repo's commit.
    let top = PathBuf::from(git(dir, &["rev-parse", "--show-toplevel"])?);
    let root = dir.join("../..").canonicalize().ok()?;
    if top.canonicalize().ok()? != root {
        return None;
    }
    // Rebuild when HEAD moves (a commit or a checkout); paths differ in worktrees.
    for p in ["HEAD", "packed-refs"] {
        if let Some(f) = git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", p],
        ) {
            println!("cargo:rerun-if-changed={f}");
        }
    }
    if let Some(r) = git(dir, &["symbolic-ref", "-q", "HEAD"]) {
        if let Some(f) = git(
            dir,
            &["rev-parse", "--path-format=absolute", "--git-path", &r],
        ) {
            println!("cargo:rerun-if-changed={f}");
        }
    }
    println!("cargo:rerun-if-changed=build.rs");
    git(dir, &["rev-parse", "--short=12", "HEAD"])
}

fn from_vcs_info(dir: &Path) -> Option<String> {
    let text = std::fs::read_to_string(dir.join(".cargo_vcs_info.json")).ok()?;
    // {"git": {"sha1": "<40 hex>"}, ...}: no JSON parser in build-dependencies for one field.
    let at = text.find("\"sha1\"")?;
    let rest = &text[at + 6..];
    let start = rest.find('"')? + 1;
    let sha: String = rest[start..]
        .chars()
        .take_while(|c| c.is_ascii_hexdigit())
        .collect();
    (sha.len() >= 12).then(|| sha[..12].to_string())
}
