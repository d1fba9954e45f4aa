//! `gomedic check`: gather facts, run checks, redact, render, exit.

use crate::cli::{CheckArgs, CheckFormat as Format};
use crate::duration::positive;
use anyhow::Context;
use gomedic_checks::Policy;
use gomedic_doctor::RunOptions;
use gomedic_goenv::GoVersion;
use std::io::Write;
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
    let deadline = match &args.deadline {
        Some(s) => positive("--deadline", s)?,
        None if args.deep => Duration::from_secs(900),
        None => Duration::from_secs(60),
    };
    let go_timeout = positive("--go-timeout", &args.go_timeout)?;
    list("--only", &args.only)?;
    list("--skip", &args.skip)?;
    let opts = RunOptions {
        deep: args.deep,
        only: args.only.clone(),
        skip: args.skip.clone(),
        deadline,
    };
    let selected = gomedic_doctor::select(&opts).map_err(|e| e.to_string())?;
    let net_timeout = positive("--net-timeout", &args.net_timeout)?;
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
    let net = super::common::net_options(&args.resolve, Some(net_timeout))?;
    let mut facts = super::common::facts_with(args.go.clone(), policy, net)?;
    facts.offline = args.offline;
    facts.timeouts.go_command = go_timeout;
    let facts = Arc::new(facts);

    let report = super::common::run_checks(&facts, &selected, &opts, start).strict(args.strict);
    let code = report.exit_code;
    let redacted = report.redact(&super::common::redactor(&facts));

    // Rendered whole, then written at once (stdout is line-buffered: a write per line).
    let mut out = Vec::with_capacity(16 << 10);
    let res = match args.format {
        Format::Json => gomedic_render::json(&redacted, &mut out),
        Format::Junit => gomedic_render::junit(&redacted, args.strict, &mut out),
        Format::Human => {
            let color = crate::output::color();
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
    // `gomedic check | head` is not a failure (the output module drops the rest).
    res.and_then(|_| crate::output::stdout().write_all(&out))
        .and_then(|_| crate::output::stdout().flush())
        .context("cannot write the report")?;
    Ok(code)
}

/// A list flag (`--only a,b`) refuses empty entries (`a,,b`, a trailing comma, `,`).
pub(crate) fn list(flag: &str, items: &[String]) -> Result<(), String> {
    if items.iter().any(|s| s.trim().is_empty()) {
        return Err(format!(
            "{flag}: empty entry in `{}` (remove the extra comma)",
            items.join(",")
        ));
    }
    Ok(())
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
    // An entirely empty GOMEDIC_DENY_GO (or `--deny-go ""`) means no deny-list, as an
    // empty GOMEDIC_MIN_GO means the default; an empty entry in a list is refused.
    if let Some(items) = args
        .deny_go
        .as_ref()
        .filter(|l| !(l.len() == 1 && l[0].trim().is_empty()))
    {
        list("--deny-go", items)?;
        p.deny = items
            .iter()
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
