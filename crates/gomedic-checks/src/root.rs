//! `go.root`: the GOROOT in effect belongs to the go binary being run.

use crate::codes::Code;
use crate::facts::{Facts, FileKind};
use crate::util::same_dir;
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_goenv::pathscan::read_version_file;
use gomedic_goenv::settings::Source;
use std::path::PathBuf;

pub fn check(f: &Facts) -> CheckResult {
    let Some(bin) = f.go_binary() else {
        return CheckResult::skipped("no go binary (see go.binary)");
    };
    let own = bin.goroot.clone();
    let effective = f.goroot();
    let setting = f.setting_of("GOROOT");
    let mut details = Vec::new();
    details.push(format!(
        "GOROOT={}  ← {}",
        effective
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "(unknown)".into()),
        f.describe_source("GOROOT", &setting)
    ));
    details.push(format!(
        "go binary {} belongs to {}",
        bin.path.display(),
        own.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "no GOROOT (no pkg/tool next to it)".into())
    ));

    let Some(root) = effective else {
        return CheckResult::error("GOROOT cannot be determined")
            .with_details(details)
            .finding(
                Code::GorootUnknown,
                Status::Error,
                "GOROOT cannot be determined",
            );
    };
    let mut status = Status::Ok;
    let mut summary = format!("GOROOT {}", root.display());
    let mut fixes = Vec::new();
    let mut found: Vec<(Status, Code, String)> = Vec::new();
    let unset_fix = |src: &Source| -> Option<Fix> {
        match src {
            Source::Environment => Some(Fix::manual(
                "root.unset-env",
                "Unset GOROOT: the go command finds its own installation",
                if f.windows() {
                    crate::util::win_unset_env(f, "GOROOT")
                } else {
                    vec!["unset GOROOT   # and remove it from your shell profile".into()]
                },
            )),
            // go.env reports a GOROOT in the go env file, with this fix: said once, there.
            _ => None,
        }
    };

    // The directory itself.
    if let Err(e) = f.list_dir(&root) {
        let msg = format!("GOROOT {} is not readable: {e}", root.display());
        return CheckResult::error(msg.clone())
            .with_details(details)
            .finding(Code::GorootUnreadable, Status::Error, msg)
            .fix(
                unset_fix(&setting.source)
                    .unwrap_or_else(|| Fix::manual("root.reinstall", "Reinstall Go", vec![])),
            );
    }
    let tool_dir = tool_dir(f, &root);
    let compile = tool_dir.join(if f.windows() {
        "compile.exe"
    } else {
        "compile"
    });
    if f.file_kind(&compile) != FileKind::File {
        status = Status::Error;
        summary = format!(
            "GOROOT {} is incomplete: {} is missing",
            root.display(),
            compile.display()
        );
        found.push((Status::Error, Code::GorootIncomplete, summary.clone()));
        details.push("without the compiler nothing builds; the installation is damaged, half-deleted, or quarantined by antivirus".into());
    }

    // Version agreement.
    let running = f.go_identity().map(|i| i.line.raw_version);
    let root_version = read_version_file(&root);
    if let (Some(run), Some(rv)) = (&running, &root_version) {
        details.push(format!(
            "go version: {run}; {}: {rv}",
            root.join("VERSION").display()
        ));
        if !run.starts_with("devel") && run != rv {
            status = Status::Error;
            summary = format!("GOROOT holds {rv} but the go binary is {run}");
            found.push((Status::Error, Code::GorootVersionMismatch, summary.clone()));
            details.push(format!(
                "builds fail with `compile: version \"{rv}\" does not match go tool version \"{run}\"` (or link errors)"
            ));
        }
    } else if root_version.is_none() {
        details.push(format!(
            "{} is missing or unreadable",
            root.join("VERSION").display()
        ));
    }

    // $GOROOT/go.env (Go 1.21 and later) holds the defaults of GOPROXY, GOSUMDB and
    // GOTOOLCHAIN: without it they are empty and every module download fails.
    let ships_go_env = f
        .running_version()
        .is_some_and(|v| v >= gomedic_goenv::GoVersion::parse("1.21").expect("valid"));
    let go_env_path = root.join("go.env");
    if ships_go_env && f.file_kind(&go_env_path) == FileKind::Missing {
        let empty = |k: &str| match f.go_env_value(k) {
            Some(v) => v.is_empty(),
            None => {
                f.setting_of(k).source
                    == Source::Default {
                        note: String::new(),
                    }
                    || f.setting(k).is_empty()
            }
        };
        let broken: Vec<&str> = ["GOPROXY", "GOSUMDB"]
            .into_iter()
            .filter(|k| empty(k))
            .collect();
        let (sev, msg) = if broken.is_empty() {
            (Status::Warn, format!("{} is missing: the installation is incomplete (GOPROXY and GOSUMDB are set elsewhere, but GOTOOLCHAIN's default is gone)", go_env_path.display()))
        } else {
            (Status::Error, format!(
                "{} is missing, so {} {} empty: every module download fails with \"GOPROXY list is not the empty string, but contains no entries\"",
                go_env_path.display(),
                broken.join(" and "),
                if broken.len() == 1 { "is" } else { "are" }
            ))
        };
        status = status.worst(sev);
        if summary == format!("GOROOT {}", root.display()) {
            summary = msg.clone();
        }
        found.push((sev, Code::GorootNoGoEnv, msg));
        details.push("every Go release since 1.21 ships go.env with GOPROXY=https://proxy.golang.org,direct, GOSUMDB=sum.golang.org and GOTOOLCHAIN=auto; a packager or cleanup that dropped it breaks downloads".into());
        let file = crate::util::shell_quote(&go_env_path.display().to_string(), f.windows());
        fixes.push(Fix::manual(
            "goroot.restore-go-env",
            "Restore go.env in GOROOT (or reinstall Go from https://go.dev/dl/); writing into GOROOT may need sudo",
            vec![if f.windows() {
                format!("Set-Content -Path {file} -Value 'GOPROXY=https://proxy.golang.org,direct','GOSUMDB=sum.golang.org','GOTOOLCHAIN=auto'")
            } else {
                format!("printf '%s\\n' 'GOPROXY=https://proxy.golang.org,direct' 'GOSUMDB=sum.golang.org' 'GOTOOLCHAIN=auto' > {file}")
            }],
        ));
    }

    let from_env_file = matches!(setting.source, Source::EnvFile { .. });
    if from_env_file {
        details.push(format!(
            "GOROOT comes from the go env file ({}): go.env reports that, with its fix (gomedic fix env.goroot-file)",
            setting.source.describe()
        ));
    }
    if let Some(own) = own.as_ref().filter(|_| !from_env_file) {
        if !same_dir(f, own, &root) {
            found.push((
                Status::Warn,
                Code::GorootNotOwn,
                format!(
                    "GOROOT {} is not the go binary's own installation {}",
                    root.display(),
                    own.display()
                ),
            ));
            if status == Status::Ok {
                status = Status::Warn;
                summary = format!(
                    "GOROOT {} is not the go binary's own installation {}",
                    root.display(),
                    own.display()
                );
            }
            details.push(
                "set GOROOT only when you know why; the go command finds its own installation"
                    .into(),
            );
        }
    }
    if status != Status::Ok {
        if let Some(fx) = unset_fix(&setting.source) {
            fixes.push(fx);
        }
    }

    let gopath = f.setting("GOPATH");
    let sep = if f.windows() { ';' } else { ':' };
    if gopath
        .split(sep)
        .any(|p| !p.is_empty() && same_dir(f, &PathBuf::from(p), &root))
    {
        status = status.worst(Status::Warn);
        found.push((
            Status::Warn,
            Code::GopathIsGoroot,
            format!("GOPATH is set to GOROOT {}", root.display()),
        ));
        details.push("GOPATH is set to GOROOT, which has no effect and confuses tools: pick another directory (default $HOME/go)".into());
    }

    let mut r = CheckResult::new(status, summary)
        .with_details(details)
        .data("goroot", root.display().to_string());
    if let Some(v) = root_version {
        r = r.data("goroot_version", v);
    }
    for fx in fixes {
        r = r.fix(fx);
    }
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    r
}

fn tool_dir(f: &Facts, root: &std::path::Path) -> PathBuf {
    if let Some(t) = f.go_env_value("GOTOOLDIR").filter(|t| !t.is_empty()) {
        let t = PathBuf::from(t);
        if t.starts_with(root) {
            return t;
        }
    }
    let os = gomedic_goenv::rules::goos(&f.os);
    let arch = gomedic_goenv::rules::host().1;
    root.join("pkg").join("tool").join(format!("{os}_{arch}"))
}
