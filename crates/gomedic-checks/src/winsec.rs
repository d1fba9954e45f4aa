//! `win.defender`, `win.av`, `win.firewall`, `win.devdrive`: what Windows security does to
//! Go, read through gomedic-sys's narrow `winsec` interface.

use crate::codes::Code;
use crate::facts::Facts;
use crate::util::win_key as key;
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_facts::os::winsec::{is_admin_placeholder, Detection};
use std::path::PathBuf;

/// Go's directories (label, path) that real-time scanning slows down.
pub fn go_dirs(f: &Facts) -> Vec<(&'static str, String)> {
    let mut v = Vec::new();
    if let Some(r) = f.goroot() {
        v.push(("GOROOT", r.display().to_string()));
    }
    for k in ["GOPATH", "GOCACHE", "GOMODCACHE", "GOTMPDIR"] {
        let val = f.setting(k);
        for p in val.split(';').filter(|p| !p.is_empty()) {
            let label = match k {
                "GOPATH" => "GOPATH",
                "GOCACHE" => "GOCACHE",
                "GOMODCACHE" => "GOMODCACHE",
                _ => "GOTMPDIR",
            };
            v.push((label, p.to_string()));
        }
    }
    // Without GOTMPDIR, go builds test and run binaries in %TEMP%\go-build*.
    if f.setting("GOTMPDIR").is_empty() {
        if let Some(t) = f.getenv("TEMP").filter(|t| !t.is_empty()) {
            v.push(("TEMP", format!("{}\\go-build*", t.trim_end_matches('\\'))));
        }
    }
    v
}

fn unreadable_reason(e: &str) -> String {
    let l = e.to_ascii_lowercase();
    if l.contains("8004100e") {
        "Microsoft Defender is not installed here: its WMI namespace is missing (0x8004100E)".into()
    } else if l.contains("800106ba") {
        "Defender's service is not reachable (0x800106BA): it is off or passive behind another antivirus".into()
    } else if l.contains("administrator") || l.contains("access") {
        format!("cannot read Defender state without administrator rights ({e})")
    } else {
        format!("cannot read Defender state: {e}")
    }
}

fn go_detection(d: &Detection, dirs: &[(&str, String)]) -> bool {
    d.resources.iter().flatten().any(|r| {
        let p = key(r
            .trim_start_matches("file:_")
            .trim_start_matches("containerfile:_"));
        p.contains("\\go-build")
            || dirs
                .iter()
                .any(|(_, d)| !d.is_empty() && p.starts_with(&key(d)))
    })
}

/// `win.defender`
pub fn check_defender(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only");
    }
    let snap = f.security();
    let status = match &snap.status {
        Ok(s) => s,
        Err(e) => {
            let why = unreadable_reason(e);
            return if why.contains("0x800106BA") || why.contains("0x8004100E") {
                CheckResult::skipped(why)
            } else {
                CheckResult::warn(why.clone()).finding(Code::DefenderUnreadable, Status::Warn, why)
            };
        }
    };
    let dirs = go_dirs(f);
    let mut st = Status::Ok;
    let mut problems = Vec::new();
    // Every problem also as a finding: (status, stable code, message).
    let mut found: Vec<(Status, Code, String)> = Vec::new();
    let mut details = vec![format!(
        "Defender: real-time protection {}, tamper protection {}, mode {}",
        on_off(status.real_time_protection_enabled),
        on_off(status.is_tamper_protected),
        status
            .am_running_mode
            .clone()
            .unwrap_or_else(|| "unknown".into())
    )];
    let rtp = status.real_time_protection_enabled == Some(true);
    let mut fixes = Vec::new();
    match &snap.prefs {
        Err(e) => details.push(unreadable_reason(e)),
        Ok(p) => {
            let paths = p.exclusion_path.clone().unwrap_or_default();
            let procs = p.exclusion_process.clone().unwrap_or_default();
            if paths
                .iter()
                .chain(procs.iter())
                .any(|x| is_admin_placeholder(x))
            {
                details.push(if paths.iter().chain(procs.iter()).any(|x| x.to_ascii_lowercase().contains("not allowed")) {
                    "exclusions are hidden even from administrators on this machine (HideExclusionsFromLocalAdmins): ask whoever manages Defender (gomedic does not guess)".into()
                } else {
                    "exclusions are hidden from non-administrators: run `gomedic check` elevated to see them (gomedic does not guess)".into()
                });
            } else if rtp {
                let excluded = |d: &str| {
                    let k = key(&crate::winpath::expand(d, f));
                    paths.iter().any(|e| {
                        let ek = key(&crate::winpath::expand(e, f));
                        !ek.is_empty() && (k == ek || k.starts_with(&format!("{ek}\\")))
                    })
                };
                let all_missing: Vec<&(&str, String)> =
                    dirs.iter().filter(|(_, d)| !excluded(d)).collect();
                // The smallest set: drop directories inside another proposed one.
                let missing: Vec<&(&str, String)> = all_missing
                    .iter()
                    .filter(|(_, d)| {
                        let k = key(d);
                        !all_missing.iter().any(|(_, o)| {
                            let ok = key(o);
                            ok != k && k.starts_with(&format!("{ok}\\"))
                        })
                    })
                    .copied()
                    .collect();
                let proc_missing: Vec<&str> = ["go.exe", "compile.exe", "link.exe"]
                    .into_iter()
                    .filter(|n| !procs.iter().any(|e| key(e).rsplit('\\').next() == Some(*n)))
                    .collect();
                for (l, d) in &missing {
                    details.push(format!("{l} {d} is scanned in real time"));
                }
                if !missing.is_empty() {
                    st = Status::Warn;
                    let msg = format!("real-time scanning covers {} of Go's directories: builds are slower and fresh test binaries may be quarantined", missing.len());
                    found.push((
                        Status::Warn,
                        Code::DefenderScansGoDirs,
                        format!(
                            "{msg}: {}",
                            missing
                                .iter()
                                .map(|(l, d)| format!("{l} {d}"))
                                .collect::<Vec<_>>()
                                .join("; ")
                        ),
                    ));
                    problems.push(msg);
                    let mut cmds: Vec<String> = missing
                        .iter()
                        .map(|(_, d)| format!("Add-MpPreference -ExclusionPath '{d}'"))
                        .collect();
                    cmds.extend(
                        proc_missing
                            .iter()
                            .map(|p| format!("Add-MpPreference -ExclusionProcess '{p}'")),
                    );
                    fixes.push(Fix::auto(
                        "win.defender-exclusions",
                        "As administrator, exclude Go's directories and processes from real-time scanning (the smallest set), read back to confirm (tamper protection can drop them silently). Better: move GOCACHE/GOMODCACHE/GOTMPDIR to a Dev Drive (see win.devdrive)",
                        cmds,
                        gomedic_core::FixAction::DefenderExclusions {
                            paths: missing.iter().map(|(_, d)| d.clone()).collect(),
                            processes: proc_missing.iter().map(|p| p.to_string()).collect(),
                        },
                    ));
                }
            }
        }
    }
    match &snap.detections {
        Err(e) => details.push(format!("detections: {}", unreadable_reason(e))),
        Ok(ds) => {
            let go: Vec<&Detection> = ds.iter().filter(|d| go_detection(d, &dirs)).collect();
            if !go.is_empty() {
                st = Status::Error;
                let msg = format!("Defender acted on {}: quarantined or blocked test binaries make builds fail for no visible reason", crate::util::count(go.len(), "Go-related file", "Go-related files"));
                found.push((Status::Error, Code::DefenderGoFilesDetected, msg.clone()));
                problems.push(msg);
                for d in go.iter().take(10) {
                    details.push(format!(
                        "{} {}: {}",
                        d.initial_detection_time.clone().unwrap_or_default(),
                        d.threat_name
                            .clone()
                            .unwrap_or_else(|| "unknown threat".into()),
                        d.resources.clone().unwrap_or_default().join(", ")
                    ));
                }
                fixes.push(Fix::manual(
                    "win.defender-restore",
                    "Review the detections; if they are your own test binaries (false positives), restore and exclude the build directories (as administrator)",
                    vec!["Get-MpThreatDetection | Format-List ThreatID,InitialDetectionTime,Resources".into(), "& \"$env:ProgramFiles\\Windows Defender\\MpCmdRun.exe\" -Restore -ListAll".into()],
                ));
            }
        }
    }
    let mut r = CheckResult::new(
        st,
        if problems.is_empty() {
            details[0].clone()
        } else {
            problems.join("; ")
        },
    )
    .with_details(details);
    for fx in fixes {
        r = r.fix(fx);
    }
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    r
}

fn on_off(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "on",
        Some(false) => "off",
        None => "unknown",
    }
}

/// `win.av`
pub fn check_av(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only");
    }
    let snap = f.security();
    let products = match &snap.products {
        Ok(p) => p,
        Err(e) => {
            return CheckResult::skipped(format!(
                "Security Center is not available (Windows Server?): {e}"
            ))
        }
    };
    if products.is_empty() {
        return CheckResult::warn("Security Center lists no antivirus product").finding(
            Code::AvNoneRegistered,
            Status::Warn,
            "Security Center lists no antivirus product",
        );
    }
    let mut r = CheckResult::ok(format!(
        "{} registered",
        crate::util::count(products.len(), "antivirus product", "antivirus products")
    ));
    let mut third = Vec::new();
    for p in products {
        let (on, current) = p.state();
        r = r.detail(format!(
            "{}: {}{}",
            p.display_name,
            if on { "enabled" } else { "disabled" },
            if current {
                ""
            } else {
                ", signatures out of date"
            }
        ));
        if on && !p.is_microsoft() {
            third.push(p.display_name.clone());
        }
    }
    if !third.is_empty() {
        r.status = Status::Warn;
        r.summary = format!("third-party antivirus active: {}; if builds crawl or test binaries vanish, exclude Go's directories there (gomedic cannot read its settings)", third.join(", "));
        r = r.finding(
            Code::AvThirdParty,
            Status::Warn,
            format!("third-party antivirus active: {}", third.join(", ")),
        );
    }
    r
}

/// `win.firewall`
pub fn check_firewall(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only");
    }
    let snap = f.security();
    let rules = match &snap.firewall {
        Ok(r) => r,
        Err(e) => return CheckResult::skipped(format!("cannot read firewall rules: {e}")),
    };
    let go_rule = |p: &str| {
        let k = key(p);
        k.ends_with("\\dlv.exe")
            || k.ends_with(".test.exe")
            || k.contains("\\go-build")
            || k.contains("__debug_bin")
    };
    let relevant: Vec<_> = rules
        .iter()
        .filter(|r| r.direction == "in" && r.program.as_deref().is_some_and(go_rule))
        .collect();
    let blocks: Vec<_> = relevant
        .iter()
        .filter(|r| r.enabled && r.action == "block")
        .collect();
    let per_binary = relevant
        .iter()
        .filter(|r| {
            r.program
                .as_deref()
                .is_some_and(|p| key(p).contains("\\go-build"))
        })
        .count();
    let mut r = if !blocks.is_empty() {
        let msg = format!(
            "{} Go debug/test binaries (a \"Cancel\" on the firewall prompt creates these)",
            if blocks.len() == 1 {
                "1 inbound firewall rule blocks".to_string()
            } else {
                format!("{} inbound firewall rules block", blocks.len())
            }
        );
        CheckResult::warn(msg.clone()).finding(Code::FirewallBlocksGo, Status::Warn, msg)
    } else if per_binary > 0 {
        let msg = format!("{per_binary} firewall rules for temporary go-build binaries: each `go run`/`go test` binary triggers a new prompt because rules are per path");
        CheckResult::warn(msg.clone()).finding(Code::FirewallPerBinaryRules, Status::Warn, msg)
    } else {
        CheckResult::ok(crate::util::count(
            relevant.len(),
            "Go-related inbound rule",
            "Go-related inbound rules",
        ))
    };
    if !blocks.is_empty() && per_binary > 0 {
        r = r.finding(
            Code::FirewallPerBinaryRules,
            Status::Warn,
            format!("{per_binary} firewall rules for temporary go-build binaries: each `go run`/`go test` binary triggers a new prompt because rules are per path"),
        );
    }
    for x in relevant.iter().take(10) {
        r = r.detail(format!(
            "{} ({}, {}{}): {}",
            x.name,
            x.action,
            if x.enabled { "enabled" } else { "disabled" },
            x.local_ports
                .as_ref()
                .map(|p| format!(", ports {p}"))
                .unwrap_or_default(),
            x.program.clone().unwrap_or_default()
        ));
    }
    r = r.detail("listening on loopback avoids the prompt altogether: `dlv debug --headless --listen=127.0.0.1:2345`");
    if r.status != Status::Ok {
        r = r.fix(Fix::auto(
            "win.firewall-dlv",
            "As administrator, allow Delve on ports 2345-2349 from 127.0.0.1 only (one named rule; undo deletes it). Remove blocking and per-binary rules yourself (Windows Security > Firewall > Advanced settings): a block rule wins over any allow rule",
            vec!["New-NetFirewallRule -DisplayName 'gomedic: Delve (loopback)' -Direction Inbound -Action Allow -Protocol TCP -LocalPort 2345-2349 -RemoteAddress 127.0.0.1".into()],
            gomedic_core::FixAction::FirewallRule {
                name: "gomedic: Delve (loopback)".into(),
                local_ports: "2345-2349".into(),
                remote_address: "127.0.0.1".into(),
            },
        ));
    }
    r
}

/// `win.devdrive`
pub fn check_devdrive(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only");
    }
    let mut details = Vec::new();
    let mut on_dev = 0;
    let mut known = 0;
    let dirs: Vec<(&str, PathBuf)> = ["GOCACHE", "GOMODCACHE", "GOTMPDIR"]
        .into_iter()
        .map(|k| (k, PathBuf::from(f.setting(k))))
        .filter(|(_, p)| !p.as_os_str().is_empty())
        .collect();
    for (k, p) in &dirs {
        match f.dev_drive(p) {
            Ok(Some((true, trusted))) => {
                on_dev += 1;
                known += 1;
                details.push(format!(
                    "{k} {} is on a Dev Drive ({})",
                    p.display(),
                    if trusted { "trusted: Defender scans it asynchronously in performance mode" } else { "not trusted: scanned like any other drive; `fsutil devdrv trust` as administrator" }
                ));
            }
            Ok(Some((false, _))) => {
                known += 1;
                details.push(format!("{k} {} is not on a Dev Drive", p.display()));
            }
            Ok(None) => details.push(format!(
                "{k} {}: this Windows cannot tell (no Dev Drive support?)",
                p.display()
            )),
            Err(e) => details.push(format!("{k} {}: {e}", p.display())),
        }
    }
    let perf = f
        .security()
        .prefs
        .as_ref()
        .ok()
        .and_then(|p| p.performance_mode_status);
    details.push(format!(
        "Defender performance mode: {}",
        match perf {
            Some(0) => "enabled",
            Some(1) => "disabled",
            _ => "unknown",
        }
    ));
    let mut r = if known == 0 {
        CheckResult::skipped("Dev Drive state unknown")
    } else if on_dev == dirs.len() {
        CheckResult::ok("Go's caches are on a Dev Drive")
    } else {
        CheckResult::ok(format!("{on_dev} of {} Go cache directories on a Dev Drive (Microsoft's recommended developer setup moves them there)", dirs.len()))
    };
    r.details.extend(details);
    if r.status == Status::Ok && on_dev < dirs.len() {
        r = r.fix(Fix::manual(
            "win.devdrive-move",
            "Create a Dev Drive (Settings > System > Storage > Disks & volumes), then point Go's caches at it; Defender scans a trusted Dev Drive asynchronously (performance mode)",
            vec![
                "go env -w GOMODCACHE=D:\\packages\\go\\mod GOCACHE=D:\\packages\\go\\build GOTMPDIR=D:\\tmp\\go".into(),
                "Set-MpPreference -PerformanceModeStatus Enabled   # as administrator".into(),
            ],
        ));
    }
    r
}
