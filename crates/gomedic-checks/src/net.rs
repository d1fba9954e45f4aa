//! `net.*` checks: are the module proxies, the checksum database and Go's download hosts
//! reachable, layer by layer; and the GOPROXY/GOSUMDB that would work (`fix net.mirror`).

use crate::facts::Facts;
use gomedic_core::net::{EndpointKind, EndpointReport, Verdict};
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use gomedic_goenv::goproxy::{self, ProxyEntry, SumDb};
use serde::Serialize;

/// Well-known public module proxies (mirrors) gomedic considers for `net.mirror`.
pub const MIRRORS: &[&str] = &[
    "https://proxy.golang.org",
    "https://goproxy.cn",
    "https://goproxy.io",
    "https://mirrors.aliyun.com/goproxy/",
];
/// Checksum database endpoints: the default and its official mirror.
pub const SUMDBS: &[&str] = &["https://sum.golang.org", "https://sum.golang.google.cn"];
/// Other hosts the go command needs: toolchain downloads and module zips.
pub const HOSTS: &[&str] = &[
    "https://storage.googleapis.com",
    "https://go.dev",
    "https://dl.google.com",
];

fn norm(u: &str) -> String {
    u.trim_end_matches('/').to_string()
}

/// The http(s) entries of the effective GOPROXY.
pub fn goproxy_urls(f: &Facts) -> Vec<String> {
    goproxy::parse_goproxy(&f.setting("GOPROXY"))
        .map(|l| {
            l.into_iter()
                .filter_map(|e| match e {
                    ProxyEntry::Url { url, .. } if url.starts_with("http") => Some(url),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The effective checksum database URL, if verification is on.
pub fn sumdb_url(f: &Facts) -> Option<(String, String)> {
    match goproxy::parse_gosumdb(&f.setting("GOSUMDB")) {
        Ok(SumDb::On { name, url, .. }) => Some((name, url)),
        _ => None,
    }
}

/// Every target, deduplicated: configured proxies and sumdb first, then the well-known ones.
pub fn targets(f: &Facts) -> Vec<(String, EndpointKind)> {
    let mut out: Vec<(String, EndpointKind)> = Vec::new();
    let mut push = |u: &str, k: EndpointKind| {
        let n = norm(u);
        if !out.iter().any(|(x, _)| norm(x) == n) {
            out.push((u.to_string(), k));
        }
    };
    for u in goproxy_urls(f) {
        push(&u, EndpointKind::Proxy);
    }
    if let Some((_, u)) = sumdb_url(f) {
        push(&u, EndpointKind::SumDb);
    }
    for u in MIRRORS {
        push(u, EndpointKind::Proxy);
    }
    for u in SUMDBS {
        push(u, EndpointKind::SumDb);
    }
    for u in HOSTS {
        push(u, EndpointKind::Host);
    }
    out
}

fn find<'a>(reports: &'a [EndpointReport], url: &str) -> Option<&'a EndpointReport> {
    reports.iter().find(|r| norm(&r.url) == norm(url))
}

fn line(r: &EndpointReport) -> String {
    format!(
        "{}: {} ({} ms) {}",
        r.url,
        r.verdict.as_str(),
        r.duration_ms,
        r.detail
    )
}

/// GOPROXY and GOSUMDB values that would work from here.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Recommendation {
    /// `None` when no proxy passed.
    pub goproxy: Option<String>,
    /// `None`: keep the current GOSUMDB (or nothing reachable; see `notes`).
    pub gosumdb: Option<String>,
    pub notes: Vec<String>,
}

/// The fastest passing public proxies joined with `|`, ending in `direct`; a reachable
/// checksum database (never `off`).
pub fn recommend(
    reports: &[EndpointReport],
    current_sumdb: Option<(&str, &str)>,
) -> Recommendation {
    let mut passing: Vec<&EndpointReport> = reports
        .iter()
        .filter(|r| {
            r.kind == EndpointKind::Proxy
                && r.verdict.usable_by_go()
                && r.http.as_ref().and_then(|h| h.status) == Some(200)
        })
        .collect();
    passing.sort_by_key(|r| r.duration_ms);
    passing.truncate(3);
    let mut notes = Vec::new();
    let goproxy = if passing.is_empty() {
        notes.push("no module proxy passed; `direct` needs each module's version control host, which is usually blocked too".into());
        None
    } else {
        let mut v: Vec<String> = passing.iter().map(|r| norm(&r.url)).collect();
        v.push("direct".into());
        Some(v.join("|"))
    };
    let mut gosumdb = None;
    if let Some((name, url)) = current_sumdb {
        let direct_ok = find(reports, url).is_some_and(|r| r.verdict.usable_by_go());
        let via_proxy = passing
            .iter()
            .any(|r| r.http.as_ref().and_then(|h| h.sumdb_supported) == Some(true));
        if direct_ok {
            notes.push(format!("{name} is reachable at {url}"));
        } else if via_proxy && name == "sum.golang.org" {
            notes.push(format!("{url} is blocked, but the chosen proxies serve /sumdb/{name}/: the go command uses that automatically"));
        } else if name == "sum.golang.org"
            && find(reports, "https://sum.golang.google.cn")
                .is_some_and(|r| r.verdict.usable_by_go())
        {
            gosumdb = Some("sum.golang.google.cn".to_string());
            notes.push(
                "sum.golang.org is blocked; sum.golang.google.cn serves the same signed database"
                    .into(),
            );
        } else {
            notes.push(format!("no way to reach the checksum database {name} was found; gomedic will not turn verification off (downloads fail until it is reachable)"));
        }
    }
    Recommendation {
        goproxy,
        gosumdb,
        notes,
    }
}

fn offline() -> CheckResult {
    CheckResult::skipped("skipped (--offline)")
}

/// `net.goproxy`
pub fn check_goproxy(f: &Facts) -> CheckResult {
    if f.offline {
        return offline();
    }
    let value = f.setting("GOPROXY");
    let list = match goproxy::parse_goproxy(&value) {
        Ok(l) => l,
        Err(e) => return CheckResult::error(format!("GOPROXY is malformed: {e}")),
    };
    let urls = goproxy_urls(f);
    if urls.is_empty() {
        let what = if list.first() == Some(&ProxyEntry::Off) {
            "GOPROXY=off: no module downloads"
        } else {
            "GOPROXY has no proxy (direct only): modules come from their version control hosts"
        };
        return CheckResult::skipped(what.to_string());
    }
    let reports = f.net_reports();
    let mut details: Vec<String> = urls
        .iter()
        .filter_map(|u| find(reports, u))
        .map(line)
        .collect();
    let first_ok = urls
        .iter()
        .find_map(|u| find(reports, u).filter(|r| r.verdict.usable_by_go()));
    let all = urls
        .iter()
        .filter_map(|u| find(reports, u))
        .collect::<Vec<_>>();
    let mut r = match first_ok {
        Some(ok)
            if all.first().is_some_and(|f| std::ptr::eq(*f, ok)) && ok.verdict == Verdict::Ok =>
        {
            CheckResult::ok(format!("{} works ({} ms)", ok.url, ok.duration_ms))
        }
        Some(ok) if ok.verdict == Verdict::TlsIntercepted => {
            CheckResult::warn(format!("{} works, but TLS is intercepted", ok.url))
                .detail(ok.detail.clone())
        }
        Some(ok) => CheckResult::warn(format!("{} works; earlier GOPROXY entries fail", ok.url)),
        None => {
            let v = all.first().map(|r| r.verdict).unwrap_or(Verdict::DnsFailed);
            CheckResult::error(format!(
                "no proxy in GOPROXY works: {} ({})",
                v.as_str(),
                v.explain()
            ))
        }
    };
    if r.status != Status::Ok {
        let rec = recommend(
            reports,
            sumdb_url(f).as_ref().map(|(n, u)| (n.as_str(), u.as_str())),
        );
        if let Some(gp) = rec.goproxy.as_ref().filter(|gp| **gp != value) {
            let mut set = vec![("GOPROXY".to_string(), gp.clone())];
            if let Some(sd) = &rec.gosumdb {
                set.push(("GOSUMDB".to_string(), sd.clone()));
            }
            let cmds = set
                .iter()
                .map(|(k, v)| {
                    format!(
                        "go env -w {}",
                        crate::util::shell_quote(&format!("{k}={v}"), f.windows())
                    )
                })
                .collect();
            r = r.fix(Fix::auto(
                "net.mirror",
                format!("Use the proxies that work from here: GOPROXY={gp}"),
                cmds,
                FixAction::GoEnv { set, unset: vec![] },
            ));
        }
        details.extend(rec.notes.iter().map(|n| format!("note: {n}")));
    }
    r.details.extend(std::mem::take(&mut details));
    r.data("endpoints", serde_json::to_value(all).unwrap_or_default())
}

/// `net.sumdb`
pub fn check_sumdb(f: &Facts) -> CheckResult {
    if f.offline {
        return offline();
    }
    let Some((name, url)) = sumdb_url(f) else {
        return CheckResult::skipped("GOSUMDB=off: checksum verification is disabled (see go.env)");
    };
    let reports = f.net_reports();
    let direct = find(reports, &url);
    if let Some(d) = direct.filter(|d| d.verdict.usable_by_go()) {
        return CheckResult::ok(format!("{name} reachable at {url} ({} ms)", d.duration_ms))
            .detail(line(d));
    }
    // The go command asks each GOPROXY proxy for /sumdb/<name>/supported first.
    let via = goproxy_urls(f)
        .into_iter()
        .filter_map(|u| find(reports, &u))
        .find(|r| {
            r.verdict.usable_by_go()
                && r.http.as_ref().and_then(|h| h.sumdb_supported) == Some(true)
        });
    let mut r = match via {
        Some(p) => CheckResult::ok(format!("{name} is served through {} (direct access to {url} fails)", p.url)),
        None => CheckResult::error(format!("the checksum database {name} is unreachable: `go mod download` fails with \"verifying module\"")),
    };
    if let Some(d) = direct {
        r = r.detail(line(d));
    }
    if r.status == Status::Error {
        let rec = recommend(reports, Some((&name, &url)));
        if let Some(sd) = &rec.gosumdb {
            let mut set = vec![("GOSUMDB".to_string(), sd.clone())];
            if let Some(gp) = rec
                .goproxy
                .as_ref()
                .filter(|gp| **gp != f.setting("GOPROXY"))
            {
                set.push(("GOPROXY".to_string(), gp.clone()));
            }
            let cmds = set
                .iter()
                .map(|(k, v)| {
                    format!(
                        "go env -w {}",
                        crate::util::shell_quote(&format!("{k}={v}"), f.windows())
                    )
                })
                .collect();
            r = r.fix(Fix::auto(
                "net.mirror",
                format!("Use the checksum database mirror {sd}"),
                cmds,
                FixAction::GoEnv { set, unset: vec![] },
            ));
        }
        r.details
            .extend(rec.notes.into_iter().map(|n| format!("note: {n}")));
        r = r.detail("never set GOSUMDB=off to get around this: it disables the protection against tampered modules");
    }
    r
}

/// `net.hosts`
pub fn check_hosts(f: &Facts) -> CheckResult {
    if f.offline {
        return offline();
    }
    let reports = f.net_reports();
    let hosts: Vec<&EndpointReport> = HOSTS.iter().filter_map(|u| find(reports, u)).collect();
    let bad: Vec<&&EndpointReport> = hosts.iter().filter(|r| !r.verdict.usable_by_go()).collect();
    let mut r = if bad.is_empty() {
        CheckResult::ok(format!("{} download hosts reachable", hosts.len()))
    } else {
        CheckResult::warn(format!(
            "{} of {} download hosts unreachable: toolchain downloads (GOTOOLCHAIN) and some module zips may fail",
            bad.len(),
            hosts.len()
        ))
    };
    r.details.extend(hosts.iter().map(|h| line(h)));
    let dns_bad: Vec<&EndpointReport> = reports
        .iter()
        .filter(|x| x.verdict == Verdict::DnsSuspicious)
        .collect();
    if !dns_bad.is_empty() {
        r.status = r.status.worst(Status::Warn);
        r.details.extend(
            dns_bad
                .iter()
                .map(|x| format!("suspicious DNS: {}", x.detail)),
        );
    }
    r
}
