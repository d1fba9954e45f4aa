//! Every verdict, produced by a loopback server built to cause it.

use gomedic_core::net::{EndpointKind, EndpointReport, Verdict};
use gomedic_net::proxyenv::ProxyEnv;
use gomedic_net::resolve::Override;
use gomedic_net::Pool;
use gomedic_net::{probe_all, ProbeConfig, Target};
use gomedic_testkit::{
    blackhole, connect_proxy, http_server, refused_addr, tls_server, Behavior, ProxyBehavior,
    TestCa,
};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn store(cas: &[&TestCa]) -> Arc<Pool> {
    let mut s = Pool::new();
    for ca in cas {
        assert!(s.add_der(ca.cert_der.as_ref()));
    }
    Arc::new(s)
}

/// System and "public" stores both trust `ca` unless told otherwise.
fn cfg(system: &[&TestCa], public: &[&TestCa]) -> ProbeConfig {
    let mut c = ProbeConfig::new(Duration::from_secs(3));
    c.system_roots = store(system);
    c.mozilla_roots = store(public);
    c
}

fn map(c: &mut ProbeConfig, host: &str, port: u16, addr: std::net::SocketAddr) {
    c.overrides.push(Override {
        host: host.into(),
        port,
        addr,
    });
}

fn one(c: &ProbeConfig, url: &str, kind: EndpointKind) -> EndpointReport {
    probe_all(
        &[Target {
            url: url.into(),
            kind,
        }],
        c,
    )
    .remove(0)
}

#[test]
fn ok_over_h2_with_every_layer_recorded() {
    let ca = TestCa::new("Public Test Root");
    let srv = tls_server(&ca, &["proxy.example"], Behavior::Healthy);
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "proxy.example", 443, srv.addr);
    let r = one(&c, "https://proxy.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    let tls = r.tls.as_ref().unwrap();
    assert_eq!(tls.alpn.as_deref(), Some("h2"));
    assert_eq!(tls.version.as_deref(), Some("TLS 1.3"));
    assert!(tls.chain[0].subject.contains("proxy.example"));
    assert!(tls.chain[0].issuer.contains("Public Test Root"));
    let http = r.http.as_ref().unwrap();
    assert_eq!(http.status, Some(200));
    assert_eq!(http.request, "GET /golang.org/x/text/@v/list");
    assert_eq!(http.sumdb_supported, Some(true));
    assert_eq!(r.dns.as_ref().unwrap().source, "override");
    // A sumdb asks /latest.
    map(&mut c, "sum.example", 443, srv.addr);
    let srv2 = tls_server(&ca, &["sum.example"], Behavior::Healthy);
    c.overrides.retain(|o| o.host != "sum.example");
    map(&mut c, "sum.example", 443, srv2.addr);
    let r = one(&c, "https://sum.example", EndpointKind::SumDb);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert_eq!(r.http.unwrap().request, "GET /latest");
}

#[test]
fn intercepted_when_only_the_system_store_trusts_it() {
    let corp = TestCa::new("Corp Inspection CA");
    let srv = tls_server(&corp, &["proxy.golang.org"], Behavior::Healthy);
    let mut c = cfg(&[&corp], &[]);
    c.mozilla_roots = webpki_like();
    map(&mut c, "proxy.golang.org", 443, srv.addr);
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::TlsIntercepted, "{r:#?}");
    assert!(r.detail.contains("Corp Inspection CA"), "{}", r.detail);
    assert!(r.verdict.usable_by_go());
}

fn webpki_like() -> Arc<Pool> {
    // Any non-empty public store that does not contain the test CA.
    let other = TestCa::new("Unrelated Public Root");
    store(&[&other])
}

#[test]
fn untrusted_and_hostname_mismatch() {
    let ca = TestCa::new("Trusted Root");
    let rogue = TestCa::new("Rogue Root");
    let srv = tls_server(&rogue, &["proxy.example"], Behavior::Healthy);
    let wrong = tls_server(&ca, &["blockpage.isp.example"], Behavior::Healthy);
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "proxy.example", 443, srv.addr);
    map(&mut c, "sum.example", 443, wrong.addr);
    let r = one(&c, "https://proxy.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::TlsUntrusted, "{r:#?}");
    assert!(r.http.is_none(), "no request over an untrusted channel");
    let r = one(&c, "https://sum.example", EndpointKind::SumDb);
    assert_eq!(r.verdict, Verdict::TlsHostnameMismatch, "{r:#?}");
}

#[test]
fn reset_after_client_hello_is_tls_reset() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.golang.org"], Behavior::ResetAfterHello);
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "proxy.golang.org", 443, srv.addr);
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::TlsReset, "{r:#?}");
    assert!(r.detail.contains("SNI"));
}

#[test]
fn silent_server_is_tls_timeout_within_the_deadline() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.golang.org"], Behavior::Silent);
    let mut c = cfg(&[&ca], &[&ca]);
    c.deadline = Duration::from_millis(800);
    map(&mut c, "proxy.golang.org", 443, srv.addr);
    let t = Instant::now();
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert!(
        t.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(r.verdict, Verdict::TlsTimeout, "{r:#?}");
}

#[test]
fn refused_and_blackholed_tcp() {
    let mut c = cfg(&[], &[]);
    c.deadline = Duration::from_millis(800);
    map(&mut c, "refused.example", 443, refused_addr());
    let (hole, _guard) = blackhole();
    map(&mut c, "hole.example", 443, hole);
    let rs = probe_all(
        &[
            Target {
                url: "https://refused.example".into(),
                kind: EndpointKind::Host,
            },
            Target {
                url: "https://hole.example".into(),
                kind: EndpointKind::Host,
            },
        ],
        &c,
    );
    assert_eq!(rs[0].verdict, Verdict::TcpRefused, "{:#?}", rs[0]);
    assert_eq!(rs[1].verdict, Verdict::TcpTimeout, "{:#?}", rs[1]);
}

#[test]
fn dns_failed_and_suspicious() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.golang.org"], Behavior::Healthy);
    let mut c = cfg(&[&ca], &[&ca]);
    let r = one(&c, "https://nonexistent.invalid", EndpointKind::Host);
    assert_eq!(r.verdict, Verdict::DnsFailed, "{r:#?}");
    // A hosts-file entry pointing a public name at loopback.
    c.hosts = Some((
        "/etc/hosts-test".into(),
        "# accelerator\n127.0.0.1 proxy.golang.org\n".into(),
    ));
    let url = format!("https://proxy.golang.org:{}", srv.addr.port());
    let r = one(&c, &url, EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::DnsSuspicious, "{r:#?}");
    assert!(
        r.detail.contains("loopback") && r.detail.contains("hosts file /etc/hosts-test:2"),
        "{}",
        r.detail
    );
}

#[test]
fn split_horizon_private_name_is_not_suspicious() {
    // A company's proxy on a public-looking name that its own DNS (here a hosts-file
    // line) resolves to a private address: the normal corporate setup.
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["goproxy.corp.example.com"], Behavior::Healthy);
    let mut c = cfg(&[&ca], &[&ca]);
    c.hosts = Some((
        "/etc/hosts-test".into(),
        "127.0.0.1 goproxy.corp.example.com\n127.0.0.1 proxy.golang.org\n".into(),
    ));
    let url = format!("https://goproxy.corp.example.com:{}", srv.addr.port());
    let r = one(&c, &url, EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert!(r.dns.as_ref().unwrap().suspicious.is_empty(), "{r:#?}");
    // Its verdict follows its other layers.
    let down = refused_addr();
    c.hosts = Some((
        "/etc/hosts-test".into(),
        format!("{} goproxy.corp.example.com\n", down.ip()),
    ));
    let r = one(
        &c,
        &format!("https://goproxy.corp.example.com:{}", down.port()),
        EndpointKind::Proxy,
    );
    assert_eq!(r.verdict, Verdict::TcpRefused, "{r:#?}");
    // go's own public host at the same address stays suspicious.
    let srv = tls_server(&ca, &["proxy.golang.org"], Behavior::Healthy);
    c.hosts = Some((
        "/etc/hosts-test".into(),
        "127.0.0.1 proxy.golang.org\n".into(),
    ));
    let r = one(
        &c,
        &format!("https://proxy.golang.org:{}", srv.addr.port()),
        EndpointKind::Proxy,
    );
    assert_eq!(r.verdict, Verdict::DnsSuspicious, "{r:#?}");
}

#[test]
fn a_private_ca_on_a_private_name_is_ok_and_named() {
    let corp = TestCa::new("Corp Private CA");
    let srv = tls_server(&corp, &["goproxy.corp.example.com"], Behavior::Healthy);
    let mut c = cfg(&[&corp], &[]);
    c.mozilla_roots = webpki_like();
    map(&mut c, "goproxy.corp.example.com", 443, srv.addr);
    let r = one(&c, "https://goproxy.corp.example.com", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert!(r.detail.contains("Corp Private CA"), "{}", r.detail);
    let tls = r.tls.as_ref().unwrap();
    assert_eq!(tls.trusted_by_system, Some(true));
    assert_eq!(tls.trusted_by_mozilla, Some(false));
    // The same CA on one of go's public hosts is interception.
    let srv = tls_server(&corp, &["sum.golang.org"], Behavior::Healthy);
    map(&mut c, "sum.golang.org", 443, srv.addr);
    let r = one(&c, "https://sum.golang.org", EndpointKind::SumDb);
    assert_eq!(r.verdict, Verdict::TlsIntercepted, "{r:#?}");
    assert!(r.detail.contains("Corp Private CA"), "{}", r.detail);
}

#[test]
fn proxies_407_failure_and_tunnel_with_credentials() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.golang.org"], Behavior::Healthy);
    let p407 = connect_proxy(ProxyBehavior::AuthRequired);
    let p502 = connect_proxy(ProxyBehavior::Status(502));
    // "alice:s3cret" in base64
    let tunnel = connect_proxy(ProxyBehavior::Tunnel(
        srv.addr,
        Some("Basic YWxpY2U6czNjcmV0"),
    ));
    let mut c = cfg(&[&ca], &[&ca]);
    let target = [Target {
        url: "https://proxy.golang.org".into(),
        kind: EndpointKind::Proxy,
    }];
    c.proxy_env = ProxyEnv {
        https_proxy: format!("http://{}", p407.addr),
        ..Default::default()
    };
    let r = probe_all(&target, &c).remove(0);
    assert_eq!(r.verdict, Verdict::ProxyAuthRequired, "{r:#?}");
    assert_eq!(r.proxy.as_ref().unwrap().status, Some(407));
    assert_eq!(
        r.dns.as_ref().unwrap().addresses,
        vec!["127.0.0.1"],
        "only the proxy is resolved"
    );
    c.proxy_env = ProxyEnv {
        https_proxy: format!("http://{}", p502.addr),
        ..Default::default()
    };
    assert_eq!(probe_all(&target, &c)[0].verdict, Verdict::ProxyFailed);
    c.proxy_env = ProxyEnv {
        https_proxy: format!("http://{}", refused_addr()),
        ..Default::default()
    };
    assert_eq!(probe_all(&target, &c)[0].verdict, Verdict::ProxyFailed);
    c.proxy_env = ProxyEnv {
        https_proxy: format!("http://alice:s3cret@{}", tunnel.addr),
        ..Default::default()
    };
    let r = probe_all(&target, &c).remove(0);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    // NO_PROXY exempts the host: then it is resolved directly (and fails here).
    c.proxy_env.no_proxy = "golang.org".into();
    assert_eq!(probe_all(&target, &c)[0].verdict, Verdict::DnsFailed);
}

#[test]
fn http_error_statuses() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.example"], Behavior::Status(503));
    let auth = tls_server(&ca, &["sum.example"], Behavior::Status(403));
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "proxy.example", 443, srv.addr);
    map(&mut c, "sum.example", 443, auth.addr);
    let r = one(&c, "https://proxy.example/", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::HttpError, "{r:#?}");
    assert_eq!(r.http.as_ref().unwrap().status, Some(503));
    let r = one(&c, "https://sum.example", EndpointKind::SumDb);
    assert_eq!(r.verdict, Verdict::HttpError);
    assert!(r.detail.contains("GOAUTH"));
}

#[test]
fn many_hanging_endpoints_end_at_the_deadline() {
    let ca = TestCa::new("Root");
    let silent = tls_server(&ca, &["h.example"], Behavior::Silent);
    let healthy = tls_server(&ca, &["ok.example"], Behavior::Healthy);
    let (hole, _g) = blackhole();
    let mut c = cfg(&[&ca], &[&ca]);
    c.deadline = Duration::from_millis(1000);
    let mut targets = Vec::new();
    for i in 0..20 {
        let host = format!("e{i}.example");
        let addr = match i % 3 {
            0 => silent.addr,
            1 => hole,
            _ => healthy.addr,
        };
        map(&mut c, &host, 443, addr);
        targets.push(Target {
            url: format!("https://{host}"),
            kind: EndpointKind::Host,
        });
    }
    let t = Instant::now();
    let rs = probe_all(&targets, &c);
    let took = t.elapsed();
    assert!(took < Duration::from_millis(1100), "{took:?}");
    assert_eq!(rs.len(), 20);
    assert!(
        rs.iter()
            .filter(|r| r.verdict == Verdict::TlsTimeout)
            .count()
            >= 6
    );
    assert!(
        rs.iter()
            .filter(|r| r.verdict == Verdict::TcpTimeout)
            .count()
            >= 6
    );
}

#[test]
fn proxy_url_credentials_are_sent_as_basic_auth() {
    let ca = TestCa::new("Root");
    // "bob:pw" in base64
    let srv = tls_server(
        &ca,
        &["corp-proxy.example"],
        Behavior::RequireAuth("Basic Ym9iOnB3"),
    );
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "corp-proxy.example", 443, srv.addr);
    assert_eq!(
        one(&c, "https://bob:pw@corp-proxy.example", EndpointKind::Proxy).verdict,
        Verdict::Ok
    );
    let r = one(&c, "https://corp-proxy.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::HttpError);
    assert_eq!(r.http.unwrap().status, Some(401));
}

#[test]
fn plain_http_through_a_proxy_uses_absolute_urls() {
    let p407 = connect_proxy(ProxyBehavior::AuthRequired);
    let mut c = cfg(&[], &[]);
    c.proxy_env = ProxyEnv {
        http_proxy: format!("http://{}", p407.addr),
        ..Default::default()
    };
    let r = one(&c, "http://goproxy.corp.example/", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyAuthRequired, "{r:#?}");
    assert!(r.detail.contains("HTTP_PROXY"), "{}", r.detail);
    assert!(r.proxy.is_some());
}

#[test]
fn netrc_credentials_are_sent_like_go() {
    let ca = TestCa::new("Root");
    // "bob:pw" in base64
    let srv = tls_server(
        &ca,
        &["athens.corp.example"],
        Behavior::RequireAuth("Basic Ym9iOnB3"),
    );
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "athens.corp.example", 443, srv.addr);
    assert_eq!(
        one(&c, "https://athens.corp.example", EndpointKind::Proxy).verdict,
        Verdict::HttpError
    );
    c.netrc = gomedic_net::netrc::parse("machine athens.corp.example login bob password pw");
    assert_eq!(
        one(&c, "https://athens.corp.example", EndpointKind::Proxy).verdict,
        Verdict::Ok
    );
}

#[test]
fn a_block_page_answering_200_everywhere_is_not_goproxy() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.example", "sum.example"], Behavior::BlockPage);
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "proxy.example", 443, srv.addr);
    map(&mut c, "sum.example", 443, srv.addr);
    let r = one(&c, "https://proxy.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::NotGoproxy, "{r:#?}");
    assert!(!r.verdict.usable_by_go());
    assert!(r.detail.contains("text/html"), "{}", r.detail);
    assert!(r.detail.contains("\"Access denied\""), "{}", r.detail);
    let http = r.http.as_ref().unwrap();
    assert_eq!(http.status, Some(200));
    // Its /sumdb/.../supported page is a 200 too, but not a yes.
    assert_eq!(http.sumdb_supported, Some(false));
    let r = one(&c, "https://sum.example", EndpointKind::SumDb);
    assert_eq!(r.verdict, Verdict::NotGoproxy, "{r:#?}");
    assert!(r.detail.contains("signed"), "{}", r.detail);
    // A plain host only has to answer.
    let r = one(&c, "https://proxy.example", EndpointKind::Host);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    // Over plain HTTP the same.
    let plain = http_server(Behavior::BlockPage);
    let r = one(
        &c,
        &format!("http://{}/goproxy", plain.addr),
        EndpointKind::Proxy,
    );
    assert_eq!(r.verdict, Verdict::NotGoproxy, "{r:#?}");
}

#[test]
fn redirects_are_followed_to_another_host_and_judged_there() {
    let files = http_server(Behavior::Healthy);
    let prefix: &'static str = Box::leak(format!("http://{}/mirror", files.addr).into_boxed_str());
    let front = http_server(Behavior::RedirectTo(prefix));
    let c = cfg(&[], &[]);
    let r = one(&c, &format!("http://{}", front.addr), EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    let want = format!("http://{}/mirror/golang.org/x/text/@v/list", files.addr);
    assert_eq!(r.final_url.as_deref(), Some(want.as_str()));
    assert!(r.detail.contains("after 1 redirect"), "{}", r.detail);
    // The layers are the final hop's.
    assert_eq!(
        r.tcp.as_ref().unwrap().address.as_deref(),
        Some(files.addr.to_string().as_str())
    );
    assert_eq!(r.http.as_ref().unwrap().status, Some(200));
    // A redirect to a block page is judged by the block page.
    let block = http_server(Behavior::BlockPage);
    let to_block: &'static str = Box::leak(format!("http://{}", block.addr).into_boxed_str());
    let front = http_server(Behavior::RedirectTo(to_block));
    let r = one(&c, &format!("http://{}", front.addr), EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::NotGoproxy, "{r:#?}");
    assert!(r.final_url.is_some());
    // Without a redirect there is no final URL.
    let r = one(&c, &format!("http://{}", files.addr), EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok);
    assert_eq!(r.final_url, None);
}

#[test]
fn redirect_chains_stop_where_go_stops() {
    let c = cfg(&[], &[]);
    let looping = http_server(Behavior::RedirectLoop);
    let r = one(&c, &format!("http://{}", looping.addr), EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::HttpError, "{r:#?}");
    assert!(
        r.detail.contains("stopped after 10 redirects"),
        "{}",
        r.detail
    );
    // Nine redirects are followed (net/http's limit is ten requests' worth of history).
    let end = http_server(Behavior::Healthy);
    let mut next = format!("http://{}", end.addr);
    let mut servers = Vec::new();
    for _ in 0..9 {
        let p: &'static str = Box::leak(next.clone().into_boxed_str());
        let s = http_server(Behavior::RedirectTo(p));
        next = format!("http://{}", s.addr);
        servers.push(s);
    }
    let r = one(&c, &next, EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert!(r.detail.contains("after 9 redirects"), "{}", r.detail);
    // One more is too many.
    let p: &'static str = Box::leak(next.clone().into_boxed_str());
    let s = http_server(Behavior::RedirectTo(p));
    let r = one(&c, &format!("http://{}", s.addr), EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::HttpError, "{r:#?}");
}

#[test]
fn https_to_http_redirects_are_refused_like_go() {
    let ca = TestCa::new("Root");
    let plain = http_server(Behavior::Healthy);
    let to: &'static str = Box::leak(format!("http://{}", plain.addr).into_boxed_str());
    let srv = tls_server(&ca, &["proxy.example"], Behavior::RedirectTo(to));
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "proxy.example", 443, srv.addr);
    let r = one(&c, "https://proxy.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::HttpError, "{r:#?}");
    assert!(
        r.detail.contains("redirected from secure URL https://proxy.example/golang.org/x/text/@v/list to insecure URL"),
        "{}",
        r.detail
    );
}

#[test]
fn http_to_https_redirects_are_followed_with_every_layer_of_the_new_host() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.example"], Behavior::Healthy);
    let front = http_server(Behavior::RedirectTo("https://proxy.example"));
    let mut c = cfg(&[&ca], &[&ca]);
    map(&mut c, "proxy.example", 443, srv.addr);
    let r = one(&c, &format!("http://{}", front.addr), EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert_eq!(
        r.final_url.as_deref(),
        Some("https://proxy.example/golang.org/x/text/@v/list")
    );
    assert_eq!(r.tls.as_ref().unwrap().alpn.as_deref(), Some("h2"));
    assert_eq!(r.dns.as_ref().unwrap().source, "override");
    // The new host's TLS is checked like any other: an untrusted one fails.
    let c2 = {
        let mut c2 = cfg(&[], &[&ca]);
        map(&mut c2, "proxy.example", 443, srv.addr);
        c2
    };
    let r = one(&c2, &format!("http://{}", front.addr), EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::TlsUntrusted, "{r:#?}");
}
