//! `gomedic env`: settings with provenance; `env set` / `env unset` edit the go env file.

use super::common;
use crate::cli::{EnvAction, EnvArgs, EnvEditArgs, Format};
use anyhow::Context;
use gomedic_checks::facts::UserEnvFile;
use gomedic_checks::Policy;
use gomedic_core::text;
use gomedic_doctor::envedit::{self, CheckOptions, EditError, Oracle};
use gomedic_goenv::keys;
use gomedic_goenv::rules::EnvOp;
use std::io::Write;

pub fn run(args: EnvArgs) -> anyhow::Result<u8> {
    match args.action {
        None => show(args.format),
        Some(EnvAction::Set { pairs, opts }) => {
            let mut set = Vec::new();
            for p in &pairs {
                // As go: only the missing `=` is a syntax error; the key is go's to judge.
                match p.split_once('=') {
                    Some((k, v)) => set.push((k.to_string(), v.to_string())),
                    None => {
                        return Err(super::UsageError(format!(
                            "arguments must be KEY=VALUE: invalid argument: {p}"
                        ))
                        .into())
                    }
                }
            }
            change(EnvOp::Set(set), &opts, "env set")
        }
        Some(EnvAction::Unset { keys, opts }) => change(EnvOp::Unset(keys), &opts, "env unset"),
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
        keys::known()
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
    let mut out = crate::output::stdout();
    let res = match format {
        Format::Json => {
            let mut settings = serde_json::Map::new();
            for s in &resolved {
                let mut v = serde_json::to_value(s)?;
                // Windows: the registry key an environment value was loaded from.
                if let Some(o) = facts
                    .env_origin(&s.key)
                    .filter(|_| s.source == gomedic_goenv::settings::Source::Environment)
                {
                    v["registry"] =
                        serde_json::Value::String(format!("{}\\{}", o.scope.key(), s.key));
                }
                r.redact_json(&mut v);
                settings.insert(s.key.clone(), v);
            }
            let doc = serde_json::json!({ "schema": "gomedic.env/v1", "go_env_file": r.redact(&file), "settings": settings });
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        }
        Format::Human => (|| {
            writeln!(out, "go env file: {}", r.redact(&file))?;
            // Aligned on the known keys; a longer (unknown) key just sticks out.
            // Widths in terminal cells: a CJK character in a path takes two.
            let w = resolved
                .iter()
                .map(|s| text::width(&s.key))
                .filter(|n| *n <= KEY_COLUMN)
                .max()
                .unwrap_or(0);
            for s in &resolved {
                let mut line = format!(
                    "{}  {}  ← {}",
                    text::pad(&s.key, w),
                    text::pad(&r.redact(&text::shown(&s.value)), VALUE_COLUMN),
                    facts.describe_source(&s.key, s)
                );
                if s.empty_in_environment {
                    line.push_str("  (set but empty in the environment: ignored)");
                }
                if s.raw.as_deref() == Some("") {
                    line.push_str("  (set empty there: it shadows $GOROOT/go.env)");
                }
                writeln!(out, "{}", r.redact(&line))?;
                if let Some(mine) = &s.layers_disagree {
                    writeln!(
                        out,
                        "{:<w$}    go reports this value; its layers read {} (an override gomedic cannot see)",
                        "",
                        r.redact(&text::quoted(mine))
                    )?;
                }
                for o in &s.shadows {
                    writeln!(
                        out,
                        "{:<w$}    overrides {} from {}",
                        "",
                        r.redact(&text::quoted(&o.value)),
                        o.source.describe()
                    )?;
                }
            }
            Ok(())
        })(),
    };
    res?;
    Ok(0)
}

/// The widest key `gomedic env` aligns its columns on.
const KEY_COLUMN: usize = 32;
/// The value column's width in terminal cells (a longer value just sticks out).
const VALUE_COLUMN: usize = 40;

fn change(op: EnvOp, opts: &EnvEditArgs, what: &str) -> anyhow::Result<u8> {
    let timeout =
        crate::duration::positive("--go-timeout", &opts.go_timeout).map_err(super::UsageError)?;
    // One gomedic writer at a time, from reading the go env file until reading it back:
    // two runs never plan from the same old file, so neither loses the other's key.
    let journal = if opts.dry_run {
        None
    } else {
        Some(common::journal()?)
    };
    let _lock = match journal.as_ref().map(|j| j.lock()).transpose() {
        Ok(l) => l,
        Err(e) => {
            errln!(
                "gomedic: error: {}",
                gomedic_core::redact::text(&e.to_string())
            );
            errln!("nothing was changed");
            return Ok(1);
        }
    };
    let mut facts = common::facts(opts.go.clone(), Policy::default())?;
    facts.timeouts.go_command = timeout;
    if let Some(p) = env_file_path(&facts) {
        gomedic_fix::clean_leftovers(&p);
    }
    let mut r = common::redactor(&facts);
    let (flag, keys): (&str, Vec<String>) = match &op {
        EnvOp::Set(pairs) => {
            for (k, v) in pairs {
                r.learn_var(k, v);
            }
            ("-w", pairs.iter().map(|(k, _)| k.clone()).collect())
        }
        EnvOp::Unset(keys) => ("-u", keys.clone()),
    };
    gomedic_core::redact::install(&r);
    let desc = match &op {
        EnvOp::Set(_) => "go env -w".to_string(),
        EnvOp::Unset(keys) => format!("go env -u {}", keys.join(" ")),
    };
    let check = CheckOptions {
        force: opts.force,
        timeout,
    };
    let checked = match envedit::plan_checked(&facts, &op, what, &desc, &check) {
        Ok(c) => c,
        Err(e) => return Ok(refused(&e, flag, &common::redactor(&facts))),
    };
    // Also what planning read (`go env`).
    let r = common::redactor(&facts);
    common::print_plan(&checked.edit.plan, &r).context("nothing was changed")?;
    match &checked.oracle {
        Oracle::NotAsked(n) => errln!(
            "note: the go command could not be asked ({}); checked with gomedic's copy of the go command's rules for {}",
            r.redact(&n.why),
            n.rules
        ),
        Oracle::Asked {
            broken_before: Some(why),
            ..
        } => errln!(
            "warning: go commands already fail before this change: {}",
            r.redact(why)
        ),
        Oracle::Asked { .. } => {}
    }
    for n in &checked.notes {
        errln!("note: {}", r.redact(n));
    }
    for f in &checked.forced {
        errln!("warning: written anyway (--force): {}", r.redact(f));
    }
    for w in &checked.edit.warnings {
        errln!("warning: {}", r.redact(w));
    }
    if checked.edit.plan.is_noop() {
        outln!("nothing to change")?;
        return Ok(0);
    }
    if opts.dry_run {
        outln!("dry run: nothing was changed")?;
        return Ok(0);
    }
    let Some(journal) = journal else {
        return Ok(0); // --dry-run returned above
    };
    let own = own_lines(&checked.edit.plan, &keys);
    let entry = match journal.apply(checked.edit.plan) {
        Ok(entry) => entry,
        Err(e) => {
            errln!("gomedic: error: {}", r.redact(&e.to_string()));
            return Ok(1);
        }
    };
    // From here on the change is made: stdout failures no longer stop the run.
    crate::output::change(&format!(
        "applied; journal entry {} (undo: gomedic undo {})",
        entry.id, entry.id
    ));
    let back = readback(&op, &keys, &checked.oracle, opts.go.clone(), timeout)?;
    if !back.go_timed_out {
        common::recheck(&["go.env"], opts.go.clone(), &[])?;
    }
    if let Some(why) = &back.broken {
        let before = match &checked.oracle {
            Oracle::Asked {
                broken_before: Some(_),
                ..
            } => " (they already failed before it)",
            Oracle::NotAsked(_) => " (the go command could not be asked before it either)",
            _ => "",
        };
        errln!(
            "gomedic: error: go commands fail after this change{before}: {}",
            r.redact(why)
        );
        errln!(
            "to restore the previous go env file: gomedic undo {}",
            entry.id
        );
        return Ok(1);
    }
    if !back.agreed {
        errln!(
            "gomedic: error: the go command does not read back what it read in the dry run (MISMATCH above); to restore the previous go env file: gomedic undo {}",
            entry.id
        );
        return Ok(1);
    }
    // The file itself must still hold each line gomedic wrote: `go env` cannot tell a
    // value equal to go's default from a lost line, and gomedic runs go with
    // GOTOOLCHAIN=local, so GOTOOLCHAIN is verified only here.
    if let Some(own) = own {
        let lost = own.lost();
        for l in &lost {
            errln!("gomedic: error: {}", r.redact(l));
        }
        if !lost.is_empty() {
            errln!("another program changed the go env file after gomedic wrote it; run the command again");
            return Ok(1);
        }
    }
    Ok(0)
}

/// Where the go env file is (it may not exist yet).
fn env_file_path(facts: &gomedic_checks::Facts) -> Option<std::path::PathBuf> {
    match facts.user_env_file() {
        UserEnvFile::NoLocation(_) => None,
        UserEnvFile::Missing(p) | UserEnvFile::Unreadable(p, _) => Some(p.clone()),
        UserEnvFile::Parsed(f) => Some(f.path.clone()),
    }
}

/// The lines of the touched keys in the bytes gomedic writes, to find them again after
/// the write.
struct OwnLines {
    path: std::path::PathBuf,
    /// Key, and its value in the written file (`None`: removed).
    keys: Vec<(String, Option<String>)>,
}

fn own_lines(plan: &gomedic_fix::Plan, keys: &[String]) -> Option<OwnLines> {
    plan.changes.iter().find_map(|c| match &c.kind {
        gomedic_fix::ChangeKind::File(f) => {
            let parsed = f
                .after
                .as_deref()
                .map(|b| gomedic_goenv::envfile::EnvFile::parse(&f.path, b, true));
            Some(OwnLines {
                path: f.path.clone(),
                keys: keys
                    .iter()
                    .map(|k| {
                        let v = parsed
                            .as_ref()
                            .and_then(|p| p.get(k))
                            .map(|e| e.value.clone());
                        (k.clone(), v)
                    })
                    .collect(),
            })
        }
        _ => None,
    })
}

impl OwnLines {
    /// What no longer reads as gomedic wrote it, one message per key.
    fn lost(&self) -> Vec<String> {
        let now = match gomedic_fix::read_file(&self.path) {
            Ok(b) => b,
            Err(e) => return vec![format!("cannot read the go env file back: {e}")],
        };
        let parsed = now
            .as_deref()
            .map(|b| gomedic_goenv::envfile::EnvFile::parse(&self.path, b, true));
        let mut out = Vec::new();
        for (k, want) in &self.keys {
            let got = parsed
                .as_ref()
                .and_then(|p| p.get(k))
                .map(|e| e.value.clone());
            if &got != want {
                let show = |v: &Option<String>| match v {
                    Some(v) => format!("{k}={}", text::shown(v)),
                    None => format!("no {k} line"),
                };
                out.push(format!(
                    "{}: gomedic wrote {} but the file now has {}",
                    self.path.display(),
                    show(want),
                    show(&got)
                ));
            }
        }
        out
    }
}

/// Prints why an edit is not made; returns the exit code (docs/exit-codes.md).
fn refused(e: &EditError, flag: &str, r: &gomedic_core::Redactor) -> u8 {
    match e {
        EditError::Invalid(m) => errln!("gomedic: error: {}", r.redact(m)),
        EditError::Refused {
            message,
            fallback: None,
        } => errln!(
            "gomedic: error: `go env {flag}` refuses this change: {}",
            r.redact(message)
        ),
        EditError::Refused {
            message,
            fallback: Some(n),
        } => {
            errln!("gomedic: error: {}", r.redact(message));
            errln!(
                "(checked with gomedic's copy of the go command's rules for {}: the go command could not be asked: {})",
                n.rules,
                r.redact(&n.why)
            );
        }
        EditError::Stricter(reasons) => {
            for s in reasons {
                errln!("gomedic: error: {}", r.redact(s));
            }
            errln!("--force writes it anyway");
        }
        EditError::GoHung { .. } => {
            errln!("gomedic: error: {}", r.redact(&e.to_string()));
            errln!("nothing was changed; `gomedic check` shows what is wrong with that go command, and --force writes the change checked only with gomedic's copy of the go command's rules");
            return 1;
        }
    }
    errln!("nothing was changed");
    2
}

/// What the read-back after a write found.
struct Readback {
    /// Every key reads back as the dry run predicted.
    agreed: bool,
    /// Go commands fail now: why.
    broken: Option<String>,
    go_timed_out: bool,
}

/// After the write: what each touched key resolves to, and what the real go command
/// reads (run in the temporary directory, as in the dry run, so no go.mod interferes).
/// With go asked before the write, its answer must equal the dry run's; without, a
/// non-empty value set must read back as itself.
fn readback(
    op: &EnvOp,
    keys: &[String],
    oracle: &Oracle,
    go: Option<std::path::PathBuf>,
    timeout: std::time::Duration,
) -> anyhow::Result<Readback> {
    let mut facts = common::facts(go, Policy::default())?;
    facts.timeouts.go_command = timeout;
    let r = common::redactor(&facts);
    let cwd = std::env::temp_dir();
    let probe = facts
        .go_binary()
        .map(|c| envedit::probe_go(&c.path, None, keys, &cwd, timeout));
    let mut out = Readback {
        agreed: true,
        broken: None,
        go_timed_out: false,
    };
    let go_values = match probe {
        Some(Ok(m)) => Some(m),
        Some(Err(f)) => {
            out.go_timed_out = f.timed_out;
            out.broken = Some(f.message);
            None
        }
        None => None,
    };
    let intended = |k: &str| match op {
        EnvOp::Set(pairs) => pairs.iter().find(|(p, _)| p == k).map(|(_, v)| v.as_str()),
        EnvOp::Unset(_) => None,
    };
    for k in keys {
        let res = if out.go_timed_out {
            // Resolving defaults would run the hanging go again.
            None
        } else {
            Some(facts.setting_of(k))
        };
        let mut line = match &res {
            Some(res) => format!(
                "re-check: {k}={} ← {}",
                r.redact(&text::shown(&res.value)),
                res.source.describe()
            ),
            None => format!("re-check: {k}"),
        };
        let from_env = res
            .as_ref()
            .is_some_and(|res| res.source == gomedic_goenv::settings::Source::Environment);
        // gomedic runs go with GOTOOLCHAIN=local, so go's own answer for it says nothing.
        let gv = go_values
            .as_ref()
            .filter(|_| k != "GOTOOLCHAIN")
            .and_then(|m| m.get(k));
        if let Some(gv) = gv {
            line.push_str(&format!("; go reads {}", r.redact(&text::quoted(gv))));
            let expected = match oracle {
                Oracle::Asked { predicted, .. } => predicted.get(k).map(String::as_str),
                // Without a dry run only a non-empty value set is known to read back as
                // itself (empty means go's default; GOEXPERIMENT is normalised).
                Oracle::NotAsked(_) => intended(k).filter(|v| !v.is_empty() && k != "GOEXPERIMENT"),
            };
            if from_env {
                line.push_str(" (the process environment overrides the file)");
            } else if let Some(want) = expected.filter(|w| w != gv) {
                out.agreed = false;
                line.push_str(&format!(
                    " (MISMATCH: expected {})",
                    r.redact(&text::quoted(want))
                ));
            }
        }
        let _ = outln!("{}", r.redact(&line));
    }
    Ok(out)
}
