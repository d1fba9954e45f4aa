//! `go.dirs`: GOPATH, GOCACHE, GOMODCACHE and GOTMPDIR are usable.

use crate::codes::Code;
use crate::facts::Facts;
use crate::util::{human_bytes, same_dir, shell_quote};
use gomedic_core::{CheckResult, Fix, Status};
use gomedic_facts::os::fs::DirProbe;
use gomedic_goenv::settings::Source;
use serde_json::json;
use std::path::Path;
use std::path::PathBuf;

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
            if label == "GOTMPDIR" && !p.exists {
                // cmd/go's work dir is os.MkdirTemp(GOTMPDIR): it never creates GOTMPDIR
                // itself, so every build fails, on every OS.
                status = Status::Error;
                let msg = format!("GOTMPDIR {shown} does not exist: go does not create it, and every `go build`, `go test` and `go run` fails with \"go: creating work dir: ...\"");
                found.push((Status::Error, Code::GotmpdirMissing, msg.clone()));
                problems.push(msg);
            }
            line.push_str(if p.exists {
                "exists"
            } else if label == "GOTMPDIR" {
                "does NOT exist (go does not create GOTMPDIR)"
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
                found.push((
                    Status::Error,
                    Code::DiskNearlyFull,
                    format!("{msg} {shown}"),
                ));
                problems.push(msg);
            } else if free < f.policy.free_warn_bytes {
                status = status.worst(Status::Warn);
                let msg = format!(
                    "only {} free for {label} (warning below {})",
                    human_bytes(free),
                    human_bytes(f.policy.free_warn_bytes)
                );
                found.push((
                    Status::Warn,
                    Code::DiskLowSpace,
                    format!(
                        "only {} free for {label} {shown} (warning below {})",
                        human_bytes(free),
                        human_bytes(f.policy.free_warn_bytes)
                    ),
                ));
                problems.push(msg);
            }
        }
        details.push(line);
        data.push(json!({"name": label, "path": shown.to_string(), "exists": p.exists, "writable": p.writable.is_ok(), "free_bytes": p.free_bytes}));
    }
    let summary = if problems.is_empty() {
        format!(
            "{} usable",
            crate::util::count(dirs.len(), "directory", "directories")
        )
    } else {
        problems.join("; ")
    };
    let long = too_long(f);
    for (label, path, n) in &long {
        status = status.worst(Status::Warn);
        let msg = format!("{label} {path} is {n} characters long, over Windows' 259-character limit (MAX_PATH), and long paths are not enabled (LongPathsEnabled is not 1): files in it and programs go starts there can fail with \"The filename, directory name, or volume label syntax is incorrect\" (os error 123) or \"The filename or extension is too long\" (os error 206)");
        found.push((Status::Warn, Code::GodirTooLong, msg));
        problems.push(format!("{label} is {n} characters long (over MAX_PATH)"));
    }
    let summary = if problems.is_empty() {
        summary
    } else {
        problems.join("; ")
    };
    let mut r = CheckResult::new(status, summary)
        .with_details(details)
        .data("dirs", data);
    if !long.is_empty() {
        r = r
            .data(
                "too_long",
                long.iter()
                    .map(|(l, p, n)| json!({"name": l, "path": p, "length": n}))
                    .collect::<Vec<_>>(),
            )
            .fix(Fix::manual(
                "win.enable-long-paths",
                "Enable long paths (administrator; applies to programs that declare themselves long-path aware, as go does) or move the directory to a shorter path",
                vec![
                    crate::util::cmd_with_comment("reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Control\\FileSystem\" /v LongPathsEnabled /t REG_DWORD /d 1 /f", "cmd, as administrator"),
                    "New-ItemProperty -Path 'HKLM:\\SYSTEM\\CurrentControlSet\\Control\\FileSystem' -Name LongPathsEnabled -Value 1 -PropertyType DWord -Force   # PowerShell, as administrator".into(),
                ],
            ));
    }
    let mut fixed: Vec<&str> = Vec::new();
    for (label, p) in dirs {
        if label == "GOTMPDIR" && !p.exists && !p.not_a_dir {
            let path = p.path.display().to_string();
            let q = shell_quote(&path, f.windows());
            r = r.fix(Fix::manual(
                "dirs.create-gotmpdir",
                format!("Create GOTMPDIR {path} (go uses it but never creates it)"),
                if f.windows() {
                    vec![
                        crate::util::cmd_with_comment(&format!("mkdir {q}"), "cmd"),
                        format!("New-Item -ItemType Directory -Force -Path {q}   # PowerShell"),
                    ]
                } else {
                    vec![format!("mkdir -p {q}")]
                },
            ));
        }
        let broken = p.not_a_dir || p.writable.is_err() || (label == "GOTMPDIR" && !p.exists);
        // GOMODCACHE defaults to GOPATH/pkg/mod: moving a broken GOPATH moves it too.
        let follows_gopath = label == "GOMODCACHE"
            && matches!(f.setting_of("GOMODCACHE").source, Source::Default { .. })
            && fixed.contains(&"GOPATH");
        if broken && !fixed.contains(&label.as_str()) && !follows_gopath {
            fixed.push(label);
            for fx in not_writable_fixes(f, label, p) {
                r = r.fix(fx);
            }
        }
    }
    if found
        .iter()
        .any(|(_, c, _)| matches!(c, Code::DiskNearlyFull | Code::DiskLowSpace))
    {
        r = r.fix(Fix::manual(
            "dirs.free-space",
            "Free space: the build cache is safe to empty (go rebuilds what it needs), the module cache is downloaded again on demand",
            vec!["go clean -cache".into(), "go clean -modcache".into()],
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

/// Remedies for a Go directory that is not writable (or not a directory): give it back to
/// the user or make it writable when that is what is wrong, else move the setting to a
/// writable place, in the layer that sets it.
fn not_writable_fixes(f: &Facts, label: &str, p: &DirProbe) -> Vec<Fix> {
    let mut out = Vec::new();
    let path = p.path.display().to_string();
    let q = shell_quote(&path, f.windows());
    let own_dir = p.exists && !p.not_a_dir && p.probed.as_deref() == Some(p.path.as_path());
    if own_dir && !p.read_only_fs && !f.windows() {
        match (p.owner_uid, p.process_uid) {
            (Some(owner), Some(me)) if owner != me && me != 0 => out.push(Fix::manual(
                &format!("dirs.chown-{}", label.to_ascii_lowercase()),
                format!("{label} {path} belongs to uid {owner}, not you (uid {me}): a `sudo go ...` leaves it so; give it back"),
                vec![format!("sudo chown -R \"$(id -u):$(id -g)\" {q}")],
            )),
            (Some(owner), Some(me)) if owner == me && me != 0 => out.push(Fix::manual(
                &format!("dirs.chmod-{}", label.to_ascii_lowercase()),
                format!("{label} {path} is yours but read-only: make it writable"),
                vec![format!("chmod -R u+w {q}")],
            )),
            _ => {}
        }
    }
    // Elsewhere: where go would put it by default, if that is writable, else a temporary
    // directory (fine for caches; go fills them again).
    let default = default_dir(f, label);
    let setting = f.setting_of(label);
    let set_here = !matches!(
        setting.source,
        Source::Default { .. } | Source::GorootGoEnv { .. }
    );
    let usable = |d: &Path| {
        let probe = f.probe_dir(d);
        probe.writable.is_ok() && !probe.not_a_dir
    };
    let target = match &default {
        Some(d) if set_here && !same_dir(f, d, &p.path) && usable(d) => None,
        _ => {
            let tmp = f
                .getenv(if f.windows() { "TEMP" } else { "TMPDIR" })
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| {
                    if f.windows() {
                        "C:\\Windows\\Temp".into()
                    } else {
                        "/tmp".into()
                    }
                });
            let name = match label {
                "GOCACHE" => "go-build",
                "GOMODCACHE" => "go-mod",
                "GOTMPDIR" => "go-tmp",
                _ => "go",
            };
            let t = Path::new(&tmp).join(name);
            if usable(&t) {
                Some(t)
            } else {
                return out;
            }
        }
    };
    let or = if out.is_empty() { "" } else { "Or " };
    let desc = match (&target, &default) {
        (None, Some(d)) => format!(
            "{or}{} setting {label}, so go uses its default {} (writable)",
            if or.is_empty() { "Stop" } else { "stop" },
            d.display()
        ),
        (Some(t), _) => format!(
            "{or}{} {label} at a writable directory, {}",
            if or.is_empty() { "Point" } else { "point" },
            t.display()
        ),
        (None, None) => return out,
    };
    let id = format!("dirs.relocate-{}", label.to_ascii_lowercase());
    let id = id.as_str();
    let fx = match (&target, setting.source) {
        (None, _) => {
            crate::util::repair_layers(f, label, &|v| same_dir(f, Path::new(v), &p.path), "", true)
                .fix(id, desc)
        }
        (Some(t), Source::Environment) => {
            let raw = t.display().to_string();
            let t = shell_quote(&raw, f.windows());
            Fix::manual(
                id,
                desc,
                if f.windows() {
                    vec![
                        crate::util::cmd_with_comment(&format!("set \"{label}={raw}\""), "cmd: this terminal; change it where you set it (System Properties, Environment Variables)"),
                        format!("$env:{label} = {t}   # PowerShell: this terminal; change it where you set it"),
                    ]
                } else {
                    vec![format!("export {label}={t}   # and change the line that sets {label} in your shell profile")]
                },
            )
        }
        (Some(t), _) => {
            let v = t.display().to_string();
            Fix::auto(
                id,
                desc,
                vec![format!(
                    "go env -w {}",
                    shell_quote(&format!("{label}={v}"), f.windows())
                )],
                gomedic_core::FixAction::GoEnv {
                    set: vec![(label.to_string(), v)],
                    unset: vec![],
                },
            )
        }
    };
    out.push(fx);
    out
}

/// Where go puts `label` when nothing sets it.
fn default_dir(f: &Facts, label: &str) -> Option<PathBuf> {
    let home = f
        .getenv(if f.windows() { "USERPROFILE" } else { "HOME" })
        .filter(|h| !h.is_empty());
    match label {
        "GOPATH" => home.map(|h| Path::new(&h).join("go")),
        "GOMODCACHE" => {
            let sep = if f.windows() { ';' } else { ':' };
            let gp = f.setting("GOPATH");
            gp.split(sep)
                .find(|p| !p.is_empty())
                .map(|p| Path::new(p).join("pkg").join("mod"))
        }
        "GOCACHE" => {
            let base = if f.windows() {
                f.getenv("LocalAppData").map(PathBuf::from)
            } else if f.os == "macos" {
                home.map(|h| Path::new(&h).join("Library/Caches"))
            } else {
                f.getenv("XDG_CACHE_HOME")
                    .filter(|x| x.starts_with('/'))
                    .map(PathBuf::from)
                    .or_else(|| home.map(|h| Path::new(&h).join(".cache")))
            };
            base.map(|b| b.join("go-build"))
        }
        // Unset, go works in the system temp directory (os.TempDir), which exists.
        "GOTMPDIR" => {
            let keys: &[&str] = if f.windows() {
                &["TMP", "TEMP", "USERPROFILE"]
            } else {
                &["TMPDIR"]
            };
            keys.iter()
                .find_map(|k| f.getenv(k).filter(|v| !v.is_empty()))
                .map(PathBuf::from)
                .or_else(|| {
                    Some(PathBuf::from(if f.windows() {
                        // GetTempPath's last resort: the Windows directory.
                        f.getenv("SystemRoot")
                            .unwrap_or_else(|| "C:\\Windows".into())
                    } else {
                        "/tmp".into()
                    }))
                })
        }
        _ => None,
    }
}

/// Go's directories longer than MAX_PATH allows when long paths are off (Windows only):
/// (label, path, length in UTF-16 units, as Windows counts).
fn too_long(f: &Facts) -> Vec<(String, String, usize)> {
    // MAX_PATH is 260 UTF-16 units including the terminating NUL.
    const MAX: usize = 259;
    if !f.windows() || f.long_paths_enabled() == Ok(true) {
        return vec![];
    }
    let sep = ';';
    let mut cands: Vec<(String, String)> = Vec::new();
    if let Some(root) = f.goroot() {
        cands.push(("GOROOT".into(), root.display().to_string()));
    }
    for p in f.setting("GOPATH").split(sep).filter(|p| !p.is_empty()) {
        cands.push(("GOPATH".into(), p.to_string()));
    }
    for key in ["GOMODCACHE", "GOCACHE", "GOTMPDIR", "GOBIN"] {
        let v = f.setting(key);
        let off = key == "GOCACHE" && v == "off";
        if !v.is_empty() && !off {
            cands.push((key.into(), v.to_string()));
        }
    }
    cands
        .into_iter()
        .filter_map(|(l, p)| {
            // `\\?\\` paths opt out of MAX_PATH.
            let n = p.encode_utf16().count();
            (n > MAX && !p.starts_with("\\\\?\\")).then_some((l, p, n))
        })
        .collect()
}
