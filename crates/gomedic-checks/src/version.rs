//! `go.version`: the installed Go against the version policy, go.mod's `go` and
//! `toolchain` lines, and what GOTOOLCHAIN will do with them.

use crate::codes::Code;
use crate::facts::Facts;
use gomedic_core::text::shown;
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_goenv::settings::Source;
use gomedic_goenv::snapshot::Toolchain;
use gomedic_goenv::GoVersion;

pub fn check(f: &Facts) -> CheckResult {
    let running = f.running_version();
    let Some(installed) = running else {
        return CheckResult::skipped("Go version unknown (go does not run; see go.runs)");
    };
    let p = &f.policy;
    let mut status = Status::Ok;
    let mut problems: Vec<String> = Vec::new();
    // Every problem also as a finding: (status, stable code, message).
    let mut found: Vec<(Status, Code, String)> = Vec::new();
    let mut details = Vec::new();
    let mut fixes = Vec::new();
    details.push(format!(
        "policy: minimum go{}, deny-list [{}], upstream supports go{}.{} and go{}.{}",
        p.min_go,
        p.deny
            .iter()
            .map(|(v, _)| format!("go{v}"))
            .collect::<Vec<_>>()
            .join(", "),
        p.newest_known_line.major,
        p.newest_known_line.minor.saturating_sub(1),
        p.newest_known_line.major,
        p.newest_known_line.minor
    ));

    if installed < p.min_go {
        status = Status::Error;
        let msg = format!("go{installed} is older than the minimum go{}", p.min_go);
        found.push((Status::Error, Code::VersionBelowMinimum, msg.clone()));
        problems.push(msg);
        fixes.push(Fix::manual(
            "version.upgrade",
            "Install a supported Go release (https://go.dev/dl/)",
            vec![],
        ));
    } else if let Some((_, why)) = p.denied(&installed) {
        status = Status::Error;
        let msg = format!("go{installed} is on the deny-list: {why}");
        found.push((Status::Error, Code::VersionDenied, msg.clone()));
        problems.push(msg);
        fixes.push(Fix::manual(
            "version.upgrade",
            "Install a newer patch release (https://go.dev/dl/)",
            vec![],
        ));
    } else if !p.upstream_supported(&installed) {
        status = Status::Warn;
        let msg = format!("go{installed} no longer receives security fixes from the Go project");
        found.push((Status::Warn, Code::VersionUnsupported, msg.clone()));
        problems.push(msg);
    }

    // GOTOOLCHAIN
    let tc_setting = f.setting_of("GOTOOLCHAIN");
    let tc = &f.settings().gotoolchain;
    details.push(format!(
        "GOTOOLCHAIN={}  ← {}",
        tc_setting.value,
        tc_setting.source.describe()
    ));
    let switching = matches!(tc, Toolchain::Auto | Toolchain::Path)
        || matches!(tc, Toolchain::Pinned { mode: Some(_), .. });
    match tc {
        Toolchain::Invalid => {
            status = Status::Error;
            let msg = format!(
                "GOTOOLCHAIN={} is invalid: every go command fails with `go: invalid GOTOOLCHAIN`",
                shown(&tc_setting.value)
            );
            found.push((Status::Error, Code::GotoolchainInvalid, msg.clone()));
            problems.push(msg);
            fixes.push(unset_tc_fix(f, &tc_setting.source));
        }
        Toolchain::Pinned { version: v, .. } if *v != installed => {
            let sev = if matches!(tc_setting.source, Source::EnvFile { .. }) {
                Status::Warn
            } else {
                Status::Ok
            };
            status = status.worst(sev);
            let msg = format!("GOTOOLCHAIN pins go{v}: every go command runs go{v} instead of the installed go{installed} (downloading it if needed)");
            if sev == Status::Warn {
                let msg = format!("{msg}; a stale `go env -w GOTOOLCHAIN` is a common cause of \"toolchain not available\" (golang/go#65568)");
                found.push((Status::Warn, Code::GotoolchainStalePin, msg.clone()));
                problems.push(msg);
                fixes.push(unset_tc_fix(f, &tc_setting.source));
            } else {
                details.push(msg);
            }
        }
        _ => {}
    }

    // go.mod / go.work
    match f.modfile() {
        None => details.push("no go.mod or go.work above the current directory".into()),
        Some(Err(e)) => {
            status = status.worst(Status::Warn);
            let msg = format!("cannot read {e}");
            found.push((Status::Warn, Code::GomodUnreadable, msg.clone()));
            problems.push(msg);
        }
        Some(Ok(m)) => {
            let name = m.path.display().to_string();
            for pr in &m.problems {
                status = status.worst(Status::Warn);
                let msg = format!("{name}: {pr}");
                found.push((Status::Warn, Code::GomodInvalidVersion, msg.clone()));
                problems.push(msg);
            }
            if let (Some((raw, line)), Some(req)) = (&m.go, m.go_version()) {
                details.push(format!("{name}:{line}: go {raw}"));
                let lang_only = req.is_lang();
                if req.first_release() > installed {
                    let need = req.first_release();
                    let cached = toolchain_cached(f, &need);
                    if switching && cached.is_some() {
                        details.push(format!(
                            "{name} needs go >= {raw}: the go command switches to go{need}, already in the module cache ({})",
                            cached.as_deref().unwrap_or_default()
                        ));
                    } else if switching {
                        status = status.worst(Status::Warn);
                        let msg = format!("{name} needs go >= {raw}; the go command will switch to (and may download) go{need} because GOTOOLCHAIN={}", tc_setting.value);
                        found.push((Status::Warn, Code::GomodSwitchesToolchain, msg.clone()));
                        problems.push(msg);
                        if lang_only && installed < GoVersion::parse("1.21.1").expect("valid") {
                            details.push(format!("`go {raw}` is a language version, not a release: Go before 1.21.1 tries to download a nonexistent `go{raw}` (\"toolchain not available\", golang/go#62278). Write `go {need}`"));
                            fixes.push(Fix::manual(
                                "gomod.go-patch",
                                format!("Name a release in {name}"),
                                vec![format!("go mod edit -go={need}")],
                            ));
                        }
                        details.push(format!("the first go command here downloads golang.org/toolchain@v0.0.1-go{need}.<os>-<arch> from GOPROXY (checked against GOSUMDB) and caches it; without network access to them it fails. Installing go{need} or newer avoids the download"));
                        unreleased_note(f, &need, &name, &mut details);
                    } else {
                        status = Status::Error;
                        let msg = format!(
                            "{name} requires go >= {raw} (running go{installed}; GOTOOLCHAIN={})",
                            tc_setting.value
                        );
                        found.push((Status::Error, Code::GomodNeedsNewerGo, msg.clone()));
                        problems.push(msg);
                        details.push(format!(
                            "every go command here fails: `go: {} requires go >= {raw} (running go {installed}; GOTOOLCHAIN={})`",
                            m.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                            tc_setting.value
                        ));
                        unreleased_note(f, &need, &name, &mut details);
                        let is_switching = |v: &str| {
                            let t = Toolchain::parse(v);
                            matches!(
                                t,
                                Toolchain::Auto
                                    | Toolchain::Path
                                    | Toolchain::Pinned { mode: Some(_), .. }
                            )
                        };
                        let repair = crate::util::repair_layers(
                            f,
                            "GOTOOLCHAIN",
                            &|v| !is_switching(v),
                            "auto",
                            false,
                        );
                        if tc_setting.source == Source::Environment {
                            details.push(format!("GOTOOLCHAIN={} comes from the GOTOOLCHAIN variable in your environment: it overrides the go env file, so `go env -w GOTOOLCHAIN=...` alone changes nothing", tc_setting.value));
                        }
                        fixes.push(repair.fix(
                            "version.allow-switch",
                            format!("Let the go command switch to the go{need} toolchain {name} asks for (GOTOOLCHAIN=auto: downloaded once, then cached)"),
                        ));
                        fixes.push(Fix::manual(
                            "version.upgrade-for-module",
                            format!("Or install go{need} (checked against the release index's SHA-256) and make it the go on PATH"),
                            vec![format!("gomedic toolchain install {need} --use")],
                        ));
                    }
                } else if lang_only && req >= GoVersion::parse("1.21").expect("valid") {
                    details.push(format!(
                        "note: `go {raw}` names a language version; Go toolchains older than {raw}.0 before 1.21.1 cannot select a toolchain for it. `go {}` is the portable spelling",
                        req.first_release()
                    ));
                }
            }
            if let (Some((raw, line)), Some(tv)) = (&m.toolchain, m.toolchain_version()) {
                details.push(format!("{name}:{line}: toolchain {raw}"));
                if tv > installed && switching {
                    details.push(format!("the go command will run {raw} for this module (toolchain line is newer than go{installed})"));
                }
            }
        }
    }

    let summary = if problems.is_empty() {
        format!("go{installed} meets the version policy")
    } else {
        problems.join("; ")
    };
    let mut r = CheckResult::new(status, summary)
        .with_details(details)
        .data("version", installed.to_string());
    for fx in fixes {
        r = r.fix(fx);
    }
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    r
}

fn unset_tc_fix(f: &Facts, src: &Source) -> Fix {
    let desc = "Return GOTOOLCHAIN to the default from $GOROOT/go.env";
    match src {
        Source::EnvFile { .. } => Fix::auto(
            "version.gotoolchain-reset",
            desc,
            vec!["go env -u GOTOOLCHAIN".into()],
            gomedic_core::FixAction::GoEnv {
                set: vec![],
                unset: vec!["GOTOOLCHAIN".into()],
            },
        ),
        _ if f.windows() => Fix::manual(
            "version.gotoolchain-reset",
            desc,
            crate::util::win_unset_env(f, "GOTOOLCHAIN"),
        ),
        _ => Fix::manual(
            "version.gotoolchain-reset",
            desc,
            vec!["unset GOTOOLCHAIN".into()],
        ),
    }
}

/// Where the module cache holds the go{need} toolchain for this host, if it does (the
/// go command then switches to it without downloading).
fn toolchain_cached(f: &Facts, need: &GoVersion) -> Option<String> {
    let modcache = f.setting("GOMODCACHE");
    let os = f.go_env_value("GOHOSTOS").filter(|v| !v.is_empty())?;
    let arch = f.go_env_value("GOHOSTARCH").filter(|v| !v.is_empty())?;
    if modcache.is_empty() {
        return None;
    }
    let dir = std::path::Path::new(&modcache)
        .join(format!("golang.org/toolchain@v0.0.1-go{need}.{os}-{arch}"));
    let go = dir
        .join("bin")
        .join(if f.windows() { "go.exe" } else { "go" });
    (f.file_kind(&go) == crate::facts::FileKind::File).then(|| dir.display().to_string())
}

/// A note when the version asked for is newer than every Go release line gomedic knows:
/// it may not exist, and then neither a download nor an install can provide it.
fn unreleased_note(f: &Facts, need: &GoVersion, name: &str, details: &mut Vec<String>) {
    let newest = &f.policy.newest_known_line;
    if (need.major, need.minor) > (newest.major, newest.minor) {
        details.push(format!(
            "go{need} is newer than the newest Go release line gomedic knows (go{}.{}): if it is not released yet, no download or install can provide it, and the go line of {name} is a mistake (`go mod edit -go=VERSION` with a released version fixes it)",
            newest.major, newest.minor
        ));
    }
}
