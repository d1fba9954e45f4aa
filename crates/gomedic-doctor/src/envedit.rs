//! Plans edits of the user's go env file (`env set/unset` and automatic fixes): the
//! go command's own rules, plus gomedic's stricter validation of values that would
//! otherwise break every later go command.
//!
//! [`plan_checked`] asks the go binary being configured: it runs the real
//! `go env -w` / `go env -u` on a private copy of the file, so what go refuses is refused
//! in go's words and the bytes go writes are the bytes gomedic writes. gomedic's copy of
//! the rules ([`gomedic_goenv::rules`]) is only the fallback for a go that cannot run.

use gomedic_checks::facts::UserEnvFile;
use gomedic_checks::Facts;
use gomedic_core::text::quoted;
use gomedic_fix::{Change, Plan};
use gomedic_goenv::patterns::{PatternIssue, Patterns};
use gomedic_goenv::rules::{self, EnvOp, Rules};
use gomedic_goenv::snapshot::Toolchain;
use gomedic_goenv::{write, EnvFile, GoProxy, GoSemantics, GoSumDb};
use gomedic_sys::exec;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A planned edit and the warnings to show with it.
#[derive(Debug)]
pub struct EnvEdit {
    pub plan: Plan,
    pub warnings: Vec<String>,
}

/// Validates a value the go command would accept but that breaks module downloads or
/// every go command, with the parsers of the settings snapshot and the rules (`sem`) of
/// the go being configured.
pub fn check_value(key: &str, val: &str, sem: &GoSemantics) -> Result<(), String> {
    if val.is_empty() {
        return Ok(());
    }
    match key {
        "GOPROXY" => match GoProxy::parse(val, "", sem).error {
            Some(e) => Err(e),
            None => Ok(()),
        },
        "GOSUMDB" => GoSumDb::parse(val, sem).legacy().map(|_| ()),
        "GOPRIVATE" | "GONOPROXY" | "GONOSUMDB" | "GOINSECURE" => {
            let p = Patterns::parse(val);
            let bad = p.issues().find(|(_, i)| !i.harmless());
            let r = match bad {
                Some((e, PatternIssue::PatternWhitespace)) => Err(format!(
                    "{key} entry {:?} contains spaces, which the go command does not trim: it matches no module",
                    e.raw
                )),
                Some((e, PatternIssue::PatternNeverMatches)) => Err(format!(
                    "{key} entry {:?} has an empty path element: it matches no module",
                    e.raw
                )),
                Some((e, _)) => Err(format!("{key}: malformed pattern {:?}", e.raw)),
                None => Ok(()),
            };
            r
        }
        "GOTOOLCHAIN" => match Toolchain::parse(val) {
            Toolchain::Invalid => Err(format!("invalid GOTOOLCHAIN {val:?}: want local, auto, path or a toolchain name such as go1.22.3, optionally with +auto or +path")),
            _ => Ok(()),
        },
        "GOFLAGS" => match rules::goflags_breakage(val) {
            Some(why) => Err(format!(
                "GOFLAGS: {why}; the go command would reject every command"
            )),
            None => Ok(()),
        },
        _ => Ok(()),
    }
}

/// The rules of the go being configured, from its installation's VERSION file (without
/// running it: the edit may be repairing a go that does not start). GODEBUG as set.
fn semantics_of(facts: &Facts) -> GoSemantics {
    let version = facts.go_binary().and_then(|c| c.goroot_version.clone());
    let mut sem = GoSemantics::for_version(version.as_deref())
        .with_godebug(&facts.getenv("GODEBUG").unwrap_or_default());
    sem.windows = facts.windows();
    sem
}

/// What goes wrong later when [`check_value`] refuses `key`.
fn consequence(key: &str) -> &'static str {
    match key {
        "GOTOOLCHAIN" => "go commands would fail as soon as they select a toolchain",
        "GOFLAGS" => "every go command except `go env` would fail",
        "GOPRIVATE" | "GONOPROXY" | "GONOSUMDB" | "GOINSECURE" => {
            "the modules it was meant to cover still go to the public proxy and checksum database"
        }
        _ => "module downloads would fail",
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
        check_value(k, v, &semantics_of(facts))?;
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
            .map(|e| quoted(&e.value))
            .unwrap_or_else(|| "(not set in the file)".into());
        summary.push(format!("{k}: {old} → {}", quoted(v)));
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
            Some(e) => summary.push(format!("{k}: {} → (removed)", quoted(&e.value))),
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
    let plan = Plan::new(
        fix_id,
        description,
        vec![Change::file(path, before, after_bytes, summary)],
    );
    Ok(EnvEdit { plan, warnings })
}

/// How [`plan_checked`] may go beyond the go command.
#[derive(Debug, Clone)]
pub struct CheckOptions {
    /// Write what gomedic refuses as stricter than go (never what go refuses), and fall
    /// back to gomedic's copy of the rules when go does not answer in time.
    pub force: bool,
    /// Timeout of each go command run.
    pub timeout: Duration,
}

/// Why an edit is not made.
#[derive(Debug, thiserror::Error)]
pub enum EditError {
    /// The go env file cannot be edited (no location, unreadable, ...).
    #[error("{0}")]
    Invalid(String),
    /// The go command refuses the change: `message` is its own words. When go could not
    /// be asked, `fallback` says why and whose rules refused instead.
    #[error("{message}")]
    Refused {
        message: String,
        fallback: Option<NotAsked>,
    },
    /// go accepts the change but gomedic does not: one sentence per reason.
    #[error("{}", .0.join("\n"))]
    Stricter(Vec<String>),
    /// go did not finish in time, so the change could not be checked with it.
    #[error("`{command}` did not finish within {} s, so gomedic could not check the change with the go command", .after.as_secs_f64())]
    GoHung { command: String, after: Duration },
}

/// Why go was not asked, and which built-in rules were used instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAsked {
    pub why: String,
    pub rules: String,
}

/// Who validated an edit.
#[derive(Debug, Clone)]
pub enum Oracle {
    /// The go command tried the change on a private copy of the go env file.
    Asked {
        go: PathBuf,
        /// `go env -json KEY...` with the changed copy: what go will read.
        predicted: BTreeMap<String, String>,
        /// Go commands fail with the changed copy: why.
        broken_after: Option<String>,
        /// They already failed with the unchanged copy: why.
        broken_before: Option<String>,
    },
    /// The go command could not be asked; gomedic's copy of its rules was used.
    NotAsked(NotAsked),
}

/// A planned edit validated by the go command (or, failing that, gomedic's rules).
#[derive(Debug)]
pub struct CheckedEdit {
    pub edit: EnvEdit,
    pub oracle: Oracle,
    /// Where gomedic's own computation differed from go's (go's result is used).
    pub notes: Vec<String>,
    /// gomedic's stricter-than-go refusals that `--force` overrode.
    pub forced: Vec<String>,
}

/// Why a go command did not succeed.
#[derive(Debug, Clone)]
pub struct GoFailure {
    pub message: String,
    pub timed_out: bool,
}

/// A private directory (0700) with copies (0600) of the go env file for go to work on.
struct Sandbox {
    dir: tempfile::TempDir,
    go: PathBuf,
    timeout: Duration,
}

impl Sandbox {
    fn new(go: &Path, timeout: Duration) -> std::io::Result<Sandbox> {
        // Named with the pid, so the next run removes what a killed run left behind.
        gomedic_fix::remove_dead_temp_dirs(&std::env::temp_dir(), "gomedic-env-");
        let dir = tempfile::Builder::new()
            .prefix(&format!("gomedic-env-{}-", std::process::id()))
            .tempdir()?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o700))?;
        }
        Ok(Sandbox {
            dir,
            go: go.to_path_buf(),
            timeout,
        })
    }

    /// `name` in the sandbox holding `data`, or absent for `None`.
    fn file(&self, name: &str, data: Option<&[u8]>) -> std::io::Result<PathBuf> {
        use std::io::Write;
        let p = self.dir.path().join(name);
        match std::fs::remove_file(&p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
        if let Some(d) = data {
            let mut o = std::fs::OpenOptions::new();
            o.write(true).create_new(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
            o.open(&p)?.write_all(d)?;
        }
        Ok(p)
    }

    fn go(&self, args: &[&str], goenv: &Path) -> exec::Result {
        run_go(&self.go, args, Some(goenv), self.dir.path(), self.timeout)
    }
}

/// Runs go as gomedic always does (GOTOOLCHAIN=local: never switch or download), with
/// `GOENV` pointing at `goenv` when given; everything else from this process.
fn run_go(
    go: &Path,
    args: &[&str],
    goenv: Option<&Path>,
    cwd: &Path,
    timeout: Duration,
) -> exec::Result {
    let mut spec = exec::Spec::new(go, args, timeout)
        .env("GOTOOLCHAIN", "local")
        .cwd(cwd);
    if let Some(f) = goenv {
        spec = spec.env("GOENV", f.as_os_str());
    }
    exec::run(&spec)
}

/// go's error message: stderr without warnings and usage lines.
fn go_message(out: &exec::Output) -> String {
    let text = out.stderr_str();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim_end)
        .filter(|l| {
            !l.trim().is_empty()
                && !l.starts_with("warning: ")
                && !l.starts_with("usage: ")
                && !l.starts_with("Run 'go help")
        })
        .collect();
    if lines.is_empty() {
        match out.exit {
            exec::Exit::Code(c) => format!("exit status {c}, no message"),
            exec::Exit::Signal(s) => format!("killed by signal {s}"),
        }
    } else {
        lines.join("; ")
    }
}

fn describe_failure(f: &exec::Failure) -> GoFailure {
    match f {
        exec::Failure::NotFound { message }
        | exec::Failure::PermissionDenied { message, .. }
        | exec::Failure::SpawnFailed { message, .. } => GoFailure {
            message: format!("it does not start: {message}"),
            timed_out: false,
        },
        exec::Failure::Timeout { after, .. } => GoFailure {
            message: format!(
                "it did not finish within {} s",
                (after.as_secs_f64() * 10.0).round() / 10.0
            ),
            timed_out: true,
        },
    }
}

fn run_ok(
    go: &Path,
    args: &[&str],
    goenv: Option<&Path>,
    cwd: &Path,
    timeout: Duration,
) -> Result<exec::Output, GoFailure> {
    match run_go(go, args, goenv, cwd, timeout) {
        Ok(o) if o.success() => Ok(o),
        Ok(o) => Err(GoFailure {
            message: format!("`go {}`: {}", args.join(" "), go_message(&o)),
            timed_out: false,
        }),
        Err(f) => {
            let mut g = describe_failure(&f);
            g.message = format!("`go {}`: {}", args.join(" "), g.message);
            Err(g)
        }
    }
}

/// Whether go commands work (`go version` applies GOFLAGS; `go env` applies GOEXPERIMENT,
/// GOFIPS140, GO111MODULE, ...), and what `go env -json KEY...` reports.
pub fn probe_go(
    go: &Path,
    goenv: Option<&Path>,
    keys: &[String],
    cwd: &Path,
    timeout: Duration,
) -> Result<BTreeMap<String, String>, GoFailure> {
    run_ok(go, &["version"], goenv, cwd, timeout)?;
    let mut args = vec!["env", "-json"];
    // Without keys go prints every setting and probes the C compiler: ask for one.
    if keys.is_empty() {
        args.push("GOOS");
    }
    args.extend(keys.iter().map(String::as_str));
    let out = run_ok(go, &args, goenv, cwd, timeout)?;
    let map: BTreeMap<String, serde_json::Value> =
        serde_json::from_slice(&out.stdout).map_err(|e| GoFailure {
            message: format!("`go env -json` printed no JSON object: {e}"),
            timed_out: false,
        })?;
    Ok(map
        .into_iter()
        .map(|(k, v)| {
            let s = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            (k, s)
        })
        .collect())
}

/// The user's go env file as found, before any change.
struct Loaded {
    path: PathBuf,
    before: Option<Vec<u8>>,
    /// Keys in the user's file and `$GOROOT/go.env`: the go command accepts them all.
    existing: Vec<String>,
    goroot_env: Option<EnvFile>,
}

fn load(facts: &Facts) -> Result<Loaded, String> {
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
    // The installation's own go.env, found without running go (it may be broken).
    let goroot_env = facts
        .go_binary()
        .and_then(|c| c.goroot.clone())
        .and_then(|g| {
            let p = g.join("go.env");
            // Bounded, never blocking (a FIFO or device named go.env).
            facts
                .read_file(&p)
                .ok()
                .map(|d| EnvFile::parse(&p, &d, false))
        });
    let mut existing: Vec<String> = facts
        .user_env_file()
        .file()
        .map(|f| f.entries.iter().map(|e| e.key.clone()).collect())
        .unwrap_or_default();
    if let Some(g) = &goroot_env {
        existing.extend(g.entries.iter().map(|e| e.key.clone()));
    }
    Ok(Loaded {
        path,
        before,
        existing,
        goroot_env,
    })
}

/// The plan's summary lines and warnings for an edit.
fn describe(facts: &Facts, op: &EnvOp) -> (Vec<String>, Vec<String>) {
    let parsed = facts.user_env_file().file();
    let mut summary = Vec::new();
    let mut warnings = Vec::new();
    match op {
        EnvOp::Set(pairs) => {
            for (k, v) in pairs {
                warnings.extend(security_warnings(k, v));
                if facts.getenv(k).is_some_and(|o| !o.is_empty() && &o != v) {
                    warnings.push(format!("{k} is also set in the process environment, which overrides the go env file; unset it there too"));
                }
                let old = parsed
                    .and_then(|f| f.get(k))
                    .map(|e| quoted(&e.value))
                    .unwrap_or_else(|| "(not set in the file)".into());
                summary.push(format!("{k}: {old} → {}", quoted(v)));
            }
        }
        EnvOp::Unset(keys) => {
            for k in keys {
                match parsed.and_then(|f| f.get(k)) {
                    Some(e) => summary.push(format!("{k}: {} → (removed)", quoted(&e.value))),
                    None => summary.push(format!("{k}: not set in the file (nothing to remove)")),
                }
            }
        }
    }
    (summary, warnings)
}

/// What trying the change with go gave.
enum Tried {
    /// go accepted; the file it wrote (if it ran).
    Accepted(Option<Vec<u8>>),
    NotAsked(String),
}

/// Runs the real `go env -w` / `go env -u` on a copy of the file.
fn try_with_go(
    sb: &Sandbox,
    op: &EnvOp,
    loaded: &Loaded,
    opts: &CheckOptions,
) -> Result<Tried, EditError> {
    let io = |e: std::io::Error| {
        Tried::NotAsked(format!(
            "cannot prepare a private copy of the go env file: {e}"
        ))
    };
    let mut args = vec!["env"];
    match op {
        EnvOp::Set(pairs) => {
            args.push("-w");
            let kv: Vec<String> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let work = match sb.file("env", loaded.before.as_deref()) {
                Ok(p) => p,
                Err(e) => return Ok(io(e)),
            };
            let mut a: Vec<&str> = args.clone();
            a.extend(kv.iter().map(String::as_str));
            try_args(sb, &a, &work, loaded, opts)
        }
        EnvOp::Unset(keys) if keys.is_empty() => Ok(Tried::Accepted(None)),
        EnvOp::Unset(keys) => {
            args.push("-u");
            args.extend(keys.iter().map(String::as_str));
            let work = match sb.file("env", loaded.before.as_deref()) {
                Ok(p) => p,
                Err(e) => return Ok(io(e)),
            };
            try_args(sb, &args, &work, loaded, opts)
        }
    }
}

fn try_args(
    sb: &Sandbox,
    args: &[&str],
    work: &Path,
    loaded: &Loaded,
    opts: &CheckOptions,
) -> Result<Tried, EditError> {
    let real = loaded.path.display().to_string();
    let unsandbox = |m: String| m.replace(&work.display().to_string(), &real);
    match sb.go(args, work) {
        Ok(o) if o.success() => Ok(Tried::Accepted(std::fs::read(work).ok())),
        Ok(o) => {
            let message = unsandbox(go_message(&o));
            // Does go refuse this change, or does `go env -w` fail whatever the change?
            let base = match sb.file("baseline", loaded.before.as_deref()) {
                Ok(p) => p,
                Err(e) => {
                    return Ok(Tried::NotAsked(format!(
                        "cannot prepare a private copy of the go env file: {e}"
                    )))
                }
            };
            match sb.go(&["env", "-w", "GOPROXY=off"], &base) {
                Ok(b) if b.success() => Err(EditError::Refused {
                    message,
                    fallback: None,
                }),
                Ok(b) => Ok(Tried::NotAsked(format!(
                    "`go env -w` fails whatever the change: {}",
                    go_message(&b).replace(&base.display().to_string(), &real)
                ))),
                Err(f) => Ok(Tried::NotAsked(describe_failure(&f).message)),
            }
        }
        Err(exec::Failure::Timeout { .. }) if !opts.force => Err(EditError::GoHung {
            command: format!("go {}", &args[..2].join(" ")),
            after: opts.timeout,
        }),
        Err(f) => Ok(Tried::NotAsked(describe_failure(&f).message)),
    }
}

/// Plans `go env -w` (`EnvOp::Set`) or `go env -u` (`EnvOp::Unset`) on the user's go env
/// file, checked by the go binary being configured (`facts.go_binary()`):
///
/// 1. go tries the change on a private copy; if it refuses, so does gomedic, in go's
///    words; if it accepts, the bytes it wrote are the plan's;
/// 2. go commands are run with the changed copy: what `go env -json KEY...` reports is
///    the prediction the read-back compares with, and if they fail (and did not before),
///    gomedic refuses as stricter than go;
/// 3. gomedic's stricter checks ([`check_value`], no GOROOT in the file) apply on top;
///    `opts.force` overrides them (never go's refusals).
///
/// Removing GOROOT is deliberately allowed even where go refuses it (Go 1.27), because
/// a GOROOT line still overrides the installation. If go cannot run, gomedic's copy of
/// the go command's rules for its version decides, and the oracle says so.
pub fn plan_checked(
    facts: &Facts,
    op: &EnvOp,
    fix_id: &str,
    description: &str,
    opts: &CheckOptions,
) -> Result<CheckedEdit, EditError> {
    let loaded = load(facts).map_err(EditError::Invalid)?;
    let candidate = facts.go_binary();
    // GOROOT removal is not passed to go (see above); gomedic computes those bytes.
    let go_op = match op {
        EnvOp::Unset(keys) => {
            EnvOp::Unset(keys.iter().filter(|k| *k != "GOROOT").cloned().collect())
        }
        o => o.clone(),
    };
    let removes_goroot = matches!(op, EnvOp::Unset(k) if k.iter().any(|k| k == "GOROOT"));
    if matches!(op, EnvOp::Unset(_))
        && loaded.before.is_none()
        && matches!(&go_op, EnvOp::Unset(k) if k.is_empty())
    {
        // What `go env -u` says when there is no file.
        return Err(EditError::Refused {
            message: format!(
                "go: reading go env config: open {}: no such file or directory",
                loaded.path.display()
            ),
            fallback: None,
        });
    }

    let mut sandbox = None;
    let tried = match candidate {
        None => Tried::NotAsked(match &facts.go_override {
            Some(p) => format!("{} does not exist", p.display()),
            None => "no go command on PATH".into(),
        }),
        Some(c) => match Sandbox::new(&c.path, opts.timeout) {
            Err(e) => Tried::NotAsked(format!("cannot create a private temporary directory: {e}")),
            Ok(sb) => {
                let t = try_with_go(&sb, &go_op, &loaded, opts)?;
                sandbox = Some(sb);
                t
            }
        },
    };

    let (set, unset): (Vec<(String, String)>, Vec<String>) = match op {
        EnvOp::Set(p) => (p.clone(), Vec::new()),
        EnvOp::Unset(k) => (Vec::new(), k.clone()),
    };
    let mut notes = Vec::new();
    let (go_bytes, not_asked) = match tried {
        Tried::Accepted(b) => (b, None),
        Tried::NotAsked(why) => {
            let version = candidate.and_then(|c| c.goroot_version.clone());
            let rules = Rules::for_version(version.as_deref());
            let fallback = NotAsked {
                why,
                rules: rules.described.clone(),
            };
            check_with_rules(facts, &loaded, &rules, &go_op).map_err(|e| EditError::Refused {
                message: e.0,
                fallback: Some(fallback.clone()),
            })?;
            if matches!(op, EnvOp::Unset(_)) && loaded.before.is_none() {
                return Err(EditError::Refused {
                    message: format!(
                        "go: reading go env config: open {}: no such file or directory",
                        loaded.path.display()
                    ),
                    fallback: Some(fallback),
                });
            }
            (None, Some(fallback))
        }
    };

    // The new bytes: go's, else gomedic's own computation of cmd/go's updateEnvFile.
    let add: BTreeMap<String, String> = set.iter().cloned().collect();
    let ours = std::str::from_utf8(loaded.before.as_deref().unwrap_or_default())
        .ok()
        .map(|t| write::update(t, &add, &unset));
    let after: Vec<u8> = match (go_bytes, &ours) {
        (Some(g), _) if !removes_goroot => {
            if ours.as_ref().is_some_and(|o| o.as_bytes() != g.as_slice()) {
                notes.push("gomedic's own computation of the new go env file differs from what `go env` wrote; gomedic writes go's bytes".to_string());
            }
            g
        }
        (_, Some(o)) => o.clone().into_bytes(),
        (_, None) => {
            return Err(EditError::Invalid(format!(
                "the go env file {} is not valid UTF-8; fix it first (gomedic check lists the bad lines)",
                loaded.path.display()
            )))
        }
    };

    // Run go with the changed copy: does it still work, and what does it read?
    let keys: Vec<String> = match op {
        EnvOp::Set(p) => p.iter().map(|(k, _)| k.clone()).collect(),
        EnvOp::Unset(k) => k.clone(),
    };
    let oracle = match (not_asked, &sandbox) {
        (Some(n), _) => Oracle::NotAsked(n),
        (None, None) => unreachable!("go was asked, so there is a sandbox"),
        (None, Some(sb)) => {
            let cwd = sb.dir.path();
            let probe = |data: Option<&[u8]>, keys: &[String]| match sb.file("probe", data) {
                Ok(f) => probe_go(&sb.go, Some(&f), keys, cwd, opts.timeout).map_err(|mut g| {
                    g.message = g
                        .message
                        .replace(&f.display().to_string(), &loaded.path.display().to_string());
                    g
                }),
                Err(e) => Err(GoFailure {
                    message: format!("cannot prepare a private copy of the go env file: {e}"),
                    timed_out: false,
                }),
            };
            let after_probe = probe(Some(&after), &keys);
            let (predicted, broken_after, broken_before) = match after_probe {
                Ok(m) => (m, None, None),
                Err(a) => {
                    let before = probe(loaded.before.as_deref(), &[]).err();
                    (BTreeMap::new(), Some(a.message), before.map(|b| b.message))
                }
            };
            Oracle::Asked {
                go: sb.go.clone(),
                predicted,
                broken_after,
                broken_before,
            }
        }
    };

    // gomedic's stricter refusals.
    let asked = matches!(oracle, Oracle::Asked { .. });
    let sem = semantics_of(facts);
    let mut stricter = Vec::new();
    for (k, v) in &set {
        if k == "GOROOT" {
            stricter.push(format!(
                "gomedic is stricter than go here: it does not write GOROOT into the go env file, because {}.",
                write::GOROOT_REFUSAL
            ));
            continue;
        }
        // With go asked, the probe above decides for GOFLAGS, exactly.
        if asked && k == "GOFLAGS" {
            continue;
        }
        if let Err(e) = check_value(k, v, &sem) {
            stricter.push(format!(
                "gomedic is stricter than go here: `go env -w` accepts this {k}, but {}: {e}.",
                consequence(k)
            ));
        }
    }
    if let Oracle::Asked {
        broken_after: Some(why),
        broken_before: None,
        ..
    } = &oracle
    {
        let flag = if set.is_empty() { "-u" } else { "-w" };
        stricter.push(format!(
            "gomedic is stricter than go here: `go env {flag}` accepts this change, but afterwards go commands fail: {why}."
        ));
    }
    let mut forced = Vec::new();
    if !stricter.is_empty() {
        if opts.force {
            forced = stricter;
        } else {
            return Err(EditError::Stricter(stricter));
        }
    }

    let (summary, warnings) = describe(facts, op);
    let after_bytes = if loaded.before.is_none() && after.is_empty() {
        None
    } else {
        Some(after)
    };
    let plan = Plan::new(
        fix_id,
        description,
        vec![Change::file(
            loaded.path.clone(),
            loaded.before.clone(),
            after_bytes,
            summary,
        )],
    );
    Ok(CheckedEdit {
        edit: EnvEdit { plan, warnings },
        oracle,
        notes,
        forced,
    })
}

/// gomedic's copy of the go command's checks, for when go cannot be asked.
fn check_with_rules(
    facts: &Facts,
    loaded: &Loaded,
    rules: &Rules,
    op: &EnvOp,
) -> Result<(), write::Refused> {
    if matches!(op, EnvOp::Unset(k) if k.is_empty()) {
        return Ok(());
    }
    let user = facts.user_env_file().file();
    // cfg.Getenv: the environment, then the user's file, then $GOROOT/go.env.
    let current = |k: &str| -> String {
        facts
            .getenv(k)
            .filter(|v| !v.is_empty())
            .or_else(|| user.and_then(|f| f.get(k)).map(|e| e.value.clone()))
            .or_else(|| {
                loaded
                    .goroot_env
                    .as_ref()
                    .and_then(|f| f.get(k))
                    .map(|e| e.value.clone())
            })
            .unwrap_or_default()
    };
    let os_env = |k: &str| facts.getenv(k).unwrap_or_default();
    let ctx = rules::Context {
        existing: &loaded.existing,
        windows: facts.windows(),
        current: &current,
        os_env: &os_env,
        host: rules::host(),
    };
    rules.check(op, &ctx)
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
    if scope == Scope::Machine {
        summary.push(
            "the machine PATH: applying needs an elevated (administrator) terminal".to_string(),
        );
    }
    match &before {
        Some(b) => {
            if b.kind != after.kind {
                summary.push(format!("type: {} → {}", b.kind_name(), after.kind_name()));
            } else {
                summary.push(format!("type: {} (unchanged)", b.kind_name()));
            }
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
    let plan = Plan::new(
        fix_id,
        description,
        vec![Change::registry_value(spec, before, Some(after), summary)],
    );
    Ok(EnvEdit {
        plan,
        warnings: vec!["open terminals and editors keep the old PATH; start new ones".into()],
    })
}

/// Why a change to registry value `spec` may not be applied by this process: the machine
/// PATH (HKLM) needs an elevated terminal. `elevated` is the token's elevation (`None`
/// when unknown: Windows then answers the write itself).
pub fn elevation_refusal(spec: &str, elevated: Option<bool>) -> Option<String> {
    use gomedic_sys::registry::Scope;
    (Scope::from_spec(spec) == Some(Scope::Machine) && elevated == Some(false)).then(|| {
        format!("{spec} can only be changed from an elevated (administrator) terminal: right-click Windows Terminal, PowerShell or Command Prompt, choose \"Run as administrator\", and run the same gomedic command there (nothing was changed)")
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
        plan: Plan::new(fix_id, description, changes),
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
        plan: Plan::new(fix_id, description, vec![Change::defender_exclusions(list, summary)]),
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
        plan: Plan::new(
            fix_id,
            description,
            vec![Change::firewall_rule(
                rule,
                vec![format!(
                    "inbound allow TCP {local_ports} from {remote_address} only"
                )],
            )],
        ),
        warnings: vec!["needs an elevated (administrator) terminal".into()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn machine_path_needs_elevation() {
        use gomedic_sys::registry::Scope;
        let m = Scope::Machine.spec();
        let refusal = elevation_refusal(m, Some(false)).expect("refused");
        assert!(refusal.contains("elevated (administrator)"), "{refusal}");
        assert!(refusal.contains("nothing was changed"), "{refusal}");
        assert_eq!(elevation_refusal(m, Some(true)), None);
        // Unknown elevation: Windows answers the write itself.
        assert_eq!(elevation_refusal(m, None), None);
        // The user PATH never needs elevation.
        assert_eq!(elevation_refusal(Scope::User.spec(), Some(false)), None);
    }
    #[test]
    fn values() {
        assert!(check_value(
            "GOPROXY",
            "https://goproxy.cn,direct",
            &GoSemantics::latest()
        )
        .is_ok());
        assert!(
            check_value("GOPROXY", "goproxy.cn;direct", &GoSemantics::latest()).is_err()
                || check_value("GOPROXY", "ftp://x", &GoSemantics::latest()).is_err()
        );
        assert!(check_value("GOSUMDB", "nope", &GoSemantics::latest()).is_err());
        assert!(check_value("GOPRIVATE", "[x", &GoSemantics::latest()).is_err());
        // go does not trim spaces: " b.example" matches nothing.
        assert!(check_value("GOPRIVATE", "a.example, b.example", &GoSemantics::latest()).is_err());
        assert!(check_value("GOPRIVATE", "a.example,b.example/", &GoSemantics::latest()).is_ok());
        assert!(check_value("GOTOOLCHAIN", "go1.22.3+auto", &GoSemantics::latest()).is_ok());
        assert!(check_value("GOTOOLCHAIN", "1.22", &GoSemantics::latest()).is_err());
        assert!(check_value("GOFLAGS", "-mod=mod vendor", &GoSemantics::latest()).is_err());
        // Quotes group words as in cmd/go's quoted.Split.
        assert!(check_value(
            "GOFLAGS",
            "\"-ldflags=-s -w\" -trimpath",
            &GoSemantics::latest()
        )
        .is_ok());
        assert!(check_value("GOFLAGS", "-ldflags=\"-s", &GoSemantics::latest()).is_ok());
        assert!(check_value("GOFLAGS", "-C=/tmp", &GoSemantics::latest()).is_err());
        assert!(!security_warnings("GOSUMDB", "off").is_empty());
    }

    #[test]
    fn go_messages_drop_warnings_and_usage() {
        let out = |stderr: &str, code| exec::Output {
            exit: exec::Exit::Code(code),
            stdout: vec![],
            stderr: stderr.as_bytes().to_vec(),
            duration: Duration::ZERO,
        };
        assert_eq!(
            go_message(&out("warning: go env -w GOPATH=... does not override conflicting OS environment variable\ngo: unsupported GOOS/GOARCH pair linuxx/amd64\n", 1)),
            "go: unsupported GOOS/GOARCH pair linuxx/amd64"
        );
        assert_eq!(
            go_message(&out("go: invalid value \"/tmp\" for flag -C (from $GOFLAGS): -C flag must be first flag on command line\nusage: go env [-json] [-u] [-w] [var ...]\nRun 'go help env' for details.\n", 2)),
            "go: invalid value \"/tmp\" for flag -C (from $GOFLAGS): -C flag must be first flag on command line"
        );
        assert_eq!(go_message(&out("", 3)), "exit status 3, no message");
    }
}
