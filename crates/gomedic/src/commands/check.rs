//! `gomedic check`: gather facts, run checks, redact, render, exit.

use crate::cli::{CheckArgs, CheckFormat as Format};
use anyhow::Context;
use gomedic_checks::Policy;
use gomedic_core::Report;
use gomedic_doctor::RunOptions;
use gomedic_goenv::GoVersion;
use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The validated command line.
struct Invocation {
    policy: Policy,
    opts: RunOptions,
    selected: Vec<&'static gomedic_checks::Check>,
    go_timeout: Duration,
    net_timeout: Duration,
}

/// Every usage error, in the order the flags are read.
fn invocation(args: &CheckArgs) -> Result<Invocation, String> {
    let policy = policy(args)?;
    let deadline = match args.deadline {
        Some(s) => seconds("--deadline", s)?,
        None if args.deep => Duration::from_secs(900),
        None => Duration::from_secs(60),
    };
    let go_timeout = seconds("--go-timeout", args.go_timeout)?;
    let opts = RunOptions {
        deep: args.deep,
        only: args.only.clone(),
        skip: args.skip.clone(),
        deadline,
    };
    let selected = gomedic_doctor::select(&opts).map_err(|e| e.to_string())?;
    let net_timeout = seconds("--net-timeout", args.net_timeout)?;
    Ok(Invocation {
        policy,
        opts,
        selected,
        go_timeout,
        net_timeout,
    })
}

pub fn run(args: CheckArgs) -> anyhow::Result<u8> {
    let start = Instant::now();
    let Invocation {
        policy,
        opts,
        selected,
        go_timeout,
        net_timeout,
    } = invocation(&args).map_err(super::UsageError)?;
    let host = gomedic_sys::host::detect(&|k| std::env::var(k).ok());
    let net = super::common::net_options(&args.resolve, Some(net_timeout))?;
    let mut facts = super::common::facts_with(args.go.clone(), policy, net)?;
    facts.offline = args.offline;
    facts.timeouts.go_command = go_timeout;
    let facts = Arc::new(facts);

    let checks = gomedic_doctor::run(Arc::clone(&facts), &selected, &opts);
    let report = Report::new(
        env!("CARGO_PKG_VERSION"),
        host,
        start.elapsed().as_millis() as u64,
        checks,
    )
    .strict(args.strict);
    let code = report.exit_code;
    let redacted = report.redact(&super::common::redactor(&facts));

    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let res = match args.format {
        Format::Json => gomedic_render::json(&redacted, &mut out),
        Format::Junit => gomedic_render::junit(&redacted, args.strict, &mut out),
        Format::Human => {
            let color =
                stdout.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            gomedic_render::human(
                &redacted,
                gomedic_render::HumanOptions {
                    color,
                    verbose: args.verbose,
                },
                &mut out,
            )
        }
    };
    match res.and_then(|_| out.flush()) {
        Ok(()) => Ok(code),
        // `gomedic check | head` is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(code),
        Err(e) => Err(e).context("cannot write the report"),
    }
}

/// A positive, representable number of seconds (at most a day).
pub(crate) fn seconds(flag: &str, s: f64) -> Result<Duration, String> {
    if !(s.is_finite() && s > 0.0 && s <= 86_400.0) {
        return Err(format!(
            "{flag} must be a number of seconds between 0 and 86400, not {s}"
        ));
    }
    Duration::try_from_secs_f64(s).map_err(|e| format!("{flag}: {e}"))
}

fn policy(args: &CheckArgs) -> Result<Policy, String> {
    let min_raw = if args.min_go.trim().is_empty() {
        "1.21.0"
    } else {
        args.min_go.trim()
    };
    let min_go = GoVersion::parse(min_raw).ok_or_else(|| {
        format!(
            "--min-go: `{}` is not a Go version (e.g. 1.22.0)",
            args.min_go
        )
    })?;
    let mut p = Policy {
        min_go,
        ..Policy::default()
    };
    if let Some(list) = &args.deny_go {
        p.deny = list
            .iter()
            .filter(|s| !s.trim().is_empty())
            .map(|s| {
                GoVersion::parse(s.trim())
                    .map(|v| {
                        (
                            v,
                            "denied by policy (--deny-go / GOMEDIC_DENY_GO)".to_string(),
                        )
                    })
                    .ok_or_else(|| format!("--deny-go: `{s}` is not a Go version"))
            })
            .collect::<Result<_, _>>()?;
    }
    Ok(p)
}
