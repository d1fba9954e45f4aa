//! `gomedic env`: settings with provenance; `env set` / `env unset` edit the go env file.

use super::common;
use crate::cli::{EnvAction, EnvArgs, Format};
use gomedic_checks::facts::UserEnvFile;
use gomedic_checks::Policy;
use gomedic_goenv::keys;
use std::io::Write;

pub fn run(args: EnvArgs) -> anyhow::Result<u8> {
    match args.action {
        None => show(args.format),
        Some(EnvAction::Set { pairs, dry_run }) => {
            let mut set = Vec::new();
            for p in &pairs {
                match p.split_once('=') {
                    Some((k, v)) if !k.is_empty() => set.push((k.to_string(), v.to_string())),
                    _ => {
                        return Err(super::UsageError(format!(
                            "arguments must be KEY=VALUE: invalid argument: {p}"
                        ))
                        .into())
                    }
                }
            }
            change(&set, &[], dry_run, "env set")
        }
        Some(EnvAction::Unset { keys, dry_run }) => change(&[], &keys, dry_run, "env unset"),
    }
}

fn show(format: Format) -> anyhow::Result<u8> {
    let facts = common::facts(None, Policy::default())?;
    // Key settings always; any other known key that some layer sets.
    let mut names: Vec<String> = keys::KEY_SETTINGS.iter().map(|s| s.to_string()).collect();
    let mut extra: Vec<String> = Vec::new();
    if let Some(f) = facts.user_env_file().file() {
        extra.extend(f.entries.iter().map(|e| e.key.clone()));
    }
    if let Some(f) = facts.goroot_env_file() {
        extra.extend(f.entries.iter().map(|e| e.key.clone()));
    }
    extra.extend(
        keys::KNOWN
            .iter()
            .filter(|k| facts.getenv(k).is_some_and(|v| !v.is_empty()))
            .map(|s| s.to_string()),
    );
    extra.sort();
    extra.dedup();
    names.extend(
        extra
            .into_iter()
            .filter(|k| !keys::KEY_SETTINGS.contains(&k.as_str())),
    );
    let resolved: Vec<_> = names.iter().map(|k| facts.setting_of(k)).collect();
    let r = common::redactor(&facts);
    let file = match facts.user_env_file() {
        UserEnvFile::NoLocation(why) => format!("(none: {why})"),
        UserEnvFile::Missing(p) => format!("{} (does not exist)", p.display()),
        UserEnvFile::Unreadable(p, e) => format!("{} (unreadable: {e})", p.display()),
        UserEnvFile::Parsed(f) => f.path.display().to_string(),
    };
    let mut out = std::io::stdout().lock();
    let res = match format {
        Format::Json => {
            let mut settings = serde_json::Map::new();
            for s in &resolved {
                let mut v = serde_json::to_value(s)?;
                r.redact_json(&mut v);
                settings.insert(s.key.clone(), v);
            }
            let doc = serde_json::json!({ "schema": "gomedic.env/v1", "go_env_file": r.redact(&file), "settings": settings });
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(std::io::Error::other)
                .and_then(|_| writeln!(out))
        }
        Format::Human => (|| {
            writeln!(out, "go env file: {}", r.redact(&file))?;
            let w = resolved.iter().map(|s| s.key.len()).max().unwrap_or(0);
            for s in &resolved {
                let mut line = format!(
                    "{:<w$}  {:<40}  ← {}",
                    s.key,
                    r.redact(&format!("{:?}", s.value)),
                    s.source.describe()
                );
                if s.empty_in_environment {
                    line.push_str("  (set but empty in the environment: ignored)");
                }
                if s.raw.as_deref() == Some("") {
                    line.push_str("  (set empty there: it shadows $GOROOT/go.env)");
                }
                writeln!(out, "{line}")?;
                if let Some(mine) = &s.layers_disagree {
                    writeln!(
                        out,
                        "{:<w$}    go reports this value; its layers read {} (an override gomedic cannot see)",
                        "",
                        r.redact(&format!("{mine:?}"))
                    )?;
                }
                for o in &s.shadows {
                    writeln!(
                        out,
                        "{:<w$}    overrides {} from {}",
                        "",
                        r.redact(&format!("{:?}", o.value)),
                        o.source.describe()
                    )?;
                }
            }
            Ok(())
        })(),
    };
    match res {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(0),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(0),
    }
}

fn change(
    set: &[(String, String)],
    unset: &[String],
    dry_run: bool,
    what: &str,
) -> anyhow::Result<u8> {
    let facts = common::facts(None, Policy::default())?;
    let mut r = common::redactor(&facts);
    for (k, v) in set {
        r.learn_var(k, v);
    }
    let desc = if set.is_empty() {
        format!("go env -u {}", unset.join(" "))
    } else {
        "go env -w".to_string()
    };
    let edit = match gomedic_doctor::envedit::plan(&facts, set, unset, what, &desc) {
        Ok(e) => e,
        Err(msg) => {
            eprintln!("gomedic: error: {}", r.redact(&msg));
            eprintln!("nothing was changed");
            return Ok(2);
        }
    };
    common::print_plan(&edit.plan, &r);
    for w in &edit.warnings {
        eprintln!("warning: {}", r.redact(w));
    }
    if edit.plan.is_noop() {
        println!("nothing to change");
        return Ok(0);
    }
    if dry_run {
        println!("dry run: nothing was changed");
        return Ok(0);
    }
    let journal = common::journal()?;
    match journal.apply(edit.plan) {
        Ok(entry) => {
            println!(
                "applied; journal entry {} (undo: gomedic undo {})",
                entry.id, entry.id
            );
            let keys: Vec<String> = set
                .iter()
                .map(|(k, _)| k.clone())
                .chain(unset.iter().cloned())
                .collect();
            let intended: Vec<(String, Option<String>)> = set
                .iter()
                .map(|(k, v)| (k.clone(), Some(v.clone())))
                .chain(unset.iter().map(|k| (k.clone(), None)))
                .collect();
            let agreed = common::readback(&keys, &intended)?;
            common::recheck(&["go.env"], None, &[])?;
            Ok(if agreed { 0 } else { 1 })
        }
        Err(e) => {
            eprintln!("gomedic: error: {}", r.redact(&e.to_string()));
            Ok(1)
        }
    }
}
