//! `gomedic net`: layered probes with a recommendation; `gomedic net route MODULE`.

use super::common;
use crate::cli::{EndpointArg, Format, NetAction, NetArgs};
use gomedic_checks::net::{judge_chain, judge_sumdb, recommend, Chain, Recommendation, SumdbReach};
use gomedic_checks::{Gather, Policy};
use gomedic_core::net::{EndpointKind, EndpointReport};
use gomedic_core::Redactor;
use gomedic_goenv::goproxy::{Fallback, ProxyEntry};
use gomedic_goenv::route::{ModuleRoute, SettingDiagnostic, Severity, StepAction};
use std::io::Write;

pub fn run(args: NetArgs) -> anyhow::Result<u8> {
    if let Some(NetAction::Route { module, format }) = &args.action {
        return route(module, *format);
    }
    let deadline =
        crate::duration::positive("--timeout", &args.timeout).map_err(common::UsageError)?;
    // Every URL is checked before anything is probed: a bad one is a usage error.
    for u in &args.urls {
        check_url_arg(u).map_err(common::UsageError)?;
    }
    let net = common::net_options(&args.resolve, Some(deadline))?;
    let facts = common::facts_with(None, Policy::default(), net.clone())?;
    let targets: Vec<(String, EndpointKind)> = if args.urls.is_empty() {
        facts.net_targets()
    } else {
        let mut v = Vec::new();
        for u in &args.urls {
            let lower = u.to_ascii_lowercase();
            let kind = match args.kind {
                EndpointArg::Proxy => EndpointKind::Proxy,
                EndpointArg::Sumdb => EndpointKind::SumDb,
                EndpointArg::Host => EndpointKind::Host,
                EndpointArg::Auto if lower.contains("://sum.") || lower.contains("/sumdb/") => {
                    EndpointKind::SumDb
                }
                EndpointArg::Auto
                    if gomedic_facts::network::HOSTS
                        .iter()
                        .any(|h| lower.trim_end_matches('/') == *h) =>
                {
                    EndpointKind::Host
                }
                EndpointArg::Auto => EndpointKind::Proxy,
            };
            v.push((u.clone(), kind));
        }
        v
    };
    let sd = facts.sumdb();
    let sd_name = sd
        .as_ref()
        .map(|s| s.name.clone())
        .unwrap_or_else(|| "sum.golang.org".into());
    let reports = gomedic_doctor::SystemGather { net: net.clone() }.net_probe(
        &targets,
        &facts.env,
        &sd_name,
        facts.net_go_version(),
    );
    // Judge the checksum database only when it was probed (explicit URLs may leave it out).
    let norm = |u: &str| u.trim_end_matches('/').to_string();
    let sumdb = sd.filter(|s| reports.iter().any(|r| norm(&r.url) == norm(&s.url)));
    let rec = recommend(&reports, sumdb.as_ref());
    let current_proxy = facts.setting("GOPROXY");

    // Exit 1 when what go needs does not work: the given URLs, or else the configured chain.
    // The same judgement `check` makes (net.goproxy, net.sumdb), so both agree.
    let chain = judge_chain(&facts.settings().goproxy, &reports);
    // A company's proxy that serves only its own modules is not "no proxy works".
    let private_first = chain.private_first_summary();
    let failed = if args.urls.is_empty() {
        let proxy_ok = match &chain {
            Chain::Off => true,
            chain => chain.works(),
        };
        let sum_ok = sumdb.as_ref().is_none_or(|s| {
            judge_sumdb(s, &facts.goproxy_urls(), &reports) != SumdbReach::Unreachable
        });
        !(proxy_ok && sum_ok)
    } else {
        reports
            .iter()
            .any(|r| !r.verdict.usable_by_go() && !r.verdict.inconclusive())
    };

    // Learns HTTPS_PROXY/HTTP_PROXY credentials with the rest of the environment.
    let r = common::redactor(&facts);
    let mut out = crate::output::stdout();
    let res = match args.format {
        Format::Json => {
            let mut doc = serde_json::json!({
                "schema": "gomedic.net/v1",
                "deadline_ms": deadline.as_millis() as u64,
                "endpoints": reports,
                "recommendation": rec,
            });
            r.redact_json(&mut doc);
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(std::io::Error::from)
                .and_then(|_| writeln!(out))
        }
        Format::Human => {
            // Render, then redact the whole text: no line can leak a credential.
            let mut buf = Vec::new();
            human(
                &mut buf,
                &reports,
                &rec,
                &r,
                &current_proxy,
                private_first.as_deref(),
            )
            .and_then(|_| out.write_all(r.redact(&String::from_utf8_lossy(&buf)).as_bytes()))
        }
    };
    res?;
    Ok(if failed { 1 } else { 0 })
}

/// A URL argument of `gomedic net`: one Go's `url.Parse` reads, http or https, with a
/// host and a valid port. The message names the argument.
fn check_url_arg(u: &str) -> Result<(), String> {
    let lower = u.to_ascii_lowercase();
    if !(lower.starts_with("https://") || lower.starts_with("http://")) {
        return Err(format!("URL argument {u:?} is not an http(s) URL"));
    }
    if let Err(e) = gomedic_goenv::gourl::parse(u, &gomedic_goenv::GoSemantics::latest()) {
        return Err(format!("URL argument {u:?} is not a valid URL: {e}"));
    }
    gomedic_net::check_url(u).map_err(|e| format!("bad URL argument: {e}"))
}

fn human(
    out: &mut dyn Write,
    reports: &[EndpointReport],
    rec: &Recommendation,
    r: &Redactor,
    current_proxy: &str,
    private_first: Option<&str>,
) -> std::io::Result<()> {
    // Aligned on URLs of usual length; a longer one just sticks out.
    let w = reports
        .iter()
        .map(|e| gomedic_core::text::width(&e.url))
        .filter(|n| *n <= 60)
        .max()
        .unwrap_or(0);
    for e in reports {
        let sym = if e.verdict.inconclusive() {
            "?"
        } else if e.verdict.usable_by_go() {
            if e.verdict == gomedic_core::net::Verdict::Ok {
                "✓"
            } else {
                "!"
            }
        } else {
            "✗"
        };
        writeln!(
            out,
            "{sym} {}  {:<22} {:>5} ms  {}",
            gomedic_core::text::pad(&e.url, w),
            e.verdict.as_str(),
            e.duration_ms,
            r.redact(&e.detail)
        )?;
        let mut layers = Vec::new();
        if let Some(d) = &e.dns {
            layers.push(if let Some(err) = &d.error {
                format!("dns: {err}")
            } else {
                format!("dns {} ({})", d.addresses.join(" "), d.source)
            });
        }
        if let Some(p) = &e.proxy {
            layers.push(format!(
                "proxy {} → {}",
                r.redact(&p.url),
                p.status
                    .map(|s| s.to_string())
                    .or(p.error.clone())
                    .unwrap_or_default()
            ));
        }
        if let Some(t) = &e.tcp {
            layers.push(match &t.error {
                Some(err) => format!("tcp: {err}"),
                None => format!(
                    "tcp {} ({} ms)",
                    t.address.clone().unwrap_or_default(),
                    t.duration_ms
                ),
            });
        }
        if let Some(t) = &e.tls {
            let issuer = t.chain.last().map(|c| c.issuer.as_str()).unwrap_or("");
            layers.push(match &t.error {
                Some(err) if t.version.is_none() => format!("tls: {err}"),
                _ => format!(
                    "tls {} alpn={} issuer=\"{issuer}\" system={} mozilla={}",
                    t.version.clone().unwrap_or_default(),
                    t.alpn.clone().unwrap_or_else(|| "-".into()),
                    t.trusted_by_system
                        .map(|b| if b { "trusted" } else { "untrusted" })
                        .unwrap_or("?"),
                    t.trusted_by_mozilla
                        .map(|b| if b { "trusted" } else { "untrusted" })
                        .unwrap_or("?")
                ),
            });
        }
        if let Some(h) = &e.http {
            layers.push(format!(
                "{} → {}",
                h.request,
                h.status
                    .map(|s| s.to_string())
                    .or(h.error.clone())
                    .unwrap_or_default()
            ));
        }
        if !layers.is_empty() {
            writeln!(out, "    {}", layers.join(" · "))?;
        }
    }
    writeln!(out)?;
    if let Some(p) = private_first {
        writeln!(out, "{p}")?;
    }
    match &rec.goproxy {
        Some(gp) => writeln!(out, "recommended GOPROXY={gp}")?,
        None if private_first.is_some() => {}
        None if reports.iter().any(|r| r.verdict.inconclusive()) => writeln!(
            out,
            "no module proxy confirmed from here: gomedic could not check the ones marked ?, where go may work"
        )?,
        None => writeln!(out, "no module proxy works from here")?,
    }
    if let Some(sd) = &rec.gosumdb {
        writeln!(out, "recommended GOSUMDB={sd}")?;
    }
    for n in &rec.notes {
        writeln!(out, "note: {n}")?;
    }
    if rec.goproxy.as_deref().is_some_and(|g| g != current_proxy) || rec.gosumdb.is_some() {
        writeln!(
            out,
            "apply with: gomedic fix net.mirror   (journaled; undo with gomedic undo)"
        )?;
    }
    Ok(())
}

fn route(module: &str, format: Format) -> anyhow::Result<u8> {
    let facts = common::facts(None, Policy::default())?;
    let s = |k: &str| facts.setting(k);
    let (gp, gs, gpriv, gnp, gns, gi) = (
        s("GOPROXY"),
        s("GOSUMDB"),
        s("GOPRIVATE"),
        s("GONOPROXY"),
        s("GONOSUMDB"),
        s("GOINSECURE"),
    );
    // Parsed once in the settings snapshot, with the rules of the go that runs.
    let cfg = &facts.settings().route;
    let route = match cfg.route(module) {
        Ok(r) => r,
        Err(e) => return Err(common::UsageError(common::redactor(&facts).redact(&e)).into()),
    };
    let diagnostics = cfg.diagnostics();
    let code = if route.fails.is_some() { 1 } else { 0 };
    let r = common::redactor(&facts);
    let mut stdout = crate::output::stdout();
    let mut out: Vec<u8> = Vec::new();
    if format == Format::Json {
        let mut doc = serde_json::json!({
            "schema": "gomedic.route/v1",
            "route": route_json(&route),
            "diagnostics": diagnostics,
            "settings": {
                "GOPROXY": gp, "GOSUMDB": gs, "GOPRIVATE": gpriv, "GONOPROXY": gnp,
                "GONOSUMDB": gns, "GOINSECURE": gi,
            },
        });
        r.redact_json(&mut doc);
        serde_json::to_writer_pretty(&mut out, &doc)?;
        writeln!(out)?;
        stdout.write_all(&out)?;
        return Ok(code);
    }
    route_human(&mut out, &route, &diagnostics, &gpriv)?;
    stdout.write_all(r.redact(&String::from_utf8_lossy(&out)).as_bytes())?;
    Ok(code)
}

/// The route as `gomedic.route/v1` has it: the typed route plus the earlier flat fields.
fn route_json(route: &ModuleRoute) -> serde_json::Value {
    let mut v = serde_json::to_value(route).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.insert("private".into(), route.private.is_some().into());
        o.insert("private_pattern".into(), route.private.clone().into());
        o.insert("bypasses_proxy".into(), route.noproxy.is_some().into());
        o.insert("noproxy_pattern".into(), route.noproxy.clone().into());
        o.insert("insecure".into(), route.insecure.is_some().into());
        o.insert("insecure_pattern".into(), route.insecure.clone().into());
        o.remove("noproxy");
        let db = route
            .checksum
            .consulted
            .then(|| route.checksum.name.clone())
            .flatten();
        o.insert("checksum_db".into(), db.into());
        o.insert("checksum_note".into(), route.checksum.note.clone().into());
    }
    v
}

fn route_human(
    out: &mut dyn Write,
    route: &ModuleRoute,
    diagnostics: &[SettingDiagnostic],
    goprivate: &str,
) -> std::io::Result<()> {
    writeln!(out, "module {}", route.module)?;
    writeln!(out, "  rules: {}", route.go_rules)?;
    writeln!(
        out,
        "  private: {}",
        match &route.private {
            Some(p) => format!("yes (GOPRIVATE={goprivate}, entry {p:?})"),
            None => "no".into(),
        }
    )?;
    if let Some(p) = &route.noproxy {
        writeln!(
            out,
            "  GONOPROXY entry {p:?} matches: the proxies are skipped, the module is fetched directly"
        )?;
    }
    if let Some(f) = &route.fails {
        writeln!(
            out,
            "  ✗ every download fails: {}: {} ({})",
            f.setting, f.message, f.code
        )?;
    }
    if !route.sources.is_empty() {
        writeln!(out, "  sources, in order:")?;
    }
    for (i, e) in route.sources.iter().enumerate() {
        let text = match e {
            ProxyEntry::Url { url, fallback } => format!(
                "{url} — {}",
                match fallback {
                    Fallback::OnNotFound =>
                        "on 404/410 try the next; other errors stop the download",
                    Fallback::OnAnyError => "on any error try the next",
                    Fallback::None => "last entry",
                }
            ),
            ProxyEntry::Direct => {
                "direct — the module's version control host (git, hg, ...)".into()
            }
            ProxyEntry::Off => "off — downloads are disabled".into(),
        };
        writeln!(out, "    {}. {text}", i + 1)?;
    }
    let skipped: Vec<String> = route
        .steps
        .iter()
        .filter_map(|s| match &s.action {
            StepAction::Skip { reason } if s.entry != "noproxy" => {
                Some(format!("{} ({reason})", s.entry))
            }
            _ => None,
        })
        .collect();
    if !skipped.is_empty() {
        writeln!(out, "  skipped: {}", skipped.join(", "))?;
    }
    writeln!(out, "  checksum database: {}", route.checksum.note)?;
    if route.insecure.is_some() {
        writeln!(out, "  GOINSECURE matches: plain HTTP and invalid certificates are accepted for direct fetches")?;
    }
    let fail_code = route.fails.as_ref().map(|f| f.code.as_str());
    for d in diagnostics
        .iter()
        .filter(|d| Some(d.code.as_str()) != fail_code)
    {
        let sym = match d.severity {
            Severity::Error => "✗",
            Severity::Warning => "!",
            Severity::Info => "·",
        };
        writeln!(out, "  {sym} {} ({})", d.message, d.code)?;
    }
    Ok(())
}
