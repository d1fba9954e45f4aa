//! `go.build` (deep): build, run and test a fresh module, and explain what broke.

use crate::codes::Code;
use crate::facts::Facts;
use crate::util::{ms, tail_lines};
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_facts::os::exec::{Exit, Failure};
use gomedic_facts::os::{ntstatus, text as ostext};
use serde_json::json;

/// Unix output fragments that point at security software rather than Go (Windows ones
/// are matched by code, then by their localized texts: see [`blocked_by`]).
const UNIX_SIGNS: &[&str] = &["permission denied", "text file busy"];

/// Why a failed step looks blocked: a Windows code (from the exit code or the output),
/// else a Unix sign. `None`: an ordinary failure.
fn blocked_by(text: &str, exit: &Exit, windows: bool) -> Option<String> {
    if let Exit::Code(c) = exit {
        // The step's own exit code, or the built binary's that go run/test passes on.
        if let Some(b) = u32::try_from(*c)
            .ok()
            .and_then(ntstatus::blocked_by_ntstatus)
        {
            return Some(b.describe());
        }
    }
    if let Some(b) = ntstatus::blocked_in_text(text, windows) {
        return Some(b.describe());
    }
    let lower = text.to_lowercase();
    UNIX_SIGNS
        .iter()
        .find(|s| lower.contains(*s))
        .map(|s| format!("\"{s}\""))
}

pub fn check(f: &Facts) -> CheckResult {
    let Some(p) = f.build_probe() else {
        return CheckResult::skipped("no go binary (see go.binary)");
    };
    evaluate(p, f)
}

/// Judges a build probe (pure; tested with recorded probes).
pub(crate) fn evaluate(p: &crate::facts::BuildProbe, f: &Facts) -> CheckResult {
    if let Some(e) = &p.setup_error {
        let msg = format!("could not set up the build probe: {e}");
        return CheckResult::failed(msg.clone()).finding(
            Code::BuildSetupFailed,
            Status::Failed,
            msg,
        );
    }
    let mut details = Vec::new();
    let mut timings = serde_json::Map::new();
    let mut status = Status::Ok;
    let mut summary_parts = Vec::new();
    let mut summary_problem: Option<String> = None;
    let mut fixes = Vec::new();
    let mut found: Vec<(Code, String)> = Vec::new();
    if let Some(w) = &p.workdir {
        details.push(format!("temporary module: {}", w.display()));
    }
    for step in &p.steps {
        match &step.result {
            Ok(out) => {
                timings.insert(
                    step.name.to_string(),
                    json!(out.duration.as_millis() as u64),
                );
                summary_parts.push(format!("{} {}", step.name, ms(out.duration)));
                if !out.success() {
                    status = Status::Error;
                    let text = ostext::fill_inserts_in_text(&format!(
                        "{}{}",
                        out.stdout_str(),
                        out.stderr_str()
                    ));
                    let code = match out.exit {
                        Exit::Code(c) => format!("exit code {c}"),
                        Exit::Signal(s) => {
                            format!("killed by {}", gomedic_facts::os::signal::name(s))
                        }
                    };
                    let msg = format!("`{}` failed ({code})", step.command);
                    summary_problem.get_or_insert(msg.clone());
                    details.extend(tail_lines(&text, 10));
                    let sign = blocked_by(&text, &out.exit, f.windows());
                    let blocked = sign.is_some();
                    found.push((
                        if blocked {
                            Code::BuildStepBlocked
                        } else {
                            Code::BuildStepFailed
                        },
                        msg,
                    ));
                    if let Some(sign) = sign {
                        details.push(format!("the error looks like security software blocking a freshly built binary: {sign}"));
                        fixes.push(av_fix(f));
                    }
                }
            }
            Err(fail) => {
                status = Status::Error;
                let (code, what, av) = match fail {
                    Failure::NotFound { message } => (
                        Code::BuildNotFound,
                        format!("could not be started: file not found ({message})"),
                        step.name == "run",
                    ),
                    Failure::PermissionDenied { message, .. } => (
                        Code::BuildPermissionDenied,
                        format!("was refused by the OS: {message}"),
                        true,
                    ),
                    Failure::SpawnFailed { message, .. } => (
                        Code::BuildSpawnFailed,
                        format!("could not be started: {message}"),
                        false,
                    ),
                    Failure::Timeout { after, .. } => (
                        Code::BuildTimeout,
                        format!("did not finish within {}", ms(*after)),
                        true,
                    ),
                };
                let msg = format!("`{}` {what}", step.command);
                summary_problem.get_or_insert(msg.clone());
                found.push((code, msg));
                if av {
                    details.push("a binary that cannot be started or hangs right after `go build` is the signature of antivirus scanning or quarantine".into());
                    fixes.push(av_fix(f));
                }
            }
        }
    }
    if p.vanished {
        status = Status::Error;
        let msg =
            "the binary `go build` wrote was gone before it could run: quarantined by antivirus";
        summary_problem = Some(msg.into());
        found.push((Code::BuildBinaryVanished, msg.into()));
        fixes.push(av_fix(f));
    }
    if p.cache_was_cold == Some(true) {
        if let Some(Ok(out)) = p.steps.first().map(|s| &s.result) {
            details.push(format!(
                "first build with an empty build cache: the standard library was compiled ({}); later builds reuse it",
                ms(out.duration)
            ));
        }
    }
    let summary = summary_problem.unwrap_or_else(|| summary_parts.join(", "));
    let mut r = CheckResult::new(status, summary)
        .with_details(details)
        .data("timings_ms", serde_json::Value::Object(timings));
    if let Some(c) = p.cache_was_cold {
        r = r.data("cache_was_cold", c);
    }
    fixes.dedup();
    for fx in fixes {
        r = r.fix(fx);
    }
    for (code, msg) in found {
        r = r.finding(code, Status::Error, msg);
    }
    r
}

fn av_fix(f: &Facts) -> Fix {
    if f.windows() {
        Fix::manual(
            "av.go-build",
            "Let Go's build outputs run: check Protection history for go-build binaries; add a Defender exclusion for GOCACHE/GOTMPDIR (admin), or move them to a Dev Drive",
            vec!["Get-MpThreatDetection | Sort-Object InitialDetectionTime -Descending | Select-Object -First 10".into()],
        )
    } else {
        Fix::manual("av.go-build", "Check security agents that scan or block new executables in the temp directory (or set GOTMPDIR to an allowed directory)", vec![])
    }
}
