//! `go.env`: `go env -json` works and is complete, the go env file is well-formed, each
//! key setting's provenance, and the known traps.

use crate::codes::Code;
use crate::facts::{Facts, GoEnvError, UserEnvFile};
use crate::util::{excerpt, tail_lines};
use gomedic_core::text::{quoted, shown};
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use gomedic_goenv::goproxy::{ProxyEntry, SumDb};
use gomedic_goenv::keys::{EXPECTED_IN_GO_ENV_JSON, KEY_SETTINGS};
use gomedic_goenv::route::Severity;
use gomedic_goenv::settings::Source;
use serde_json::json;

pub fn check(f: &Facts) -> CheckResult {
    let mut status = Status::Ok;
    let mut notes: Vec<String> = Vec::new();
    let mut details: Vec<String> = Vec::new();
    let mut fixes: Vec<Fix> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    // Findings of sections 3 and 4: (status, stable code, message).
    let mut found: Vec<(Status, Code, String)> = Vec::new();

    // 1. go env -json
    match f.go_env() {
        None => {
            found.push((
                Status::Error,
                Code::GoenvNoGo,
                "no go binary, so `go env` cannot run".into(),
            ));
        }
        Some(fact) => match (&fact.run, &fact.parsed) {
            (_, Ok(map)) => {
                let missing: Vec<&str> = EXPECTED_IN_GO_ENV_JSON
                    .iter()
                    .copied()
                    .filter(|k| map.get(*k).is_none_or(|v| v.is_empty()))
                    .collect();
                if !missing.is_empty() {
                    found.push((
                        Status::Warn,
                        Code::GoenvIncomplete,
                        format!("`go env -json` reports no value for {}", missing.join(", ")),
                    ));
                }
            }
            (Ok(out), Err(why)) => {
                let code = match why {
                    GoEnvError::NotJson(_) => Code::GoenvNotJson,
                    _ => Code::GoenvFailed,
                };
                found.push((Status::Error, code, why.to_string()));
                if !out.success() {
                    details.extend(tail_lines(&out.stderr_str(), 8));
                } else {
                    details.push(format!(
                        "stdout: {}",
                        quoted(&excerpt(&out.stdout_str(), 200))
                    ));
                }
                if let Some(h) = gomedic_core::Hint::hint(why) {
                    details.push(format!("hint: {h}"));
                }
            }
            (Err(e), Err(_)) => {
                found.push((
                    Status::Error,
                    Code::GoenvDidNotRun,
                    format!("`go env -json` did not run: {}", failure_text(e)),
                ));
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
            found.push((
                Status::Error,
                Code::EnvfileUnreadable,
                format!("go env file {} cannot be read: {e}", p.display()),
            ));
            format!("go env file: {} (unreadable)", p.display())
        }
        UserEnvFile::Parsed(file) => {
            let mut bad = 0;
            for issue in &file.issues {
                bad += 1;
                details.push(format!(
                    "{}:{}: {}",
                    file.path.display(),
                    issue.line,
                    issue.message
                ));
            }
            if bad > 0 {
                let sev = if file.issues.iter().any(|i| i.severe) {
                    Status::Error
                } else {
                    Status::Warn
                };
                found.push((
                    sev,
                    Code::EnvfileBadLines,
                    format!(
                        "go env file has {}",
                        crate::util::count(bad, "problem line", "problem lines")
                    ),
                ));
                fixes.push(Fix::manual(
                    "goenv.edit",
                    format!("Fix or delete the listed lines in {} (each line is KEY=VALUE, as `go env -w` writes it)", file.path.display()),
                    vec![],
                ));
            }
            format!(
                "go env file: {} ({})",
                file.path.display(),
                crate::util::count(file.entries.len(), "setting", "settings")
            )
        }
    };
    notes.push(file_line);

    // 3. provenance of the key settings, and where go's own answer differs
    let snap = f.settings();
    let mut prov = serde_json::Map::new();
    for key in KEY_SETTINGS {
        let r = f.setting_of(key);
        let mut line = format!("{key}={}  ← {}", r.value, f.describe_source(key, &r));
        if r.raw.as_deref() == Some("") {
            line.push_str(" (an empty line there shadows $GOROOT/go.env)");
        }
        for o in &r.shadows {
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
        if let Some(mine) = &r.layers_disagree {
            found.push((
                Status::Warn,
                Code::SettingsGoDisagrees,
                format!("go reports {key}={}, but the environment and go env files say {}: something between them and go (a wrapper script, an alias, another GOENV) changes it", shown(&r.value), quoted(mine)),
            ));
        }
        prov.insert(
            key.to_string(),
            json!({ "value": r.value, "source": r.source, "overridden": r.shadows, "empty_in_environment": r.empty_in_environment, "go_reported": r.go_reported }),
        );
    }

    // 4. traps
    let val = |k: &str| snap.value(k).to_string();
    let unset_cmd = |k: &str, src: &Source| -> Vec<String> {
        match src {
            Source::Environment if f.windows() => crate::util::win_unset_env(f, k),
            Source::Environment => vec![format!(
                "unset {k}   # and remove it from your shell profile"
            )],
            Source::EnvFile { .. } => vec![format!("go env -u {k}")],
            _ => vec![],
        }
    };
    let goproxy = f.setting_of("GOPROXY");
    if goproxy.empty_in_environment {
        found.push((
            Status::Warn,
            Code::GoproxyEmptyInEnvironment,
            "GOPROXY is set but empty in the environment".into(),
        ));
        details.push("an empty GOPROXY is ignored by current go, but go 1.21.0 broke downloads on it (golang/go#61928) and scripts that pass it on behave differently; unset it instead".into());
        fixes.push(Fix::manual(
            "env.goproxy-empty",
            "Unset the empty GOPROXY variable",
            unset_cmd("GOPROXY", &Source::Environment),
        ));
    }
    for (key, code, consequence) in [
        ("GOPROXY", Code::GoproxyEmptyLine, "every module download fails with \"GOPROXY list is not the empty string, but contains no entries\""),
        ("GOSUMDB", Code::GosumdbEmptyLine, "every checksum lookup fails with \"missing GOSUMDB\""),
    ] {
        let s = f.setting_of(key);
        if let (Some(""), Source::EnvFile { line, .. }) = (s.raw.as_deref(), &s.source) {
            found.push((Status::Error, code, format!("{key}= (empty) on line {line} of the go env file shadows the default in $GOROOT/go.env: {consequence}")));
            fixes.push(Fix::auto(
                &format!("env.{}-empty-line", key.to_ascii_lowercase()),
                format!("Remove the empty {key} line so go uses its default again"),
                vec![format!("go env -u {key}")],
                FixAction::GoEnv {
                    set: vec![],
                    unset: vec![key.into()],
                },
            ));
        }
    }
    match &snap.goproxy {
        Err(e) if !val("GOPROXY").is_empty() => {
            found.push((Status::Error, Code::GoproxyInvalid, format!("GOPROXY is invalid ({e}): the go command fails every module download")));
        }
        Ok(list) if list.first() == Some(&ProxyEntry::Off) => {
            found.push((Status::Warn, Code::GoproxyOff, "GOPROXY=off: the go command cannot download any module".into()));
            details.push("with GOPROXY=off every module not already in the module cache fails with \"module lookup disabled by GOPROXY=off\"; for deliberately offline builds, vendor the dependencies (`go mod vendor`, then -mod=vendor) instead".into());
            let off_first = |v: &str| v.split([',', '|']).next().map(str::trim) == Some("off");
            fixes.push(
                crate::util::repair_layers(f, "GOPROXY", &off_first, "https://proxy.golang.org,direct", false)
                    .fix("env.goproxy-off", "Let the go command download modules again: remove GOPROXY=off so the default (https://proxy.golang.org,direct from $GOROOT/go.env) applies"),
            );
        }
        Ok(list) => {
            if list.iter().any(|e| matches!(e, ProxyEntry::Url { url, .. } if url.starts_with("http://") && !is_loopback_url(url))) {
                found.push((Status::Warn, Code::GoproxyPlainHttp, "GOPROXY uses plain http:// to a remote host: module downloads can be read and altered in transit".into()));
            }
        }
        Err(_) => {}
    }
    if let Err(e) = &snap.gosumdb {
        if !val("GOSUMDB").is_empty() {
            found.push((Status::Error, Code::GosumdbInvalid, format!("GOSUMDB is invalid ({e}): every download the checksum database should verify fails")));
        }
    }
    if let Some(e) = f.user_env_file().file().and_then(|file| file.get("GOROOT")) {
        found.push((Status::Error, Code::GorootInEnvFile, format!("GOROOT is set in the go env file (line {}): it overrides every go installation's own GOROOT", e.line)));
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
    let sumdb = f.setting_of("GOSUMDB");
    if matches!(snap.gosumdb, Ok(SumDb::Off)) {
        found.push((
            Status::Warn,
            Code::GosumdbOff,
            "GOSUMDB=off: checksum verification of downloaded modules is disabled".into(),
        ));
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
    let r = &snap.route;
    let mut everything_from_goprivate = false;
    for (key, p) in [
        ("GOPRIVATE", &r.goprivate),
        ("GONOSUMDB", &r.gonosumdb),
        ("GONOPROXY", &r.gonoproxy),
    ] {
        // Module paths of every shape: a list that matches them all matches everything.
        if ["example.com/x", "x.example/y/z", "golang.org/x/text"]
            .iter()
            .all(|m| p.matches(m))
        {
            // GONOSUMDB and GONOPROXY default to GOPRIVATE: one problem, said once.
            let derived =
                key != "GOPRIVATE" && matches!(f.setting_of(key).source, Source::Default { .. });
            if derived && everything_from_goprivate {
                continue;
            }
            everything_from_goprivate |= key == "GOPRIVATE";
            found.push((Status::Warn, Code::PatternsMatchEverything, format!("{key}={} matches every module: checksum verification (and the proxy) is skipped for all of them", p.value)));
        }
    }
    // GOPROXY, GOSUMDB and pattern list findings, exactly as the go being diagnosed reads
    // them (invalid and off are reported above).
    for d in r.diagnostics() {
        if matches!(
            d.code.as_str(),
            "goproxy.invalid" | "goproxy.off" | "gosumdb.invalid" | "gosumdb.off"
        ) {
            continue;
        }
        let Some(code) = Code::parse(&d.code) else {
            continue;
        };
        let st = match d.severity {
            Severity::Info => Status::Ok,
            Severity::Warning => Status::Warn,
            Severity::Error => Status::Error,
        };
        if st == Status::Ok {
            details.push(format!("note: {}", d.message));
        }
        found.push((st, code, d.message));
    }
    let goinsecure = val("GOINSECURE");
    if !goinsecure.is_empty() {
        found.push((Status::Warn, Code::GoinsecureSet, format!("GOINSECURE={goinsecure}: HTTPS certificate checks are skipped for those module paths")));
        details.push("note: GOPRIVATE does not skip TLS verification; it only bypasses the proxy and checksum database. If a corporate CA intercepts TLS, add its certificate to the system trust store (or SSL_CERT_FILE) instead of GOINSECURE".into());
    }
    let goflags_v = val("GOFLAGS");
    let words: Vec<String> = match &snap.goflags {
        Ok(w) => w.clone(),
        Err(e) => {
            found.push((Status::Error, Code::GoflagsUnparsable, format!("GOFLAGS={goflags_v:?} cannot be parsed ({e}): every go command fails with \"go: parsing $GOFLAGS\"")));
            Vec::new()
        }
    };
    // go get fails on -insecure set to anything but a false boolean (strconv.ParseBool).
    let is_insecure = |w: &str| {
        let w = w.strip_prefix('-').unwrap_or(w);
        let w = w.strip_prefix('-').unwrap_or(w);
        match w.strip_prefix("insecure") {
            Some("") => true,
            Some(v) => v
                .strip_prefix('=')
                .is_some_and(|b| !matches!(b, "0" | "f" | "F" | "false" | "FALSE" | "False")),
            None => false,
        }
    };
    if words.iter().any(|w| is_insecure(w)) {
        found.push((Status::Error, Code::GoflagsInsecure, "GOFLAGS contains -insecure: every `go get` fails with \"go: -insecure flag is no longer supported; use GOINSECURE instead\"".into()));
        details.push("`go get` rejects -insecure outright (removed in Go 1.17); go build, go mod download, go install and the rest ignore it. It never was a safe fix: use GOINSECURE for a specific private host only if it truly has no valid certificate".into());
        let src = f.setting_of("GOFLAGS").source;
        let kept: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .filter(|w| !is_insecure(w))
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
            Source::Environment if !kept.is_empty() => Fix::manual(
                "env.goflags-insecure",
                "Remove -insecure from GOFLAGS",
                if f.windows() {
                    vec![
                        crate::util::cmd_with_comment(
                            &format!("set \"GOFLAGS={}\"", kept.join(" ")),
                            "cmd: this terminal; change it where you set it",
                        ),
                        format!(
                            "$env:GOFLAGS = '{}'   # PowerShell: this terminal; change it where you set it",
                            kept.join(" ")
                        ),
                    ]
                } else { vec![
                    format!(
                        "export {}   # and change the line that sets GOFLAGS in your shell profile",
                        crate::util::shell_quote(&format!("GOFLAGS={}", kept.join(" ")), false)
                    )]
                },
            ),
            _ => Fix::manual(
                "env.goflags-insecure",
                "Remove -insecure from GOFLAGS",
                unset_cmd("GOFLAGS", &src),
            ),
        });
    }
    if snap.goflags.is_ok() {
        if let Some(why) = gomedic_goenv::rules::goflags_breakage(&goflags_v) {
            found.push((
                Status::Warn,
                Code::GoflagsNotFlags,
                format!(
                    "GOFLAGS={goflags_v:?} is rejected by every go command except `go env`: {why}"
                ),
            ));
        }
    }
    for (st, _, msg) in &found {
        if *st != Status::Ok {
            status = status.worst(*st);
            problems.push(msg.clone());
        }
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
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
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

pub(crate) fn failure_text(e: &gomedic_facts::os::exec::Failure) -> String {
    use gomedic_facts::os::exec::Failure::*;
    match e {
        NotFound { message } | PermissionDenied { message, .. } | SpawnFailed { message, .. } => {
            message.clone()
        }
        Timeout { after, .. } => format!("timed out after {}", crate::util::ms(*after)),
    }
}
