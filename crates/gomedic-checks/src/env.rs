//! `go.env`: `go env -json` works and is complete, the go env file is well-formed, each
//! key setting's provenance, and the known traps.

use crate::facts::{Facts, UserEnvFile};
use crate::util::{excerpt, tail_lines};
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use gomedic_goenv::keys::{EXPECTED_IN_GO_ENV_JSON, KEY_SETTINGS};
use gomedic_goenv::settings::Source;
use serde_json::json;

pub fn check(f: &Facts) -> CheckResult {
    let mut status = Status::Ok;
    let mut notes: Vec<String> = Vec::new();
    let mut details: Vec<String> = Vec::new();
    let mut fixes: Vec<Fix> = Vec::new();
    let mut problems: Vec<String> = Vec::new();

    // 1. go env -json
    match f.go_env() {
        None => {
            status = Status::Error;
            problems.push("no go binary, so `go env` cannot run".into());
        }
        Some(fact) => match (&fact.run, &fact.parsed) {
            (_, Ok(map)) => {
                let missing: Vec<&str> = EXPECTED_IN_GO_ENV_JSON
                    .iter()
                    .copied()
                    .filter(|k| map.get(*k).is_none_or(|v| v.is_empty()))
                    .collect();
                if !missing.is_empty() {
                    status = status.worst(Status::Warn);
                    problems.push(format!(
                        "`go env -json` reports no value for {}",
                        missing.join(", ")
                    ));
                }
            }
            (Ok(out), Err(why)) => {
                status = Status::Error;
                problems.push(why.clone());
                if !out.success() {
                    details.extend(tail_lines(&out.stderr_str(), 8));
                } else {
                    details.push(format!("stdout: {:?}", excerpt(&out.stdout_str(), 200)));
                }
            }
            (Err(e), Err(_)) => {
                status = Status::Error;
                problems.push(format!("`go env -json` did not run: {}", failure_text(e)));
            }
        },
    }

    // 2. the go env file
    let file_line = match f.user_env_file() {
        UserEnvFile::NoLocation(why) => format!("go env file: none ({why})"),
        UserEnvFile::Missing(p) => format!(
            "go env file: {} (does not exist: nothing set with `go env -w`)",
            p.display()
        ),
        UserEnvFile::Unreadable(p, e) => {
            status = Status::Error;
            problems.push(format!("go env file {} cannot be read: {e}", p.display()));
            format!("go env file: {} (unreadable)", p.display())
        }
        UserEnvFile::Parsed(file) => {
            let mut bad = 0;
            for issue in &file.issues {
                status = status.worst(if issue.severe {
                    Status::Error
                } else {
                    Status::Warn
                });
                bad += 1;
                details.push(format!(
                    "{}:{}: {}",
                    file.path.display(),
                    issue.line,
                    issue.message
                ));
            }
            if bad > 0 {
                problems.push(format!("go env file has {bad} problem line(s)"));
                fixes.push(Fix::manual(
                    "goenv.edit",
                    format!("Fix or delete the listed lines in {} (each line is KEY=VALUE, as `go env -w` writes it)", file.path.display()),
                    vec![],
                ));
            }
            format!(
                "go env file: {} ({} settings)",
                file.path.display(),
                file.entries.len()
            )
        }
    };
    notes.push(file_line);

    // 3. provenance of the key settings
    let mut prov = serde_json::Map::new();
    for key in KEY_SETTINGS {
        let r = f.resolve(key);
        let reported = f.go_env_value(key);
        let value = match (key, reported) {
            // gomedic runs go with GOTOOLCHAIN=local; the user's value is the resolved one.
            (&"GOTOOLCHAIN", _) | (_, None) => r.value.clone(),
            (_, Some(v)) => v.to_string(),
        };
        let mut line = format!("{key}={value}  ← {}", r.source.describe());
        for o in &r.overridden {
            line.push_str(&format!(
                "; overrides {}={} from {}",
                key,
                o.value,
                o.source.describe()
            ));
        }
        if r.empty_in_environment {
            line.push_str("; set but empty in the environment (ignored)");
        }
        notes.push(line);
        prov.insert(
            key.to_string(),
            json!({ "value": value, "source": r.source, "overridden": r.overridden, "empty_in_environment": r.empty_in_environment }),
        );
    }

    // 4. traps
    let val = |k: &str| f.setting(k);
    let unset_cmd = |k: &str, src: &Source| -> Vec<String> {
        match src {
            Source::Environment => vec![if f.windows() {
                format!("Remove-Item Env:{k}   # and remove it from the user/system environment")
            } else {
                format!("unset {k}   # and remove it from your shell profile")
            }],
            Source::EnvFile { .. } => vec![format!("go env -u {k}")],
            _ => vec![],
        }
    };
    let goproxy = f.resolve("GOPROXY");
    if goproxy.empty_in_environment {
        status = status.worst(Status::Warn);
        problems.push("GOPROXY is set but empty in the environment".into());
        details.push("an empty GOPROXY is ignored by current go, but go 1.21.0 broke downloads on it (golang/go#61928) and scripts that pass it on behave differently; unset it instead".into());
        fixes.push(Fix::manual(
            "env.goproxy-empty",
            "Unset the empty GOPROXY variable",
            unset_cmd("GOPROXY", &Source::Environment),
        ));
    }
    let proxy_v = val("GOPROXY");
    if proxy_v.trim() == "off" {
        status = status.worst(Status::Warn);
        problems.push("GOPROXY=off: the go command cannot download any module".into());
    }
    if proxy_v
        .split([',', '|'])
        .any(|p| p.trim().starts_with("http://") && !is_loopback_url(p.trim()))
    {
        status = status.worst(Status::Warn);
        problems.push("GOPROXY uses plain http:// to a remote host: module downloads can be read and altered in transit".into());
    }
    if let Some(e) = f.user_env_file().file().and_then(|file| file.get("GOROOT")) {
        status = Status::Error;
        problems.push(format!("GOROOT is set in the go env file (line {}): it overrides every go installation's own GOROOT", e.line));
        details.push("a wrong GOROOT here breaks every go command, including `go env` itself (golang/go#79648); Go finds its own GOROOT from the binary's location".into());
        fixes.push(Fix::auto(
            "env.goroot-file",
            "Remove GOROOT from the go env file",
            vec!["go env -u GOROOT".into()],
            FixAction::GoEnv {
                set: vec![],
                unset: vec!["GOROOT".into()],
            },
        ));
    }
    let sumdb = f.resolve("GOSUMDB");
    if val("GOSUMDB").trim() == "off" {
        status = status.worst(Status::Warn);
        problems
            .push("GOSUMDB=off: checksum verification of downloaded modules is disabled".into());
        details.push("without the checksum database a compromised proxy or network can serve altered module code unnoticed. For private modules set GOPRIVATE (or GONOSUMDB) to their path patterns instead; if sum.golang.org is unreachable, use a mirror such as sum.golang.google.cn or your proxy's /sumdb/ endpoint".into());
        let mut cmds = unset_cmd("GOSUMDB", &sumdb.source);
        cmds.push("go env -w GOPRIVATE=*.corp.example.com   # your private module paths".into());
        let desc = "Turn checksum verification back on and exempt only private modules";
        fixes.push(match sumdb.source {
            // Only the go env file is gomedic's to change; the environment is the user's shell.
            Source::EnvFile { .. } => Fix::auto(
                "env.gosumdb-off",
                desc,
                cmds,
                FixAction::GoEnv {
                    set: vec![],
                    unset: vec!["GOSUMDB".into()],
                },
            ),
            _ => Fix::manual("env.gosumdb-off", desc, cmds),
        });
    }
    for key in ["GONOSUMDB", "GOPRIVATE", "GONOPROXY"] {
        let v = val(key);
        if v.split(',')
            .any(|p| matches!(p.trim(), "*" | "*/*" | "*.*"))
        {
            status = status.worst(Status::Warn);
            problems.push(format!("{key}={v} matches every module: checksum verification (and the proxy) is skipped for all of them"));
        }
    }
    let goinsecure = val("GOINSECURE");
    if !goinsecure.trim().is_empty() {
        status = status.worst(Status::Warn);
        problems.push(format!(
            "GOINSECURE={goinsecure}: HTTPS certificate checks are skipped for those module paths"
        ));
        details.push("note: GOPRIVATE does not skip TLS verification; it only bypasses the proxy and checksum database. If a corporate CA intercepts TLS, add its certificate to the system trust store (or SSL_CERT_FILE) instead of GOINSECURE".into());
    }
    let goflags = val("GOFLAGS");
    if goflags
        .split_whitespace()
        .any(|w| w == "-insecure" || w.starts_with("-insecure="))
    {
        status = status.worst(Status::Warn);
        problems.push("GOFLAGS contains -insecure".into());
        details.push("-insecure was removed from the go command (Go 1.17) and is ignored for most commands; it never was a safe fix. Use GOINSECURE for a specific private host only if it truly has no valid certificate".into());
        let src = f.resolve("GOFLAGS").source;
        let kept: Vec<&str> = goflags
            .split_whitespace()
            .filter(|w| *w != "-insecure" && !w.starts_with("-insecure="))
            .collect();
        fixes.push(match src {
            Source::EnvFile { .. } => {
                let action = if kept.is_empty() {
                    FixAction::GoEnv {
                        set: vec![],
                        unset: vec!["GOFLAGS".into()],
                    }
                } else {
                    FixAction::GoEnv {
                        set: vec![("GOFLAGS".into(), kept.join(" "))],
                        unset: vec![],
                    }
                };
                let cmd = if kept.is_empty() {
                    "go env -u GOFLAGS".to_string()
                } else {
                    format!(
                        "go env -w {}",
                        crate::util::shell_quote(
                            &format!("GOFLAGS={}", kept.join(" ")),
                            f.windows()
                        )
                    )
                };
                Fix::auto(
                    "env.goflags-insecure",
                    "Remove -insecure from GOFLAGS",
                    vec![cmd],
                    action,
                )
            }
            _ => Fix::manual(
                "env.goflags-insecure",
                "Remove -insecure from GOFLAGS",
                unset_cmd("GOFLAGS", &src),
            ),
        });
    }
    if let Some(why) = gomedic_goenv::rules::goflags_breakage(&goflags) {
        status = status.worst(Status::Warn);
        problems.push(format!(
            "GOFLAGS={goflags:?} is rejected by every go command except `go env`: {why}"
        ));
    }

    // 5. assemble
    let summary = if problems.is_empty() {
        match f.go_env() {
            Some(_) => "go env is complete; settings and their sources listed".to_string(),
            None => "go env unavailable".to_string(),
        }
    } else {
        problems.join("; ")
    };
    let mut r = CheckResult::new(status, summary);
    r.details.extend(details);
    r.details.extend(notes);
    for fx in fixes {
        r = r.fix(fx);
    }
    r.data("settings", serde_json::Value::Object(prov))
        .data("go_env_file", file_path(f))
}

fn file_path(f: &Facts) -> serde_json::Value {
    match f.user_env_file() {
        UserEnvFile::NoLocation(_) => serde_json::Value::Null,
        UserEnvFile::Missing(p) | UserEnvFile::Unreadable(p, _) => json!(p.display().to_string()),
        UserEnvFile::Parsed(file) => json!(file.path.display().to_string()),
    }
}

fn is_loopback_url(u: &str) -> bool {
    let host = u
        .trim_start_matches("http://")
        .split(['/', ':'])
        .next()
        .unwrap_or("");
    host == "localhost" || host.starts_with("127.") || host == "[::1]"
}

pub(crate) fn failure_text(e: &gomedic_sys::exec::Failure) -> String {
    use gomedic_sys::exec::Failure::*;
    match e {
        NotFound { message } | PermissionDenied { message, .. } | SpawnFailed { message, .. } => {
            message.clone()
        }
        Timeout { after, .. } => format!("timed out after {}", crate::util::ms(*after)),
    }
}
