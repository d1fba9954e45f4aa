//! `proxy.team` against a real `gomedic proxy serve` (this binary) as GOPROXY, set in
//! the hermetic go env file so that the advice (`go env -w GOPROXY=...`) can be taken.

use crate::harness::*;
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the proxy when dropped.
struct Serve(Child, SocketAddr);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(t: &TestEnv, sumdb: &str) -> Serve {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gomedic"))
        .args([
            "proxy",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--sumdb",
            sumdb,
        ])
        .args(["--upstream", "http://127.0.0.1:9"])
        .arg("--cache-dir")
        .arg(t.path("proxy-cache"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        let Some(Ok(line)) = lines.next() else { break };
        if let Some(rest) = line.split(" on http://").nth(1) {
            let addr = rest.split_whitespace().next().unwrap().parse().unwrap();
            // Keep draining stderr so the proxy never blocks on it.
            std::thread::spawn(move || for _ in lines {});
            return Serve(child, addr);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("gomedic proxy serve printed no address");
}

fn run(t: &TestEnv) -> (i32, Value) {
    let out = t.gomedic_online(&["check", "--only", "proxy.team", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap_or(-1), v)
}

fn codes(report: &Value) -> Vec<String> {
    check(report, "proxy.team")["findings"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|f| f["code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn env_with_goproxy(goproxy: &str, extra: &str) -> TestEnv {
    let mut t = TestEnv::new(&[&newest().join("bin")]);
    t.unset("GOPROXY");
    t.write_env_file(&format!("GOPROXY={goproxy}\n{extra}"));
    t
}

#[test]
fn healthy_then_killed_then_advice_taken() {
    let boot = TestEnv::new(&[]);
    let p = serve(&boot, "sum.golang.org");
    let url = format!("http://{}", p.1);
    let t = env_with_goproxy(&url, "");
    let (code, r) = run(&t);
    assert_eq!(code, 0, "{r:#}");
    assert_status(&r, "proxy.team", "ok");
    assert_eq!(codes(&r), ["proxy.healthy"], "{r:#}");
    assert!(text(&r, "proxy.team").contains("gomedic-proxy/"), "{r:#}");

    drop(p);
    let (code, r) = run(&t);
    assert_eq!(code, 1, "{r:#}");
    assert_status(&r, "proxy.team", "error");
    assert_eq!(codes(&r), ["proxy.unreachable"], "{r:#}");
    let fix = check(&r, "proxy.team")["fixes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "proxy.fallback")
        .cloned()
        .unwrap_or_else(|| panic!("no proxy.fallback: {r:#}"));
    let want = format!("{url}|https://proxy.golang.org,direct");
    let cmds: Vec<&str> = fix["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cmds, [format!("go env -w 'GOPROXY={want}'")]);
    // Take the advice as a user would, in a shell, then ask again.
    for c in &cmds {
        let out = Command::new("sh")
            .arg("-c")
            .arg(c)
            .env_clear()
            .envs(&t.env)
            .current_dir(&t.cwd)
            .output()
            .unwrap();
        assert_exit(&out, 0, c);
    }
    let out = Command::new("go")
        .args(["env", "GOPROXY"])
        .env_clear()
        .envs(&t.env)
        .env("PATH", &t.env["PATH"])
        .output();
    if let Ok(out) = out {
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), want);
    }
    let (code, r) = run(&t);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(codes(&r), ["proxy.down_falls_back"], "{r:#}");
    assert_status(&r, "proxy.team", "warn");
}

#[test]
fn proxy_without_the_checksum_database() {
    let boot = TestEnv::new(&[]);
    let p = serve(&boot, "off");
    let url = format!("http://{}", p.1);
    let (_, r) = run(&env_with_goproxy(&url, ""));
    assert_eq!(
        codes(&r),
        ["proxy.healthy", "proxy.sumdb_unsupported"],
        "{r:#}"
    );
    assert_status(&r, "proxy.team", "warn");
    // Nothing is verified against the database anyway: not worth a warning.
    let (_, r) = run(&env_with_goproxy(&url, "GONOSUMDB=*\n"));
    assert_eq!(codes(&r), ["proxy.healthy"], "{r:#}");
    // An explicit URL: go never asks proxies for the database.
    let (_, r) = run(&env_with_goproxy(
        &url,
        "GOSUMDB=sum.golang.org https://sum.golang.org\n",
    ));
    assert_eq!(codes(&r), ["proxy.healthy"], "{r:#}");
}

#[test]
fn another_server_gets_no_proxy_finding() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut c in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf);
            let _ = c.write_all(b"HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n");
        }
    });
    let (code, r) = run(&env_with_goproxy(&format!("http://{addr}"), ""));
    assert_eq!(code, 0, "{r:#}");
    assert_status(&r, "proxy.team", "skipped");
    assert!(codes(&r).is_empty(), "{r:#}");
    // A public or unreachable non-first entry is net.goproxy's business, not this check's.
    let (_, r) = run(&env_with_goproxy(
        "https://proxy.golang.org,http://127.0.0.1:9",
        "",
    ));
    assert!(codes(&r).is_empty(), "{r:#}");
}
