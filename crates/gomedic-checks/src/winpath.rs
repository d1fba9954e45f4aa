//! `win.path`: the user and machine PATH as stored in the registry, and a repaired user
//! PATH (`fix win.path-repair`) that keeps %VARS% unexpanded and never truncates; the
//! machine PATH (`fix win.path-repair --machine`, elevated) when it shadows the user's Go.

use crate::codes::Code;
use crate::facts::{Facts, FileKind};
use crate::util::win_key as key;
use gomedic_core::text::quoted;
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use gomedic_facts::os::registry::{RegValue, Scope, REG_EXPAND_SZ, REG_SZ};
use std::path::Path;

/// `%NAME%` expanded from the process environment (unknown names stay as they are).
pub fn expand(s: &str, f: &Facts) -> String {
    f.expand_vars(s)
}

/// Windows takes quotes in a PATH entry literally, so `"C:\Program Files\Go\bin"` names
/// no folder. Folder names cannot contain `"`: dropping every quote is the entry meant.
pub fn unquote(e: &str) -> String {
    e.replace('"', "")
}

fn is_quoted(e: &str) -> bool {
    e.contains('"')
}

fn has_var(s: &str) -> bool {
    // At least one `%NAME%` with a non-empty name.
    let mut parts = s.split('%');
    parts.next();
    matches!((parts.next(), parts.next()), (Some(name), Some(_)) if !name.is_empty())
}

fn entries(v: &RegValue) -> Vec<String> {
    v.data
        .split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .map(str::to_string)
        .collect()
}

/// The repaired user PATH, or `None` when nothing needs repair.
pub fn repair(
    user: Option<&RegValue>,
    machine: Option<&RegValue>,
    need: &[String],
    f: &Facts,
) -> Option<RegValue> {
    let machine_keys: Vec<String> = machine
        .map(entries)
        .unwrap_or_default()
        .iter()
        // A quoted machine entry provides nothing: the user's unquoted one stays.
        .map(|e| key(&expand(e, f)))
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for e in user.map(entries).unwrap_or_default() {
        let e = unquote(&e);
        let k = key(&expand(&e, f));
        if e.trim().is_empty() || seen.contains(&k) || machine_keys.contains(&k) {
            continue;
        }
        seen.push(k);
        out.push(e);
    }
    for n in need {
        let k = key(&expand(n, f));
        if !seen.contains(&k) && !machine_keys.contains(&k) {
            seen.push(k);
            out.push(n.clone());
        }
    }
    let data = out.join(";");
    let kind = if out.iter().any(|e| has_var(e)) {
        REG_EXPAND_SZ
    } else {
        user.map(|u| u.kind).unwrap_or(REG_EXPAND_SZ)
    };
    let new = RegValue { kind, data };
    if user == Some(&new) || (user.is_none() && new.data.is_empty()) {
        None
    } else {
        Some(new)
    }
}

/// The bin directories Go users need on PATH, in the form to write (with %USERPROFILE%
/// when it is the default location).
fn needed(f: &Facts) -> Vec<String> {
    let mut v = Vec::new();
    let profile = f.getenv("USERPROFILE").unwrap_or_default();
    let bin = {
        let gobin = f.setting_of("GOBIN");
        if matches!(
            gobin.source,
            gomedic_goenv::settings::Source::Default { .. }
        ) {
            let gopath = f.setting("GOPATH");
            gopath
                .split(';')
                .find(|p| !p.is_empty())
                .map(|p| format!("{}\\bin", p.trim_end_matches('\\')))
        } else {
            Some(gobin.value)
        }
    };
    if let Some(b) = bin {
        let def = format!("{}\\go\\bin", profile.trim_end_matches('\\'));
        v.push(if !profile.is_empty() && key(&b) == key(&def) {
            "%USERPROFILE%\\go\\bin".to_string()
        } else {
            b
        });
    }
    if let Ok(dir) = go_dir(f) {
        v.push(dir);
    }
    v
}

/// The folder of the go binary that works (the one `go.binary` found and that answered),
/// as the folder to keep on PATH; `Err` says why no folder is proposed. Never GOROOT\bin
/// from the GOROOT setting: a GOROOT left behind by an old installer names a stale Go.
pub fn go_dir(f: &Facts) -> Result<String, String> {
    let bin = f
        .go_binary()
        .ok_or_else(|| "no go binary (see go.binary)".to_string())?;
    let running = f
        .running_version()
        .ok_or_else(|| format!("{} does not run (see go.runs)", bin.path.display()))?;
    let full = bin.path.display().to_string();
    let shown = win_parent(&unquote(&full))
        .map(|d| d.trim_end_matches(['\\', '/']).to_string())
        .filter(|d| !d.is_empty())
        .ok_or_else(|| format!("{full} has no folder"))?;
    if let Some(v) = dir_version(f, Path::new(&shown)) {
        if v < running {
            return Err(format!(
                "{shown} holds go {v}, older than the go in use ({running})"
            ));
        }
    }
    Ok(shown)
}

/// The folder part of a Windows path (either separator; `Path::parent` knows only the
/// host's when checks are evaluated elsewhere).
fn win_parent(p: &str) -> Option<&str> {
    let p = p.trim_end_matches(['\\', '/']);
    p.rfind(['\\', '/']).map(|i| &p[..i])
}

/// The Go release whose go.exe is in `dir` (from `dir\..\VERSION`).
fn dir_version(f: &Facts, dir: &Path) -> Option<gomedic_goenv::GoVersion> {
    let d = dir.display().to_string();
    let root = win_parent(&d)?;
    let sep = if root.contains('\\') { '\\' } else { '/' };
    let data = f
        .read_file(Path::new(&format!("{root}{sep}VERSION")))
        .ok()?;
    let text = String::from_utf8_lossy(&data);
    let first = text.lines().next()?.trim().to_string();
    gomedic_goenv::GoVersion::parse_toolchain(&first)
}

/// Why the GOROOT setting's bin folder is not proposed, when it differs from the working
/// go's folder (the GOROOT `go.root` rejects, or an older Go).
fn refused_goroot_bin(f: &Facts, chosen: Option<&str>) -> Option<String> {
    let root = f.goroot()?;
    let bin = format!("{}\\bin", root.display().to_string().trim_end_matches('\\'));
    if chosen.is_some_and(|c| key(c) == key(&bin)) {
        return None;
    }
    let own = f.go_binary().and_then(|b| b.goroot.clone());
    let mut why = Vec::new();
    if let (Some(v), Some(r)) = (dir_version(f, Path::new(&bin)), f.running_version()) {
        if v < r {
            why.push(format!("it holds go {v}, older than the go in use ({r})"));
        }
    }
    why.push(match own {
        Some(o) => format!(
            "GOROOT {} is not the go binary's own installation {} (see go.root)",
            root.display(),
            o.display()
        ),
        None => format!(
            "GOROOT {} is not the go binary's installation (see go.root)",
            root.display()
        ),
    });
    let why = why.join("; ");
    Some(format!("not adding {bin}: {why}"))
}

/// The repaired machine PATH when a Go folder in it shadows the user's Go: that folder
/// dropped, quoted entries unquoted in place, type kept (`None` when nothing changes).
pub fn repair_machine(machine: &RegValue, drop: &[String], f: &Facts) -> Option<RegValue> {
    let drop: Vec<String> = drop.iter().map(|d| key(&expand(d, f))).collect();
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for e in entries(machine) {
        let e = unquote(&e);
        let k = key(&expand(&e, f));
        if e.trim().is_empty() || seen.contains(&k) || drop.contains(&k) {
            continue;
        }
        seen.push(k);
        out.push(e);
    }
    let new = RegValue {
        kind: if out.iter().any(|e| has_var(e)) {
            REG_EXPAND_SZ
        } else {
            machine.kind
        },
        data: out.join(";"),
    };
    (new != *machine).then_some(new)
}

/// `%VAR%` kept literal when typed at a cmd prompt (`%^VAR%` names no variable, so cmd
/// leaves it, then drops the caret).
fn cmd_literal(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('%') {
            Some(j) if j > 0 => {
                out.push_str("%^");
                out.push_str(&after[..j]);
                out.push('%');
                rest = &after[j + 1..];
            }
            _ => {
                out.push('%');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The commands that write `v` as the user or machine PATH, in cmd and PowerShell form
/// (the machine's from an elevated terminal).
pub fn path_commands(scope: Scope, v: &RegValue) -> Vec<String> {
    let key = scope.key();
    let ps_key = key
        .replacen("HKLM\\", "HKLM:\\", 1)
        .replacen("HKCU\\", "HKCU:\\", 1);
    let (reg_type, ps_type) = if v.kind == REG_SZ {
        ("REG_SZ", "String")
    } else {
        ("REG_EXPAND_SZ", "ExpandString")
    };
    let (gomedic, how) = match scope {
        Scope::Machine => (
            "gomedic fix win.path-repair --machine   # in an elevated (administrator) terminal; undoable",
            ", elevated (administrator)",
        ),
        Scope::User => ("gomedic fix win.path-repair   # undoable", ""),
    };
    let key_arg = if key.contains(' ') {
        format!("\"{key}\"")
    } else {
        key.to_string()
    };
    let ps_key_arg = if ps_key.contains(' ') {
        format!("'{ps_key}'")
    } else {
        ps_key
    };
    vec![
        gomedic.into(),
        crate::util::cmd_with_comment(
            &format!(
                "reg add {key_arg} /v Path /t {reg_type} /d \"{}\" /f",
                cmd_literal(&v.data)
            ),
            &format!("cmd{how}"),
        ),
        format!(
            "Set-ItemProperty -Path {ps_key_arg} -Name Path -Type {ps_type} -Value '{}'   # PowerShell{how}",
            v.data.replace('\'', "''")
        ),
    ]
}

pub fn check(f: &Facts) -> CheckResult {
    if !f.windows() {
        return CheckResult::skipped("Windows only");
    }
    let (user, machine) = match f.registry_paths() {
        Ok(x) => x,
        Err(e) => {
            let msg = format!("cannot read PATH from the registry: {e}");
            return CheckResult::failed(msg.clone()).finding(
                Code::WinpathUnreadable,
                Status::Failed,
                msg,
            );
        }
    };
    let mut status = Status::Ok;
    let mut problems = Vec::new();
    // Every problem also as a finding: (status, stable code, message).
    let mut found: Vec<(Status, Code, String)> = Vec::new();
    let mut details = Vec::new();
    for (scope, v) in [(Scope::User, user), (Scope::Machine, machine)] {
        match v {
            None => details.push(format!("{}: not set", scope.spec())),
            Some(v) => details.push(format!(
                "{}: {}, {}, {}",
                scope.spec(),
                v.kind_name(),
                crate::util::count(v.data.chars().count(), "character", "characters"),
                crate::util::count(entries(v).len(), "entry", "entries")
            )),
        }
    }
    if let Some(u) = user {
        if u.data.chars().count() == 1024 {
            status = Status::Error;
            let last = entries(u).last().cloned().unwrap_or_default();
            let msg = format!("the user PATH is exactly 1024 characters: the signature of `setx` truncation (the last entry {} is probably cut off)", quoted(&last));
            found.push((Status::Error, Code::WinpathSetxTruncated, msg.clone()));
            problems.push(msg);
            details.push("never use `setx PATH \"%PATH%;...\"`: it truncates at 1024 characters and copies the machine PATH into the user PATH".into());
        }
        if u.kind == REG_SZ && entries(u).iter().any(|e| has_var(e)) {
            status = status.worst(Status::Warn);
            let msg =
                "the user PATH is REG_SZ but contains %VARIABLES%, which REG_SZ never expands";
            found.push((Status::Warn, Code::WinpathRegSzVariables, msg.into()));
            problems.push(msg.into());
        }
    }
    let mut missing = Vec::new();
    let mut quoted_entries = Vec::new();
    for (scope, v) in [(Scope::User, user), (Scope::Machine, machine)] {
        for e in v.map(entries).unwrap_or_default() {
            let x = expand(&e, f);
            if f.file_kind(Path::new(&x)) == FileKind::Dir {
                continue;
            }
            if is_quoted(&e) && f.file_kind(Path::new(&unquote(&x))) == FileKind::Dir {
                quoted_entries.push((scope, e));
            } else {
                missing.push(e);
            }
        }
    }
    if !quoted_entries.is_empty() {
        status = status.worst(Status::Warn);
        let list: Vec<String> = quoted_entries
            .iter()
            .map(|(scope, e)| {
                format!(
                    "{e} ({})",
                    if *scope == Scope::User {
                        "user"
                    } else {
                        "machine"
                    }
                )
            })
            .collect();
        let msg = format!(
            "{} in quotes, which Windows keeps literally: programs started from a new terminal do not search {}",
            if list.len() == 1 { format!("the PATH entry {} is", list[0]) } else { format!("the PATH entries {} are", list.join(", ")) },
            if list.len() == 1 { "it" } else { "them" }
        );
        found.push((Status::Warn, Code::WinpathQuotedEntry, msg.clone()));
        problems.push(msg);
        details.push("PATH entries need no quotes, even with spaces (C:\\Program Files\\Go\\bin); the repair removes the quotes in place".into());
    }
    if !missing.is_empty() {
        status = status.worst(Status::Warn);
        let msg = if missing.len() == 1 {
            "1 PATH entry does not exist".to_string()
        } else {
            format!("{} PATH entries do not exist", missing.len())
        };
        found.push((
            Status::Warn,
            Code::WinpathMissingEntries,
            format!("{msg}: {}", missing.join("; ")),
        ));
        problems.push(msg);
        details.extend(missing.iter().take(15).map(|m| format!("missing: {m}")));
    }
    // Machine PATH comes first at logon: a Go there shadows a user-installed Go.
    let go_in = |v: Option<&RegValue>| {
        v.map(entries)
            .unwrap_or_default()
            .into_iter()
            .find(|e| f.file_kind(&Path::new(&expand(e, f)).join("go.exe")) == FileKind::File)
    };
    let mut machine_drop = Vec::new();
    if let (Some(m), Some(u)) = (go_in(machine), go_in(user)) {
        if key(&expand(&m, f)) != key(&expand(&u, f)) {
            status = status.worst(Status::Warn);
            let msg = format!("the machine PATH's Go ({m}) shadows your user Go ({u}): the machine PATH comes first");
            found.push((Status::Warn, Code::WinpathMachineGoShadowsUser, msg.clone()));
            problems.push(msg);
            let (mv, uv) = (
                dir_version(f, Path::new(&expand(&m, f))),
                dir_version(f, Path::new(&expand(&u, f))),
            );
            match (mv, uv) {
                (Some(mv), Some(uv)) if uv < mv => details.push(format!(
                    "the machine PATH's Go is the newer one (go {mv}; yours is go {uv}): gomedic does not remove it; remove {u} from your PATH or update it"
                )),
                _ => machine_drop.push(m),
            }
        }
    }
    let need = needed(f);
    let chosen = go_dir(f);
    if let Err(why) = &chosen {
        details.push(format!("no Go folder proposed for PATH: {why}"));
    }
    if let Some(why) = refused_goroot_bin(f, chosen.as_deref().ok()) {
        details.push(why);
    }
    let all: Vec<String> = [user, machine]
        .into_iter()
        .flatten()
        .flat_map(entries)
        .map(|e| key(&expand(&e, f)))
        .collect();
    let unquoted_user: Vec<String> = user
        .map(entries)
        .unwrap_or_default()
        .iter()
        .map(|e| key(&expand(&unquote(e), f)))
        .collect();
    for n in &need {
        let k = key(&expand(n, f));
        // A quoted entry is reported above; the repair unquotes it.
        if !all.contains(&k) && !unquoted_user.contains(&k) {
            status = status.worst(Status::Warn);
            let msg = format!("{n} is not on the registry PATH (new terminals will not find go or installed tools)");
            found.push((Status::Warn, Code::WinpathGoDirMissing, msg.clone()));
            problems.push(msg);
        }
    }
    let mut r = CheckResult::new(
        status,
        if problems.is_empty() {
            "user and machine PATH look right".to_string()
        } else {
            problems.join("; ")
        },
    )
    .with_details(details);
    for (st, code, msg) in found {
        r = r.finding(code, st, msg);
    }
    if status != Status::Ok {
        if let Some(new) = repair(user, machine, &need, f) {
            r = r.detail(format!("repaired user PATH ({}): {}", new.kind_name(), new.data)).fix(Fix::auto(
                "win.path-repair",
                "Rewrite the user PATH: drop duplicates, add the Go bin folders, keep %VARS% unexpanded (REG_EXPAND_SZ), no length limit; then broadcast the change",
                path_commands(Scope::User, &new),
                FixAction::RegistryPath { value: Scope::User.spec().into(), value_type: new.kind, data: new.data },
            ));
        }
        let machine_quoted = quoted_entries.iter().any(|(s, _)| *s == Scope::Machine);
        if let Some(new) = machine
            .filter(|_| !machine_drop.is_empty() || machine_quoted)
            .and_then(|m| repair_machine(m, &machine_drop, f))
        {
            r = r
                .detail(format!("repaired machine PATH ({}): {}", new.kind_name(), new.data))
                .fix(Fix::auto(
                    MACHINE_FIX,
                    "Rewrite the machine PATH (needs an elevated, administrator, terminal): drop the Go folder that shadows yours, unquote quoted entries, keep the value type and %VARS%; then broadcast the change",
                    path_commands(Scope::Machine, &new),
                    FixAction::RegistryPath { value: Scope::Machine.spec().into(), value_type: new.kind, data: new.data },
                ));
        }
    }
    r
}

/// The machine variant of `win.path-repair` (`gomedic fix win.path-repair --machine`).
pub const MACHINE_FIX: &str = "win.path-repair-machine";
