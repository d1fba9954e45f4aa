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
    let mut details = Vec::new();
    let mut wrapper = None;
    if let Some(go) = f.go_binary() {
        match f.go_script() {
            // A wrapper is not a broken go.exe: check the go.exe it runs instead.
            Some(kind) => {
                let target = f.go_wrapper_target();
                details.push(format!(
                    "{} is a wrapper script ({kind}), not a program; {}",
                    go.path.display(),
                    match &target {
                        Some(t) => format!("it runs {t}"),
                        None => "it names no go.exe gomedic could read".to_string(),
                    }
                ));
                wrapper = Some(go.path.display().to_string());
                if let Some(t) = target {
                    files.push((PathBuf::from(t), true));
                }
            }
            None => files.push((go.path.clone(), true)),
        }
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
        return CheckResult::skipped(match wrapper {
            Some(w) => format!("{w} is a wrapper script naming no go.exe to inspect"),
            None => "no go.exe to inspect".to_string(),
        })
        .with_details(details);
    }
    let mut status = Status::Ok;
    let mut problems = Vec::new();
    // Every problem also as a finding: (status, stable code, message).
    let mut found: Vec<(Status, Code, String)> = Vec::new();
    let mut data = Vec::new();
    let mut checked = 0;
    let mut reinstall = false;
    let host = host_arch(f);
    for (i, (p, official)) in files.iter().enumerate() {
        match f.file_kind(p) {
            FileKind::File => {}
            FileKind::Missing => {
                details.push(format!("{}: not found", p.display()));
                continue;
            }
            kind => {
                // Never "intact" for something with no bytes to check.
                status = Status::Error;
                let what = if kind == FileKind::Dir {
                    "a directory"
                } else {
                    "not a regular file"
                };
                let msg = format!(
                    "{} is {what}, not an executable: no signature to check",
                    p.display()
                );
                found.push((Status::Error, Code::AuthenticodeNotAFile, msg.clone()));
                problems.push(msg);
                continue;
            }
        }
        checked += 1;
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
                let image = r
                    .image
                    .map(|im| format!(" ({})", im.describe()))
                    .unwrap_or_default();
                details.push(format!(
                    "{}{image}: {name}: {}{trust}",
                    p.display(),
                    r.detail
                ));
                // The go that runs (first file) on the CPU Windows runs on.
                if let (0, Some(im), Some(host)) = (i, r.image, host) {
                    if let Some((st, msg)) = foreign_arch(p, &im, host) {
                        status = status.worst(st);
                        found.push((st, Code::GoExeForeignArch, msg.clone()));
                        problems.push(msg);
                    }
                }
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
                        reinstall = true;
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
                        reinstall = true;
                        let msg = format!(
                            "{} is not a valid Windows executable ({})",
                            p.display(),
                            r.detail
                        );
                        found.push((Status::Error, Code::AuthenticodeNotExecutable, msg.clone()));
                        problems.push(msg);
                    }
                }
                data.push(serde_json::json!({"path": p.display().to_string(), "status": r.status, "signer": r.signer.map(|s| s.subject), "machine": r.image.map(|i| i.machine_name()), "subsystem": r.image.map(|i| i.subsystem_name())}));
            }
        }
    }
    if checked == 0 && problems.is_empty() {
        return CheckResult::skipped("none of Go's executables was found to inspect")
            .with_details(details);
    }
    let mut r = CheckResult::new(
        status,
        if problems.is_empty() {
            format!(
                "Go's executables have intact signatures ({} checked)",
                checked
            )
        } else {
            problems.join("; ")
        },
    )
    .with_details(details)
    .data("files", data);
    if let Some(w) = wrapper {
        r = r.data("wrapper", w);
    }
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    if reinstall {
        r = r.fix(Fix::manual(
            "go.reinstall",
            "Reinstall Go from https://go.dev/dl/ and compare with `gomedic verify`",
            vec![],
        ));
    }
    r
}

/// The CPU Windows runs on (not the emulated one a 32-bit process sees), as a PE machine.
fn host_arch(f: &Facts) -> Option<u16> {
    let a = f
        .getenv("PROCESSOR_ARCHITEW6432")
        .filter(|a| !a.is_empty())
        .or_else(|| f.getenv("PROCESSOR_ARCHITECTURE"))?;
    match a.to_ascii_uppercase().as_str() {
        "AMD64" => Some(0x8664),
        "X86" => Some(0x14c),
        "ARM64" => Some(0xaa64),
        _ => None,
    }
}

/// go.exe built for another CPU: emulated (a warning) or not startable at all (an error).
fn foreign_arch(p: &Path, im: &gomedic_authenticode::Image, host: u16) -> Option<(Status, String)> {
    if im.machine == host {
        return None;
    }
    let host_name = gomedic_authenticode::Image {
        machine: host,
        ..*im
    }
    .machine_name();
    let goarch = im.goarch().unwrap_or("?");
    let emulated = matches!(
        (im.machine, host),
        (0x14c, 0x8664) | (0x14c, 0xaa64) | (0x8664, 0xaa64)
    );
    Some(if emulated {
        (Status::Warn, format!(
            "{} is an {} go.exe on {host_name} Windows: it runs emulated (slower), and builds GOARCH={goarch} programs unless GOARCH is set; install the {host_name} Go from https://go.dev/dl/",
            p.display(),
            im.machine_name()
        ))
    } else {
        (Status::Error, format!(
            "{} is an {} go.exe: {host_name} Windows cannot run it; install the {host_name} Go from https://go.dev/dl/",
            p.display(),
            im.machine_name()
        ))
    })
}
