//! `gomedic verify FILE...`: Authenticode signatures of PE files.

use crate::cli::{Format, VerifyArgs};
use gomedic_authenticode::{verify, Report, Status};
use std::io::Write;

pub fn run(args: VerifyArgs) -> anyhow::Result<u8> {
    let mut results: Vec<(String, Result<Report, String>)> = Vec::new();
    for f in &args.files {
        // A PE file is at most 4 GiB (its offsets are 32-bit); devices, FIFOs and
        // directories are refused before they are opened.
        let r = gomedic_sys::fs::map_regular_file(f, 4 << 30)
            .map(|d| verify(&d))
            .map_err(|e| format!("cannot read {}: {e}", f.display()));
        results.push((f.display().to_string(), r));
    }
    let all_valid = results
        .iter()
        .all(|(_, r)| matches!(r, Ok(r) if r.status == Status::Valid));
    let mut out = crate::output::stdout();
    let res = match args.format {
        Format::Json => {
            let files: Vec<serde_json::Value> = results
                .iter()
                .map(|(p, r)| match r {
                    Ok(rep) => {
                        let mut v = serde_json::to_value(rep).unwrap_or_default();
                        v["path"] = serde_json::json!(p);
                        // Windows' own trust decision, where there is a Windows to ask.
                        if let Ok(hr) = gomedic_sys::wintrust::verify_trust(std::path::Path::new(p)) {
                            v["windows_trust"] = serde_json::json!({"hresult": format!("0x{:08X}", hr as u32), "result": gomedic_sys::wintrust::name(hr)});
                        }
                        v
                    }
                    Err(e) => serde_json::json!({"path": p, "status": "unreadable", "detail": e}),
                })
                .collect();
            serde_json::to_writer_pretty(
                &mut out,
                &serde_json::json!({"schema": "gomedic.verify/v1", "files": files}),
            )
            .map_err(std::io::Error::from)
            .and_then(|_| writeln!(out))
        }
        Format::Human => (|| {
            for (p, r) in &results {
                match r {
                    Err(e) => writeln!(out, "✗ {p}: unreadable: {e}")?,
                    Ok(rep) => {
                        let sym = match rep.status {
                            Status::Valid => "✓",
                            Status::Unsigned | Status::ExpiredWithoutTimestamp => "!",
                            _ => "✗",
                        };
                        let name = status_name(rep.status);
                        writeln!(out, "{sym} {p}: {name}: {}", rep.detail)?;
                        if let Some(s) = &rep.signer {
                            writeln!(
                                out,
                                "    signer: {} (valid {} to {}{})",
                                s.subject,
                                s.not_before,
                                s.not_after,
                                if s.expired { ", EXPIRED" } else { "" }
                            )?;
                        }
                        for c in rep.chain.iter().skip(1) {
                            writeln!(out, "    issued by: {}", c.subject)?;
                        }
                        if let (Some(a), Some(d)) = (&rep.digest_algorithm, &rep.computed_digest) {
                            writeln!(
                                out,
                                "    {a} digest: {d}{}",
                                if rep.signed_digest.as_ref() != Some(d) {
                                    rep.signed_digest
                                        .as_ref()
                                        .map(|s| format!(" (signed: {s})"))
                                        .unwrap_or_default()
                                } else {
                                    String::new()
                                }
                            )?;
                        }
                        if let Ok(hr) = gomedic_sys::wintrust::verify_trust(std::path::Path::new(p))
                        {
                            writeln!(
                                out,
                                "    Windows trust (WinVerifyTrust): {} (0x{:08X})",
                                gomedic_sys::wintrust::name(hr),
                                hr as u32
                            )?;
                        }
                        if let Some(t) = &rep.timestamp {
                            writeln!(out, "    timestamp: {}", timestamp_line(t))?;
                        }
                        if let Some(ph) = &rep.page_hashes {
                            writeln!(
                                out,
                                "    page hashes: {ph} ({})",
                                match rep.page_hashes_match {
                                    Some(true) => "every page matches",
                                    Some(false) => "MISMATCH",
                                    None => "not checked",
                                }
                            )?;
                        }
                        if rep.nested_signatures > 0 {
                            writeln!(out, "    nested signatures: {}", rep.nested_signatures)?;
                        }
                        for (i, n) in rep.nested.iter().enumerate() {
                            writeln!(
                                out,
                                "    nested {}: {}: {}",
                                i + 1,
                                status_name(n.status),
                                n.detail
                            )?;
                            if let (Some(a), Some(t)) = (&n.digest_algorithm, &n.timestamp) {
                                writeln!(out, "      {a}; timestamp: {}", timestamp_line(t))?;
                            }
                        }
                        for w in &rep.warnings {
                            writeln!(out, "    warning: {w}")?;
                        }
                    }
                }
            }
            Ok(())
        })(),
    };
    res?;
    Ok(if all_valid { 0 } else { 1 })
}

fn status_name(s: Status) -> String {
    serde_json::to_value(s)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

fn timestamp_line(t: &gomedic_authenticode::Timestamp) -> String {
    let time = if t.time.is_empty() {
        "unreadable"
    } else {
        &t.time
    };
    match &t.problem {
        None => format!(
            "{time} ({}, verified{})",
            t.kind,
            t.signer
                .as_ref()
                .map(|s| format!(", by {s}"))
                .unwrap_or_default()
        ),
        Some(p) => format!("{time} ({}, DOES NOT VERIFY: {p})", t.kind),
    }
}
