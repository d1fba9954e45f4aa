//! Shared by the commands: facts of this process, redaction, journal, plan printing.

use anyhow::Context;
use gomedic_checks::{Facts, Policy};
use gomedic_core::Redactor;
use gomedic_doctor::{NetOptions, SystemGather};
use gomedic_fix::{Journal, Plan};
use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;

/// Facts about this process's environment (fresh each call: re-checks see changes).
pub fn facts(go: Option<PathBuf>, policy: Policy) -> anyhow::Result<Facts> {
    facts_with(go, policy, net_options(&[], None)?)
}

pub fn facts_with(go: Option<PathBuf>, policy: Policy, net: NetOptions) -> anyhow::Result<Facts> {
    let env: BTreeMap<String, String> = std::env::vars_os()
        .map(|(k, v)| {
            (
                k.to_string_lossy().into_owned(),
                v.to_string_lossy().into_owned(),
            )
        })
        .collect();
    let path_var = std::env::var_os("PATH").unwrap_or_default();
    let cwd = std::env::current_dir().context("cannot determine the current directory")?;
    Ok(Facts::new(
        std::env::consts::OS,
        env,
        path_var,
        cwd,
        go,
        policy,
        Box::new(SystemGather { net }),
    ))
}

/// A usage error (exit code 2) with its message.
#[derive(Debug)]
pub struct UsageError(pub String);
impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for UsageError {}

/// Network options from flags plus `GOMEDIC_RESOLVE` (comma-separated HOST:PORT:ADDR) and
/// `GOMEDIC_HOSTS_FILE`.
pub fn net_options(
    resolve: &[String],
    deadline: Option<std::time::Duration>,
) -> anyhow::Result<NetOptions> {
    let mut o = NetOptions::default();
    if let Some(d) = deadline {
        o.deadline = d;
    }
    let from_env = std::env::var("GOMEDIC_RESOLVE").unwrap_or_default();
    let env_list: Vec<&str> = if from_env.trim().is_empty() {
        Vec::new()
    } else {
        from_env.split(',').map(str::trim).collect()
    };
    if env_list.iter().any(|s| s.is_empty()) {
        return Err(UsageError(format!(
            "GOMEDIC_RESOLVE: empty entry in `{from_env}` (remove the extra comma)"
        ))
        .into());
    }
    for spec in resolve.iter().map(String::as_str).chain(env_list) {
        o.overrides
            .push(spec.parse().map_err(|e: String| UsageError(e))?);
    }
    o.hosts_file = std::env::var_os("GOMEDIC_HOSTS_FILE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    Ok(o)
}

/// Learns every secret the run could echo (the process environment and command line,
/// the go env file, `$GOROOT/go.env` and `go env` when read, `.netrc`), adds it to the
/// process-wide redactor (which error messages go through), and returns that redactor:
/// everything learned so far in this run.
/// Runs the selected checks over `facts` and reports them for this host (`start`: when
/// the command began, for the report's duration).
pub fn run_checks(
    facts: &std::sync::Arc<Facts>,
    selected: &[&'static gomedic_checks::Check],
    opts: &gomedic_doctor::RunOptions,
    start: std::time::Instant,
) -> gomedic_core::report::Report {
    let checks = gomedic_doctor::run(std::sync::Arc::clone(facts), selected, opts);
    let host = gomedic_sys::host::detect(&|k| std::env::var(k).ok());
    gomedic_core::report::Report::new(
        env!("CARGO_PKG_VERSION"),
        host,
        start.elapsed().as_millis() as u64,
        checks,
    )
}

pub fn redactor(facts: &Facts) -> Redactor {
    let mut r = Redactor::from_env(facts.env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    // The user's go env file is small and read without blocking: always learn it.
    if let Some(file) = facts.user_env_file().file() {
        for e in &file.entries {
            r.learn_var(&e.key, &e.value);
        }
    }
    if let Some(file) = facts.gathered_goroot_env_file() {
        for e in &file.entries {
            r.learn_var(&e.key, &e.value);
        }
    }
    if let Some(map) = facts.gathered_go_env() {
        for (k, v) in map {
            r.learn_var(k, v);
        }
    }
    // The go command sends .netrc passwords to proxies (GOAUTH=netrc, the default).
    let home = if facts.windows() {
        "USERPROFILE"
    } else {
        "HOME"
    };
    let netrc = facts
        .getenv("NETRC")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            facts
                .getenv(home)
                .filter(|v| !v.is_empty())
                .map(|h| PathBuf::from(h).join(if facts.windows() { "_netrc" } else { ".netrc" }))
        });
    if let Some(text) = netrc.and_then(|p| gomedic_fix::read_bounded(&p, 1 << 20).ok()) {
        r.learn_netrc(&String::from_utf8_lossy(&text));
    }
    gomedic_core::redact::install(&r);
    gomedic_core::redact::global()
}

/// Adds the go env file contents recorded in journal entries (values since replaced) to
/// the process-wide redactor, and returns it.
pub fn learn_journal(listing: &gomedic_fix::Listing) -> Redactor {
    let mut r = Redactor::new();
    for e in &listing.entries {
        for c in &e.plan.changes {
            if let gomedic_fix::ChangeKind::File(f) = &c.kind {
                for bytes in [&f.before, &f.after].into_iter().flatten() {
                    r.learn_env_file(bytes);
                }
            }
        }
    }
    gomedic_core::redact::install(&r);
    gomedic_core::redact::global()
}

pub fn journal() -> anyhow::Result<Journal> {
    let dir = gomedic_fix::data_dir(&|k| std::env::var(k).ok(), std::env::consts::OS)
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(Journal::new(&dir))
}

/// Prints a plan, redacted. A plan that cannot be shown must not be applied: callers
/// stop on the error.
pub fn print_plan(plan: &Plan, r: &Redactor) -> std::io::Result<()> {
    outln!(
        "plan ({}): {}",
        r.redact(&plan.fix_id),
        r.redact(&plan.description)
    )?;
    for c in &plan.changes {
        outln!("  {} {}", c.plan_verb(), r.redact(&c.target()))?;
        for s in &c.summary {
            outln!("    {}", r.redact(s))?;
        }
    }
    Ok(())
}

/// Asks on the terminal; refuses (false) when there is no terminal to ask on.
pub fn confirm(question: &str) -> bool {
    if !std::io::stdin().is_terminal() {
        return false;
    }
    crate::err!("{question} [y/N] ");
    let mut line = String::new();
    if std::io::stdin().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes" | "YES" | "Yes")
}

/// One line per check result, for re-checks after a change. Runs after a change was
/// made, so a failed stdout does not stop it (the run still ends with exit code 3).
pub fn recheck(ids: &[&str], go: Option<PathBuf>, resolve: &[String]) -> anyhow::Result<()> {
    let facts = std::sync::Arc::new(facts_with(
        go,
        Policy::default(),
        net_options(resolve, None)?,
    )?);
    let opts = gomedic_doctor::RunOptions {
        deep: false,
        only: ids.iter().map(|s| s.to_string()).collect(),
        skip: vec![],
        deadline: std::time::Duration::from_secs(60),
    };
    let selected = gomedic_doctor::select(&opts).map_err(|e| anyhow::anyhow!("{e}"))?;
    let reports = gomedic_doctor::run(std::sync::Arc::clone(&facts), &selected, &opts);
    let r = redactor(&facts);
    for c in reports {
        let _ = outln!(
            "re-check: {} {}  {}",
            gomedic_render::symbol(c.status),
            c.id,
            r.redact(&c.summary)
        );
    }
    Ok(())
}
