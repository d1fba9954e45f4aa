//! `gomedic wdac policy`: a supplemental App Control policy for the Go toolchain.

use super::common::{self, UsageError};
use crate::cli::{WdacAction, WdacArgs};
use gomedic_authenticode::wdac;
use gomedic_checks::Policy;
use std::io::Write;
use std::path::{Path, PathBuf};

fn exes_in(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut v: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x.eq_ignore_ascii_case("exe")))
        .collect();
    v.sort();
    out.extend(v);
}

pub fn run(args: WdacArgs) -> anyhow::Result<u8> {
    let WdacAction::Policy(a) = args.action;
    let base = a.base_policy_id.trim();
    if !(base.len() == 38
        && base.starts_with('{')
        && base.ends_with('}')
        && base[1..37]
            .chars()
            .all(|c| c.is_ascii_hexdigit() || c == '-'))
    {
        return Err(UsageError(format!(
            "--base-policy-id {base:?} is not a GUID like {{12345678-1234-1234-1234-123456789ABC}}"
        ))
        .into());
    }
    let goroot = match &a.goroot {
        Some(g) => g.clone(),
        None => common::facts(None, Policy::default())?
            .goroot()
            .ok_or_else(|| UsageError("cannot find GOROOT: pass --goroot DIR".into()))?,
    };
    let mut files = Vec::new();
    exes_in(&goroot.join("bin"), &mut files);
    if let Ok(rd) = std::fs::read_dir(goroot.join("pkg").join("tool")) {
        let mut dirs: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.is_dir())
            .collect();
        dirs.sort();
        for d in dirs {
            exes_in(&d, &mut files);
        }
    }
    if files.is_empty() && a.file.is_empty() {
        return Err(UsageError(format!(
            "no Windows executables under {} (bin\\*.exe, pkg\\tool\\*\\*.exe): point --goroot at a Windows Go installation",
            goroot.display()
        ))
        .into());
    }
    files.extend(a.file.iter().cloned());
    let mut entries = Vec::new();
    for f in &files {
        let data = gomedic_sys::fs::read_regular_file(f, 4 << 30)
            .map_err(|e| UsageError(format!("cannot read {}: {e}", f.display())))?;
        let h = gomedic_authenticode::wdac_hashes(&data)
            .map_err(|e| UsageError(format!("{}: {e}", f.display())))?;
        let rel = f
            .strip_prefix(&goroot)
            .map(|r| r.display().to_string().replace('/', "\\"))
            .unwrap_or_else(|_| {
                f.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
        entries.push((rel, h));
    }
    let version = gomedic_goenv::pathscan::read_version_file(&goroot)
        .unwrap_or_else(|| "unknown version".into());
    let seed: String = entries
        .iter()
        .map(|(n, h)| format!("{n}{}", h.sha256))
        .collect();
    let policy_id = wdac::guid_from(seed.as_bytes());
    let xml = wdac::supplemental_policy(
        &format!("gomedic: Go toolchain {version}"),
        &entries,
        base,
        &policy_id,
    );
    match &a.out {
        Some(p) => std::fs::write(p, &xml)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?,
        None => crate::output::stdout().write_all(xml.as_bytes())?,
    }
    let target = a
        .out
        .as_ref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "policy.xml".into());
    errln!(
        "{} files, {} rules; PolicyID {policy_id}",
        entries.len(),
        entries.len() * 4
    );
    errln!("deploy (PowerShell, as administrator, on the Windows machine):");
    errln!("  ConvertFrom-CIPolicy -XmlFilePath \"{target}\" -BinaryFilePath \"{policy_id}.cip\"");
    errln!("  CiTool --update-policy \"{policy_id}.cip\"    # Windows 11 22H2+; else copy to C:\\Windows\\System32\\CodeIntegrity\\CiPolicies\\Active and reboot");
    if base.starts_with("{00000000") {
        errln!("note: set --base-policy-id to your base policy's PolicyID (it must allow supplemental policies, option 17)");
    }
    errln!("note: hash rules cannot cover go test/go run binaries (a new hash every build); see `gomedic wdac policy --help`");
    Ok(0)
}
