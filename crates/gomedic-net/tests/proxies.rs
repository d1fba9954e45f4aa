//! Proxies as the go command uses them: SOCKS5 (with and without authentication), the
//! advice for a proxy's own refusals, and proxy values Go's url.Parse refuses.

use gomedic_core::net::{EndpointKind, EndpointReport, Verdict};
use gomedic_net::proxyenv::ProxyEnv;
use gomedic_net::{probe_all, ProbeConfig, Target};
use gomedic_testkit::{connect_proxy, http_server, tls_server, Behavior, ProxyBehavior, TestCa};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn cfg(ca: Option<&TestCa>) -> ProbeConfig {
    let mut c = ProbeConfig::new(Duration::from_secs(3));
    let mut s = gomedic_net::Pool::new();
    if let Some(ca) = ca {
        assert!(s.add_der(ca.cert_der.as_ref()));
    }
    c.system_roots = Arc::new(s.clone());
    c.mozilla_roots = Arc::new(s);
    c
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

/// What the SOCKS5 test server saw: the destination as sent (`name:port` for a domain
/// name, `ip:port` for an address).
type Seen = Arc<Mutex<Vec<String>>>;

/// A SOCKS5 server on loopback (RFC 1928/1929) that tunnels every CONNECT to `to`,
/// requiring `user`/`password` when given, and recording each requested destination.
fn socks5_server(
    to: SocketAddr,
    creds: Option<(&'static str, &'static str)>,
) -> (SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let seen2 = seen.clone();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(l.local_addr().unwrap()).unwrap();
            loop {
                let Ok((mut c, _)) = l.accept().await else {
                    continue;
                };
                let seen = seen2.clone();
                tokio::spawn(async move {
                    let _ = serve_socks(&mut c, to, creds, seen).await;
                });
            }
        });
    });
    (rx.recv().unwrap(), seen)
}

async fn serve_socks(
    c: &mut tokio::net::TcpStream,
    to: SocketAddr,
    creds: Option<(&str, &str)>,
    seen: Seen,
) -> std::io::Result<()> {
    let mut h = [0u8; 2];
    c.read_exact(&mut h).await?;
    assert_eq!(h[0], 5);
    let mut methods = vec![0u8; h[1] as usize];
    c.read_exact(&mut methods).await?;
    let want = if creds.is_some() { 2 } else { 0 };
    if !methods.contains(&want) {
        c.write_all(&[5, 0xff]).await?;
        return Ok(());
    }
    c.write_all(&[5, want]).await?;
    if let Some((u, p)) = creds {
        let mut v = [0u8; 2];
        c.read_exact(&mut v).await?;
        let mut user = vec![0u8; v[1] as usize];
        c.read_exact(&mut user).await?;
        let mut l = [0u8; 1];
        c.read_exact(&mut l).await?;
        let mut pass = vec![0u8; l[0] as usize];
        c.read_exact(&mut pass).await?;
        if user != u.as_bytes() || pass != p.as_bytes() {
            c.write_all(&[1, 1]).await?;
            return Ok(());
        }
        c.write_all(&[1, 0]).await?;
    }
    let mut r = [0u8; 4];
    c.read_exact(&mut r).await?;
    let dest = match r[3] {
        1 => {
            let mut a = [0u8; 4];
            c.read_exact(&mut a).await?;
            std::net::Ipv4Addr::from(a).to_string()
        }
        4 => {
            let mut a = [0u8; 16];
            c.read_exact(&mut a).await?;
            std::net::Ipv6Addr::from(a).to_string()
        }
        _ => {
            let mut l = [0u8; 1];
            c.read_exact(&mut l).await?;
            let mut n = vec![0u8; l[0] as usize];
            c.read_exact(&mut n).await?;
            String::from_utf8_lossy(&n).into_owned()
        }
    };
    let mut port = [0u8; 2];
    c.read_exact(&mut port).await?;
    seen.lock()
        .unwrap()
        .push(format!("{dest}:{}", u16::from_be_bytes(port)));
    let Ok(mut up) = tokio::net::TcpStream::connect(to).await else {
        c.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?;
        return Ok(());
    };
    c.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
    tokio::io::copy_bidirectional(c, &mut up).await?;
    Ok(())
}

fn https_via(proxy: String) -> ProxyEnv {
    ProxyEnv {
        https_proxy: proxy,
        ..Default::default()
    }
}

#[test]
fn https_through_socks5_without_and_with_auth() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.golang.org"], Behavior::Healthy);
    let (open, seen) = socks5_server(srv.addr, None);
    let (locked, _) = socks5_server(srv.addr, Some(("alice", "s3cr@t")));
    let mut c = cfg(Some(&ca));
    for scheme in ["socks5", "socks5h"] {
        c.proxy_env = https_via(format!("{scheme}://{open}"));
        let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
        assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
        assert_eq!(r.http.as_ref().unwrap().status, Some(200));
        assert!(r.proxy.as_ref().unwrap().url.starts_with(scheme));
        assert_eq!(
            r.dns.as_ref().unwrap().addresses,
            vec!["127.0.0.1"],
            "only the proxy is resolved"
        );
    }
    // Both schemes send the name: the proxy resolves it, as with go.
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["proxy.golang.org:443", "proxy.golang.org:443"]
    );

    c.proxy_env = https_via(format!("socks5://alice:s3cr%40t@{locked}"));
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");

    c.proxy_env = https_via(format!("socks5://alice:wrong@{locked}"));
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyAuthRequired, "{r:#?}");
    assert!(
        r.detail.contains("refused the credentials in HTTPS_PROXY"),
        "{}",
        r.detail
    );

    c.proxy_env = https_via(format!("socks5://{locked}"));
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyAuthRequired, "{r:#?}");
    assert!(
        r.detail.contains("wants a user name and password"),
        "{}",
        r.detail
    );
}

#[test]
fn plain_http_through_socks5_is_sent_as_to_the_server() {
    let srv = http_server(Behavior::Healthy);
    let (socks, seen) = socks5_server(srv.addr, None);
    let mut c = cfg(None);
    c.proxy_env = ProxyEnv {
        http_proxy: format!("socks5h://{socks}"),
        ..Default::default()
    };
    let r = one(&c, "http://goproxy.corp.example/", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert_eq!(*seen.lock().unwrap(), vec!["goproxy.corp.example:80"]);
}

#[test]
fn a_socks5_proxy_that_cannot_connect_fails_on_the_proxy_hop() {
    let dead = gomedic_testkit::refused_addr();
    let (socks, _) = socks5_server(dead, None);
    let mut c = cfg(None);
    c.proxy_env = https_via(format!("socks5://{socks}"));
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyFailed, "{r:#?}");
    assert!(r.detail.contains("connection refused"), "{}", r.detail);
}

#[test]
fn a_407_after_credentials_blames_the_credentials() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.golang.org"], Behavior::Healthy);
    // "alice:s3cret" in base64
    let tunnel = connect_proxy(ProxyBehavior::Tunnel(
        srv.addr,
        Some("Basic YWxpY2U6czNjcmV0"),
    ));
    let mut c = cfg(Some(&ca));
    c.proxy_env = https_via(format!("http://alice:wrong@{}", tunnel.addr));
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyAuthRequired, "{r:#?}");
    assert!(
        r.detail.contains("refused the credentials in HTTPS_PROXY"),
        "{}",
        r.detail
    );
    assert!(!r.detail.contains("put them in"), "{}", r.detail);
    c.proxy_env = https_via(format!("http://{}", tunnel.addr));
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert!(r.detail.contains("wants credentials"), "{}", r.detail);
    // Plain http through the proxy: the 407 comes from the proxy, with credentials sent.
    let p407 = connect_proxy(ProxyBehavior::AuthRequired);
    c.proxy_env = ProxyEnv {
        http_proxy: format!("http://bob:pw@{}", p407.addr),
        ..Default::default()
    };
    let r = one(&c, "http://goproxy.corp.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyAuthRequired, "{r:#?}");
    assert!(
        r.detail.contains("refused the credentials in HTTP_PROXY"),
        "{}",
        r.detail
    );
}

#[test]
fn a_403_from_the_proxy_blames_its_policy_not_the_server() {
    let p403 = connect_proxy(ProxyBehavior::Status(403));
    let mut c = cfg(None);
    c.proxy_env = https_via(format!("http://{}", p403.addr));
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyFailed, "{r:#?}");
    assert!(r.detail.contains("policy"), "{}", r.detail);
    assert!(
        r.detail.contains(&format!("the proxy {}", p403.addr)),
        "{}",
        r.detail
    );
    assert!(!r.detail.contains("wants credentials"), "{}", r.detail);
    // An http:// GOPROXY: the proxy answers the absolute-URL request itself.
    c.proxy_env = ProxyEnv {
        http_proxy: format!("http://{}", p403.addr),
        ..Default::default()
    };
    let r = one(&c, "http://goproxy.corp.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::HttpError, "{r:#?}");
    assert!(r.detail.contains("through the HTTP proxy"), "{}", r.detail);
    assert!(r.detail.contains("policy"), "{}", r.detail);
    assert!(
        !r.detail.contains("the server wants credentials"),
        "{}",
        r.detail
    );
}

#[test]
fn a_proxy_value_go_cannot_parse_is_ignored_and_go_connects_directly() {
    let ca = TestCa::new("Root");
    let srv = tls_server(&ca, &["proxy.example"], Behavior::Healthy);
    let mut c = cfg(Some(&ca));
    c.overrides.push(gomedic_net::resolve::Override {
        host: "proxy.example".into(),
        port: 443,
        addr: srv.addr,
    });
    c.proxy_env =
        ProxyEnv::from_env(&|k| (k == "HTTPS_PROXY").then(|| "http://127.0.0.1:9\r".to_string()));
    let r = one(&c, "https://proxy.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert!(r.proxy.is_none());
    assert!(
        r.detail.contains("go ignores HTTPS_PROXY=\"http://127.0.0.1:9\\r\": net/url: invalid control character in URL; it connects directly"),
        "{}",
        r.detail
    );
    // A query after the port is not an error: the proxy is used.
    c.proxy_env = https_via(format!("http://{}?x=1", gomedic_testkit::refused_addr()));
    let r = one(&c, "https://proxy.example", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyFailed, "{r:#?}");
    assert!(!r.detail.contains("bad port"), "{}", r.detail);
}

/// The newest go toolchain gomedic's tests keep, if installed.
fn real_go() -> Option<std::path::PathBuf> {
    let home = std::env::var_os("HOME")?;
    let go = std::path::Path::new(&home).join(".cache/gomedic/toolchains/linux/go1.27.3/go/bin/go");
    go.is_file().then_some(go)
}

/// `go list -m -versions golang.org/x/text` in a hermetic sandbox with this proxy setting.
fn go_list(go: &std::path::Path, http_proxy: &str) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!(
        "gomedic-socks-{}-{}",
        std::process::id(),
        http_proxy.len()
    ));
    let _ = std::fs::create_dir_all(&dir);
    let out = std::process::Command::new(go)
        .args(["list", "-m", "-versions", "golang.org/x/text"])
        .current_dir(&dir)
        .env_clear()
        .env("HOME", &dir)
        .env("PATH", "/usr/bin:/bin")
        .env("GOPATH", dir.join("gopath"))
        .env("GOCACHE", dir.join("cache"))
        .env("GOMODCACHE", dir.join("modcache"))
        .env("GOENV", "off")
        .env("GOTOOLCHAIN", "local")
        .env("GO111MODULE", "on")
        .env("GOPROXY", "http://goproxy.invalid")
        .env("GOSUMDB", "off")
        .env("GOFLAGS", "-modcacherw")
        .env("HTTP_PROXY", http_proxy)
        .output()
        .expect("go runs");
    let _ = std::fs::remove_dir_all(&dir);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Differential: real go and gomedic, through the same loopback SOCKS5 proxy, agree.
#[test]
fn real_go_and_gomedic_agree_through_socks5() {
    let Some(go) = real_go() else {
        eprintln!("skipped: no go toolchain under ~/.cache/gomedic/toolchains");
        return;
    };
    let srv = http_server(Behavior::Healthy);
    let (open, seen) = socks5_server(srv.addr, None);
    let (locked, _) = socks5_server(srv.addr, Some(("alice", "pw")));
    let gomedic = |proxy: &str| {
        let mut c = cfg(None);
        c.proxy_env = ProxyEnv::from_env(&|k| (k == "HTTP_PROXY").then(|| proxy.to_string()));
        one(&c, "http://goproxy.invalid", EndpointKind::Proxy)
    };
    for proxy in [
        format!("socks5://{open}"),
        format!("socks5h://{open}"),
        format!("socks5://alice:pw@{locked}"),
    ] {
        let (ok, text) = go_list(&go, &proxy);
        // go read the version list through the tunnel: it then asks for the newest
        // version's .info, which the test server answers with 404 (one HTTP answer that
        // can only come from the loopback server behind the proxy).
        let reached = text.contains(
            "reading http://goproxy.invalid/golang.org/x/text/@v/v0.14.0.info: 404 Not Found",
        );
        assert!(reached, "{proxy}: {ok} {text}");
        let r = gomedic(&proxy);
        assert_eq!(r.verdict, Verdict::Ok, "{proxy}: {r:#?}");
    }
    assert!(
        seen.lock()
            .unwrap()
            .iter()
            .all(|d| d == "goproxy.invalid:80"),
        "{:?}",
        seen.lock().unwrap()
    );
    // Wrong credentials: both fail on the proxy hop.
    let proxy = format!("socks5://alice:nope@{locked}");
    let (ok, text) = go_list(&go, &proxy);
    assert!(
        !ok && !text.contains("v0.14.0")
            && text.contains("username/password authentication failed"),
        "{ok} {text}"
    );
    assert_eq!(gomedic(&proxy).verdict, Verdict::ProxyAuthRequired);
    // A trailing CR: go ignores the variable and goes direct (the name does not resolve).
    let proxy = format!("socks5://{open}\r");
    let (ok, text) = go_list(&go, &proxy);
    assert!(
        !ok && !text.contains("v0.14.0")
            && !text.contains("socks")
            && text.contains("goproxy.invalid"),
        "{ok} {text}"
    );
    let r = gomedic(&proxy);
    assert_eq!(r.verdict, Verdict::DnsFailed, "{r:#?}");
    assert!(r.detail.contains("go ignores HTTP_PROXY="), "{}", r.detail);
}

#[test]
fn a_silent_socks5_proxy_is_reported_at_the_deadline() {
    // Accepts TCP and never answers the greeting.
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut keep = Vec::new();
        for c in l.incoming() {
            keep.push(c);
        }
    });
    let mut c = cfg(None);
    c.deadline = Duration::from_millis(500);
    c.proxy_env = https_via(format!("socks5h://{addr}"));
    let r = one(&c, "https://proxy.golang.org", EndpointKind::Proxy);
    assert_eq!(r.verdict, Verdict::ProxyFailed, "{r:#?}");
    assert!(
        r.detail
            .starts_with("the SOCKS5 proxy did not complete the handshake"),
        "{}",
        r.detail
    );
}

/// Differential: which proxy host each go release takes from a value with two colons
/// (`url.Parse` changed in go 1.26), read off go's own "lookup HOST" error, equals the
/// host gomedic picks with that release's rules.
#[test]
fn proxy_host_per_release_matches_real_go() {
    let roots = gomedic_testkit::goroots();
    let value = "http://127.0.0.1:1:3128";
    for (version, goroot) in roots {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(goroot.join("bin/go"))
            .args(["list", "-m", "-versions", "golang.org/x/text"])
            .current_dir(dir.path())
            .env_clear()
            .env("HOME", dir.path())
            .env("PATH", "/usr/bin:/bin")
            .env("GOPATH", dir.path().join("gopath"))
            .env("GOCACHE", dir.path().join("cache"))
            .env("GOMODCACHE", dir.path().join("modcache"))
            .env("GOENV", "off")
            .env("GOTOOLCHAIN", "local")
            .env("GOPROXY", "https://goproxy.example.org")
            .env("GOSUMDB", "off")
            .env("HTTPS_PROXY", value)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stderr).to_string();
        let go_host = text
            .split("lookup ")
            .nth(1)
            .and_then(|r| r.split([' ', ':']).next().map(|h| h.to_string()))
            .map(|h| {
                // "lookup 127.0.0.1:1: no such host": the host itself has a colon.
                if h == "127.0.0.1" && text.contains("lookup 127.0.0.1:1:") {
                    "127.0.0.1:1".to_string()
                } else {
                    h
                }
            })
            .unwrap_or_else(|| panic!("go {version}: no lookup error: {text}"));
        let env = ProxyEnv::from_env(&|k| (k == "HTTPS_PROXY").then(|| value.to_string()))
            .with_semantics(gomedic_goenv::gosem::GoSemantics::for_version(Some(
                &version,
            )));
        let ours = match env.choose("https", "goproxy.example.org", 443) {
            gomedic_net::proxyenv::Choice::Via(p) => p.host,
            c => panic!("go {version}: gomedic chose {c:?}"),
        };
        assert_eq!(ours, go_host, "go {version}: {text}");
    }
}
