//! `go.runs`: does `go version` start, finish and say something sensible?

use crate::codes::Code;
use crate::facts::Facts;
use crate::util::{excerpt, ms, tail_lines};
use gomedic_core::text::quoted;
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_facts::os::exec::{Exit, Failure};
use gomedic_facts::os::{ntstatus, signal};
use gomedic_goenv::pathscan::CandidateKind;
use gomedic_goenv::version::parse_version_line;

pub fn check(f: &Facts) -> CheckResult {
    if let Some(go) = f.go_binary().filter(|g| g.kind == CandidateKind::Directory) {
        // Starting a directory fails with "access denied" on Windows: not antivirus.
        let msg = format!(
            "{} is a directory, not a go binary: there is nothing to start",
            go.path.display()
        );
        return CheckResult::error(msg.clone())
            .finding(Code::GoIsDirectory, Status::Error, msg)
            .detail(if named_like_go(&go.path) {
                "a folder named like the go binary (an unpacking accident?): remove or rename it; the go binary is in a Go installation's bin folder".to_string()
            } else {
                format!(
                    "the go binary is inside a Go installation's bin folder, e.g. {}",
                    go.path
                        .join("bin")
                        .join(if f.windows() { "go.exe" } else { "go" })
                        .display()
                )
            })
            .data("classification", "is_directory");
    }
    let r = check_inner(f);
    let Some(shebang) = f.go_script() else {
        return r;
    };
    script(f, shebang, r)
}

/// go's version line and how many other lines came with it: none from go itself; a
/// wrapper script may print its own lines around go's one line.
fn version_among_lines(
    f: &Facts,
    text: &str,
) -> Option<(gomedic_goenv::version::VersionLine, usize)> {
    if let Some(v) = parse_version_line(text) {
        return Some((v, 0));
    }
    f.go_script()?;
    let v = text.lines().find_map(parse_version_line)?;
    let others = text.lines().filter(|l| !l.trim().is_empty()).count() - 1;
    Some((v, others))
}

/// go is a script: say so, and blame what a script does, not antivirus.
fn script(f: &Facts, shebang: &str, mut r: CheckResult) -> CheckResult {
    let path = f
        .go_binary()
        .map(|g| g.path.display().to_string())
        .unwrap_or_default();
    let interp = shebang
        .trim_start_matches("#!")
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_string();
    let note = format!("{path} is a script ({shebang}), not the Go toolchain's executable: a wrapper, a version manager's shim, or a replacement; what it runs decides what `go` does");
    let target = f.go_wrapper_target();
    let runs = match &target {
        Some(t) => format!("the script runs {t}"),
        None => "the script names no go binary gomedic could read (it may pick one at run time)"
            .to_string(),
    };
    let wrapper = format!("{path} is a wrapper script ({shebang}); {runs}");
    if let Some(t) = &target {
        r = r.data("wrapper_runs", t.clone());
    }
    let class = r
        .data
        .get("classification")
        .and_then(|v| v.as_str())
        .unwrap_or("")
        .to_string();
    if r.status == Status::Ok {
        r.details.insert(0, format!("note: {note}"));
        r.details.insert(1, format!("note: {runs}"));
        let extra = f.go_env_extra_lines();
        let name = f
            .go_binary()
            .and_then(|g| g.path.file_name().map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_default();
        r.summary = format!("{} (through the wrapper script {name})", r.summary);
        if let Some(first) = extra.first() {
            r.summary = format!("{}; it printed {}", r.summary, quoted(&excerpt(first, 80)));
        }
        if !extra.is_empty() {
            r.details.insert(
                2,
                format!(
                    "note: the script printed {} line{} of its own: {}",
                    extra.len(),
                    if extra.len() == 1 { "" } else { "s" },
                    quoted(&excerpt(&extra.join("\n"), 200))
                ),
            );
        }
        return r
            .finding(Code::GoWrapperScript, Status::Ok, wrapper)
            .data("script", shebang.to_string());
    }
    // Antivirus is not why a script misbehaves.
    r.details
        .retain(|d| !d.contains("antivirus") && !d.contains("security agent"));
    r.fixes.retain(|x| x.id != "av.check");
    let why = match class.as_str() {
        "not_found" if !interp.is_empty() && f.file_kind(std::path::Path::new(&interp)) == crate::facts::FileKind::Missing => {
            r.summary = format!("go is a script whose interpreter {interp} does not exist");
            for x in &mut r.findings {
                x.message = format!("{} ({})", r.summary, x.message);
            }
            format!("the kernel cannot start {path}: its first line names {interp}, which does not exist")
        }
        "timeout" => "the script hangs: look at what it runs (a wrapper waiting for input, the network or a lock)".to_string(),
        "ok" => "the script is slow: look at what it runs before go (version managers resolve the version on every call)".to_string(),
        _ if f.windows() => format!("{runs}; run it from cmd with echo on (remove `@echo off`), or read it, to see what it does"),
        _ => "run it with `sh -x` (or read it) to see what it does; reinstalling Go from https://go.dev/dl/ restores the real binary if it was replaced".to_string(),
    };
    r.details.insert(0, note);
    r.details.insert(1, why);
    r.finding(Code::GoWrapperScript, Status::Warn, wrapper)
        .data("script", shebang.to_string())
}

/// `go` or `go.exe` itself, as opposed to a folder such as a GOROOT given by mistake.
fn named_like_go(p: &std::path::Path) -> bool {
    p.file_name()
        .and_then(|n| n.to_str())
        .is_some_and(|n| n.eq_ignore_ascii_case("go") || n.eq_ignore_ascii_case("go.exe"))
}

fn check_inner(f: &Facts) -> CheckResult {
    let Some(go) = f.go_binary() else {
        return CheckResult::error("no go binary to run (see go.binary)")
            .finding(
                Code::GoNotFound,
                Status::Error,
                "no go binary to run (see go.binary)",
            )
            .data("classification", "not_found");
    };
    // A go that answers `go env` runs: one go process tells both (see go.env).
    if let Some(id) = f.go_identity().filter(|i| i.from_go_env) {
        return started(
            f,
            &id.line.raw_version,
            &id.line.os,
            &id.line.arch,
            id.duration,
            "go env",
        );
    }
    let Some(result) = f.go_version() else {
        return CheckResult::error("no go binary to run")
            .finding(Code::GoNotFound, Status::Error, "no go binary to run")
            .data("classification", "not_found");
    };
    let cmd = format!("{} version", go.path.display());
    match result {
        Ok(out) => {
            let took = out.duration;
            match &out.exit {
                Exit::Code(0) => match version_among_lines(f, &out.stdout_str()) {
                    Some((v, 0)) => started(f, &v.raw_version, &v.os, &v.arch, took, "go version"),
                    Some((v, others)) => {
                        started(f, &v.raw_version, &v.os, &v.arch, took, "go version").detail(format!(
                            "the wrapper script printed {others} line{} of its own besides go's version line",
                            if others == 1 { "" } else { "s" }
                        ))
                    }
                    None => CheckResult::error("`go version` printed something unexpected")
                        .detail(format!("command: {cmd}"))
                        .detail(format!("stdout: {}", quoted(&excerpt(&out.stdout_str(), 200))))
                        .detail("the binary is not a Go toolchain, is a broken wrapper script, or its output is being altered")
                        .finding(Code::GoBadOutput, Status::Error, format!("`go version` printed {}", quoted(&excerpt(&out.stdout_str(), 200))))
                        .data("classification", "bad_output"),
                },
                Exit::Code(code) => exit_code(f, &cmd, *code, &out.stderr_str()),
                Exit::Signal(sig) => CheckResult::error(format!("`go version` was killed by {} ({sig})", signal::name(*sig)))
                    .finding(Code::GoKilled, Status::Error, format!("`go version` was killed by {} ({sig})", signal::name(*sig)))
                    .detail(format!("command: {cmd}"))
                    .detail("something killed go as it started: an out-of-memory killer, a security agent, or a crash")
                    .with_details(tail_lines(&out.stderr_str(), 5))
                    .data("classification", "killed")
                    .data("signal", *sig),
            }
        }
        Err(Failure::NotFound { message }) => CheckResult::error("go could not be found when starting it")
            .finding(Code::GoNotFound, Status::Error, format!("go could not be found when starting it: {message}"))
            .detail(message.clone())
            .detail("the file vanished between lookup and start (antivirus quarantine?) or its interpreter/loader is missing")
            .data("classification", "not_found"),
        Err(Failure::PermissionDenied { message, os_code }) => {
            let mut r = CheckResult::error("the operating system refused to start go (permission denied)")
                .finding(Code::GoPermissionDenied, Status::Error, format!("the operating system refused to start go: {message}"))
                .detail(message.clone())
                .data("classification", "permission_denied");
            if let Some(c) = os_code {
                r = r.data("os_error", *c);
            }
            if f.windows() {
                r = r.detail("on Windows this is usually antivirus, Smart App Control / App Control (WDAC) or AppLocker blocking go.exe").fix(av_fix(f));
            } else {
                r = r.detail("check the file's execute permission and whether its filesystem is mounted noexec");
            }
            r
        }
        Err(Failure::SpawnFailed { message, os_code }) => {
            let mut r = CheckResult::error("go could not be started")
                .finding(Code::GoSpawnFailed, Status::Error, format!("go could not be started: {message}"))
                .detail(message.clone())
                .detail("often a binary for another OS or CPU architecture, or a corrupt download")
                .data("classification", "spawn_failed");
            if let Some(c) = os_code {
                r = r.data("os_error", *c);
            }
            r
        }
        Err(Failure::Timeout { after, stderr, .. }) => CheckResult::error(format!("`go version` did not finish within {}", ms(*after)))
            .finding(Code::GoTimeout, Status::Error, format!("`go version` did not finish within {}", ms(*after)))
            .detail(format!("command: {cmd}"))
            .detail("go hangs before printing its version: antivirus holding the file, a hung network filesystem, or a toolchain switch (GOTOOLCHAIN) waiting on the network")
            .with_details(tail_lines(&gomedic_facts::os::text::decode_output(stderr), 5))
            .fix(av_fix(f))
            .data("classification", "timeout"),
    }
}

fn exit_code(f: &Facts, cmd: &str, code: i64, stderr: &str) -> CheckResult {
    let mut r = CheckResult::new(
        Status::Error,
        format!("`go version` exited with code {code}"),
    )
    .data("classification", "exit_code")
    .data("exit_code", code);
    let ucode = code as u64 as u32;
    if (f.windows() || ntstatus::looks_like_ntstatus(ucode)) && code > 0xFFFF {
        let hex = format!("0x{ucode:08X}");
        match ntstatus::describe(ucode) {
            Some((name, why)) => {
                r.summary = format!("`go version` exited with {hex} {name}");
                r = r.detail(format!("{name}: {why}")).data("ntstatus", name);
                if matches!(
                    ucode,
                    0xC0000022 | 0xC0000906 | 0xC0000907 | 0xC0000428 | 0xC0000361
                        ..=0xC0000364 | 0xC0000142 | 0xC0E90002
                ) {
                    r = r.fix(av_fix(f));
                }
            }
            None => r.summary = format!("`go version` exited with {hex}"),
        }
        r = r.data("exit_code_hex", hex);
    }
    let summary = r.summary.clone();
    r.detail(format!("command: {cmd}"))
        .with_details(tail_lines(stderr, 8))
        .finding(Code::GoExitCode, Status::Error, summary)
}

fn av_fix(f: &Facts) -> Fix {
    if f.windows() {
        Fix::manual(
            "av.check",
            "Check whether security software blocks or scans Go: look at Windows Security > Protection history for go.exe, compile.exe or link.exe, and run `gomedic check --deep`",
            vec!["Get-MpThreatDetection | Sort-Object InitialDetectionTime -Descending | Select-Object -First 10".into()],
        )
    } else {
        Fix::manual("av.check", "Check security agents and the filesystem holding GOROOT (network mounts, on-access scanners)", vec![])
    }
}

/// go started and said which it is; slow starts are a warning (antivirus scanning).
fn started(
    f: &Facts,
    version: &str,
    os: &str,
    arch: &str,
    took: std::time::Duration,
    cmd: &str,
) -> CheckResult {
    let slow = took > f.policy.slow_start;
    let summary = format!("{version} {os}/{arch} in {}", ms(took));
    let r = if slow {
        CheckResult::warn(format!("{summary}: slow start"))
            .detail(format!(
                "`{cmd}` took {} (over {}); a fresh go normally answers in tens of milliseconds. Real-time antivirus scanning of go{} and its GOROOT is the usual cause",
                ms(took),
                ms(f.policy.slow_start),
                if f.windows() { ".exe" } else { "" }
            ))
            .fix(av_fix(f))
            .finding(Code::GoSlowStart, Status::Warn, format!("`{cmd}` took {}", ms(took)))
    } else {
        CheckResult::ok(summary)
    };
    r.data("classification", "ok")
        .data("version", version.to_string())
        .data("duration_ms", took.as_millis() as u64)
}
