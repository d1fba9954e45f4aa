//! `win.smartscreen` (Smart App Control state) and `win.canary` (deep: does security
//! software block, quarantine or slow down freshly built test binaries?).

use crate::codes::Code;
use crate::facts::Facts;
use crate::util::{ms, tail_lines};
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_facts::os::exec::{Exit, Failure};
use std::time::Duration;

fn go_file(path: &str) -> bool {
    let l = path.to_ascii_lowercase().replace('/', "\\");
    [
        "\\go.exe",
        "\\gofmt.exe",
        "\\dlv.exe",
        "\\gopls.exe",
        ".test.exe",
    ]
    .iter()
    .any(|s| l.ends_with(s))
        || l.contains("\\go-build")
}

/// `win.smartscreen`: Smart App Control state and recent App Control events naming Go.
pub fn check_smartscreen(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only");
    }
    let mut r = match f.smart_app_control() {
        Err(e) => CheckResult::ok(format!("Smart App Control state unknown ({e})")),
        Ok(None) => CheckResult::ok("Smart App Control is not present on this Windows"),
        Ok(Some(0)) => CheckResult::ok("Smart App Control is off"),
        Ok(Some(1)) => CheckResult::warn("Smart App Control is on: it blocks unsigned programs without reputation, which includes every binary `go build` and `go test` produce, and dlv")
            .finding(Code::SmartAppControlOn, Status::Warn, "Smart App Control is on")
            .detail("Smart App Control has no exceptions; App Control (WDAC) policies can allow files by signer or hash (`gomedic wdac policy`), but only an administrator can turn Smart App Control off, and it cannot be turned back on without resetting Windows")
            .fix(Fix::manual(
                "win.sac-review",
                "Decide with your administrator: develop on a machine or VM without Smart App Control, or sign your binaries with a trusted certificate",
                vec!["start ms-settings:windowsdefender   # App & browser control > Smart App Control settings".into()],
            )),
        Ok(Some(2)) => CheckResult::ok("Smart App Control is in evaluation mode: it may switch itself on, and then blocks unsigned Go builds")
            .detail("Windows decides after an evaluation period; developers' machines usually end up off, but not always"),
        Ok(Some(v)) => CheckResult::ok(format!("Smart App Control state {v} (unknown value)")),
    };
    match f.ci_events() {
        Err(e) => r = r.detail(format!("CodeIntegrity events not readable: {e}")),
        Ok(events) => {
            let go: Vec<_> = events
                .iter()
                .filter(|e| go_file(&e.file) || go_file(&e.process))
                .collect();
            let blocked = go.iter().filter(|e| e.event_id != 3076).count();
            let audited = go.len() - blocked;
            for e in go.iter().take(10) {
                r = r.detail(format!(
                    "{} event {} ({}): {} (started by {})",
                    e.time,
                    e.event_id,
                    if e.event_id == 3076 {
                        "audit: would be blocked"
                    } else {
                        "blocked"
                    },
                    e.file,
                    e.process
                ));
            }
            if blocked > 0 {
                r.status = Status::Error;
                r.summary = format!("App Control / Smart App Control blocked {blocked} Go binar{} recently (CodeIntegrity event 3077/3033)", if blocked == 1 { "y" } else { "ies" });
                let msg = r.summary.clone();
                r = r.finding(Code::AppControlBlockedGo, Status::Error, msg);
                r = r.fix(Fix::manual(
                    "win.appcontrol-allow",
                    "Allow the Go toolchain by hash (`gomedic wdac policy`) and sign or relocate test binaries; hash rules cannot cover each new test build",
                    vec!["gomedic wdac policy --out gomedic-go.xml".into()],
                ));
            } else if audited > 0 {
                r.status = r.status.worst(Status::Warn);
                r.summary = format!("{audited} Go binar{} would be blocked by App Control in enforcement mode (audit event 3076)", if audited == 1 { "y" } else { "ies" });
                let msg = r.summary.clone();
                r = r.finding(Code::AppControlWouldBlockGo, Status::Warn, msg);
            }
        }
    }
    r
}

/// `win.canary` (deep)
pub fn check_canary(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only (go.build covers the same ground elsewhere)");
    }
    let Some(p) = f.canary() else {
        return CheckResult::skipped("no go binary (see go.binary)");
    };
    long_temp_note(f, evaluate(&p, f))
}

/// A canary that failed in a temporary directory longer than MAX_PATH (with long paths
/// off) says so: Windows' own words ("Invalid name", os error 123) do not name the length.
fn long_temp_note(f: &Facts, mut r: CheckResult) -> CheckResult {
    if matches!(r.status, Status::Ok | Status::Skipped) || f.long_paths_enabled() == Ok(true) {
        return r;
    }
    let (label, dir) = match f.getenv("GOTMPDIR").filter(|v| !v.is_empty()) {
        Some(d) => ("GOTMPDIR", d),
        None => match f.getenv("TEMP").or_else(|| f.getenv("TMP")) {
            Some(d) => ("TEMP", d),
            None => return r,
        },
    };
    let n = dir.encode_utf16().count();
    if n <= 259 {
        return r;
    }
    let note = format!("{label} {dir} is {n} characters long: over Windows' 259-character limit (MAX_PATH) while LongPathsEnabled is off");
    r.summary = format!(
        "{} ({label} is {n} characters long, over MAX_PATH)",
        r.summary
    );
    for x in &mut r.findings {
        x.message = format!("{} ({note})", x.message);
    }
    r.details.insert(0, note);
    r.data("temp_dir_length", n)
}

/// Judges a canary probe (pure; tested with recorded probes).
pub fn evaluate(p: &crate::facts::CanaryProbe, f: &Facts) -> CheckResult {
    if let Some(e) = &p.setup_error {
        let msg = format!("could not set up the canary: {e}");
        return CheckResult::failed(msg.clone()).finding(
            Code::CanarySetupFailed,
            Status::Failed,
            msg,
        );
    }
    match &p.build {
        None => {
            return CheckResult::failed("the canary was not built").finding(
                Code::CanaryNotBuilt,
                Status::Failed,
                "the canary was not built",
            )
        }
        Some(Err(e)) => {
            let msg = format!(
                "`go test -c` could not run: {}",
                crate::env::failure_text(e)
            );
            return CheckResult::error(msg.clone()).finding(
                Code::CanaryBuildNotRun,
                Status::Error,
                msg,
            );
        }
        Some(Ok(o)) if !o.success() => {
            return CheckResult::error("`go test -c` failed for a one-line test")
                .with_details(tail_lines(
                    &format!("{}{}", o.stdout_str(), o.stderr_str()),
                    8,
                ))
                .finding(
                    Code::CanaryBuildFailed,
                    Status::Error,
                    "`go test -c` failed for a one-line test",
                );
        }
        _ => {}
    }
    let av_fix = || {
        Fix::manual(
            "win.canary-av",
            "Let freshly built test binaries run: see win.defender for the smallest exclusion set, or move GOTMPDIR and GOCACHE to a Dev Drive (win.devdrive)",
            vec!["Get-MpThreatDetection | Sort-Object InitialDetectionTime -Descending | Select-Object -First 5".into()],
        )
    };
    let mut times: Vec<Duration> = Vec::new();
    for (i, r) in p.runs.iter().enumerate() {
        match r {
            Ok(o) if matches!(o.exit, Exit::Code(0)) => times.push(o.duration),
            Ok(o) => {
                let code = match o.exit {
                    Exit::Code(c) => c,
                    Exit::Signal(s) => s as i64,
                };
                let hex = format!("0x{:08X}", code as u64 as u32);
                let name = gomedic_facts::os::ntstatus::describe(code as u64 as u32)
                    .map(|(n, _)| n)
                    .unwrap_or("");
                let msg = format!(
                    "start {} of the test binary failed with {hex} {name}",
                    i + 1
                )
                .trim()
                .to_string();
                return CheckResult::error(msg.clone())
                    .finding(Code::CanaryExitCode, Status::Error, msg)
                    .detail("a test binary that builds but cannot run is the signature of antivirus or application control")
                    .fix(av_fix());
            }
            Err(Failure::PermissionDenied { message, .. }) => {
                let msg = format!(
                    "Windows refused to start the freshly built test binary (start {}): blocked",
                    i + 1
                );
                return CheckResult::error(msg.clone())
                    .detail(message.clone())
                    .fix(av_fix())
                    .finding(Code::CanaryPermissionDenied, Status::Error, msg);
            }
            Err(Failure::NotFound { .. }) => {
                let msg = "the freshly built test binary disappeared: quarantined by antivirus";
                return CheckResult::error(msg).fix(av_fix()).finding(
                    Code::CanaryQuarantined,
                    Status::Error,
                    msg,
                );
            }
            Err(Failure::Timeout { after, .. }) => {
                let msg = format!(
                    "the test binary hung for {} on start {}: held by a scanner",
                    ms(*after),
                    i + 1
                );
                return CheckResult::error(msg.clone()).fix(av_fix()).finding(
                    Code::CanaryTimeout,
                    Status::Error,
                    msg,
                );
            }
            Err(Failure::SpawnFailed { message, .. }) => {
                let msg = format!("the test binary could not start: {message}");
                return CheckResult::error(msg.clone()).finding(
                    Code::CanarySpawnFailed,
                    Status::Error,
                    msg,
                );
            }
        }
    }
    if p.vanished {
        let msg = "the freshly built test binary disappeared before it could run: quarantined by antivirus";
        return CheckResult::error(msg).fix(av_fix()).finding(
            Code::CanaryQuarantined,
            Status::Error,
            msg,
        );
    }
    if times.len() < 2 {
        let msg = "the canary did not run often enough to compare";
        return CheckResult::failed(msg).finding(Code::CanaryTooFewRuns, Status::Failed, msg);
    }
    let first = times[0];
    let mut rest: Vec<Duration> = times[1..].to_vec();
    rest.sort();
    let median = rest[rest.len() / 2];
    let ratio = first.as_secs_f64() / median.as_secs_f64().max(0.000_1);
    let detail = format!(
        "first start {}, later starts {} (median): {ratio:.1}x",
        ms(first),
        ms(median)
    );
    let _ = f;
    let r = if first > Duration::from_millis(500) && ratio > 4.0 {
        CheckResult::warn(format!("the first start of a new test binary takes {:.1}x longer ({}): on-access scanning of every fresh build", ratio, ms(first)))
            .finding(Code::CanarySlowFirstStart, Status::Warn, detail.clone())
            .detail(detail)
            .detail("every `go test` and `go run` pays this on each build; a Dev Drive with performance mode, or an exclusion of GOTMPDIR, removes it")
            .fix(av_fix())
    } else {
        CheckResult::ok(format!("fresh test binaries start normally ({detail})"))
    };
    r.data("first_start_ms", first.as_millis() as u64)
        .data("median_start_ms", median.as_millis() as u64)
        .data("ratio", (ratio * 10.0).round() / 10.0)
}
