//! `net.*` checks: are the module proxies, the checksum database and Go's download hosts
//! reachable, layer by layer; and the GOPROXY/GOSUMDB that would work (`fix net.mirror`).

use crate::facts::Facts;
use gomedic_core::net::{EndpointKind, EndpointReport, Verdict};
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use gomedic_goenv::goproxy::{self, Fallback, ProxyEntry, SumDb};
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

/// The effective checksum database, if verification is on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SumdbConf {
    pub name: String,
    pub url: String,
    /// An explicit URL (or the sum.golang.google.cn alias): go bypasses the proxies.
    pub explicit: bool,
}

pub fn sumdb(f: &Facts) -> Option<SumdbConf> {
    match goproxy::parse_gosumdb(&f.setting("GOSUMDB")) {
        Ok(SumDb::On {
            name,
            url,
            explicit_url,
            ..
        }) => Some(SumdbConf {
            name,
            url,
            explicit: explicit_url,
        }),
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
    if let Some(sd) = sumdb(f) {
        push(&sd.url, EndpointKind::SumDb);
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
pub fn recommend(reports: &[EndpointReport], current: Option<&SumdbConf>) -> Recommendation {
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
    if let Some(sd) = current {
        let direct_ok = find(reports, &sd.url).is_some_and(|r| r.verdict.usable_by_go());
        let via_proxy = !sd.explicit
            && passing
                .iter()
                .any(|r| r.http.as_ref().and_then(|h| h.sumdb_supported) == Some(true));
        if direct_ok {
            notes.push(format!("{} is reachable at {}", sd.name, sd.url));
        } else if via_proxy {
            notes.push(format!("{} is blocked, but the chosen proxies serve /sumdb/{}/: the go command uses that automatically", sd.url, sd.name));
        } else if sd.name == "sum.golang.org"
            && find(reports, "https://sum.golang.google.cn")
                .is_some_and(|r| r.verdict.usable_by_go())
        {
            gosumdb = Some("sum.golang.google.cn".to_string());
            notes.push(
                "sum.golang.org is blocked; sum.golang.google.cn serves the same signed database"
                    .into(),
            );
        } else {
            notes.push(format!("no way to reach the checksum database {} was found; gomedic will not turn verification off (downloads fail until it is reachable)", sd.name));
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

fn fix_commands(f: &Facts, set: &[(String, String)]) -> Vec<String> {
    set.iter()
        .map(|(k, v)| {
            format!(
                "go env -w {}",
                crate::util::shell_quote(&format!("{k}={v}"), f.windows())
            )
        })
        .collect()
}

fn is_not_found(r: &EndpointReport) -> bool {
    matches!(r.http.as_ref().and_then(|h| h.status), Some(404 | 410))
}

/// `net.goproxy`: walks GOPROXY as the go command does. After a failing entry, `|` moves
/// on; `,` moves on only after a 404/410 and otherwise stops the download.
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
    let mut details = Vec::new();
    let mut verdict: Option<CheckResult> = None;
    let mut failed_before = 0;
    for (i, e) in list.iter().enumerate() {
        match e {
            ProxyEntry::Url { url, fallback } => {
                let Some(r) = find(reports, url) else {
                    continue;
                };
                details.push(line(r));
                if r.verdict.usable_by_go()
                    && !(r.kind == EndpointKind::Proxy && is_not_found(r) && i + 1 < list.len())
                {
                    let mut res = if failed_before == 0 && r.verdict == Verdict::Ok {
                        CheckResult::ok(format!("{} works ({} ms)", r.url, r.duration_ms))
                    } else if failed_before > 0 {
                        CheckResult::warn(format!(
                            "{} works, but every download first waits for {failed_before} failing GOPROXY entr{}",
                            r.url,
                            if failed_before == 1 { "y" } else { "ies" }
                        ))
                    } else {
                        CheckResult::warn(format!("{} works, but TLS is intercepted", r.url))
                    };
                    if r.verdict == Verdict::TlsIntercepted {
                        res = res.detail(r.detail.clone());
                    }
                    verdict = Some(res);
                    break;
                }
                failed_before += 1;
                let moves_on = match fallback {
                    Fallback::OnAnyError => true,
                    Fallback::OnNotFound => is_not_found(r),
                    Fallback::None => false,
                };
                if !moves_on {
                    verdict = Some(CheckResult::error(format!(
                        "{}: {} ({}){}",
                        r.url,
                        r.verdict.as_str(),
                        r.verdict.explain(),
                        if matches!(fallback, Fallback::OnNotFound) {
                            "; after `,` the go command tries the next entry only on 404/410, so downloads stop here"
                        } else {
                            ""
                        }
                    )));
                    break;
                }
            }
            ProxyEntry::Direct => {
                verdict = Some(CheckResult::warn("every proxy in GOPROXY fails: the go command falls back to `direct` (each module's version control host)"));
                break;
            }
            ProxyEntry::Off => {
                verdict = Some(CheckResult::error(
                    "every proxy in GOPROXY fails, then `off` stops the download",
                ));
                break;
            }
        }
    }
    let mut r = verdict.unwrap_or_else(|| CheckResult::error("no proxy in GOPROXY works"));
    let intercepted_only = r.status == Status::Warn && r.summary.contains("intercepted");
    if r.status != Status::Ok && !intercepted_only {
        let rec = recommend(reports, sumdb(f).as_ref());
        if let Some(gp) = rec.goproxy.as_ref().filter(|gp| **gp != value) {
            let mut set = vec![("GOPROXY".to_string(), gp.clone())];
            if let Some(sd) = &rec.gosumdb {
                set.push(("GOSUMDB".to_string(), sd.clone()));
            }
            let cmds = fix_commands(f, &set);
            r = r.fix(Fix::auto(
                "net.mirror",
                format!("Use the proxies that work from here: GOPROXY={gp}"),
                cmds,
                FixAction::GoEnv { set, unset: vec![] },
            ));
        }
        details.extend(rec.notes.iter().map(|n| format!("note: {n}")));
    }
    r.details.extend(details);
    let all: Vec<&EndpointReport> = urls.iter().filter_map(|u| find(reports, u)).collect();
    r.data("endpoints", serde_json::to_value(all).unwrap_or_default())
}

/// `net.sumdb`
pub fn check_sumdb(f: &Facts) -> CheckResult {
    if f.offline {
        return offline();
    }
    let Some(sd) = sumdb(f) else {
        return CheckResult::skipped("GOSUMDB=off: checksum verification is disabled (see go.env)");
    };
    let reports = f.net_reports();
    let direct = find(reports, &sd.url);
    if let Some(d) = direct.filter(|d| d.verdict.usable_by_go()) {
        return CheckResult::ok(format!(
            "{} reachable at {} ({} ms)",
            sd.name, sd.url, d.duration_ms
        ))
        .detail(line(d));
    }
    // Without an explicit URL, the go command asks each GOPROXY proxy for /sumdb/<name>/ first.
    let via = if sd.explicit {
        None
    } else {
        goproxy_urls(f)
            .into_iter()
            .filter_map(|u| find(reports, &u))
            .find(|r| {
                r.verdict.usable_by_go()
                    && r.http.as_ref().and_then(|h| h.sumdb_supported) == Some(true)
            })
    };
    let mut r = match via {
        Some(p) => CheckResult::ok(format!("{} is served through {} (direct access to {} fails)", sd.name, p.url, sd.url)),
        None => CheckResult::error(format!("the checksum database {} is unreachable: `go mod download` fails with \"verifying module\"", sd.name)),
    };
    if let Some(d) = direct {
        r = r.detail(line(d));
    }
    if r.status == Status::Error {
        let rec = recommend(reports, Some(&sd));
        if let Some(new) = &rec.gosumdb {
            let mut set = vec![("GOSUMDB".to_string(), new.clone())];
            if let Some(gp) = rec
                .goproxy
                .as_ref()
                .filter(|gp| **gp != f.setting("GOPROXY"))
            {
                set.push(("GOPROXY".to_string(), gp.clone()));
            }
            let cmds = fix_commands(f, &set);
            r = r.fix(Fix::auto(
                "net.mirror",
                format!("Use the checksum database mirror {new}"),
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
