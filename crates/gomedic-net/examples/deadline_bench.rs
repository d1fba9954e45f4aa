//! Benchmark: `probe_all` over 20 loopback endpoints of which 14 hang (7 silent TLS
//! servers, 7 black-holed TCP ports) must return within its deadline plus 100 ms.
//! Run with `cargo run --release -p gomedic-net --example deadline_bench [DEADLINE_MS] [RUNS]`.

use gomedic_core::net::{EndpointKind, Verdict};
use gomedic_net::resolve::Override;
use gomedic_net::{probe_all, ProbeConfig, Target};
use gomedic_testkit::{blackhole, tls_server, Behavior, TestCa};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let deadline_ms: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let runs: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(10);
    let ca = TestCa::new("Bench Root");
    let silent = tls_server(&ca, &["bench.example"], Behavior::Silent);
    let healthy = tls_server(&ca, &["bench.example"], Behavior::Healthy);
    let (hole, _guard) = blackhole();
    let mut roots = gomedic_net::Pool::new();
    assert!(roots.add_der(ca.cert_der.as_ref()), "root");
    let roots = Arc::new(roots);
    let mut cfg = ProbeConfig::new(Duration::from_millis(deadline_ms));
    cfg.system_roots = roots.clone();
    cfg.mozilla_roots = roots;
    let mut targets = Vec::new();
    for i in 0..20 {
        let host = format!("e{i}.bench.example");
        let addr = match i % 3 {
            0 => silent.addr,
            1 => hole,
            _ => healthy.addr,
        };
        cfg.overrides.push(Override {
            host: host.clone(),
            port: 443,
            addr,
        });
        targets.push(Target {
            url: format!("https://{host}"),
            kind: EndpointKind::Host,
        });
    }
    let mut overs = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let reports = probe_all(&targets, &cfg);
        let took = t.elapsed();
        let hung = reports
            .iter()
            .filter(|r| matches!(r.verdict, Verdict::TlsTimeout | Verdict::TcpTimeout))
            .count();
        assert_eq!(reports.len(), 20);
        assert!(
            hung >= 13,
            "expected the hanging endpoints to time out, got {hung}"
        );
        overs.push(took.as_secs_f64() * 1000.0 - deadline_ms as f64);
    }
    let (median, max) = stats(&mut overs);
    println!("endpoints=20 hanging=14 deadline_ms={deadline_ms} runs={runs}");
    println!(
        "library probe_all: overshoot_ms median={median:.1} max={max:.1} (target: max <= 100)"
    );
    let mut failed = max > 100.0;

    // The real `gomedic net` command, process start included, when GOMEDIC_BIN is given.
    if let Ok(bin) = std::env::var("GOMEDIC_BIN") {
        let dir = std::env::temp_dir().join(format!("gomedic-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let pem = dir.join("ca.pem");
        std::fs::write(&pem, &ca.cert_pem).expect("pem");
        let resolve: Vec<String> = cfg
            .overrides
            .iter()
            .map(|o| format!("{}:{}:{}", o.host, o.port, o.addr))
            .collect();
        let mut overs = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            let out = std::process::Command::new(&bin)
                .arg("net")
                .args(targets.iter().map(|t| t.url.clone()))
                .args([
                    "--timeout",
                    &format!("{}", deadline_ms as f64 / 1000.0),
                    "--format",
                    "json",
                    "--kind",
                    "host",
                ])
                .env("GOMEDIC_RESOLVE", resolve.join(","))
                .env("SSL_CERT_FILE", &pem)
                .output()
                .expect("run gomedic");
            let took = t.elapsed();
            let v = String::from_utf8_lossy(&out.stdout);
            assert!(v.contains("\"gomedic.net/v1\""), "unexpected output: {v}");
            overs.push(took.as_secs_f64() * 1000.0 - deadline_ms as f64);
        }
        let (median, max) = stats(&mut overs);
        println!("gomedic net (whole process): overshoot_ms median={median:.1} max={max:.1} (target: max <= 100)");
        failed |= max > 100.0;
        let _ = std::fs::remove_dir_all(&dir);
    }
    if failed {
        std::process::exit(1);
    }
}

fn stats(v: &mut [f64]) -> (f64, f64) {
    v.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    (v[v.len() / 2], v[v.len() - 1])
}
