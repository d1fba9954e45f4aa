//! Differential test of the protocol check and of redirects: real `go mod download -json`
//! against loopback GOPROXY servers (a block page answering 200 HTML everywhere, a proxy
//! that redirects to another host serving the files, a redirect loop) must work exactly
//! when `gomedic net` calls that GOPROXY usable.

use crate::harness::{goroots, TestEnv};
use crate::route_diff::module_files;
use serde_json::Value;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

const MODULE: &str = "example.com/m";
const VERSION: &str = "v1.0.0";

const BLOCK_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>Access denied</title></head><body><h1>Access denied</h1><p>Blocked by policy.</p></body></html>\n";

fn respond(mut s: TcpStream, status: u16, headers: &[(&str, &str)], body: &[u8]) {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let _ = s.write_all(head.as_bytes());
    let _ = s.write_all(body);
}

/// A loopback server; the first path element picks the behaviour:
/// `/files/...` serves the module (404 otherwise), `/block/...` is a block page,
/// `/redir/...` redirects to `/files/...` on `files_base` (another server),
/// `/loop/...` redirects to itself, `/hopsN/...` takes N redirects to `/files/...`.
fn serve(files: Arc<BTreeMap<String, Vec<u8>>>, files_base: Option<String>) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            let (files, files_base) = (files.clone(), files_base.clone());
            std::thread::spawn(move || handle(s, &files, files_base.as_deref()));
        }
    });
    base
}

fn handle(mut s: TcpStream, files: &BTreeMap<String, Vec<u8>>, files_base: Option<&str>) {
    let _ = s.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if buf.len() > 65536 {
            return;
        }
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let path = head.split(' ').nth(1).unwrap_or("").to_string();
    let Some((label, rest)) = path.trim_start_matches('/').split_once('/') else {
        return respond(s, 404, &[], b"");
    };
    match label {
        "files" => match files.get(rest) {
            Some(f) => respond(s, 200, &[("Content-Type", "text/plain; charset=utf-8")], f),
            None => respond(s, 404, &[], b"not found"),
        },
        "block" => respond(
            s,
            200,
            &[("Content-Type", "text/html; charset=utf-8")],
            BLOCK_PAGE.as_bytes(),
        ),
        "redir" => match files_base {
            Some(b) => {
                let to = format!("{b}/files/{rest}");
                respond(s, 302, &[("Location", &to)], b"")
            }
            None => respond(s, 404, &[], b""),
        },
        "loop" => respond(s, 302, &[("Location", &path)], b""),
        l if l.starts_with("hops") => {
            let n: u32 = l[4..].parse().unwrap_or(1);
            let to = if n > 1 {
                format!("/hops{}/{rest}", n - 1)
            } else {
                format!("/files/{rest}")
            };
            respond(s, 302, &[("Location", &to)], b"")
        }
        _ => respond(s, 404, &[], b""),
    }
}

/// `go mod download -json MODULE@VERSION` with GOPROXY=`proxy`: Ok, or go's error.
fn go_download(goroot: &Path, proxy: &str, extra: &[(&str, &str)]) -> Result<(), String> {
    let mut t = TestEnv::new(&[&goroot.join("bin")]);
    for (k, v) in extra {
        t.set(k, *v);
    }
    t.set("GOPROXY", proxy);
    t.set("GONOSUMDB", MODULE);
    let out = Command::new(goroot.join("bin/go"))
        .args(["mod", "download", "-json", &format!("{MODULE}@{VERSION}")])
        .env_clear()
        .envs(&t.env)
        .current_dir(&t.cwd)
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    match v["Error"].as_str() {
        Some(e) => Err(e.to_string()),
        None if out.status.success() => Ok(()),
        None => Err(String::from_utf8_lossy(&out.stderr).into_owned()),
    }
}

/// `gomedic net PROXY --kind proxy --format json`: the endpoint and the recommendation.
fn gomedic_net(proxy: &str, extra: &[(&str, &str)]) -> (Value, Value) {
    let mut t = TestEnv::with_go("1.27.3");
    for (k, v) in extra {
        t.set(k, *v);
    }
    let out = t.gomedic(&[
        "net",
        proxy,
        "--kind",
        "proxy",
        "--format",
        "json",
        "--timeout",
        "5",
    ]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v["endpoints"][0].clone(), v["recommendation"].clone())
}

#[test]
fn go_works_exactly_when_gomedic_calls_the_goproxy_usable() {
    let files: BTreeMap<String, Vec<u8>> = module_files(MODULE, VERSION).into_iter().collect();
    let files = Arc::new(files);
    let files_host = serve(files.clone(), None);
    let front = serve(files.clone(), Some(files_host.clone()));

    let cases = [
        ("files", format!("{files_host}/files"), "ok", true),
        ("block page", format!("{front}/block"), "not_goproxy", false),
        ("redirect", format!("{front}/redir"), "ok", true),
        (
            "redirect loop",
            format!("{front}/loop"),
            "http_error",
            false,
        ),
        ("9 redirects", format!("{front}/hops9"), "ok", true),
        (
            "10 redirects",
            format!("{front}/hops10"),
            "http_error",
            false,
        ),
    ];
    let roots = goroots();
    assert!(!roots.is_empty());
    for (name, proxy, want_verdict, want_works) in &cases {
        let (e, rec) = gomedic_net(proxy, &[]);
        let verdict = e["verdict"].as_str().unwrap_or("");
        assert_eq!(verdict, *want_verdict, "{name}: {e:#}");
        let usable = matches!(verdict, "ok" | "tls_intercepted");
        if *name == "block page" {
            let d = e["detail"].as_str().unwrap();
            assert!(
                d.contains("Access denied") && d.contains("text/html"),
                "{d}"
            );
            assert!(
                !rec["goproxy"]
                    .as_str()
                    .unwrap_or("")
                    .contains(proxy.as_str()),
                "a block page is recommended: {rec:#}"
            );
        }
        if *name == "redirect" {
            let want = format!("{files_host}/files/golang.org/x/text/@v/list");
            assert_eq!(e["final_url"], want.as_str(), "{e:#}");
        } else if !name.contains("redirect") {
            assert!(e["final_url"].is_null(), "{e:#}");
        }
        for (release, goroot) in &roots {
            let go = go_download(goroot, proxy, &[]);
            assert_eq!(
                go.is_ok(),
                usable,
                "go{release} with GOPROXY={proxy} ({name}): go says {go:?}, gomedic says {verdict}"
            );
            assert_eq!(go.is_ok(), *want_works, "{name}: {go:?}");
            if let Err(err) = &go {
                match *name {
                    "block page" => assert!(
                        err.contains("invalid response from proxy"),
                        "go{release}: {err}"
                    ),
                    "redirect loop" | "10 redirects" => assert!(
                        err.contains("stopped after 10 redirects"),
                        "go{release}: {err}"
                    ),
                    _ => {}
                }
            }
        }
    }
}

#[test]
fn https_to_http_redirects_fail_for_go_and_gomedic() {
    let files: BTreeMap<String, Vec<u8>> = module_files(MODULE, VERSION).into_iter().collect();
    let plain = serve(Arc::new(files), None);
    let ca = gomedic_testkit::TestCa::new("Test Root");
    let to: &'static str = Box::leak(format!("{plain}/files").into_boxed_str());
    let srv = gomedic_testkit::tls_server(
        &ca,
        &["127.0.0.1"],
        gomedic_testkit::Behavior::RedirectTo(to),
    );
    let dir = tempfile::tempdir().unwrap();
    let pem = dir.path().join("ca.pem");
    std::fs::write(&pem, &ca.cert_pem).unwrap();
    let pem = pem.display().to_string();
    let extra = [("SSL_CERT_FILE", pem.as_str())];
    let proxy = format!("https://{}", srv.addr);
    let (e, _) = gomedic_net(&proxy, &extra);
    assert_eq!(e["verdict"], "http_error", "{e:#}");
    let d = e["detail"].as_str().unwrap();
    assert!(d.contains("redirected from secure URL"), "{d}");
    // The same server's plain-HTTP target works for go: only the downgrade fails.
    for (release, goroot) in &goroots() {
        let go = go_download(goroot, &proxy, &extra);
        let err = go.expect_err("go followed an https to http redirect");
        assert!(
            err.contains("redirected from secure URL") && err.contains("to insecure URL"),
            "go{release}: {err}"
        );
        go_download(goroot, &format!("{plain}/files"), &[]).unwrap();
    }
}
