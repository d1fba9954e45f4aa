//! `win.authenticode`: the signatures of go.exe, gofmt.exe and dlv.exe.

use crate::codes::Code;
use crate::facts::{Facts, FileKind};
use gomedic_authenticode::Status as Sig;
use gomedic_core::{CheckResult, Fix, Status};
use std::path::{Path, PathBuf};

pub fn check(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only (use `gomedic verify FILE` on any OS)");
    }
    let mut files: Vec<(PathBuf, bool)> = Vec::new();
    if let Some(go) = f.go_binary() {
        files.push((go.path.clone(), true));
    }
    if let Some(root) = f.goroot() {
        files.push((root.join("bin").join("gofmt.exe"), true));
    }
    if let Some(dlv) = f
        .path_scan()
        .entries
        .iter()
        .filter(|e| e.problems.is_empty())
        .map(|e| Path::new(&e.display).join("dlv.exe"))
        .find(|p| f.file_kind(p) == FileKind::File)
    {
        files.push((dlv, false));
    }
    if files.is_empty() {
        return CheckResult::skipped("no go.exe to inspect");
    }
    let mut status = Status::Ok;
    let mut problems = Vec::new();
    // Every problem also as a finding: (status, stable code, message).
    let mut found: Vec<(Status, Code, String)> = Vec::new();
    let mut details = Vec::new();
    let mut data = Vec::new();
    for (p, official) in &files {
        if f.file_kind(p) != FileKind::File {
            continue;
        }
        match f.authenticode(p) {
            Err(e) => {
                status = status.worst(Status::Warn);
                let msg = format!("cannot read {}: {e}", p.display());
                found.push((Status::Warn, Code::AuthenticodeUnreadable, msg.clone()));
                problems.push(msg);
            }
            Ok(r) => {
                let name = serde_json::to_value(r.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default();
                let trust = match f.win_trust(p) {
                    Ok(hr) => format!(
                        "; Windows trust: {} (0x{:08X})",
                        gomedic_facts::os::wintrust::name(hr),
                        hr as u32
                    ),
                    Err(_) => String::new(),
                };
                details.push(format!("{}: {name}: {}{trust}", p.display(), r.detail));
                match r.status {
                    Sig::Valid => {}
                    Sig::Unsigned if !*official => {}
                    Sig::Unsigned => {
                        status = status.worst(Status::Warn);
                        let msg = format!("{} is not Authenticode-signed: Smart App Control and App Control policies may block it, and SmartScreen cannot vouch for it", p.display());
                        found.push((Status::Warn, Code::AuthenticodeUnsigned, msg.clone()));
                        problems.push(msg);
                    }
                    Sig::Tampered | Sig::BadSignature | Sig::BadTimestamp => {
                        status = Status::Error;
                        let why = if matches!(r.status, Sig::BadTimestamp) {
                            "its timestamp does not verify, so it cannot vouch for when the file was signed (Windows answers TRUST_E_TIME_STAMP)"
                        } else {
                            "it changed after it was signed"
                        };
                        let msg = format!(
                            "{} has a broken signature ({}): {why}; reinstall Go from go.dev",
                            p.display(),
                            r.detail
                        );
                        found.push((
                            Status::Error,
                            Code::AuthenticodeBrokenSignature,
                            msg.clone(),
                        ));
                        problems.push(msg);
                    }
                    Sig::ExpiredWithoutTimestamp => {
                        status = status.worst(Status::Warn);
                        let msg = format!(
                            "{}: signing certificate expired and the signature has no timestamp",
                            p.display()
                        );
                        found.push((
                            Status::Warn,
                            Code::AuthenticodeExpiredWithoutTimestamp,
                            msg.clone(),
                        ));
                        problems.push(msg);
                    }
                    Sig::NotPe | Sig::Malformed => {
                        status = Status::Error;
                        let msg = format!(
                            "{} is not a valid Windows executable ({})",
                            p.display(),
                            r.detail
                        );
                        found.push((Status::Error, Code::AuthenticodeNotExecutable, msg.clone()));
                        problems.push(msg);
                    }
                }
                data.push(serde_json::json!({"path": p.display().to_string(), "status": r.status, "signer": r.signer.map(|s| s.subject)}));
            }
        }
    }
    let mut r = CheckResult::new(
        status,
        if problems.is_empty() {
            "Go's executables have intact signatures".to_string()
        } else {
            problems.join("; ")
        },
    )
    .with_details(details)
    .data("files", data);
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    if status == Status::Error {
        r = r.fix(Fix::manual(
            "go.reinstall",
            "Reinstall Go from https://go.dev/dl/ and compare with `gomedic verify`",
            vec![],
        ));
    }
    r
}
