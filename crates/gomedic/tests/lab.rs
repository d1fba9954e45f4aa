//! Differential test against real servers (issue #9): for every scenario of the lab started
//! by `scripts/lab/start.sh` (nginx TLS and HTTP variants, squid, microsocks, mitmproxy)
//! and every installed Go, the real `go mod download -json` of the lab's module and
//! `gomedic net` run in the same environment, and gomedic's verdict on the `GOPROXY`
//! endpoint must agree with go: both work, or both fail at the same layer.
//!
//! The lab's manifest comes from `GOMEDIC_LAB` (scripts/test.sh starts the lab and sets it).
//! Without it the test fails under CI and is skipped otherwise.

#[path = "it/harness.rs"]
mod harness;

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Where gomedic currently disagrees with go. Each entry is a gomedic-net bug to fix; when
/// it is fixed the scenario agrees with go and this test fails until the entry is removed.
struct Known {
    scenario: &'static str,
    /// Go releases (`major.minor`) for which the disagreement is expected.
    go: &'static [&'static str],
    reason: &'static str,
}

#[allow(dead_code)]
const ALL_GO: &[&str] = &["1.21", "1.22", "1.24", "1.27"];

const KNOWN_DISAGREEMENTS: &[Known] = &[];

fn known(scenario: &str, release: &str) -> Option<&'static Known> {
    KNOWN_DISAGREEMENTS.iter().find(|k| {
        k.scenario == scenario
            && k.go
                .iter()
                .any(|v| release == *v || release.starts_with(&format!("{v}.")))
    })
}

/// Where a download failed, as both tools name it; `works` when it did not.
fn go_layer(err: Option<&str>) -> &'static str {
    let Some(e) = err else { return "works" };
    // `Get "URL": Forbidden`: net/http's error for a non-200 answer to CONNECT is the bare
    // status text; a server's own error status reads `reading URL: 403 Forbidden`.
    let connect_status = e.rsplit_once("\": ").is_some_and(|(_, t)| {
        [
            "Forbidden",
            "Proxy Authentication Required",
            "Internal Server Error",
            "Bad Gateway",
            "Service Unavailable",
            "Gateway Timeout",
            "Bad Request",
        ]
        .contains(&t.trim())
    });
    if e.contains("invalid response from proxy")
        || e.contains("invalid character")
        || e.contains("zip: not a valid zip file")
        || e.contains("unexpected end of JSON")
    {
        "protocol"
    } else if e.contains("proxyconnect")
        || e.contains("socks connect")
        || e.contains(": 407 Proxy Authentication Required")
        || connect_status
    {
        "proxy"
    } else if e.contains("x509:") || e.contains("tls:") || e.contains("does not look like a TLS") {
        "tls"
    } else if e.contains("stopped after 10 redirects")
        || e.contains("redirected from secure URL")
        || e.contains("reading http")
    {
        "http"
    } else if e.contains("no such host") {
        "dns"
    } else if e.contains("dial tcp") || e.contains("connection refused") {
        "tcp"
    } else {
        "unknown"
    }
}

fn gomedic_layer(verdict: &str) -> &'static str {
    match verdict {
        // tls_unverifiable claims no failure: go's TLS accepts the server ("go may work").
        "ok" | "tls_intercepted" | "tls_unverifiable" => "works",
        "dns_failed" | "dns_suspicious" => "dns",
        "tcp_refused" | "tcp_timeout" | "tcp_failed" => "tcp",
        "proxy_auth_required" | "proxy_failed" => "proxy",
        "tls_reset" | "tls_timeout" | "tls_failed" | "tls_untrusted" | "tls_hostname_mismatch" => {
            "tls"
        }
        "http_error" => "http",
        "not_goproxy" => "protocol",
        _ => "unknown",
    }
}

/// Runs `cmd` with a deadline: (exit success, stdout, stderr).
fn run(mut cmd: Command, limit: Duration) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let e = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break Some(st);
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let (o, mut e) = (o.join().unwrap(), e.join().unwrap());
    if status.is_none() {
        e.push_str(&format!("\n(killed after {limit:?})"));
    }
    (status.is_some_and(|s| s.success()), o, e)
}

struct Row {
    scenario: String,
    release: String,
    go_layer: &'static str,
    go_msg: String,
    verdict: String,
    detail: String,
    problem: Option<String>,
}

fn first_line(s: &str) -> String {
    let l = s.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let l = l.trim();
    if l.chars().count() > 170 {
        format!("{}…", l.chars().take(170).collect::<String>())
    } else {
        l.to_string()
    }
}

fn normalize(u: &str) -> &str {
    u.trim_end_matches('/')
}

fn check(manifest: &Value, sc: &Value, release: &str, goroot: &Path) -> Row {
    let name = sc["name"].as_str().unwrap().to_string();
    let goproxy = sc["goproxy"].as_str().unwrap();
    let module = format!(
        "{}@{}",
        manifest["module"].as_str().unwrap(),
        manifest["version"].as_str().unwrap()
    );
    let tmp = tempfile::tempdir().unwrap();
    let home = tmp.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    let p = |s: &str| home.join(s).display().to_string();
    env.insert(
        "PATH".into(),
        format!("{}:/usr/bin:/bin", goroot.join("bin").display()),
    );
    env.insert("HOME".into(), home.display().to_string());
    env.insert("GOPATH".into(), p("go"));
    env.insert("GOMODCACHE".into(), p("go/pkg/mod"));
    env.insert("GOCACHE".into(), p("cache/go-build"));
    env.insert("GOENV".into(), "off".into());
    env.insert("GOTOOLCHAIN".into(), "local".into());
    env.insert("GOFLAGS".into(), "-modcacherw".into());
    env.insert("GOTELEMETRY".into(), "off".into());
    env.insert("GONOSUMDB".into(), "example.com".into());
    env.insert("GOPROXY".into(), goproxy.into());
    for (k, v) in sc["env"].as_object().unwrap() {
        env.insert(k.clone(), v.as_str().unwrap().into());
    }

    // go mod download works outside a module when given module@version.
    let mut go = Command::new(goroot.join("bin/go"));
    go.args(["mod", "download", "-json", &module])
        .env_clear()
        .envs(&env)
        .current_dir(&home);
    let (ok, stdout, stderr) = run(go, Duration::from_secs(120));
    let go_err: Option<String> = match serde_json::from_str::<Value>(&stdout) {
        Ok(v) if v["Error"].is_string() => Some(v["Error"].as_str().unwrap().to_string()),
        Ok(v) if ok && v["Zip"].is_string() => None,
        _ => Some(format!("{}{}", stdout.trim(), stderr.trim())),
    };
    let go_layer = go_layer(go_err.as_deref());
    let go_msg = go_err.as_deref().map(first_line).unwrap_or_default();

    // The GOPROXY URL is named so that gomedic does not also probe the public hosts (through
    // the scenario's proxies, up to the deadline); the environment is go's.
    let mut gm = Command::new(env!("CARGO_BIN_EXE_gomedic"));
    gm.args(["net", goproxy, "--kind", "proxy", "--format", "json"])
        .args(["--timeout", "10"])
        .env_clear()
        .envs(&env)
        .current_dir(&home);
    let (_, gout, gerr) = run(gm, Duration::from_secs(60));
    let mut row = Row {
        scenario: name.clone(),
        release: release.into(),
        go_layer,
        go_msg,
        verdict: String::new(),
        detail: String::new(),
        problem: None,
    };
    let report: Value = match serde_json::from_str(&gout) {
        Ok(v) => v,
        Err(e) => {
            row.problem = Some(format!(
                "gomedic printed no JSON ({e}): {}",
                first_line(&gerr)
            ));
            return row;
        }
    };
    let endpoints = report["endpoints"].as_array().cloned().unwrap_or_default();
    let Some(ep) = endpoints
        .iter()
        .find(|e| normalize(e["url"].as_str().unwrap_or("")) == normalize(goproxy))
    else {
        row.problem = Some(format!("gomedic did not probe GOPROXY={goproxy}"));
        return row;
    };
    row.verdict = ep["verdict"].as_str().unwrap_or("").into();
    row.detail = first_line(ep["detail"].as_str().unwrap_or(""));
    let gm_layer = gomedic_layer(&row.verdict);

    let mut problems = Vec::new();
    // The lab itself: go must behave as the manifest says, or the scenario tests nothing.
    let expect = sc["expect"].as_str().unwrap();
    if go_layer != expect {
        problems.push(format!("lab: go {go_layer}, the manifest expects {expect}"));
    }
    let agrees = gm_layer == go_layer;
    match (agrees, known(&name, release)) {
        (false, None) => problems.push(format!("DISAGREES: go {go_layer}, gomedic {gm_layer}")),
        (true, Some(_)) => {
            problems.push("agrees now: remove it from KNOWN_DISAGREEMENTS".to_string())
        }
        _ => {}
    }
    // A TLS failure is told in go's own words (an expiry message up to go's clock reading).
    if go_layer == "tls" && gm_layer == "tls" {
        let e = go_err.as_deref().unwrap_or("");
        if let Some(i) = ["x509: ", "remote error: ", "tls: "]
            .iter()
            .find_map(|p| e.find(p))
        {
            let mut want = e[i..].lines().next().unwrap_or("").trim();
            if let Some(j) = want.find(": current time") {
                want = &want[..j];
            }
            if !ep["detail"].as_str().unwrap_or("").contains(want) {
                problems.push(format!("gomedic does not give go's error {want:?}"));
            }
        }
    }
    // Never recommend what fails: neither a failing endpoint nor a GOPROXY go cannot use.
    let rec = report["recommendation"]["goproxy"].as_str().unwrap_or("");
    for entry in rec.split([',', '|']).map(normalize) {
        if entry.is_empty() || entry == "direct" || entry == "off" {
            continue;
        }
        if go_layer != "works" && entry == normalize(goproxy) {
            problems.push(format!("recommends {entry}, which fails for go"));
        }
        if let Some(e) = endpoints
            .iter()
            .find(|e| normalize(e["url"].as_str().unwrap_or("")) == entry)
        {
            let v = e["verdict"].as_str().unwrap_or("");
            if gomedic_layer(v) != "works" {
                problems.push(format!("recommends {entry}, whose verdict is {v}"));
            }
        }
    }
    if !problems.is_empty() {
        row.problem = Some(problems.join("; "));
    }
    row
}

fn table(rows: &[Row]) -> String {
    let mut s = format!(
        "{:<28} {:<8} {:<9} {:<22} {}\n",
        "scenario", "go", "go", "gomedic", "details"
    );
    for r in rows {
        let mark = if r.problem.is_some() {
            "✗"
        } else if known(&r.scenario, &r.release).is_some() {
            "~"
        } else {
            "✓"
        };
        s.push_str(&format!(
            "{mark} {:<26} {:<8} {:<9} {:<22} go: {}\n{:<70} gomedic: {}\n",
            r.scenario,
            r.release,
            r.go_layer,
            r.verdict,
            if r.go_msg.is_empty() { "ok" } else { &r.go_msg },
            "",
            r.detail
        ));
        if let (None, Some(k)) = (&r.problem, known(&r.scenario, &r.release)) {
            s.push_str(&format!("{:<70} known disagreement: {}\n", "", k.reason));
        }
        if let Some(p) = &r.problem {
            s.push_str(&format!("{:<70} PROBLEM: {p}\n", ""));
        }
    }
    s
}

#[test]
fn gomedic_agrees_with_go_on_real_servers() {
    let Ok(path) = std::env::var("GOMEDIC_LAB") else {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("GOMEDIC_LAB is not set: under CI the real-server lab must run (scripts/test.sh starts it with scripts/lab/start.sh)");
        }
        eprintln!("skipped: GOMEDIC_LAB is not set; run `export GOMEDIC_LAB=$(bash scripts/lab/start.sh)`");
        return;
    };
    let manifest: Value = serde_json::from_str(
        &std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")),
    )
    .unwrap();
    let scenarios = manifest["scenarios"].as_array().unwrap().clone();
    assert!(scenarios.len() >= 20, "too few scenarios in {path}");

    // Every allow-listed scenario must still exist, so the list cannot outlive the lab.
    for k in KNOWN_DISAGREEMENTS {
        assert!(
            scenarios.iter().any(|s| s["name"] == k.scenario),
            "KNOWN_DISAGREEMENTS names {}, which the lab does not have",
            k.scenario
        );
    }

    let roots: Vec<(String, PathBuf)> = harness::goroots().into_iter().collect();
    let mut jobs: Vec<(usize, Value, String, PathBuf)> = Vec::new();
    for sc in &scenarios {
        for (release, root) in &roots {
            jobs.push((jobs.len(), sc.clone(), release.clone(), root.clone()));
        }
    }
    let n = jobs.len();
    let queue = Arc::new(Mutex::new(jobs));
    let results = Arc::new(Mutex::new(Vec::new()));
    let manifest = Arc::new(manifest);
    let started = Instant::now();
    let workers: Vec<_> = (0..4)
        .map(|_| {
            let (queue, results, manifest) = (queue.clone(), results.clone(), manifest.clone());
            std::thread::spawn(move || loop {
                let Some((i, sc, release, root)) = queue.lock().unwrap().pop() else {
                    return;
                };
                let row = check(&manifest, &sc, &release, &root);
                results.lock().unwrap().push((i, row));
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let mut rows = std::mem::take(&mut *results.lock().unwrap());
    assert_eq!(rows.len(), n);
    rows.sort_by_key(|(i, _)| *i);
    let rows: Vec<Row> = rows.into_iter().map(|(_, r)| r).collect();
    let t = table(&rows);
    eprintln!(
        "{} scenarios × {} go releases in {:.1}s (✓ agree, ~ known disagreement, ✗ problem)\n{t}",
        scenarios.len(),
        roots.len(),
        started.elapsed().as_secs_f64()
    );
    let bad = rows.iter().filter(|r| r.problem.is_some()).count();
    assert!(
        bad == 0,
        "{bad} of {n} runs went wrong (go is the oracle; see PROBLEM lines):\n{t}"
    );
}
