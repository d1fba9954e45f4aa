//! `proxy.team`: a gomedic proxy (`gomedic proxy serve`) in GOPROXY: is it up, is it
//! healthy, does it serve the checksum database go will ask it for; and a local proxy
//! first in GOPROXY without a `|` fallback, which stops every download while it is down.

use crate::codes::Code;
use crate::facts::Facts;
use gomedic_core::{CheckResult, Fix, FixAction, Status};
use gomedic_facts::proxy::{is_local, HealthAnswer, ProxyHealth};
use gomedic_goenv::goproxy::{Fallback, ProxyEntry};

/// go's default list, the fallback suggested when the local proxy is the only entry.
const DEFAULT_REST: &str = "https://proxy.golang.org,direct";

/// GOPROXY with `|` after the first entry: the go command moves on after any error.
fn with_fallback(list: &[ProxyEntry]) -> String {
    let mut out = String::new();
    for (i, e) in list.iter().enumerate() {
        match e {
            ProxyEntry::Url { url, fallback } => {
                out.push_str(url);
                let sep = match fallback {
                    _ if i == 0 => "|",
                    Fallback::OnNotFound => ",",
                    Fallback::OnAnyError => "|",
                    Fallback::None => "",
                };
                out.push_str(sep);
            }
            // Both end the walk; anything after them is ignored.
            ProxyEntry::Direct => {
                out.push_str("direct");
                return out;
            }
            ProxyEntry::Off => {
                out.push_str("off");
                return out;
            }
        }
    }
    if list.len() <= 1 {
        out.push_str(DEFAULT_REST);
    }
    out
}

/// Every module path is exempt from the checksum database (e.g. `GONOSUMDB=*`).
fn nosumdb_everything(f: &Facts) -> bool {
    let p = &f.settings().route.gonosumdb;
    ["example.com/x", "x.example/y/z", "golang.org/x/text"]
        .iter()
        .all(|m| p.matches(m))
}

pub fn check(f: &Facts) -> CheckResult {
    let list = match &f.settings().goproxy {
        Ok(l) => l.clone(),
        Err(_) => return CheckResult::skipped("GOPROXY is invalid (see net.goproxy)"),
    };
    let health: &[ProxyHealth] = if list
        .iter()
        .any(|e| matches!(e, ProxyEntry::Url { url, .. } if url.starts_with("http://")))
    {
        f.proxy_health()
    } else {
        &[]
    };
    let mut findings: Vec<(Code, Status, String)> = Vec::new();
    let mut fix = None;
    let mut details = Vec::new();
    for h in health {
        let pos = list
            .iter()
            .position(|e| matches!(e, ProxyEntry::Url { url, .. } if *url == h.url));
        let fallback = match pos.map(|i| &list[i]) {
            Some(ProxyEntry::Url { fallback, .. }) => *fallback,
            _ => Fallback::None,
        };
        match &h.answer {
            HealthAnswer::Other => {}
            HealthAnswer::Unreachable { error } => {
                // Only the first entry, and only a local one: a team or personal proxy
                // whose outage is gomedic's business; the rest is net.goproxy's.
                if pos != Some(0) || !is_local(&h.url, &h.addrs) {
                    continue;
                }
                details.push(format!("{}: {error}", h.url));
                if fallback == Fallback::OnAnyError {
                    findings.push((
                        Code::ProxyDownFallsBack,
                        Status::Warn,
                        format!("{} does not answer ({error}); after `|` the go command moves on to the next entry", h.url),
                    ));
                } else {
                    let value = with_fallback(&list);
                    let set = vec![("GOPROXY".to_string(), value.clone())];
                    let cmd = format!(
                        "go env -w {}",
                        crate::util::shell_quote(&format!("GOPROXY={value}"), f.windows())
                    );
                    fix = Some(Fix::auto(
                        "proxy.fallback",
                        format!("Fall back when {} is down: GOPROXY={value}", h.url),
                        vec![cmd],
                        FixAction::GoEnv { set, unset: vec![] },
                    ));
                    findings.push((
                        Code::ProxyUnreachable,
                        Status::Error,
                        format!(
                            "{} does not answer ({error}) and is first in GOPROXY {}: every module download fails while it is down",
                            h.url,
                            if fallback == Fallback::None { "with nothing after it" } else { "followed by `,` (which moves on only after 404/410)" }
                        ),
                    ));
                }
            }
            HealthAnswer::Gomedic {
                server,
                healthz,
                sumdb_supported,
            } => {
                details.push(format!(
                    "{}: {server}, /healthz {healthz}{}",
                    h.url,
                    sumdb_supported
                        .map(|s| format!(", /sumdb/.../supported {s}"))
                        .unwrap_or_default()
                ));
                if *healthz == 503 {
                    findings.push((
                        Code::ProxyShuttingDown,
                        Status::Warn,
                        format!("{} ({server}) is shutting down (/healthz 503): downloads through it fail once it has stopped", h.url),
                    ));
                    continue;
                }
                if *healthz != 200 {
                    findings.push((
                        Code::ProxyUnhealthy,
                        Status::Warn,
                        format!("{} ({server}) answers /healthz with {healthz}", h.url),
                    ));
                    continue;
                }
                findings.push((
                    Code::ProxyHealthy,
                    Status::Ok,
                    format!("{} is a healthy gomedic proxy ({server})", h.url),
                ));
                if let (Some(404 | 410), Some(sd)) = (sumdb_supported, f.sumdb()) {
                    if !nosumdb_everything(f) {
                        findings.push((
                            Code::ProxySumdbUnsupported,
                            Status::Warn,
                            format!(
                                "{} does not serve the checksum database {} (/sumdb/{}/supported answers {}): the go command asks the next proxy or {} directly, which may be blocked; run the proxy with --sumdb {}",
                                h.url,
                                sd.name,
                                sd.name,
                                sumdb_supported.unwrap_or(404),
                                sd.url,
                                sd.name
                            ),
                        ));
                    }
                }
            }
        }
    }
    if findings.is_empty() {
        return CheckResult::skipped("no gomedic proxy in GOPROXY")
            .data("proxies", serde_json::to_value(health).unwrap_or_default());
    }
    let worst = findings
        .iter()
        .map(|x| x.1)
        .fold(Status::Ok, |a, b| a.worst(b));
    let summary = findings
        .iter()
        .find(|x| x.1 == worst)
        .map(|x| x.2.clone())
        .unwrap_or_default();
    let mut r = match worst {
        Status::Error => CheckResult::error(summary),
        Status::Warn => CheckResult::warn(summary),
        _ => CheckResult::ok(summary),
    };
    for (code, status, msg) in findings {
        r = r.finding(code, status, msg);
    }
    if let Some(x) = fix {
        r = r.fix(x);
    }
    r.details.extend(details);
    r.data("proxies", serde_json::to_value(health).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use gomedic_goenv::goproxy::parse_goproxy;

    #[test]
    fn fallback_value_keeps_the_rest() {
        let l = |s| parse_goproxy(s).unwrap();
        assert_eq!(
            with_fallback(&l("http://127.0.0.1:3000")),
            "http://127.0.0.1:3000|https://proxy.golang.org,direct"
        );
        assert_eq!(
            with_fallback(&l(
                "http://127.0.0.1:3000,https://goproxy.cn|https://goproxy.io,direct"
            )),
            "http://127.0.0.1:3000|https://goproxy.cn|https://goproxy.io,direct"
        );
        assert_eq!(
            with_fallback(&l("http://127.0.0.1:3000,off")),
            "http://127.0.0.1:3000|off"
        );
    }
}
