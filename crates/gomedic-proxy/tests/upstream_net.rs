//! Upstream HTTP of the proxy against real servers: keep-alive reuse, the one retry, Basic
//! auth from URL userinfo and from NETRC, TLS trust from SSL_CERT_FILE (the go command
//! answering the same questions on the same servers), and an upstream reached through the
//! lab's squid with and without credentials. Proxies that need their own environment
//! (HTTPS_PROXY, SSL_CERT_FILE, NETRC) run as child processes: this test binary re-run
//! with `child_proxy_process`; their whole output is checked for leaked credentials.

mod common;

use base64::Engine;
use common::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const INFO: &str = "/example.com/single/@v/v1.0.0.info";
const ZIP: &str = "/example.com/single/@v/v1.0.0.zip";

fn basic(user: &str, pw: &str) -> String {
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pw}"))
    )
}

/// A keep-alive HTTP/1.1 file server (plain or TLS) that counts connections and requests.
#[derive(Clone, Default)]
struct Opts {
    /// Answer 401 unless `Authorization` equals this.
    auth: Option<String>,
    /// Close the first N connections right after reading their request.
    drop_first: usize,
    /// Answer every request with this status.
    status: Option<u16>,
    tls: Option<Arc<rustls::ServerConfig>>,
}

struct Upstream {
    addr: SocketAddr,
    conns: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    auths: Arc<Mutex<Vec<Option<String>>>>,
}

fn upstream(dir: &Path, opts: Opts) -> Upstream {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let up = Upstream {
        addr: l.local_addr().unwrap(),
        conns: Arc::default(),
        requests: Arc::default(),
        auths: Arc::default(),
    };
    let (conns, requests, auths) = (up.conns.clone(), up.requests.clone(), up.auths.clone());
    let dir = dir.to_path_buf();
    std::thread::spawn(move || {
        for c in l.incoming().flatten() {
            let i = conns.fetch_add(1, Ordering::SeqCst);
            let (dir, opts, requests, auths) =
                (dir.clone(), opts.clone(), requests.clone(), auths.clone());
            std::thread::spawn(move || {
                let drop_it = i < opts.drop_first;
                match &opts.tls {
                    Some(cfg) => {
                        let Ok(conn) = rustls::ServerConnection::new(cfg.clone()) else {
                            return;
                        };
                        let s = rustls::StreamOwned::new(conn, c);
                        serve_conn(s, &dir, &opts, drop_it, &requests, &auths);
                    }
                    None => serve_conn(c, &dir, &opts, drop_it, &requests, &auths),
                }
            });
        }
    });
    up
}

fn serve_conn<S: Read + Write>(
    s: S,
    dir: &Path,
    opts: &Opts,
    drop_it: bool,
    requests: &AtomicUsize,
    auths: &Mutex<Vec<Option<String>>>,
) {
    let mut r = BufReader::new(s);
    loop {
        let mut head = Vec::new();
        loop {
            let mut line = String::new();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if line == "\r\n" {
                break;
            }
            head.push(line.trim_end().to_string());
        }
        requests.fetch_add(1, Ordering::SeqCst);
        if drop_it {
            return;
        }
        let path = head
            .first()
            .and_then(|l| l.split_whitespace().nth(1))
            .unwrap_or("/")
            .replace("%21", "!");
        let auth = head.iter().find_map(|h| {
            h.split_once(':')
                .filter(|(k, _)| k.eq_ignore_ascii_case("authorization"))
                .map(|(_, v)| v.trim().to_string())
        });
        auths.lock().unwrap().push(auth.clone());
        let (status, body) = if let Some(s) = opts.status {
            (s, b"forced\n".to_vec())
        } else if opts.auth.is_some() && auth != opts.auth {
            (401, b"unauthorized\n".to_vec())
        } else if path.contains("..") {
            (404, b"not found\n".to_vec())
        } else {
            match std::fs::read(dir.join(path.trim_start_matches('/'))) {
                Ok(b) => (200, b),
                Err(_) => (404, b"not found\n".to_vec()),
            }
        };
        let w = r.get_mut();
        let _ = write!(
            w,
            "HTTP/1.1 {status} X\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        let _ = w.write_all(&body);
        let _ = w.flush();
    }
}

fn tls_config(ca: &gomedic_testkit::TestCa) -> Arc<rustls::ServerConfig> {
    let (chain, key) = ca.leaf(&["127.0.0.1", "localhost"]);
    Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap(),
    )
}

fn fixtures() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    publish_all(d.path(), &modules());
    d
}

/// What the proxy shows of itself: response bodies, /metrics, the status page.
fn surfaces(addr: SocketAddr) -> String {
    let mut s = String::new();
    for p in ["/metrics", "/"] {
        s.push_str(&String::from_utf8_lossy(&http_get(addr, p).1));
    }
    s
}

#[test]
fn one_pooled_connection_and_basic_auth_from_url_userinfo() {
    let dir = fixtures();
    let up = upstream(
        dir.path(),
        Opts {
            auth: Some(basic("alice", "url-s3cret")),
            ..Default::default()
        },
    );
    let tmp = tempfile::tempdir().unwrap();
    let proxy = start_proxy(
        &tmp.path().join("cache"),
        &format!("http://alice:url-s3cret@{}", up.addr),
        None,
    );
    for p in [INFO, "/example.com/single/@v/v1.0.0.mod", ZIP] {
        let (status, body) = http_get(proxy.addr, p);
        assert_eq!(status, 200, "{p}: {}", String::from_utf8_lossy(&body));
    }
    assert_eq!(
        up.conns.load(Ordering::SeqCst),
        1,
        "keep-alive: one connection"
    );
    assert!(up
        .auths
        .lock()
        .unwrap()
        .iter()
        .all(|a| a.as_deref() == Some(basic("alice", "url-s3cret").as_str())));
    // Wrong credentials: the 401 is reported without them.
    let bad = start_proxy(
        &tmp.path().join("cache2"),
        &format!("http://alice:wr0ng-pw@{}", up.addr),
        None,
    );
    let (status, body) = http_get(bad.addr, INFO);
    let body = String::from_utf8_lossy(&body).to_string();
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("401"), "{body}");
    let seen = format!(
        "{body}{}{:?}{:?}",
        surfaces(bad.addr),
        bad.log.lock().unwrap(),
        bad.access.lock().unwrap()
    );
    assert!(!seen.contains("wr0ng-pw"), "{seen}");
    assert!(seen.contains(&format!("http://{}", up.addr)), "{seen}");
    let seen = format!("{}{:?}", surfaces(proxy.addr), proxy.log.lock().unwrap());
    assert!(!seen.contains("url-s3cret"), "{seen}");
}

#[test]
fn one_retry_when_the_connection_fails_before_a_response_never_after_a_5xx() {
    let dir = fixtures();
    let tmp = tempfile::tempdir().unwrap();
    let flaky = upstream(
        dir.path(),
        Opts {
            drop_first: 1,
            ..Default::default()
        },
    );
    let proxy = start_proxy(
        &tmp.path().join("c1"),
        &format!("http://{}", flaky.addr),
        None,
    );
    let (status, body) = http_get(proxy.addr, INFO);
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    assert_eq!(flaky.requests.load(Ordering::SeqCst), 2);
    // Closed twice in a row: one retry only.
    let dead = upstream(
        dir.path(),
        Opts {
            drop_first: usize::MAX,
            ..Default::default()
        },
    );
    let proxy = start_proxy(
        &tmp.path().join("c2"),
        &format!("http://{}", dead.addr),
        None,
    );
    assert_eq!(http_get(proxy.addr, INFO).0, 502);
    assert_eq!(dead.requests.load(Ordering::SeqCst), 2);
    let failing = upstream(
        dir.path(),
        Opts {
            status: Some(500),
            ..Default::default()
        },
    );
    let proxy = start_proxy(
        &tmp.path().join("c3"),
        &format!("http://{}", failing.addr),
        None,
    );
    assert_eq!(http_get(proxy.addr, INFO).0, 502);
    assert_eq!(
        failing.requests.load(Ordering::SeqCst),
        1,
        "no retry after a 500"
    );
}

/// The body of the proxy process the other tests start (does nothing when run by cargo).
#[test]
fn child_proxy_process() {
    let Ok(upstream) = std::env::var("GOMEDIC_TEST_CHILD_UPSTREAM") else {
        return;
    };
    let cache = PathBuf::from(std::env::var("GOMEDIC_TEST_CHILD_CACHE").unwrap());
    let cfg = gomedic_proxy::Config {
        cache_dir: cache,
        s3: None,
        upstreams: gomedic_proxy::parse_upstreams(&upstream).unwrap(),
        sumdb: None,
        timeout: Duration::from_secs(10),
        list_ttl: Duration::from_secs(60),
        log: Arc::new(|m| eprintln!("log: {m}")),
        access_log: Arc::new(|m| eprintln!("{m}")),
        max_upstream: 4,
        memory_cache: 32 << 20,
        direct: None,
    };
    gomedic_proxy::run_blocking(cfg, "127.0.0.1:0", |a| {
        println!("LISTEN {a}");
        let _ = std::io::stdout().flush();
    })
    .unwrap();
}

/// A proxy in its own process with exactly `env` (plus PATH and HOME).
struct Child {
    proc: std::process::Child,
    addr: SocketAddr,
    out: Arc<Mutex<String>>,
}

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.proc.kill();
        let _ = self.proc.wait();
    }
}

impl Child {
    fn output(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    fn get(&self, path: &str) -> (u16, String) {
        let (s, b) = http_get(self.addr, path);
        (s, String::from_utf8_lossy(&b).to_string())
    }
}

fn spawn_proxy(home: &Path, upstream: &str, env: &[(&str, String)]) -> Child {
    std::fs::create_dir_all(home).unwrap();
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args([
        "child_proxy_process",
        "--exact",
        "--nocapture",
        "--test-threads=1",
    ])
    .env_clear()
    .env("PATH", std::env::var("PATH").unwrap_or_default())
    .env("HOME", home)
    .env("GOMEDIC_TEST_CHILD_UPSTREAM", upstream)
    .env("GOMEDIC_TEST_CHILD_CACHE", home.join("cache"))
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut proc = c.spawn().unwrap();
    let out: Arc<Mutex<String>> = Arc::default();
    let (tx, rx) = std::sync::mpsc::channel();
    let stdout = proc.stdout.take().unwrap();
    let stderr = proc.stderr.take().unwrap();
    for (pipe, tx) in [
        (Box::new(stdout) as Box<dyn Read + Send>, Some(tx)),
        (Box::new(stderr), None),
    ] {
        let out = out.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                // libtest may print "test child_proxy_process ... " first on the line.
                let listen = line.find("LISTEN ").map(|i| &line[i + 7..]);
                if let (Some(a), Some(tx)) = (listen, &tx) {
                    let _ = tx.send(a.trim().parse::<SocketAddr>().unwrap());
                }
                let mut o = out.lock().unwrap();
                o.push_str(&line);
                o.push('\n');
            }
        });
    }
    let addr = rx
        .recv_timeout(Duration::from_secs(30))
        .unwrap_or_else(|_| panic!("child proxy did not start: {}", out.lock().unwrap()));
    Child { proc, addr, out }
}

#[test]
fn https_upstream_trusted_through_ssl_cert_file_with_netrc_credentials() {
    let dir = fixtures();
    let ca = gomedic_testkit::TestCa::new("gomedic proxy test CA");
    let tmp = tempfile::tempdir().unwrap();
    let ca_file = tmp.path().join("ca.pem");
    std::fs::write(&ca_file, &ca.cert_pem).unwrap();
    let up = upstream(
        dir.path(),
        Opts {
            auth: Some(basic("alice", "netrc-s3cret")),
            tls: Some(tls_config(&ca)),
            ..Default::default()
        },
    );
    let url = format!("https://127.0.0.1:{}", up.addr.port());
    let netrc = tmp.path().join("netrc");
    std::fs::write(
        &netrc,
        format!(
            "machine 127.0.0.1:{} login alice password netrc-s3cret\n",
            up.addr.port()
        ),
    )
    .unwrap();
    let empty = tmp.path().join("empty-certs");
    std::fs::create_dir_all(&empty).unwrap();
    let trusted = |extra: &[(&'static str, String)]| {
        let mut v = vec![
            ("SSL_CERT_FILE", ca_file.display().to_string()),
            ("SSL_CERT_DIR", empty.display().to_string()),
            ("NETRC", netrc.display().to_string()),
        ];
        v.extend_from_slice(extra);
        v
    };

    // Trusted via SSL_CERT_FILE, credentials from NETRC.
    let p = spawn_proxy(&tmp.path().join("p1"), &url, &trusted(&[]));
    let (status, body) = p.get(INFO);
    assert_eq!(status, 200, "{body}\n{}", p.output());
    assert_eq!(p.get(ZIP).0, 200);
    assert_eq!(
        up.auths.lock().unwrap().last().cloned().flatten(),
        Some(basic("alice", "netrc-s3cret"))
    );
    // URL userinfo wins over a (wrong) netrc entry, as in go 1.24+ (checked below).
    let with_userinfo = format!("https://alice:netrc-s3cret@127.0.0.1:{}", up.addr.port());
    let wrong_netrc = tmp.path().join("wrong-netrc");
    std::fs::write(
        &wrong_netrc,
        format!(
            "machine 127.0.0.1:{} login alice password wr0ng-pw\n",
            up.addr.port()
        ),
    )
    .unwrap();
    let userinfo_env = trusted(&[("NETRC", wrong_netrc.display().to_string())]);
    let p2 = spawn_proxy(&tmp.path().join("p2"), &with_userinfo, &userinfo_env);
    assert_eq!(p2.get(INFO).0, 200, "{}", p2.output());
    // Without userinfo that netrc entry is what is sent: refused.
    let p4 = spawn_proxy(&tmp.path().join("p4"), &url, &userinfo_env);
    let (status, body4) = p4.get(INFO);
    assert_eq!(status, 502, "{body4}");
    assert!(body4.contains("401"), "{body4}");

    // Without the CA: refused, naming the certificate problem as go does.
    let no_ca = [
        (
            "SSL_CERT_FILE",
            tmp.path().join("none.pem").display().to_string(),
        ),
        ("SSL_CERT_DIR", empty.display().to_string()),
        ("NETRC", netrc.display().to_string()),
    ];
    let p3 = spawn_proxy(&tmp.path().join("p3"), &url, &no_ca);
    let (status, body) = p3.get(INFO);
    assert_eq!(status, 502, "{body}");
    assert!(
        body.contains("x509: certificate signed by unknown authority"),
        "{body}"
    );

    let mut seen = String::new();
    for c in [&p, &p2, &p3, &p4] {
        seen.push_str(&c.output());
        seen.push_str(&surfaces(c.addr));
    }
    seen.push_str(&body);
    seen.push_str(&body4);
    for secret in ["netrc-s3cret", "wr0ng-pw"] {
        assert!(!seen.contains(secret), "{secret} leaked: {seen}");
    }

    // The go command on the same server and environment.
    let (ver, goroot) = newest_goroot().expect("no go toolchains");
    let go_get = |name: &str, goproxy: &str, env: &[(&str, String)]| {
        let home = tmp.path().join(name);
        std::fs::create_dir_all(&home).unwrap();
        let mut e = vec![
            ("GOPROXY", goproxy.to_string()),
            ("GOSUMDB", "off".to_string()),
        ];
        e.extend_from_slice(env);
        let out = go(
            &goroot,
            &home,
            &home,
            &e,
            &["mod", "download", "-json", "example.com/single@v1.0.0"],
        );
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    };
    let (ok, text) = go_get("g1", &url, &trusted(&[]));
    assert!(ok, "go {ver}: {text}");
    let (ok, text) = go_get("g2", &with_userinfo, &userinfo_env);
    assert!(ok, "go {ver}: userinfo over netrc: {text}");
    let (ok, text) = go_get("g4", &url, &userinfo_env);
    assert!(!ok && text.contains("401"), "go {ver}: {text}");
    let (ok, text) = go_get("g3", &url, &no_ca);
    assert!(!ok, "go {ver}: {text}");
    assert!(
        text.contains("x509: certificate signed by unknown authority"),
        "go {ver}: {text}"
    );
}

/// The lab's manifest (GOMEDIC_LAB); None (skip) outside CI when it is not running.
fn lab() -> Option<serde_json::Value> {
    match std::env::var("GOMEDIC_LAB") {
        Ok(p) => Some(serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()),
        Err(_) if std::env::var("CI").is_ok_and(|v| v == "true") => {
            panic!("GOMEDIC_LAB is not set: start the lab with scripts/lab/start.sh")
        }
        Err(_) => {
            eprintln!("skipped: GOMEDIC_LAB not set");
            None
        }
    }
}

#[test]
fn upstream_behind_the_labs_squid_with_and_without_credentials() {
    let Some(lab) = lab() else { return };
    let port = |n: &str| lab["ports"][n].as_u64().unwrap();
    let lab_dir = lab["lab_dir"].as_str().unwrap();
    let ca = format!("{lab_dir}/pki/ca.pem");
    let tmp = tempfile::tempdir().unwrap();
    let squid = |userinfo: &str| format!("http://{userinfo}127.0.0.1:{}", port("squid_auth"));
    // Only squid resolves this name: a 200 proves the request went through it.
    let https_up = format!("https://proxied.gomedic-lab.test:{}", port("ok"));
    let http_up = format!("http://proxied.gomedic-lab.test:{}", port("files_http"));
    let info = "/example.com/lab/m/@v/v1.0.0.info";
    let zip = "/example.com/lab/m/@v/v1.0.0.zip";
    let env = |proxy_var: &'static str, proxy: String| {
        vec![(proxy_var, proxy), ("SSL_CERT_FILE", ca.clone())]
    };

    let ok = spawn_proxy(
        &tmp.path().join("ok"),
        &https_up,
        &env("HTTPS_PROXY", squid("alice:s3cret-pw@")),
    );
    let (status, body) = ok.get(info);
    assert_eq!(status, 200, "{body}\n{}", ok.output());
    assert_eq!(ok.get(zip).0, 200);
    // Lower case, and http:// upstreams through squid in absolute form.
    let lower = spawn_proxy(
        &tmp.path().join("lower"),
        &https_up,
        &env("https_proxy", squid("alice:s3cret-pw@")),
    );
    assert_eq!(lower.get(info).0, 200, "{}", lower.output());
    let plain = spawn_proxy(
        &tmp.path().join("plain"),
        &http_up,
        &env("HTTP_PROXY", squid("alice:s3cret-pw@")),
    );
    assert_eq!(plain.get(info).0, 200, "{}", plain.output());

    let none = spawn_proxy(
        &tmp.path().join("none"),
        &https_up,
        &env("HTTPS_PROXY", squid("")),
    );
    let (status, no_creds) = none.get(info);
    assert_eq!(status, 502, "{no_creds}");
    assert!(
        no_creds.contains("proxy authorization required"),
        "{no_creds}"
    );
    let wrong = spawn_proxy(
        &tmp.path().join("wrong"),
        &https_up,
        &env("HTTPS_PROXY", squid("alice:n0t-the-pw@")),
    );
    let (status, wrong_body) = wrong.get(info);
    assert_eq!(status, 502, "{wrong_body}");
    // NO_PROXY: the name is then resolved here, where it does not exist.
    let mut e = env("HTTPS_PROXY", squid("alice:s3cret-pw@"));
    e.push(("NO_PROXY", "proxied.gomedic-lab.test".into()));
    let bypass = spawn_proxy(&tmp.path().join("bypass"), &https_up, &e);
    let (status, body) = bypass.get(info);
    assert_eq!(status, 502, "{body}");

    let mut seen = format!("{no_creds}{wrong_body}{body}");
    for c in [&ok, &lower, &plain, &none, &wrong, &bypass] {
        seen.push_str(&c.output());
        seen.push_str(&surfaces(c.addr));
    }
    for secret in ["s3cret-pw", "n0t-the-pw"] {
        assert!(!seen.contains(secret), "{secret} leaked: {seen}");
    }

    // SOCKS5 with user/password (when the lab has a non-localhost name for it).
    if lab["ports"].get("socks_auth").is_some()
        && lab["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["name"] == "socks5_auth_ok")
    {
        let host = lab["labhost"].as_str().unwrap();
        let socks = spawn_proxy(
            &tmp.path().join("socks"),
            &format!("https://{host}:{}", port("ok")),
            &[
                (
                    "HTTPS_PROXY",
                    format!("socks5://bob:socks-pw@127.0.0.1:{}", port("socks_auth")),
                ),
                ("SSL_CERT_FILE", ca.clone()),
            ],
        );
        let (status, body) = socks.get(info);
        assert_eq!(status, 200, "{body}\n{}", socks.output());
        assert!(!socks.output().contains("socks-pw"));
    }
}
