//! .netrc credentials are found as the diagnosed go release finds them.

use gomedic_core::net::{EndpointKind, Verdict};
use gomedic_net::netrc::{parse, Matching};
use gomedic_net::resolve::Override;
use gomedic_net::{probe_all, ProbeConfig, Target};
use gomedic_testkit::{tls_server, Behavior, TestCa};
use std::sync::Arc;
use std::time::Duration;

#[test]
fn netrc_machines_match_per_go_release() {
    let ca = TestCa::new("Root");
    // "bob:pw" in base64
    let srv = tls_server(
        &ca,
        &["athens.corp.example"],
        Behavior::RequireAuth("Basic Ym9iOnB3"),
    );
    let mut c = ProbeConfig::new(Duration::from_secs(3));
    let mut s = gomedic_net::Pool::new();
    assert!(s.add_der(ca.cert_der.as_ref()));
    c.system_roots = Arc::new(s.clone());
    c.mozilla_roots = Arc::new(s);
    for port in [443, 8443] {
        c.overrides.push(Override {
            host: "athens.corp.example".into(),
            port,
            addr: srv.addr,
        });
    }
    let verdict = |c: &ProbeConfig, url: &str| {
        probe_all(
            &[Target {
                url: url.into(),
                kind: EndpointKind::Proxy,
            }],
            c,
        )
        .remove(0)
        .verdict
    };
    let cases = [
        // (netrc, url, go <= 1.23, go >= 1.24)
        (
            "machine athens.corp.example:8443 login bob password pw",
            "https://athens.corp.example:8443",
            true,
            true,
        ),
        (
            "machine athens.corp.example login bob password pw",
            "https://athens.corp.example:8443",
            false,
            false,
        ),
        (
            "machine athens.corp.example login bob password pw",
            "https://athens.corp.example/team",
            true,
            true,
        ),
        (
            "machine athens.corp.example/team login bob password pw",
            "https://athens.corp.example/team",
            false,
            true,
        ),
        (
            "machine athens.corp.example/other login bob password pw",
            "https://athens.corp.example/team",
            false,
            false,
        ),
        (
            "machine ATHENS.corp.example login bob password pw",
            "https://athens.corp.example",
            false,
            false,
        ),
    ];
    for (netrc, url, old, new) in cases {
        c.netrc = parse(netrc);
        for (m, want) in [(Matching::Host, old), (Matching::Prefix, new)] {
            c.netrc_matching = m;
            let want = if want {
                Verdict::Ok
            } else {
                Verdict::HttpError
            };
            assert_eq!(verdict(&c, url), want, "{netrc:?} {url} {m:?}");
        }
    }
}
