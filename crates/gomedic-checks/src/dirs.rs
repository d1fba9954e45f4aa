//! `go.dirs`: GOPATH, GOCACHE, GOMODCACHE and GOTMPDIR are usable.

use crate::codes::Code;
use crate::facts::Facts;
use crate::util::human_bytes;
use gomedic_core::{CheckResult, Fix, Status};
use serde_json::json;
use std::path::Path;

pub fn check(f: &Facts) -> CheckResult {
    let dirs = f.dirs();
    if dirs.is_empty() {
        return CheckResult::skipped("no Go directories known (go env unavailable)");
    }
    let mut status = Status::Ok;
    let mut problems = Vec::new();
    // Every problem also as a finding: (status, stable code, message).
    let mut found: Vec<(Status, Code, String)> = Vec::new();
    let mut details = Vec::new();
    let mut data = Vec::new();
    if f.go_env_value("GOCACHE") == Some("off") {
        status = Status::Warn;
        let msg = "GOCACHE=off: every build recompiles everything (and Go 1.12+ refuses to build with the cache off)".to_string();
        found.push((Status::Warn, Code::GocacheOff, msg.clone()));
        problems.push(msg);
    }
    for (label, p) in dirs {
        let shown = p.path.display();
        let mut line = format!("{label} {shown}: ");
        if !is_abs(&p.path, f.windows()) {
            status = Status::Error;
            let msg = format!("{label} {shown} is not an absolute path; the go command rejects it");
            found.push((Status::Error, Code::GodirNotAbsolute, msg.clone()));
            problems.push(msg);
        }
        if p.not_a_dir {
            status = Status::Error;
            let msg = format!("{label} {shown} exists but is not a directory");
            found.push((Status::Error, Code::GodirNotADirectory, msg.clone()));
            problems.push(msg);
            line.push_str("not a directory");
        } else {
            line.push_str(if p.exists {
                "exists"
            } else {
                "does not exist yet (go creates it)"
            });
            match &p.writable {
                Ok(()) => line.push_str(", writable"),
                Err(e) => {
                    status = Status::Error;
                    let msg = format!("{label} {shown} is not writable ({e})");
                    found.push((Status::Error, Code::GodirNotWritable, msg.clone()));
                    problems.push(msg);
                    line.push_str(", NOT writable");
                }
            }
        }
        if let Some(free) = p.free_bytes {
            line.push_str(&format!(", {} free", human_bytes(free)));
            if free < f.policy.free_error_bytes {
                status = Status::Error;
                let msg = format!("only {} free for {label}", human_bytes(free));
                found.push((Status::Error, Code::DiskNearlyFull, format!("{msg} {shown}")));
                problems.push(msg);
            } else if free < f.policy.free_warn_bytes {
                status = status.worst(Status::Warn);
                let msg = format!(
                    "only {} free for {label} (warning below {})",
                    human_bytes(free),
                    human_bytes(f.policy.free_warn_bytes)
                );
                found.push((Status::Warn, Code::DiskLowSpace, format!("only {} free for {label} {shown} (warning below {})", human_bytes(free), human_bytes(f.policy.free_warn_bytes))));
                problems.push(msg);
            }
        }
        details.push(line);
        data.push(json!({"name": label, "path": shown.to_string(), "exists": p.exists, "writable": p.writable.is_ok(), "free_bytes": p.free_bytes}));
    }
    let summary = if problems.is_empty() {
        format!("{} usable", crate::util::count(dirs.len(), "directory", "directories"))
    } else {
        problems.join("; ")
    };
    let mut r = CheckResult::new(status, summary)
        .with_details(details)
        .data("dirs", data);
    if status != Status::Ok {
        r = r.fix(Fix::manual(
            "dirs.relocate",
            "Point the broken directory somewhere writable with room (or free space: `go clean -cache` empties GOCACHE safely)",
            vec!["go env -w GOCACHE=/path/with/space/go-build".into(), "go clean -cache".into()],
        ));
    }
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    r
}

fn is_abs(p: &Path, windows: bool) -> bool {
    if windows {
        let s = p.to_string_lossy();
        let b = s.as_bytes();
        (b.len() >= 3 && b[1] == b':' && (b[2] == b'\\' || b[2] == b'/')) || s.starts_with("\\\\")
    } else {
        p.is_absolute()
    }
}
