//! `toolchain.current`: the toolchain `gomedic toolchain use --global` made current: is its
//! link intact, and is it the go that actually runs? `toolchain.files` (`--deep`): are its
//! files still the ones extracted from the verified archive?

use crate::codes::Code;
use crate::facts::{Facts, FileKind};
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_toolchain::store::{exe, Manifest, Store, MANIFEST};
use std::path::{Path, PathBuf};

struct Current {
    store: Store,
    version: String,
    dir: PathBuf,
    manifest: Option<Manifest>,
}

fn current(f: &Facts) -> Result<Option<Current>, String> {
    let getenv = |k: &str| f.getenv(k);
    let store = Store::locate(&getenv, &f.os)?;
    let link = store.current_link();
    if f.file_kind(&link) == FileKind::Missing {
        // A dangling link is still listed in its directory.
        let listed = f
            .list_dir(&store.root)
            .map(|l| l.iter().any(|(n, _)| n == "current"))
            .unwrap_or(false);
        if !listed {
            return Ok(None);
        }
        return Ok(Some(Current {
            version: String::new(),
            dir: link,
            store,
            manifest: None,
        }));
    }
    let Some(dir) = f.canonicalize(&link) else {
        return Ok(Some(Current {
            version: String::new(),
            dir: link,
            store,
            manifest: None,
        }));
    };
    let version = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let manifest = f
        .read_file(&dir.join(MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    Ok(Some(Current {
        store,
        version,
        dir,
        manifest,
    }))
}

fn use_fix(f: &Facts, c: &Current) -> Fix {
    let bin = c.store.current_link().join("bin");
    if f.windows() {
        // Edits the user PATH in the registry (journaled; gomedic undo restores it).
        return Fix::manual(
            "toolchain.use",
            format!("Put {} first on the user PATH", bin.display()),
            vec![format!("gomedic toolchain use {} --global", c.version)],
        );
    }
    let shell = f.getenv("SHELL").unwrap_or_default();
    let name = Path::new(&shell)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (line, where_) = gomedic_toolchain::switch::shell_line(&name, &bin);
    Fix::manual(
        "toolchain.use",
        format!("Put {} first on PATH ({where_})", bin.display()),
        vec![line],
    )
}

pub fn check(f: &Facts) -> CheckResult {
    let c = match current(f) {
        Ok(Some(c)) => c,
        Ok(None) => return CheckResult::skipped("no toolchain made current by gomedic"),
        Err(e) => return CheckResult::skipped(format!("gomedic's toolchains directory: {e}")),
    };
    let go = c
        .dir
        .join("bin")
        .join(exe("go", if f.windows() { "windows" } else { "linux" }));
    if c.version.is_empty() {
        let msg = format!(
            "gomedic's current toolchain link {} points nowhere",
            c.store.current_link().display()
        );
        return CheckResult::error(msg.clone())
            .finding(Code::ToolchainCurrentBroken, Status::Error, msg)
            .fix(Fix::manual(
                "toolchain.use",
                "Make an installed toolchain current (`gomedic toolchain list` shows them)",
                vec!["gomedic toolchain use VERSION --global".into()],
            ));
    }
    if c.manifest.is_none() || f.file_kind(&go) != FileKind::File {
        let msg = format!(
            "gomedic's current toolchain link {} points at {}, which is not a complete gomedic install",
            c.store.current_link().display(),
            c.dir.display()
        );
        return CheckResult::error(msg.clone())
            .finding(Code::ToolchainCurrentBroken, Status::Error, msg)
            .fix(Fix::manual(
                "toolchain.reinstall",
                "Install it again (or make another installed toolchain current)",
                vec![
                    format!(
                        "gomedic toolchain install {}",
                        c.version.trim_start_matches("go")
                    ),
                    format!(
                        "gomedic toolchain use {} --global",
                        c.version.trim_start_matches("go")
                    ),
                ],
            ));
    }
    let active = f.go_binary();
    // The file PATH runs, links resolved, against the current toolchain's go.
    let active_go = active.and_then(|a| f.canonicalize(&a.path));
    if active_go.is_some() && active_go == f.canonicalize(&go) {
        let msg = format!("go on PATH is gomedic's current toolchain {}", c.version);
        return CheckResult::ok(msg.clone()).finding(Code::ToolchainActive, Status::Ok, msg);
    }
    let other = match active {
        Some(a) => format!("go on PATH is {}", a.path.display()),
        None => "no go is on PATH".to_string(),
    };
    let msg = format!(
        "{other}, not gomedic's current toolchain {} ({})",
        c.version,
        c.store.current_link().join("bin").display()
    );
    CheckResult::warn(msg.clone())
        .finding(Code::ToolchainNotActive, Status::Warn, msg)
        .fix(use_fix(f, &c))
}

/// `--deep`: every file of the current toolchain against the manifest written when it was
/// extracted from its verified archive.
pub fn check_files(f: &Facts) -> CheckResult {
    let c = match current(f) {
        Ok(Some(c)) => c,
        Ok(None) => return CheckResult::skipped("no toolchain made current by gomedic"),
        Err(e) => return CheckResult::skipped(format!("gomedic's toolchains directory: {e}")),
    };
    let Some(m) = &c.manifest else {
        return CheckResult::skipped(
            "the current toolchain has no gomedic manifest (see toolchain.current)",
        );
    };
    let mut changed = Vec::new();
    let mut missing = Vec::new();
    for (rel, (size, sum)) in &m.files {
        match f.read_file(&c.dir.join(rel)) {
            Ok(b) => {
                use sha2::Digest;
                let got = gomedic_toolchain::extract::hex(&sha2::Sha256::digest(&b));
                if b.len() as u64 != *size || got != *sum {
                    changed.push(rel.clone());
                }
            }
            Err(_) => missing.push(rel.clone()),
        }
    }
    if changed.is_empty() && missing.is_empty() {
        let msg = format!(
            "all {} files of {} match what was extracted from its verified archive",
            m.files.len(),
            c.version
        );
        return CheckResult::ok(msg);
    }
    let msg = format!(
        "{} of {} files of {} differ from its verified archive ({} changed, {} missing)",
        changed.len() + missing.len(),
        m.files.len(),
        c.version,
        changed.len(),
        missing.len()
    );
    let shown: Vec<String> = changed
        .iter()
        .map(|r| format!("changed: {r}"))
        .chain(missing.iter().map(|r| format!("missing: {r}")))
        .take(20)
        .collect();
    let v = c.version.trim_start_matches("go").to_string();
    CheckResult::error(msg.clone())
        .finding(Code::ToolchainTampered, Status::Error, msg)
        .with_details(shown)
        .fix(Fix::manual(
            "toolchain.reinstall",
            "Reinstall it from its verified archive",
            vec![
                format!("gomedic toolchain remove {v} --force"),
                format!("gomedic toolchain install {v} --use"),
            ],
        ))
}
