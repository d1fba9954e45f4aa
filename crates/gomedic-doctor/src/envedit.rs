//! Plans edits of the user's go env file (`env set/unset` and automatic fixes): the
//! go command's own rules, plus gomedic's stricter validation of values that would
//! otherwise break every later go command.

use gomedic_checks::facts::UserEnvFile;
use gomedic_checks::Facts;
use gomedic_fix::{Change, Plan};
use gomedic_goenv::{goproxy, version, write};
use std::collections::BTreeMap;

/// A planned edit and the warnings to show with it.
#[derive(Debug)]
pub struct EnvEdit {
    pub plan: Plan,
    pub warnings: Vec<String>,
}

/// Validates a value the go command would accept but that breaks module downloads.
pub fn check_value(key: &str, val: &str) -> Result<(), String> {
    if val.is_empty() {
        return Ok(());
    }
    match key {
        "GOPROXY" => goproxy::parse_goproxy(val).map(|_| ()),
        "GOSUMDB" => goproxy::parse_gosumdb(val).map(|_| ()),
        "GOPRIVATE" | "GONOPROXY" | "GONOSUMDB" | "GOINSECURE" => goproxy::check_globs(key, val),
        "GOTOOLCHAIN" => version::check_gotoolchain(val),
        "GOFLAGS" => match val.split_whitespace().find(|w| !w.starts_with('-')) {
            Some(w) => Err(format!(
                "GOFLAGS: {w:?} is not a flag; the go command would reject every command"
            )),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Warnings for values that weaken security (gomedic allows them when asked, and says why).
pub fn security_warnings(key: &str, val: &str) -> Vec<String> {
    let mut w = Vec::new();
    match key {
        "GOSUMDB" if val.trim() == "off" => w.push(
            "GOSUMDB=off disables checksum verification for every module: a compromised proxy could serve altered code. Prefer GOPRIVATE/GONOSUMDB for private module paths".into(),
        ),
        "GONOSUMDB" | "GOPRIVATE" | "GONOPROXY" if val.split(',').any(|p| matches!(p.trim(), "*" | "*/*" | "*.*")) => {
            w.push(if key == "GONOPROXY" {
                format!("{key}={val} matches every module: every module is fetched directly from version control, bypassing the proxy")
            } else {
                format!("{key}={val} matches every module: checksum verification is skipped for all of them")
            })
        }
        "GOINSECURE" if !val.trim().is_empty() => w.push(
            "GOINSECURE skips HTTPS certificate checks for those paths; trust your corporate CA instead (GOPRIVATE does not skip TLS checks)".into(),
        ),
        "GOFLAGS" if val.split_whitespace().any(|x| x == "-insecure") => {
            w.push("-insecure was removed from the go command (Go 1.17); it does nothing safe".into())
        }
        _ => {}
    }
    w
}

/// Plans `go env -w` for `set` and `go env -u` for `unset` on the user's go env file.
pub fn plan(
    facts: &Facts,
    set: &[(String, String)],
    unset: &[String],
    fix_id: &str,
    description: &str,
) -> Result<EnvEdit, String> {
    let (path, before) = match facts.user_env_file() {
        UserEnvFile::NoLocation(why) => {
            return Err(format!("there is no go env file to edit: {why}"))
        }
        UserEnvFile::Unreadable(p, e) => {
            // A FIFO or device: say so, and what to do, rather than "cannot read".
            gomedic_fix_read(facts, p)?;
            return Err(format!("cannot read the go env file {}: {e}", p.display()));
        }
        UserEnvFile::Missing(p) => (p.clone(), None),
        UserEnvFile::Parsed(f) => (f.path.clone(), gomedic_fix_read(facts, &f.path)?),
    };
    let text = match &before {
        None => String::new(),
        Some(b) => String::from_utf8(b.clone())
            .map_err(|_| format!("the go env file {} is not valid UTF-8; fix it first (gomedic check lists the bad lines)", path.display()))?,
    };
    let parsed = facts.user_env_file().file();
    let existing: Vec<String> = parsed
        .map(|f| f.entries.iter().map(|e| e.key.clone()).collect())
        .unwrap_or_default();
    let mut add = BTreeMap::new();
    let mut warnings = Vec::new();
    let mut summary = Vec::new();
    for (k, v) in set {
        write::check_write(k, v, &existing, facts.windows()).map_err(|e| format!("{k}: {e}"))?;
        check_value(k, v)?;
        if add.insert(k.clone(), v.clone()).is_some() {
            return Err(format!("multiple values for key: {k}"));
        }
        warnings.extend(security_warnings(k, v));
        if let Some(osv) = facts.getenv(k).filter(|o| !o.is_empty() && o != v) {
            let _ = osv;
            warnings.push(format!("{k} is also set in the process environment, which overrides the go env file; unset it there too"));
        }
        let old = parsed
            .and_then(|f| f.get(k))
            .map(|e| format!("{:?}", e.value))
            .unwrap_or_else(|| "(not set in the file)".into());
        summary.push(format!("{k}: {old} → {v:?}"));
    }
    // As go does after -w: the resulting GOOS/GOARCH must be a supported port.
    let goos = set
        .iter()
        .find(|(k, _)| k == "GOOS")
        .map(|(_, v)| v.clone());
    let goarch = set
        .iter()
        .find(|(k, _)| k == "GOARCH")
        .map(|(_, v)| v.clone());
    if goos.is_some() || goarch.is_some() {
        let os = goos.unwrap_or_else(|| facts.setting("GOOS"));
        let arch = goarch.unwrap_or_else(|| facts.setting("GOARCH"));
        write::check_port(&os, &arch).map_err(|e| e.0)?;
    }
    let mut del = Vec::new();
    for k in unset {
        write::check_unset(k, &existing, facts.windows()).map_err(|e| format!("{k}: {e}"))?;
        if set.iter().any(|(s, _)| s == k) {
            return Err(format!("{k} is both set and unset"));
        }
        match parsed.and_then(|f| f.get(k)) {
            Some(e) => summary.push(format!("{k}: {:?} → (removed)", e.value)),
            None => summary.push(format!("{k}: not set in the file (nothing to remove)")),
        }
        del.push(k.clone());
    }
    let after = write::update(&text, &add, &del);
    let after_bytes = if before.is_none() && after.is_empty() {
        None
    } else {
        Some(after.into_bytes())
    };
    let plan = Plan {
        recheck: Vec::new(),
        fix_id: fix_id.to_string(),
        description: description.to_string(),
        changes: vec![Change::file(path, before, after_bytes, summary)],
    };
    Ok(EnvEdit { plan, warnings })
}

/// The go env file's exact bytes. A device, FIFO or socket is refused here, before any
/// plan: gomedic never writes to one (a FIFO would block, a device would be replaced).
fn gomedic_fix_read(facts: &Facts, p: &std::path::Path) -> Result<Option<Vec<u8>>, String> {
    match gomedic_fix::read_file(p) {
        Ok(b) => Ok(b),
        Err(gomedic_fix::Error::NotAFile {
            path,
            link_target,
            kind,
            ..
        }) => {
            let shown = match link_target {
                Some(t) => format!("{} (a link to {})", path.display(), t.display()),
                None => path.display().to_string(),
            };
            Err(match facts.getenv("GOENV").filter(|v| !v.is_empty()) {
                Some(_) => format!(
                    "GOENV points at {} {shown}, not a file: gomedic will not write to it; point GOENV at a regular file",
                    kind.describe()
                ),
                None => format!(
                    "the go env file {shown} is {}, not a regular file: gomedic will not write to it; replace it with a regular file",
                    kind.describe()
                ),
            })
        }
        Err(e) => Err(format!("go env file: {e}")),
    }
}

/// Plans replacing a registry PATH value (`fix win.path-repair`).
pub fn plan_registry_path(
    spec: &str,
    value_type: u32,
    data: &str,
    fix_id: &str,
    description: &str,
) -> Result<EnvEdit, String> {
    use gomedic_sys::registry::{read, RegValue, Scope};
    let scope = Scope::from_spec(spec)
        .ok_or_else(|| format!("{spec} is not a registry value gomedic edits"))?;
    let before = read(scope).map_err(|e| format!("cannot read {spec}: {e}"))?;
    let after = RegValue {
        kind: value_type,
        data: data.to_string(),
    };
    let mut summary = Vec::new();
    match &before {
        Some(b) => {
            summary.push(format!("type: {} → {}", b.kind_name(), after.kind_name()));
            summary.push(format!(
                "before ({} chars): {}",
                b.data.chars().count(),
                b.data
            ));
        }
        None => summary.push("before: (not set)".into()),
    }
    summary.push(format!(
        "after ({} chars): {}",
        after.data.chars().count(),
        after.data
    ));
    let plan = Plan {
        recheck: Vec::new(),
        fix_id: fix_id.to_string(),
        description: description.to_string(),
        changes: vec![Change::registry_value(spec, before, Some(after), summary)],
    };
    Ok(EnvEdit {
        plan,
        warnings: vec!["open terminals and editors keep the old PATH; start new ones".into()],
    })
}

/// Plans deleting alternate data streams (`fix win.motw-unblock`); undo writes them back.
pub fn plan_remove_streams(
    streams: &[String],
    fix_id: &str,
    description: &str,
) -> Result<EnvEdit, String> {
    let mut changes = Vec::new();
    for st in streams {
        let path = std::path::PathBuf::from(st);
        match std::fs::read(&path) {
            Ok(before) => {
                let summary = vec![format!(
                    "remove {} ({} bytes)",
                    path.display(),
                    before.len()
                )];
                changes.push(Change::stream(path, Some(before), None, summary))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(format!("cannot read {st}: {e}")),
        }
    }
    Ok(EnvEdit {
        plan: Plan {
            recheck: Vec::new(),
            fix_id: fix_id.to_string(),
            description: description.to_string(),
            changes,
        },
        warnings: vec![],
    })
}

/// Plans adding Defender exclusions (`fix win.defender-exclusions`); undo removes them.
pub fn plan_defender(
    paths: &[String],
    processes: &[String],
    fix_id: &str,
    description: &str,
) -> Result<EnvEdit, String> {
    let list = gomedic_sys::winsec::Exclusions {
        paths: paths.to_vec(),
        processes: processes.to_vec(),
    };
    let mut summary: Vec<String> = paths.iter().map(|p| format!("exclude path {p}")).collect();
    summary.extend(
        processes
            .iter()
            .map(|p| format!("exclude files opened by {p}")),
    );
    Ok(EnvEdit {
        plan: Plan {
            recheck: Vec::new(),
            fix_id: fix_id.to_string(),
            description: description.to_string(),
            changes: vec![Change::defender_exclusions(list, summary)],
        },
        warnings: vec![
            "needs an elevated (administrator) terminal; gomedic reads the exclusions back, because tamper protection can drop them silently".into(),
        ],
    })
}

/// Plans adding gomedic's named Delve firewall rule (`fix win.firewall-dlv`).
pub fn plan_firewall(
    name: &str,
    local_ports: &str,
    remote_address: &str,
    fix_id: &str,
    description: &str,
) -> Result<EnvEdit, String> {
    let rule = gomedic_sys::winsec::OwnedRule {
        name: name.into(),
        local_ports: local_ports.into(),
        remote_address: remote_address.into(),
    };
    Ok(EnvEdit {
        plan: Plan {
            recheck: Vec::new(),
            fix_id: fix_id.to_string(),
            description: description.to_string(),
            changes: vec![Change::firewall_rule(
                rule,
                vec![format!(
                    "inbound allow TCP {local_ports} from {remote_address} only"
                )],
            )],
        },
        warnings: vec!["needs an elevated (administrator) terminal".into()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn values() {
        assert!(check_value("GOPROXY", "https://goproxy.cn,direct").is_ok());
        assert!(
            check_value("GOPROXY", "goproxy.cn;direct").is_err()
                || check_value("GOPROXY", "ftp://x").is_err()
        );
        assert!(check_value("GOSUMDB", "nope").is_err());
        assert!(check_value("GOPRIVATE", "[x").is_err());
        assert!(check_value("GOTOOLCHAIN", "go1.22.3+auto").is_ok());
        assert!(check_value("GOTOOLCHAIN", "1.22").is_err());
        assert!(check_value("GOFLAGS", "-mod=mod vendor").is_err());
        assert!(!security_warnings("GOSUMDB", "off").is_empty());
    }
}
