//! `gomedic net`, the net.* checks and `fix net.mirror`, against loopback servers.

use crate::harness::*;
use gomedic_testkit::{connect_proxy, refused_addr, tls_server, Behavior, ProxyBehavior, TestCa};

/// A test env whose system trust store is `ca` (through SSL_CERT_FILE, as Go reads it).
fn env_trusting(ca: &TestCa) -> TestEnv {
    let mut t = TestEnv::with_go("1.27.3");
    let pem = t.path("ca.pem");
    std::fs::write(&pem, &ca.cert_pem).unwrap();
    t.set("SSL_CERT_FILE", pem.display().to_string());
    t.set("GOMEDIC_DATA_DIR", t.path("data").display().to_string());
    t.unset("GOPROXY");
    t
}

fn json(out: &std::process::Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn net_reports_interception_from_the_system_store() {
    let ca = TestCa::new("Corp TLS Inspection CA");
    let srv = tls_server(&ca, &["proxy.golang.org"], Behavior::Healthy);
    let t = env_trusting(&ca);
    let resolve = format!("proxy.golang.org:443:{}", srv.addr);
    let out = t.gomedic(&[
        "net",
        "https://proxy.golang.org",
        "--resolve",
        &resolve,
        "--format",
        "json",
        "--timeout",
        "5",
    ]);
    let v = json(&out);
    assert_eq!(v["schema"], "gomedic.net/v1");
    let e = &v["endpoints"][0];
    assert_eq!(e["verdict"], "tls_intercepted", "{e:#}");
    assert_eq!(e["tls"]["alpn"], "h2");
    assert_eq!(e["tls"]["trusted_by_system"], true);
    assert_eq!(e["tls"]["trusted_by_mozilla"], false);
    assert_eq!(e["http"]["status"], 200);
    assert!(e["detail"]
        .as_str()
        .unwrap()
        .contains("Corp TLS Inspection CA"));
    assert!(e["duration_ms"].is_u64());
    assert_eq!(out.status.code(), Some(0), "intercepted still works for go");
    // Without the CA in the system store the same server is untrusted.
    let mut t2 = env_trusting(&ca);
    t2.unset("SSL_CERT_FILE");
    t2.set("SSL_CERT_FILE", t2.path("empty.pem").display().to_string());
    std::fs::write(t2.path("empty.pem"), "").unwrap();
    let out = t2.gomedic(&[
        "net",
        "https://proxy.golang.org",
        "--resolve",
        &resolve,
        "--format",
        "json",
    ]);
    assert_eq!(json(&out)["endpoints"][0]["verdict"], "tls_untrusted");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn proxy_407_and_credentials_are_redacted() {
    let p = connect_proxy(ProxyBehavior::AuthRequired);
    let mut t = TestEnv::with_go("1.27.3");
    t.set(
        "HTTPS_PROXY",
        format!("http://alice:pr0xyS3cret@{}", p.addr),
    );
    for fmt in ["human", "json"] {
        let out = t.gomedic(&["net", "https://proxy.golang.org", "--format", fmt]);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(all.contains("proxy_auth_required"), "{all}");
        assert!(
            !all.contains("pr0xyS3cret") && !all.contains("alice:"),
            "{all}"
        );
    }
    // NO_PROXY as Go reads it: the host is then contacted directly (and does not resolve here).
    t.set("NO_PROXY", ".golang.org");
    let out = t.gomedic(&["net", "https://proxy.golang.org", "--format", "json"]);
    assert_ne!(json(&out)["endpoints"][0]["verdict"], "proxy_auth_required");
}

#[test]
fn net_usage_errors() {
    let t = TestEnv::with_go("1.27.3");
    for args in [
        vec!["net", "ftp://x"],
        vec!["net", "--resolve", "nonsense"],
        vec!["net", "--timeout", "0"],
        vec!["net", "route", "../../etc/passwd"],
        vec!["net", "route", "a b"],
    ] {
        let out = t.gomedic(&args);
        assert_exit(&out, 2, &format!("{args:?}"));
    }
}

#[test]
fn route_follows_goproxy_and_private_patterns() {
    let mut t = TestEnv::with_go("1.27.3");
    t.set(
        "GOPROXY",
        "https://goproxy.cn|https://proxy.golang.org,direct",
    );
    t.set("GOPRIVATE", "*.corp.example,github.com/acme");
    let out = t.gomedic(&["net", "route", "github.com/acme/tool", "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["route"]["private"], true);
    assert_eq!(v["route"]["sources"][0]["kind"], "direct");
    assert!(v["route"]["checksum_db"].is_null());
    let out = t.gomedic(&["net", "route", "golang.org/x/text", "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["route"]["sources"][0]["fallback"], "on_any_error");
    assert_eq!(v["route"]["sources"][1]["fallback"], "on_not_found");
    assert_eq!(v["route"]["sources"][2]["kind"], "direct");
    assert_eq!(v["route"]["checksum_db"], "sum.golang.org");
}

/// Map every well-known host to a refused port except the ones given.
fn resolve_all(except: &[(&str, std::net::SocketAddr)]) -> String {
    let dead = refused_addr();
    let hosts = [
        "proxy.golang.org",
        "sum.golang.org",
        "sum.golang.google.cn",
        "goproxy.cn",
        "goproxy.io",
        "mirrors.aliyun.com",
        "storage.googleapis.com",
        "go.dev",
        "dl.google.com",
        "blocked.example",
    ];
    hosts
        .iter()
        .map(|h| {
            let addr = except
                .iter()
                .find(|(n, _)| n == h)
                .map(|(_, a)| *a)
                .unwrap_or(dead);
            format!("{h}:443:{addr}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

#[test]
fn fix_net_mirror_then_undo_is_byte_identical() {
    let ca = TestCa::new("Corp CA");
    let mirror = tls_server(&ca, &["goproxy.cn"], Behavior::NoSumdb);
    let sumcn = tls_server(&ca, &["sum.golang.google.cn"], Behavior::Healthy);
    let mut t = env_trusting(&ca);
    t.set(
        "GOMEDIC_RESOLVE",
        resolve_all(&[
            ("goproxy.cn", mirror.addr),
            ("sum.golang.google.cn", sumcn.addr),
        ]),
    );
    let original = "GOPROXY=https://blocked.example,direct\nGOPRIVATE=*.corp.example\n";
    t.write_env_file(original);

    let out = t.gomedic_online(&["check", "--format", "json", "--only", "net.*"]);
    let r = json(&out);
    assert_status(&r, "net.goproxy", "error");
    assert_status(&r, "net.sumdb", "error");
    let fix = &check(&r, "net.goproxy")["fixes"][0];
    assert_eq!(fix["id"], "net.mirror");
    assert_eq!(fix["automatic"], true);

    let out = t.gomedic(&["fix", "net.mirror", "--dry-run"]);
    assert_exit(&out, 0, "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("https://goproxy.cn|direct"));
    assert_eq!(
        std::fs::read_to_string(t.env_file()).unwrap(),
        original,
        "dry run changes nothing"
    );

    let out = t.gomedic(&["fix", "net.mirror", "--yes"]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert_exit(&out, 0, "");
    let after = std::fs::read_to_string(t.env_file()).unwrap();
    assert!(
        after.contains("GOPROXY=https://goproxy.cn|direct"),
        "{after}"
    );
    assert!(after.contains("GOSUMDB=sum.golang.google.cn"), "{after}");
    assert!(!after.contains("GOSUMDB=off"));
    assert!(
        stdout.contains("re-check: ✓ net.goproxy") || stdout.contains("re-check: ! net.goproxy"),
        "{stdout}"
    );
    // The real go reads the new settings.
    let o = std::process::Command::new(goroot("1.27.3").join("bin/go"))
        .args(["env", "GOPROXY", "GOSUMDB"])
        .env_clear()
        .envs(&t.env)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "https://goproxy.cn|direct\nsum.golang.google.cn\n"
    );

    let out = t.gomedic(&["undo"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        std::fs::read(t.env_file()).unwrap(),
        original.as_bytes(),
        "undo restores the exact file"
    );
}

#[test]
fn check_online_sees_a_working_proxy() {
    let ca = TestCa::new("Public Root");
    let proxy = tls_server(
        &ca,
        &["proxy.golang.org", "sum.golang.org"],
        Behavior::Healthy,
    );
    let mut t = env_trusting(&ca);
    t.set(
        "GOMEDIC_RESOLVE",
        resolve_all(&[
            ("proxy.golang.org", proxy.addr),
            ("sum.golang.org", proxy.addr),
        ]),
    );
    let out = t.gomedic_online(&["check", "--format", "json", "--only", "net.*"]);
    let r = json(&out);
    // Trusted only through SSL_CERT_FILE: works for go, flagged as interception.
    assert_status(&r, "net.goproxy", "warn");
    assert!(text(&r, "net.goproxy").contains("intercepted"));
    assert_status(&r, "net.sumdb", "ok");
    assert_eq!(status(&r, "net.hosts"), "warn");
}

#[test]
fn goproxy_fallback_follows_go_semantics() {
    let ca = TestCa::new("Public Root");
    let good = tls_server(
        &ca,
        &["goproxy.cn", "proxy.golang.org", "sum.golang.org"],
        Behavior::Healthy,
    );
    let mut t = env_trusting(&ca);
    t.set(
        "GOMEDIC_RESOLVE",
        resolve_all(&[("goproxy.cn", good.addr), ("sum.golang.org", good.addr)]),
    );
    // `,` after a refused proxy: go stops there even though goproxy.cn works.
    t.set(
        "GOPROXY",
        "https://blocked.example,https://goproxy.cn,direct",
    );
    let out = t.gomedic_online(&["check", "--format", "json", "--only", "net.goproxy"]);
    let r = json(&out);
    assert_status(&r, "net.goproxy", "error");
    assert!(text(&r, "net.goproxy").contains("only on 404/410"));
    assert!(text(&r, "net.goproxy").contains("net.mirror"));
    // `|` moves on after any error: works, with a warning about the wasted attempt.
    t.set(
        "GOPROXY",
        "https://blocked.example|https://goproxy.cn,direct",
    );
    let out = t.gomedic_online(&["check", "--format", "json", "--only", "net.goproxy"]);
    let r = json(&out);
    assert_status(&r, "net.goproxy", "warn");
    assert!(text(&r, "net.goproxy").contains("failing GOPROXY entr"));
}

#[test]
fn explicit_sumdb_url_bypasses_proxies_and_credentials_stay_hidden() {
    let ca = TestCa::new("Public Root");
    let proxy = tls_server(&ca, &["goproxy.cn"], Behavior::Healthy);
    let mut t = env_trusting(&ca);
    t.set(
        "GOMEDIC_RESOLVE",
        resolve_all(&[("goproxy.cn", proxy.addr)]),
    );
    t.set("GOPROXY", "https://goproxy.cn,direct");
    // The proxy serves /sumdb/, but an explicit GOSUMDB URL makes go ignore that.
    t.set("GOSUMDB", "sum.golang.org https://sum.golang.org");
    let out = t.gomedic_online(&["check", "--format", "json", "--only", "net.sumdb"]);
    let r = json(&out);
    assert_status(&r, "net.sumdb", "error");
    t.unset("GOSUMDB");
    let out = t.gomedic_online(&["check", "--format", "json", "--only", "net.sumdb"]);
    assert_eq!(status(&json(&out), "net.sumdb"), "ok");

    // A GOPROXY with credentials: never printed, in any format.
    t.set("GOPROXY", "https://carol:s3kr1tPass@goproxy.cn,direct");
    for args in [
        vec!["net"],
        vec!["net", "--format", "json"],
        vec!["net", "route", "golang.org/x/text"],
        vec!["check", "--only", "net.goproxy"],
    ] {
        let out = t.gomedic_online(&args);
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            !all.contains("s3kr1tPass") && !all.contains("carol:"),
            "{args:?}:\n{all}"
        );
    }
}

#[test]
fn netrc_credentials_reach_private_proxies_and_stay_hidden() {
    let ca = TestCa::new("Corp Root");
    // "bob:n3trcPass" in base64
    let athens = tls_server(
        &ca,
        &["athens.corp.example"],
        Behavior::RequireAuth("Basic Ym9iOm4zdHJjUGFzcw=="),
    );
    let mut t = env_trusting(&ca);
    let resolve = format!("athens.corp.example:443:{}", athens.addr);
    let args = [
        "net",
        "https://athens.corp.example",
        "--resolve",
        resolve.as_str(),
        "--format",
        "json",
    ];
    assert_eq!(
        json(&t.gomedic(&args))["endpoints"][0]["http"]["status"],
        401
    );
    std::fs::write(
        t.home.join(".netrc"),
        "machine athens.corp.example login bob password n3trcPass\n",
    )
    .unwrap();
    let out = t.gomedic(&args);
    let v = json(&out);
    assert_eq!(v["endpoints"][0]["http"]["status"], 200, "{v:#}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("n3trcPass"));
    // GOAUTH=off: the go command would not send them either.
    t.set("GOAUTH", "off");
    assert_eq!(
        json(&t.gomedic(&args))["endpoints"][0]["http"]["status"],
        401
    );
}

#[test]
fn a_block_page_goproxy_fails_the_check_and_is_never_recommended() {
    let ca = TestCa::new("Public Root");
    let block = tls_server(&ca, &["goproxy.cn"], Behavior::BlockPage);
    let mirror = tls_server(&ca, &["goproxy.io"], Behavior::Healthy);
    let sumcn = tls_server(&ca, &["sum.golang.google.cn"], Behavior::Healthy);
    let mut t = env_trusting(&ca);
    t.set(
        "GOMEDIC_RESOLVE",
        resolve_all(&[
            ("goproxy.cn", block.addr),
            ("goproxy.io", mirror.addr),
            ("sum.golang.google.cn", sumcn.addr),
        ]),
    );
    t.write_env_file("GOPROXY=https://goproxy.cn,direct\n");
    let out = t.gomedic_online(&["check", "--format", "json", "--only", "net.*"]);
    let r = json(&out);
    assert_status(&r, "net.goproxy", "error");
    let msg = text(&r, "net.goproxy");
    assert!(msg.contains("not with the GOPROXY protocol"), "{msg}");
    let out = t.gomedic(&["fix", "net.mirror", "--dry-run"]);
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(stdout.contains("https://goproxy.io"), "{stdout}");
    assert!(!stdout.contains("GOPROXY=https://goproxy.cn"), "{stdout}");
    // gomedic net says why.
    let out = t.gomedic_online(&["net", "https://goproxy.cn", "--format", "json"]);
    let v = json(&out);
    let e = &v["endpoints"][0];
    assert_eq!(e["verdict"], "not_goproxy", "{e:#}");
    assert!(e["detail"].as_str().unwrap().contains("Access denied"));
    assert!(v["recommendation"]["goproxy"].is_null(), "{v:#}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_private_proxy_serving_only_its_own_modules_is_described_as_such() {
    // The company's proxy, on its own name with its private CA in the system store,
    // answers 404 for public modules; everything public is blocked.
    let ca = TestCa::new("Corp Private CA");
    let corp = tls_server(&ca, &["goproxy.corp.example.com"], Behavior::Status(404));
    let mut t = env_trusting(&ca);
    t.set(
        "GOMEDIC_RESOLVE",
        format!(
            "{},goproxy.corp.example.com:443:{}",
            resolve_all(&[]),
            corp.addr
        ),
    );
    t.set("GOPROXY", "https://goproxy.corp.example.com,direct");
    let out = t.gomedic_online(&["net", "--timeout", "5"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("https://goproxy.corp.example.com is a private proxy that does not serve public modules (404 for golang.org/x/text); for them the go command moves on to `direct`"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("no module proxy works from here"),
        "{stdout}"
    );
    // Its own name with a private CA the system trusts: ok, the CA named.
    assert!(stdout.contains("uses the private CA"), "{stdout}");
    assert!(!stdout.contains("tls_intercepted"), "{stdout}");
    let out = t.gomedic_online(&["check", "--format", "json", "--only", "net.goproxy"]);
    let r = json(&out);
    assert_status(&r, "net.goproxy", "ok");
    assert!(
        text(&r, "net.goproxy").contains("private proxy that does not serve public modules"),
        "{}",
        text(&r, "net.goproxy")
    );
    assert_eq!(
        crate::advice::codes(&r, "net.goproxy"),
        ["goproxy.private_first"]
    );
}
