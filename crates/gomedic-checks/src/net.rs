//! `net.*` checks: are the module proxies, the checksum database and Go's download hosts
//! reachable, layer by layer; and the GOPROXY/GOSUMDB that would work (`fix net.mirror`).

use crate::codes::Code;
use crate::facts::Facts;
use gomedic_core::net::{is_go_public_host, EndpointKind, EndpointReport, Verdict};
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use gomedic_facts::network::{norm, SumdbConf, HOSTS};
use gomedic_goenv::goproxy::{Fallback, ProxyEntry};
use serde::Serialize;

fn find<'a>(reports: &'a [EndpointReport], url: &str) -> Option<&'a EndpointReport> {
    reports.iter().find(|r| norm(&r.url) == norm(url))
}

fn line(r: &EndpointReport) -> String {
    format!(
        "{}: {} ({}) {}",
        r.url,
        r.verdict.as_str(),
        gomedic_core::duration::human_ms(r.duration_ms),
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
        // A private proxy that answers the protocol but not for public modules is working
        // as designed: it is just no source of public modules.
        let private_only: Vec<&str> = reports
            .iter()
            .filter(|r| {
                r.kind == EndpointKind::Proxy
                    && r.verdict.usable_by_go()
                    && is_not_found(r)
                    && url_host(&r.url).is_some_and(|h| !is_go_public_host(&h))
            })
            .map(|r| r.url.as_str())
            .collect();
        if private_only.is_empty() {
            notes.push("no module proxy passed; `direct` needs each module's version control host, which is usually blocked too".into());
        } else {
            notes.push(format!(
                "{} answer{} the GOPROXY protocol but serve{} only private modules; no proxy for public modules passed",
                private_only.join(", "),
                if private_only.len() == 1 { "s" } else { "" },
                if private_only.len() == 1 { "s" } else { "" }
            ));
        }
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

/// The lower-case host of an `http(s)://` URL, without user-info or port.
fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let auth = rest.split(['/', '?', '#']).next()?;
    let hostport = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    let host = if let Some(v6) = hostport.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        hostport.split(':').next()?
    };
    Some(host.to_ascii_lowercase())
}

fn is_not_found(r: &EndpointReport) -> bool {
    matches!(r.http.as_ref().and_then(|h| h.status), Some(404 | 410))
}

/// Where a download goes when the go command walks GOPROXY against the probe reports.
/// The one judgement of "does this proxy chain work", shared by `check` and `gomedic net`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Chain {
    /// GOPROXY is invalid: the go command fails every download with this error.
    Invalid(String),
    /// `off` before any proxy: no downloads at all.
    Off,
    /// `direct` before any proxy: modules come from their version control hosts.
    DirectOnly,
    /// A proxy answers (after `failed_before` failing entries).
    Works {
        url: String,
        failed_before: usize,
        intercepted: bool,
    },
    /// Every proxy fails, then `direct`.
    FallsBackToDirect { failed: usize },
    /// Every proxy fails, then `off`.
    StopsAtOff { failed: usize },
    /// A proxy fails in a way that ends the walk (a `,` entry that did not answer 404/410,
    /// or the last entry).
    StopsAt {
        url: String,
        verdict: Verdict,
        comma: bool,
    },
    /// None of the proxies was probed.
    Unprobed,
    /// The first proxy that did not fail is one gomedic cannot check end to end (its TLS
    /// needs a cipher suite gomedic lacks, while go's TLS accepts it): go may work.
    Unverifiable { url: String, detail: String },
    /// The first entry is a private proxy (not one of go's public hosts) that answers
    /// `status` (404/410) for the public probe module: it serves only its own modules.
    /// For public modules the go command moves on; `then` is the rest of the list.
    PrivateFirst {
        url: String,
        status: u16,
        then: Box<Chain>,
    },
}

impl Chain {
    /// Downloads go through: a working proxy, or no proxy configured on purpose.
    pub fn works(&self) -> bool {
        match self {
            Chain::PrivateFirst { then, .. } => then.works(),
            // Unverifiable is not a failure gomedic can show: the command does not fail on it.
            _ => matches!(
                self,
                Chain::Works { .. } | Chain::DirectOnly | Chain::Unverifiable { .. }
            ),
        }
    }

    /// What happens to a public module, in words: for [`Chain::PrivateFirst`], the
    /// private proxy and what the go command does next; `None` for other chains.
    pub fn private_first_summary(&self) -> Option<String> {
        let Chain::PrivateFirst { url, status, then } = self else {
            return None;
        };
        let next = match then.as_ref() {
            Chain::DirectOnly => "`direct` (each module's version control host)".to_string(),
            Chain::Off => "`off`, which stops the download".to_string(),
            Chain::Works {
                url,
                failed_before: 0,
                ..
            } => format!("{url}, which works"),
            Chain::Works { url, .. } => format!("{url}, which works after failing entries"),
            Chain::FallsBackToDirect { .. } => {
                "the next proxies, which fail, then `direct` (each module's version control host)"
                    .to_string()
            }
            Chain::StopsAtOff { .. } => "the next proxies, which fail, then `off`".to_string(),
            Chain::StopsAt { url, verdict, .. } if !url.is_empty() => {
                format!("{url}, which fails ({})", verdict.as_str())
            }
            _ => "the next entry, which fails".to_string(),
        };
        Some(format!(
            "{url} is a private proxy that does not serve public modules ({status} for golang.org/x/text); for them the go command moves on to {next}"
        ))
    }

    /// Stable finding code.
    pub fn code(&self) -> Code {
        match self {
            Chain::Invalid(_) => Code::GoproxyInvalid,
            Chain::Off => Code::GoproxyOff,
            Chain::DirectOnly => Code::GoproxyDirectOnly,
            Chain::Works {
                failed_before: 0,
                intercepted: false,
                ..
            } => Code::GoproxyWorks,
            Chain::Works {
                failed_before: 0, ..
            } => Code::GoproxyTlsIntercepted,
            Chain::Works { .. } => Code::GoproxySlowFallback,
            Chain::FallsBackToDirect { .. } => Code::GoproxyFallsBackToDirect,
            Chain::StopsAtOff { .. } => Code::GoproxyStopsAtOff,
            Chain::StopsAt { .. } => Code::GoproxyUnreachable,
            Chain::Unprobed => Code::GoproxyUnprobed,
            Chain::Unverifiable { .. } => Code::GoproxyUnverifiable,
            Chain::PrivateFirst { .. } => Code::GoproxyPrivateFirst,
        }
    }
}

/// Walks GOPROXY as the go command does: after a failing entry `|` moves on; `,` moves
/// on only after a 404/410 and otherwise stops the download.
pub fn judge_chain(list: &Result<Vec<ProxyEntry>, String>, reports: &[EndpointReport]) -> Chain {
    let list = match list {
        Ok(l) => l,
        Err(e) => return Chain::Invalid(e.clone()),
    };
    match list.first() {
        Some(ProxyEntry::Off) => return Chain::Off,
        Some(ProxyEntry::Direct) => return Chain::DirectOnly,
        Some(ProxyEntry::Url { url, fallback }) if list.len() > 1 => {
            // A private proxy that speaks the protocol but does not serve the public probe
            // module: the go command moves on for public modules (after `,` or `|`).
            if let Some(r) = find(reports, url) {
                let private = url_host(&r.url).is_some_and(|h| !is_go_public_host(&h));
                if private
                    && r.kind == EndpointKind::Proxy
                    && r.verdict.usable_by_go()
                    && is_not_found(r)
                    && !matches!(fallback, Fallback::None)
                {
                    return Chain::PrivateFirst {
                        url: r.url.clone(),
                        status: r.http.as_ref().and_then(|h| h.status).unwrap_or(404),
                        then: Box::new(judge_chain(&Ok(list[1..].to_vec()), reports)),
                    };
                }
            }
        }
        _ => {}
    }
    let mut failed = 0;
    let mut probed = false;
    for (i, e) in list.iter().enumerate() {
        match e {
            ProxyEntry::Url { url, fallback } => {
                let Some(r) = find(reports, url) else {
                    continue;
                };
                probed = true;
                if r.verdict.inconclusive() {
                    return Chain::Unverifiable {
                        url: r.url.clone(),
                        detail: r.detail.clone(),
                    };
                }
                if r.verdict.usable_by_go()
                    && !(r.kind == EndpointKind::Proxy && is_not_found(r) && i + 1 < list.len())
                {
                    return Chain::Works {
                        url: r.url.clone(),
                        failed_before: failed,
                        intercepted: r.verdict == Verdict::TlsIntercepted,
                    };
                }
                failed += 1;
                let moves_on = match fallback {
                    Fallback::OnAnyError => true,
                    Fallback::OnNotFound => is_not_found(r),
                    Fallback::None => false,
                };
                if !moves_on {
                    return Chain::StopsAt {
                        url: r.url.clone(),
                        verdict: r.verdict,
                        comma: matches!(fallback, Fallback::OnNotFound),
                    };
                }
            }
            ProxyEntry::Direct => return Chain::FallsBackToDirect { failed },
            ProxyEntry::Off => return Chain::StopsAtOff { failed },
        }
    }
    if probed {
        Chain::StopsAt {
            url: String::new(),
            verdict: Verdict::Ok,
            comma: false,
        }
    } else {
        Chain::Unprobed
    }
}

/// How the checksum database is reached, judged once for `check` and `gomedic net`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumdbReach {
    Direct,
    /// Through a GOPROXY proxy that serves `/sumdb/<name>/`.
    ViaProxy(String),
    Unreachable,
}

pub fn judge_sumdb(sd: &SumdbConf, proxies: &[String], reports: &[EndpointReport]) -> SumdbReach {
    if find(reports, &sd.url).is_some_and(|d| d.verdict.usable_by_go()) {
        return SumdbReach::Direct;
    }
    // Without an explicit URL, the go command asks each GOPROXY proxy for /sumdb/<name>/ first.
    if !sd.explicit {
        if let Some(p) = proxies.iter().filter_map(|u| find(reports, u)).find(|r| {
            r.verdict.usable_by_go()
                && r.http.as_ref().and_then(|h| h.sumdb_supported) == Some(true)
        }) {
            return SumdbReach::ViaProxy(p.url.clone());
        }
    }
    SumdbReach::Unreachable
}

/// `net.goproxy`: the configured chain, walked as the go command walks it.
pub fn check_goproxy(f: &Facts) -> CheckResult {
    if f.offline {
        return offline();
    }
    let settings = f.settings();
    let value = settings.value("GOPROXY").to_string();
    let urls = f.goproxy_urls();
    let reports: &[EndpointReport] = if urls.is_empty() {
        &[]
    } else {
        f.net_reports()
    };
    let chain = judge_chain(&settings.goproxy, reports);
    let mut r = match &chain {
        Chain::Invalid(e) => CheckResult::error(format!("GOPROXY is invalid: {e}; the go command fails every module download")),
        Chain::Off => CheckResult::skipped("GOPROXY=off: no module downloads"),
        Chain::DirectOnly => CheckResult::skipped("GOPROXY has no proxy (direct only): modules come from their version control hosts"),
        Chain::Works { url, failed_before: 0, intercepted: false } => {
            let ms = find(reports, url).map(|r| r.duration_ms).unwrap_or(0);
            CheckResult::ok(format!("{url} works ({})", gomedic_core::duration::human_ms(ms)))
        }
        Chain::Works { url, failed_before: 0, .. } => {
            let mut r = CheckResult::warn(format!("{url} works, but TLS is intercepted"));
            if let Some(rep) = find(reports, url) {
                r = r.detail(rep.detail.clone());
            }
            r
        }
        Chain::Works { url, failed_before, .. } => CheckResult::warn(format!(
            "{url} works, but every download first waits for {failed_before} failing GOPROXY entr{}",
            if *failed_before == 1 { "y" } else { "ies" }
        )),
        Chain::FallsBackToDirect { .. } => CheckResult::warn("every proxy in GOPROXY fails: the go command falls back to `direct` (each module's version control host)"),
        Chain::StopsAtOff { .. } => CheckResult::error("every proxy in GOPROXY fails, then `off` stops the download"),
        Chain::StopsAt { url, verdict, comma } if !url.is_empty() => CheckResult::error(format!(
            "{url}: {} ({}){}",
            verdict.as_str(),
            verdict.explain(),
            if *comma {
                "; after `,` the go command tries the next entry only on 404/410, so downloads stop here"
            } else {
                ""
            }
        )),
        Chain::StopsAt { .. } | Chain::Unprobed => CheckResult::error("no proxy in GOPROXY works"),
        Chain::Unverifiable { url, detail } => {
            CheckResult::warn(format!("{url}: gomedic cannot check it end to end; go may work")).detail(detail.clone())
        }
        Chain::PrivateFirst { then, .. } => {
            let summary = chain.private_first_summary().unwrap_or_default();
            match then.as_ref() {
                Chain::DirectOnly | Chain::Works { failed_before: 0, intercepted: false, .. } => CheckResult::ok(summary),
                Chain::Off | Chain::StopsAtOff { .. } | Chain::StopsAt { .. } | Chain::Unprobed | Chain::Invalid(_) => CheckResult::error(summary),
                _ => CheckResult::warn(summary),
            }
        }
    };
    let (status, summary) = (r.status, r.summary.clone());
    r = r.finding(chain.code(), status, summary);
    let needs_mirror = !matches!(
        chain,
        Chain::Invalid(_)
            | Chain::Off
            | Chain::DirectOnly
            | Chain::Works { failed_before: 0, .. }
            // Replacing GOPROXY with public mirrors would drop the company's proxy.
            | Chain::PrivateFirst { .. }
    );
    let mut details: Vec<String> = urls
        .iter()
        .filter_map(|u| find(reports, u))
        .map(line)
        .collect();
    if needs_mirror {
        let rec = recommend(reports, f.sumdb().as_ref());
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
    let sd = match &f.settings().gosumdb {
        Err(e) => {
            return CheckResult::error(format!(
                "GOSUMDB is invalid: {e}; every download the checksum database should verify fails"
            ))
            .finding(Code::GosumdbInvalid, Status::Error, e.clone())
        }
        Ok(_) => match f.sumdb() {
            Some(sd) => sd,
            None => {
                return CheckResult::skipped(
                    "GOSUMDB=off: checksum verification is disabled (see go.env)",
                )
            }
        },
    };
    let reports = f.net_reports();
    let direct = find(reports, &sd.url);
    let mut r = match judge_sumdb(&sd, &f.goproxy_urls(), reports) {
        SumdbReach::Direct => CheckResult::ok(format!(
            "{} reachable at {} ({})",
            sd.name,
            sd.url,
            gomedic_core::duration::human_ms(direct.map(|d| d.duration_ms).unwrap_or(0))
        ))
        .finding(Code::GosumdbReachable, Status::Ok, sd.url.clone()),
        SumdbReach::ViaProxy(p) => CheckResult::ok(format!("{} is served through {p} (direct access to {} fails)", sd.name, sd.url))
            .finding(Code::GosumdbViaProxy, Status::Ok, p),
        SumdbReach::Unreachable => CheckResult::error(format!("the checksum database {} is unreachable: `go mod download` fails with \"verifying module\"", sd.name))
            .finding(Code::GosumdbUnreachable, Status::Error, sd.url.clone()),
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
    for h in &bad {
        r = r.finding(
            Code::HostsUnreachable,
            Status::Warn,
            format!("{}: {}", h.url, h.verdict.as_str()),
        );
    }
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
        for x in &dns_bad {
            r = r.finding(
                Code::DnsSuspicious,
                Status::Warn,
                format!("{}: {}", x.url, x.detail),
            );
        }
    }
    r
}

#[cfg(test)]
mod chain_tests {
    use super::*;
    use gomedic_core::net::HttpLayer;
    use gomedic_goenv::goproxy::parse_goproxy;

    fn rep(url: &str, verdict: Verdict, status: Option<u16>) -> EndpointReport {
        EndpointReport {
            url: url.into(),
            kind: EndpointKind::Proxy,
            verdict,
            detail: String::new(),
            dns: None,
            tcp: None,
            proxy: None,
            tls: None,
            http: Some(HttpLayer {
                status,
                ..Default::default()
            }),
            final_url: None,
            duration_ms: 1,
        }
    }

    #[test]
    fn a_private_proxy_answering_not_found_hands_public_modules_on() {
        let corp = rep("https://goproxy.corp.example.com", Verdict::Ok, Some(404));
        let good = rep("https://goproxy.cn", Verdict::Ok, Some(200));
        let list = parse_goproxy("https://goproxy.corp.example.com,https://goproxy.cn,direct");
        let c = judge_chain(&list, &[corp.clone(), good]);
        assert_eq!(c.code(), Code::GoproxyPrivateFirst);
        assert!(c.works());
        let s = c.private_first_summary().unwrap();
        assert!(
            s.ends_with("moves on to https://goproxy.cn, which works"),
            "{s}"
        );
        // Then `off`: public modules cannot be downloaded.
        let list = parse_goproxy("https://goproxy.corp.example.com,off");
        let c = judge_chain(&list, std::slice::from_ref(&corp));
        assert!(!c.works());
        assert!(c.private_first_summary().unwrap().contains("`off`"));
        // Alone in the list it is still just a proxy that answers.
        let list = parse_goproxy("https://goproxy.corp.example.com");
        assert!(matches!(
            judge_chain(&list, std::slice::from_ref(&corp)),
            Chain::Works { .. }
        ));
        // No public proxy is recommended, and the note says why without calling the
        // private one broken.
        let rec = recommend(std::slice::from_ref(&corp), None);
        assert_eq!(rec.goproxy, None);
        assert!(
            rec.notes[0].contains("serves only private modules")
                && !rec.notes[0].starts_with("no module proxy passed"),
            "{:?}",
            rec.notes
        );
        // go's own public proxy answering 404 is not a private proxy.
        let public = rep("https://proxy.golang.org", Verdict::Ok, Some(404));
        let list = parse_goproxy("https://proxy.golang.org,direct");
        assert_eq!(
            judge_chain(&list, &[public]),
            Chain::FallsBackToDirect { failed: 1 }
        );
        assert_eq!(url_host("https://u:p@[::1]:8443/x").as_deref(), Some("::1"));
        assert_eq!(
            url_host("https://Goproxy.CN:443/").as_deref(),
            Some("goproxy.cn")
        );
    }
}
