//! Plans `tools.rebuild`: each affected tool is rebuilt with the go in use
//! (`go install PACKAGE@VERSION` into a private staging directory, through the user's own
//! GOPROXY and settings), the result kept as a journal blob, and the plan replaces each
//! old binary at its own path. Undo puts the old bytes back from the journal.

use crate::envedit::EnvEdit;
use gomedic_checks::Facts;
use gomedic_core::ToolRebuild;
use gomedic_fix::{blob, Change, Plan};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The `go install` lines the plan will run (for `--dry-run`, which builds nothing).
pub fn commands(tools: &[ToolRebuild]) -> Vec<String> {
    tools
        .iter()
        .map(|t| {
            format!(
                "go install {}@{}  # {} ({})",
                t.package, t.version, t.dest, t.reason
            )
        })
        .collect()
}

fn sha_of(path: &Path) -> Result<Option<String>, String> {
    blob::file_sha256(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

#[cfg(unix)]
fn mode_of(path: &Path) -> Option<u32> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .ok()
        .map(|m| m.permissions().mode() & 0o7777)
}

#[cfg(not(unix))]
fn mode_of(_: &Path) -> Option<u32> {
    None
}

fn go_version_of(path: &Path) -> String {
    match gomedic_buildinfo::read(path) {
        Ok(Some(b)) => b.go_version,
        _ => "?".into(),
    }
}

/// Builds every tool and plans the replacements. `blobs`: the journal's blob directory.
pub fn plan(
    facts: &Facts,
    tools: &[ToolRebuild],
    fix_id: &str,
    description: &str,
    blobs: &Path,
) -> Result<EnvEdit, String> {
    let go = facts
        .go_binary()
        .map(|g| g.path.clone())
        .ok_or("no go to rebuild the tools with")?;
    let staging = tempfile::Builder::new()
        .prefix("gomedic-tools-rebuild-")
        .tempdir()
        .map_err(|e| format!("cannot create a staging directory: {e}"))?;
    let mut changes = Vec::new();
    // Blobs this plan added: removed again if a later build fails.
    let mut fresh = Vec::new();
    let built = build_all(
        facts,
        tools,
        &go,
        staging.path(),
        blobs,
        &mut changes,
        &mut fresh,
    );
    if built.is_err() {
        for sha in &fresh {
            let _ = blob::remove(blobs, sha);
        }
    }
    built?;
    Ok(EnvEdit {
        plan: Plan::new(fix_id, description, changes),
        warnings: Vec::new(),
    })
}

fn build_all(
    facts: &Facts,
    tools: &[ToolRebuild],
    go: &Path,
    staging: &Path,
    blobs: &Path,
    changes: &mut Vec<Change>,
    fresh: &mut Vec<String>,
) -> Result<(), String> {
    let host = facts.tools();
    for (i, t) in tools.iter().enumerate() {
        let dir = staging.join(i.to_string());
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let target = format!("{}@{}", t.package, t.version);
        let out = Command::new(go)
            .args(["install", &target])
            .env_clear()
            .envs(&facts.env)
            .env("GOBIN", &dir)
            // Built to run here, whatever GOOS/GOARCH the environment sets for builds.
            .env("GOOS", &host.host_goos)
            .env("GOARCH", &host.host_goarch)
            .current_dir(staging)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", go.display()))?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(format!(
                "`go install {target}` failed; nothing was changed:\n{}",
                err.trim_end()
            ));
        }
        let built: Vec<PathBuf> = std::fs::read_dir(&dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .flatten()
            .map(|e| e.path())
            .collect();
        let [new] = built.as_slice() else {
            return Err(format!(
                "`go install {target}` left {} files, expected one",
                built.len()
            ));
        };
        let bytes = std::fs::read(new).map_err(|e| format!("{}: {e}", new.display()))?;
        let known = blob::exists(blobs, &blob::sha256_hex(&bytes));
        let after = blob::store(blobs, &bytes)
            .map_err(|e| format!("cannot keep the rebuilt {target} in the journal: {e}"))?;
        if !known {
            fresh.push(after.clone());
        }
        let old = PathBuf::from(&t.path);
        let dest = PathBuf::from(&t.dest);
        let mode = mode_of(&old);
        let was = go_version_of(&old);
        let now = go_version_of(new);
        changes.push(Change::tool_binary(
            &dest,
            sha_of(&dest)?,
            Some(after),
            blobs,
            mode,
            vec![format!(
                "{} {}: {target} built with {now} (was built with {was}; {})",
                if dest.exists() { "replace" } else { "create" },
                dest.display(),
                t.reason
            )],
        ));
        if dest != old {
            changes.push(Change::tool_binary(
                &old,
                sha_of(&old)?,
                None,
                blobs,
                mode,
                vec![format!(
                    "delete {} (replaced by {})",
                    old.display(),
                    dest.display()
                )],
            ));
        }
    }
    Ok(())
}
