//! `win.path`: the user and machine PATH as stored in the registry, and a repaired user
//! PATH (`fix win.path-repair`) that keeps %VARS% unexpanded and never truncates.

use crate::codes::Code;
use crate::facts::{Facts, FileKind};
use crate::util::win_key as key;
use gomedic_core::text::quoted;
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use gomedic_facts::os::registry::{RegValue, Scope, REG_EXPAND_SZ, REG_SZ};
use std::path::Path;

/// `%NAME%` expanded from the process environment (unknown names stay as they are).
pub fn expand(s: &str, f: &Facts) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('%') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match after.find('%') {
            Some(j) if j > 0 => {
                let name = &after[..j];
                match f.getenv(name) {
                    Some(v) => out.push_str(&v),
                    None => {
                        out.push('%');
                        out.push_str(name);
                        out.push('%');
                    }
                }
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
        .map(|e| key(&expand(e, f)))
        .collect();
    let mut seen: Vec<String> = Vec::new();
    let mut out: Vec<String> = Vec::new();
    for e in user.map(entries).unwrap_or_default() {
        let k = key(&expand(&e, f));
        if seen.contains(&k) || machine_keys.contains(&k) {
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
    if let Some(root) = f.goroot() {
        v.push(format!(
            "{}\\bin",
            root.display().to_string().trim_end_matches('\\')
        ));
    }
    v
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
    for v in [user, machine].into_iter().flatten() {
        for e in entries(v) {
            let x = expand(&e, f);
            if f.file_kind(Path::new(&x)) != FileKind::Dir {
                missing.push(e);
            }
        }
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
    let go_dir = |v: Option<&RegValue>| {
        v.map(entries)
            .unwrap_or_default()
            .into_iter()
            .find(|e| f.file_kind(&Path::new(&expand(e, f)).join("go.exe")) == FileKind::File)
    };
    if let (Some(m), Some(u)) = (go_dir(machine), go_dir(user)) {
        if key(&expand(&m, f)) != key(&expand(&u, f)) {
            status = status.worst(Status::Warn);
            let msg = format!("the machine PATH's Go ({m}) shadows your user Go ({u}): the machine PATH comes first");
            found.push((Status::Warn, Code::WinpathMachineGoShadowsUser, msg.clone()));
            problems.push(msg);
        }
    }
    let need = needed(f);
    let all: Vec<String> = [user, machine]
        .into_iter()
        .flatten()
        .flat_map(entries)
        .map(|e| key(&expand(&e, f)))
        .collect();
    for n in &need {
        if !all.contains(&key(&expand(n, f))) {
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
                vec![],
                FixAction::RegistryPath { value: Scope::User.spec().into(), value_type: new.kind, data: new.data },
            ));
        }
    }
    r
}
